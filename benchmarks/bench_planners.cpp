// Planning and prediction speed: for generated random-layered workflows of the given sizes, the
// time and peak memory of every planner and of the predictor on its plan. The plan is predicted
// twice: the first prediction of a model also computes its lower bounds, and a process's first
// use of memory costs page faults; the second shows the steady cost. Beside it, the time of the
// closed-form contention-free prediction of the same plan (predict_contention_free), made after
// those two with their memory freed for reuse. A program, not a test: it prints a table and one
// JSON line per measurement. `pareto` (named: "all" leaves it out) also gets a line with its
// search's work: candidates, contention-free and contention-aware predictions, moves kept, work
// units against its budget, and its planning's processor time in user mode.
#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <sstream>

#include "bench_util.hpp"
#include "dagplan/generators.hpp"
#include "dagplan/large_vector.hpp"
#include "dagplan/planner.hpp"
#include "dagplan/predictor.hpp"

using namespace dagplan;

int main(int argc, char** argv) {
  CLI::App app{"bench_planners - planning and prediction time and peak memory by size"};
  std::string sizes_arg = "10000,100000,1000000";
  std::string planners_arg = "all";
  std::string platform_name = "aws-lambda";
  std::uint64_t seed = 1;
  std::size_t non_uniform_max = 100000;
  app.add_option("--sizes", sizes_arg, "Comma-separated task counts")->capture_default_str();
  app.add_option("--planners", planners_arg, "Comma-separated planners or 'all'")
      ->capture_default_str();
  app.add_option("--platform", platform_name, "Built-in platform or file")->capture_default_str();
  app.add_option("--seed", seed, "Generator seed")->capture_default_str();
  app.add_option("--non-uniform-max", non_uniform_max, "Largest size non-uniform is run on")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  std::vector<std::size_t> sizes = bench::split_sizes(sizes_arg);
  std::vector<std::string> planners = planner_registry().select(planners_arg);
  Platform platform = load_platform(platform_name);
  fmt::print("random-layered workflows (4 deps/task on average), seed {}, platform {}\n", seed,
             platform.name);
  fmt::print(
      "peak = the process's resident-set high-water mark during that step (reset before it); "
      "kernel = of which processor time in the kernel (page faults on fresh memory); "
      "again = the plan predicted a second time (lower bounds known, memory reused); "
      "free = its contention-free prediction (closed form, after those two, memory reused)\n\n");
  fmt::print("{:>9}  {:<12} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>12} {:>12}\n",
             "tasks", "planner", "plan (s)", "peak (MB)", "predict(s)", "kernel (s)", "again (s)",
             "free (s)", "peak (MB)", "makespan (s)", "free mksp(s)");
  for (std::size_t n : sizes) {
    GeneratorOptions g;
    g.tasks = n;
    g.seed = seed;
    Workflow w = generate_workflow("random-layered", g);
    ExecutionModel model(w, platform);
    for (const std::string& name : planners) {
      if (name == "non-uniform" && n > non_uniform_max) {
        fmt::print("{:>9}  {:<12} skipped (--non-uniform-max {})\n", n, name, non_uniform_max);
        continue;
      }
      auto planner = planner_registry().create(name);
      release_cached_memory();  // each step's peak counts the memory it takes
      bench::reset_peak_rss();
      std::uint64_t base = bench::rss_bytes();
      bench::Stopwatch plan_clock;
      const double user_before = bench::user_seconds();
      Plan plan = planner->plan(model, PlannerOptions{});
      double plan_s = plan_clock.seconds();
      const double plan_user_s = bench::user_seconds() - user_before;
      double plan_peak_mb =
          static_cast<double>(bench::peak_rss_bytes() - std::min(base, bench::peak_rss_bytes())) /
          1e6;
      release_cached_memory();  // the first prediction starts with fresh memory
      bench::reset_peak_rss();
      base = bench::rss_bytes();
      bench::Stopwatch predict_clock;
      double kernel_before = bench::kernel_seconds();
      Prediction p = predict(model, plan);
      double predict_s = predict_clock.seconds();
      double predict_kernel_s = bench::kernel_seconds() - kernel_before;
      double predict_peak_mb =
          static_cast<double>(bench::peak_rss_bytes() - std::min(base, bench::peak_rss_bytes())) /
          1e6;
      p = Prediction{};  // freed first: the second prediction reuses its memory
      bench::Stopwatch again_clock;
      p = predict(model, plan);
      double again_s = again_clock.seconds();
      const double makespan_s = static_cast<double>(p.makespan_us) / 1e6;
      const double cost = p.cost.total();
      // Freed first, as before "again": the closed form then reuses its buffers instead of
      // paying page faults on fresh memory (0.14-0.22 s at 10^6 tasks, which "free" used to
      // include).
      p = Prediction{};
      bench::Stopwatch free_clock;
      Prediction free = predict_contention_free(model, plan);
      double free_s = free_clock.seconds();
      const double free_makespan_s = static_cast<double>(free.makespan_us) / 1e6;
      free = Prediction{};
      fmt::print(
          "{:>9}  {:<12} {:>10.3f} {:>10.1f} {:>10.3f} {:>10.3f} {:>10.3f} {:>10.3f} {:>10.1f} "
          "{:>12.3f} {:>12.3f}\n",
          n, name, plan_s, plan_peak_mb, predict_s, predict_kernel_s, again_s, free_s,
          predict_peak_mb, makespan_s, free_makespan_s);
      fmt::print(stderr,
                 "{{\"bench\": \"planners\", \"tasks\": {}, \"edges\": {}, \"planner\": \"{}\", "
                 "\"plan_s\": {:.6f}, "
                 "\"plan_peak_extra_mb\": {:.1f}, \"predict_s\": {:.6f}, "
                 "\"predict_kernel_s\": {:.6f}, "
                 "\"predict_again_s\": {:.6f}, \"predict_contention_free_s\": {:.6f}, "
                 "\"predict_peak_extra_mb\": {:.1f}, "
                 "\"makespan_s\": {:.6f}, \"contention_free_makespan_s\": {:.6f}, "
                 "\"cost_usd\": {:.6f}}}\n",
                 n, w.edge_count(), name, plan_s, plan_peak_mb, predict_s, predict_kernel_s,
                 again_s, free_s, predict_peak_mb, makespan_s, free_makespan_s, cost);
      if (name == "pareto") {
        const nlohmann::json params = nlohmann::json::parse(plan.planner_params_json);
        const auto& pick = params.at("picked");
        fmt::print(
            "{:>9}  pareto's search: {} candidates, {} contention-free and {} contention-aware "
            "predictions, {} moves kept ({} confirmed), {} of {} work units; planning {:.3f} s "
            "of processor time (user); pick: {}{} with{} passes\n",
            n, params.at("candidates").get<std::size_t>(), params.at("screened").get<std::size_t>(),
            params.at("predictions").get<std::size_t>(), pick.at("moves").get<std::size_t>(),
            params.at("moves_confirmed").get<std::size_t>(),
            params.at("work_units").get<std::uint64_t>(),
            params.at("work_budget").get<std::uint64_t>(), plan_user_s,
            pick.at("planner").get<std::string>(),
            pick.at("config").get<std::string>().empty()
                ? ""
                : " on " + pick.at("config").get<std::string>(),
            pick.at("passes").get<bool>() ? "" : "out");
        fmt::print(stderr,
                   "{{\"bench\": \"pareto\", \"tasks\": {}, \"plan_s\": {:.6f}, "
                   "\"plan_user_s\": {:.6f}, \"candidates\": {}, \"contention_free\": {}, "
                   "\"contention_aware\": {}, \"moves\": {}, \"work_units\": {}, "
                   "\"work_budget\": {}}}\n",
                   n, plan_s, plan_user_s, params.at("candidates").get<std::size_t>(),
                   params.at("screened").get<std::size_t>(),
                   params.at("predictions").get<std::size_t>(), pick.at("moves").get<std::size_t>(),
                   params.at("work_units").get<std::uint64_t>(),
                   params.at("work_budget").get<std::uint64_t>());
      }
    }
  }
  return 0;
}
