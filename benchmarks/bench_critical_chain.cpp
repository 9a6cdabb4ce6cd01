// What stands between a planner's plan (with every pass, objective makespan) and the lower
// bound: per workflow, the contention-aware prediction's critical chain (pareto.hpp's
// critical_chain()) summed by component - the start-up its first task waited for, waits for a
// slot or a worker, downloads, execution beyond the fastest configuration, uploads, counter
// updates - beside the lower bound without and with its cold-start path (LowerBounds::
// cold_path_us: the cold start, the literal inputs' download and the counter updates every plan
// pays; "floor", LowerBounds::makespan_us()). A program, not a test: it prints a table and one
// JSON line per workflow (docs/planners.md, decisions 0033 and 0040).
#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "dagplan/model.hpp"
#include "dagplan/pareto.hpp"
#include "dagplan/passes.hpp"
#include "dagplan/planner.hpp"
#include "dagplan/platform.hpp"
#include "dagplan/predictor.hpp"
#include "dagplan/workflow_io.hpp"

using namespace dagplan;

int main(int argc, char** argv) {
  CLI::App app{"bench_critical_chain - a plan's critical chain against the lower bounds"};
  std::vector<std::string> files;
  std::string planner = std::string(default_planner_name());
  std::string platform_name = "aws-lambda";
  app.add_option("workflows", files, "Workflow files (dagplan or WfCommons)")->required();
  app.add_option("--planner", planner, "Planner whose plan gets every pass")->capture_default_str();
  app.add_option("--platform", platform_name, "Built-in platform or file")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  const Platform platform = load_platform(platform_name);
  const std::vector<std::string> all = pass_registry().select("all");
  fmt::print(
      "{} with every pass on {}; seconds. chain: tasks on the critical chain; start: the first "
      "task's wait for its worker (invocation, start-up); wait: later waits for a worker or a "
      "slot; down: downloads; exec+: execution beyond the fastest configuration; up: uploads "
      "(the last task's included); ops: counter updates and ready events\n\n",
      planner, platform.name);
  fmt::print("{:<45} {:>12} {:>12} {:>12} {:>6} {:>7} {:>7} {:>8} {:>7} {:>8} {:>7}\n", "workflow",
             "makespan", "bound", "floor", "chain", "start", "wait", "down", "exec+", "up", "ops");
  for (const std::string& file : files) {
    const Workflow w = load_workflow(file);
    const ExecutionModel model(w, platform);
    Plan plan = planner_registry().create(planner)->plan(model, PlannerOptions{});
    const Prediction p = optimize_plan(model, plan, all, PassObjective{});
    const std::vector<std::uint32_t> chain = critical_chain(w, p);
    std::int64_t start = 0, wait = 0, down = 0, extra = 0, up = 0, ops = 0;
    for (std::size_t i = 0; i < chain.size(); ++i) {
      const TaskPrediction& x = p.tasks[chain[i]];
      const std::int64_t before = i + 1 < chain.size() ? p.tasks[chain[i + 1]].finish_us : 0;
      // From the end of the task before it to this task's start: its ready event, if it came
      // later, then the wait for its worker or a slot (the first task's: its worker's start-up).
      ops += std::max<std::int64_t>(0, x.ready_us - before);
      (i + 1 == chain.size() ? start : wait) += x.start_us - std::max(x.ready_us, before);
      down += x.exec_start_us - x.start_us;
      extra += (x.exec_end_us - x.exec_start_us) - model.min_exec_us(TaskId{chain[i]});
      up += x.upload_end_us - x.exec_end_us;
      ops += x.finish_us - x.upload_end_us;
    }
    const LowerBounds& b = p.bounds;
    const std::int64_t floor = b.makespan_us();
    const std::int64_t bound =
        std::max({b.critical_path_us, b.work_over_concurrency_us, b.data_us});
    std::string name = file.substr(file.find_last_of('/') + 1);
    if (name.size() > 5 && name.ends_with(".json")) name.resize(name.size() - 5);
    auto s = [](std::int64_t us) { return static_cast<double>(us) / 1e6; };
    fmt::print(
        "{:<45} {:>12.6f} {:>12.6f} {:>12.6f} {:>6} {:>7.3f} {:>7.3f} {:>8.3f} {:>7.3f} "
        "{:>8.3f} {:>7.3f}\n",
        name, s(p.makespan_us), s(bound), s(floor), chain.size(), s(start), s(wait), s(down),
        s(extra), s(up), s(ops));
    nlohmann::json j = {{"workflow", name},
                        {"planner", planner},
                        {"makespan_s", s(p.makespan_us)},
                        {"bound_s", s(bound)},
                        {"floor_s", s(floor)},
                        {"chain_tasks", chain.size()},
                        {"start_s", s(start)},
                        {"wait_s", s(wait)},
                        {"download_s", s(down)},
                        {"exec_beyond_fastest_s", s(extra)},
                        {"upload_s", s(up)},
                        {"storage_ops_s", s(ops)}};
    fmt::print(stderr, "{}\n", j.dump());
  }
  return 0;
}
