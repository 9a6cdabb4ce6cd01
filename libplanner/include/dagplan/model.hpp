#pragma once
/// \file
/// The execution model's durations and prices, computed in exactly one place. The predictor, the
/// planners, the simulator and the executor's trace analysis all ask an ExecutionModel; nothing
/// else turns bytes, work or configurations into microseconds or dollars.
/// DESIGN.md section 2, rules 2, 4, 5, 6, 8 and 12.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "dagplan/platform.hpp"
#include "dagplan/profile.hpp"
#include "dagplan/workflow.hpp"

namespace dagplan {

/// DESIGN.md section 3: printed with every prediction.
struct LowerBounds {
  /// Critical path of execution times at the fastest configuration, plus one invocation and one
  /// warm start (every run invokes at least one worker); with transfers through storage, a path
  /// ends with its sink's upload (alone, at the best bandwidth) and completion record.
  std::int64_t critical_path_us = 0;
  /// Total execution time at the fastest configuration over the most tasks that can run at once
  /// (concurrency limit x slots of the widest configuration).
  std::int64_t work_over_concurrency_us = 0;
  /// Cheapest possible cost: every task's cheapest execution (billed GB-s over the slots that
  /// share an instance) plus one invocation.
  double cost_floor = 0;
  /// Data movement: the bytes every plan moves through storage - every literal input is
  /// downloaded and, with transfers through storage, every sink's output uploaded for the client
  /// - over the storage's aggregate bandwidth, after one invocation, one warm start and one
  /// storage operation (no byte moves before a worker is up). 0 when nothing must move.
  std::int64_t data_us = 0;
  /// Cold-start path (decisions 0033 and 0040), on a serverless platform with transfers through
  /// storage, for a run that starts with no warm container: the critical path at the fastest
  /// configuration where a worker runs at the earliest after an invocation and the fastest cold
  /// start (nothing is warm before a worker of the run has started: a pre-warm is sent by a
  /// running worker), a task with a literal input downloads it (one transfer at the best
  /// bandwidth) once a worker is up, every producer's end is followed by its counter update (one
  /// storage operation) before its consumers start, except the one producer per task that the
  /// task may duplicate (rule 9), and each sink uploads its output and records its completion.
  /// At least critical_path_us there. 0 where it does not hold: a platform with machines (no
  /// cold start), point-to-point transfers (no counter in storage), and a run given warm
  /// containers at the start (run_bounds() in predictor.hpp takes it out).
  std::int64_t cold_path_us = 0;
  std::int64_t makespan_us() const {
    return std::max({critical_path_us, work_over_concurrency_us, data_us, cold_path_us});
  }
};

/// Durations (integer microseconds, rounded to nearest) and prices for one workflow on one
/// platform, optionally calibrated by a profile. Cheap to query: O(1) per call after an O(V + E)
/// construction. Holds references: the workflow must outlive it.
///
/// Every duration it gives is in range (dagplan/limits.hpp): one execution or one transfer
/// of a task's bytes at most limits::kMaxDurationUs, and any run of any plan at most
/// limits::kHorizonUs long, so the run engine, the simulator, the planners, the lower bounds and
/// the costs can add them without overflow.
/// Rule 12: the serialised size (an estimate, bytes) of task `t` as a worker receives it in a DAG:
/// its id, function, sizes and work, and its dependencies' ids. ExecutionModel::dag_bytes() is 64
/// plus this over every task.
std::uint64_t dag_task_bytes(const Workflow& workflow, TaskId t);
struct Plan;
class ExecutionModel;
/// Rule 12, the inline-dag pass (Plan::worker_inline_dag): the part of the workflow that a worker
/// running `tasks` needs, as it travels in its invocation (docs/decisions/0021, 0025 and 0034).
/// Built by dag_part(), counted by dag_part_bytes(), shipped by dagrun (executor/src/part.cpp): the
/// one definition of a worker's part.
struct DagPart {
  std::vector<TaskId> tasks;  ///< the worker's tasks, sorted
  /// Each direct input or output of `tasks` made or read by a task not among them, and each task
  /// two hops away that the plan's task-dup or delayed I/O makes the worker read (see dag_part()),
  /// once, sorted.
  std::vector<TaskId> others;
  /// Per other: the indices into `tasks` of the tasks it has an edge with (its links), ascending
  /// (empty for a task two hops away).
  std::vector<std::vector<std::uint32_t>> links;
  /// Edges between two others (producer, consumer), as indices into `others`, sorted: the second
  /// hops of rules 9 and 11.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> hops;
  /// Indices into `others`, ascending, of the producers the worker's tasks duplicate (rule 9): the
  /// worker runs them, so their function and work travel too.
  std::vector<std::uint32_t> runs;
};
/// The part of a worker running `tasks` (sorted) under `plan`: its tasks, their direct inputs and
/// outputs, and, where the plan has them, the second hops (decision 0034):
/// - a task of `tasks` duplicating a producer (Plan::dup): the producer (in `runs`) and each of
///   its own producers, with their edges to it - the duplicate's inputs;
/// - a task of `tasks` feeding a task that another task duplicates: that task, with the edge from
///   the producer it duplicates - a counter the worker's task counts (counted_children());
/// - a task of `tasks` feeding a fan-in for which another producer delays its I/O (Plan::delay_io):
///   that producer, with its edge to the fan-in - whom the worker's count may leave last.
/// O(degrees of `tasks` and of their neighbours x log).
DagPart dag_part(const Workflow& workflow, const Plan& plan, std::span<const TaskId> tasks);
/// The part's size: 64 bytes, its tasks as dag_task_bytes() counts them, per other task its id,
/// its sizes (output and input bytes, in-degree: 20 bytes) and 4 bytes per link, per hop 8 bytes
/// (two indices), per run 28 bytes more (function, work, literal input: a task's 48 bytes in all).
std::uint64_t dag_part_bytes(const Workflow& workflow, const DagPart& part);
/// dag_part_bytes() of dag_part(): what the pass and check_plan() compare with the threshold.
std::uint64_t dag_part_bytes(const Workflow& workflow, const Plan& plan,
                             std::span<const TaskId> tasks);

/// Rule 12, code size (decision 0021): per configuration, the functions whose code a cold start of
/// that configuration fetches in one transfer - each function with code (ExecutionModel::
/// code_bytes() > 0) that `plan` runs on it, once, by id - and their bytes. Empty when no function
/// has code. O(V log V).
struct CodePackage {
  std::vector<FunctionId> functions;
  std::uint64_t bytes = 0;
};
std::vector<CodePackage> code_packages(const ExecutionModel& model, const Plan& plan);

class ExecutionModel {
 public:
  /// Most machines a cluster may have in all (every machine has a few words of state in a run).
  static constexpr std::uint64_t kMaxMachines = std::uint64_t{1} << 20;
  /// \param profile may be null: then execution time is each task's work estimate.
  /// \throws InputError when the platform holds a value out of its range (possible only for a
  /// platform made in code; the message names "platform 'NAME'" and the member), or when a value
  /// derived from the inputs is: a task's reference time from a profile function (naming the
  /// profile's file and `$.functions[k]`), a task's execution on its slowest configuration, a
  /// task's inputs or output over the lowest bandwidth (naming the workflow's file, the task and
  /// the configuration), or the upper bound of a run's length (run_bound_us()) beyond the horizon
  /// (naming the workflow's file and the task with the largest part).
  ExecutionModel(const Workflow& workflow, const Platform& platform,
                 const Profile* profile = nullptr);

