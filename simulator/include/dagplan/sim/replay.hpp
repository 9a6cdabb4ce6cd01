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

struct ReplayReport {
  std::string workflow;
  std::size_t tasks = 0;
  double actual_makespan_s = 0, predicted_makespan_s = 0, simulated_makespan_s = 0;
  double actual_cost_usd = 0, predicted_cost_usd = 0, simulated_cost_usd = 0;
  std::vector<PhaseComparison> phases;
  std::vector<TaskComparison> worst_tasks;  ///< largest relative errors first (at most 10)
  std::vector<std::string> assumptions;
};

/// Replays `trace`. With `profile`, the platform is calibrated by it first.
ReplayReport replay(const Trace& trace, const Profile* profile, const SimOptions& options);

/// Makespan relative error: (predicted - actual) / actual.
double relative_error(double predicted, double actual);

}  // namespace dagplan::sim
