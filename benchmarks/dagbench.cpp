// dagbench: every registered planner on a fixed suite of workflows (generated shapes at several
// sizes and seeds, the example workflows, the public WfCommons instances) on a serverless and a
// cluster platform. Per (workflow, platform, planner): predicted makespan and cost, their ratios
// to the lower bounds, simulated makespan (p50/p95 over seeded noisy runs) and planning time;
// per planner: geometric means, wins and the worst case. `--check` compares the run with the
// committed baseline (benchmarks/baseline.json): plan quality within a tight relative tolerance,
// planning speed as a ratio to a reference computation timed in the same run (never an absolute
// time). Then heft against SAGA's published HEFT on SAGA's own task graphs (when they are beside
// the shared data), which --check also gates. See docs/benchmarks.md.
#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.hpp"
#include "dagplan/compare.hpp"
#include "dagplan/error.hpp"
#include "dagplan/files.hpp"
#include "dagplan/generators.hpp"
#include "dagplan/json_writer.hpp"
#include "dagplan/passes.hpp"
#include "dagplan/planner.hpp"
#include "dagplan/platform.hpp"
#include "dagplan/saga.hpp"
#include "dagplan/sim/runs.hpp"
#include "dagplan/sim/simulator.hpp"
#include "dagplan/workflow_io.hpp"

namespace {

using namespace dagplan;
namespace fs = std::filesystem;

/// Relative tolerance on predicted makespan and cost. Plans and predictions are deterministic
/// (ties break by id, integer microseconds), so any change beyond floating-point noise is real.
constexpr double kQualityTolerance = 1e-6;
/// A planner fails the speed check when its time / reference time exceeds this factor times the
/// baseline's ratio. Generous: the ratio moves with the machine's caches and with other load.
constexpr double kTimeFactor = 3.0;
/// Time ratios below this are raised to it before the comparison: a planner that takes under 1% of
/// the reference (wukong: microseconds) is too quick to time reliably, and is only flagged once it
/// grows past kTimeFactor x 1% of the reference.
constexpr double kTimeRatioFloor = 0.01;
/// Repetitions of each timed computation; the minimum is kept (robust to interference).
constexpr int kTimingRepetitions = 5;
/// Size of the reference computation: sorting this many pseudo-random 64-bit integers.
constexpr std::size_t kReferenceElements = std::size_t{1} << 20;
/// Tasks of each timing workload (see timing_workloads()).
constexpr std::size_t kTimingTasks = 20000;

constexpr const char* kResultsFormat = "dagbench-results/1";
constexpr const char* kBaselineFormat = "dagbench-baseline/1";

// ------------------------------------------------------------------------------------------------
// The suite.

/// A list of optimisation passes run after the planner: "none" and "all" (every registered pass,
/// objective makespan with the default cost bound). Entries are keyed by the variant's name, so
/// the baseline distinguishes a planner with and without passes.
struct PassVariant {
  std::string name;
  std::vector<std::string> passes;
};

std::vector<PassVariant> pass_variants() {
  return {{"none", {}}, {"all", pass_registry().select("all")}};
}

/// Runs the variant's passes, in order, on `plan`.
void apply_passes(const PassVariant& variant, const ExecutionModel& model, Plan& plan) {
  if (!variant.passes.empty()) (void)optimize_plan(model, plan, variant.passes, PassObjective{});
}

struct SuiteWorkflow {
  std::string id;      ///< stable key, e.g. "random-layered-1000-s1", "wfcommons/montage-..."
  std::string source;  ///< "generated", "example" or "wfcommons"
  Workflow workflow;
};

struct SuiteConfig {
  bool quick = false;
  std::string examples_dir;
  std::string shared_data;
  std::vector<std::string> platforms;
  int sim_runs = 5;
};

/// Sizes and seeds of the generated shapes. Quick mode keeps the smaller sizes and the first seed:
/// a subset of the full suite, so every quick entry is also in a baseline written by a full run.
std::vector<std::size_t> generated_sizes(bool quick) {
  if (quick) return {100, 1000};
  return {100, 1000, 10000};
}
std::vector<std::uint64_t> generated_seeds(bool quick) {
  if (quick) return {1};
  return {1, 2};
}

std::vector<SuiteWorkflow> load_suite(const SuiteConfig& config) {
  std::vector<SuiteWorkflow> suite;
  for (std::string_view shape : generator_shapes()) {
    for (std::size_t n : generated_sizes(config.quick)) {
      for (std::uint64_t seed : generated_seeds(config.quick)) {
        GeneratorOptions g;
        g.tasks = n;
        g.seed = seed;
        suite.push_back(
            {fmt::format("{}-{}-s{}", shape, n, seed), "generated", generate_workflow(shape, g)});
      }
    }
  }
  auto json_files = [](const std::string& dir) {
    std::vector<fs::path> files;
    for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
      if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    return files;
  };
  if (fs::is_directory(config.examples_dir)) {
    for (const fs::path& p : json_files(config.examples_dir)) {
      suite.push_back({"example/" + p.stem().string(), "example", load_workflow(p.string())});
    }
  } else {
    fmt::print(stderr, "dagbench: skipping the example workflows: {} is absent\n",
               config.examples_dir);
  }
  // The v1.4 sub-folder holds two of the same runs in the older format: not separate instances.
  std::string wfc = config.shared_data.empty() ? "" : config.shared_data + "/wfcommons";
  if (!wfc.empty() && fs::is_directory(wfc)) {
    for (const fs::path& p : json_files(wfc)) {
      suite.push_back({"wfcommons/" + p.stem().string(), "wfcommons", load_workflow(p.string())});
    }
  } else {
    fmt::print(stderr,
               "dagbench: skipping the WfCommons instances: {} is absent (set --shared-data or "
               "$DAGPLAN_SHARED_DATA)\n",
               wfc.empty() ? std::string("<shared data>/wfcommons") : wfc);
  }
  return suite;
}

// ------------------------------------------------------------------------------------------------
// Results.

struct Entry {
  std::string workflow;
  std::string platform;
  std::string planner;
  std::string passes;
  std::size_t tasks = 0;
  std::size_t edges = 0;
  std::string error;      ///< non-empty when planning or prediction failed
  std::string sim_error;  ///< non-empty when a simulation failed (the prediction stands)
  std::int64_t makespan_us = 0;
  double cost = 0;
  std::int64_t free_makespan_us = 0;  ///< predicted without contention
  /// Simulated with contention, without noise and faults: must equal the prediction (-1: not
  /// run).
  std::int64_t exact_sim_us = -1;
  bool exact_sim_differs = false;  ///< it did not (a --check failure)
  std::int64_t critical_path_us = 0;
  std::int64_t cold_path_us = 0;  ///< LowerBounds::cold_path_us (0 where it does not hold)
  std::int64_t work_bound_us = 0;
  std::int64_t data_bound_us = 0;
  double cost_floor = 0;
  int sim_runs = 0;
  double sim_p50_us = 0;
  double sim_p95_us = 0;
  double planning_s = 0;

