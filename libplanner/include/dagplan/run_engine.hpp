#pragma once
/// \file
/// The rules of a run (DESIGN.md section 2, rules 1-3 and 7, with the choices of
/// docs/decisions/0003-run-semantics.md), written once as an event-driven engine: invocations,
/// the warm-container pool and keep-alive, the concurrency limit, strict and flexible workers,
/// dependency counters, ready events, worker exits. How long a task's phases take once it has a
/// slot is left to a TaskRunner: the predictor's runner computes them in closed form without
/// contention; the simulator's runner lets transfers share bandwidth and tasks share vCPUs and
/// draws noise. Because both drive this one engine, they agree exactly whenever contention and
/// noise are impossible.

#include <cstdint>
#include <deque>
#include <queue>
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
};

class RunEngine {
 public:
  static constexpr std::uint32_t kNone = 0xffffffffu;
  static constexpr std::int64_t kAlwaysLocal = INT64_MIN;

  RunEngine(const ExecutionModel& model, const Plan& plan, const PredictOptions& options,
            TaskRunner& runner);

  /// Runs to the end and returns the timeline, makespan and cost (not the lower bounds, which
  /// do not depend on the run: the caller adds them). Throws Error when the plan cannot
  /// complete.
  Prediction run();

  // --- For runners. -------------------------------------------------------------------------
  std::int64_t now() const { return now_; }
  const ExecutionModel& model() const { return m_; }
  const Plan& plan() const { return plan_; }
  /// Instance `i` as far as it has come (worker, configuration, start-up times).
  const InstancePrediction& instance(std::uint32_t i) const { return inst_[i]; }
  /// The timeline record of task `t`, for the runner to fill (start_us and ready_us are set by
  /// the engine).
  TaskPrediction& record(std::uint32_t t) { return tp_[t]; }
  /// Rule 6: whether the output of `t` running on `inst` must be uploaded (a consumer may run
  /// elsewhere, or it is a sink).
  bool must_upload(std::uint32_t inst, std::uint32_t t) const;
  /// Remote input bytes of `t` on `inst` (literal inputs plus outputs produced elsewhere), and
  /// the time the last of them was in storage.
  struct RemoteInputs {
    std::uint64_t bytes = 0;
    bool any = false;
    std::int64_t stored_us = 0;
  };
  /// Inputs produced on `inst` before `local_since` count as remote (a worker restarted after a
  /// crash lost what it had kept locally).
  RemoteInputs remote_inputs(std::uint32_t inst, std::uint32_t t,
                             std::int64_t local_since = kAlwaysLocal) const;
  /// Whether the output of finished task `q` is local to instance `inst` (it ran there, after
  /// `local_since`).
  bool is_local(std::uint32_t q, std::uint32_t inst, std::int64_t local_since) const {
    return ts_[q].instance == inst &&
           (local_since == kAlwaysLocal || tp_[q].exec_end_us >= local_since);
  }
  /// With pre-load, each remote input is downloaded as soon as it is stored and the worker is
  /// ready, one transfer each, without contention. Returns the bytes, and in `stored_us` when
  /// the last download ends (at least record(t).start_us).
  RemoteInputs preloaded_inputs(std::uint32_t inst, std::uint32_t t,
                                std::int64_t local_since = kAlwaysLocal) const;
  /// Schedules the runner's on_event(subject) at `time` >= now().
  void schedule(std::int64_t time, std::uint32_t subject) {
    push(time, EventKind::kCustom, subject);
  }
  /// The runner is done with task `t`: its output exists locally at record(t).exec_end_us and,
  /// if `uploaded`, in storage at `upload_end_us`; counters (one storage operation) follow and
  /// the task finishes at record(t).finish_us (set here).
  void finish_task(std::uint32_t t, bool uploaded, std::int64_t upload_end_us);
  std::uint64_t events() const { return seq_; }

 private:
  enum class EventKind : std::uint8_t {
    kInstanceStart,
    kTaskReady,
    kTaskDone,
    kInstanceExit,
    kCustom
  };
  // 16 bytes: time, then insertion order (equal times are first-in first-out), with the kind and
  // the subject (task or instance) packed in the same word: seq in the high 29 bits.
  struct Event {
    std::int64_t time;
    std::uint64_t key;  // seq << 35 | kind << 32 | subject
  };
  // Events by (time, insertion order). Every event is scheduled at or after now, so times taken
  // out never decrease: a radix heap over the times. Bucket i > 0 holds the events whose time
  // first differs from the last time taken at bit i - 1; bucket 0 those due at that time, in
  // insertion order. Pushing is O(1); each event moves down a few buckets before it is taken.
  class EventQueue {
   public:
    bool empty() const { return size_ == 0; }
    void push(const Event& e);  // e.time >= the last time taken
    Event pop();                // the first by (time, insertion order); not empty()