  const Workflow& workflow() const { return *workflow_; }
  const Platform& platform() const { return platform_; }
  std::size_t config_count() const { return platform_.configs.size(); }
  const ResourceConfig& config(ConfigId c) const { return platform_.configs[index(c)]; }

  /// Rule 5: execution time of task `t` on configuration `c`.
  std::int64_t exec_us(TaskId t, ConfigId c) const;
  /// Smallest exec_us over all configurations (for lower bounds). O(1).
  std::int64_t min_exec_us(TaskId t) const;
  /// Reference execution time on one reference vCPU in seconds (work or profile), before the
  /// configuration's slowdown.
  double reference_s(TaskId t) const { return ref_s_[index(t)]; }
  /// The lognormal sigma of task `t`'s execution time from its function's profile (0: none given).
  double noise_sigma(TaskId t) const {
    return group_sigma_[function_group_[index(workflow_->function(t))]];
  }
  /// The configuration's slowdown for task `t`: exec_us = reference_s x slowdown x 1e6, rounded.
  double slowdown(TaskId t, ConfigId c) const { return slowdown(workflow_->function(t), c); }
  /// The same for every task of function `f`.
  double slowdown(FunctionId f, ConfigId c) const {
    return factor_[function_group_[index(f)] * config_count() + index(c)];
  }
  /// Bytes task `t` reads: its literal inputs plus every predecessor's output.
  std::uint64_t input_bytes(TaskId t) const { return total_input_bytes_[index(t)]; }
  /// A hint, no effect on results: starts fetching what exec_us() and input_bytes() read of
  /// task `t` (see Workflow::prefetch).
  void prefetch(TaskId t) const {
    __builtin_prefetch(&total_input_bytes_[index(t)]);
    __builtin_prefetch(&ref_s_[index(t)]);
  }
  /// Rule 4/6: one storage transfer (GET or SET) of `bytes` by a worker of configuration `c`,
  /// without contention: storage latency + bytes / bandwidth. 0 bytes still cost the latency.
  std::int64_t transfer_us(std::uint64_t bytes, ConfigId c) const;
  /// Rule 4 (pre-load): whether receiving takes CPU from a task computing on a worker of
  /// configuration `c`: the platform gives a CPU time per GB received and the worker has no
  /// spare vCPU for it (one slot on fewer than 2 vCPUs; decision 0028).
  bool receive_takes_cpu(ConfigId c) const;
  /// The CPU time receiving `bytes` takes from a task computing on a worker of configuration
  /// `c` (platform's receive_cpu_s_per_gb); 0 unless receive_takes_cpu(c).
  std::int64_t receive_cpu_us(std::uint64_t bytes, ConfigId c) const;
  /// The bytes-over-bandwidth part of transfer_us, without the latency.
  std::int64_t stream_us(std::uint64_t bytes, ConfigId c) const;
  /// One storage operation (INCR, PUBLISH, a completion record): the storage latency.
  std::int64_t storage_op_us() const { return platform_.storage_latency_us; }
  /// Rule 1: invoking a worker.
  std::int64_t invoke_us() const { return platform_.invoke_latency_us; }
  /// Rule 2: start-up of a worker of configuration `c`, cold or warm.
  std::int64_t startup_us(ConfigId c, bool warm) const;
  /// Rule 12: fetching the DAG at start-up when it is too large to travel in the invocation.
  std::int64_t dag_fetch_us(ConfigId c) const;
  /// Rule 12: the size of function `f`'s code (FunctionProfile::code_bytes; 0 without one).
  std::uint64_t code_bytes(FunctionId f) const {
    return code_bytes_.empty() ? 0 : code_bytes_[index(f)];
  }
  /// Whether any function's code is counted (code_bytes() > 0 for some function).
  bool counts_code() const { return !code_bytes_.empty(); }
  /// Rule 12: whether a worker's part of the DAG (dag_part_bytes()) can travel in its invocation.
  bool part_travels_inline(std::uint64_t part_bytes) const {
    return part_bytes <= platform_.dag_inline_bytes;
  }
  /// Rules 2 and 12: from the start of a worker's start-up to its first task: the cold or warm
  /// start plus the DAG fetch.
  std::int64_t setup_us(ConfigId c, bool warm) const {
    return startup_us(c, warm) + dag_fetch_us(c);
  }
  /// Rules 1, 2 and 12: from invoking a new worker to its first task, with a cold start (what
  /// planners assume for a worker they add).
  std::int64_t fresh_worker_us(ConfigId c) const { return invoke_us() + setup_us(c, false); }
  /// Serialised size of the DAG as a worker receives it (estimate: ids, edges, sizes).
  std::uint64_t dag_bytes() const { return dag_bytes_; }
  /// Cluster: scheduler overhead before each task.
  std::int64_t dispatch_us() const { return platform_.dispatch_overhead_us; }
  /// Tasks a worker of configuration `c` runs at once: max(1, floor(vCPUs)); 1 on a cluster,
  /// where a worker is one core.
  std::uint32_t slots(ConfigId c) const { return slots_[index(c)]; }
  /// vCPUs one worker of configuration `c` has for its tasks to share: the configuration's
  /// vCPUs on a serverless platform (at least 1), one core on a cluster.
  double worker_vcpus(ConfigId c) const { return worker_vcpus_[index(c)]; }