  bool ok() const { return error.empty(); }
  std::string key() const { return key_of(workflow, platform, planner, passes); }
  static std::string key_of(std::string_view w, std::string_view p, std::string_view pl,
                            std::string_view pa) {
    return fmt::format("{}|{}|{}|{}", w, p, pl, pa);
  }
  std::int64_t bound_us() const {
    return std::max({critical_path_us, cold_path_us, work_bound_us, data_bound_us});
  }
};

/// x / y, or NaN when y is not positive (a bound that says nothing).
double ratio(double x, double y) {
  return y > 0 ? x / y : std::numeric_limits<double>::quiet_NaN();
}

double us_to_s(double us) {
  return us / 1e6;
}

/// Planner -> factor, from "--degrade heft=1.05" (repeatable).
using Degrades = std::map<std::string, double>;

Degrades parse_degrades(const std::vector<std::string>& args, const std::string& option) {
  Degrades out;
  for (const std::string& a : args) {
    std::size_t eq = a.find('=');
    if (eq == std::string::npos) {
      throw UsageError(fmt::format("{} expects PLANNER=FACTOR, got '{}'", option, a));
    }
    std::string name = a.substr(0, eq);
    if (!planner_registry().find(name)) (void)planner_registry().create(name);  // throws
    double factor = 0;
    try {
      factor = std::stod(a.substr(eq + 1));
    } catch (const std::exception&) {
      throw UsageError(fmt::format("{}: '{}' is not a number", option, a.substr(eq + 1)));
    }
    if (!(factor > 0)) throw UsageError(fmt::format("{}: factor must be > 0", option));
    out[name] = factor;
  }
  return out;
}

struct RunOptions {
  int sim_runs = 5;
  bool simulate = true;
  Degrades degrade;  ///< testing aid: multiplies a planner's predicted makespan and cost
};

/// The suite's entries, per platform, workflow and pass variant the planners in the given order
/// (compare_planners()), each with its seeded noisy simulations (simulate_runs(), seeds 1..N).
std::vector<Entry> run_suite(const std::vector<SuiteWorkflow>& suite,
                             const std::vector<std::string>& platforms,
                             const std::vector<std::string>& planners, const RunOptions& options) {
  std::vector<Entry> entries;
  const bool simulate = options.simulate && options.sim_runs > 0;
  for (const std::string& platform_name : platforms) {
    Platform platform = load_platform(platform_name);
    for (const SuiteWorkflow& sw : suite) {
      ExecutionModel model(sw.workflow, platform);
      for (const PassVariant& variant : pass_variants()) {
        CompareOptions co;
        co.after_planning = [&variant](const ExecutionModel& m, Plan& plan) {
          apply_passes(variant, m, plan);
        };
        co.keep_going = true;  // a failing planner is an entry with its error
        co.keep_plans = simulate;
        Comparison comparison = compare_planners(model, planners, co);
        for (ComparisonRow& row : comparison.rows) {
          Entry e;
          e.workflow = sw.id;
          e.platform = platform_name;
          e.planner = row.planner;
          e.passes = variant.name;
          e.tasks = sw.workflow.task_count();
          e.edges = sw.workflow.edge_count();
          e.error = row.error;
          e.planning_s = row.planning_s;
          if (e.ok()) {
            e.makespan_us = row.makespan_us;
            e.cost = row.cost.total();
            e.free_makespan_us = row.contention_free_makespan_us;
            e.critical_path_us = comparison.bounds.critical_path_us;
            e.cold_path_us = comparison.bounds.cold_path_us;
            e.work_bound_us = comparison.bounds.work_over_concurrency_us;
            e.data_bound_us = comparison.bounds.data_us;
            e.cost_floor = comparison.bounds.cost_floor;
            if (auto it = options.degrade.find(row.planner); it != options.degrade.end()) {
              e.makespan_us = std::llround(static_cast<double>(e.makespan_us) * it->second);
              e.cost *= it->second;
            }
          }
          if (e.ok() && simulate) {
            // A simulation failure is reported apart: the prediction still stands.
            try {
              // Noise-free first: the prediction is this run, to the microsecond (before any
              // --degrade, which changes only the reported figures).
              e.exact_sim_us =
                  sim::simulate(model, row.plan, sim::SimOptions{}).timeline.makespan_us;
              e.exact_sim_differs = e.exact_sim_us != row.makespan_us;
              if (e.exact_sim_differs)
                e.sim_error = fmt::format(
                    "the noise-free simulation ({:.6f} s) differs from the prediction ({:.6f} s)",
                    us_to_s(static_cast<double>(e.exact_sim_us)),
                    us_to_s(static_cast<double>(row.makespan_us)));
              sim::SimOptions so;
              so.seed = 1;
              so.noise.enabled = true;
              sim::RunStatistics st = sim::simulate_runs(
                  model, row.plan, so, static_cast<std::uint32_t>(options.sim_runs));
              std::vector<double> makespans;
              for (const sim::RunOutcome& r : st.runs)
                makespans.push_back(static_cast<double>(r.makespan_us));
              sim::Distribution d = sim::distribution(makespans);
              e.sim_runs = options.sim_runs;
              e.sim_p50_us = d.p50;
              e.sim_p95_us = d.p95;
            } catch (const Error& err) {
              e.sim_error = err.what();
            }
            row.plan = Plan{};  // simulated: free it before the next one
          }
          entries.push_back(std::move(e));
        }
      }
    }
  }
  return entries;
}

// ------------------------------------------------------------------------------------------------
// Timing: planners on fixed workloads, as ratios to a reference computation of the same run.

/// Processor time of this process, not wall time: other processes on the machine (a parallel build,
/// other tests) then slow the reference and the planners much less unevenly. Single-threaded code
/// only (every planner is).
class CpuStopwatch {
 public:
  CpuStopwatch() : start_(now()) {}
  double seconds() const { return now() - start_; }

 private:
  static double now() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  }
  double start_;
};

/// The reference: sorting kReferenceElements pseudo-random integers, minimum over repetitions.
/// Memory-bound and branchy like a planner, independent of the library (a slower predictor or
/// generator cannot hide a slower planner).
double reference_seconds(int repetitions) {
  std::mt19937_64 rng(42);
  std::vector<std::uint64_t> data(kReferenceElements);
  for (std::uint64_t& x : data) x = rng();
  double best = std::numeric_limits<double>::infinity();
  for (int i = 0; i < repetitions; ++i) {
    std::vector<std::uint64_t> copy = data;
    CpuStopwatch clock;
    std::sort(copy.begin(), copy.end());
    best = std::min(best, clock.seconds());
    if (copy.front() > copy.back()) std::abort();  // keeps the sort observable
  }
  return best;
}

/// The timing workloads: a random layered DAG (the common case) and a wide fan-out/fan-in (where a
/// step that is quadratic in a task's degree shows), on the serverless platform.
std::vector<SuiteWorkflow> timing_workloads() {
  std::vector<SuiteWorkflow> out;
  for (std::string_view shape : {"random-layered", "fanout-fanin"}) {
    GeneratorOptions g;
    g.tasks = kTimingTasks;
    g.seed = 1;
    out.push_back(
        {fmt::format("{}-{}-s1", shape, kTimingTasks), "generated", generate_workflow(shape, g)});
  }
  return out;
}

struct Timing {
  std::string planner;
  double seconds = 0;  ///< sum over the timing workloads of the minimum planning time
  double ratio = 0;    ///< seconds / reference seconds
};

