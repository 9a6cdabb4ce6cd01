#pragma once
/// \file
/// The joint makespan/cost planner (`pareto`): the other planners, each on its own choice of
/// configuration and on every configuration, are its candidates; the contention-aware prediction
/// judges them; the optimisation passes improve the best of them, each improved plan one more
/// candidate. It returns the cheapest plan that meets a deadline, the fastest within a budget,
/// or - without either - the fastest that costs no more than the default planner's plan with
/// the passes; and the Pareto front of makespan against cost over everything it tried.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dagplan/model.hpp"
#include "dagplan/passes.hpp"
#include "dagplan/plan.hpp"
#include "dagplan/planner.hpp"

namespace dagplan {

struct ParetoOptions {
  std::optional<double> deadline_s;  ///< the cheapest plan that ends within it
  std::optional<double> budget_usd;  ///< the fastest plan that costs at most this
  PassObjective objective;           ///< the passes' bounds (their objective: cost under a
                                     ///< deadline, else makespan)
  bool passes = true;                ///< run every pass on the best candidates
};

struct ParetoCandidate {
  std::string planner;
  std::string config;   ///< forced configuration; empty: the planner's own choice
  bool passes = false;  ///< improved by every pass (ParetoOptions::objective)
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
};

/// Plans with every other planner (on its own configuration, then on each configuration, while
/// the candidates' tasks stay within a work budget of 4 * 10^6), predicts each, runs the passes
/// on the default planner's plan and on the front's fastest members (all up to 2,000 tasks, two
/// at 10^5), marks the front and picks as ParetoOptions says. Deterministic: ties by makespan,
/// cost, then order tried.
ParetoResult pareto_search(const ExecutionModel& model, const ParetoOptions& options);

}  // namespace dagplan
