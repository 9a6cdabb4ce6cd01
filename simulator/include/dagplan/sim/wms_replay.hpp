#pragma once
/// \file
/// A replay model of the workflow management system (WMS) behind a public WfCommons run, and
/// its leave-one-out calibration per application (DESIGN.md section 6; docs/calibration.md,
/// docs/decisions/0009-wms-replay-model.md).
///
/// A WfCommons run records what the tasks did (runtime, bytes read and written, machine) but not
/// what the WMS did between them, and that is most of the makespan. The model explains a run
/// from what its file states - the DAG, runtimes, bytes, the machines' cores - plus four
/// parameters of the WMS:
/// - latency_s: a task becomes ready this long after its last parent ends (DAGMan's or
///   Makeflow's polling of job logs, post-scripts, submission); roots too (workflow start-up),
///   and the run ends this long after its last task (the end noticed; Pegasus's stage-out and
///   clean-up jobs);
/// - dispatch_interval_s: the WMS starts at most one task per interval (a dispatch throughput:
///   DAGMan's submit throttle, the schedd's job start rate), ready tasks first come first served;
/// - staging_s_per_gb: the task's bytes (readBytes + writtenBytes where the file records them,
///   else its files' sizes) go through one shared data server, one transfer at a time, at
///   1/staging_s_per_gb GB per second, before the task runs;
/// - machine_interval_s: each machine starts at most one task per interval (HTCondor's startd
///   and starter, a Work Queue worker), the task on the machine the file records.
/// Slots are the recorded machines' cores, pooled (a task takes any free core). While k other
/// recorded runs shared the run's machines (their `executedAt` and makespans overlap, and they
/// name a machine in common), both intervals are 1 + k times longer (wms_concurrency; no
/// parameter: a system serving k more workflows starts each one's tasks at 1 / (1 + k) its rate).
///
/// The simulation is a list schedule in O((V + E) log V), about 10^7 tasks per second, so that
/// calibration can afford thousands of replays per run.

#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "dagplan/wfcommons.hpp"

namespace dagplan::sim {

/// The WMS parameters of a replay; all >= 0.
struct WmsParams {
  double latency_s = 0;            ///< per dependency (and per root), seconds
  double dispatch_interval_s = 0;  ///< between two task starts, seconds (1 / throughput)
  double staging_s_per_gb = 0;     ///< per GB through the shared data server, seconds
  /// between two task starts on one machine (the task's recorded machine), seconds
  double machine_interval_s = 0;

