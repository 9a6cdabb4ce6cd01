#pragma once
/// \file
/// Replay: rebuild the workflow, plan and platform a trace ran with, predict and simulate the
/// same plan, and report predicted (and simulated) against actual - makespan, cost, and per phase
/// (startup, download, execution, upload, waiting) the totals and the median and p95 relative
/// errors, plus the tasks with the largest errors.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dagplan/profile.hpp"
#include "dagplan/sim/simulator.hpp"
#include "dagplan/sim/trace.hpp"

namespace dagplan::sim {

struct PhaseComparison {
  std::string phase;        ///< startup, download, execution, upload, waiting
  std::size_t samples = 0;  ///< instances (startup) or successful task attempts
  double actual_total_s = 0;
  double predicted_total_s = 0;
  double simulated_total_s = 0;
  double median_relative_error = 0;  ///< over samples with a non-zero actual value
  double p95_relative_error = 0;
};

struct TaskComparison {
  std::string task;
  double actual_s = 0;  ///< ready to finish
  double predicted_s = 0;
  double relative_error = 0;
};

/// One optimisation pass of the replayed plan (docs/optimisations.md): what the prediction says
/// it buys, and the fact that shows it worked, as predicted and as the trace recorded it.
struct PassEffect {
  std::string pass;
  std::uint32_t changes = 0;  ///< as the plan's record says (0: annotated by hand, no record)
  /// The prediction of the plan without the pass's annotations less the prediction with them.
  double predicted_makespan_gain_s = 0, predicted_cost_gain_usd = 0;
  std::string fact;  ///< what the run shows of the pass, e.g. "pre-warmed workers started warm"
  std::string unit;  ///< "s" for times, else a count (and `out_of` says of how many)
  double predicted = 0, actual = 0;
  std::size_t out_of = 0;
};

struct ReplayReport {
  std::string workflow;
  std::size_t tasks = 0;
  double actual_makespan_s = 0, predicted_makespan_s = 0, simulated_makespan_s = 0;
  double actual_cost_usd = 0, predicted_cost_usd = 0, simulated_cost_usd = 0;
  std::vector<PhaseComparison> phases;
  std::vector<TaskComparison> worst_tasks;  ///< largest relative errors first (at most 10)
  std::vector<PassEffect> passes;           ///< per pass the plan ran or carries, in registry order
  std::vector<std::string> assumptions;
};

/// Replays `trace`. With `profile`, the platform is calibrated by it first.
ReplayReport replay(const Trace& trace, const Profile* profile, const SimOptions& options);

/// Makespan relative error: (predicted - actual) / actual.
double relative_error(double predicted, double actual);

}  // namespace dagplan::sim