struct TimingResult {
  double reference_s = 0;
  std::vector<Timing> planners;
};

TimingResult measure_timing(const std::vector<std::string>& planners, const Degrades& degrade) {
  std::vector<SuiteWorkflow> workloads = timing_workloads();
  Platform platform = load_platform("aws-lambda");
  TimingResult out;
  // The reference is timed before and after the planners; the minimum of all repetitions counts,
  // so that a burst of load from elsewhere during one of them does not skew every ratio.
  double before = reference_seconds(kTimingRepetitions);
  std::vector<Timing> timings;
  for (const std::string& name : planners) {
    std::unique_ptr<Planner> planner = planner_registry().create(name);
    Timing t;
    t.planner = name;
    for (const SuiteWorkflow& w : workloads) {
      ExecutionModel model(w.workflow, platform);
      double best = std::numeric_limits<double>::infinity();
      for (int i = 0; i < kTimingRepetitions; ++i) {
        CpuStopwatch clock;
        Plan plan = planner->plan(model, PlannerOptions{});
        best = std::min(best, clock.seconds());
      }
      t.seconds += best;
    }
    if (auto it = degrade.find(name); it != degrade.end()) t.seconds *= it->second;
    timings.push_back(t);
  }
  double after = reference_seconds(kTimingRepetitions);
  out.reference_s = std::min(before, after);
  for (Timing& t : timings) t.ratio = t.seconds / out.reference_s;
  out.planners = std::move(timings);
  return out;
}

// ------------------------------------------------------------------------------------------------
// Summary per (platform, planner).

struct Summary {
  std::string platform;
  std::string planner;
  std::size_t entries = 0;
  std::size_t errors = 0;
  double geo_makespan = 0;  ///< geometric mean of makespan / makespan lower bound
  double geo_cost = 0;      ///< geometric mean of cost / cost floor
  std::size_t makespan_wins = 0;
  std::size_t cost_wins = 0;
  double worst_makespan = 0;
  std::string worst_workflow;
  double planning_s = 0;  ///< total over the suite
};

bool within(double a, double b) {
  return std::abs(a - b) <= kQualityTolerance * std::max(std::abs(a), std::abs(b));
}

