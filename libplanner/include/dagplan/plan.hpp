#pragma once
/// \file
/// A plan: for every task a logical worker (or none: a flexible, WUKONG-style worker) and a
/// resource configuration, optional annotations, the planner's name, parameters and
/// assumptions, and its predictions. A worker id always comes with one configuration.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dagplan/json_writer.hpp"
#include "dagplan/platform.hpp"
#include "dagplan/workflow.hpp"

namespace dagplan {

/// Task's worker index meaning "flexible: no fixed worker".
inline constexpr std::uint32_t kFlexible = std::numeric_limits<std::uint32_t>::max();
/// Worker's machine meaning "any machine of its configuration" (the first with a free core).
inline constexpr std::uint32_t kAnyMachine = std::numeric_limits<std::uint32_t>::max();
/// Worker's pre-warm trigger meaning "no pre-warm".
inline constexpr std::uint32_t kNoPrewarm = std::numeric_limits<std::uint32_t>::max();
/// Task's duplicated producer meaning "none" (Plan::dup).
inline constexpr std::uint32_t kNoDup = std::numeric_limits<std::uint32_t>::max();
/// Task's delayed-I/O wait meaning "no delayed I/O" (Plan::delay_io).
inline constexpr std::int64_t kNoDelay = -1;

/// What an optimisation pass did to a plan (passes.hpp): how many changes it kept and the gain
/// the contention-aware prediction showed for them (positive: faster or cheaper).
struct PassRecord {
  std::string name;
  std::uint32_t changes = 0;
  std::int64_t makespan_gain_us = 0;  ///< makespan before the pass less after
  double cost_gain_usd = 0;           ///< cost before the pass less after
};

struct Plan {
  // Provenance.
  std::string planner;                     ///< registry name of the planner that made it
  std::string planner_params_json = "{}";  ///< its parameters, as a JSON object
  std::vector<std::string> assumptions;    ///< what it assumed for lack of data
  std::string workflow_file;               ///< as given to the planner (relative to the plan file)
  std::string workflow_name;
  std::uint64_t workflow_fingerprint = 0;
  std::string platform_file;  ///< empty: the bundled default platform
  std::string platform_name;

  // Assignment.
  std::vector<std::string> worker_names;   ///< logical worker ids, by worker index
  std::vector<ConfigId> worker_config;     ///< one configuration per worker
  LargeVector<std::uint32_t> task_worker;  ///< per task: worker index or kFlexible
  LargeVector<ConfigId> task_config;       ///< per task: its worker's configuration (or its own)

  /// Per worker (or empty: none pinned): on a cluster, the machine it runs on, as an index among
  /// its configuration's machines (0 to count - 1), or kAnyMachine. Always kAnyMachine on a
  /// serverless platform.
  std::vector<std::uint32_t> worker_machine;
  /// The order in which workers run their tasks (optional, per worker), as ranges of `order`:
  /// worker k runs order[order_begin[k] .. order_begin[k + 1]) in that sequence, starting each
  /// when it is ready and a slot is free, never a later one first. An empty range: the worker
  /// runs its tasks in the order they become ready. `order_begin` is empty when no worker has
  /// an order. A worker's order lists each of its tasks once.
  std::vector<std::uint32_t> order_begin;
  LargeVector<TaskId> order;

