#pragma once
/// \file
/// Replay of public WfCommons instances on a `cluster` platform built from the machines they ran
/// on, and leave-one-out calibration of the workflow system's dispatch overhead (DESIGN.md
/// section 6: simulated makespan within 10% of the recorded one, calibrated on other runs of the
/// same application). docs/calibration.md holds the modelling choices and the resulting table.
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

/// WfCommonsReplayOptions::slots value meaning "every core of the recorded machines".
inline constexpr std::uint32_t kWfCommonsAllCores = std::numeric_limits<std::uint32_t>::max();

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
  /// Slots of the workflow system: 0 = calibrated by wfcommons_leave_one_out() (searched in
  /// 1..max_slots), kWfCommonsAllCores = every core; always capped at the instance's cores.
  std::uint32_t slots = 0;
  /// Upper end of the calibrated slot search.
  std::uint32_t max_slots = 96;
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

/// The application of a WfCommons file: its file name up to the first '-' ("blast",
/// "seismology", "1000genome"), as WfInstances names its files (the `name` inside is not
/// reliable: "workflow-test", "genome-dax-0").
std::string wfcommons_application(const std::string& file);

/// One instance's line of the calibration table.
struct WfCommonsCalibrationRow {
  std::string file;  ///< as given
  std::string application;
  std::string schema_version;
  std::size_t tasks = 0;
  std::size_t machines = 0;
  std::uint32_t cores = 0;  ///< all recorded machines together
  double recorded_makespan_s = 0;
  double critical_path_s = 0;
  /// Slot count of this row, after the cap at `cores`: for a run that is left out, calibrated
  /// without it (on the other applications' runs); otherwise the table's global slot count.
  std::uint32_t slots = 0;
  /// Where `slots` came from: the applications whose leave-one-out errors chose it.
  std::string slots_from;
  /// In-sample: the overhead fitted on this instance at `slots` and the error it leaves.
  WfCommonsOverheadFit fit;
  /// Leave-one-out: the overhead calibrated on the other runs of the application (the median of
  /// their fitted overheads at `slots`) and the error it gives on this one; empty when the
  /// application has no other run.
  std::optional<std::int64_t> loo_overhead_us;
  std::optional<double> loo_error;
  std::size_t loo_runs = 0;  ///< runs the leave-one-out overhead came from
  /// Another file holding the same run (a WfFormat 1.4 copy of a 1.5 file): not a separate run.
  std::string copy_of;
  /// Per-task check at the fitted overhead (see WfCommonsReplay::max_exec_error_us).
  std::int64_t max_exec_error_us = 0;
};

/// Leave-one-out errors of every run that can be left out, at one slot count.
struct WfCommonsSlotSweepPoint {
  std::uint32_t slots = 0;
  std::vector<double> loo_error;  ///< by WfCommonsCalibrationTable::sweep_files
};

/// The table behind docs/calibration.md.
struct WfCommonsCalibrationTable {
  WfCommonsReplayOptions options;
  std::vector<WfCommonsCalibrationRow> rows;  ///< by application, then file
  /// The slot count calibrated on every run that can be left out (before the cap at each
  /// instance's cores): used by the runs that cannot.
  std::uint32_t slots = 0;
  std::string slots_from;
  /// Runs that can be left out (applications with two or more distinct runs) and their
  /// leave-one-out errors at every slot count searched (empty when the slots are fixed).
  std::vector<std::string> sweep_files;
  std::vector<WfCommonsSlotSweepPoint> sweep;
  /// Median and largest |leave-one-out error| over the rows that have one.
  double median_abs_loo_error = 0;
  double max_abs_loo_error = 0;
  std::size_t loo_rows = 0;
  std::uint64_t simulations = 0;
};

/// Reads every file, and for each run of an application with other runs: calibrates the slot
/// count on the other applications' runs (the slot count in 1..max_slots whose largest
/// leave-one-out error there is smallest; ties: fewer slots), calibrates the dispatch overhead on
/// the other runs of its application (median of their fitted overheads at that slot count), and
/// reports the error of the replay on the held-out run. Files holding the same run (same
/// application, workflow fingerprint and recorded makespan: a 1.4 and a 1.5 copy) count as one
/// run. Runs that cannot be left out get the in-sample fit at the global slot count. Throws
/// InputError for an unreadable file or one without a recorded makespan.
WfCommonsCalibrationTable wfcommons_leave_one_out(const std::vector<std::string>& files,
                                                  const WfCommonsReplayOptions& options = {});

/// The WfCommons instances under `dir` (every *.json, recursively), sorted by path. Throws
/// InputError when `dir` is not a folder.
std::vector<std::string> wfcommons_files(const std::string& dir);

/// The table as Markdown: one row per instance, a summary line, then the slot sweep; file names
/// relative to the folder they share.
std::string wfcommons_calibration_markdown(const WfCommonsCalibrationTable& table);

/// A change of the replay model, to show how the leave-one-out errors depend on it.
struct WfCommonsVariant {
  std::string name;
  WfCommonsReplayOptions options;
};

/// The variants docs/calibration.md compares with `base` (whose table is `base_table`): the slot
/// count fixed at the table's global one (chosen with the held-out runs: optimistic), every
/// nominal byte through a 1.25 GB/s shared file system, the heft and dask planners, slots = every
/// core, and one slot (a serial dispatcher).
std::vector<WfCommonsVariant> wfcommons_variants(const WfCommonsReplayOptions& base,
                                                 const WfCommonsCalibrationTable& base_table);

/// One line per (variant, table): the leave-one-out error and slot count of every run that can
/// be left out, and their median and largest |error|.
std::string wfcommons_variants_markdown(
    const std::vector<std::pair<WfCommonsVariant, WfCommonsCalibrationTable>>& variants);

/// Everything docs/calibration.md shows between its "generated" markers: the table, the slot
/// sweep and the variants, computed from `files` (about 20 s for ../shared/data/wfcommons). What
/// `dagsim calibrate --wfcommons DIR --markdown` prints.
std::string wfcommons_calibration_report(const std::vector<std::string>& files,
                                         const WfCommonsReplayOptions& options = {});

}  // namespace dagplan::sim