std::vector<Summary> summarise(const std::vector<Entry>& entries,
                               const std::vector<std::string>& platforms,
                               const std::vector<std::string>& planners) {
  // Best makespan and cost per (workflow, platform, passes), for the wins.
  std::map<std::string, std::pair<double, double>> best;
  for (const Entry& e : entries) {
    if (!e.ok()) continue;
    std::string k = Entry::key_of(e.workflow, e.platform, "", e.passes);
    auto [it, fresh] = best.try_emplace(k, static_cast<double>(e.makespan_us), e.cost);
    if (!fresh) {
      it->second.first = std::min(it->second.first, static_cast<double>(e.makespan_us));
      it->second.second = std::min(it->second.second, e.cost);
    }
  }
  std::vector<Summary> out;
  for (const std::string& platform : platforms) {
    for (const std::string& planner : planners) {
      Summary s;
      s.platform = platform;
      s.planner = planner;
      double log_m = 0, log_c = 0;
      std::size_t n_m = 0, n_c = 0;
      for (const Entry& e : entries) {
        if (e.platform != platform || e.planner != planner) continue;
        ++s.entries;
        if (!e.ok()) {
          ++s.errors;
          continue;
        }
        s.planning_s += e.planning_s;
        double rm = ratio(static_cast<double>(e.makespan_us), static_cast<double>(e.bound_us()));
        double rc = ratio(e.cost, e.cost_floor);
        if (std::isfinite(rm)) {
          log_m += std::log(rm);
          ++n_m;
          if (rm > s.worst_makespan) {
            s.worst_makespan = rm;
            s.worst_workflow = e.workflow;
          }
        }
        if (std::isfinite(rc)) {
          log_c += std::log(rc);
          ++n_c;
        }
        const auto& b = best.at(Entry::key_of(e.workflow, e.platform, "", e.passes));
        if (within(static_cast<double>(e.makespan_us), b.first)) ++s.makespan_wins;
        if (within(e.cost, b.second)) ++s.cost_wins;
      }
      s.geo_makespan = n_m ? std::exp(log_m / static_cast<double>(n_m)) : 0;
      s.geo_cost = n_c ? std::exp(log_c / static_cast<double>(n_c)) : 0;
      out.push_back(s);
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// Against SAGA's HEFT: dagplan's heft on the task graphs that SAGA (github ANRGUSC/saga, the
// Python library of classic list schedulers) scheduled, each imported with read_saga() onto the
// platform that states SAGA's textbook model, against SAGA's published makespans and times. The
// expected numbers are benchmarks/saga-expected.json: SAGA commit 29defc0, as published in
// ../shared/peers/saga/README.md. The graphs themselves stay in that folder (not in the
// repository); without it the section is skipped.

/// --check fails when heft's makespan on a graph is more than this factor of SAGA's HEFT.
constexpr double kSagaMakespanFactor = 1.01;
/// ... or when the geometric mean of heft's makespan over SAGA's HEFT, over the graphs, exceeds 1.
constexpr double kSagaGeomeanLimit = 1.0;

constexpr const char* kSagaExpectedFormat = "dagbench-saga-expected/1";

/// What SAGA published for one graph.
struct SagaExpected {
  std::string graph;  ///< file stem in the SAGA folder
  std::size_t tasks = 0;
  std::size_t edges = 0;
  double heft_makespan_s = 0;
  double heft_scheduling_s = 0;  ///< SAGA's HEFT scheduling time (wall clock, same machine)
  double cpop_makespan_s = 0;
};

/// One graph: dagplan's heft and dask, predicted, next to SAGA's figures.
struct SagaRow {
  SagaExpected expected;
  bool absent = false;  ///< the graph file is not in the folder (not compared)
  std::string error;    ///< reading, planning or predicting failed
  std::size_t tasks = 0;
  std::size_t edges = 0;
  double heft_makespan_s = 0;  ///< predicted
  double heft_planning_s = 0;  ///< wall clock of heft's plan() (compare_planners)
  double dask_makespan_s = 0;  ///< predicted; NaN when dask failed
  double lower_bound_s = 0;    ///< the predictor's makespan lower bound

  bool compared() const { return !absent && error.empty(); }
  /// heft's makespan over SAGA's HEFT makespan.
  double makespan_ratio() const { return ratio(heft_makespan_s, expected.heft_makespan_s); }
  /// SAGA's HEFT scheduling time over heft's planning time.
  double speedup() const { return ratio(expected.heft_scheduling_s, heft_planning_s); }
};

struct SagaResult {
  std::string folder;         ///< where the graphs were looked for
  std::string expected_file;  ///< benchmarks/saga-expected.json
  std::string source;         ///< the expected numbers' provenance, from that file
  std::string skipped;        ///< why the section did not run; empty when it ran
  std::vector<SagaRow> rows;
  std::size_t compared = 0;
  double geomean_ratio = 0;  ///< over the compared rows
};

/// SAGA's published figures. Throws InputError naming the file and the JSON path.
std::vector<SagaExpected> load_saga_expected(const std::string& file, std::string& source) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(read_text_file(file));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(file, "", fmt::format("invalid JSON: {}", e.what()));
  }
  if (!doc.is_object() || doc.value("format", "") != kSagaExpectedFormat) {
    throw InputError(file, "$.format", fmt::format("expected \"{}\"", kSagaExpectedFormat));
  }
  std::vector<SagaExpected> out;
  std::string at = "$.graphs";
  try {
    source = doc.at("source").get<std::string>();
    const nlohmann::json& graphs = doc.at("graphs");
    for (std::size_t i = 0; i < graphs.size(); ++i) {
      at = fmt::format("$.graphs[{}]", i);
      const nlohmann::json& g = graphs.at(i);
      SagaExpected x;
      x.graph = g.at("graph").get<std::string>();
      x.tasks = g.at("tasks").get<std::size_t>();
      x.edges = g.at("edges").get<std::size_t>();
      x.heft_makespan_s = g.at("heft_makespan_s").get<double>();
      x.heft_scheduling_s = g.at("heft_scheduling_s").get<double>();
      x.cpop_makespan_s = g.at("cpop_makespan_s").get<double>();
      if (!(x.heft_makespan_s > 0)) throw InputError(file, at, "expected heft_makespan_s > 0");
      out.push_back(std::move(x));
    }
  } catch (const nlohmann::json::exception& e) {
    throw InputError(file, at, fmt::format("unexpected content: {}", e.what()));
  }
  return out;
}

/// Imports, plans (heft, and dask for reference) and predicts every graph of `expected` found in
/// `folder`. A graph that fails is a row with its error; an absent folder skips the section.
SagaResult run_saga(const std::string& folder, const std::string& expected_file,
                    const Degrades& degrade) {
  SagaResult out;
  out.folder = folder;
  out.expected_file = expected_file;
  std::vector<SagaExpected> expected = load_saga_expected(expected_file, out.source);
  if (!fs::is_directory(folder)) {
    out.skipped =
        fmt::format("{} is absent (set --saga, --shared-data or $DAGPLAN_SHARED_DATA)", folder);
    return out;
  }
  const std::vector<std::string> planners = {"heft", "dask"};
  double log_sum = 0;
  for (SagaExpected& x : expected) {
    SagaRow row;
    row.expected = std::move(x);
    fs::path file = fs::path(folder) / (row.expected.graph + ".json");
    if (!fs::is_regular_file(file)) {
      row.absent = true;
      out.rows.push_back(std::move(row));
      continue;
    }
    try {
      SagaInstance inst =
          read_saga(read_text_file(file.string()), file.string(), row.expected.graph);
      row.tasks = inst.workflow.task_count();
      row.edges = inst.workflow.edge_count();
      ExecutionModel model(inst.workflow, inst.platform);
      CompareOptions co;
      co.keep_going = true;  // dask failing must not hide heft's figures
      Comparison comparison = compare_planners(model, planners, co);
      row.lower_bound_s = us_to_s(static_cast<double>(comparison.bounds.makespan_us()));
      for (const ComparisonRow& r : comparison.rows) {
        double factor = 1;
        if (auto it = degrade.find(r.planner); it != degrade.end()) factor = it->second;
        double makespan_s = r.ok() ? us_to_s(static_cast<double>(r.makespan_us)) * factor
                                   : std::numeric_limits<double>::quiet_NaN();
        if (r.planner == "heft") {
          if (!r.ok()) row.error = fmt::format("heft: {}", r.error);
          row.heft_makespan_s = makespan_s;
          row.heft_planning_s = r.planning_s;
        } else {
          row.dask_makespan_s = makespan_s;
        }
      }
    } catch (const Error& e) {
      row.error = e.what();
    }
    if (row.compared()) {
      ++out.compared;
      log_sum += std::log(row.makespan_ratio());
    }
    out.rows.push_back(std::move(row));
  }
  out.geomean_ratio = out.compared ? std::exp(log_sum / static_cast<double>(out.compared)) : 0;
  return out;
}

/// The check against SAGA's published HEFT (only on the graphs present): every graph's heft
/// makespan at most kSagaMakespanFactor x SAGA's, the geometric mean of the ratios at most
/// kSagaGeomeanLimit, and each graph the one SAGA ran (same task and edge counts). Prints every
/// failure on stderr and a verdict on stdout; returns true when nothing failed.
bool check_saga(const SagaResult& saga) {
  if (!saga.skipped.empty()) {
    fmt::print("check against SAGA's HEFT skipped: {}\n", saga.skipped);
    return true;
  }
  std::size_t failures = 0;
  auto fail = [&failures](const std::string& what) {
    ++failures;
    fmt::print(stderr, "dagbench: check failed: {}\n", what);
  };
  for (const SagaRow& r : saga.rows) {
    const SagaExpected& x = r.expected;
    if (r.absent) continue;
    if (!r.error.empty()) {
      fail(fmt::format("heft on SAGA's {}: {}", x.graph, r.error));
      continue;
    }
    if (r.tasks != x.tasks || r.edges != x.edges) {
      fail(fmt::format("SAGA's {} has {} tasks and {} edges, not the {} and {} SAGA scheduled",
                       x.graph, r.tasks, r.edges, x.tasks, x.edges));
    }
    if (r.heft_makespan_s > kSagaMakespanFactor * x.heft_makespan_s) {
      fail(
          fmt::format("heft on SAGA's {}: predicted makespan {:.6f} s is {:+.2f}% against SAGA's "
                      "HEFT {:.3f} s (limit {:+.0f}%)",
                      x.graph, r.heft_makespan_s, (r.makespan_ratio() - 1) * 100, x.heft_makespan_s,
                      (kSagaMakespanFactor - 1) * 100));
    }
  }
  if (saga.compared && saga.geomean_ratio > kSagaGeomeanLimit) {
    fail(fmt::format(
        "heft against SAGA's HEFT: the geometric mean of the makespan ratios is {:.4f} over {} "
        "graphs (limit {:g})",
        saga.geomean_ratio, saga.compared, kSagaGeomeanLimit));
  }
  fmt::print(
      "check against SAGA's HEFT ({}): {} graphs compared, geometric mean of the ratios {}: {}\n",
      saga.folder, saga.compared,
      saga.compared ? fmt::format("{:.4f}", saga.geomean_ratio) : std::string("-"),
      failures ? fmt::format("{} failures", failures) : std::string("ok"));
  return failures == 0;
}

// ------------------------------------------------------------------------------------------------
// Output: markdown (also printed on stdout) and JSON.

struct Meta {
  std::string mode;
  std::string machine;
  std::string build;
  int sim_runs = 0;
  std::size_t workflows = 0;
};

std::string read_proc_field(const char* file, const char* key) {
  std::ifstream f(file);
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind(key, 0) == 0) {
      std::size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::size_t start = line.find_first_not_of(" \t", colon + 1);
      return start == std::string::npos ? "" : line.substr(start);
    }
  }
  return "";
}

std::string machine_description() {
  std::string model = read_proc_field("/proc/cpuinfo", "model name");
  std::string mem = read_proc_field("/proc/meminfo", "MemTotal");
  double mem_gb = mem.empty() ? 0 : std::stod(mem) / (1024.0 * 1024.0);
  return fmt::format("{}, {} hardware threads, {:.0f} GB RAM",
                     model.empty() ? "unknown CPU" : model, std::thread::hardware_concurrency(),
                     mem_gb);
}

