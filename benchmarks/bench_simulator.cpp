// Simulator speed: events per second and peak memory when simulating plans of generated
// random-layered workflows (default 10^4, 10^5, 10^6 tasks), with contention on and noise on.
// A program, not a test: it prints a table and one JSON line per size.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <sstream>

#include "bench_util.hpp"
#include "dagplan/generators.hpp"
#include "dagplan/large_vector.hpp"
#include "dagplan/planner.hpp"
#include "dagplan/sim/simulator.hpp"

using namespace dagplan;

int main(int argc, char** argv) {
  CLI::App app{"bench_simulator - simulator events per second and peak memory by size"};
  std::string sizes_arg = "10000,100000,1000000";
  std::string planner_name = "heft";
  std::string platform_name = "aws-lambda";
  std::uint64_t seed = 1;
  bool noise = true;
  app.add_option("--sizes", sizes_arg, "Comma-separated task counts")->capture_default_str();
  app.add_option("--planner", planner_name, "Planner that makes the plan")->capture_default_str();
  app.add_option("--platform", platform_name, "Built-in platform or file")->capture_default_str();
  app.add_option("--seed", seed, "Generator and simulation seed")->capture_default_str();
  app.add_option("--noise", noise, "Simulate with noise (true/false)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  std::vector<std::size_t> sizes = bench::split_sizes(sizes_arg);
  Platform platform = load_platform(platform_name);
  fmt::print(
      "random-layered workflows, plan by {}, platform {}, contention on, noise {}, seed {}\n",
      planner_name, platform.name, noise ? "on" : "off", seed);
  fmt::print(
      "peak = resident-set high-water mark during the simulation (reset before it), above the\n"
      "memory already held by the workflow and the plan\n\n");
  fmt::print("{:>9} {:>12} {:>11} {:>10} {:>10} {:>10} {:>13} {:>13}\n", "tasks", "events",
             "superseded", "time (s)", "Mevents/s", "peak (MB)", "makespan (s)", "predicted (s)");
  for (std::size_t n : sizes) {
    GeneratorOptions g;
    g.tasks = n;
    g.seed = seed;
    Workflow w = generate_workflow("random-layered", g);
    ExecutionModel model(w, platform);
    Plan plan = planner_registry().create(planner_name)->plan(model, PlannerOptions{});
    Prediction predicted = predict(model, plan);
    sim::SimOptions o;
    o.seed = seed;
    o.noise.enabled = noise;
    release_cached_memory();  // the peak counts all the memory the simulation takes
    bench::reset_peak_rss();
    std::uint64_t base = bench::rss_bytes();
    bench::Stopwatch clock;
    sim::SimResult r = sim::simulate(model, plan, o);
    double secs = clock.seconds();
    std::uint64_t peak = bench::peak_rss_bytes();
    double peak_mb = static_cast<double>(peak > base ? peak - base : 0) / 1e6;
    double rate = static_cast<double>(r.events) / secs / 1e6;
    fmt::print("{:>9} {:>12} {:>11} {:>10.3f} {:>10.2f} {:>10.1f} {:>13.3f} {:>13.3f}\n", n,
               r.events, r.superseded_events, secs, rate, peak_mb,
               static_cast<double>(r.timeline.makespan_us) / 1e6,
               static_cast<double>(predicted.makespan_us) / 1e6);
    fmt::print(stderr,
               "{{\"bench\": \"simulator\", \"tasks\": {}, \"events\": {}, \"superseded\": {}, "
               "\"seconds\": {:.6f}, \"mevents_per_s\": {:.3f}, "
               "\"peak_extra_mb\": {:.1f}, \"makespan_s\": {:.6f}}}\n",
               n, r.events, r.superseded_events, secs, rate, peak_mb,
               static_cast<double>(r.timeline.makespan_us) / 1e6);
  }
  return 0;
}
