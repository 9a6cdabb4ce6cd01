#pragma once
/// \file
/// The event-level run: the rules of a run (RunEngine) with every phase of a task as events -
/// transfers that share a worker's bandwidth, the storage's aggregate bandwidth and machines'
/// links, tasks that share a worker's vCPUs - and, on request, seeded noise and faults. It is
/// the one code behind both the contention-aware prediction (predict(): no noise, no faults)
/// and the simulator (dagsim simulate), so the two give the same timeline to the microsecond
/// whenever noise and faults are off. docs/decisions/0004 and 0008.

#include <cstdint>
#include <string>
#include <vector>

#include "dagplan/attempt.hpp"
#include "dagplan/model.hpp"
#include "dagplan/plan.hpp"
#include "dagplan/predictor.hpp"

namespace dagplan {

struct NoiseOptions {
  bool enabled = false;
  /// Lognormal sigma of execution times for functions whose profile gives none.
  double exec_sigma = 0.10;
  /// Lognormal sigma of cold and warm start-up times.
  double startup_sigma = 0.20;
  /// Lognormal sigma of each transfer's latency.
  double latency_sigma = 0.30;
};

struct FaultOptions {
  /// Probability that a task attempt fails (at a uniformly drawn point of its execution) and is
  /// retried on the same worker.
  double task_failure = 0.0;
  /// Probability that the worker crashes during a task attempt; the platform restarts it (a cold
  /// start) and the task is retried there. A worker that may crash writes every output through
  /// to storage, so a restarted worker re-reads what it had produced.
  double worker_crash = 0.0;
  /// Attempts per task before the run fails.
  std::uint32_t max_attempts = 4;
  /// Wait before a retry.
  std::int64_t retry_delay_us = 0;
};

struct EventRunOptions {
  std::uint64_t seed = 1;
  /// Transfers share bandwidth (per worker, the storage's aggregate, machines' links), tasks
  /// share vCPUs. Off: every transfer at its worker's full bandwidth.
  bool contention = true;
  NoiseOptions noise;
  FaultOptions faults;
  PredictOptions start;  ///< warm containers at t=0
  /// Record every attempt of every task (EventRunResult::attempts).
  bool record_attempts = false;
};

struct EventRunResult {
  Prediction timeline;       ///< the predictor's shape (last attempt per task); bounds not set
  std::uint64_t events = 0;  ///< discrete events processed (engine and runner)
  /// Of those, completions superseded by a rate change (a transfer or execution rescheduled
  /// before its old end): processed and discarded.
  std::uint64_t superseded_events = 0;
  std::uint64_t failed_attempts = 0;
  std::uint64_t crashes = 0;
  std::string failure;  ///< a task that ran out of attempts, and why (empty: none)
  std::vector<std::vector<TraceAttempt>> attempts;  ///< per task, with record_attempts
  /// Per instance of `timeline`, with record_attempts: the DAG fetch its start-up included (rule
  /// 12; 0 where it held the DAG or had its part, decision 0035), for the trace.
  std::vector<std::int64_t> dag_fetch_us;
};

/// Runs `plan` event by event. Deterministic for a given seed (and without noise and faults,
/// for any seed). O((V + E) log V) events. Throws Error when the plan cannot complete.
EventRunResult run_events(const ExecutionModel& model, const Plan& plan,
                          const EventRunOptions& options);

}  // namespace dagplan