  // Annotations (optimisation passes, passes.hpp).
  LargeVector<std::uint8_t> preload;  ///< per task: download inputs as soon as they exist
  /// Per task (or empty: none): WUKONG task clustering (rule 11). A flexible task whose end
  /// makes flexible children ready runs all of them on its own instance, in its slots, instead
  /// of only the first; its output then stays there when those children are its only consumers
  /// and it is their only input.
  LargeVector<std::uint8_t> cluster;
  /// Per worker (or empty: none): the task whose end sends a pre-warm for the worker's
  /// configuration (kNoPrewarm: none). When that task finishes, its worker invokes a container
  /// of the configuration that only starts (cold) and then waits, warm, for the keep-alive:
  /// the worker's first instance, starting later, finds it warm. Serverless platforms only.
  std::vector<std::uint32_t> worker_prewarm;
  /// Per task (or empty: none): task-dup (rule 9), the producer (a predecessor, kNoDup: none)
  /// that this task's worker runs itself, in the task's slot just before it, instead of waiting
  /// for the producer's output to come through storage. The task then waits for the producer's
  /// inputs instead of the producer; the duplicate's output is used by this task only and never
  /// stored; the original still runs where the plan puts it. Only a task of a strict worker
  /// duplicates, only a producer of another worker (or a flexible one), on a platform whose data
  /// goes through storage, and only when the task still waits for some input (check_plan()).
  LargeVector<std::uint32_t> dup;
  /// Output streaming (rule 10): the streamed edges as (producer, consumer) task indices,
  /// sorted, each once (empty: none). The consumer reads while the producer writes: when the
  /// producer's execution ends and the consumer's worker has an instance up, the output goes
  /// to that instance in one transfer and is not stored for this consumer; otherwise it is
  /// uploaded as usual (run_rules.hpp). Only an edge of the workflow, to a task of a strict
  /// worker other than the producer's (a flexible producer included), on a platform whose data
  /// goes through storage, and not to a task that duplicates the producer (check_plan()).
  std::vector<std::pair<std::uint32_t, std::uint32_t>> stream;
  /// Per task (or empty: none): delayed I/O (WUKONG, rule 11), the longest wait in microseconds
  /// (kNoDelay: none). A flexible task whose only consumer is a flexible fan-in (two or more
  /// inputs) does not upload its output when it ends: it watches the fan-in's counter for up to
  /// this long. If the fan-in's other inputs all complete meanwhile, it counts itself last and
  /// runs the fan-in on its own instance (rule 3) with its output local, never uploaded;
  /// otherwise it uploads after the wait and counts itself as usual. At most one producer per
  /// fan-in delays; not with point-to-point transfers (check_plan(), decision 0020).
  LargeVector<std::int64_t> delay_io;
  /// Per worker (or empty: none): rule 12, the inline-dag pass. Each invocation of the worker
  /// carries the part of the workflow the worker needs (dag_part_bytes() in model.hpp: its
  /// tasks, their edges, and the ids and sizes of their direct inputs and outputs made or read
  /// elsewhere) instead of the worker fetching the whole DAG at start-up; the part must be no
  /// larger than the platform's dag_inline_bytes (check_plan(), decision 0021).
  std::vector<std::uint8_t> worker_inline_dag;
  /// The passes that ran after the planner, in order, and what each kept.
  std::vector<PassRecord> passes;

  /// The planner's predictions as a JSON object, written by the predictor; kept verbatim.
  std::string predictions_json;

