// validate, show, export, import, generate: the workflow commands of dagplan.

#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli_common.hpp"
#include "commands.hpp"
#include "dagplan/analysis.hpp"
#include "dagplan/error.hpp"
#include "dagplan/export.hpp"
#include "dagplan/files.hpp"
#include "dagplan/generators.hpp"
#include "dagplan/human_format.hpp"
#include "dagplan/json_writer.hpp"
#include "dagplan/plan.hpp"
#include "dagplan/platform.hpp"
#include "dagplan/profile.hpp"
#include "dagplan/saga.hpp"
#include "dagplan/sim/trace.hpp"
#include "dagplan/wfcommons.hpp"
#include "dagplan/workflow_io.hpp"
#include "inputs.hpp"
#include "progress.hpp"

namespace dagplan::cli {
namespace {

std::string display_name(const std::string& path) {
  return path == "-" ? "<stdin>" : path;
}

// Validates one file of any kind; returns a one-line description of what it is.
std::string validate_one(const std::string& path) {
  const TextFile file(path);  // a regular file is read in place (mapped)
  const std::string_view text = file.text();
  std::string name = display_name(path);
  switch (detect_document(text, name)) {
    case DocumentKind::kWorkflow: {
      Workflow w = read_workflow(text, name);
      return fmt::format("workflow '{}', {} tasks, {} edges", w.name(), w.task_count(),
                         w.edge_count());
    }
    case DocumentKind::kWfCommons: {
      WfCommonsInstance inst = read_wfcommons(text, name);
      return fmt::format("WfCommons {} instance '{}', {} tasks, {} edges", inst.schema_version,
                         inst.application, inst.workflow.task_count(), inst.workflow.edge_count());
    }
    case DocumentKind::kPlatform: {
      Platform p = read_platform(text, name);
      return fmt::format("{} platform '{}', {} configurations",
                         p.kind == PlatformKind::kCluster ? "cluster" : "serverless", p.name,
                         p.configs.size());
    }
    case DocumentKind::kPlan: {
      PlanInputs in = load_plan_inputs(path, "", "", "");
      return fmt::format("plan by '{}' for workflow '{}' on '{}', {} workers", in.plan.planner,
                         in.inputs.workflow.name(), in.inputs.platform.name,
                         in.plan.worker_count());
    }
    case DocumentKind::kProfile: {
      Profile p = read_profile(text, name);
      return fmt::format("profile for platform '{}', {} functions, {} configurations", p.platform,
                         p.functions.size(), p.configs.size());
    }
    case DocumentKind::kTrace: {
      // The trace reader checks the embedded workflow, platform and plan (its fingerprint too).
      sim::Trace t = sim::read_trace(text, name);
      Workflow w = read_workflow(t.workflow_json, name + " (embedded workflow)");
      return fmt::format("trace of workflow '{}' from {}, makespan {}, {} instances", w.name(),
                         t.source.empty() ? std::string("an unknown source") : t.source,
                         human_seconds(static_cast<double>(t.makespan_us) / 1e6),
                         t.instances.size());
    }
    case DocumentKind::kUnknown: break;
  }
  throw InputError(name, "$.format", "this dagplan cannot validate this kind of document yet");
}

nlohmann::ordered_json summary_json(const Workflow& w, const WorkflowSummary& s) {
  nlohmann::ordered_json j;
  j["name"] = w.name();
  j["tasks"] = s.tasks;
  j["edges"] = s.edges;
  j["roots"] = s.roots;
  j["sinks"] = s.sinks;
  j["depth"] = s.depth;
  j["max_width"] = s.max_width;
  j["total_work_s"] = s.total_work_s;
  j["total_input_bytes"] = s.total_input_bytes;
  j["total_output_bytes"] = s.total_output_bytes;
  j["edge_bytes"] = s.edge_bytes;
  j["critical_path"] = {{"work_s", s.critical_path_work_s},
                        {"tasks", nlohmann::ordered_json::array()}};
  for (TaskId t : s.critical_path) j["critical_path"]["tasks"].push_back(std::string(w.id(t)));
  j["functions"] = nlohmann::ordered_json::array();
  for (const FunctionCount& f : s.functions)
    j["functions"].push_back({{"name", f.name}, {"tasks", f.tasks}, {"work_s", f.work_s}});
  return j;
}

std::string summary_text(const Workflow& w, const WorkflowSummary& s, const std::string& path) {
  std::string out;
  auto line = [&](std::string_view label, const std::string& value) {
    out += fmt::format("  {:<16}{}\n", label, value);
  };
  out += fmt::format("workflow '{}' ({})\n", w.name(), display_name(path));
  line("tasks", fmt::format("{}", s.tasks));
  line("edges", fmt::format("{}", s.edges));
  line("roots", fmt::format("{}", s.roots));
  line("sinks", fmt::format("{}", s.sinks));
  line("depth", fmt::format("{} levels", s.depth));
  line("max width", fmt::format("{} tasks", s.max_width));
  line("total work", human_seconds(s.total_work_s) + " (on 1 reference vCPU)");
  line("input bytes", human_bytes(static_cast<double>(s.total_input_bytes)));
  line("output bytes", human_bytes(static_cast<double>(s.total_output_bytes)));
  line("bytes on edges", human_bytes(static_cast<double>(s.edge_bytes)));
  std::string path_text;
  const std::size_t shown = 8;
  for (std::size_t i = 0; i < s.critical_path.size(); ++i) {
    if (s.critical_path.size() > shown && i == shown / 2) {
      path_text += fmt::format(" -> ... ({} more)", s.critical_path.size() - shown);
      i = s.critical_path.size() - shown / 2 - 1;
      continue;
    }
    if (i) path_text += " -> ";
    path_text += w.id(s.critical_path[i]);
  }
  line("critical path", fmt::format("{} over {} tasks", human_seconds(s.critical_path_work_s),
                                    s.critical_path.size()));
  out += fmt::format("    {}\n", path_text);
  out += fmt::format("  functions ({}):\n", s.functions.size());
  std::size_t name_width = 8;
  for (const FunctionCount& f : s.functions) name_width = std::max(name_width, f.name.size());
  const std::size_t max_listed = 20;
  for (std::size_t i = 0; i < s.functions.size() && i < max_listed; ++i)
    out += fmt::format("    {:<{}}  {:>7} tasks  {:>12} work\n", s.functions[i].name, name_width,
                       s.functions[i].tasks, human_seconds(s.functions[i].work_s));
  if (s.functions.size() > max_listed)
    out += fmt::format("    ... and {} more\n", s.functions.size() - max_listed);
  return out;
}

}  // namespace

void add_workflow_commands(CLI::App& app) {
  // validate
  {
    auto files = std::make_shared<std::vector<std::string>>();
    CLI::App* cmd = app.add_subcommand(
        "validate", "Check workflow, platform, plan, profile, trace and WfCommons files");
    cmd->add_option("files", *files, "Files to check (kind detected from their 'format')")
        ->required();
    cmd->callback([files] {
      int failed = 0;
      for (const std::string& f : *files) {
        try {
          std::string what = validate_one(f);
          fmt::print("{}: ok ({})\n", display_name(f), what);
        } catch (const UsageError& e) {
          fmt::print(stderr, "dagplan: {}\n", one_line(e.what()));
          ++failed;
        } catch (const Error& e) {
          fmt::print(stderr, "dagplan: error: {}\n", one_line(e.what()));
          ++failed;
        }
      }
      if (failed)
        throw Error(fmt::format("{} of {} files failed validation", failed, files->size()));
    });
  }
  // show
  {
    struct Opts {
      std::string file;
      std::string format = "text";
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = app.add_subcommand(
        "show", "Summarise a workflow: size, depth, width, work, critical path, functions");
    cmd->add_option("workflow", o->file, "Workflow file (dagplan or WfCommons)")->required();
    cmd->add_option("--format", o->format, "Output format")->check(CLI::IsMember({"text", "json"}));
    cmd->callback([o] {
      Workflow w = load_workflow(o->file);
      WorkflowSummary s = summarize(w);
      if (o->format == "json") {
        fmt::print("{}\n", summary_json(w, s).dump(2));
      } else {
        fmt::print("{}", summary_text(w, s, o->file));
      }
    });
  }
  // export
  {
    struct Opts {
      std::string file;
      std::string output = "-";
      bool dot = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = app.add_subcommand("export", "Export a workflow in another format");
    cmd->add_flag("--dot", o->dot, "Graphviz DOT")->required();
    cmd->add_option("workflow", o->file, "Workflow file")->required();
    cmd->add_option("-o,--output", o->output, "Output file ('-' for stdout)")
        ->check(non_empty_value());
    cmd->callback(
        [o] { write_file_atomic(o->output, workflow_dot(load_workflow(o->file)), {o->file}); });
  }
  // import
  {
    struct Opts {
      std::string source;
      std::string file;
      std::string output = "-";
      std::string platform_output;
      bool quiet = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = app.add_subcommand(
        "import", "Convert a foreign workflow description to dagplan-workflow/1");
    cmd->add_option("source", o->source,
                    "What the input is: wfcommons (a WfFormat 1.4/1.5 instance) or saga (a SAGA "
                    "task graph, with its machines)")
        ->required()
        ->check(CLI::IsMember({"wfcommons", "saga"}));
    cmd->add_option("instance", o->file, "The input file")->required();
    cmd->add_option("-o,--output", o->output, "Output file ('-' for stdout)")
        ->check(non_empty_value());
    cmd->add_option("--platform-out", o->platform_output,
                    "saga: also write the platform the graph's model describes (a cluster with "
                    "point-to-point transfers) to this file")
        ->check(non_empty_value());
    add_quiet_flag(cmd, o->quiet);
    cmd->callback([o] {
      Progress progress("import", o->quiet);
      progress.step("reading " + o->file);
      std::string text = read_text_file(o->file);
      if (o->source == "saga") {
        std::string name = std::filesystem::path(o->file).stem().string();
        SagaInstance inst = read_saga(text, display_name(o->file), name.empty() ? "saga" : name);
        std::string workflow = write_workflow(inst.workflow);
        std::string platform = write_platform(inst.platform);
        progress.step("writing");
        // Both into one file: the workflow would silently replace the platform.
        if (!o->platform_output.empty() &&
            (o->platform_output == o->output ||
             (o->output != "-" && o->platform_output != "-" &&
              std::filesystem::weakly_canonical(o->output) ==
                  std::filesystem::weakly_canonical(o->platform_output))))
          throw UsageError(fmt::format("--platform-out and --output name the same file ({})",
                                       o->platform_output));
        // Both written before either is renamed into place: a write error in one leaves
        // neither (nothing partial, and no platform without its workflow).
        OutputFile workflow_out(o->output, {o->file});
        std::optional<OutputFile> platform_out;
        if (!o->platform_output.empty())
          platform_out.emplace(o->platform_output, std::vector<std::string>{o->file, o->output});
        if (platform_out) platform_out->finish(platform);
        workflow_out.finish(workflow);
        if (platform_out) platform_out->commit();
        workflow_out.commit();
        progress.finish();
        if (o->output != "-")
          fmt::print(stderr, "imported {} tasks, {} edges and {} machines from SAGA into {}{}\n",
                     inst.workflow.task_count(), inst.workflow.edge_count(),
                     inst.platform.configs.size(), o->output,
                     o->platform_output.empty() ? " (the platform was not written: give "
                                                  "--platform-out FILE)"
                                                : " and " + o->platform_output);
        return;
      }
      if (!o->platform_output.empty())
        throw UsageError("--platform-out applies to 'import saga' only");
      WfCommonsInstance inst = read_wfcommons(text, display_name(o->file));
      progress.step("writing");
      write_file_atomic(o->output, write_workflow(inst.workflow), {o->file});
      progress.finish();
      if (o->output != "-")
        fmt::print(stderr, "imported {} tasks, {} edges from WfCommons {} into {}\n",
                   inst.workflow.task_count(), inst.workflow.edge_count(), inst.schema_version,
                   o->output);
    });
  }
  // generate
  {
    struct Opts {
      std::string shape;
      GeneratorOptions gen;
      std::string output = "-";
      bool quiet = false;
    };
    auto o = std::make_shared<Opts>();
    std::string shapes;
    for (std::string_view s : generator_shapes())
      shapes += fmt::format("{}{}", shapes.empty() ? "" : ", ", s);
    CLI::App* cmd = app.add_subcommand("generate", "Generate a workflow of a classic shape");
    cmd->add_option("shape", o->shape, "One of: " + shapes)->required();
    cmd->add_option("--tasks", o->gen.tasks, "Number of tasks")
        ->required()
        ->check(CLI::Range(std::size_t{1}, std::size_t{100'000'000}));
    cmd->add_option("--seed", o->gen.seed, "Random seed (printed)")
        ->check(seed_value())
        ->capture_default_str();
    cmd->add_option("--mean-work", o->gen.mean_work_s, "Mean work per task, seconds on 1 vCPU")
        ->capture_default_str()
        ->check(positive_value());
    cmd->add_option("--mean-output-bytes", o->gen.mean_output_bytes, "Mean output size per task")
        ->capture_default_str()
        ->check(non_negative_value());
    cmd->add_option("--edges-per-task", o->gen.edges_per_task, "random-layered: mean in-degree")
        ->capture_default_str()
        ->check(positive_value());
    cmd->add_option("-o,--output", o->output, "Output file ('-' for stdout)")
        ->check(non_empty_value());
    add_quiet_flag(cmd, o->quiet);
    cmd->callback([o] {
      Progress progress("generate", o->quiet);
      progress.step(fmt::format("generating {} tasks", o->gen.tasks));
      Workflow w = generate_workflow(o->shape, o->gen);
      progress.step("writing");
      write_file_atomic(o->output, write_workflow(w));
      progress.finish();
      fmt::print(stderr, "generated {} with {} tasks, {} edges (seed {})\n", o->shape,
                 w.task_count(), w.edge_count(), o->gen.seed);
    });
  }
}

}  // namespace dagplan::cli