  static constexpr std::size_t kCount = 4;
  /// Parameter i (0: latency, 1: dispatch interval, 2: staging, 3: machine interval).
  double& operator[](std::size_t i);
  double operator[](std::size_t i) const;
};

/// Names of the parameters, in WmsParams order ("latency", "dispatch", "staging", "machine").
const char* wms_param_name(std::size_t i);

/// A window of a run's clock during which another recorded run shared one of its machines.
struct WmsBusy {
  double from_s = 0, to_s = 0;
  std::size_t source = 0;  ///< index of the other run in the set given to wms_concurrency
  bool operator==(const WmsBusy&) const = default;
};

/// What a replay needs of one WfCommons run, extracted once; immutable afterwards.
struct WmsRun {
  std::string file;
  /// Display only: the file name up to its first '-'. Never used to group runs.
  std::string label;
  std::uint32_t tasks = 0;
  std::uint32_t machines = 0;  ///< recorded machines (1 when the file lists none)
  std::uint32_t slots = 0;     ///< their cores together (the widest level when none recorded)
  double recorded_makespan_s = 0;
  double critical_path_s = 0;          ///< of the recorded runtimes
  double io_gb = 0;                    ///< all tasks' staged bytes, GB
  std::vector<std::string> functions;  ///< distinct function names, sorted (the content)
  std::uint64_t fingerprint = 0;       ///< of the workflow
  // The DAG as CSR successors plus per-task values, by TaskId.
  std::vector<double> runtime_s, io_gb_per_task;
  std::vector<std::uint32_t> machine;  ///< recorded machine of each task (machines: unknown)
  /// Cores of each recorded machine, by machine index; empty when some task's machine is not
  /// recorded (pooled_machines then has no effect).
  std::vector<std::uint32_t> machine_cores;
  std::vector<std::uint32_t> succ_offset, succ, pred_count;
  /// When the run started (`executedAt`), seconds since 1970-01-01 UTC; NaN when the file does
  /// not say or says it in a form not understood.
  double started_at_s = std::numeric_limits<double>::quiet_NaN();
  /// The recorded machines' names (`nodeName`), by machine index; empty names when not given.
  std::vector<std::string> machine_names;
  /// Which of the folders given it was read from (0 for the first): with
  /// WmsFitOptions::across_folders, a run is predicted from the other folders' runs only.
  std::uint32_t folder = 0;
  /// Windows of this run's clock (seconds after its start) during which another recorded run
  /// shared one of its machines (set by wms_concurrency; empty by default).
  std::vector<WmsBusy> busy;
  /// Replay rule: the dispatcher waits until a task has started on its machine before it hands
  /// over the next one (true), or hands tasks over at its own rate whatever their machines do
  /// (false). Set from WmsFitOptions::head_of_line by wms_leave_one_out.
  bool head_of_line = true;
  /// Replay rule: each task runs on the recorded machine (false), or on whichever machine can
  /// start it first - its machine interval since its last start passed and a core of its own
  /// free (true; HTCondor's matchmaker hands an idle job to any free slot, and the machine
  /// recorded is an outcome of that). Set from WmsFitOptions::pooled_machines.
  bool pooled_machines = false;
};

/// Extracts a run from an instance read from `file` (a task without a recorded runtime runs for
/// 0 s). Throws InputError (naming `file` and the JSON path) when it records no makespan.
WmsRun wms_run(const WfCommonsInstance& instance, const std::string& file);

/// Reads and extracts `file`. Throws InputError for an unreadable or invalid file.
WmsRun read_wms_run(const std::string& file);

/// Seconds since 1970-01-01 UTC of a WfCommons `executedAt`, in any of the forms the public runs
/// use: "20200415T184122+0000", "2020-12-27T18:23:37+00:00" (or "Z"), "03-23-21T05:57:15Z"
/// (month-day-year); NaN for anything else.
double wms_parse_time(std::string_view text);

/// Copies: for each run, the index of the first run holding the same run (same workflow
/// fingerprint and recorded makespan: a WfFormat 1.4 and a 1.5 file), itself when none.
std::vector<std::size_t> wms_primary(const std::vector<WmsRun>& runs);

/// Sets every run's `busy` windows from the others: run q busied run r from q's start to q's
/// recorded end (in r's clock, clipped at r's start) when both record a start time, share a
/// machine name, and q started before r's recorded end. Copies (wms_primary) are not other runs.
/// (In a leave-one-out, the held-out run's prediction sees the runs that started after its
/// recorded end as well: that end is what it does not know.)
void wms_concurrency(std::vector<WmsRun>& runs);

/// Simulated makespan of `run` under `params`, seconds. Deterministic (ties by task id). While
/// k of the run's busy windows are open, the dispatch and machine intervals are (1 + k) times
/// longer: the workflow system and the machines serve k other workflows as well. With
/// `run.head_of_line`, the dispatcher hands over the next task only once the previous one has
/// started on its machine; without, at its own interval, and each machine starts its tasks in
/// the order they were handed over. With `run.pooled_machines` (and the machines' cores known),
/// each task runs on whichever machine can start it first, on that machine's own cores.
double wms_makespan_s(const WmsRun& run, const WmsParams& params);

/// Which parameters a calibration fits (the others stay 0), and how.
struct WmsFitOptions {
  /// By WmsParams index: fitted when true.
  std::array<bool, WmsParams::kCount> fitted = {true, true, true, true};
  /// Strength of the pull of an application's parameters towards the parameters shared by all
  /// applications (ridge on log(1 + p / scale)); 0: each application on its own.
  double shrinkage = 0.01;
  /// Fit per application (true) or only the shared parameters (false).
  bool per_application = true;
  /// Per application, the prior whose proportions the factor scales and towards which the
  /// parameters are shrunk: the typical application (wms_typical of every application's fit,
  /// each shrunk towards the shared parameters) when true, the parameters shared by all runs
  /// when false.
  bool typical_prior = true;
  /// Per application, after the factor on the shared parameters (wms_scale_fit), fit every
  /// parameter shrunk towards the scaled shared ones (true) or keep the scaled ones (false).
  bool refine = true;
  /// Per application, the staging time per GB is shrunk towards the prior's (true: the storage
  /// is the platform's, shared by every workflow system on it) or towards the prior's scaled by
  /// the application's factor (false: as the three other parameters).
  bool platform_staging = true;
  /// The replay's dispatcher waits for each task's start on its machine (WmsRun::head_of_line).
  bool head_of_line = true;
  /// The replay chooses each task's machine (WmsRun::pooled_machines) instead of taking the
  /// recorded one. Off: every run fits better in sample (the worst in-sample row +30% to +5%),
  /// but leave-one-out is worse on the 27 runs (docs/calibration.md, decision 0038).
  bool pooled_machines = false;
  /// The typical application is the geometric mean of each application's own fit (from the
  /// generic start, no prior) instead of fits shrunk towards the shared parameters. Off: across
  /// folders much better (17.7% / 227% to 13.0% / 62%), leave-one-out worse (10.6% / 41% to
  /// 12.3% / 90%) (docs/calibration.md, decision 0039).
  bool free_typical = false;
  /// Every fit also descends from its start with the dispatch and machine intervals exchanged,
  /// and keeps the better end (the two explain the same makespans on one machine; a descent
  /// from one side stays there). Off: better fits in sample, worse leave-one-out on the 27 runs
  /// (docs/calibration.md).
  bool exchange_start = false;
  /// Replay the busy windows of runs that overlapped in time on shared machines (true), or
  /// ignore them (false).
  bool contention = true;
  /// Leave a folder out instead of a run: each run is predicted from the runs of the other
  /// folders (WmsRun::folder) only, as if its folder were a new set of runs.
  bool across_folders = false;
  /// Threads of wms_leave_one_out (results do not depend on it). 0: hardware concurrency.
  unsigned threads = 0;
};

/// Sum over `runs` of log(simulated / recorded)^2 (a symmetric relative error).
double wms_loss(const std::vector<const WmsRun*>& runs, const WmsParams& params);

/// wms_loss(runs, params) + shrinkage * sum_i log((1 + p_i) / (1 + prior_i))^2 over the fitted
/// parameters (no shrinkage with `prior` null): what fit_wms minimises.
double wms_fit_objective(const std::vector<const WmsRun*>& runs, const WmsParams& params,
                         const WmsParams* prior, const WmsFitOptions& options);

/// Parameters minimising wms_loss(runs) + shrinkage * sum_i log((1 + p_i) / (1 + prior_i))^2,
/// by coordinate descent in log space from `start` (the parameters not fitted keep its value): each
/// round tries every fitted parameter at p' = (p + 1) e^{+-step} - 1 (and, while the step is the
/// first one, at 0 and at factors 1/16
/// .. 16), keeps each improving move, and divides the step by 3 after a round without one, from
/// 0.2 down to 10^-4 (at most 200 rounds). Deterministic. With `prior` null, no shrinkage.
WmsParams fit_wms(const std::vector<const WmsRun*>& runs, const WmsParams& start,
                  const WmsParams* prior, const WmsFitOptions& options);

/// The typical application: per parameter, the geometric mean of 1 + p (p in seconds, or seconds
/// per GB) over `applications`, minus 1. Each application counts once, however many runs it has;
/// all 0 when there is none.
WmsParams wms_typical(const std::map<std::uint32_t, WmsParams>& applications);

/// `shared` with every parameter multiplied by the one factor in [1/64, 64] that minimises
/// wms_loss(runs) (golden-section search on its logarithm): an application whose workflow
/// system is the shared one, uniformly slower or faster. About 40 replays per run.
/// With `which`, only those parameters are scaled (the others keep `shared`'s values).
WmsParams wms_scale_fit(const std::vector<const WmsRun*>& runs, const WmsParams& shared,
                        const std::array<bool, WmsParams::kCount>& which = {true, true, true,
                                                                            true});

/// Application groups from the content: runs whose function-name sets overlap by half or more
/// (Jaccard >= 0.5) are one application (transitively). Returns a group id per run, numbered in
/// order of first appearance.
std::vector<std::uint32_t> wms_application_groups(const std::vector<WmsRun>& runs);

/// One run's line of the table.
struct WmsRow {
  std::size_t run = 0;         ///< index into WmsTable::runs
  std::uint32_t group = 0;     ///< application group
  std::string copy_of;         ///< another file holding the same run: not a separate run
  std::size_t other_runs = 0;  ///< distinct runs of its application besides this one
  WmsParams in_sample;         ///< fitted on every run of its application (shrunk to its prior)
  double in_sample_error = 0;  ///< (simulated - recorded) / recorded
  bool has_loo = false;        ///< other_runs > 0 and not a copy
  WmsParams loo;               ///< fitted without this run (and its copies)
  double loo_error = 0;
};

/// The leave-one-out table over a set of runs.
struct WmsTable {
  WmsFitOptions options;
  std::vector<WmsRun> runs;
  std::vector<WmsRow> rows;  ///< by application label, then file
  WmsParams shared;          ///< fitted on every run, all applications together
  double median_abs_loo_error = 0, max_abs_loo_error = 0;
  std::size_t loo_rows = 0;
  std::uint64_t replays = 0;
};

/// Called after each run's leave-one-out fit, from any thread but never concurrently.
using WmsProgress = std::function<void(std::size_t done, std::size_t total)>;

/// For every distinct run whose application (wms_application_groups) has another distinct run:
/// fits the shared parameters on every other run (all applications; its copies excluded), each
/// application's parameters on its runs but the held-out one (a factor on the shared parameters,
/// then each parameter shrunk towards the scaled ones, staging towards the unscaled one), then its
/// own application's again, the
/// same way but from the typical application (wms_typical; with `typical_prior` off, the first
/// fit is kept), and reports the error of the replay on the held-out run. Nothing of the held-out
/// run (its makespan, its file name) reaches its own prediction. Files holding the same run (same
/// workflow fingerprint and recorded makespan: a 1.4 and a 1.5 copy) count as one run. Runs are
/// fitted on `options.threads` threads; the result does not depend on the thread count.
WmsTable wms_leave_one_out(std::vector<WmsRun> runs, const WmsFitOptions& options = {},
                           const WmsProgress& progress = {});

/// The table as Markdown: one row per file, then the median and largest |leave-one-out error|.
std::string wms_table_markdown(const WmsTable& table);

/// A variant of the model for the comparison table of docs/calibration.md.
struct WmsVariant {
  std::string name;
  WmsFitOptions options;
};

/// The variants docs/calibration.md compares: without each parameter, each parameter alone,
/// shared parameters only, only a factor per application, no shrinkage.
std::vector<WmsVariant> wms_variants(const WmsFitOptions& base);

/// One line per variant: median and largest |leave-one-out error| (each a full leave-one-out).
std::string wms_variants_markdown(const std::vector<WmsRun>& runs,
                                  const std::vector<WmsVariant>& variants,
                                  const WmsProgress& progress = {});

}  // namespace dagplan::sim