  // --- Capacity and machines (the platform kind's rules, here and nowhere else). ---
  /// Workers of configuration `c` that may run at once: count x cores on a cluster (a worker is
  /// one core), the concurrency limit on a serverless platform.
  std::uint64_t capacity(ConfigId c) const { return capacity_[index(c)]; }
  /// Whether capacity(c) is a fixed pool of machines (a cluster) rather than a limit on
  /// concurrent workers of any configuration (serverless).
  bool fixed_machines() const { return !machine_begin_.empty(); }
  /// Workers that may run at once in all: the sum of the capacities on a cluster, the
  /// concurrency limit on a serverless platform.
  std::uint64_t max_workers() const { return max_workers_; }
  /// Cluster machines, numbered configuration by configuration (0 on a serverless platform).
  std::uint32_t machine_count() const { return machine_begin_.empty() ? 0 : machine_begin_.back(); }
  /// The first machine of configuration `c`; its machines are [machine_begin(c),
  /// machine_begin(c) + config(c).count).
  std::uint32_t machine_begin(ConfigId c) const { return machine_begin_[index(c)]; }
  /// Workers (cores) one machine of configuration `c` runs at once.
  std::uint32_t cores_per_machine(ConfigId c) const { return cores_[index(c)]; }
  /// A machine's configuration. O(log configurations).
  ConfigId machine_config(std::uint32_t machine) const;
  /// The name of a machine as plans and traces write it: "<config>" when its configuration has
  /// one machine, else "<config>#<i>" (i from 0).
  std::string machine_name(std::uint32_t machine) const;

