#include "dagplan/passes.hpp"

#include <algorithm>

namespace dagplan {

bool pass_gain(const PassObjective& objective, const PassState& state,
               const Prediction& candidate) {
  // Costs are sums of products of doubles: a change that moves nothing may still move the last
  // bits. A gain in cost must be more than that.
  constexpr double kCostTolerance = 1e-12;
  // A prediction below a lower bound that holds for every plan is the model's artefact, not a
  // gain: the run engine models pre-loaded downloads without the storage's aggregate bandwidth,
  // and pre-loading many large literal inputs at once can then beat the data bound (blast on a
  // cluster: 17 s predicted against a 164 s bound). Such a change is not kept.
  if (candidate.makespan_us < candidate.bounds.makespan_us()) return false;
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

std::uint32_t keep_gains(const ExecutionModel& model, Plan& plan, const PassObjective& objective,
                         PassState& state, std::size_t count,
                         const std::function<void(std::size_t, bool)>& apply,
                         const std::function<std::uint32_t(std::size_t)>& size) {
  // Trials predict the whole plan each: at most objective.trial_tasks tasks predicted in all,
  // and always at least one trial.
  if (count == 0) return 0;
  std::uint32_t total = 0;
  for (std::size_t i = 0; i < count; ++i) {
    apply(i, true);
    total += size(i);
  }
  const std::uint64_t tasks = std::max<std::uint64_t>(1, model.workflow().task_count());
  const std::uint64_t trials = std::max<std::uint64_t>(1, objective.trial_tasks / tasks);
  const std::size_t most = 1 + (count == 1 ? 0 : std::min<std::size_t>(count, trials));
  if (state.on_trial) state.on_trial(0, most);
  Prediction all = predict(model, plan);
  if (pass_gain(objective, state, all)) {
    state.current = std::move(all);
    return total;
  }
  for (std::size_t i = 0; i < count; ++i) apply(i, false);
  if (count == 1) return 0;
  std::uint32_t kept = 0;
  for (std::size_t i = 0; i < count && i < trials; ++i) {
    if (state.on_trial) state.on_trial(i + 1, most);
    apply(i, true);
    Prediction p = predict(model, plan);
    if (pass_gain(objective, state, p)) {
      state.current = std::move(p);
      kept += size(i);
    } else {
      apply(i, false);
    }
  }
  return kept;
}

const PassRegistry& pass_registry() {
  static const PassRegistry registry = [] {
    PassRegistry r;
    r.add({"cluster",
           "a flexible task that makes several flexible children ready runs them all on its "
           "own instance instead of invoking one per child (WUKONG clustering), where that pays",
           make_cluster_pass});
    r.add({"delayed-io",
           "a flexible task whose output feeds only a flexible fan-in holds the upload back for a "
           "bounded wait, and runs the fan-in itself if its other inputs complete meanwhile "
           "(WUKONG delayed I/O), where that pays",
           make_delayio_pass});
    r.add({"preload",
           "strict workers download each remote input as soon as it exists, where that "
           "shortens the run",
           make_preload_pass});
    r.add({"taskdup",
           "a task waiting for an input made on another worker runs its producer itself, in its "
           "own slot, where that ends before the remote copy would arrive (the original still "
           "runs)",
           make_taskdup_pass});
    r.add({"stream",
           "a consumer on a worker already running reads its producer's output while it is "
           "written (one transfer, nothing stored for it), where that pays",
           make_stream_pass});
    r.add({"prewarm",
           "a worker whose first start would be cold gets a pre-warm, sent when the latest task "
           "that lets the container be warm in time ends (serverless platforms)",
           make_prewarm_pass});
    r.add({"inline-dag",
           "a strict worker whose part of the workflow fits in an invocation gets it there "
           "instead of fetching the whole DAG at start-up, where that pays",
           make_inline_dag_pass});
    return r;
  }();
  return registry;
}

Prediction optimize_plan(const ExecutionModel& model, Plan& plan,
                         const std::vector<std::string>& passes, const PassObjective& objective,
                         const PassProgress& progress) {
  PassState state;
  state.baseline = predict(model, plan);
  state.current = state.baseline;
  for (const std::string& name : passes) {
    std::unique_ptr<Pass> pass = pass_registry().create(name);
    if (progress) {
      progress(name, 0, 0);
      state.on_trial = [&](std::size_t done, std::size_t most) { progress(name, done, most); };
    }
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