std::string build_description() {
#ifdef NDEBUG
  const char* asserts = "assertions off";
#else
  const char* asserts = "assertions on";
#endif
#if defined(__clang__)
  return fmt::format("clang {}, {}", __clang_version__, asserts);
#elif defined(__GNUC__)
  return fmt::format("gcc {}, {}", __VERSION__, asserts);
#else
  return asserts;
#endif
}

/// A simulated makespan for the table: seconds, "failed" (see the notes) or "-" (not simulated).
std::string sim_cell(const Entry& e, double us) {
  if (!e.sim_error.empty()) return "failed";
  return e.sim_runs ? fmt::format("{:.3f}", us_to_s(us)) : "-";
}

std::string fmt_ratio(double r) {
  return std::isfinite(r) ? fmt::format("{:.3f}", r) : "-";
}

void write_file(const std::string& path, const std::string& text) {
  // Written whole to a temporary, then renamed: never a partial file.
  std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary);
    if (!f) throw Error(fmt::format("{}: cannot write", path));
    f << text;
    if (!f.flush()) throw Error(fmt::format("{}: cannot write", path));
  }
  fs::rename(tmp, path);
}

/// The tables in markdown (also printed on stdout): the summaries, then the per-workflow rows.
struct Markdown {
  std::string summary;
  std::string details;
};

/// The SAGA table (empty when the section was skipped: the skip is said on stderr).
std::string saga_markdown(const SagaResult& saga) {
  std::string out;
  if (!saga.skipped.empty()) return out;
  auto line = [&out](const std::string& s) {
    out += s;
    out += '\n';
  };
  line(
      "Against SAGA's HEFT: heft (and dask, for reference) on the task graphs SAGA "
      "(github ANRGUSC/saga, commit 29defc0) scheduled, imported with read_saga() (`dagplan "
      "import saga`: 16 machines, point-to-point transfers without contention or latency) and "
      "predicted; SAGA's figures as published (benchmarks/saga-expected.json). ratio = heft / "
      "SAGA HEFT; speed-up = SAGA's HEFT time / heft's planning time (wall clock); bound = the "
      "predictor's makespan lower bound.");
  line("");
  line(fmt::format(
      "| {:<22} | {:>6} | {:>6} | {:>8} | {:>13} | {:>6} | {:>13} | {:>17} | {:>18} | {:>8} | "
      "{:>9} | {:>8} |",
      "graph", "tasks", "edges", "heft (s)", "SAGA HEFT (s)", "ratio", "SAGA CPoP (s)",
      "heft planning (s)", "SAGA HEFT time (s)", "speed-up", "bound (s)", "dask (s)"));
  line("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const SagaRow& r : saga.rows) {
    const SagaExpected& x = r.expected;
    if (r.absent) {
      line(fmt::format("| {:<22} | absent from {} |", x.graph, saga.folder));
      continue;
    }
    if (!r.error.empty()) {
      line(fmt::format("| {:<22} | {:>6} | {:>6} | error: {} |", x.graph, r.tasks, r.edges,
                       r.error));
      continue;
    }
    line(fmt::format(
        "| {:<22} | {:>6} | {:>6} | {:>8.3f} | {:>13.3f} | {:>6.4f} | {:>13.3f} | {:>17.4f} | "
        "{:>18.3f} | {:>8.1f} | {:>9.3f} | {:>8} |",
        x.graph, r.tasks, r.edges, r.heft_makespan_s, x.heft_makespan_s, r.makespan_ratio(),
        x.cpop_makespan_s, r.heft_planning_s, x.heft_scheduling_s, r.speedup(), r.lower_bound_s,
        std::isfinite(r.dask_makespan_s) ? fmt::format("{:.3f}", r.dask_makespan_s) : "failed"));
  }
  line("");
  line(fmt::format(
      "Geometric mean of the ratios over {} graphs: {}. `--check` fails above 1, or when a graph's "
      "ratio is above {:g}.",
      saga.compared, saga.compared ? fmt::format("{:.4f}", saga.geomean_ratio) : "-",
      kSagaMakespanFactor));
  return out;
}

Markdown markdown(const Meta& meta, const std::vector<Entry>& entries,
                  const std::vector<Summary>& summaries, const TimingResult& timing,
                  const SagaResult& saga) {
  Markdown md;
  std::string* out = &md.summary;
  auto line = [&out](const std::string& s) {
    *out += s;
    *out += '\n';
  };
  line(
      fmt::format("dagbench, {} suite: {} workflows x {} platform/planner/pass entries; "
                  "simulated with noise, {} seeded runs each",
                  meta.mode, meta.workflows, entries.size(), meta.sim_runs));
  line(fmt::format("machine: {}; build: {}", meta.machine, meta.build));
  line("");
  line(
      "Summary per planner. x bound = predicted makespan / makespan lower bound (max of critical "
      "path, cold-start path, work over concurrency and data movement); x floor = predicted cost / "
      "cost floor; geometric means. "
      "Wins: workflows where the planner's makespan (cost) is the lowest, ties shared.");
  line("");
  line(
      fmt::format("| {:<10} | {:<11} | {:>7} | {:>6} | {:>10} | {:>10} | {:>7} | {:>9} | "
                  "{:>11} | {:<44} | {:>12} |",
                  "platform", "planner", "entries", "failed", "gm x bound", "gm x floor", "mk wins",
                  "cost wins", "worst x bnd", "worst on", "planning (s)"));
  line("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |");
  for (const Summary& s : summaries) {
    line(fmt::format(
        "| {:<10} | {:<11} | {:>7} | {:>6} | {:>10.3f} | {:>10.3f} | {:>7} | {:>9} | "
        "{:>11.3f} | {:<44} | {:>12.3f} |",
        s.platform, s.planner, s.entries, s.errors, s.geo_makespan, s.geo_cost, s.makespan_wins,
        s.cost_wins, s.worst_makespan, s.worst_workflow, s.planning_s));
  }
  line("");
  line(
      fmt::format("Planning speed: each planner on {} tasks of random-layered and of fanout-fanin "
                  "(aws-lambda), best of {}; reference = sorting 2^20 integers, {:.4f} s.",
                  kTimingTasks, kTimingRepetitions, timing.reference_s));
  line("");
  line(fmt::format("| {:<11} | {:>10} | {:>12} |", "planner", "time (s)", "x reference"));
  line("| --- | ---: | ---: |");
  for (const Timing& t : timing.planners) {
    line(fmt::format("| {:<11} | {:>10.4f} | {:>12.4f} |", t.planner, t.seconds, t.ratio));
  }
  if (std::string table = saga_markdown(saga); !table.empty()) {
    line("");
    md.summary += table;
  }
  out = &md.details;
  line(
      "Per workflow. makespan = predicted, with contention; x cp = makespan / critical-path "
      "bound, x cold = makespan / cold-start path (- where it does not hold), x work = makespan / "
      "work over concurrency, x data = makespan / data-movement bound, "
      "x floor = cost / cost floor; no sharing = the contention-free prediction; sim exact = "
      "simulated without noise (equal to the prediction: `--check` fails otherwise); sim p50/p95 "
      "= simulated with contention and noise.");
  line("");
  line(
      fmt::format("| {:<44} | {:<10} | {:>6} | {:<11} | {:>12} | {:>11} | {:>7} | {:>7} | "
                  "{:>7} | {:>7} | {:>7} | {:>14} | {:>13} | {:>11} | {:>11} | {:>9} |",
                  "workflow", "platform", "tasks", "planner", "makespan (s)", "cost ($)", "x cp",
                  "x cold", "x work", "x data", "x floor", "no sharing (s)", "sim exact (s)",
                  "sim p50 (s)", "sim p95 (s)", "plan (ms)"));
  line(
      "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | "
      "---: | ---: | ---: |");
  for (const Entry& e : entries) {
    std::string planner = e.passes == "none" ? e.planner : e.planner + "+" + e.passes;
    if (!e.ok()) {
      line(fmt::format("| {:<44} | {:<10} | {:>6} | {:<11} | error: {} |", e.workflow, e.platform,
                       e.tasks, planner, e.error));
      continue;
    }
    auto mk = static_cast<double>(e.makespan_us);
    line(fmt::format(
        "| {:<44} | {:<10} | {:>6} | {:<11} | {:>12.3f} | {:>11.6f} | {:>7} | {:>7} | {:>7} | "
        "{:>7} | {:>7} | {:>14.3f} | {:>13} | {:>11} | {:>11} | {:>9.3f} |",
        e.workflow, e.platform, e.tasks, planner, us_to_s(mk), e.cost,
        fmt_ratio(ratio(mk, static_cast<double>(e.critical_path_us))),
        fmt_ratio(ratio(mk, static_cast<double>(e.cold_path_us))),
        fmt_ratio(ratio(mk, static_cast<double>(e.work_bound_us))),
        fmt_ratio(ratio(mk, static_cast<double>(e.data_bound_us))),
        fmt_ratio(ratio(e.cost, e.cost_floor)), us_to_s(static_cast<double>(e.free_makespan_us)),
        e.exact_sim_us >= 0 ? fmt::format("{:.3f}", us_to_s(static_cast<double>(e.exact_sim_us)))
                            : "-",
        sim_cell(e, e.sim_p50_us), sim_cell(e, e.sim_p95_us), e.planning_s * 1e3));
  }
  bool first = true;
  for (const Entry& e : entries) {
    if (e.sim_error.empty()) continue;
    if (first) {
      line("");
      line("Simulations that failed (the predictions above stand):");
      line("");
      first = false;
    }
    line(fmt::format("- {} on {} ({}): {}", e.planner, e.workflow, e.platform, e.sim_error));
  }
  return md;
}

