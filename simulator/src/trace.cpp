#include "dagplan/sim/trace.hpp"

#include <fmt/format.h>

#include <array>
#include <cassert>
#include <cstddef>
#include <limits>
#include <utility>

#include "dagplan/error.hpp"
#include "dagplan/json_reader.hpp"
#include "dagplan/json_writer.hpp"
#include "dagplan/limits.hpp"
#include "dagplan/string_table.hpp"
#include "dagplan/suggest.hpp"
#include "dagplan/workflow_io.hpp"

namespace dagplan::sim {
namespace {

// Every time of a run is within the horizon (dagplan/limits.hpp).
constexpr std::int64_t kMaxTimeUs = limits::kHorizonUs;

// Input sources, in the order of TraceInput::Source.
constexpr std::array<std::string_view, 5> kSourceNames = {"local", "download", "stream", "literal",
                                                          "direct"};

std::string_view source_name(TraceInput::Source s) {
  return kSourceNames[static_cast<std::size_t>(s)];
}

// Embedded documents are written indented by one level (two spaces) so that a trace reads as
// one document; every newline of a valid JSON value is white space (control characters inside
// strings must be escaped), so adding or removing spaces after it never changes the value.
constexpr std::string_view kEmbedIndent = "  ";

std::string indent_embedded(std::string_view doc) {
  while (!doc.empty() && (doc.back() == '\n' || doc.back() == '\r' || doc.back() == ' '))
    doc.remove_suffix(1);
  std::string out;
  out.reserve(doc.size() + doc.size() / 16);
  for (char c : doc) {
    out += c;
    if (c == '\n') out += kEmbedIndent;
  }
  return out;
}

// The inverse of indent_embedded: removes up to one level of indentation after each newline and
// ends the document with a newline, as every dagplan writer does. A trace written by
// write_trace() gives back exactly the documents it was given (when they came from the writers).
std::string unindent_embedded(std::string_view raw) {
  std::string out;
  out.reserve(raw.size() + 1);
  for (std::size_t i = 0; i < raw.size(); ++i) {
    out += raw[i];
    if (raw[i] != '\n') continue;
    for (std::size_t k = 0; k < kEmbedIndent.size() && i + 1 < raw.size() && raw[i + 1] == ' '; ++k)
      ++i;
  }
  out += '\n';
  return out;
}

std::int64_t read_time(JsonReader& r) {
  return r.integer(0, kMaxTimeUs);
}

// Times that must not decrease, in the order given; on failure names both members and values.
struct TimeMember {
  std::string_view name;
  std::int64_t* value;
};

template <std::size_t N>
void check_order(const JsonReader& r, const std::string& at,
                 const std::array<TimeMember, N>& times) {
  for (std::size_t i = 1; i < N; ++i)
    if (*times[i].value < *times[i - 1].value)
      r.fail_at(at, fmt::format("expected {} <= {}, got {} > {}", times[i - 1].name, times[i].name,
                                *times[i - 1].value, *times[i].value));
}

// Reads one of `times` when `key` names it and marks it seen; false when `key` is not a time.
template <std::size_t N>
bool read_time_member(JsonReader& r, std::string_view key, const std::array<TimeMember, N>& times,
                      std::uint32_t& seen) {
  for (std::size_t i = 0; i < N; ++i) {
    if (times[i].name != key) continue;
    *times[i].value = read_time(r);
    seen |= 1u << i;
    return true;
  }
  return false;
}

template <std::size_t N>
void require_times(const JsonReader& r, const std::string& at,
                   const std::array<TimeMember, N>& times, std::uint32_t seen) {
  for (std::size_t i = 0; i < N; ++i)
    if (!(seen & (1u << i)))
      r.fail_at(at, fmt::format("missing member '{}' (integer microseconds)", times[i].name));
}

// A configuration name of the embedded platform, with a suggestion when unknown.
std::string read_config_name(JsonReader& r, const Platform& platform) {
  std::string_view name = r.string();
  if (platform.find_config(name)) return std::string(name);
  std::vector<std::string_view> names;
  for (const ResourceConfig& c : platform.configs) names.push_back(c.name);
  r.fail(unknown_name_message(fmt::format("configuration (platform '{}')", platform.name), name,
                              names));
}

// A task id of the embedded workflow, with a suggestion-free message (workflows are large).
TaskId read_task_id(JsonReader& r, const Workflow& w) {
  std::string_view id = r.string();
  std::optional<TaskId> t = w.find(id);
  if (!t)
    r.fail(fmt::format("unknown task '{}' (not in the embedded workflow '{}')", id, w.name()));
  return *t;
}

// What the reader knows once the embedded documents are read.
struct Context {
  const Workflow& workflow;
  const Platform& platform;
  StringTable plan_workers;  // the plan's logical worker ids, by worker index
};

// Rule 12's start-up facts of an instance: a count of bytes or microseconds.
std::int64_t read_startup_amount(JsonReader& r) {
  return static_cast<std::int64_t>(r.integer(0, kMaxTimeUs));
}

TraceInstance read_instance(JsonReader& r, const Context& cx) {
  std::string at = r.path();
  TraceInstance inst;
  std::array<TimeMember, 4> times = {{{"invoked_us", &inst.invoked_us},
                                      {"start_us", &inst.start_us},
                                      {"ready_us", &inst.ready_us},
                                      {"exited_us", &inst.exited_us}}};
  std::uint32_t seen = 0;
  bool has_config = false;
  r.object([&](std::string_view key) {
    if (read_time_member(r, key, times, seen)) return;
    if (key == "worker") {
      if (r.null()) return;
      std::string_view id = r.string();
      if (!cx.plan_workers.find(id))
        r.fail(
            fmt::format("unknown worker '{}' (not in the embedded plan; null for a flexible "
                        "instance)",
                        id));
      inst.worker = std::string(id);
    } else if (key == "config") {
      inst.config = read_config_name(r, cx.platform);
      has_config = true;
    } else if (key == "warm") {
      inst.warm = r.boolean();
    } else if (key == "crashed") {
      inst.crashed = r.boolean();
    } else if (key == "machine") {
      inst.machine = std::string(r.string());
      if (inst.machine.empty()) r.fail("expected a machine name");
    } else if (key == "dag_fetched_bytes") {
      inst.dag_fetched_bytes = read_startup_amount(r);
    } else if (key == "dag_fetch_us") {
      inst.dag_fetch_us = read_startup_amount(r);
    } else if (key == "dag_part_bytes") {
      inst.dag_part_bytes = read_startup_amount(r);
    } else if (key == "code_fetched_bytes") {
      inst.code_fetched_bytes = read_startup_amount(r);
    } else if (key == "code_fetch_us") {
      inst.code_fetch_us = read_startup_amount(r);
    } else {
      fail_unknown_member(r, key,
                          {"worker", "config", "machine", "invoked_us", "start_us", "ready_us",
                           "exited_us", "warm", "crashed", "dag_fetched_bytes", "dag_fetch_us",
                           "dag_part_bytes", "code_fetched_bytes", "code_fetch_us"});
    }
  });
  if (!has_config) r.fail_at(at, "missing member 'config'");
  require_times(r, at, times, seen);
  check_order(r, at, times);
  return inst;
}

TraceInput read_input(JsonReader& r, const Context& cx, TaskId task,
                      const std::vector<std::uint32_t>& pred_mark, std::uint32_t stamp) {
  std::string at = r.path();
  TraceInput in;
  bool has_source = false, has_bytes = false;
  std::array<TimeMember, 2> times = {{{"start_us", &in.start_us}, {"end_us", &in.end_us}}};
  std::uint32_t seen = 0;
  r.object([&](std::string_view key) {
    if (read_time_member(r, key, times, seen)) return;
    if (key == "from") {
      if (r.null()) return;
      TaskId from = read_task_id(r, cx.workflow);
      if (pred_mark[index(from)] != stamp)
        r.fail(
            fmt::format("task '{}' is not a predecessor of task '{}' (null for its literal "
                        "input)",
                        cx.workflow.id(from), cx.workflow.id(task)));
      in.from = std::string(cx.workflow.id(from));
    } else if (key == "source") {
      std::string_view s = r.string();
      std::size_t i = 0;
      while (i < kSourceNames.size() && kSourceNames[i] != s) ++i;
      if (i == kSourceNames.size()) r.fail(unknown_name_message("input source", s, kSourceNames));
      in.source = static_cast<TraceInput::Source>(i);
      has_source = true;
    } else if (key == "bytes") {
      in.bytes = read_bytes(r);
      has_bytes = true;
    } else {
      fail_unknown_member(r, key, {"from", "source", "bytes", "start_us", "end_us"});
    }
  });
  if (!has_source)
    r.fail_at(at,
              "missing member 'source' (\"local\", \"download\", \"stream\", \"literal\" or "
              "\"direct\")");
  if (!has_bytes) r.fail_at(at, "missing member 'bytes'");
  require_times(r, at, times, seen);
  check_order(r, at, times);
  bool literal = in.source == TraceInput::Source::kLiteral;
  if (literal && !in.from.empty())
    r.fail_at(at + ".from",
              fmt::format("a literal input comes from no task, got from '{}'", in.from));
  if (!literal && in.from.empty())
    r.fail_at(at, fmt::format("missing member 'from' (the producer of a {} input)",
                              source_name(in.source)));
  return in;
}

TraceAttempt read_attempt(JsonReader& r, const Context& cx, const std::vector<TraceInstance>& insts,
                          TaskId task, const std::vector<std::uint32_t>& pred_mark,
                          std::uint32_t stamp) {
  std::string at = r.path();
  TraceAttempt a;
  std::array<TimeMember, 7> times = {{{"ready_us", &a.ready_us},
                                      {"start_us", &a.start_us},
                                      {"exec_start_us", &a.exec_start_us},
                                      {"exec_end_us", &a.exec_end_us},
                                      {"upload_start_us", &a.upload_start_us},
                                      {"upload_end_us", &a.upload_end_us},
                                      {"finish_us", &a.finish_us}}};
  std::uint32_t seen = 0;
  bool has_instance = false;
  r.object([&](std::string_view key) {
    if (read_time_member(r, key, times, seen)) return;
    if (key == "instance") {
      std::uint64_t i = r.uint64();
      if (i >= insts.size())
        r.fail(
            fmt::format("instance {} out of range (the trace has {} instances)", i, insts.size()));
      a.instance = static_cast<std::uint32_t>(i);
      has_instance = true;
    } else if (key == "inputs") {
      r.array([&](std::size_t) { a.inputs.push_back(read_input(r, cx, task, pred_mark, stamp)); });
    } else if (key == "ok") {
      a.ok = r.boolean();
    } else if (key == "error") {
      a.error = std::string(r.string());
    } else {
      fail_unknown_member(
          r, key,
          {"instance", "ready_us", "start_us", "exec_start_us", "exec_end_us", "upload_start_us",
           "upload_end_us", "finish_us", "inputs", "ok", "error"});
    }
  });
  if (!has_instance) r.fail_at(at, "missing member 'instance' (an index into $.instances)");
  require_times(r, at, times, seen);
  check_order(r, at, times);
  // An attempt runs on its instance between the instance's start-up and its exit (or crash).
  const TraceInstance& inst = insts[a.instance];
  if (a.start_us < inst.ready_us)
    r.fail_at(at, fmt::format("start_us {} is before its instance {} was ready (ready_us {})",
                              a.start_us, a.instance, inst.ready_us));
  if (a.finish_us > inst.exited_us)
    r.fail_at(at, fmt::format("finish_us {} is after its instance {} exited (exited_us {})",
                              a.finish_us, a.instance, inst.exited_us));
  return a;
}

TraceEvent read_event(JsonReader& r, const Context& cx) {
  std::string at = r.path();
  TraceEvent e;
  bool has_kind = false, has_time = false;
  r.object([&](std::string_view key) {
    if (key == "kind") {
      e.kind = std::string(r.string());
      if (e.kind.empty()) r.fail("expected a non-empty event kind");
      has_kind = true;
    } else if (key == "time_us") {
      e.time_us = read_time(r);
      has_time = true;
    } else if (key == "task") {
      if (!r.null()) e.task = std::string(cx.workflow.id(read_task_id(r, cx.workflow)));
    } else if (key == "detail") {
      e.detail = std::string(r.string());
    } else {
      fail_unknown_member(r, key, {"kind", "time_us", "task", "detail"});
    }
  });
  if (!has_kind) r.fail_at(at, "missing member 'kind'");
  if (!has_time) r.fail_at(at, "missing member 'time_us'");
  return e;
}

// Reads the embedded document at the reader's position; keeps its text and says where it was.
std::string read_embedded(JsonReader& r, std::string_view kind) {
  if (r.peek() != JsonReader::Kind::kObject)
    r.fail_expected(fmt::format("an embedded dagplan-{}/1 object", kind));
  return unindent_embedded(r.raw_value());
}

void write_time(JsonWriter& j, std::string_view key, std::int64_t us) {
  j.member(key, us);
}

}  // namespace

std::string write_trace(const Trace& trace) {
  std::string out;
  std::size_t attempts = 0;
  for (const TraceTask& t : trace.tasks) attempts += t.attempts.size();
  out.reserve(trace.workflow_json.size() + trace.platform_json.size() + trace.plan_json.size() +
              trace.instances.size() * 160 + trace.tasks.size() * 80 + attempts * 260 + 1024);
  JsonWriter j(out);
  j.begin_object();
  j.member("format", "dagplan-trace/1");
  j.member("source", trace.source);
  j.member("created_by", trace.created_by);
  j.member("makespan_us", trace.makespan_us);
  j.member("cost_usd", trace.cost_usd);
  // The embedded documents are complete documents already; an empty one would be invalid JSON.
  assert(!trace.workflow_json.empty() && !trace.platform_json.empty() && !trace.plan_json.empty());
  j.key("workflow");
  j.raw(indent_embedded(trace.workflow_json));
  j.key("platform");
  j.raw(indent_embedded(trace.platform_json));
  j.key("plan");
  j.raw(indent_embedded(trace.plan_json));

  // One instance and one task per line, so that a large trace stays diffable.
  j.key("instances");
  j.begin_array();
  for (const TraceInstance& inst : trace.instances) {
    j.begin_object(true);
    j.key("worker");
    if (inst.worker.empty())
      j.null();
    else
      j.value(inst.worker);
    j.member("config", inst.config);
    if (!inst.machine.empty()) {
      j.member("machine", inst.machine);
    }
    write_time(j, "invoked_us", inst.invoked_us);
    write_time(j, "start_us", inst.start_us);
    write_time(j, "ready_us", inst.ready_us);
    write_time(j, "exited_us", inst.exited_us);
    j.member("warm", inst.warm);
    j.member("crashed", inst.crashed);
    if (inst.dag_fetched_bytes >= 0) {
      j.member("dag_fetched_bytes", inst.dag_fetched_bytes);
      j.member("dag_fetch_us", inst.dag_fetch_us);
      j.member("dag_part_bytes", inst.dag_part_bytes);
    }
    if (inst.code_fetched_bytes >= 0) {
      j.member("code_fetched_bytes", inst.code_fetched_bytes);
      j.member("code_fetch_us", inst.code_fetch_us);
    }
    j.end_object();
  }
  j.end_array();

  j.key("tasks");
  j.begin_array();
  for (const TraceTask& t : trace.tasks) {
    j.begin_object(true);
    j.member("id", t.id);
    j.member("output_bytes", t.output_bytes);
    j.member("counter_updates", t.counter_updates);
    j.key("attempts");
    j.begin_array();
    for (const TraceAttempt& a : t.attempts) {
      j.begin_object();
      j.member("instance", a.instance);
      write_time(j, "ready_us", a.ready_us);
      write_time(j, "start_us", a.start_us);
      write_time(j, "exec_start_us", a.exec_start_us);
      write_time(j, "exec_end_us", a.exec_end_us);
      write_time(j, "upload_start_us", a.upload_start_us);
      write_time(j, "upload_end_us", a.upload_end_us);
      write_time(j, "finish_us", a.finish_us);
      j.key("inputs");
      j.begin_array();
      for (const TraceInput& in : a.inputs) {
        j.begin_object();
        j.key("from");
        if (in.from.empty())
          j.null();
        else
          j.value(in.from);
        j.member("source", source_name(in.source));
        j.member("bytes", in.bytes);
        write_time(j, "start_us", in.start_us);
        write_time(j, "end_us", in.end_us);
        j.end_object();
      }
      j.end_array();
      j.member("ok", a.ok);
      if (!a.error.empty()) {
        j.member("error", a.error);
      }
      j.end_object();
    }
    j.end_array();
    j.end_object();
  }
  j.end_array();

  j.key("events");
  j.begin_array();
  for (const TraceEvent& e : trace.events) {
    j.begin_object(true);
    j.member("kind", e.kind);
    write_time(j, "time_us", e.time_us);
    if (!e.task.empty()) {
      j.member("task", e.task);
    }
    if (!e.detail.empty()) {
      j.member("detail", e.detail);
    }
    j.end_object();
  }
  j.end_array();

  j.key("errors");
  j.begin_array();
  for (const std::string& e : trace.errors) j.value(e);
  j.end_array();
  j.end_object();
  return out;
}

Trace read_trace(std::string_view text, const std::string& file) {
  Trace trace;

  // Pass 1: every member but the three lists, which need the embedded documents to be checked
  // and may come before them in the object.
  JsonReader r(text, file);
  bool has_format = false, has_makespan = false, has_instances = false, has_tasks = false;
  bool has_workflow = false, has_platform = false, has_plan = false;
  if (r.peek() != JsonReader::Kind::kObject) r.fail_expected("a trace object");
  r.object([&](std::string_view key) {
    if (key == "format") {
      read_format(r, "dagplan-trace", 1);
      has_format = true;
    } else if (key == "source") {
      trace.source = std::string(r.string());
    } else if (key == "created_by") {
      trace.created_by = std::string(r.string());
    } else if (key == "makespan_us") {
      trace.makespan_us = read_time(r);
      has_makespan = true;
    } else if (key == "cost_usd") {
      trace.cost_usd = r.non_negative();
    } else if (key == "workflow") {
      trace.workflow_json = read_embedded(r, "workflow");
      has_workflow = true;
    } else if (key == "platform") {
      trace.platform_json = read_embedded(r, "platform");
      has_platform = true;
    } else if (key == "plan") {
      trace.plan_json = read_embedded(r, "plan");
      has_plan = true;
    } else if (key == "instances" || key == "tasks" || key == "events") {
      if (key == "instances") has_instances = true;
      if (key == "tasks") has_tasks = true;
      r.skip();  // read below, once the embedded documents are known
    } else if (key == "errors") {
      r.array([&](std::size_t) { trace.errors.emplace_back(r.string()); });
    } else {
      fail_unknown_member(r, key,
                          {"format", "source", "created_by", "makespan_us", "cost_usd", "workflow",
                           "platform", "plan", "instances", "tasks", "events", "errors"});
    }
  });
  r.finish();
  if (!has_format) r.fail_at("$", "missing member 'format' (expected \"dagplan-trace/1\")");
  if (!has_workflow) r.fail_at("$", "missing member 'workflow' (the embedded workflow document)");
  if (!has_platform) r.fail_at("$", "missing member 'platform' (the embedded platform document)");
  if (!has_plan) r.fail_at("$", "missing member 'plan' (the embedded plan document)");
  if (!has_makespan) r.fail_at("$", "missing member 'makespan_us'");
  if (!has_instances) r.fail_at("$", "missing member 'instances'");
  if (!has_tasks) r.fail_at("$", "missing member 'tasks'");

  // The embedded documents, each read by its own reader: errors inside one name it.
  Workflow workflow = read_workflow(trace.workflow_json, file + " (embedded workflow)");
  Platform platform = read_platform(trace.platform_json, file + " (embedded platform)");
  Plan plan = read_plan(trace.plan_json, file + " (embedded plan)", workflow, platform);
  Context cx{workflow, platform, {}};
  for (const std::string& name : plan.worker_names) cx.plan_workers.intern(name);

  // Pass 2: the instances, which attempts refer to by index.
  JsonReader r2(text, file);
  r2.object([&](std::string_view key) {
    if (key != "instances") return r2.skip();
    r2.array([&](std::size_t) { trace.instances.push_back(read_instance(r2, cx)); });
  });

  // Pass 3: tasks (stored in the workflow's task order) and events.
  const std::size_t n = workflow.task_count();
  std::vector<TraceTask> tasks(n);
  std::vector<std::uint8_t> seen(n, 0);
  std::vector<std::uint32_t> pred_mark(n, 0);  // pred_mark[p] == t + 1: p is a predecessor of t
  JsonReader r3(text, file);
  r3.object([&](std::string_view key) {
    if (key == "events") {
      r3.array([&](std::size_t) { trace.events.push_back(read_event(r3, cx)); });
      return;
    }
    if (key != "tasks") return r3.skip();
    r3.array([&](std::size_t) {
      std::string at = r3.path();
      TraceTask t;
      std::optional<TaskId> task;
      bool attempts_before_id = false;
      r3.object([&](std::string_view k) {
        if (k == "id") {
          task = read_task_id(r3, workflow);
          if (seen[index(*task)])
            r3.fail(fmt::format("task '{}' appears twice", workflow.id(*task)));
          for (TaskId p : workflow.predecessors(*task)) pred_mark[index(p)] = index(*task) + 1;
        } else if (k == "output_bytes") {
          t.output_bytes = read_bytes(r3);
        } else if (k == "counter_updates") {
          t.counter_updates = static_cast<std::uint32_t>(r3.integer(0, limits::kMaxCount32));
        } else if (k == "attempts") {
          // Inputs are checked against the task's predecessors, so the id must come first.
          if (!task) {
            attempts_before_id = true;
            return r3.skip();
          }
          r3.array([&](std::size_t) {
            t.attempts.push_back(
                read_attempt(r3, cx, trace.instances, *task, pred_mark, index(*task) + 1));
          });
        } else {
          fail_unknown_member(r3, k, {"id", "output_bytes", "counter_updates", "attempts"});
        }
      });
      if (!task) r3.fail_at(at, "missing member 'id'");
      if (attempts_before_id)
        r3.fail_at(at + ".attempts", "expected member 'id' before 'attempts'");
      t.id = std::string(workflow.id(*task));
      seen[index(*task)] = 1;
      tasks[index(*task)] = std::move(t);
    });
  });
  for (std::uint32_t i = 0; i < n; ++i)
    if (!seen[i])
      r3.fail_at("$.tasks", fmt::format("task '{}' of the workflow is not in the trace",
                                        workflow.id(TaskId{i})));
  trace.tasks = std::move(tasks);
  return trace;
}

void add_cluster_events(Trace& trace, const Workflow& workflow, const Plan& plan) {
  if (plan.cluster.empty()) return;
  for (std::uint32_t t = 0; t < workflow.task_count(); ++t) {
    if (!plan.clustered(t) || trace.tasks[t].attempts.empty()) continue;
    const TraceAttempt& a = trace.tasks[t].attempts.back();
    if (!a.ok) continue;
    std::uint32_t flexible = 0, here = 0;
    for (TaskId s : workflow.successors(TaskId{t})) {
      if (!plan.flexible(s)) continue;
      ++flexible;
      const auto& sa = trace.tasks[index(s)].attempts;
      here += !sa.empty() && sa.back().instance == a.instance;
    }
    trace.events.push_back(
        {"cluster", a.finish_us, trace.tasks[t].id,
         fmt::format("{} of {} flexible children ran on its instance {}; output {}", here, flexible,
                     a.instance, a.upload_end_us > a.upload_start_us ? "uploaded" : "kept local")});
  }
}

TraceEvent duplicate_event(const Workflow& workflow, const Plan& plan, std::uint32_t task,
                           std::uint32_t instance, std::int64_t start_us, std::int64_t end_us) {
  const TaskId p{plan.duplicate(task)};
  return {"duplicate", end_us, std::string(workflow.id(p)),
          fmt::format("run by '{}' (worker {}) on its instance {} from {} us to {} us; its output "
                      "used there",
                      workflow.id(TaskId{task}), plan.worker_names[plan.task_worker[task]],
                      instance, start_us, end_us)};
}

TraceEvent stream_event(const Workflow& workflow, const Plan& plan, std::uint32_t producer,
                        std::uint32_t consumer, std::uint32_t instance, std::int64_t start_us,
                        std::int64_t end_us) {
  return {"stream", start_us, std::string(workflow.id(TaskId{producer})),
          fmt::format("to '{}' (worker {}) on its instance {} from {} us to {} us; not stored "
                      "for it",
                      workflow.id(TaskId{consumer}), plan.worker_names[plan.task_worker[consumer]],
                      instance, start_us, end_us)};
}

TraceEvent delayed_io_event(const Workflow& workflow, const Plan& plan, std::uint32_t task,
                            std::uint32_t instance, std::int64_t exec_end_us,
                            std::int64_t waited_us, bool avoided) {
  const TaskId child = workflow.successors(TaskId{task})[0];
  return {"delayed_io", exec_end_us + waited_us, std::string(workflow.id(TaskId{task})),
          fmt::format(
              "on its instance {} waited {} us of {} us for the other inputs of '{}'; {}", instance,
              waited_us, plan.delayed_io(task), workflow.id(child),
              avoided ? "upload avoided: it ran the fan-in itself" : "uploaded after the wait")};
}

}  // namespace dagplan::sim
