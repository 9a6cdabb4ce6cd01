#include "dagplan/compare.hpp"

#include <memory>

#include "dagplan/error.hpp"

namespace dagplan {
double makespan_over_bound(std::int64_t makespan_us, const LowerBounds& bounds) {
  // In seconds, as printed: the ratio of the printed figures, to the last bit.
  double bound_s = us_to_seconds(bounds.makespan_us());
  return bound_s > 0 ? us_to_seconds(makespan_us) / bound_s : 0.0;
}

double cost_over_floor(double cost_usd, const LowerBounds& bounds) {
  return bounds.cost_floor > 0 ? cost_usd / bounds.cost_floor : 0.0;
}

Comparison compare_planners(const ExecutionModel& model, const std::vector<std::string>& planners,
                            const CompareOptions& options) {
  Comparison out;
  // Before any planner runs: a planner that asked the model for its bounds would otherwise have
  // their computation counted in its planning time (and only the first planner would).
  out.bounds = model.bounds();
  out.rows.reserve(planners.size());
  for (const std::string& name : planners) {
    if (options.on_planner) options.on_planner(name, out.rows.size(), planners.size());
    std::unique_ptr<Planner> planner = planner_registry().create(name);  // UsageError: not caught
    ComparisonRow& row = out.rows.emplace_back();
    row.planner = name;
    try {
      PlanResult r = run_planner(*planner, model, options.planner);
      row.planning_s = r.planning_seconds;
      if (options.after_planning) options.after_planning(model, r.plan);
      PredictOptions po;
      po.also_contention_free = true;
      Prediction p = predict(model, r.plan, po);
      row.makespan_us = p.makespan_us;
      row.contention_free_makespan_us = p.contention_free_makespan_us;
      row.cost = p.cost;
      row.makespan_over_bound = makespan_over_bound(p.makespan_us, out.bounds);
      row.cost_over_floor = cost_over_floor(p.cost.total(), out.bounds);
      row.workers = r.plan.worker_count();
      row.instances = p.instances.size();
      row.cold_starts = p.cold_starts;
      row.warm_starts = p.warm_starts;
      if (options.keep_plans) row.plan = std::move(r.plan);
    } catch (const Error& e) {
      // Only planning_s was filled before anything that throws.
      if (!options.keep_going) throw;
      row.error = e.what();
    }
  }
  return out;
}

}  // namespace dagplan