  // --- Point-to-point transfers (TransferMode::kDirect). ---
  /// Whether outputs move point to point between machines instead of through storage.
  bool direct_transfers() const { return platform_.transfers == TransferMode::kDirect; }
  /// One point-to-point transfer of `bytes` from a machine of configuration `from` to one of
  /// `to`, without contention: the network latency plus bytes over the slower end's bandwidth.
  std::int64_t direct_transfer_us(std::uint64_t bytes, ConfigId from, ConfigId to) const {
    return platform_.network_latency_us + direct_stream_us(bytes, from, to);
  }
  /// The bytes-over-bandwidth part of direct_transfer_us, without the latency.
  std::int64_t direct_stream_us(std::uint64_t bytes, ConfigId from, ConfigId to) const;
  /// The latency of one point-to-point transfer.
  std::int64_t network_latency_us() const { return platform_.network_latency_us; }
  /// The rate of a point-to-point transfer (bytes per second) while `leaving` transfers share
  /// the sender's link and `arriving` the receiver's (each at least 1; ignored with independent
  /// links): min(sender bandwidth / leaving, receiver bandwidth / arriving).
  double direct_rate(ConfigId from, ConfigId to, std::size_t leaving, std::size_t arriving) const;
  /// The rate of a storage transfer (bytes per second) of a worker of configuration `c` while
  /// `of_worker` transfers share its bandwidth and `in_all` the storage's aggregate bandwidth
  /// (each at least 1): min(worker bandwidth / of_worker, storage bandwidth / in_all).
  double storage_rate(ConfigId c, std::size_t of_worker, std::size_t in_all) const;

  /// Rule 8: price of one worker instance billed for `billed_us` (rounded up to the platform's
  /// granularity) on configuration `c`.
  double instance_cost(ConfigId c, std::int64_t billed_us) const;
  /// Rule 8: price of `count` invocations.
  double invocation_cost(std::uint64_t count) const;
  /// Rule 8: price of holding `bytes` in storage for `held_us`.
  double storage_cost(std::uint64_t bytes, std::int64_t held_us) const;
  /// Rule 8 for a fixed pool of machines: the price of every core for a run of `makespan_us`
  /// (0 on a serverless platform, which bills instances instead).
  double makespan_cost(std::int64_t makespan_us) const;

