#include "dagplan/planner.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>

#include "dagplan/error.hpp"
#include "dagplan/suggest.hpp"

namespace dagplan {

std::vector<std::string> PlannerRegistry::select(std::string_view list) const {
  if (list != "all") {
    std::vector<std::string> out = parse_list(list);
    if (out.empty())
      throw UsageError(fmt::format("no planner named in '{}' (expected 'all' or names among {})",
                                   list, fmt::join(names(), ", ")));
    return out;
  }
  // "all": every planner but pareto, which plans with all of them (name it to have it).
  std::vector<std::string> out;
  for (const PlannerInfo& p : entries_)
    if (p.name != "pareto") out.push_back(p.name);
  return out;
}

const PlannerRegistry& planner_registry() {
  static const PlannerRegistry registry = [] {
    PlannerRegistry r;
    r.add({"wukong", "every task flexible on one configuration: WUKONG's decentralised baseline",
           make_wukong_planner});
    r.add({"uniform",
           "one configuration; chains keep their worker, fan-outs split into small groups, fan-ins "
           "go where most input bytes are",
           make_uniform_planner});
    r.add({"non-uniform",
           "uniform's grouping on the fastest configuration, then every worker off the critical "
           "path stepped down while the makespan does not grow",
           make_non_uniform_planner});
    r.add({"heft",
           "list scheduling by upward rank onto predecessors' workers or a fresh worker per "
           "configuration (earliest finish time)",
           make_heft_planner});
    r.add({"dask",
           "Dask's greedy placement: bytes to fetch over bandwidth plus occupancy over cores, on a "
           "worker pool per configuration",
           make_dask_planner});
    r.add({"pareto",
           "the other planners on every configuration and every pass, then a local search of "
           "moves, judged by the prediction within a work budget: the cheapest within "
           "--deadline, the fastest within --budget, else the fastest at no more than the "
           "default planner's cost with passes",
           make_pareto_planner});
    return r;
  }();
  return registry;
}

std::string_view default_planner_name() {
  return "heft";
}

void stamp_plan(Plan& plan, const ExecutionModel& model, std::string_view planner,
                std::string params_json) {
  const Workflow& w = model.workflow();
  plan.planner = std::string(planner);
  plan.planner_params_json = std::move(params_json);
  plan.workflow_name = w.name();
  plan.workflow_fingerprint = w.fingerprint();
  plan.platform_name = model.platform().name;
  if (plan.preload.size() != w.task_count()) plan.preload.assign(w.task_count(), 0);
  if (!model.fully_specified())
    plan.assumptions.push_back(
        fmt::format("{} tasks have neither a work estimate nor a profile: planned as 0 s",
                    model.tasks_without_work()));
  for (const std::string& f : model.unprofiled_functions())
    plan.assumptions.push_back(
        fmt::format("no profile for function '{}': used its tasks' work estimates", f));
}

PlanResult run_planner(const Planner& planner, const ExecutionModel& model,
                       const PlannerOptions& options) {
  auto t0 = std::chrono::steady_clock::now();
  PlanResult r{planner.plan(model, options), 0};
  r.planning_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  check_plan(r.plan, model.workflow(), model.platform());
  return r;
}

}  // namespace dagplan