constexpr std::string_view kDocBegin = "<!-- dagbench:begin -->";
constexpr std::string_view kDocEnd = "<!-- dagbench:end -->";

/// Replaces what lies between kDocBegin and kDocEnd in `file` (docs/benchmarks.md) with the
/// tables, the per-workflow rows folded in a <details> block.
void update_doc(const std::string& file, const Markdown& md, std::size_t rows) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(file, "", "cannot open");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::size_t begin = text.find(kDocBegin);
  std::size_t end = text.find(kDocEnd);
  if (begin == std::string::npos || end == std::string::npos || end < begin) {
    throw InputError(file, "", fmt::format("expected the markers {} and {}", kDocBegin, kDocEnd));
  }
  begin += kDocBegin.size();
  std::string block =
      fmt::format("\n{}\n<details><summary>Per workflow: {} rows</summary>\n\n{}\n</details>\n",
                  md.summary, rows, md.details);
  write_file(file, text.substr(0, begin) + block + text.substr(end));
}

/// The "saga" member of the results: the comparison with SAGA's HEFT, every figure at full
/// precision (or why it was skipped).
void saga_json(JsonWriter& w, const SagaResult& saga) {
  w.key("saga");
  w.begin_object();
  w.member("folder", saga.folder);
  w.member("expected", saga.expected_file);
  w.member("source", saga.source);
  if (!saga.skipped.empty()) {
    w.member("skipped", saga.skipped);
    w.end_object();
    return;
  }
  w.member("makespan_ratio_limit", kSagaMakespanFactor);
  w.member("geomean_ratio_limit", kSagaGeomeanLimit);
  w.key("graphs");
  w.begin_array();
  for (const SagaRow& r : saga.rows) {
    const SagaExpected& x = r.expected;
    w.begin_object(true);
    w.member("graph", x.graph);
    if (r.absent) {
      w.member("absent", true);
      w.end_object();
      continue;
    }
    w.member("tasks", static_cast<std::uint64_t>(r.tasks));
    w.member("edges", static_cast<std::uint64_t>(r.edges));
    if (!r.error.empty()) {
      w.member("error", r.error);
      w.end_object();
      continue;
    }
    w.member("heft_makespan_s", r.heft_makespan_s);
    w.member("saga_heft_makespan_s", x.heft_makespan_s);
    w.member("ratio", r.makespan_ratio());
    w.member("saga_cpop_makespan_s", x.cpop_makespan_s);
    w.member("heft_planning_s", r.heft_planning_s);
    w.member("saga_heft_scheduling_s", x.heft_scheduling_s);
    w.member("speedup", r.speedup());
    w.member("lower_bound_s", r.lower_bound_s);
    if (std::isfinite(r.dask_makespan_s)) {
      w.member("dask_makespan_s", r.dask_makespan_s);
    } else {
      w.member("dask_error", "failed");
    }
    w.end_object();
  }
  w.end_array();
  w.member("compared", static_cast<std::uint64_t>(saga.compared));
  w.member("geomean_ratio", saga.geomean_ratio);
  w.end_object();
}