  /// The configuration with the shortest execution for most work (ties: lower id); "fastest".
  ConfigId fastest_config() const { return fastest_; }

  /// Functions that had no profile although one was given (what the model assumed).
  const std::vector<std::string>& unprofiled_functions() const { return unprofiled_; }
  /// True when every task has a work estimate or a profile.
  bool fully_specified() const { return missing_work_ == 0; }
  /// The lower bounds of any plan's makespan and cost (computed once, on first use; like the
  /// rest of the model, not to be first used from two threads at once).
  const LowerBounds& bounds() const;
  /// Whether bounds() has been computed already.
  bool has_bounds() const { return bounds_.has_value(); }
  std::size_t tasks_without_work() const { return missing_work_; }
  /// A cheap upper bound of the length of any run of any plan, in microseconds (at most
  /// limits::kHorizonUs): the sum over tasks of the longest execution, the task's bytes at the
  /// lowest bandwidth (of any configuration and of the storage), an invocation, the longest
  /// start-up, a DAG fetch, a dispatch and four storage operations, plus a storage operation and
  /// an invocation per edge, plus one keep-alive and one billing granularity.
  std::int64_t run_bound_us() const { return run_bound_us_; }

 private:
  /// What the range checks need from the construction's passes (dagplan/limits.hpp).
  struct RunTotals {
    std::uint64_t max_input_bytes = 0;
    std::uint64_t max_output_bytes = 0;
    std::uint64_t bytes = 0;           ///< sum over tasks of input and output bytes
    double exec_s = 0;                 ///< sum over tasks of the longest execution
    std::vector<std::size_t> slowest;  ///< per group: the configuration with the largest factor
  };
  std::string workflow_file() const;
  std::string config_description(std::size_t c) const;
  [[noreturn]] void fail_execution(TaskId t, std::uint32_t group,
                                   const std::vector<FunctionProfile>& profiles,
                                   const std::string& profile_file, const RunTotals& totals) const;
  void check_run(const RunTotals& totals);

  const Workflow* workflow_;
  Platform platform_;
  LargeVector<std::uint64_t> total_input_bytes_;
  /// Per function: its group, 0 = no profile, k + 1 = profile k.
  std::vector<std::uint32_t> function_group_;
  /// Per (group, config): 1 / (speed * share * parallel^exponent); see FunctionProfile.
  std::vector<double> factor_;
  std::vector<double> min_factor_;    // per group
  std::vector<double> group_sigma_;   // per group: profile noise sigma
  LargeVector<double> ref_s_;         // per task: reference seconds on one vCPU
  std::vector<std::uint32_t> slots_;  // per config
  std::vector<double> worker_vcpus_;  // per config
  std::vector<std::uint64_t> capacity_;
  std::vector<std::uint32_t> cores_;          // per config: cores of one machine (cluster)
  std::vector<std::uint32_t> machine_begin_;  // per config + 1 (cluster); empty if serverless
  std::uint64_t max_workers_ = 0;
  std::uint64_t dag_bytes_ = 0;
  std::vector<std::uint64_t> code_bytes_;  // per function, or empty: none has code counted
  ConfigId fastest_{0};
  std::vector<std::string> unprofiled_;
  std::size_t missing_work_ = 0;
  std::int64_t run_bound_us_ = 0;
  mutable std::optional<LowerBounds> bounds_;
};

/// Rounds a duration in seconds to integer microseconds (the library's one time unit). The
/// duration must be within the horizon (limits::kHorizonUs; asserted), which the model's checks
/// guarantee for every duration it computes.
std::int64_t seconds_to_us(double seconds);

/// Microseconds as seconds (for reports and files, which use seconds).
inline double us_to_seconds(std::int64_t us) {
  return static_cast<double>(us) / 1e6;
}

}  // namespace dagplan