   private:
    static unsigned index_of(std::uint64_t time, std::uint64_t last) {
      return time == last ? 0u : 64u - static_cast<unsigned>(__builtin_clzll(time ^ last));
    }
    std::vector<Event> bucket_[65];
    std::size_t head_ = 0;        // taken prefix of bucket_[0]
    std::uint64_t last_ = 0;      // the last time taken
    std::uint64_t nonempty_ = 0;  // bit i - 1: bucket_[i] is not empty
    std::size_t size_ = 0;
  };

  void push(std::int64_t time, EventKind kind, std::uint32_t subject);
  RemoteInputs remote_inputs_walk(std::uint32_t inst, std::uint32_t t,
                                  std::int64_t local_since) const;
  std::uint32_t new_instance(std::uint32_t worker, ConfigId config, std::int64_t at);
  bool has_capacity(ConfigId c) const;
  void request_start(std::uint32_t id);
  void start_instance(std::uint32_t id);
  void enqueue(std::uint32_t inst, std::uint32_t t);
  void fill_slots(std::uint32_t inst);
  void task_done(std::uint32_t t);
  void evict_idle();
  void exit_instance(std::uint32_t id, std::int64_t at);
  void release(std::uint32_t id);
  [[noreturn]] void deadlock();
  Prediction finish();

  const ExecutionModel& m_;
  const Workflow& w_;
  const Plan& plan_;
  TaskRunner& runner_;
  const std::size_t n_;
  // The engine's own state of an instance (its timeline is in inst_).
  struct InstanceState {
    std::uint32_t running = 0, slots = 1;
    std::uint32_t ready_in_flight = 0;  // ready events sent to it, not yet delivered
    std::uint32_t queue_head = kNone, queue_tail = kNone;  // FIFO of ready tasks
    std::uint32_t ran_head = kNone;                        // tasks started here
    std::uint32_t kept_head = kNone;  // chunks of the tasks whose output is only here
    std::uint32_t kept_fill = 0;      // tasks in the first of them
    std::uint32_t ran = 0;            // tasks started here
    bool started = false, exited = false;
    bool exiting = false;  // leaving: takes no more tasks
  };

  // What a producer updates of its consumer when it finishes, in one 32-byte record: consumers
  // lie anywhere in the array, and each visit should cost one cache miss (decision 0005). The
  // producer also adds its output to the consumer's local inputs when it ran on an instance of
  // the consumer's (strict) worker, so that the consumer need not visit its producers: a
  // worker's instances follow each other in time, so only those on the latest count.
  struct alignas(32) TaskState {
    std::uint64_t local_bytes = 0;     // outputs of producers on instance local_instance
    std::uint32_t missing = 0;         // dependency counter: inputs not yet complete
    std::uint32_t worker = kFlexible;  // the plan's worker
    std::uint32_t instance = kNone;    // the instance it is sent to and runs on
    std::uint32_t local_instance = kNone;
    std::uint32_t local_count = 0;
    // Rule 6 for its own output, decided before the run from its successors' workers:
    // kUploadAlways, kUploadNever, or the one worker on whose instances it may stay local.
    std::uint32_t upload_rule = 0;
  };
  static_assert(sizeof(TaskState) == 32);
  LargeVector<TaskState> ts_;
  static constexpr std::uint32_t kUploadAlways = 0xfffffffeu;
  static constexpr std::uint32_t kUploadNever = kNone;
  // A flexible task's local inputs are looked up among its instance's tasks up to this many.
  static constexpr std::uint32_t kShortRanList = 16;
  LargeVector<std::uint32_t> next_;  // link in its instance's queue, then ran list
  LargeVector<TaskPrediction> tp_;   // timelines (upload state included)
  // Per task: the latest time an evicted worker flushed one of its inputs to storage (empty
  // until the first eviction).
  LargeVector<std::int64_t> flushed_until_;
  // The tasks of a strict instance whose output was not uploaded, flushed if it is evicted: in
  // chunks of 15, so that walking them is not one cache miss per task.
  static constexpr std::uint32_t kKeptPerChunk = 15;
  struct KeptChunk {
    std::uint32_t task[kKeptPerChunk];
    std::uint32_t next;
  };
  std::vector<KeptChunk> kept_;
  std::uint32_t free_chunk_ = kNone;  // chunks of exited instances, linked by next
  // Per plan worker: its current instance (kNone when it has none) and its tasks not yet done.
  struct WorkerState {
    std::uint32_t instance = kNone;
    std::uint32_t remaining = 0;
  };
  std::vector<WorkerState> workers_;
  LargeVector<InstancePrediction> inst_;
  LargeVector<InstanceState> state_;
  std::vector<std::vector<WarmContainer>> pool_;
  std::vector<std::queue<std::uint32_t>> waiting_;
  std::vector<std::uint64_t> config_limit_, config_running_;
  std::uint64_t global_limit_ = 0, running_total_ = 0, waiting_count_ = 0;
  EventQueue events_;
  std::vector<std::uint32_t> continue_here_, flushed_;
  std::deque<std::uint32_t> idle_;
  std::uint64_t seq_ = 0;
  std::int64_t now_ = 0, makespan_ = 0;
  std::size_t done_ = 0;
};

}  // namespace dagplan
