// The real backend's own overhead per task: zero-work tasks with empty outputs, run for real
// by dagrun's run_plan() with dagworker processes and a private redis-server. (a) A chain of
// 1,000 tasks on flexible workers (wukong) and on one strict worker (heft): makespan / tasks.
// (b) A fan-out/fan-in of 1,000 and 10,000 tasks under wukong and heft: makespan x workers
// busy at most / tasks. Also Redis commands and round trips per task (workers and dagrun).

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "dagplan/exec/run.hpp"
#include "dagplan/generators.hpp"
#include "dagplan/plan.hpp"
#include "dagplan/planner.hpp"
#include "dagplan/platform.hpp"
#include "dagplan/workflow_io.hpp"

using namespace dagplan;

int main(int argc, char** argv) {
  CLI::App app{"bench_executor - the real backend's overhead per task (zero-work tasks)"};
  std::string worker = DAGPLAN_DAGWORKER;
  std::uint32_t max_workers = 0;
  std::vector<std::size_t> fan_sizes = {1000, 10000};
  app.add_option("--worker", worker, "dagworker binary")->capture_default_str();
  app.add_option("--max-workers", max_workers,
                 "Cap on busy worker processes (0: the platform's limit, 8 on 'local')");
  app.add_option("--fan-sizes", fan_sizes, "Fan-out/fan-in sizes")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  Platform platform = load_platform("local");
  struct Case {
    std::string shape;
    std::size_t tasks;
    std::string planner;
    bool per_worker;  // divide makespan x busy workers (b) or makespan alone (a)
  };
  std::vector<Case> cases = {{"chain", 1000, "wukong", false}, {"chain", 1000, "heft", false}};
  for (std::size_t n : fan_sizes)
    for (const char* p : {"wukong", "heft"}) cases.push_back({"fanout-fanin", n, p, true});
  fmt::print(
      "platform local, zero-work tasks with empty outputs, private redis-server on loopback\n"
      "per task = makespan / tasks (chain), makespan x workers busy at most / tasks (fan)\n\n");
  fmt::print("{:<14} {:>6} {:<8} {:>9} {:>6} {:>10} {:>13} {:>11} {:>11} {:>12}\n", "shape",
             "tasks", "planner", "instances", "busy", "makespan(s)", "per task (ms)", "cmds/task",
             "trips/task", "dagrun trips");
  for (const Case& c : cases) {
    GeneratorOptions g;
    g.tasks = c.tasks;
    g.mean_work_s = 1e-9;
    g.mean_output_bytes = 0;
    Workflow w = generate_workflow(c.shape, g);
    ExecutionModel model(w, platform);
    auto planner = planner_registry().create(c.planner);
    PlanResult r = run_planner(*planner, model, PlannerOptions{});
    exec::RunOptions o;
    o.worker_binary = worker;
    o.max_workers = max_workers;
    o.timeout_s = 600;
    exec::RunReport rep = exec::run_plan(model, r.plan, write_workflow(w), write_platform(platform),
                                         write_plan(r.plan, w, platform), o);
    if (!rep.ok) {
      fmt::print(stderr, "bench_executor: {} {} {}: {}\n", c.shape, c.tasks, c.planner,
                 rep.failure);
      return 1;
    }
    double makespan = static_cast<double>(rep.makespan_us) / 1e6;
    double per_task = makespan * (c.per_worker ? rep.peak_busy : 1) / static_cast<double>(c.tasks);
    double n = static_cast<double>(c.tasks);
    fmt::print("{:<14} {:>6} {:<8} {:>9} {:>6} {:>10.3f} {:>13.3f} {:>11.2f} {:>11.2f} {:>12}\n",
               c.shape, c.tasks, c.planner, rep.instances, rep.peak_busy, makespan, per_task * 1e3,
               static_cast<double>(rep.worker_commands + rep.dagrun_commands) / n,
               static_cast<double>(rep.worker_round_trips + rep.dagrun_round_trips) / n,
               rep.dagrun_round_trips);
  }
  return 0;
}
