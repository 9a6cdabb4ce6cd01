#pragma once
/// \file
/// Planners side by side on one workflow and platform: each plans, its plan is predicted, and the
/// prediction is set against the lower bounds. `dagplan compare` prints it; dagbench runs it on
/// every workflow of its suite.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "dagplan/model.hpp"
#include "dagplan/plan.hpp"
#include "dagplan/planner.hpp"
#include "dagplan/predictor.hpp"

namespace dagplan {

/// Makespan over the makespan lower bound (max of critical path and work over concurrency),
/// both in seconds; 0 when the bound is 0 (it says nothing).
double makespan_over_bound(std::int64_t makespan_us, const LowerBounds& bounds);

/// Cost over the cost floor; 0 when the floor is 0.
double cost_over_floor(double cost_usd, const LowerBounds& bounds);

struct CompareOptions {
  /// Given to every planner (e.g. a forced configuration).
  PlannerOptions planner;
  /// Run on each plan after planning and before prediction (e.g. optimisation passes); its time
  /// is not planning time. Empty: nothing.
  std::function<void(const ExecutionModel&, Plan&)> after_planning;
  /// false: an Error from planning, after_planning or prediction propagates. true: it is
  /// recorded in the planner's row (ComparisonRow::error) and the comparison goes on.
  bool keep_going = false;
  /// Keep each plan in its row (ComparisonRow::plan), e.g. to simulate it afterwards.
  bool keep_plans = false;
  /// Called before each planner runs, with its name, its index and the number of planners.
  std::function<void(const std::string& planner, std::size_t index, std::size_t count)> on_planner;
};

/// One planner's plan and its prediction.
struct ComparisonRow {
  std::string planner;  ///< registry name
  /// What went wrong, when CompareOptions::keep_going caught an Error; the figures below are
  /// then zero (planning_s is kept when planning itself succeeded).
  std::string error;
  std::int64_t makespan_us = 0;  ///< predicted (contention-aware)
  CostBreakdown cost;            ///< predicted
  /// The same plan predicted without contention (predict_contention_free()).
  std::int64_t contention_free_makespan_us = 0;
  double makespan_over_bound = 0;
  double cost_over_floor = 0;
  std::size_t workers = 0;    ///< logical (strict) workers in the plan
  std::size_t instances = 0;  ///< worker instances in the prediction
  std::uint32_t cold_starts = 0;
  std::uint32_t warm_starts = 0;
  /// Wall-clock seconds of Planner::plan() alone (run_planner()): not the planner's construction,
  /// the plan's validity check, after_planning or the prediction.
  double planning_s = 0;
  Plan plan;  ///< with CompareOptions::keep_plans (and no error); otherwise empty

  bool ok() const { return error.empty(); }
};

struct Comparison {
  LowerBounds bounds;               ///< the model's, shared by every row
  std::vector<ComparisonRow> rows;  ///< one per planner, in the order they were given
};

/// Plans `model` with each named planner (registry names, e.g. from PlannerRegistry::select())
/// and predicts each plan. One planner at a time; only the figures are kept (and the plan, with
/// keep_plans), not the per-task predictions. Throws UsageError on an unknown name (before it
/// plans with that planner), and Error as CompareOptions::keep_going says.
Comparison compare_planners(const ExecutionModel& model, const std::vector<std::string>& planners,
                            const CompareOptions& options = {});

/// One row of a comparison as files hold it (seconds, dollars): `dagplan compare --format json`.
struct CompareRow {
  std::string planner;
  double makespan_s = 0;
  double cost_usd = 0;
  double makespan_over_bound = 0;
  double cost_over_floor = 0;
  std::uint64_t workers = 0;
  std::uint64_t instances = 0;
  std::uint64_t cold_starts = 0;
  double planning_s = 0;

  bool operator==(const CompareRow&) const = default;
};

/// A comparison as files hold it: what `dagplan compare --format json` writes and `dagplan
/// report --compare` reads. Rows of planners that failed (ComparisonRow::error) are left out.
struct CompareTable {
  std::string workflow;
  std::uint64_t tasks = 0;
  std::string platform;
  double lower_bound_makespan_s = 0;
  double cost_floor_usd = 0;
  std::vector<CompareRow> rows;

  bool operator==(const CompareTable&) const = default;
};

/// `c` in the units of files, for the workflow and platform of `model`.
CompareTable compare_table(const Comparison& c, const ExecutionModel& model);

/// The JSON text of `t` (indented by two spaces, no final newline).
std::string write_compare(const CompareTable& t);

/// Reads the text write_compare() writes. Throws InputError naming `file` and the JSON path of
/// what is missing or of the wrong type.
CompareTable read_compare(std::string_view text, const std::string& file);

}  // namespace dagplan
