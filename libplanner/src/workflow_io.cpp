#include "dagplan/workflow_io.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "dagplan/error.hpp"
#include "dagplan/files.hpp"
#include "dagplan/json_reader.hpp"
#include "dagplan/json_writer.hpp"
#include "dagplan/suggest.hpp"
#include "dagplan/wfcommons.hpp"

namespace dagplan {

std::string_view document_kind_name(DocumentKind kind) {
  switch (kind) {
    case DocumentKind::kWorkflow: return "workflow";
    case DocumentKind::kPlatform: return "platform";
    case DocumentKind::kPlan: return "plan";
    case DocumentKind::kProfile: return "profile";
    case DocumentKind::kTrace: return "trace";
    case DocumentKind::kWfCommons: return "WfCommons instance";
    case DocumentKind::kUnknown: break;
  }
  return "unknown document";
}

namespace {
DocumentKind kind_of_format(std::string_view f) {
  auto starts = [&](std::string_view p) { return f.substr(0, p.size()) == p; };
  if (starts("dagplan-workflow/")) return DocumentKind::kWorkflow;
  if (starts("dagplan-platform/")) return DocumentKind::kPlatform;
  if (starts("dagplan-plan/")) return DocumentKind::kPlan;
  if (starts("dagplan-profile/")) return DocumentKind::kProfile;
  if (starts("dagplan-trace/")) return DocumentKind::kTrace;
  return DocumentKind::kUnknown;
}
}  // namespace

DocumentKind detect_document(std::string_view text, const std::string& file) {
  JsonReader r(text, file);
  if (r.peek() != JsonReader::Kind::kObject) r.fail_expected("a JSON object");
  DocumentKind kind = DocumentKind::kUnknown;
  bool wf_schema = false, wf_workflow = false;
  // Stop at the first decisive member by throwing a private marker; files written by dagplan put
  // "format" first, so detection costs nothing for them.
  struct Found {};
  try {
    r.object([&](std::string_view key) {
      if (key == "format") {
        if (r.peek() != JsonReader::Kind::kString)
          r.fail_expected("a format string such as \"dagplan-workflow/1\"");
        std::string_view f = r.string();
        kind = kind_of_format(f);
        if (kind == DocumentKind::kUnknown)
          r.fail(
              fmt::format("unknown format '{}' (expected dagplan-workflow/1, dagplan-platform/1, "
                          "dagplan-plan/1, dagplan-profile/1 or dagplan-trace/1)",
                          f));
        throw Found{};
      }
      if (key == "schemaVersion") wf_schema = true;
      if (key == "workflow") wf_workflow = true;
      r.skip();
    });
  } catch (const Found&) {
    return kind;
  }
  if (wf_schema || wf_workflow) return DocumentKind::kWfCommons;
  r.fail_at("$",
            "missing member 'format' (expected e.g. \"dagplan-workflow/1\"), and not a WfCommons "
            "instance (no 'workflow' member)");
}

Workflow read_workflow(std::string_view text, const std::string& file) {
  JsonReader r(text, file);
  WorkflowBuilder b;
  // Estimate sizes from the text to reserve once: about 100 bytes per task, 10 per dependency.
  b.reserve(text.size() / 100 + 16, text.size() / 25 + 16);
  bool has_format = false, has_tasks = false;
  std::vector<std::uint32_t> first_edge;  // tasks[i]'s first edge ordinal; for error paths
  std::size_t edges = 0;
  if (r.peek() != JsonReader::Kind::kObject) r.fail_expected("a workflow object");
  r.object([&](std::string_view key) {
    if (key == "format") {
      read_format(r, "dagplan-workflow", 1);
      has_format = true;
    } else if (key == "name") {
      b.set_name(std::string(r.string()));
    } else if (key == "description") {
      r.string();
    } else if (key == "metadata") {
      r.skip();
    } else if (key == "tasks") {
      has_tasks = true;
      first_edge.reserve(text.size() / 100 + 16);
      // Buffers reused across tasks: no allocation per task once they have grown.
      std::string id, function, deps_storage;
      std::vector<std::size_t> dep_ends;
      r.array([&](std::size_t i) {
        id.clear();
        function.clear();
        deps_storage.clear();
        dep_ends.clear();
        double work = -1;
        std::uint64_t in = 0, out = 0;
        bool has_id = false, has_kernel = false;
        TaskKernel kernel;
        first_edge.push_back(static_cast<std::uint32_t>(edges));
        // Dependencies are added as edges right away (forward references are allowed); the task
        // itself is added after its object is read, when its id is known.
        r.object([&](std::string_view k) {
          if (k == "id") {
            id = r.string();
            if (id.empty()) r.fail("expected a non-empty task id");
            b.expect_task(id);
            has_id = true;
          } else if (k == "function") {
            function = r.string();
          } else if (k == "work_s") {
            work = read_seconds(r);
          } else if (k == "input_bytes") {
            in = read_bytes(r);
          } else if (k == "output_bytes") {
            out = read_bytes(r);
          } else if (k == "deps") {
            r.array([&](std::size_t) {
              std::string_view d = r.string();
              if (d.empty()) r.fail("expected a task id, got an empty string");
              deps_storage.append(d);
              dep_ends.push_back(deps_storage.size());
            });
          } else if (k == "description") {
            r.string();
          } else if (k == "kernel") {
            std::string_view name = r.string();
            auto names = kernel_names();
            if (std::find(names.begin(), names.end(), name) == names.end())
              r.fail(unknown_name_message("kernel", name, names));
            kernel.kernel = name;
            has_kernel = true;
          } else if (k == "command") {
            kernel.command = r.string();
            if (kernel.command.empty()) r.fail("expected a shell command, got an empty string");
            has_kernel = true;
          } else if (k == "args") {
            if (r.peek() != JsonReader::Kind::kObject) r.fail_expected("an object of arguments");
            kernel.args_json = r.raw_value();
            has_kernel = true;
          } else if (k == "input_file") {
            kernel.input_file = r.string();
            if (kernel.input_file.empty()) r.fail("expected a file name, got an empty string");
            has_kernel = true;
          } else {
            fail_unknown_member(r, k,
                                {"id", "function", "work_s", "input_bytes", "output_bytes", "deps",
                                 "description", "kernel", "command", "args", "input_file"});
          }
        });
        if (!has_id) r.fail_at(fmt::format("$.tasks[{}]", i), "missing member 'id'");
        if (has_kernel) {
          if (kernel.kernel.empty() && !kernel.command.empty()) kernel.kernel = "command";
          if (kernel.kernel == "command" && kernel.command.empty())
            r.fail_at(fmt::format("$.tasks[{}]", i), "kernel 'command' needs a 'command' member");
          if (kernel.kernel != "command" && !kernel.command.empty())
            r.fail_at(fmt::format("$.tasks[{}].command", i),
                      fmt::format("a command runs with kernel 'command', not '{}'", kernel.kernel));
        }
        // add_task() rejects a taken id itself; asking has_task() only then looks each id up
        // once instead of twice (about 7% of the parse of 10^6 tasks).
        try {
          b.add_task(id, function, work, in, out);
        } catch (const InputError&) {
          if (b.has_task(id))
            r.fail_at(fmt::format("$.tasks[{}].id", i), fmt::format("duplicate task id '{}'", id));
          throw;
        }
        if (has_kernel)
          b.set_kernel(TaskId{static_cast<std::uint32_t>(b.task_count() - 1)}, kernel);
        std::size_t begin = 0;
        for (std::size_t end : dep_ends) {
          b.add_edge(std::string_view(deps_storage).substr(begin, end - begin), id);
          begin = end;
          ++edges;
        }
      });
    } else {
      fail_unknown_member(r, key, {"format", "name", "description", "metadata", "tasks"});
    }
  });
  r.finish();
  if (!has_format) r.fail_at("$", "missing member 'format' (expected \"dagplan-workflow/1\")");
  if (!has_tasks) r.fail_at("$", "missing member 'tasks'");
  first_edge.push_back(static_cast<std::uint32_t>(edges));
  auto locate = [&](std::size_t e) {
    auto it = std::upper_bound(first_edge.begin(), first_edge.end(), static_cast<std::uint32_t>(e));
    std::size_t task = static_cast<std::size_t>(it - first_edge.begin()) - 1;
    return fmt::format("$.tasks[{}].deps[{}]", task, e - first_edge[task]);
  };
  return std::move(b).build(file, locate);
}

Workflow read_any_workflow(std::string_view text, const std::string& file) {
  DocumentKind kind = detect_document(text, file);
  if (kind == DocumentKind::kWorkflow) return read_workflow(text, file);
  if (kind == DocumentKind::kWfCommons) return read_wfcommons(text, file).workflow;
  throw InputError(
      file, "$.format",
      fmt::format("expected a workflow (dagplan-workflow/1 or a WfCommons instance), got a {}",
                  document_kind_name(kind)));
}

Workflow load_workflow(const std::string& path) {
  const TextFile file(path);  // a regular file is read in place (mapped)
  return read_any_workflow(file.text(), path == "-" ? "<stdin>" : path);
}

std::string write_workflow(const Workflow& w) {
  std::string out;
  // Room for the whole text, so that it is never moved as it grows: a task's line is about 100
  // characters besides its id and function name, a dependency its producer's id and 4 more. The
  // fixed 110 + 12 per edge fell short at 10^6 tasks (197 MB written, 158 MB reserved). Room
  // reserved and not written is never touched.
  std::size_t id_bytes = 0;
  for (std::uint32_t i = 0; i < w.task_count(); ++i) id_bytes += w.id(TaskId{i}).size();
  const std::size_t mean_id = w.task_count() == 0 ? 0 : id_bytes / w.task_count() + 1;
  out.reserve(w.task_count() * 160 + 2 * id_bytes + w.edge_count() * (mean_id + 6) + 128);
  JsonWriter j(out);
  j.begin_object();
  j.member("format", "dagplan-workflow/1");
  j.member("name", w.name());
  j.key("tasks");
  j.begin_array();
  for (std::uint32_t i = 0; i < w.task_count(); ++i) {
    TaskId t{i};
    j.begin_object(true);
    j.member("id", w.id(t));
    j.member("function", w.function_name(w.function(t)));
    if (w.has_work(t)) {
      j.member("work_s", w.work_s(t));
    }
    j.member("input_bytes", w.input_bytes(t));
    j.member("output_bytes", w.output_bytes(t));
    if (const TaskKernel* k = w.kernel(t)) {
      if (!k->kernel.empty()) j.member("kernel", k->kernel);
      if (!k->command.empty()) j.member("command", k->command);
      if (!k->args_json.empty()) {
        j.key("args");
        j.raw(k->args_json);
      }
      if (!k->input_file.empty()) j.member("input_file", k->input_file);
    }
    j.key("deps");
    j.begin_array();
    for (TaskId p : w.predecessors(t)) j.value(w.id(p));
    j.end_array();
    j.end_object();
  }
  j.end_array();
  j.end_object();
  return out;
}

}  // namespace dagplan
