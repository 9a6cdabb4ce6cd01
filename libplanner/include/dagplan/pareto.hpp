#pragma once
/// \file
/// The joint makespan/cost planner (`pareto`): the other planners, each on its own choice of
/// configuration and on every configuration, are its candidates (the latter screened by the
/// contention-free estimate, the promising ones confirmed by the contention-aware prediction);
/// the optimisation passes improve the best of them, each improved plan one more candidate; a
/// local search then moves tasks and workers of the pick (to a producer's worker, to a worker of
/// their own, another configuration, two workers merged, a chain task's consumers elsewhere
/// duplicating it at no higher cost), each move screened by the
/// contention-free estimate and kept only when the contention-aware prediction confirms a gain.
/// It returns the cheapest plan that meets a deadline, the fastest within a budget, or -
/// without either - the fastest that costs no more than the default planner's plan with the
/// passes; and the Pareto front of makespan against cost over everything it confirmed. All of it
/// within a work budget counted in predicted tasks, not seconds: the result does not depend on
/// the machine (docs/decisions/0022).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dagplan/model.hpp"
#include "dagplan/passes.hpp"
#include "dagplan/plan.hpp"
#include "dagplan/planner.hpp"
#include "dagplan/predictor.hpp"

namespace dagplan {

struct ParetoOptions {
  std::optional<double> deadline_s;  ///< the cheapest plan that ends within it
  std::optional<double> budget_usd;  ///< the fastest plan that costs at most this
  PassObjective objective;           ///< the passes' bounds (their objective: cost under a
                                     ///< deadline, else makespan)
  bool passes = true;                ///< run every pass on the best candidates
  bool search = true;                ///< the local search on the pick
  /// The work budget in units (one task of one contention-free prediction; a contention-aware
  /// one counts kAwareUnits per task, a planner's run a fixed number per task by planner); 0: the
  /// default, pareto_budget_units().
  std::uint64_t work_units = 0;
};

/// A contention-aware prediction's units per task against a contention-free one's (measured
/// 3-4x at 10^4-10^5 tasks).
inline constexpr std::uint64_t kAwareUnits = 4;

/// Up to this many tasks the passes run in full (PassObjective's default trial budget) on every
/// other planner's own plan, so that the pick is never worse than any of them with the passes;
/// above it they run within the work budget.
inline constexpr std::uint64_t kFullPassTasks = 2000;

/// The default work budget for `tasks` tasks: 2,000 contention-free predictions' worth up to
/// 6,000 tasks, then 1.2 * 10^7 units (120 contention-free predictions at 10^5 tasks, about 3 s
/// of one core), so the time grows linearly to 6,000 tasks and stays flat above.
std::uint64_t pareto_budget_units(std::uint64_t tasks);

struct ParetoCandidate {
  std::string planner;
  std::string config;       ///< forced configuration; empty: the planner's own choice
  bool passes = false;      ///< improved by every pass (ParetoOptions::objective)
  std::uint32_t moves = 0;  ///< moves of the local search kept (on the candidate it started from)
  std::int64_t makespan_us = 0;
  double cost_usd = 0;
  bool on_front = false;  ///< no other candidate is at least as fast and as cheap, and better
};

struct ParetoResult {
  std::vector<ParetoCandidate> candidates;  ///< in the order tried
  std::vector<std::size_t> front;           ///< the candidates on the front, fastest first
  std::optional<std::size_t> picked;        ///< the candidate the plan is (its prediction)
  Plan plan;                                ///< the picked candidate's plan
  /// When nothing meets the deadline or the budget: by how much the best candidate misses.
  std::string miss;
  // What the search did (deterministic: counted, not timed).
  std::uint64_t budget_units = 0;  ///< the work budget
  std::uint64_t used_units = 0;    ///< spent (may pass the budget by the mandatory work)
  std::uint32_t screened = 0;      ///< contention-free predictions (plans and moves screened)
  std::uint32_t predictions = 0;   ///< contention-aware predictions, the passes' included
  std::uint32_t moves_tried = 0;   ///< moves of the local search confirmed by predict()
};

/// The critical chain of a prediction, from the task that ends last back to a root: through the
/// task of the same instance whose end freed the slot it waited for, when it waited for one after
/// its producers, else through the producer that finished last (ties by id). Task indices, the
/// last first.
std::vector<std::uint32_t> critical_chain(const Workflow& workflow, const Prediction& prediction);

/// The local search's move against an upload on the critical chain (rule 9, docs/decisions/0044):
/// every consumer of task `t` on another worker duplicates `t` (runs it itself in its slot), so
/// that `t`'s output is needed on its own worker only and `t`'s slot - and its worker's next
/// task - no longer waits for its upload; a stream from `t` to such a consumer goes (it would
/// not read it). False, and `plan` unchanged, when `t` has no consumer elsewhere or one cannot
/// duplicate it (flexible, or duplicating another producer). The duplicates' own validity
/// (check_plan(): a consumer left without an input to wait for) is the caller's to check.
bool duplicate_at_consumers(Plan& plan, const Workflow& workflow, std::uint32_t t);

/// Plans with every other planner on its own configuration and predicts each (all of them up to
/// kFullPassTasks tasks, above it the default planner and those its share allows); then each
/// planner on each configuration within a share of the budget, each screened by
/// predict_contention_free() and the estimate's front confirmed by predict(); runs the passes
/// on the default planner's plan, the other planners' and the front's fastest members (in full
/// on every planner's own plan up to kFullPassTasks tasks, within a share above); picks as
/// ParetoOptions says; then the local search on the pick within its share (docs/decisions/0022
/// gives the shares). Deterministic: ties by makespan, cost, then order tried; moves in a fixed
/// order, ties by id.
ParetoResult pareto_search(const ExecutionModel& model, const ParetoOptions& options);

}  // namespace dagplan
