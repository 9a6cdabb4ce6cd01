#pragma once
/// \file
/// The rules of a run (DESIGN.md section 2, rules 1-3 and 7, with the choices of
/// docs/decisions/0003-run-semantics.md and 0007-machines-direct-transfers-order.md), written
/// once as an event-driven engine: invocations, the warm-container pool and keep-alive, the
/// concurrency limit and a cluster's machines, strict and flexible workers, task orders,
/// dependency counters, ready events, worker exits. How long a task's phases take once it has a
/// slot is left to a TaskRunner: the predictor's runner computes them in closed form without
/// contention; the simulator's runner lets transfers share bandwidth and tasks share vCPUs and
/// draws noise. Because both drive this one engine, they agree exactly whenever contention and
/// noise are impossible.
///
/// The engine's own state (its records and event queue) is private to libplanner/src.

#include <cstdint>
#include <memory>
#include <vector>

#include "dagplan/model.hpp"
#include "dagplan/plan.hpp"
#include "dagplan/predictor.hpp"

namespace dagplan {

class RunEngine;

/// How a task's phases take time. start_task() is called when a task takes a slot; the runner
/// must eventually call RunEngine::finish_task() for it (at once, or from one of its own events
/// scheduled with RunEngine::schedule()).
class TaskRunner {
 public:
  virtual ~TaskRunner() = default;
  /// Task `task` took a slot on instance `inst` at engine.now() (the instance may still be
  /// starting: it can run from instance(inst).ready_us on).
  virtual void start_task(RunEngine& engine, std::uint32_t inst, std::uint32_t task) = 0;
  /// One of the runner's own events (scheduled with RunEngine::schedule) is due.
  virtual void on_event(RunEngine& engine, std::uint32_t subject) {
    (void)engine;
    (void)subject;
  }
  /// Start-up time of an instance; the simulator adds noise here.
  virtual std::int64_t startup_us(RunEngine& engine, std::uint32_t inst, bool warm);
  /// Delayed I/O (RunEngine::hold_output): the wait of task `task` on `inst` is over at now();
  /// `upload`: it timed out and the output goes to storage now, else it never does. The runner
  /// must then call finish_task(). This one uploads in closed form (the full bandwidth).
  virtual void release_output(RunEngine& engine, std::uint32_t inst, std::uint32_t task,
                              bool upload);
};

class RunEngine {
 public:
  static constexpr std::uint32_t kNone = 0xffffffffu;
  static constexpr std::int64_t kAlwaysLocal = INT64_MIN;

  /// `model`, `plan` and `runner` must outlive the engine. Throws Error when the plan does not
  /// fit the model (check_plan()).
  RunEngine(const ExecutionModel& model, const Plan& plan, const PredictOptions& options,
            TaskRunner& runner);
  ~RunEngine();
  RunEngine(const RunEngine&) = delete;
  RunEngine& operator=(const RunEngine&) = delete;

  /// Runs to the end and returns the timeline, makespan and cost (not the lower bounds, which
  /// do not depend on the run: the caller adds them). Throws Error when the plan cannot
  /// complete.
  Prediction run();

  // --- For runners. -------------------------------------------------------------------------
  std::int64_t now() const;
  const ExecutionModel& model() const;
  const Plan& plan() const;
  /// Instance `i` as far as it has come (worker, configuration, machine, start-up times).
  const InstancePrediction& instance(std::uint32_t i) const;
  /// The timeline record of task `t`, for the runner to fill (start_us and ready_us are set by
  /// the engine).
  TaskPrediction& record(std::uint32_t t);
  /// Rule 6: whether the output of `t` running on `inst` must be uploaded (a consumer may run
  /// elsewhere, or it is a sink). Never with point-to-point transfers.
  bool must_upload(std::uint32_t inst, std::uint32_t t) const;

  /// Remote input bytes of `t` on `inst` (literal inputs plus outputs produced elsewhere; with a
  /// duplicate (Plan::dup), those of its run_inputs() and the duplicated producer's literal
  /// input), and the time the last of them was in storage.
  struct RemoteInputs {
    std::uint64_t bytes = 0;
    bool any = false;
    std::int64_t stored_us = 0;
  };
  /// Storage transfers: the inputs of `t` to download on `inst`. Inputs produced on `inst`
  /// before `local_since` count as remote (a worker restarted after a crash lost what it had
  /// kept locally). With point-to-point transfers: the literal inputs only.
  RemoteInputs remote_inputs(std::uint32_t inst, std::uint32_t t,
                             std::int64_t local_since = kAlwaysLocal) const;
  /// Whether the output of finished task `q` is local to instance `inst`: it ran there (after
  /// `local_since`), or, with point-to-point transfers, on the same machine.
  bool is_local(std::uint32_t q, std::uint32_t inst, std::int64_t local_since) const;
  /// With pre-load, each remote input is downloaded as soon as it is stored and the worker is
  /// ready, one transfer each, without contention. Returns the bytes, and in `stored_us` when
  /// the last download ends (at least record(t).start_us), or, when receiving takes CPU
  /// (ExecutionModel::receive_takes_cpu()), at least record(t).start_us plus the CPU the bytes
  /// received while an earlier task of `inst` executed took from it (decision 0028).
  RemoteInputs preloaded_inputs(std::uint32_t inst, std::uint32_t t,
                                std::int64_t local_since = kAlwaysLocal) const;

