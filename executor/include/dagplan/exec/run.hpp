#pragma once
/// \file
/// `dagrun`: runs a plan for real. An invoker starts worker processes (`dagworker`) for
/// invocations - a pool per configuration with keep-alive (an idle process is reused warm until
/// its keep-alive runs out), the concurrency limit and an optional cap - and the workers run the
/// tasks, talking only to Redis (a private redis-server on loopback unless one is given). The run
/// is recorded as a `dagplan-trace/1` trace that `dagsim replay` and `dagsim calibrate` read.
/// Every worker process is stopped and every key of the run deleted when it ends, on success and
/// on failure.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "dagplan/exec/kernel.hpp"
#include "dagplan/exec/redis.hpp"
#include "dagplan/model.hpp"
#include "dagplan/plan.hpp"
#include "dagplan/sim/trace.hpp"

namespace dagplan::exec {

struct RunOptions {
  /// A Redis server to use; none: a private redis-server for this run.
  std::optional<RedisAddress> redis;
  std::string password;  ///< AUTH password (empty: none)
  /// The run fails (cleanly) when it has not finished after this long.
  double timeout_s = 600;
  /// At most this many worker processes busy at once (0: the platform's limit). Below the
  /// platform's limit the trace notes the cap.
  std::uint32_t max_workers = 0;
  /// How a worker process is started: "{worker_args}" is replaced by the worker's arguments
  /// (each shell-quoted) and the result run with /bin/sh -c. Empty: the dagworker binary
  /// `worker_binary` directly.
  std::string launch;
  std::string worker_binary;  ///< path of dagworker
  /// A strict worker or a flexible chain whose process dies is restarted (its lost outputs made
  /// again) until it has died this many times, and a task whose kernel fails is tried this many
  /// times; then the run fails.
  std::uint32_t max_attempts = 4;
  /// Which kernels run (kernel.hpp).
  KernelMode kernel = KernelMode::kAuto;
  /// Non-empty: each sink's output is written there, in a file named by the task id.
  std::string outputs_dir;
  /// Compare each sink's output with evaluate_locally(); a difference fails the run.
  bool check = false;
  /// The vCPU and memory limits of each worker process (its configuration's vcpus and
  /// memory_mb): "auto" (cgroup2 where the machine allows it, else rlimit; none in a sanitizer
  /// build), "cgroup2" (an error before any worker starts where it does not work), "rlimit" (CPU
  /// affinity and RLIMIT_AS) or "none". See process.hpp.
  std::string limits = "auto";
  /// Every key of the run expires after this long even if dagrun dies without deleting it.
  std::int64_t key_ttl_s = 3600;
  /// Called with a short description of the run's progress (tasks done) now and then.
  std::function<void(std::size_t done, std::size_t total)> progress;
};

struct RunReport {
  bool ok = false;
  std::string failure;  ///< why the run failed (names the task or worker and quotes its stderr)
  std::string run_id;
  std::string redis;  ///< the server used
  bool embedded_redis = false;
  std::int64_t makespan_us = 0;
  double cost_usd = 0;
  std::uint32_t instances = 0, cold_starts = 0, warm_starts = 0, processes = 0;
  std::uint32_t attempts = 0;           ///< task executions, the re-runs of lost outputs included
  std::uint32_t failed_attempts = 0;    ///< task executions whose kernel failed (then retried)
  std::uint32_t checked_outputs = 0;    ///< sink outputs equal to the local evaluation (--check)
  std::uint32_t real_kernel_tasks = 0;  ///< tasks that ran a builtin kernel or a command
  std::uint32_t steps_aside = 0;        ///< strict workers that stepped aside under the limit
  std::uint32_t crashes = 0;  ///< worker processes that died during an invocation (restarted)
  std::uint64_t bytes_uploaded = 0, bytes_downloaded = 0;
  std::uint32_t max_workers = 0;  ///< the limit the invoker applied
  std::string limits_method;      ///< how worker limits were applied: cgroup2, rlimit or none
  double loops_per_second = 0;    ///< the synthetic kernel's calibration
  double wall_s = 0;              ///< dagrun's own wall time, set-up and clean-up included
  /// Redis traffic: commands and round trips of the workers and of dagrun (up to the run's end).
  std::uint64_t worker_commands = 0, worker_round_trips = 0;
  std::uint64_t dagrun_commands = 0, dagrun_round_trips = 0;
  /// Most worker processes busy at once.
  std::uint32_t peak_busy = 0;
  sim::Trace trace;  ///< complete when ok (its embedded documents set)
};

/// Runs `plan` for real. `workflow_json`, `platform_json` and `plan_json` are the documents the
/// workers read (as write_workflow, write_platform and write_plan give them) and the trace
/// embeds. Throws UsageError or Error before any worker starts for a plan it cannot run (point-
/// to-point transfers) or limits it cannot apply (`limits` unknown, cgroup2 not available); a
/// failure during the run is reported in RunReport (ok false) after
/// everything was stopped and deleted.
RunReport run_plan(const ExecutionModel& model, const Plan& plan, const std::string& workflow_json,
                   const std::string& platform_json, const std::string& plan_json,
                   const RunOptions& options);

}  // namespace dagplan::exec