  std::size_t worker_count() const { return worker_names.size(); }
  bool flexible(TaskId t) const { return task_worker[index(t)] == kFlexible; }
  /// The machine worker `k` is pinned to (index among its configuration's machines), or
  /// kAnyMachine.
  std::uint32_t machine(std::uint32_t k) const {
    return worker_machine.empty() ? kAnyMachine : worker_machine[k];
  }
  /// Whether flexible task `t` runs every flexible child it makes ready itself (Plan::cluster).
  bool clustered(std::uint32_t t) const {
    return !cluster.empty() && cluster[t] != 0 && task_worker[t] == kFlexible;
  }
  /// Worker `k`'s pre-warm trigger task, or kNoPrewarm.
  std::uint32_t prewarm(std::uint32_t k) const {
    return worker_prewarm.empty() ? kNoPrewarm : worker_prewarm[k];
  }
  /// Whether worker `k` (kFlexible: a flexible instance, never) gets its part of the DAG in
  /// each invocation (Plan::worker_inline_dag).
  bool inline_dag(std::uint32_t k) const {
    return k < worker_inline_dag.size() && worker_inline_dag[k] != 0;
  }
  /// The producer task `t` duplicates (Plan::dup), or kNoDup.
  std::uint32_t duplicate(std::uint32_t t) const { return dup.empty() ? kNoDup : dup[t]; }
  /// Whether the edge `producer` -> `consumer` is streamed (Plan::stream). O(log edges).
  bool streamed(std::uint32_t producer, std::uint32_t consumer) const {
    return !stream.empty() &&
           std::binary_search(stream.begin(), stream.end(), std::make_pair(producer, consumer));
  }
  /// The streamed edges out of `producer`, in consumer order. O(log edges).
  std::span<const std::pair<std::uint32_t, std::uint32_t>> streams_from(
      std::uint32_t producer) const {
    auto lo = std::lower_bound(stream.begin(), stream.end(), std::make_pair(producer, 0u));
    auto hi = std::lower_bound(lo, stream.end(), std::make_pair(producer + 1, 0u));
    return {lo, hi};
  }
  /// Task `t`'s delayed-I/O wait in microseconds (Plan::delay_io), or kNoDelay.
  std::int64_t delayed_io(std::uint32_t t) const {
    return delay_io.empty() ? kNoDelay : delay_io[t];
  }
  /// Whether any worker has a task order.
  bool has_order() const { return !order_begin.empty() && !order.empty(); }
  /// Worker `k`'s task order (empty: ready order).
  std::span<const TaskId> worker_order(std::uint32_t k) const {
    if (order_begin.empty()) return {};
    return {order.data() + order_begin[k], order_begin[k + 1] - order_begin[k]};
  }
  /// Sets every worker's order from `per_worker` (one list per worker; an empty list: ready
  /// order).
  void set_order(const std::vector<std::vector<TaskId>>& per_worker);
  /// Drops every worker's order (workers then run their tasks in ready order); for a plan edited
  /// by hand, whose orders may no longer list each worker's tasks.
  void clear_order() {
    order_begin.clear();
    order.clear();
  }
};

/// A plan with every task flexible on configuration `config` (the starting point of planners).
Plan make_flexible_plan(const Workflow& workflow, ConfigId config);

/// Checks the plan against its workflow and platform: sizes match, every worker has a valid
/// configuration (and machine) and every task of a worker uses it; every task order lists
/// exactly its worker's tasks, and the orders with the workflow's dependencies leave every task
/// able to start (no task ordered after one that depends on it, directly or not). O(V + E).
/// Throws Error naming what is wrong.
/// How much check_plan() checks of the task orders.
enum class PlanCheck {
  kFull,       ///< everything, the orders against the dependencies included (O(V + E))
  kStructure,  ///< sizes, workers, configurations, machines, and that each order lists exactly
               ///< its worker's tasks (O(V)): what the run engine needs not to misbehave; an
               ///< order that contradicts the dependencies is then found by the run (a plan
               ///< that cannot complete)
};
void check_plan(const Plan& plan, const Workflow& workflow, const Platform& platform,
                PlanCheck depth = PlanCheck::kFull);

/// Whether read_plan() requires the plan's workflow fingerprint to be the workflow's.
enum class FingerprintCheck {
  kRequire,  ///< a missing, zero or different fingerprint is an InputError (the default)
  kIgnore,   ///< not compared: the caller warns with fingerprint_problem() (`--ignore-fingerprint`)
};

/// Reads a `dagplan-plan/1` document, resolving task ids and configuration names against
/// `workflow` and `platform`. Every task must appear exactly once. The plan must carry
/// `workflow` (a non-zero `fingerprint` equal to workflow.fingerprint(), unless `fingerprint`
/// is kIgnore) and `platform` (a non-empty `name`) references. Throws InputError naming `file`
/// and the JSON path.
Plan read_plan(std::string_view text, const std::string& file, const Workflow& workflow,
               const Platform& platform, FingerprintCheck fingerprint = FingerprintCheck::kRequire);

/// Where a plan says its workflow and platform are (paths as written in the plan).
struct PlanReferences {
  std::string workflow_file;
  std::string platform_file;  ///< empty: the built-in platform `platform_name`
  std::string platform_name;
  std::uint64_t workflow_fingerprint = 0;  ///< 0: none given (missing or all zeros)
};
/// Reads only the `workflow` and `platform` references of a plan document. Their members are
/// checked (known names, a fingerprint of 16 lowercase hex digits, non-empty names) but not
/// required: read_plan() requires them.
PlanReferences read_plan_references(std::string_view text, const std::string& file);

/// What is wrong with the plan's workflow fingerprint against `workflow`: missing (or zero), or
/// another workflow's (the plan was made for another workflow or another version of it). Empty
/// when it matches. The message names no file or path: `$.workflow.fingerprint` of the plan.
std::string fingerprint_problem(const PlanReferences& refs, const Workflow& workflow);

/// Serialises as `dagplan-plan/1`. Workers in index order, tasks in id order.
std::string write_plan(const Plan& plan, const Workflow& workflow, const Platform& platform);
/// write_plan() appended to `out`, `flush` called between values as JsonWriter::set_flush()
/// says, so that the text can go to its file as it is made (OutputFile). `predictions`, when
/// given, appends the `predictions` member's value to `out` (append_prediction_json()) in place
/// of plan.predictions_json: the predictions' text is then never whole in memory either.
void append_plan(std::string& out, const Plan& plan, const Workflow& workflow,
                 const Platform& platform, const JsonWriter::Flush& flush = {},
                 std::size_t flush_at = 0, const std::function<void()>& predictions = {});

}  // namespace dagplan
