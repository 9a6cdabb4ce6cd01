// The joint makespan/cost planner (pareto.hpp): every other planner on its own configuration and
// on each configuration is a candidate, the contention-aware prediction judges them, the front
// of makespan against cost is marked, the pick follows the deadline, the budget or the default
// rule, and the optimisation passes improve the pick within what the user asked.
#include "dagplan/pareto.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "dagplan/error.hpp"
#include "dagplan/human_format.hpp"
#include "dagplan/json_writer.hpp"
#include "dagplan/predictor.hpp"

namespace dagplan {
namespace {

// Tasks planned and predicted in all (candidates x tasks): about 10 s at 10^5 tasks.
constexpr std::uint64_t kWorkBudget = 4'000'000;
// Tasks of the plans the passes improve (each costs many predictions): 2,000 tasks x 100 plans.
constexpr std::uint64_t kPassBudget = 200'000;

// Whether a is at least as good as b on both axes and better on one.
bool dominates(const ParetoCandidate& a, const ParetoCandidate& b) {
  return a.makespan_us <= b.makespan_us && a.cost_usd <= b.cost_usd &&
         (a.makespan_us < b.makespan_us || a.cost_usd < b.cost_usd);
}

}  // namespace

ParetoResult pareto_search(const ExecutionModel& model, const ParetoOptions& options) {
  const Platform& platform = model.platform();
  std::vector<std::string> planners;
  for (const PlannerInfo& p : planner_registry().planners())
    if (p.name != "pareto") planners.push_back(p.name);
  // Each planner on its own choice first, then on each configuration in order.
  struct Try {
    std::string planner;
    std::optional<ConfigId> config;
  };
  std::vector<Try> tries;
  tries.reserve(planners.size() * (1 + platform.configs.size()));
  for (const std::string& p : planners) tries.push_back({p, std::nullopt});
  for (const std::string& p : planners)
    for (std::size_t c = 0; c < platform.configs.size(); ++c)
      tries.push_back({p, ConfigId{static_cast<std::uint16_t>(c)}});
  const std::uint64_t n = std::max<std::uint64_t>(1, model.workflow().task_count());
  const std::size_t most = std::max<std::size_t>(
      planners.size(), std::min<std::uint64_t>(tries.size(), kWorkBudget / n));
  tries.resize(std::min(tries.size(), most));

  ParetoResult r;
  std::vector<Plan> plans;
  plans.reserve(tries.size());
  for (std::size_t i = 0; i < tries.size(); ++i) {
    const Try& t = tries[i];
    PlannerOptions po;
    po.config = t.config;
    Plan plan = run_planner(*planner_registry().create(t.planner), model, po).plan;
    const Prediction p = predict(model, plan);
    ParetoCandidate c;
    c.planner = t.planner;
    c.config = t.config ? platform.configs[index(*t.config)].name : "";
    c.makespan_us = p.makespan_us;
    c.cost_usd = p.cost.total();
    r.candidates.push_back(std::move(c));
    plans.push_back(std::move(plan));
  }
  // On the front: dominated by none, and the first of those with the same makespan and cost;
  // r.front lists them fastest first (ties in order tried).
  auto mark_front = [&] {
    r.front.clear();
    for (std::size_t i = 0; i < r.candidates.size(); ++i) {
      ParetoCandidate& c = r.candidates[i];
      c.on_front = true;
      for (std::size_t j = 0; j < r.candidates.size() && c.on_front; ++j) {
        const ParetoCandidate& o = r.candidates[j];
        c.on_front = !dominates(o, c) &&
                     !(j < i && o.makespan_us == c.makespan_us && o.cost_usd == c.cost_usd);
      }
      if (c.on_front) r.front.push_back(i);
    }
    std::stable_sort(r.front.begin(), r.front.end(), [&](std::size_t a, std::size_t b) {
      return r.candidates[a].makespan_us < r.candidates[b].makespan_us;
    });
  };
  mark_front();

  // The passes, on the default planner's plan (the reference of the default rule), the other
  // planners' and the front's members, fastest first, as many as the work allows (all of them
  // up to 2,000 tasks, two at 10^5): each gives one more candidate.
  const std::size_t reference = static_cast<std::size_t>(
      std::find_if(r.candidates.begin(), r.candidates.end(),
                   [](const ParetoCandidate& c) {
                     return c.planner == default_planner_name() && c.config.empty();
                   }) -
      r.candidates.begin());
  PassObjective objective = options.objective;
  objective.kind = options.deadline_s ? PassObjective::Kind::kCost : PassObjective::Kind::kMakespan;
  std::optional<std::size_t> reference_with_passes;
  if (options.passes) {
    // The reference, the other planners on their own configuration (so that the pick is never
    // worse than any of them with the passes), then the front.
    std::vector<std::size_t> improve{reference};
    for (std::size_t i = 0; i < planners.size(); ++i)
      if (i != reference) improve.push_back(i);
    for (std::size_t i : r.front)
      if (i >= planners.size()) improve.push_back(i);
    improve.resize(std::min(improve.size(), std::max<std::size_t>(2, kPassBudget / n)));
    const std::vector<std::string> all = pass_registry().select("all");
    for (std::size_t k = 0; k < improve.size(); ++k) {
      Plan plan = plans[improve[k]];
      const Prediction p = optimize_plan(model, plan, all, objective);
      ParetoCandidate c = r.candidates[improve[k]];
      c.passes = true;
      c.makespan_us = p.makespan_us;
      c.cost_usd = p.cost.total();
      if (k == 0) reference_with_passes = r.candidates.size();
      r.candidates.push_back(std::move(c));
      plans.push_back(std::move(plan));
    }
    mark_front();
  }

  // The pick: ties by makespan, cost, then order tried.
  auto better = [&](std::size_t a, std::size_t b, bool by_cost) {
    const ParetoCandidate &x = r.candidates[a], &y = r.candidates[b];
    if (by_cost && x.cost_usd != y.cost_usd) return x.cost_usd < y.cost_usd;
    if (x.makespan_us != y.makespan_us) return x.makespan_us < y.makespan_us;
    if (x.cost_usd != y.cost_usd) return x.cost_usd < y.cost_usd;
    return a < b;
  };
  auto pick = [&](auto&& feasible, bool by_cost) {
    std::optional<std::size_t> best;
    for (std::size_t i = 0; i < r.candidates.size(); ++i)
      if (feasible(r.candidates[i]) && (!best || better(i, *best, by_cost))) best = i;
    return best;
  };
  auto where = [](const ParetoCandidate& c) {
    return fmt::format("{}{}{}", c.planner, c.config.empty() ? "" : " on " + c.config,
                       c.passes ? " with passes" : "");
  };
  if (options.deadline_s) {
    const auto limit = static_cast<std::int64_t>(std::floor(*options.deadline_s * 1e6));
    r.picked = pick([&](const ParetoCandidate& c) { return c.makespan_us <= limit; }, true);
    if (!r.picked) {
      const ParetoCandidate& f =
          r.candidates[*pick([](const ParetoCandidate&) { return true; }, false)];
      r.miss = fmt::format(
          "no plan ends within the deadline of {}: the fastest ({}) takes {}, {} "
          "more",
          human_seconds(*options.deadline_s), where(f),
          human_seconds(static_cast<double>(f.makespan_us) / 1e6),
          human_seconds(static_cast<double>(f.makespan_us - limit) / 1e6));
      return r;
    }
  } else if (options.budget_usd) {
    const double limit = *options.budget_usd;
    r.picked = pick([&](const ParetoCandidate& c) { return c.cost_usd <= limit; }, false);
    if (!r.picked) {
      const ParetoCandidate& f =
          r.candidates[*pick([](const ParetoCandidate&) { return true; }, true)];
      r.miss = fmt::format(
          "no plan costs at most the budget of {}: the cheapest ({}) costs {}, {} "
          "more",
          human_dollars(limit), where(f), human_dollars(f.cost_usd),
          human_dollars(f.cost_usd - limit));
      return r;
    }
  } else {
    // The fastest that costs no more than the default planner's plan (with the passes, when
    // they run): never slower or dearer than that plan.
    const double limit = r.candidates[reference_with_passes.value_or(reference)].cost_usd;
    r.picked = pick([&](const ParetoCandidate& c) { return c.cost_usd <= limit; }, false);
  }
  r.plan = std::move(plans[*r.picked]);
  return r;
}

namespace {

class ParetoPlanner final : public Planner {
 public:
  std::string_view name() const override { return "pareto"; }
  Plan plan(const ExecutionModel& model, const PlannerOptions& options) const override {
    ParetoOptions po;
    po.deadline_s = options.deadline_s;
    po.budget_usd = options.budget_usd;
    ParetoResult r = pareto_search(model, po);
    if (!r.picked) throw Error("pareto: " + r.miss);
    // The pick, the bounds asked and the front (fastest first: what `dagplan plan --planner
    // pareto --front` prints) as the plan's params.
    std::string params;
    JsonWriter j(params);
    j.begin_object(true);
    auto candidate = [&](const ParetoCandidate& c) {
      j.member("planner", c.planner);
      j.member("config", c.config);
      j.member("passes", c.passes);
    };
    j.key("picked");
    j.begin_object(true);
    candidate(r.candidates[*r.picked]);
    j.end_object();
    j.member("candidates", static_cast<std::uint64_t>(r.candidates.size()));
    if (options.deadline_s) j.member("deadline_s", *options.deadline_s);
    if (options.budget_usd) j.member("budget_usd", *options.budget_usd);
    j.key("front");
    j.begin_array(true);
    for (std::size_t i : r.front) {
      const ParetoCandidate& f = r.candidates[i];
      j.begin_object(true);
      candidate(f);
      j.member("makespan_s", static_cast<double>(f.makespan_us) / 1e6);
      j.member("cost_usd", f.cost_usd);
      j.end_object();
    }
    j.end_array();
    j.end_object();
    while (!params.empty() && params.back() == '\n') params.pop_back();  // kept verbatim
    Plan plan = std::move(r.plan);
    plan.assumptions.clear();  // stamp_plan() gives the model's; the candidate's are its planner's
    stamp_plan(plan, model, name(), std::move(params));
    return plan;
  }
};

}  // namespace

std::unique_ptr<Planner> make_pareto_planner() {
  return std::make_unique<ParetoPlanner>();
}

}  // namespace dagplan
