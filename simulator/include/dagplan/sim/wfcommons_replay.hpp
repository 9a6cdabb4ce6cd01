#pragma once
/// \file
/// Replay of public WfCommons instances on a `cluster` platform built from the machines they ran
/// on: every recorded runtime reproduced exactly by the execution model, the workflow system
/// folded into slots and a dispatch overhead fitted on the instance itself. The leave-one-out
/// calibration across runs is wms_replay.hpp's (docs/calibration.md).
///
/// A WfCommons instance records each task's runtime and machine and the run's makespan, but no
/// per-task start times, and the makespan is far above the critical path: the workflow
/// management system (Pegasus/HTCondor, Makeflow, Nextflow) spends most of the run dispatching.
/// The replay models that system with two parameters:
/// - slots: how many tasks it keeps in flight at once, one limit pooled over the machines
///   (DAGMan's or Makeflow's throttle; at most the machines' cores);
/// - dispatch overhead: how long every task holds its slot before it executes (submission,
///   matchmaking, job start-up, staging and post-processing folded into one number).
/// Every task is flexible (the `wukong` planner): a ready task takes the next free slot, first
/// come first served, which is how a WMS hands ready jobs to free slots.

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dagplan/platform.hpp"
#include "dagplan/wfcommons.hpp"

namespace dagplan::sim {

/// The platform and workflow-system model of a replay (defaults: docs/calibration.md).
struct WfCommonsReplayOptions {
  /// Shared file system: one operation's latency (an NFS round trip). Keep it above 0: the
  /// simulator never completes a transfer that starts and ends at time 0.
  std::int64_t storage_latency_us = 1'000;
  /// Shared file system: aggregate bandwidth, bytes per second. 1 TB/s: file contents cost
  /// (almost) nothing, because the instances' nominal input sizes count a shared read-only
  /// database once per task (blast: 5.1 GB per task) where the recorded `readBytes` show the
  /// tasks read kilobytes (docs/calibration.md).
  double storage_bandwidth_bytes_per_s = 1e12;
  /// One slot's bandwidth to the shared file system, bytes per second (see above).
  double machine_bandwidth_bytes_per_s = 1e12;
  /// Cores of a machine whose core count the file does not give.
  std::uint32_t unknown_machine_cores = 1;
  /// Planner of the replayed plan (a planner registry name).
  std::string planner = "wukong";
  /// The bisection stops when the simulated makespan is within this relative distance of the
  /// recorded one (or the overhead is pinned to the microsecond).
  double tolerance = 1e-3;
};

/// The trace's machines as a cluster platform: one configuration per machine (its `nodeName`,
/// its cores as vCPUs, count 1, speed 1 because every runtime was measured on the machine it ran
/// on), a shared file system as storage, no start-up, no invoke latency, the DAG always inline,
/// no dispatch overhead. A file without machines gets one machine "default" with as many cores
/// as the workflow's widest level, so that the platform never limits concurrency by itself.
Platform wfcommons_cluster_platform(const WfCommonsInstance& instance,
                                    const WfCommonsReplayOptions& options = {});

/// Cores of wfcommons_cluster_platform(instance, options), all machines together.
std::uint32_t wfcommons_cores(const WfCommonsInstance& instance,
                              const WfCommonsReplayOptions& options = {});

/// The platform a replay simulates: wfcommons_cluster_platform() with its machines pooled into
/// one configuration "wms-slots" of min(slots, cores) cores (count 1), and the dispatch
/// overhead. Pooling loses nothing the model could use: every machine has speed 1 and data goes
/// through the shared file system, so only the number of tasks in flight matters, and the WMS
/// limits that number over all machines together.
Platform wfcommons_replay_platform(const WfCommonsInstance& instance, std::uint32_t slots,
                                   std::int64_t dispatch_overhead_us,
                                   const WfCommonsReplayOptions& options = {});

/// One simulated replay.
struct WfCommonsReplay {
  std::int64_t makespan_us = 0;  ///< simulated (contention on, noise and faults off)
  std::uint32_t slots = 0;       ///< after the cap at the instance's cores
  /// Largest |simulated execution time - recorded runtime| over the tasks, both in whole
  /// microseconds (the recorded runtime rounded). 0: every recorded runtime reproduced exactly.
  std::int64_t max_exec_error_us = 0;
  /// Critical path of the recorded runtimes, seconds (what an ideal system would need).
  double critical_path_s = 0;
};

/// Simulates `instance` with the options' planner on wfcommons_replay_platform(), contention on,
/// noise and faults off. O((V + E) log V). Throws UsageError for an unknown planner.
WfCommonsReplay replay_wfcommons(const WfCommonsInstance& instance, std::uint32_t slots,
                                 std::int64_t dispatch_overhead_us,
                                 const WfCommonsReplayOptions& options = {});

/// The dispatch overhead that reproduces an instance's recorded makespan at a slot count.
struct WfCommonsOverheadFit {
  std::uint32_t slots = 0;  ///< after the cap at the instance's cores
  std::int64_t dispatch_overhead_us = 0;
  std::int64_t simulated_makespan_us = 0;
  /// (simulated - recorded) / recorded at the fitted overhead.
  double relative_error = 0;
  /// False when even a zero overhead overshoots the recorded makespan (the fit is then 0).
  bool bracketed = true;
  std::uint32_t simulations = 0;
};

/// Bisection on the overhead in [0, recorded makespan]: the makespan does not decrease as the
/// overhead grows, and every task pays the overhead, so the upper end always overshoots. About
/// 15 simulations at the default tolerance. Throws InputError when the instance records no
/// makespan.
WfCommonsOverheadFit fit_wfcommons_overhead(const WfCommonsInstance& instance, std::uint32_t slots,
                                            const WfCommonsReplayOptions& options = {});

/// The WfCommons instances under `dir` (every *.json, recursively), sorted by path. Throws
/// InputError when `dir` is not a folder.
std::vector<std::string> wfcommons_files(const std::string& dir);

}  // namespace dagplan::sim