/// The results document (`--json`) or, with `baseline`, the baseline: the same without what
/// varies from run to run (per-entry planning times, the summary), so that refreshing an
/// unchanged baseline changes only the timing ratios, and without the comparison with SAGA (it is
/// checked against SAGA's published figures, not against the baseline).
std::string results_json(const Meta& meta, const std::vector<Entry>& entries,
                         const std::vector<Summary>& summaries, const TimingResult& timing,
                         const SagaResult& saga, bool baseline) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.member("format", baseline ? kBaselineFormat : kResultsFormat);
  w.member("mode", meta.mode);
  w.member("machine", meta.machine);
  w.member("build", meta.build);
  w.key("tolerance");
  w.begin_object(true);
  w.member("quality_relative", kQualityTolerance);
  w.member("time_ratio_factor", kTimeFactor);
  w.end_object();
  w.key("reference");
  w.begin_object(true);
  w.member("computation", fmt::format("std::sort of {} pseudo-random uint64", kReferenceElements));
  w.member("seconds", timing.reference_s);
  w.end_object();
  w.key("timing");
  w.begin_array();
  for (const Timing& t : timing.planners) {
    w.begin_object(true);
    w.member("planner", t.planner);
    w.member("seconds", t.seconds);
    w.member("ratio_to_reference", t.ratio);
    w.end_object();
  }
  w.end_array();
  if (!baseline) {
    w.key("summary");
    w.begin_array();
    for (const Summary& s : summaries) {
      w.begin_object(true);
      w.member("platform", s.platform);
      w.member("planner", s.planner);
      w.member("entries", static_cast<std::uint64_t>(s.entries));
      w.member("errors", static_cast<std::uint64_t>(s.errors));
      w.member("geomean_makespan_over_bound", s.geo_makespan);
      w.member("geomean_cost_over_floor", s.geo_cost);
      w.member("makespan_wins", static_cast<std::uint64_t>(s.makespan_wins));
      w.member("cost_wins", static_cast<std::uint64_t>(s.cost_wins));
      w.member("worst_makespan_over_bound", s.worst_makespan);
      w.member("worst_workflow", s.worst_workflow);
      w.member("planning_s", s.planning_s);
      w.end_object();
    }
    w.end_array();
  }
  if (!baseline) saga_json(w, saga);
  w.key("entries");
  w.begin_array();
  for (const Entry& e : entries) {
    w.begin_object(true);
    w.member("workflow", e.workflow);
    w.member("platform", e.platform);
    w.member("planner", e.planner);
    w.member("passes", e.passes);
    w.member("tasks", static_cast<std::uint64_t>(e.tasks));
    w.member("edges", static_cast<std::uint64_t>(e.edges));
    if (!e.ok()) {
      w.member("error", e.error);
      w.end_object();
      continue;
    }
    w.member("makespan_us", e.makespan_us);
    w.member("cost", e.cost);
    w.member("critical_path_us", e.critical_path_us);
    w.member("cold_path_us", e.cold_path_us);
    w.member("work_bound_us", e.work_bound_us);
    w.member("data_bound_us", e.data_bound_us);
    w.member("cost_floor", e.cost_floor);
    w.member("contention_free_makespan_us", e.free_makespan_us);
    if (e.exact_sim_us >= 0) w.member("exact_sim_us", e.exact_sim_us);
    if (!e.sim_error.empty()) {
      w.member("sim_error", e.sim_error);
    } else if (e.sim_runs) {
      w.member("sim_runs", e.sim_runs);
      w.member("sim_p50_us", e.sim_p50_us);
      w.member("sim_p95_us", e.sim_p95_us);
    }
    if (!baseline) {
      w.member("planning_s", e.planning_s);
    }
    w.end_object();
  }
  w.end_array();
  w.end_object();
  out += '\n';
  return out;
}

// ------------------------------------------------------------------------------------------------
// The check against the baseline.

struct CheckOptions {
  double quality_tolerance = kQualityTolerance;
  double time_factor = kTimeFactor;
  bool check_time = true;
};

/// Compares the run with the baseline; prints every regression on stderr and a verdict on
/// stdout. Returns true when nothing regressed.
bool check(const nlohmann::json& base, const std::string& base_file,
           const std::vector<Entry>& entries, const TimingResult& timing,
           const CheckOptions& options) {
  if (base.value("format", "") != kBaselineFormat) {
    throw InputError(base_file, "$.format", fmt::format("expected \"{}\"", kBaselineFormat));
  }
  std::map<std::string, const nlohmann::json*> by_key;
  for (const nlohmann::json& b : base.at("entries")) {
    by_key[Entry::key_of(b.at("workflow").get<std::string>(), b.at("platform").get<std::string>(),
                         b.at("planner").get<std::string>(), b.at("passes").get<std::string>())] =
        &b;
  }
  std::size_t matched = 0, missing = 0, improved = 0, failures = 0;
  auto fail = [&failures](const std::string& what) {
    ++failures;
    fmt::print(stderr, "dagbench: check failed: {}\n", what);
  };
  for (const Entry& e : entries) {
    if (e.exact_sim_differs)
      fail(fmt::format("{} on {} ({}, passes {}): {}", e.planner, e.workflow, e.platform, e.passes,
                       e.sim_error));
    auto it = by_key.find(e.key());
    if (it == by_key.end()) {
      ++missing;
      continue;
    }
    ++matched;
    const nlohmann::json& b = *it->second;
    std::string where =
        fmt::format("{} on {} ({}, passes {})", e.planner, e.workflow, e.platform, e.passes);
    if (b.contains("error")) {
      if (e.ok()) {  // it used to fail
        ++improved;
        fmt::print("dagbench: better than the baseline: {}: completes now\n", where);
      }
      continue;
    }
    if (!e.ok()) {
      fail(fmt::format("{}: failed: {}", where, e.error));
      continue;
    }
    auto compare = [&](const char* what, double now, double then, double scale, const char* unit) {
      double limit = then + options.quality_tolerance * std::abs(then);
      if (now > limit) {
        fail(
            fmt::format("{}: predicted {} {:.6f}{} is worse than the baseline {:.6f}{} "
                        "({:+.4f}%; tolerance {:g} relative)",
                        where, what, now * scale, unit, then * scale, unit, (now / then - 1) * 100,
                        options.quality_tolerance));
      } else if (now < then - options.quality_tolerance * std::abs(then)) {
        ++improved;
        fmt::print(
            "dagbench: better than the baseline: {}: predicted {} {:.6f}{}, baseline "
            "{:.6f}{}\n",
            where, what, now * scale, unit, then * scale, unit);
      }
    };
    compare("makespan", static_cast<double>(e.makespan_us), b.at("makespan_us").get<double>(), 1e-6,
            " s");
    compare("cost", e.cost, b.at("cost").get<double>(), 1, " $");
  }
  std::size_t timed = 0;
  if (options.check_time) {
    std::map<std::string, double> base_ratio;
    for (const nlohmann::json& t : base.at("timing")) {
      base_ratio[t.at("planner").get<std::string>()] = t.at("ratio_to_reference").get<double>();
    }
    for (const Timing& t : timing.planners) {
      auto it = base_ratio.find(t.planner);
      if (it == base_ratio.end()) continue;
      ++timed;
      double then = std::max(it->second, kTimeRatioFloor);
      if (t.ratio > options.time_factor * then) {
        fail(
            fmt::format("{}: planning time is {:.4f}x the reference computation, baseline "
                        "{:.4f}x: {:.1f} times slower (limit {:g}x)",
                        t.planner, t.ratio, it->second, t.ratio / then, options.time_factor));
      }
    }
  }
  if (matched == 0) fail(fmt::format("no entry of this run is in the baseline {}", base_file));
  fmt::print(
      "\ncheck against {}: {} entries compared ({} not in the baseline), {} better than "
      "the baseline, {} planners timed: {}\n",
      base_file, matched, missing, improved, timed,
      failures ? fmt::format("{} regressions", failures) : std::string("ok"));
  if (improved) {
    fmt::print(
        "some plans improved: refresh the baseline on purpose with dagbench "
        "--write-baseline (docs/benchmarks.md)\n");
  }
  return failures == 0;
}

std::string default_shared_data() {
  if (const char* env = std::getenv("DAGPLAN_SHARED_DATA")) return env;
  return DAGPLAN_SHARED_DATA_DEFAULT;
}

/// SAGA's graphs sit beside the shared data: <shared data>/../peers/saga.
std::string default_saga_folder(const std::string& shared_data) {
  return (fs::path(shared_data) / ".." / "peers" / "saga").lexically_normal().string();
}