  /// Point-to-point transfers: when the transfer of a producer's output to the machine of a task
  /// starts. To a worker pinned to a machine, as soon as the producer's execution ends (it is
  /// pushed); otherwise when the task takes its slot and its machine is known (`took_slot_us`):
  /// max(producer's exec_end_us, that).
  std::int64_t direct_transfer_start_us(std::uint32_t producer, std::uint32_t inst,
                                        std::int64_t took_slot_us) const;
  /// The machine instance `inst` runs on (kNone on a serverless platform).
  std::uint32_t machine(std::uint32_t inst) const;

  /// Schedules the runner's on_event(subject) at `time` >= now().
  void schedule(std::int64_t time, std::uint32_t subject);
  /// The runner's one movable event: on_event(subject) at `time` >= now(), in place of the one
  /// moved here before if it has not come yet (it is then never delivered). Ordered among the
  /// other events as if schedule() had been called now.
  void move_event(std::int64_t time, std::uint32_t subject);
  /// Drops the movable event if it has not come yet.
  void cancel_moved_event();
  /// What becomes of `t`'s output when its execution on `inst` ends (now): whether it goes to
  /// storage (rule 6, or a streamed consumer's fallback) and how many streams it feeds (rule
  /// 10, streams_now()): each streamed consumer whose worker has an instance that was ready
  /// before now, and is not leaving, takes it by stream (from now on local to that instance,
  /// and kept there: flushed to storage if that instance is evicted before using it).
  struct Output {
    bool upload = false;
    std::uint32_t streams = 0;
  };
  Output output_at_exec_end(std::uint32_t inst, std::uint32_t t);
  /// Whether `t` may stream its output (Plan::stream): the runner then asks
  /// output_at_exec_end() at the end of its execution rather than must_upload() beforehand.
  bool has_streams(std::uint32_t t) const;
  /// Of the streams used so far, the one from `q` to instance `inst`, or nullptr.
  const StreamPrediction* stream_to(std::uint32_t q, std::uint32_t inst) const;
  /// The runner is done with task `t`: its output exists locally at record(t).exec_end_us and,
  /// if `uploaded`, in storage at `upload_end_us`; its streams (output_at_exec_end()), if any,
  /// ended at `streams_end_us`; counters (one storage operation) follow the later of both and
  /// the task finishes at record(t).finish_us (set here).
  void finish_task(std::uint32_t t, bool uploaded, std::int64_t upload_end_us,
                   std::int64_t streams_end_us = 0);
  /// Rule 12: the DAG fetch of instance `inst` at start-up (once it started): none when its
  /// worker takes its part of the DAG in the invocation (Plan::worker_inline_dag), nor on a warm
  /// start in a container whose process read the whole DAG already (it keeps it, as dagworker
  /// does; decision 0035), else ExecutionModel::dag_fetch_us().
  std::int64_t dag_fetch_us(std::uint32_t inst) const;
  /// Rule 12: the code fetch of instance `inst` at start-up: on a cold start, the code of every
  /// function the plan runs on its configuration (ExecutionModel::code_bytes()), in one transfer;
  /// none on a warm start (the container has it) or when no function's code is counted.
  std::int64_t code_fetch_us(std::uint32_t inst, bool warm) const;
  /// Delayed I/O (Plan::delay_io, rule 11): whether task `t` on `inst` holds its output back
  /// when its execution ends (then the runner calls hold_output() instead of uploading).
  bool delays_upload(std::uint32_t inst, std::uint32_t t) const;
  /// Task `t` (delays_upload()) holds its output from record(t).exec_end_us (>= now()): the
  /// engine watches its fan-in child's counter and calls the runner's release_output() when the
  /// child's other inputs are all counted (no upload) or the plan's wait has run out (upload).
  void hold_output(std::uint32_t t);
  /// Task `t`'s delayed-I/O record (Prediction::delays), or nullptr if it does not delay.
  const DelayedPrediction* delay_record(std::uint32_t t) const;
  /// Task-dup (Plan::dup): task `t`'s slot ran its duplicate of plan().duplicate(t) from
  /// `exec_start_us` to `exec_end_us` (recorded for the prediction; a later attempt's replaces
  /// it).
  void duplicate_ran(std::uint32_t t, std::int64_t exec_start_us, std::int64_t exec_end_us);
  std::uint64_t events() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dagplan
