// Scaling: time and peak memory of every step of the toolkit - parse, validate, plan (each
// planner), predict, simulate - on generated random-layered workflows of 10^3 ... 10^6 tasks, with
// the fitted growth exponent of each step (the least-squares slope of log time against log tasks
// between 10^4 and the largest size), so that a step growing faster than n log n shows itself.
// A program, not a test: it prints a table and one JSON line per measurement (on stderr).
// docs/performance.md, section "Scaling", holds the figures and the machine they came from.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <malloc.h>
#include <algorithm>
#include <cmath>
#include <ctime>
#include <functional>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "dagplan/generators.hpp"
#include "dagplan/large_vector.hpp"
#include "dagplan/planner.hpp"
#include "dagplan/predictor.hpp"
#include "dagplan/sim/simulator.hpp"
#include "dagplan/workflow_io.hpp"

namespace {

using namespace dagplan;

/// A step is flagged when its exponent exceeds the linear yardstick's by more than this. Between
/// 10^4 and 10^6, n log n fits a slope log(1.5) / log(100) ~ 0.09 above n; 0.15 leaves room for
/// noise but not for n^1.25.
constexpr double kFlagExcess = 0.15;
/// Smallest size that enters the fit: below it fixed costs (allocation, caches) dominate.
constexpr std::size_t kFitFrom = 10000;
/// A step whose longest time is below this (seconds) is not flagged: its fit measures the clock.
constexpr double kShortestFitted = 1e-3;

/// The yardstick: a longest-path pass over the graph in topological order, O(V + E) with the
/// same scattered reads of predecessors as most steps. Its exponent is what memory alone adds to
/// a linear step as the graph outgrows the caches (and the TLB); the other steps are judged by
/// their exponent *above* it.
constexpr const char* kLinearStep = "linear pass (ref)";

/// Longest path by work, the body of the yardstick; returns it so that it is not optimised away.
double longest_path_s(const Workflow& w, std::vector<double>& finish) {
  finish.assign(w.task_count(), 0.0);
  double best = 0;
  for (TaskId t : w.topological_order()) {
    double start = 0;
    for (TaskId p : w.predecessors(t)) start = std::max(start, finish[index(p)]);
    finish[index(t)] = start + w.work_s(t);
    best = std::max(best, finish[index(t)]);
  }
  return best;
}

/// Processor time (user + system) of this single-threaded process: less disturbed than wall time
/// by other work on the machine, and equal to it on an idle one.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Measurement {
  double seconds = std::numeric_limits<double>::quiet_NaN();  ///< NaN: skipped
  double wall_seconds = 0;
  double peak_extra_mb = 0;
  std::string note;
};

/// Runs `step` `repetitions` times; keeps the smallest processor time, and the peak resident
/// memory above the memory held before the first repetition.
Measurement measure(int repetitions, const std::function<void()>& step) {
  Measurement m;
  m.seconds = std::numeric_limits<double>::infinity();
  m.wall_seconds = std::numeric_limits<double>::infinity();
  for (int i = 0; i < repetitions; ++i) {
    // Give back what earlier steps freed, so that the first repetition's peak is this step's;
    // later repetitions may reuse the big buffers it leaves (as a program predicting again would).
    if (i == 0) release_cached_memory();
    malloc_trim(0);
    bench::reset_peak_rss();
    std::uint64_t base = bench::rss_bytes();
    bench::Stopwatch wall;
    double t0 = cpu_seconds();
    step();
    m.seconds = std::min(m.seconds, cpu_seconds() - t0);
    m.wall_seconds = std::min(m.wall_seconds, wall.seconds());
    if (i == 0) {
      std::uint64_t peak = bench::peak_rss_bytes();
      m.peak_extra_mb = static_cast<double>(peak > base ? peak - base : 0) / 1e6;
    }
  }
  return m;
}

/// Least-squares slope of log(seconds) against log(tasks) over the sizes >= from where both `row`
/// and `like` (the step whose sizes decide which points count, e.g. one skipped at 10^6) were
/// measured. NaN with fewer than two points.
double fitted_exponent(const std::vector<std::size_t>& sizes, const std::vector<Measurement>& row,
                       const std::vector<Measurement>& like, std::size_t from) {
  auto measured = [](const Measurement& m) { return m.seconds > 0 && std::isfinite(m.seconds); };
  std::vector<double> xs, ys;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] < from || !measured(row[i]) || !measured(like[i])) continue;
    xs.push_back(std::log(static_cast<double>(sizes[i])));
    ys.push_back(std::log(row[i].seconds));
  }
  if (xs.size() < 2) return std::numeric_limits<double>::quiet_NaN();
  double n = static_cast<double>(xs.size());
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    mx += xs[i] / n;
    my += ys[i] / n;
  }
  double sxy = 0, sxx = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) * (xs[i] - mx);
  }
  return sxy / sxx;
}

/// More repetitions where a step is short, so the small sizes that anchor the fit are not noise.
int repetitions_for(std::size_t tasks) {
  if (tasks <= 10000) return 5;
  if (tasks <= 100000) return 3;
  return 1;
}