int run(int argc, char** argv) {
  CLI::App app{"dagbench - every planner on a fixed suite, with a baseline check"};
  bool quick = false;
  bool do_check = false;
  bool write_baseline = false;
  bool no_sim = false;
  bool no_time_check = false;
  int sim_runs = -1;
  std::string baseline_file = std::string(DAGPLAN_SOURCE_DIR) + "/benchmarks/baseline.json";
  std::string shared_data = default_shared_data();
  std::string saga_folder;  // default: beside the shared data, once that is known
  std::string saga_expected = std::string(DAGPLAN_SOURCE_DIR) + "/benchmarks/saga-expected.json";
  std::string examples_dir = std::string(DAGPLAN_SOURCE_DIR) + "/examples/workflows";
  std::string markdown_file, json_file, update_doc_file;
  std::string planners_arg = "all";
  std::vector<std::string> degrade_args, degrade_time_args;
  double tolerance = kQualityTolerance;
  double time_factor = kTimeFactor;
  app.add_flag("--quick", quick,
               "Quick suite for CI: sizes 100 and 1000, one seed, 3 simulated runs");
  app.add_flag("--check", do_check, "Compare with the baseline; exit 1 on a regression");
  app.add_flag("--write-baseline", write_baseline, "Write the baseline (full suite only)");
  app.add_option("--baseline", baseline_file, "Baseline file")->capture_default_str();
  app.add_option("--markdown", markdown_file, "Also write the tables to this file");
  app.add_option("--json", json_file, "Write the results as JSON to this file");
  app.add_option("--update-doc", update_doc_file,
                 "Replace the tables between the dagbench markers of this file "
                 "(docs/benchmarks.md)");
  app.add_option("--shared-data", shared_data,
                 "Shared data folder holding wfcommons/ (default: $DAGPLAN_SHARED_DATA or "
                 "../shared/data next to the source tree)")
      ->capture_default_str();
  app.add_option("--saga", saga_folder,
                 "Folder of SAGA's task graphs, compared with SAGA's published HEFT (default: "
                 "peers/saga beside the shared data folder)");
  app.add_option("--examples", examples_dir, "Folder of example workflows")->capture_default_str();
  app.add_option("--planners", planners_arg, "Comma-separated planners, or 'all'")
      ->capture_default_str();
  app.add_option("--sim-runs", sim_runs, "Seeded noisy simulations per entry (default 5, quick 3)");
  app.add_flag("--no-sim", no_sim, "Skip the simulations (they are reported, not checked)");
  app.add_option("--tolerance", tolerance, "Relative tolerance on makespan and cost in --check")
      ->capture_default_str();
  app.add_option("--time-factor", time_factor,
                 "--check fails when a planner's time ratio grows past this factor")
      ->capture_default_str();
  app.add_flag("--no-time-check", no_time_check, "Check plan quality only");
  app.add_option("--degrade", degrade_args,
                 "Testing aid: multiply PLANNER's predicted makespan and cost by FACTOR "
                 "(PLANNER=FACTOR, repeatable), to see --check fail");
  app.add_option("--degrade-time", degrade_time_args,
                 "Testing aid: multiply PLANNER's measured planning time by FACTOR");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (write_baseline && quick) {
    throw UsageError(
        "--write-baseline needs the full suite (quick entries are a subset of it): drop --quick");
  }
  if (write_baseline && (!degrade_args.empty() || !degrade_time_args.empty())) {
    throw UsageError("--write-baseline with --degrade would record a degraded baseline");
  }
  if (write_baseline && no_sim) {
    throw UsageError("--write-baseline records the simulated makespans: drop --no-sim");
  }

  std::vector<std::string> planners = planner_registry().select(planners_arg);
  if (write_baseline && planners_arg != "all") {
    throw UsageError("--write-baseline covers every planner: drop --planners");
  }
  RunOptions run_options;
  run_options.sim_runs = sim_runs >= 0 ? sim_runs : (quick ? 3 : 5);
  run_options.simulate = !no_sim;
  run_options.degrade = parse_degrades(degrade_args, "--degrade");
  Degrades degrade_time = parse_degrades(degrade_time_args, "--degrade-time");

  SuiteConfig config;
  config.quick = quick;
  config.examples_dir = examples_dir;
  config.shared_data = shared_data;
  config.platforms = {"aws-lambda", "cluster"};
  bench::Stopwatch wall;
  std::vector<SuiteWorkflow> suite = load_suite(config);
  std::vector<Entry> entries = run_suite(suite, config.platforms, planners, run_options);
  TimingResult timing = measure_timing(planners, degrade_time);
  std::vector<Summary> summaries = summarise(entries, config.platforms, planners);
  SagaResult saga = run_saga(saga_folder.empty() ? default_saga_folder(shared_data) : saga_folder,
                             saga_expected, run_options.degrade);
  if (!saga.skipped.empty()) {
    fmt::print(stderr, "dagbench: skipping the comparison with SAGA's HEFT: {}\n", saga.skipped);
  }

  Meta meta;
  meta.mode = quick ? "quick" : "full";
  meta.machine = machine_description();
  meta.build = build_description();
  meta.sim_runs = run_options.simulate ? run_options.sim_runs : 0;
  meta.workflows = suite.size();
  Markdown md = markdown(meta, entries, summaries, timing, saga);
  fmt::print("{}\n{}", md.summary, md.details);
  fmt::print("\ndagbench: {} entries in {:.1f} s\n", entries.size(), wall.seconds());
  if (!markdown_file.empty()) write_file(markdown_file, md.summary + "\n" + md.details);
  if (!update_doc_file.empty()) {
    update_doc(update_doc_file, md, entries.size());
    fmt::print("dagbench: updated the tables in {}\n", update_doc_file);
  }
  if (!json_file.empty())
    write_file(json_file, results_json(meta, entries, summaries, timing, saga, false));
  if (write_baseline) {
    write_file(baseline_file, results_json(meta, entries, summaries, timing, saga, true));
    fmt::print("dagbench: wrote the baseline {}\n", baseline_file);
  }
  if (do_check) {
    std::ifstream f(baseline_file);
    if (!f) throw InputError(baseline_file, "", "cannot open the baseline");
    nlohmann::json base;
    try {
      base = nlohmann::json::parse(f);
    } catch (const nlohmann::json::exception& e) {
      throw InputError(baseline_file, "", fmt::format("invalid JSON: {}", e.what()));
    }
    CheckOptions co;
    co.quality_tolerance = tolerance;
    co.time_factor = time_factor;
    co.check_time = !no_time_check;
#ifndef NDEBUG
    if (co.check_time) {
      fmt::print(stderr,
                 "dagbench: assertions are on (an unoptimised build?): planning times are "
                 "not comparable with the baseline's, so the speed check is skipped\n");
      co.check_time = false;
    }
#endif
    bool ok = false;
    try {
      ok = check(base, baseline_file, entries, timing, co);
    } catch (const nlohmann::json::exception& e) {
      throw InputError(baseline_file, "", fmt::format("unexpected content: {}", e.what()));
    }
    ok = check_saga(saga) && ok;
    if (!ok) return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const UsageError& e) {
    fmt::print(stderr, "dagbench: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "dagbench: {}\n", e.what());
    return 1;
  }
}
