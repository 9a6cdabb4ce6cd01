#include "dagplan/passes.hpp"

#include <algorithm>

namespace dagplan {

bool pass_gain(const PassObjective& objective, const PassState& state,
               const Prediction& candidate) {
  // Costs are sums of products of doubles: a change that moves nothing may still move the last
  // bits. A gain in cost must be more than that.
  constexpr double kCostTolerance = 1e-12;
  const double cost = candidate.cost.total(), current = state.current.cost.total(),
               base = state.baseline.cost.total();
  if (objective.kind == PassObjective::Kind::kMakespan) {
    return candidate.makespan_us < state.current.makespan_us &&
           cost <= base * (1 + objective.max_cost_increase) + kCostTolerance * base;
  }
  const double limit =
      static_cast<double>(state.baseline.makespan_us) * (1 + objective.max_makespan_increase);
  return cost < current - kCostTolerance * current &&
         static_cast<double>(candidate.makespan_us) <= limit;
}

std::vector<std::string> PassRegistry::select(std::string_view list) const {
  std::vector<std::string> named;
  if (list == "none") return named;
  if (list == "all") {
    for (const PassInfo& p : entries_) named.push_back(p.name);
    return named;
  }
  named = parse_list(list);
  // Registry order, each once: the documented order whatever order the list gives.
  std::vector<std::string> out;
  for (const PassInfo& p : entries_)
    if (std::find(named.begin(), named.end(), p.name) != named.end()) out.push_back(p.name);
  return out;
}

const PassRegistry& pass_registry() {
  static const PassRegistry registry = [] {
    PassRegistry r;
    r.add({"preload",
           "strict workers download each remote input as soon as it exists, where that "
           "shortens the run",
           make_preload_pass});
    return r;
  }();
  return registry;
}

Prediction optimize_plan(const ExecutionModel& model, Plan& plan,
                         const std::vector<std::string>& passes, const PassObjective& objective) {
  PassState state;
  state.baseline = predict(model, plan);
  state.current = state.baseline;
  for (const std::string& name : passes) {
    std::unique_ptr<Pass> pass = pass_registry().create(name);
    const std::int64_t makespan = state.current.makespan_us;
    const double cost = state.current.cost.total();
    PassRecord rec;
    rec.name = name;
    rec.changes = pass->apply(model, plan, objective, state);
    rec.makespan_gain_us = makespan - state.current.makespan_us;
    rec.cost_gain_usd = cost - state.current.cost.total();
    plan.passes.push_back(std::move(rec));
  }
  return std::move(state.current);
}

}  // namespace dagplan