int run(int argc, char** argv) {
  CLI::App app{"bench_scaling - time and peak memory of each step from 10^3 to 10^6 tasks"};
  std::size_t max_tasks = 1000000;
  std::size_t non_uniform_max = 100000;
  std::string planners_arg = "all";
  std::string platform_name = "aws-lambda";
  std::uint64_t seed = 1;
  app.add_option("--max", max_tasks,
                 "Largest size (sizes: 10^3, 10^4, 3 x 10^4, 10^5, ... up to it)")
      ->capture_default_str();
  std::string sizes_arg;
  app.add_option("--sizes", sizes_arg, "Comma-separated task counts instead of the decades");
  app.add_option("--non-uniform-max", non_uniform_max,
                 "Largest size non-uniform runs on (it is superlinear; see docs/performance.md)")
      ->capture_default_str();
  app.add_option("--planners", planners_arg, "Comma-separated planners or 'all'")
      ->capture_default_str();
  app.add_option("--platform", platform_name, "Built-in platform or file")->capture_default_str();
  app.add_option("--seed", seed, "Generator and simulation seed")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  // Large blocks straight from mmap (glibc otherwise raises the threshold after the first free):
  // freed memory then returns to the kernel and each step's peak resident memory is its own.
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);

  std::vector<std::size_t> sizes;
  if (sizes_arg.empty()) {
    // Decades, with a half-decade point (3 x 10^k) from 10^4 up so that each fit has five points.
    for (std::size_t n = 1000; n <= max_tasks; n *= 10) {
      sizes.push_back(n);
      if (n >= 10000 && 3 * n <= max_tasks) sizes.push_back(3 * n);
    }
  } else {
    sizes = bench::split_sizes(sizes_arg);
    std::sort(sizes.begin(), sizes.end());
  }
  std::vector<std::string> planners = planner_registry().select(planners_arg);
  const std::string plan_for_predict = std::string(default_planner_name());
  Platform platform = load_platform(platform_name);

  // Steps in print order; each gets one Measurement per size.
  std::vector<std::string> steps = {kLinearStep, "generate", "write", "parse", "validate", "model"};
  for (const std::string& p : planners) steps.push_back("plan " + p);
  steps.push_back("predict");
  steps.push_back("simulate");
  std::map<std::string, std::vector<Measurement>> rows;
  for (const std::string& s : steps) rows[s].resize(sizes.size());
  std::vector<std::size_t> edges(sizes.size());

  for (std::size_t si = 0; si < sizes.size(); ++si) {
    std::size_t n = sizes[si];
    int reps = repetitions_for(n);
    auto record = [&](const std::string& step, const Measurement& m) {
      rows[step][si] = m;
      fmt::print(stderr,
                 "{{\"bench\": \"scaling\", \"tasks\": {}, \"step\": \"{}\", \"cpu_s\": {:.6f}, "
                 "\"wall_s\": {:.6f}, \"peak_extra_mb\": {:.1f}}}\n",
                 n, step, m.seconds, m.wall_seconds, m.peak_extra_mb);
    };
    GeneratorOptions g;
    g.tasks = n;
    g.seed = seed;
    Workflow w = generate_workflow("random-layered", g);
    edges[si] = w.edge_count();
    {
      std::vector<double> finish;
      double sink = 0;
      record(kLinearStep, measure(reps, [&] { sink += longest_path_s(w, finish); }));
      if (!(sink > 0)) fmt::print(stderr, "bench_scaling: empty longest path\n");
    }
    record("generate", measure(reps, [&] { (void)generate_workflow("random-layered", g); }));
    std::string text;
    record("write", measure(reps, [&] { text = write_workflow(w); }));
    // parse = read_workflow, which builds (and so validates) the workflow as it reads.
    record("parse", measure(reps, [&] { (void)read_workflow(text, "<scaling>"); }));
    // validate = WorkflowBuilder::build alone (edge resolution, duplicate and cycle checks, the
    // CSR graph and topological order) on a builder filled outside the timed region.
    {
      Measurement m;
      m.seconds = m.wall_seconds = std::numeric_limits<double>::infinity();
      for (int i = 0; i < reps; ++i) {
        WorkflowBuilder b;
        b.reserve(w.task_count(), w.edge_count());
        for (std::uint32_t t = 0; t < w.task_count(); ++t) {
          TaskId id{t};
          b.add_task(w.id(id), w.function_name(w.function(id)), w.has_work(id) ? w.work_s(id) : -1,
                     w.input_bytes(id), w.output_bytes(id));
        }
        for (std::uint32_t t = 0; t < w.task_count(); ++t) {
          for (TaskId s : w.successors(TaskId{t})) b.add_edge(TaskId{t}, s);
        }
        Measurement one = measure(1, [&] { (void)std::move(b).build("<scaling>"); });
        m.seconds = std::min(m.seconds, one.seconds);
        m.wall_seconds = std::min(m.wall_seconds, one.wall_seconds);
        if (i == 0) m.peak_extra_mb = one.peak_extra_mb;
      }
      record("validate", m);
    }
    record("model", measure(reps, [&] { ExecutionModel model(w, platform); }));
    ExecutionModel model(w, platform);
    Plan predict_plan;
    for (const std::string& name : planners) {
      if (name == "non-uniform" && n > non_uniform_max) {
        Measurement m;
        m.note = fmt::format("skipped (--non-uniform-max {})", non_uniform_max);
        rows["plan " + name][si] = m;
        continue;
      }
      std::unique_ptr<Planner> planner = planner_registry().create(name);
      Plan plan;
      record("plan " + name, measure(reps, [&] { plan = planner->plan(model, PlannerOptions{}); }));
      if (name == plan_for_predict) predict_plan = std::move(plan);
    }
    if (predict_plan.task_worker.empty()) {
      predict_plan = planner_registry().create(plan_for_predict)->plan(model, PlannerOptions{});
    }
    record("predict", measure(reps, [&] { (void)predict(model, predict_plan); }));
    sim::SimOptions so;
    so.seed = seed;
    so.noise.enabled = true;
    record("simulate", measure(reps, [&] { (void)sim::simulate(model, predict_plan, so); }));
  }

  // The table: one row per step, time and peak memory per size, then the fitted exponent.
  fmt::print(
      "random-layered workflows (4 dependencies per task on average), seed {}, platform "
      "{}; predict and simulate (contention and noise on) use the {} plan\n",
      seed, platform.name, plan_for_predict);
  fmt::print(
      "time: processor seconds, best of 5 (<= 10^4 tasks), 3 (<= 10^5) or 1; peak: "
      "resident-set high-water mark above the memory held before the step, MB\n");
  fmt::print(
      "exponent: least-squares slope of log time vs log tasks from 10^4 up; vs ref: minus the "
      "exponent of the linear pass (n log n: ~ +0.09); '!' marks more than +{} (not judged "
      "when under 1 ms)\n\n",
      kFlagExcess);
  std::string header = fmt::format("{:<18}", "step");
  for (std::size_t si = 0; si < sizes.size(); ++si) {
    header += fmt::format(" | {:>10} {:>9}", fmt::format("{} s", sizes[si]), "MB");
  }
  header += " | exponent | vs ref";
  fmt::print("{}\n", header);
  fmt::print("{}\n", std::string(header.size(), '-'));
  std::vector<std::string> flagged;
  for (const std::string& step : steps) {
    const std::vector<Measurement>& row = rows[step];
    std::string line = fmt::format("{:<18}", step);
    for (const Measurement& m : row) {
      if (std::isnan(m.seconds)) {
        line += fmt::format(" | {:>20}", "skipped");
      } else {
        line += fmt::format(" | {:>10.3g} {:>9.1f}", m.seconds, m.peak_extra_mb);
      }
    }
    double e = fitted_exponent(sizes, row, row, kFitFrom);
    // The yardstick over the same sizes (a step skipped at 10^6 is compared up to 10^5).
    double linear_exponent = fitted_exponent(sizes, rows[kLinearStep], row, kFitFrom);
    double longest = 0;
    for (const Measurement& m : row) {
      if (std::isfinite(m.seconds)) longest = std::max(longest, m.seconds);
    }
    double excess = e - linear_exponent;
    if (std::isnan(e)) {
      line += " |        - |      -";
    } else if (step == kLinearStep) {
      line += fmt::format(" | {:>8.2f} |      -", e);
    } else if (longest < kShortestFitted) {
      line += fmt::format(" | {:>8.2f} | {:>+6.2f} (under 1 ms: not judged)", e, excess);
    } else {
      bool flag = excess > kFlagExcess;
      line += fmt::format(" | {:>8.2f} | {:>+6.2f}{}", e, excess, flag ? " !" : "");
      if (flag) flagged.push_back(fmt::format("{} ({:.2f}, {:+.2f})", step, e, excess));
    }
    fmt::print("{}\n", line);
    fmt::print(stderr, "{{\"bench\": \"scaling\", \"step\": \"{}\", \"exponent\": {:.4f}}}\n", step,
               std::isnan(e) ? 0.0 : e);
  }
  fmt::print("\nedges:");
  for (std::size_t si = 0; si < sizes.size(); ++si) fmt::print(" {}", edges[si]);
  fmt::print("\n");
  for (const std::string& step : steps) {
    for (const Measurement& m : rows[step]) {
      if (!m.note.empty()) {
        fmt::print("{}: {}\n", step, m.note);
        break;
      }
    }
  }
  if (flagged.empty()) {
    fmt::print("no step grows faster than n log n (none more than +{} above the linear pass)\n",
               kFlagExcess);
  } else {
    std::string list;
    for (const std::string& f : flagged) list += (list.empty() ? "" : ", ") + f;
    fmt::print("steps growing faster than n log n (more than +{} above the linear pass): {}\n",
               kFlagExcess, list);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    fmt::print(stderr, "bench_scaling: {}\n", e.what());
    return 1;
  }
}
