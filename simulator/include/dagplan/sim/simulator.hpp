#pragma once
/// \file
/// The discrete-event simulator: the rules of a run (the same RunEngine as the predictor) with
/// what the predictor leaves out - transfers that share a worker's bandwidth and the storage's
/// aggregate bandwidth, tasks that share a worker's vCPUs, seeded noise on execution, start-up
/// and transfers, and faults (task failures and worker crashes) with retries. With noise and
/// faults off and contention impossible it reproduces the predictor's timeline exactly.

#include <cstdint>
#include <string>
#include <vector>

#include "dagplan/event_run.hpp"
#include "dagplan/model.hpp"
#include "dagplan/plan.hpp"
#include "dagplan/predictor.hpp"
#include "dagplan/sim/trace.hpp"

namespace dagplan::sim {

using dagplan::FaultOptions;
using dagplan::NoiseOptions;

/// The event run's options (seed, contention, noise, faults, warm start) plus the trace.
struct SimOptions : EventRunOptions {
  /// Record a full trace (instances, attempts, inputs) in SimResult::trace.
  bool record_trace = false;
};

struct SimResult {
  Prediction timeline;       ///< same shape as the predictor's (last attempt per task)
  std::uint64_t events = 0;  ///< discrete events processed
  /// Of those, completions superseded by a rate change (a transfer or execution rescheduled
  /// before its old end): processed and discarded.
  std::uint64_t superseded_events = 0;
  std::uint64_t failed_attempts = 0;
  std::uint64_t crashes = 0;
  bool failed = false;  ///< a task ran out of attempts
  std::string failure;  ///< which, and why
  Trace trace;          ///< when SimOptions::record_trace
};

/// Simulates `plan`. Deterministic for a given seed. Throws Error if the plan cannot complete.
SimResult simulate(const ExecutionModel& model, const Plan& plan, const SimOptions& options);

/// Summary statistics of a sample (makespans or costs).
struct Distribution {
  double mean = 0, p50 = 0, p95 = 0, p99 = 0, min = 0, max = 0;
};
Distribution distribution(std::vector<double> sample);

}  // namespace dagplan::sim
