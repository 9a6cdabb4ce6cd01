#pragma once
/// \file
/// Many seeded runs of one plan: the distribution of makespan and cost over the seeds, and what
/// went wrong in which run. `dagsim simulate --runs N` prints it; dagbench reports its p50 and
/// p95.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dagplan/model.hpp"
#include "dagplan/plan.hpp"
#include "dagplan/sim/simulator.hpp"
#include "dagplan/sim/trace.hpp"

namespace dagplan::sim {

/// One run of simulate_runs().
struct RunOutcome {
  std::uint64_t seed = 0;
  std::int64_t makespan_us = 0;
  double cost_usd = 0;
  std::uint64_t events = 0;
  bool failed = false;  ///< a task ran out of attempts (SimResult::failed)
  std::string failure;  ///< which, and why
};

struct RunStatistics {
  std::vector<RunOutcome> runs;  ///< in run order: seeds S, S + 1, ...
  /// Over the runs that completed (a failed run has no makespan: it stopped when a task ran out
  /// of attempts); seconds and dollars. All zero when every run failed.
  Distribution makespan_s;
  Distribution cost_usd;
  std::uint64_t events = 0;  ///< discrete events, summed over the runs
  std::uint64_t failed_runs = 0;
  /// Wall-clock seconds spent inside simulate(), summed over the runs.
  double simulate_seconds = 0;
  /// The first run's trace, when SimOptions::record_trace (the other runs record none).
  Trace first_trace;
};

/// Simulates `plan` `runs` times with `options`, run k with seed options.seed + k. Deterministic:
/// the same options give the same statistics (simulate_seconds aside). A run that fails (a task
/// out of attempts) is counted and kept; an Error that simulate() throws propagates.
/// `progress`, when given, is called after each run with the number of runs done.
RunStatistics simulate_runs(const ExecutionModel& model, const Plan& plan,
                            const SimOptions& options, std::uint32_t runs,
                            const std::function<void(std::uint32_t done)>& progress = {});

}  // namespace dagplan::sim
