#include "dagplan/plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>
#include <utility>
#include <vector>

#include "dagplan/error.hpp"
#include "dagplan/json_reader.hpp"
#include "dagplan/json_writer.hpp"
#include "dagplan/limits.hpp"
#include "dagplan/model.hpp"
#include "dagplan/run_rules.hpp"
#include "dagplan/string_table.hpp"
#include "dagplan/suggest.hpp"

namespace dagplan {

Plan make_flexible_plan(const Workflow& w, ConfigId config) {
  Plan p;
  p.workflow_name = w.name();
  p.workflow_fingerprint = w.fingerprint();
  p.task_worker.assign(w.task_count(), kFlexible);
  p.task_config.assign(w.task_count(), config);
  p.preload.assign(w.task_count(), 0);
  return p;
}

void Plan::set_order(const std::vector<std::vector<TaskId>>& per_worker) {
  order_begin.assign(per_worker.size() + 1, 0);
  std::size_t total = 0;
  for (const auto& list : per_worker) total += list.size();
  order.clear();
  order.reserve(total);
  for (std::size_t k = 0; k < per_worker.size(); ++k) {
    for (TaskId t : per_worker[k]) order.push_back(t);
    order_begin[k + 1] = static_cast<std::uint32_t>(order.size());
  }
}

namespace {

// The orders and the dependencies together: a task waits for its producers to finish and for
// the task before it in its worker's order to start. Every task can start iff that graph is
// acyclic (Kahn's algorithm; O(V + E)). Returns what is wrong and with which worker's order
// (kFlexible: none in particular), or an empty message.
struct OrderProblem {
  std::uint32_t worker = kFlexible;
  std::string message;
};

OrderProblem find_order_problem(const Plan& p, const Workflow& w, bool dependencies = true) {
  const std::size_t n = w.task_count();
  const std::size_t workers = p.worker_count();
  if (p.order_begin.size() != workers + 1 || p.order_begin.back() != p.order.size())
    return {kFlexible, "the task order does not cover the workers"};
  std::vector<std::uint32_t> count(workers, 0);
  for (std::uint32_t t = 0; t < n; ++t)
    if (p.task_worker[t] != kFlexible) ++count[p.task_worker[t]];
  std::vector<std::uint32_t> next(n, kFlexible);  // the task after it in its worker's order
  std::vector<std::uint32_t> missing(n, 0);
  std::vector<std::uint8_t> listed(n, 0);
  for (std::uint32_t k = 0; k < workers; ++k) {
    std::span<const TaskId> list = p.worker_order(k);
    if (list.empty()) continue;
    if (list.size() != count[k])
      return {k, fmt::format("the order of worker '{}' lists {} tasks, the worker has {}",
                             p.worker_names[k], list.size(), count[k])};
    for (std::size_t i = 0; i < list.size(); ++i) {
      std::uint32_t t = index(list[i]);
      if (t >= n || p.task_worker[t] != k)
        return {k, fmt::format("the order of worker '{}' lists task '{}' of {}", p.worker_names[k],
                               t < n ? w.id(list[i]) : "?",
                               t < n && p.task_worker[t] != kFlexible
                                   ? "worker '" + p.worker_names[p.task_worker[t]] + "'"
                                   : std::string("no worker"))};
      if (listed[t])
        return {k, fmt::format("the order of worker '{}' lists task '{}' twice", p.worker_names[k],
                               w.id(list[i]))};
      listed[t] = 1;
      if (i + 1 < list.size()) {
        next[t] = index(list[i + 1]);
        ++missing[index(list[i + 1])];
      }
    }
  }
  if (!dependencies) return {};
  std::vector<std::uint32_t> ready;
  for (std::uint32_t t = 0; t < n; ++t) {
    missing[t] += w.in_degree(TaskId{t});
    if (missing[t] == 0) ready.push_back(t);
  }
  std::size_t started = 0;
  while (!ready.empty()) {
    std::uint32_t t = ready.back();
    ready.pop_back();
    ++started;
    for (TaskId s : w.successors(TaskId{t}))
      if (--missing[index(s)] == 0) ready.push_back(index(s));
    if (next[t] != kFlexible && --missing[next[t]] == 0) ready.push_back(next[t]);
  }
  if (started == n) return {};
  // Name the ordered task that can never start, lowest id first.
  for (std::uint32_t t = 0; t < n; ++t) {
    std::uint32_t k = p.task_worker[t];
    if (missing[t] == 0 || k == kFlexible || p.worker_order(k).empty()) continue;
    return {k, fmt::format("the task orders contradict the workflow's dependencies: {} tasks can "
                           "never start (a worker runs a task before one it depends on), among "
                           "them task '{}' of worker '{}'",
                           n - started, w.id(TaskId{t}), p.worker_names[k])};
  }
  return {kFlexible, fmt::format("the task orders contradict the workflow's dependencies: {} "
                                 "tasks can never start",
                                 n - started)};
}

void check_order(const Plan& p, const Workflow& w, bool dependencies) {
  OrderProblem problem = find_order_problem(p, w, dependencies);
  if (!problem.message.empty()) throw Error("plan: " + problem.message);
}

// What is wrong with task `t`'s duplicate (Plan::dup), or "" (rule 9, plan.hpp).
std::string duplicate_problem(const Plan& p, const Workflow& w, const Platform& platform,
                              std::uint32_t t) {
  const std::uint32_t d = p.dup[t];
  const TaskId id{t};
  if (d >= w.task_count()) return fmt::format("task '{}' duplicates no valid task", w.id(id));
  std::span<const TaskId> preds = w.predecessors(id);
  if (!std::binary_search(preds.begin(), preds.end(), TaskId{d}))
    return fmt::format("task '{}' duplicates '{}', which is not one of its producers", w.id(id),
                       w.id(TaskId{d}));
  if (p.task_worker[t] == kFlexible)
    return fmt::format("task '{}' is flexible: only a task of a strict worker runs a duplicate",
                       w.id(id));
  if (p.task_worker[d] == p.task_worker[t])
    return fmt::format("task '{}' duplicates '{}', which runs on its own worker '{}' already",
                       w.id(id), w.id(TaskId{d}), p.worker_names[p.task_worker[t]]);
  if (platform.transfers == TransferMode::kDirect)
    return fmt::format(
        "task '{}' duplicates '{}', but platform '{}' moves data point to point (task-dup "
        "needs the producer's inputs in storage)",
        w.id(id), w.id(TaskId{d}), platform.name);
  if (counter_target(p, w, id) == 0)
    return fmt::format(
        "task '{}' duplicates '{}' and would then wait for no input (it and its duplicate "
        "have no other producer): give it a worker that runs it from the start instead",
        w.id(id), w.id(TaskId{d}));
  return {};
}

// What is wrong with the streamed edge `producer` -> `consumer` (Plan::stream), or "" (rule 10,
// plan.hpp).
std::string stream_problem(const Plan& p, const Workflow& w, const Platform& platform,
                           std::uint32_t producer, std::uint32_t consumer) {
  if (producer >= w.task_count() || consumer >= w.task_count())
    return "a streamed edge names no valid task";
  const TaskId from{producer}, to{consumer};
  std::span<const TaskId> succ = w.successors(from);
  if (!std::binary_search(succ.begin(), succ.end(), to))
    return fmt::format(
        "task '{}' streams to '{}', which does not consume its output (no such edge)", w.id(from),
        w.id(to));
  const std::uint32_t k = p.task_worker[consumer];
  if (k == kFlexible)
    return fmt::format(
        "task '{}' streams to '{}', which is flexible: only a task of a strict worker has an "
        "instance that can be running to read the stream",
        w.id(from), w.id(to));
  if (p.task_worker[producer] == k)
    return fmt::format("task '{}' streams to '{}', which runs on its own worker '{}' already",
                       w.id(from), w.id(to), p.worker_names[k]);
  if (platform.transfers == TransferMode::kDirect)
    return fmt::format(
        "task '{}' streams to '{}', but platform '{}' moves data point to point already",
        w.id(from), w.id(to), platform.name);
  if (p.duplicate(consumer) == producer)
    return fmt::format("task '{}' streams to '{}', which duplicates it (runs it itself)",
                       w.id(from), w.id(to));
  return {};
}

// What is wrong with task `t`'s delayed I/O (Plan::delay_io, rule 11), or "" (plan.hpp,
// decision 0020).
std::string delay_problem(const Plan& p, const Workflow& w, const Platform& platform,
                          std::uint32_t t) {
  const TaskId id{t};
  if (p.delay_io[t] < 0 || p.delay_io[t] > limits::kMaxDurationUs)
    return fmt::format("task '{}' has a delayed-I/O wait out of range (0 to {} s)", w.id(id),
                       limits::kMaxDurationS);
  if (p.task_worker[t] != kFlexible)
    return fmt::format(
        "task '{}' has a worker: only a flexible task (worker null) delays its upload", w.id(id));
  if (platform.transfers == TransferMode::kDirect)
    return fmt::format(
        "task '{}' delays its upload, but platform '{}' moves data point to point (nothing is "
        "uploaded)",
        w.id(id), platform.name);
  std::vector<TaskId> children;
  counted_children(p, w, id, children);
  if (w.out_degree(id) != 1 || children.size() != 1)
    return fmt::format(
        "task '{}' delays its upload but has {} consumers: delayed I/O needs exactly one, a "
        "fan-in",
        w.id(id), children.size());
  const TaskId c = children[0];
  if (!p.flexible(c) || w.in_degree(c) < 2)
    return fmt::format(
        "task '{}' delays its upload for '{}', which is not a flexible fan-in (worker null, two "
        "or more inputs)",
        w.id(id), w.id(c));
  for (TaskId q : w.predecessors(c))
    if (index(q) != t && p.delayed_io(index(q)) != kNoDelay)
      return fmt::format(
          "tasks '{}' and '{}' both delay their uploads for '{}': at most one producer of a "
          "fan-in delays (each would wait for the other)",
          w.id(q), w.id(id), w.id(c));
  return {};
}

// What is wrong with the workers' inline DAG parts (Plan::worker_inline_dag, rule 12), as
// (worker, message), or an empty message (plan.hpp, decision 0021). O(V + E).
std::pair<std::uint32_t, std::string> inline_dag_problem(const Plan& p, const Workflow& w,
                                                         const Platform& platform) {
  if (std::none_of(p.worker_inline_dag.begin(), p.worker_inline_dag.end(),
                   [](std::uint8_t x) { return x != 0; }))
    return {0, {}};
  std::vector<std::vector<TaskId>> tasks(p.worker_count());
  for (std::uint32_t t = 0; t < w.task_count(); ++t)
    if (p.inline_dag(p.task_worker[t])) tasks[p.task_worker[t]].push_back(TaskId{t});
  for (std::uint32_t k = 0; k < p.worker_count(); ++k) {
    if (!p.inline_dag(k)) continue;
    const std::uint64_t bytes = dag_part_bytes(w, tasks[k]);
    if (bytes > platform.dag_inline_bytes)
      return {k, fmt::format("worker '{}' takes its part of the DAG inline, but the part ({} "
                             "bytes) is larger than platform '{}' lets an invocation carry "
                             "(dag_inline_bytes {})",
                             p.worker_names[k], bytes, platform.name, platform.dag_inline_bytes)};
  }
  return {0, {}};
}

}  // namespace

void check_plan(const Plan& p, const Workflow& w, const Platform& platform, PlanCheck depth) {
  const std::size_t n = w.task_count();
  if (p.task_worker.size() != n || p.task_config.size() != n || p.preload.size() != n ||
      (!p.cluster.empty() && p.cluster.size() != n))
    throw Error(fmt::format("plan covers {} tasks, the workflow has {}", p.task_worker.size(), n));
  if (p.worker_config.size() != p.worker_names.size())
    throw Error("plan: every worker needs exactly one configuration");
  for (std::size_t k = 0; k < p.worker_config.size(); ++k)
    if (index(p.worker_config[k]) >= platform.configs.size())
      throw Error(fmt::format("plan: worker '{}' has no valid configuration", p.worker_names[k]));
  if (!p.worker_machine.empty() && p.worker_machine.size() != p.worker_names.size())
    throw Error("plan: every worker needs a machine (or none)");
  if (!p.worker_prewarm.empty()) {
    if (p.worker_prewarm.size() != p.worker_names.size())
      throw Error("plan: every worker needs a pre-warm trigger (or none)");
    for (std::size_t k = 0; k < p.worker_prewarm.size(); ++k) {
      if (p.worker_prewarm[k] == kNoPrewarm) continue;
      if (p.worker_prewarm[k] >= n)
        throw Error(
            fmt::format("plan: worker '{}' has no valid pre-warm trigger", p.worker_names[k]));
      if (platform.has_machines())
        throw Error(fmt::format("plan: worker '{}' has a pre-warm, but platform '{}' is a cluster",
                                p.worker_names[k], platform.name));
    }
  }
  for (std::uint32_t k = 0; k < p.worker_machine.size(); ++k) {
    std::uint32_t m = p.worker_machine[k];
    if (m == kAnyMachine) continue;
    const ResourceConfig& c = platform.configs[index(p.worker_config[k])];
    if (!platform.has_machines())
      throw Error(
          fmt::format("plan: worker '{}' names a machine, but platform '{}' has none "
                      "(machines are a cluster's)",
                      p.worker_names[k], platform.name));
    if (m >= c.count)
      throw Error(
          fmt::format("plan: worker '{}' runs on machine {} of configuration '{}', which "
                      "has {} (0 to {})",
                      p.worker_names[k], m, c.name, c.count, c.count - 1));
  }
  for (std::uint32_t i = 0; i < n; ++i) {
    std::uint32_t k = p.task_worker[i];
    if (index(p.task_config[i]) >= platform.configs.size())
      throw Error(fmt::format("plan: task '{}' has no valid configuration", w.id(TaskId{i})));
    if (k == kFlexible) continue;
    if (k >= p.worker_names.size())
      throw Error(fmt::format("plan: task '{}' names worker {} of {}", w.id(TaskId{i}), k,
                              p.worker_names.size()));
    if (p.task_config[i] != p.worker_config[k])
      throw Error(
          fmt::format("plan: task '{}' uses configuration '{}' but its worker '{}' has '{}'",
                      w.id(TaskId{i}), platform.configs[index(p.task_config[i])].name,
                      p.worker_names[k], platform.configs[index(p.worker_config[k])].name));
  }
  if (!p.dup.empty()) {
    if (p.dup.size() != n) throw Error("plan: every task needs a duplicate (or none)");
    for (std::uint32_t t = 0; t < n; ++t)
      if (p.dup[t] != kNoDup)
        if (std::string problem = duplicate_problem(p, w, platform, t); !problem.empty())
          throw Error("plan: " + problem);
  }
  for (std::size_t i = 0; i < p.stream.size(); ++i) {
    if (i > 0 && !(p.stream[i - 1] < p.stream[i]))
      throw Error("plan: the streamed edges must be sorted, each once");
    if (std::string problem = stream_problem(p, w, platform, p.stream[i].first, p.stream[i].second);
        !problem.empty())
      throw Error("plan: " + problem);
  }
  if (!p.delay_io.empty()) {
    if (p.delay_io.size() != n) throw Error("plan: every task needs a delayed-I/O wait (or none)");
    for (std::uint32_t t = 0; t < n; ++t)
      if (p.delay_io[t] != kNoDelay)
        if (std::string problem = delay_problem(p, w, platform, t); !problem.empty())
          throw Error("plan: " + problem);
  }
  if (!p.worker_inline_dag.empty() && p.worker_inline_dag.size() != p.worker_names.size())
    throw Error("plan: every worker needs an inline-DAG flag (or none)");
  if (auto [k, problem] = inline_dag_problem(p, w, platform); !problem.empty())
    throw Error("plan: " + problem);
  if (!p.order_begin.empty()) check_order(p, w, depth == PlanCheck::kFull);
}

namespace {
ConfigId read_config_name(JsonReader& r, const Platform& platform) {
  std::string_view name = r.string();
  if (auto c = platform.find_config(name)) return *c;
  std::vector<std::string_view> names;
  for (const ResourceConfig& c : platform.configs) names.push_back(c.name);
  r.fail(unknown_name_message("configuration", name, names) +
         fmt::format(" on platform '{}'", platform.name));
}

void read_references(JsonReader& r, PlanReferences& refs, std::string_view key) {
  const bool workflow = key == "workflow";
  r.object([&](std::string_view k) {
    if (k == "file") {
      if (!r.null()) {
        std::string_view file = r.string();
        if (file.empty()) r.fail("expected a file path or null, got \"\"");
        (workflow ? refs.workflow_file : refs.platform_file) = file;
      }
    } else if (k == "name") {
      std::string_view name = r.string();  // a workflow may have no name; a platform has one
      if (name.empty() && !workflow) r.fail("expected a non-empty platform name");
      if (!workflow) refs.platform_name = name;
    } else if (workflow && k == "tasks") {
      r.uint64_at_most(limits::kMaxTasks, "a task count");
    } else if (workflow && k == "fingerprint") {
      std::string_view hex = r.string();
      std::uint64_t v = 0;
      bool ok = hex.size() == 16;
      for (char c : hex) {
        int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
        ok = ok && d >= 0;
        v = v * 16 + static_cast<std::uint64_t>(d < 0 ? 0 : d);
      }
      if (!ok)
        r.fail(fmt::format("expected 16 lowercase hex digits (the workflow's fingerprint), got {}",
                           quote_for_message(hex)));
      refs.workflow_fingerprint = v;  // 0000000000000000: none (read_plan() refuses it)
    } else if (workflow) {
      fail_unknown_member(r, k, {"file", "name", "tasks", "fingerprint"});
    } else {
      fail_unknown_member(r, k, {"file", "name"});
    }
  });
}
}  // namespace

PlanReferences read_plan_references(std::string_view text, const std::string& file) {
  JsonReader r(text, file);
  PlanReferences refs;
  if (r.peek() != JsonReader::Kind::kObject) r.fail_expected("a plan object");
  r.object([&](std::string_view key) {
    if (key == "workflow" || key == "platform")
      read_references(r, refs, key);
    else
      r.skip();
  });
  return refs;
}

std::string fingerprint_problem(const PlanReferences& refs, const Workflow& w) {
  if (refs.workflow_fingerprint == 0)
    return fmt::format(
        "the plan gives no workflow fingerprint (missing or 0000000000000000), so nothing says "
        "it was made for workflow '{}' (fingerprint {:016x})",
        w.name(), w.fingerprint());
  if (refs.workflow_fingerprint != w.fingerprint())
    return fmt::format(
        "the plan was made for another workflow, or another version of workflow '{}' "
        "(fingerprint {:016x}, the workflow's is {:016x})",
        w.name(), refs.workflow_fingerprint, w.fingerprint());
  return {};
}

Plan read_plan(std::string_view text, const std::string& file, const Workflow& w,
               const Platform& platform, FingerprintCheck fingerprint) {
  JsonReader r(text, file);
  const std::size_t n = w.task_count();
  Plan p;
  p.task_worker.assign(n, kFlexible);
  p.task_config.assign(n, ConfigId{0});
  p.preload.assign(n, 0);
  std::vector<std::uint8_t> seen(n, 0);
  StringTable workers;
  bool has_format = false, has_tasks = false;
  std::vector<std::vector<TaskId>> orders;                    // per worker, as read
  std::vector<std::string> order_at;                          // per worker: JSON path of its order
  std::vector<std::pair<std::uint32_t, std::string>> dup_at;  // (task, JSON path of its dup)
  // Streamed edges as read, with the JSON path of each consumer's id.
  std::vector<std::tuple<std::uint32_t, std::uint32_t, std::string>> stream_at;
  std::vector<std::pair<std::uint32_t, std::string>> delay_at;  // (task, its delayed_io_s)
  PlanReferences refs;
  bool has_workflow = false, has_platform = false;
  if (r.peek() != JsonReader::Kind::kObject) r.fail_expected("a plan object");
  r.object([&](std::string_view key) {
    if (key == "format") {
      read_format(r, "dagplan-plan", 1);
      has_format = true;
    } else if (key == "workflow" || key == "platform") {
      (key == "workflow" ? has_workflow : has_platform) = true;
      read_references(r, refs, key);
    } else if (key == "planner") {
      r.object([&](std::string_view k) {
        if (k == "name")
          p.planner = r.string();
        else if (k == "assumptions")
          r.array([&](std::size_t) { p.assumptions.emplace_back(r.string()); });
        else if (k == "params") {
          // Kept as written by the planner, not interpreted here.
          if (r.peek() != JsonReader::Kind::kObject) r.fail_expected("an object of parameters");
          p.planner_params_json = std::string(r.raw_value());
        } else {
          fail_unknown_member(r, k, {"name", "params", "assumptions"});
        }
      });
    } else if (key == "passes") {
      r.array([&](std::size_t) {
        std::string at = r.path();
        PassRecord rec;
        bool has_name = false;
        r.object([&](std::string_view k) {
          if (k == "name") {
            rec.name = r.string();
            has_name = !rec.name.empty();
          } else if (k == "changes") {
            rec.changes = static_cast<std::uint32_t>(r.integer(0, 0xffffffff));
          } else if (k == "makespan_gain_s") {
            constexpr double kHorizonS = static_cast<double>(limits::kHorizonUs) / 1e6;
            rec.makespan_gain_us =
                seconds_to_us(r.number_in(-kHorizonS, kHorizonS, "a makespan gain", "s"));
          } else if (k == "cost_gain_usd") {
            rec.cost_gain_usd = r.number();
          } else {
            fail_unknown_member(r, k, {"name", "changes", "makespan_gain_s", "cost_gain_usd"});
          }
        });
        if (!has_name) r.fail_at(at, "missing member 'name' (a non-empty pass name)");
        p.passes.push_back(std::move(rec));
      });
    } else if (key == "workers") {
      r.array([&](std::size_t) {
        std::string at = r.path();
        std::string name;
        bool has_cfg = false;
        ConfigId cfg{0};
        std::uint32_t machine = kAnyMachine;
        std::string machine_at;
        std::uint32_t prewarm = kNoPrewarm;
        bool inline_dag = false;
        std::vector<TaskId> order;
        r.object([&](std::string_view k) {
          if (k == "id") {
            name = r.string();
          } else if (k == "config") {
            cfg = read_config_name(r, platform);
            has_cfg = true;
          } else if (k == "machine") {
            machine_at = r.path();
            if (!platform.has_machines())
              r.fail(fmt::format("platform '{}' is not a cluster: its workers have no machine",
                                 platform.name));
            machine = static_cast<std::uint32_t>(r.integer(0, 0xfffffffe));
          } else if (k == "order") {
            r.array([&](std::size_t) {
              std::string_view id = r.string();
              std::optional<TaskId> t = w.find(id);
              if (!t) r.fail(fmt::format("unknown task '{}' (not in workflow '{}')", id, w.name()));
              order.push_back(*t);
            });
          } else if (k == "prewarm") {
            if (platform.has_machines())
              r.fail(fmt::format("platform '{}' is a cluster: its workers are not pre-warmed",
                                 platform.name));
            r.object([&](std::string_view pk) {
              if (pk != "after") fail_unknown_member(r, pk, {"after"});
              std::string_view id = r.string();
              std::optional<TaskId> t = w.find(id);
              if (!t) r.fail(fmt::format("unknown task '{}' (not in workflow '{}')", id, w.name()));
              prewarm = index(*t);
            });
            if (prewarm == kNoPrewarm) r.fail("missing member 'after' (the task that triggers it)");
          } else if (k == "inline_dag") {
            inline_dag = r.boolean();
          } else if (k == "description") {
            r.skip();
          } else {
            fail_unknown_member(
                r, k, {"id", "config", "machine", "order", "prewarm", "inline_dag", "description"});
          }
        });
        if (name.empty()) r.fail_at(at, "missing member 'id' (a non-empty worker id)");
        if (!has_cfg) r.fail_at(at, fmt::format("missing member 'config' for worker '{}'", name));
        if (workers.find(name))
          r.fail_at(at + ".id", fmt::format("duplicate worker id '{}'", name));
        if (machine != kAnyMachine && machine >= platform.configs[index(cfg)].count)
          r.fail_at(machine_at,
                    fmt::format("expected a machine of configuration '{}' (0 to {}), got {}",
                                platform.configs[index(cfg)].name,
                                platform.configs[index(cfg)].count - 1, machine));
        workers.intern(name);
        p.worker_names.push_back(name);
        p.worker_config.push_back(cfg);
        p.worker_machine.push_back(machine);
        p.worker_prewarm.push_back(prewarm);
        p.worker_inline_dag.push_back(inline_dag ? 1 : 0);
        orders.push_back(std::move(order));
        order_at.push_back(at + ".order");
      });
    } else if (key == "tasks") {
      has_tasks = true;
      r.array([&](std::size_t) {
        std::string at = r.path();
        std::optional<TaskId> task;
        std::uint32_t worker = kFlexible;
        std::optional<ConfigId> cfg;
        bool preload = false, cluster = false;
        std::uint32_t dup = kNoDup;
        std::string dup_path, delay_path;
        std::int64_t delay = kNoDelay;
        std::vector<std::pair<std::uint32_t, std::string>> streams;  // (consumer, JSON path)
        r.object([&](std::string_view k) {
          if (k == "id") {
            std::string_view id = r.string();
            task = w.find(id);
            if (!task)
              r.fail(fmt::format("unknown task '{}' (not in workflow '{}')", id, w.name()));
            if (seen[index(*task)]) r.fail(fmt::format("task '{}' appears twice", id));
          } else if (k == "worker") {
            if (!r.null()) {
              std::string_view wid = r.string();
              auto found = workers.find(wid);
              if (!found)
                r.fail(fmt::format(
                    "unknown worker '{}' (workers must be listed in $.workers before $.tasks)",
                    wid));
              worker = *found;
            }
          } else if (k == "config") {
            cfg = read_config_name(r, platform);
          } else if (k == "preload") {
            preload = r.boolean();
          } else if (k == "cluster") {
            cluster = r.boolean();
          } else if (k == "dup") {
            dup_path = r.path();
            std::string_view id = r.string();
            std::optional<TaskId> d = w.find(id);
            if (!d) r.fail(fmt::format("unknown task '{}' (not in workflow '{}')", id, w.name()));
            dup = index(*d);
          } else if (k == "stream") {
            r.array([&](std::size_t) {
              std::string path = r.path();
              std::string_view id = r.string();
              std::optional<TaskId> c = w.find(id);
              if (!c) r.fail(fmt::format("unknown task '{}' (not in workflow '{}')", id, w.name()));
              for (const auto& s : streams)
                if (s.first == index(*c)) r.fail(fmt::format("task '{}' is listed twice", id));
              streams.emplace_back(index(*c), std::move(path));
            });
          } else if (k == "delayed_io_s") {
            delay_path = r.path();
            delay = read_seconds_as_us(r);
          } else {
            fail_unknown_member(
                r, k,
                {"id", "worker", "config", "preload", "cluster", "dup", "stream", "delayed_io_s"});
          }
        });
        if (!task) r.fail_at(at, "missing member 'id'");
        std::uint32_t t = index(*task);
        seen[t] = 1;
        p.task_worker[t] = worker;
        for (auto& [c, path] : streams) stream_at.emplace_back(t, c, std::move(path));
        p.preload[t] = preload ? 1 : 0;
        if (dup != kNoDup) {
          if (p.dup.empty()) p.dup.assign(n, kNoDup);
          p.dup[t] = dup;
          dup_at.emplace_back(t, std::move(dup_path));
        }
        if (delay != kNoDelay) {
          if (p.delay_io.empty()) p.delay_io.assign(n, kNoDelay);
          p.delay_io[t] = delay;
          delay_at.emplace_back(t, std::move(delay_path));
        }
        if (cluster) {
          if (worker != kFlexible)
            r.fail_at(at + ".cluster",
                      fmt::format("task '{}' has a worker: only a flexible task (worker null) "
                                  "clusters its children",
                                  w.id(*task)));
          if (p.cluster.empty()) p.cluster.assign(n, 0);
          p.cluster[t] = 1;
        }
        if (worker != kFlexible) {
          if (cfg && *cfg != p.worker_config[worker])
            r.fail_at(
                at + ".config",
                fmt::format("task '{}' says configuration '{}' but its worker '{}' has '{}'",
                            w.id(*task), platform.configs[index(*cfg)].name, p.worker_names[worker],
                            platform.configs[index(p.worker_config[worker])].name));
          p.task_config[t] = p.worker_config[worker];
        } else {
          if (!cfg)
            r.fail_at(at,
                      fmt::format("missing member 'config' for flexible task '{}'", w.id(*task)));
          p.task_config[t] = *cfg;
        }
      });
    } else if (key == "predictions") {
      if (r.peek() != JsonReader::Kind::kObject) r.fail_expected("an object of predictions");
      p.predictions_json = std::string(r.raw_value());
    } else {
      fail_unknown_member(r, key,
                          {"format", "workflow", "platform", "planner", "passes", "workers",
                           "tasks", "predictions"});
    }
  });
  r.finish();
  if (!has_format) r.fail_at("$", "missing member 'format' (expected \"dagplan-plan/1\")");
  if (!has_tasks) r.fail_at("$", "missing member 'tasks'");
  for (std::uint32_t t = 0; t < n; ++t)
    if (!seen[t])
      r.fail_at("$.tasks",
                fmt::format("task '{}' of the workflow is not in the plan", w.id(TaskId{t})));
  bool any_order = false, any_machine = false;
  for (const auto& o : orders) any_order = any_order || !o.empty();
  for (std::uint32_t m : p.worker_machine) any_machine = any_machine || m != kAnyMachine;
  if (!any_machine) p.worker_machine.clear();
  if (std::all_of(p.worker_prewarm.begin(), p.worker_prewarm.end(),
                  [](std::uint32_t t) { return t == kNoPrewarm; }))
    p.worker_prewarm.clear();
  if (std::all_of(p.worker_inline_dag.begin(), p.worker_inline_dag.end(),
                  [](std::uint8_t x) { return x == 0; }))
    p.worker_inline_dag.clear();
  if (any_order) {
    p.set_order(orders);
    OrderProblem problem = find_order_problem(p, w);
    if (!problem.message.empty())
      r.fail_at(problem.worker == kFlexible ? std::string("$.workers") : order_at[problem.worker],
                problem.message);
  }
  // Inline DAG parts once every task has its worker.
  if (auto [k, problem] = inline_dag_problem(p, w, platform); !problem.empty())
    r.fail_at(fmt::format("$.workers[{}].inline_dag", k), problem);
  // Duplicates once every task has its worker.
  for (const auto& [t, at] : dup_at)
    if (std::string problem = duplicate_problem(p, w, platform, t); !problem.empty())
      r.fail_at(at, problem);
  // Streamed edges once every task has its worker (and its duplicate).
  for (const auto& [from, to, at] : stream_at)
    if (std::string problem = stream_problem(p, w, platform, from, to); !problem.empty())
      r.fail_at(at, problem);
  for (const auto& [from, to, at] : stream_at) p.stream.emplace_back(from, to);
  std::sort(p.stream.begin(), p.stream.end());
  for (const auto& [t, at] : delay_at)
    if (std::string problem = delay_problem(p, w, platform, t); !problem.empty())
      r.fail_at(at, problem);
  if (!has_platform)
    r.fail_at("$", "missing member 'platform' (the platform's name and file, or null)");
  if (refs.platform_name.empty())  // an empty name given is refused where it is read
    r.fail_at("$.platform", "missing member 'name' (the name of the platform planned for)");
  if (fingerprint == FingerprintCheck::kRequire) {
    if (!has_workflow)
      r.fail_at("$", "missing member 'workflow' (the workflow's name, file and fingerprint)");
    if (std::string problem = fingerprint_problem(refs, w); !problem.empty())
      r.fail_at("$.workflow.fingerprint",
                problem + "; give the plan's own workflow, or make a plan for this one");
  }
  p.workflow_file = refs.workflow_file;
  p.platform_file = refs.platform_file;
  p.workflow_name = w.name();
  p.workflow_fingerprint = w.fingerprint();
  p.platform_name = platform.name;
  return p;
}

std::string write_plan(const Plan& p, const Workflow& w, const Platform& platform) {
  std::string out;
  // The predictions are copied in whole: room for them too, so that the text is not copied again
  // as it grows. A task's line is about 40 characters besides its id and worker's name, and a
  // strict worker's order repeats the id: 64 per task fell short at 10^6 tasks (79 MB before the
  // predictions), and the last append then copied the text into a buffer of twice the size.
  // Room reserved and not written is never touched.
  std::size_t names = 0;
  for (std::uint32_t i = 0; i < w.task_count(); ++i) names += w.id(TaskId{i}).size();
  for (const std::string& name : p.worker_names) names += name.size();
  out.reserve(w.task_count() * 80 + 2 * names + p.worker_names.size() * 160 +
              p.predictions_json.size() + 4096);
  append_plan(out, p, w, platform);
  return out;
}

void append_plan(std::string& out, const Plan& p, const Workflow& w, const Platform& platform,
                 const JsonWriter::Flush& flush, std::size_t flush_at,
                 const std::function<void()>& predictions) {
  JsonWriter j(out);
  if (flush) j.set_flush(flush, flush_at);
  j.begin_object();
  j.member("format", "dagplan-plan/1");
  j.key("workflow");
  j.begin_object(true);
  j.key("file");
  if (p.workflow_file.empty())
    j.null();
  else
    j.value(p.workflow_file);
  j.member("name", w.name());
  j.member("tasks", static_cast<std::uint64_t>(w.task_count()));
  j.member("fingerprint", fmt::format("{:016x}", w.fingerprint()));
  j.end_object();
  j.key("platform");
  j.begin_object(true);
  j.key("file");
  if (p.platform_file.empty())
    j.null();
  else
    j.value(p.platform_file);
  j.member("name", platform.name);
  j.end_object();
  j.key("planner");
  j.begin_object();
  j.member("name", p.planner);
  j.key("params");
  j.raw(p.planner_params_json);
  j.key("assumptions");
  j.begin_array();
  for (const std::string& a : p.assumptions) j.value(a);
  j.end_array();
  j.end_object();
  if (!p.passes.empty()) {
    j.key("passes");
    j.begin_array();
    for (const PassRecord& rec : p.passes) {
      j.begin_object(true);
      j.member("name", rec.name);
      j.member("changes", static_cast<std::uint64_t>(rec.changes));
      j.member("makespan_gain_s", static_cast<double>(rec.makespan_gain_us) / 1e6);
      j.member("cost_gain_usd", rec.cost_gain_usd);
      j.end_object();
    }
    j.end_array();
  }
  j.key("workers");
  j.begin_array();
  for (std::size_t k = 0; k < p.worker_names.size(); ++k) {
    j.begin_object(true);
    j.member("id", p.worker_names[k]);
    j.member("config", platform.configs[index(p.worker_config[k])].name);
    if (p.machine(static_cast<std::uint32_t>(k)) != kAnyMachine) {
      j.member("machine", p.machine(static_cast<std::uint32_t>(k)));
    }
    if (std::uint32_t t = p.prewarm(static_cast<std::uint32_t>(k)); t != kNoPrewarm) {
      j.key("prewarm");
      j.begin_object(true);
      j.member("after", w.id(TaskId{t}));
      j.end_object();
    }
    if (p.inline_dag(static_cast<std::uint32_t>(k))) j.member("inline_dag", true);
    std::span<const TaskId> order = p.worker_order(static_cast<std::uint32_t>(k));
    if (!order.empty()) {
      j.key("order");
      j.begin_array(true);
      for (TaskId t : order) j.value(w.id(t));
      j.end_array();
    }
    j.end_object();
  }
  j.end_array();
  j.key("tasks");
  j.begin_array();
  for (std::uint32_t i = 0; i < w.task_count(); ++i) {
    j.begin_object(true);
    j.member("id", w.id(TaskId{i}));
    j.key("worker");
    if (p.task_worker[i] == kFlexible) {
      j.null();
      j.member("config", platform.configs[index(p.task_config[i])].name);
    } else {
      j.value(p.worker_names[p.task_worker[i]]);
    }
    if (p.preload[i]) {
      j.member("preload", true);
    }
    if (p.clustered(i)) j.member("cluster", true);
    if (std::uint32_t d = p.duplicate(i); d != kNoDup) j.member("dup", w.id(TaskId{d}));
    if (auto streamed = p.streams_from(i); !streamed.empty()) {
      j.key("stream");
      j.begin_array(true);
      for (const auto& e : streamed) j.value(w.id(TaskId{e.second}));
      j.end_array();
    }
    if (std::int64_t d = p.delayed_io(i); d != kNoDelay)
      j.member("delayed_io_s", static_cast<double>(d) / 1e6);
    j.end_object();
  }
  j.end_array();
  if (predictions) {
    j.key("predictions");
    j.raw({});  // the value's place: `predictions` appends it to `out`
    predictions();
  } else if (!p.predictions_json.empty()) {
    j.key("predictions");
    j.raw(p.predictions_json);
  }
  j.end_object();
}

}  // namespace dagplan
