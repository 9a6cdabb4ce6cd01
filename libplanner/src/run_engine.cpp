// The run engine (run_engine.hpp): the rules of a run, once, for the predictor and the
// simulator. Its memory layout is explained in docs/decisions/0005-engine-memory-layout.md;
// machines, point-to-point transfers and task orders in 0007.
#include "dagplan/run_engine.hpp"
#include "dagplan/run_rules.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <deque>
#include <iterator>
#include <queue>
#include <tuple>
#include <unordered_map>

#include "dagplan/error.hpp"
#include "run_engine_internal.hpp"

namespace dagplan {

std::int64_t TaskRunner::startup_us(RunEngine& engine, std::uint32_t inst, bool warm) {
  ConfigId c = engine.instance(inst).config;
  return engine.model().startup_us(c, warm) + engine.dag_fetch_us(inst) +
         engine.code_fetch_us(inst, warm);
}

void TaskRunner::release_output(RunEngine& engine, std::uint32_t inst, std::uint32_t task,
                                bool upload) {
  const ExecutionModel& m = engine.model();
  const std::int64_t end =
      upload ? engine.now() + m.transfer_us(m.workflow().output_bytes(TaskId{task}),
                                            engine.instance(inst).config)
             : engine.record(task).exec_end_us;
  engine.finish_task(task, upload, end);
}

class RunEngine::Impl {
 public:
  Impl(const ExecutionModel& model, const Plan& plan, const PredictOptions& options,
       TaskRunner& runner, RunEngine& self);

  Prediction run();

  // For the runners (through RunEngine).
  bool must_upload(std::uint32_t inst, std::uint32_t t) const {
    return dagplan::must_upload(ts_[t].upload_rule, inst_[inst].worker);
  }
  RemoteInputs remote_inputs(std::uint32_t inst, std::uint32_t t, std::int64_t local_since) const;
  bool is_local(std::uint32_t q, std::uint32_t inst, std::int64_t local_since) const {
    if (direct_) return inst_[ts_[q].instance].machine == inst_[inst].machine;
    return ts_[q].instance == inst &&
           (local_since == kAlwaysLocal || tp_[q].exec_end_us >= local_since);
  }
  // Whether consumer `t` on `inst` has `q`'s output by stream (Plan::stream: the edge's own
  // consumer only; another task of the instance reads that output as it would without it).
  bool streamed_here(std::uint32_t q, std::uint32_t t, std::uint32_t inst,
                     std::int64_t local_since) const {
    return !streamed_to_.empty() && plan_.streamed(q, t) && stream_to(q, inst) != nullptr &&
           (local_since == kAlwaysLocal || tp_[q].exec_end_us >= local_since);
  }
  Output output_at_exec_end(std::uint32_t inst, std::uint32_t t);
  bool has_streams(std::uint32_t t) const {
    return !plan_.stream.empty() && !plan_.streams_from(t).empty();
  }
  const StreamPrediction* stream_to(std::uint32_t q, std::uint32_t inst) const {
    auto it = streamed_to_.find(std::uint64_t{q} << 32 | inst);
    return it == streamed_to_.end() ? nullptr : &streams_[it->second];
  }
  RemoteInputs preloaded_inputs(std::uint32_t inst, std::uint32_t t,
                                std::int64_t local_since) const;
  std::int64_t direct_transfer_start_us(std::uint32_t q, std::uint32_t inst,
                                        std::int64_t took_slot_us) const {
    std::int64_t produced = tp_[q].exec_end_us;
    return pinned_machine(inst) != kNone ? produced : std::max(produced, took_slot_us);
  }
  void schedule(std::int64_t time, std::uint32_t subject) {
    push(time, EventKind::kCustom, subject);
  }
  void move_event(std::int64_t time, std::uint32_t subject) {
    events_.set_slot(make_event(time, EventKind::kCustom, subject));
  }
  void cancel_moved_event() { events_.clear_slot(); }
  void finish_task(std::uint32_t t, bool uploaded, std::int64_t upload_end_us,
                   std::int64_t streams_end_us);
  bool delays_upload(std::uint32_t inst, std::uint32_t t) const {
    return !delays_.empty() &&
           dagplan::delays_upload(plan_, t, ts_[t].upload_rule, inst_[inst].worker);
  }
  void hold_output(std::uint32_t t) { push(tp_[t].exec_end_us, EventKind::kHold, t); }
  std::int64_t dag_fetch_us(std::uint32_t inst) const {
    return state_[inst].fetches_dag ? m_.dag_fetch_us(inst_[inst].config) : 0;
  }
  DelayedPrediction* delay_record(std::uint32_t t) {
    auto it =
        std::lower_bound(delays_.begin(), delays_.end(), t,
                         [](const DelayedPrediction& d, std::uint32_t x) { return d.task < x; });
    return it != delays_.end() && it->task == t ? &*it : nullptr;
  }
  void duplicate_ran(std::uint32_t t, std::int64_t start, std::int64_t end) {
    auto it =
        std::lower_bound(dups_.begin(), dups_.end(), t,
                         [](const DuplicatePrediction& d, std::uint32_t x) { return d.task < x; });
    assert(it != dups_.end() && it->task == t);
    it->instance = ts_[t].instance;
    it->exec_start_us = start;
    it->exec_end_us = end;
  }

  const ExecutionModel& m_;
  const Plan& plan_;
  std::int64_t now_ = 0;
  std::uint64_t seq_ = 0;
  LargeVector<TaskPrediction> tp_;        // timelines (upload state included)
  LargeVector<InstancePrediction> inst_;  // instances, as far as they have come

 private:
  enum class EventKind : std::uint8_t {
    kInstanceStart,
    kTaskReady,
    kTaskDone,
    kInstanceExit,
    kCustom,
    kPrewarm,  // a pre-warm invocation reaches the platform (subject: its index in prewarms_)
    kHold,     // delayed I/O: a task's execution ended; it watches its child's counter
    kHoldEnd   // delayed I/O: a task's wait runs out
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
  //
  // Besides the heap, one event may sit in a slot, where it can be moved (replaced) without
  // leaving a stale copy behind: the runner's earliest end of a storage-bound transfer, which
  // moves whenever the storage's share changes. It is taken in its (time, insertion order) turn
  // as if it were in the heap.
  class EventQueue {
   public:
    bool empty() const { return size_ == 0 && !has_slot_; }
    /// Whether an event is due at the last time taken (they are all in bucket 0, or the slot).
    bool due_now() const {
      return head_ < bucket_[0].size() ||
             (has_slot_ && static_cast<std::uint64_t>(slot_.time) == now_);
    }
    void push(const Event& e);       // e.time >= the last time taken
    Event pop();                     // the first by (time, insertion order); not empty()
    void set_slot(const Event& e) {  // e.time >= the last time taken
      slot_ = e;
      has_slot_ = true;
    }
    void clear_slot() { has_slot_ = false; }

   private:
    static unsigned index_of(std::uint64_t time, std::uint64_t last) {
      return time == last ? 0u : 64u - static_cast<unsigned>(__builtin_clzll(time ^ last));
    }
    // Moves bucket_[i]'s events to the lower buckets they belong in relative to last_.
    void redistribute(unsigned i);
    Event take_slot() {
      has_slot_ = false;
      return slot_;
    }
    Event slot_{};
    bool has_slot_ = false;
    // When the slot came first, the lowest non-empty bucket and its earliest time, kept for the
    // next pop (pushes update them) instead of another pass over that bucket.
    unsigned low_ = 0;  // 0: not known
    std::uint64_t low_time_ = 0;
    // Bucket 0 holds the events due at now_, the time of the last event taken; the others are
    // relative to last_, the last time taken from the buckets (now_ is later when the slot's
    // event came between two of theirs).
    std::vector<Event> bucket_[65];
    std::size_t head_ = 0;        // taken prefix of bucket_[0]
    std::uint64_t now_ = 0;       // the time of the last event taken
    std::uint64_t last_ = 0;      // the last time taken from the buckets
    std::uint64_t nonempty_ = 0;  // bit i - 1: bucket_[i] is not empty
    std::size_t size_ = 0;
  };

  void push(std::int64_t time, EventKind kind, std::uint32_t subject) {
    events_.push(make_event(time, kind, subject));
  }
  // The event with the next sequence number (checked: not in the past, not too many).
  Event make_event(std::int64_t time, EventKind kind, std::uint32_t subject);
  std::vector<std::uint32_t> done_now_, done_batch_;  // tasks ending at now_, not yet done
  RemoteInputs remote_inputs_walk(std::uint32_t inst, std::uint32_t t,
                                  std::int64_t local_since) const;
  std::uint32_t new_instance(std::uint32_t worker, ConfigId config, std::int64_t at);
  // The machine a strict worker's instance is pinned to (global index), else kNone.
  std::uint32_t pinned_machine(std::uint32_t inst) const {
    std::uint32_t k = inst_[inst].worker;
    if (k == kFlexible || !fixed_) return kNone;
    std::uint32_t m = plan_.machine(k);
    return m == kAnyMachine ? kNone : m_.machine_begin(inst_[inst].config) + m;
  }
  // The lowest machine of configuration `c` with a free core, or kNone.
  std::uint32_t free_machine(ConfigId c) const;
  void take_core(std::uint32_t machine);
  void return_core(std::uint32_t machine);
  bool can_start(std::uint32_t id) const;
  std::uint32_t queue_of(std::uint32_t id) const {
    std::uint32_t pin = pinned_machine(id);
    return pin == kNone ? index(inst_[id].config)
                        : static_cast<std::uint32_t>(m_.config_count()) + pin;
  }
  void request_start(std::uint32_t id);
  void start_instance(std::uint32_t id);
  void enqueue(std::uint32_t inst, std::uint32_t t);
  bool ordered(std::uint32_t inst) const {
    if (!has_order_) return false;  // no worker has an order
    std::uint32_t k = inst_[inst].worker;
    return k != kFlexible && workers_[k].cursor < workers_[k].end;
  }
  bool startable(std::uint32_t inst) const;
  void fill_slots(std::uint32_t inst);
  void start(std::uint32_t inst, std::uint32_t t);
  void task_done(std::uint32_t t);
  void prewarm_arrives(std::uint32_t i);
  void hold_starts(std::uint32_t t);
  void release_held(std::uint32_t t, bool upload);
  void add_to_pool(const WarmContainer& w);
  void evict_idle();
  bool eviction_helps(std::uint32_t id) const;
  // Adds `t`'s output to the outputs only strict instance `inst` holds (flushed on eviction).
  void keep(std::uint32_t inst, std::uint32_t t);
  void evict(std::uint32_t id);
  // Whether consumer `s` reads `t`'s output on its worker's current instance, other than `id`,
  // which holds it (it ran there, or came by stream): a flush by `id` does not delay it.
  bool held_elsewhere(std::uint32_t t, std::uint32_t s, std::uint32_t id) const {
    const std::uint32_t k = ts_[s].worker;
    if (k == kFlexible || streamed_to_.empty()) return false;
    const std::uint32_t x = workers_[k].instance;
    return x != kNone && x != id &&
           (is_local(t, x, kAlwaysLocal) || streamed_here(t, s, x, kAlwaysLocal));
  }
  void adopt_pending(std::uint32_t worker, std::uint32_t inst);
  void exit_instance(std::uint32_t id, std::int64_t at);
  void release(std::uint32_t id);
  [[noreturn]] void deadlock();
  Prediction finish();

  const Workflow& w_;
  TaskRunner& runner_;
  RunEngine& self_;
  const std::size_t n_;
  const bool direct_;  // point-to-point transfers
  const bool fixed_;   // a cluster: instances take cores of machines
  // The engine's own state of an instance (its timeline is in inst_).
  struct InstanceState {
    std::uint32_t running = 0, slots = 1;
    std::uint32_t ready_in_flight = 0;  // ready events sent to it, not yet delivered
    std::uint32_t streams_in = 0;       // streams to it whose producer is not done yet
    std::uint32_t queue_head = kNone, queue_tail = kNone;  // FIFO of ready tasks
    std::uint32_t queued = 0;         // ordered worker: ready tasks waiting for their turn
    std::uint32_t ran_head = kNone;   // tasks started here
    std::uint32_t kept_head = kNone;  // chunks of the tasks whose output is only here
    std::uint32_t kept_fill = 0;      // tasks in the first of them
    std::uint32_t ran = 0;            // tasks started here
    bool started = false, exited = false;
    bool exiting = false;  // leaving: takes no more tasks
    // Rule 12 (decision 0035): its container holds the run's whole DAG from now on (it read it,
    // or took a container that had), and whether its start-up fetched it.
    bool holds_dag = false, fetches_dag = false;
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
  // A flexible task's local inputs are looked up among its instance's tasks up to this many.
  static constexpr std::uint32_t kShortRanList = 16;
  LargeVector<std::uint32_t> next_;  // link in its instance's queue, then ran list
  // Per task: the latest time an evicted worker flushed one of its inputs to storage (empty
  // until the first eviction).
  LargeVector<std::int64_t> flushed_until_;
  // Ordered workers: a ready task waiting for its turn has next_[t] == kQueued (its link is
  // not otherwise in use then, and next_[t] is written when it starts anyway: no extra miss).
  static constexpr std::uint32_t kQueued = 0xfffffffdu;
  bool has_order_ = false;
  // The tasks of a strict instance whose output was not uploaded, flushed if it is evicted: in
  // chunks of 15, so that walking them is not one cache miss per task.
  static constexpr std::uint32_t kKeptPerChunk = 15;
  struct KeptChunk {
    std::uint32_t task[kKeptPerChunk];
    std::uint32_t next;
  };
  std::vector<KeptChunk> kept_;
  std::uint32_t free_chunk_ = kNone;  // chunks of exited instances, linked by next
  // Per plan worker: its current instance (kNone when it has none), its tasks not yet done and,
  // with a task order, the position of its next task in Plan::order and the end of its range,
  // and the ready tasks an evicted instance left for the next one.
  struct WorkerState {
    std::uint32_t instance = kNone;
    std::uint32_t remaining = 0;
    std::uint32_t cursor = 0, end = 0;
    std::uint32_t pending = 0;
  };
  std::vector<WorkerState> workers_;
  LargeVector<InstanceState> state_;
  std::vector<std::vector<WarmContainer>> pool_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> prewarm_by_task_;  // (trigger, worker)
  std::vector<PrewarmPrediction> prewarms_;                               // sent so far
  // Task-dup (Plan::dup): one record per task that duplicates, by task id; and the children a
  // task's end counts (counted_children()), when the plan has duplicates.
  std::vector<DuplicatePrediction> dups_;
  std::vector<TaskId> children_;
  // Output streaming (Plan::stream): the streams used, in the order they were decided; by
  // (producer << 32 | the consumer's instance), the index of each; by producer, its first (a
  // producer's streams are decided together, so they follow each other).
  std::vector<StreamPrediction> streams_;
  std::unordered_map<std::uint64_t, std::uint32_t> streamed_to_;
  std::unordered_map<std::uint32_t, std::uint32_t> first_stream_;
  // Delayed I/O (Plan::delay_io): one record per task that delays, by task id; the (child,
  // producer) pairs by child (delayed_producers()).
  std::vector<DelayedPrediction> delays_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> held_for_;

 public:
  // Rule 12 (code size, ExecutionModel::code_bytes()): per configuration, the code of the
  // functions the plan runs on it, fetched by a cold start; and the code of every function the
  // plan runs, stored once each for the run. Empty and 0 when no function's code is counted.
  std::vector<std::uint64_t> package_bytes_;
  std::uint64_t stored_code_bytes_ = 0;

 private:
  // Invocations waiting for a place, first come first served: per configuration, and on a
  // cluster per machine for workers pinned to one (index config_count() + machine).
  std::vector<std::queue<std::uint32_t>> waiting_;
  std::uint64_t global_limit_ = 0, running_total_ = 0, waiting_count_ = 0;
  // Cluster: workers running per machine, and a bit per machine that has a free core.
  std::vector<std::uint32_t> machine_running_;
  std::vector<std::uint64_t> machine_free_;
  EventQueue events_;
  std::vector<std::uint32_t> continue_here_, flushed_;
  std::deque<std::uint32_t> idle_;
  std::vector<std::uint32_t> not_now_;
  std::int64_t makespan_ = 0;
  std::size_t done_ = 0;
};

RunEngine::Impl::Impl(const ExecutionModel& m, const Plan& plan, const PredictOptions& opts,
                      TaskRunner& runner, RunEngine& self)
    : m_(m),
      plan_(plan),
      w_(m.workflow()),
      runner_(runner),
      self_(self),
      n_(w_.task_count()),
      direct_(m.direct_transfers()),
      fixed_(m.fixed_machines()) {
  // Full checks are the readers' and the planners' (run_planner()); the engine needs the
  // structure to be sound.
  check_plan(plan, w_, m.platform(), PlanCheck::kStructure);
  assert(plan.worker_count() < kUploadAlways);
  static_assert(kUploadNever == kNone);
  ts_.resize(n_);
  workers_.assign(plan.worker_count(), WorkerState{});
  for (std::uint32_t t = 0; t < n_; ++t) {
    ts_[t].missing =
        plan.dup.empty() ? w_.in_degree(TaskId{t}) : counter_target(plan, w_, TaskId{t});
    if (plan.duplicate(t) != kNoDup)
      dups_.push_back(DuplicatePrediction{t, plan.duplicate(t), 0, 0, 0});
    if (plan.delayed_io(t) != kNoDelay) delays_.push_back(DelayedPrediction{t, 0, 0, 0});
    ts_[t].worker = plan.task_worker[t];
    if (ts_[t].worker != kFlexible) ++workers_[ts_[t].worker].remaining;
  }
  if (plan.has_order()) {
    has_order_ = true;
    for (std::uint32_t k = 0; k < workers_.size(); ++k) {
      workers_[k].cursor = plan.order_begin[k];
      workers_[k].end = plan.order_begin[k + 1];
    }
  }
  // Rule 6 per task (run_rules.hpp), in one pass whose iterations do not depend on each other
  // (so that the cache misses on successors overlap).
  for (std::uint32_t t = 0; t < n_; ++t)
    ts_[t].upload_rule = upload_rule(plan, w_, TaskId{t}, direct_);
  next_.assign(n_, kNone);
  tp_.resize(n_);
  pool_.resize(m.config_count());
  for (const WarmContainer& c : opts.warm_pool) pool_[index(c.config)].push_back(c);
  for (auto& stack : pool_)  // most recently idled on top
    std::sort(stack.begin(), stack.end(), [](const WarmContainer& a, const WarmContainer& b) {
      return a.idle_since_us < b.idle_since_us;
    });
  prewarm_by_task_ = prewarm_triggers(plan);
  held_for_ = delayed_producers(plan, w_);
  // The packages dagrun's cold starts fetch too (code_packages(), model.hpp); each function's code
  // is stored once for the run, whichever configurations run it.
  if (const std::vector<CodePackage> packages = code_packages(m, plan); !packages.empty()) {
    std::vector<FunctionId> stored;
    package_bytes_.reserve(packages.size());
    for (const CodePackage& p : packages) {
      package_bytes_.push_back(p.bytes);
      stored.insert(stored.end(), p.functions.begin(), p.functions.end());
    }
    std::sort(stored.begin(), stored.end());
    stored.erase(std::unique(stored.begin(), stored.end()), stored.end());
    for (FunctionId f : stored) stored_code_bytes_ += m.code_bytes(f);
  }
  global_limit_ = m.max_workers();
  waiting_.resize(m.config_count() + m.machine_count());
  if (fixed_) {
    machine_running_.assign(m.machine_count(), 0);
    machine_free_.assign((m.machine_count() + 63) / 64, 0);
    for (std::uint32_t x = 0; x < m.machine_count(); ++x)
      machine_free_[x / 64] |= std::uint64_t{1} << (x % 64);
  }
  // Every instance is invoked for a task that became ready, so there are at most n_: reserving
  // them costs address space only (pages are touched as instances are added) and spares the
  // copies of a growing vector.
  inst_.reserve(n_);
  state_.reserve(n_);
}

Prediction RunEngine::Impl::run() {
  // Rule 1: the client invokes one worker per root group at t=0.
  for (TaskId r : w_.roots()) {
    std::uint32_t k = plan_.task_worker[index(r)];
    std::uint32_t inst;
    if (k == kFlexible) {
      inst = new_instance(kFlexible, plan_.task_config[index(r)], 0);
    } else if (workers_[k].instance == kNone) {
      inst = workers_[k].instance = new_instance(k, plan_.worker_config[k], 0);
    } else {
      inst = workers_[k].instance;
    }
    tp_[index(r)].ready_us = 0;
    enqueue(inst, index(r));
  }
  while (!events_.empty() || !done_now_.empty()) {
    // Tasks that end at the same instant complete their successors' counters in task id order,
    // after the instant's other events: which one completes a counter (and so where its child
    // becomes ready) must not depend on the order in which the ends were scheduled, which
    // differs between the closed form and the contention-aware runs.
    if (!done_now_.empty() && !events_.due_now()) {
      std::sort(done_now_.begin(), done_now_.end());
      done_batch_.swap(done_now_);
      for (std::uint32_t t : done_batch_) task_done(t);
      done_batch_.clear();
      continue;
    }
    Event e = events_.pop();
    now_ = e.time;
    auto x = static_cast<std::uint32_t>(e.key);
    switch (static_cast<EventKind>((e.key >> 32) & 7)) {
      case EventKind::kInstanceStart: request_start(x); break;
      case EventKind::kTaskReady:
        tp_[x].ready_us = now_;
        --state_[ts_[x].instance].ready_in_flight;
        enqueue(ts_[x].instance, x);  // the instance the ready event was sent to
        break;
      case EventKind::kTaskDone: done_now_.push_back(x); break;
      case EventKind::kInstanceExit: release(x); break;
      case EventKind::kCustom: runner_.on_event(self_, x); break;
      case EventKind::kPrewarm: prewarm_arrives(x); break;
      case EventKind::kHold: hold_starts(x); break;
      case EventKind::kHoldEnd:
        if (delay_record(x)->waiting) release_held(x, true);
        break;
    }
  }
  if (done_ != n_) deadlock();
  return finish();
}

RunEngine::Impl::Event RunEngine::Impl::make_event(std::int64_t time, EventKind kind,
                                                   std::uint32_t subject) {
  if (seq_ >= (std::uint64_t{1} << 29))
    throw Error("run engine: more than 2^29 events (about 10^8 tasks) are not supported");
  if (time < now_)
    throw Error(fmt::format("run engine: an event at {} us was scheduled in the past (now {} us)",
                            time, now_));
  return Event{time, seq_++ << 35 | static_cast<std::uint64_t>(kind) << 32 | subject};
}

void RunEngine::Impl::EventQueue::push(const Event& e) {
  const auto time = static_cast<std::uint64_t>(e.time);
  unsigned i = time == now_ ? 0u : index_of(time, last_);
  if (i < low_) low_ = 0;
  if (i == low_) low_time_ = std::min(low_time_, time);
  bucket_[i].push_back(e);
  if (i > 0) nonempty_ |= std::uint64_t{1} << (i - 1);
  ++size_;
}

void RunEngine::Impl::EventQueue::redistribute(unsigned i) {
  std::vector<Event>& from = bucket_[i];
  for (const Event& e : from) {
    unsigned j = index_of(static_cast<std::uint64_t>(e.time), last_);
    bucket_[j].push_back(e);
    if (j > 0) nonempty_ |= std::uint64_t{1} << (j - 1);
  }
  from.clear();
  nonempty_ &= ~(std::uint64_t{1} << (i - 1));
}

RunEngine::Impl::Event RunEngine::Impl::EventQueue::pop() {
  std::vector<Event>& due = bucket_[0];
  if (head_ == due.size()) {
    due.clear();
    head_ = 0;
    if (size_ == 0) {  // the slot alone
      now_ = static_cast<std::uint64_t>(slot_.time);
      return take_slot();
    }
    // The lowest non-empty bucket holds the next time: it becomes the last time taken, and its
    // events move to lower buckets (those at that time to bucket 0).
    unsigned i = static_cast<unsigned>(__builtin_ctzll(nonempty_)) + 1;
    std::uint64_t next = low_time_;
    if (low_ != i) {
      const std::vector<Event>& from = bucket_[i];
      next = static_cast<std::uint64_t>(from.front().time);
      for (const Event& e : from) next = std::min(next, static_cast<std::uint64_t>(e.time));
    }
    low_ = 0;
    if (has_slot_ && static_cast<std::uint64_t>(slot_.time) < next) {
      // The slot comes first; the buckets stay as they are (events pushed at its time go to
      // bucket 0, later ones relative to last_, which is still earlier than all of them).
      now_ = static_cast<std::uint64_t>(slot_.time);
      low_ = i;
      low_time_ = next;
      return take_slot();
    }
    last_ = now_ = next;
    redistribute(i);
    // Events pushed from now on at this time come later in insertion order than these.
    if (due.size() > 1)
      std::sort(due.begin(), due.end(),
                [](const Event& a, const Event& b) { return a.key < b.key; });
  }
  if (has_slot_ && static_cast<std::uint64_t>(slot_.time) == now_ && slot_.key < due[head_].key)
    return take_slot();
  --size_;
  return due[head_++];
}

std::uint32_t RunEngine::Impl::new_instance(std::uint32_t worker, ConfigId config,
                                            std::int64_t at) {
  InstancePrediction in;
  in.worker = worker;
  in.config = config;
  in.requested_us = at;
  InstanceState st;
  st.slots = m_.slots(config);
  auto id = static_cast<std::uint32_t>(inst_.size());
  inst_.push_back(in);
  state_.push_back(st);
  push(at + m_.invoke_us(), EventKind::kInstanceStart, id);
  return id;
}

std::uint32_t RunEngine::Impl::free_machine(ConfigId c) const {
  std::uint32_t lo = m_.machine_begin(c), hi = lo + m_.config(c).count;
  for (std::uint32_t x = lo; x < hi;) {
    std::uint64_t word = machine_free_[x / 64] >> (x % 64);
    if (word != 0) {
      std::uint32_t found = x + static_cast<std::uint32_t>(__builtin_ctzll(word));
      return found < hi ? found : kNone;
    }
    x = (x / 64 + 1) * 64;
  }
  return kNone;
}

void RunEngine::Impl::take_core(std::uint32_t machine) {
  if (++machine_running_[machine] >= m_.cores_per_machine(m_.machine_config(machine)))
    machine_free_[machine / 64] &= ~(std::uint64_t{1} << (machine % 64));
}

void RunEngine::Impl::return_core(std::uint32_t machine) {
  --machine_running_[machine];
  machine_free_[machine / 64] |= std::uint64_t{1} << (machine % 64);
}

bool RunEngine::Impl::can_start(std::uint32_t id) const {
  if (running_total_ >= global_limit_) return false;
  if (!fixed_) return true;
  std::uint32_t pin = pinned_machine(id);
  if (pin != kNone) return (machine_free_[pin / 64] >> (pin % 64) & 1) != 0;
  return free_machine(inst_[id].config) != kNone;
}

// Rule 2 and the concurrency limit: start now if allowed, else wait for an exit.
void RunEngine::Impl::request_start(std::uint32_t id) {
  if (!can_start(id)) {
    waiting_[queue_of(id)].push(id);
    ++waiting_count_;
    evict_idle();
    return;
  }
  start_instance(id);
}

void RunEngine::Impl::start_instance(std::uint32_t id) {
  InstancePrediction& in = inst_[id];
  ++running_total_;
  if (fixed_) {
    std::uint32_t pin = pinned_machine(id);
    in.machine = pin != kNone ? pin : free_machine(in.config);
    take_core(in.machine);
  }
  state_[id].started = true;
  in.start_us = now_;
  auto& stack = pool_[index(in.config)];
  while (!stack.empty() && stack.back().expires_us <= now_) stack.pop_back();
  // Take the most recently idled container that is idle already (a warm pool given for a later
  // run, or a pre-warm still starting, may hold containers that become idle in the future).
  auto it = stack.end();
  while (it != stack.begin() &&
         (std::prev(it)->idle_since_us > now_ || std::prev(it)->expires_us <= now_))
    --it;
  in.warm = it != stack.begin();
  if (in.warm) {
    in.donor = std::prev(it)->instance;
    stack.erase(std::prev(it));
  }
  // Rule 12 as dagworker has it (decision 0035): a process keeps the whole DAG once it has read
  // it, so a warm start in a container that holds it reads nothing; a worker with its part inline
  // reads nothing either, and leaves a container without it; any other start-up fetches it (a
  // pre-warmed container, or one left by an earlier run, does not hold it).
  InstanceState& st = state_[id];
  const bool inherited = in.warm && in.donor < state_.size() && state_[in.donor].holds_dag;
  st.fetches_dag = !inherited && !plan_.inline_dag(in.worker);
  st.holds_dag = inherited || st.fetches_dag;
  in.ready_us = now_ + runner_.startup_us(self_, id, in.warm);
  fill_slots(id);
}

void RunEngine::Impl::enqueue(std::uint32_t inst, std::uint32_t t) {
  // What the task reads when it starts lies in a dozen per-task arrays, at a place unrelated to
  // the tasks before it: fetch it all at once now rather than one miss after another then.
  w_.prefetch(TaskId{t});
  m_.prefetch(TaskId{t});
  __builtin_prefetch(&tp_[t], 1);
  InstanceState& st = state_[inst];
  ts_[t].instance = inst;
  ++inst_[inst].tasks;
  if (ordered(inst)) {
    next_[t] = kQueued;
    ++st.queued;
  } else {
    next_[t] = kNone;
    if (st.queue_tail == kNone)
      st.queue_head = t;
    else
      next_[st.queue_tail] = t;
    st.queue_tail = t;
  }
  if (st.started) fill_slots(inst);
}

bool RunEngine::Impl::startable(std::uint32_t inst) const {
  if (!ordered(inst)) return state_[inst].queue_head != kNone;
  const WorkerState& ws = workers_[inst_[inst].worker];
  std::uint32_t t = index(plan_.order[ws.cursor]);
  return next_[t] == kQueued && ts_[t].instance == inst;
}

void RunEngine::Impl::fill_slots(std::uint32_t inst) {
  InstanceState& st = state_[inst];
  if (ordered(inst)) {
    // Strictly in the plan's order: the next task when it is ready, never a later one first.
    WorkerState& ws = workers_[inst_[inst].worker];
    while (st.running < st.slots && ws.cursor < ws.end) {
      std::uint32_t t = index(plan_.order[ws.cursor]);
      if (next_[t] != kQueued || ts_[t].instance != inst) break;
      --st.queued;
      ++ws.cursor;
      start(inst, t);
    }
    return;
  }
  while (st.running < st.slots && st.queue_head != kNone) {
    std::uint32_t t = st.queue_head;
    st.queue_head = next_[t];
    if (st.queue_head == kNone) st.queue_tail = kNone;
    start(inst, t);
  }
}

void RunEngine::Impl::start(std::uint32_t inst, std::uint32_t t) {
  InstanceState& st = state_[inst];
  ++st.running;
  next_[t] = st.ran_head;  // out of the queue: the link now chains the tasks run here
  st.ran_head = t;
  ++st.ran;
  TaskPrediction& p = tp_[t];
  p.instance = inst;
  p.start_us = std::max(now_, inst_[inst].ready_us);
  // When it is done, many events from now, it updates its successors, which lie anywhere:
  // fetch their records meanwhile.
  for (TaskId s : w_.successors(TaskId{t})) __builtin_prefetch(&ts_[index(s)], 1);
  runner_.start_task(self_, inst, t);
}

RunEngine::RemoteInputs RunEngine::Impl::remote_inputs(std::uint32_t inst, std::uint32_t ti,
                                                       std::int64_t local_since) const {
  TaskId t{ti};
  if (direct_) {  // outputs come point to point (direct_transfer_start_us); literal inputs here
    RemoteInputs r;
    r.bytes = w_.input_bytes(t);
    r.any = r.bytes > 0;
    r.stored_us = now_;
    return r;
  }
  // Streamed inputs are free where their stream reached this instance (streamed_here()): the
  // walk checks each, the totals below do not know of them (a debug build's cross-check found
  // a strict task of a random plan on a chain charged a download its stream had made free).
  if (local_since != kAlwaysLocal || plan_.duplicate(ti) != kNoDup || !streamed_to_.empty())
    return remote_inputs_walk(inst, ti, local_since);
  // Every input is remote but those produced on this instance; the model knows the total.
  // Remote outputs were in storage when their producer finished, before this task was ready,
  // unless an evicted worker flushed them later.
  const TaskState& st = ts_[ti];
  const InstanceState& is = state_[inst];
  std::uint64_t local_bytes = 0;
  std::size_t local = 0;
  if (st.worker != kFlexible) {
    // A strict task: its producers counted what they left on its worker's latest instance.
    if (st.local_instance == inst) {
      local_bytes = st.local_bytes;
      local = st.local_count;
    }
  } else if (is.ran <= 1) {
    // A flexible task on a new instance: nothing ran here before.
  } else if (is.ran <= kShortRanList) {
    // A flexible task continuing on a producer's instance: look its few tasks up among the
    // producers (sorted by id).
    std::span<const TaskId> preds = w_.predecessors(t);
    for (std::uint32_t x = next_[ti]; x != kNone; x = next_[x]) {
      if (!std::binary_search(preds.begin(), preds.end(), TaskId{x})) continue;
      local_bytes += w_.output_bytes(TaskId{x});
      ++local;
    }
  } else {
    return remote_inputs_walk(inst, ti, local_since);
  }
  RemoteInputs r;
  r.bytes = m_.input_bytes(t) - local_bytes;
  r.any = w_.input_bytes(t) > 0 || local < w_.in_degree(t);
  r.stored_us = flushed_until_.empty() ? now_ : std::max(now_, flushed_until_[ti]);
#ifndef NDEBUG
  RemoteInputs walked = remote_inputs_walk(inst, ti, local_since);
  assert(walked.bytes == r.bytes && walked.any == r.any && walked.stored_us == r.stored_us);
#endif
  return r;
}

RunEngine::RemoteInputs RunEngine::Impl::remote_inputs_walk(std::uint32_t inst, std::uint32_t ti,
                                                            std::int64_t local_since) const {
  TaskId t{ti};
  RemoteInputs r;
  r.bytes = w_.input_bytes(t);
  const std::uint32_t dup = plan_.duplicate(ti);
  if (dup != kNoDup) r.bytes += w_.input_bytes(TaskId{dup});
  r.any = r.bytes > 0;
  r.stored_us = now_;
  std::vector<TaskId> dup_inputs;
  if (dup != kNoDup) run_inputs(plan_, w_, t, dup_inputs);
  for (TaskId q : dup == kNoDup ? w_.predecessors(t) : std::span<const TaskId>(dup_inputs)) {
    if (is_local(index(q), inst, local_since) || streamed_here(index(q), ti, inst, local_since))
      continue;  // local: free
    r.bytes += w_.output_bytes(q);
    r.any = true;
    r.stored_us = std::max(r.stored_us, tp_[index(q)].upload_end_us);
  }
  return r;
}

RunEngine::RemoteInputs RunEngine::Impl::preloaded_inputs(std::uint32_t inst, std::uint32_t ti,
                                                          std::int64_t local_since) const {
  TaskId t{ti};
  const InstancePrediction& in = inst_[inst];
  RemoteInputs r;
  r.bytes = w_.input_bytes(t);
  const std::uint32_t dup = plan_.duplicate(ti);
  if (dup != kNoDup) r.bytes += w_.input_bytes(TaskId{dup});
  r.any = r.bytes > 0;
  r.stored_us = tp_[ti].start_us;
  if (r.any) r.stored_us = std::max(r.stored_us, in.ready_us + m_.transfer_us(r.bytes, in.config));
  std::vector<TaskId> dup_inputs;
  if (dup != kNoDup) run_inputs(plan_, w_, t, dup_inputs);
  // Pre-load's CPU (decision 0028): on a worker without a spare vCPU, the bytes that arrive
  // while an earlier task of this instance executes take receive_cpu_us() of that task's CPU,
  // as if it had run so much longer: this task takes its slot that much later. (from, to,
  // bytes): when each download's data arrives.
  const bool costs_cpu = m_.receive_takes_cpu(in.config);
  std::vector<std::tuple<std::int64_t, std::int64_t, std::uint64_t>> received;
  if (costs_cpu && r.any) {
    const std::int64_t arrives = in.ready_us + m_.transfer_us(r.bytes, in.config);
    received.emplace_back(arrives - m_.stream_us(r.bytes, in.config), arrives, r.bytes);
  }
  for (TaskId q : dup == kNoDup ? w_.predecessors(t) : std::span<const TaskId>(dup_inputs)) {
    if (is_local(index(q), inst, local_since) || streamed_here(index(q), ti, inst, local_since))
      continue;
    std::uint64_t bytes = w_.output_bytes(q);
    r.bytes += bytes;
    r.any = true;
    const std::int64_t arrives =
        std::max(tp_[index(q)].upload_end_us, in.ready_us) + m_.transfer_us(bytes, in.config);
    r.stored_us = std::max(r.stored_us, arrives);
    if (costs_cpu) received.emplace_back(arrives - m_.stream_us(bytes, in.config), arrives, bytes);
  }
  if (!received.empty()) {
    // One slot: the earlier tasks ran one after the other, latest first in the ran list.
    std::int64_t earliest = tp_[ti].start_us;
    for (const auto& d : received) earliest = std::min(earliest, std::get<0>(d));
    double busy_bytes = 0;
    for (std::uint32_t x = next_[ti]; x != kNone && tp_[x].exec_end_us > earliest; x = next_[x])
      for (const auto& [from, to, bytes] : received) {
        const std::int64_t overlap =
            std::min(to, tp_[x].exec_end_us) - std::max(from, tp_[x].exec_start_us);
        if (overlap > 0 && to > from)
          busy_bytes += static_cast<double>(bytes) * static_cast<double>(overlap) /
                        static_cast<double>(to - from);
      }
    r.stored_us = std::max(
        r.stored_us,
        tp_[ti].start_us +
            m_.receive_cpu_us(static_cast<std::uint64_t>(std::llround(busy_bytes)), in.config));
  }
  return r;
}

void RunEngine::Impl::keep(std::uint32_t inst, std::uint32_t t) {
  InstanceState& st = state_[inst];
  if (st.kept_head == kNone || st.kept_fill == kKeptPerChunk) {
    std::uint32_t c = free_chunk_;
    if (c != kNone) {
      free_chunk_ = kept_[c].next;
      kept_[c].next = st.kept_head;
    } else {
      c = static_cast<std::uint32_t>(kept_.size());
      kept_.push_back(KeptChunk{{}, st.kept_head});
    }
    st.kept_head = c;
    st.kept_fill = 0;
  }
  kept_[st.kept_head].task[st.kept_fill++] = t;
}

// Rule 10 (run_rules.hpp, streams_now()): a streamed consumer's worker is running when its
// current instance was ready before now and is not leaving; the output then goes there.
RunEngine::Output RunEngine::Impl::output_at_exec_end(std::uint32_t inst, std::uint32_t t) {
  Output out;
  const std::uint32_t worker = inst_[inst].worker;
  if (!has_streams(t) || direct_) {
    out.upload = must_upload(inst, t);
    return out;
  }
  const std::uint64_t bytes = w_.output_bytes(TaskId{t});
  const auto first = static_cast<std::uint32_t>(streams_.size());
  out.upload = streams_now(
      plan_, TaskId{t}, ts_[t].upload_rule, worker,
      [&](std::uint32_t c) {
        const std::uint32_t x = workers_[ts_[c].worker].instance;
        return x != kNone && state_[x].started && !state_[x].exiting && inst_[x].ready_us < now_;
      },
      [&](std::uint32_t c) {
        const std::uint32_t x = workers_[ts_[c].worker].instance;
        // The output is local to the consumer's instance from now on, as its own worker's
        // outputs are (task_done()).
        TaskState& st = ts_[c];
        if (st.local_instance != x) {
          st.local_instance = x;
          st.local_bytes = 0;
          st.local_count = 0;
        }
        st.local_bytes += bytes;
        ++st.local_count;
        // Consumers on one instance share one stream.
        auto [it, fresh] = streamed_to_.try_emplace(std::uint64_t{t} << 32 | x,
                                                    static_cast<std::uint32_t>(streams_.size()));
        if (!fresh) return;
        ++state_[x].streams_in;  // it must not step aside before the stream is complete
        streams_.push_back(StreamPrediction{t, c, x, now_, 0});
        ++out.streams;
      });
  if (out.streams > 0) {
    first_stream_[t] = first;
    // Held by the consumers' instances only, unless uploaded: flushed if one is evicted.
    if (!out.upload)
      for (std::uint32_t i = first; i < streams_.size(); ++i) keep(streams_[i].instance, t);
  }
  return out;
}

void RunEngine::Impl::finish_task(std::uint32_t t, bool uploaded, std::int64_t upload_end_us,
                                  std::int64_t streams_end_us) {
  TaskPrediction& p = tp_[t];
  // A streamed output may have been flushed meanwhile by an evicted consumer's instance.
  const bool flushed = !uploaded && p.uploaded;
  const std::int64_t own_end = uploaded ? upload_end_us : p.exec_end_us;
  if (!flushed) {
    p.uploaded = uploaded;
    p.upload_end_us = own_end;
  }
  std::uint32_t inst = ts_[t].instance;
  // Strict instances may be evicted and then flush what only they hold (not with
  // point-to-point transfers: outputs stay on the machine).
  if (!uploaded && !flushed && !direct_ && inst_[inst].worker != kFlexible) keep(inst, t);
  if (streams_end_us > 0)
    if (auto it = first_stream_.find(t); it != first_stream_.end())
      for (std::uint32_t i = it->second; i < streams_.size() && streams_[i].producer == t; ++i)
        streams_[i].end_us = streams_end_us;
  // Counter updates (pipelined) or the sink's completion record: one storage operation (after
  // a delayed I/O's wait, from its end).
  p.finish_us = std::max({own_end, streams_end_us, now_}) + m_.storage_op_us();
  push(p.finish_us, EventKind::kTaskDone, t);
}

void RunEngine::Impl::task_done(std::uint32_t ti) {
  TaskId t{ti};
  std::uint32_t inst = ts_[ti].instance;
  ++done_;
  makespan_ = std::max(makespan_, now_);
  if (!prewarm_by_task_.empty()) {
    // Its worker sends the pre-warms this task triggers (Plan::worker_prewarm).
    auto it = std::lower_bound(prewarm_by_task_.begin(), prewarm_by_task_.end(),
                               std::make_pair(ti, std::uint32_t{0}));
    for (; it != prewarm_by_task_.end() && it->first == ti; ++it) {
      push(now_ + m_.invoke_us(), EventKind::kPrewarm,
           static_cast<std::uint32_t>(prewarms_.size()));
      prewarms_.push_back(PrewarmPrediction{it->second, ti, now_, 0});
    }
  }
  std::uint32_t k = ts_[ti].worker;
  if (k != kFlexible) --workers_[k].remaining;
  // Rule 3: successors whose counter this task completes.
  bool continued = false;
  const std::uint32_t worker = inst_[inst].worker;
  const std::uint64_t output_bytes = w_.output_bytes(t);
  // The successors' records were fetched into cache when this task started (start()).
  if (!plan_.dup.empty()) counted_children(plan_, w_, t, children_);
  for (TaskId s : plan_.dup.empty() ? w_.successors(t) : std::span<const TaskId>(children_)) {
    std::uint32_t si = index(s);
    TaskState& st = ts_[si];
    if (st.worker == worker && worker != kFlexible) {
      if (st.local_instance != inst) {  // the worker's earlier instance is gone
        st.local_instance = inst;
        st.local_bytes = 0;
        st.local_count = 0;
      }
      st.local_bytes += output_bytes;
      ++st.local_count;
    }
    if (--st.missing != 0) {
      // Delayed I/O: the producer that watches this counter is the only one missing now; it
      // counts itself and runs the child with its output local (rule 3), never uploading it.
      if (st.missing == 1 && !held_for_.empty()) {
        auto h = std::lower_bound(held_for_.begin(), held_for_.end(),
                                  std::make_pair(si, std::uint32_t{0}));
        if (h != held_for_.end() && h->first == si && delay_record(h->second)->waiting)
          release_held(h->second, false);
      }
      continue;
    }
    tp_[si].ready_us = now_;
    std::uint32_t sk = st.worker;
    if (sk != kFlexible) {
      std::uint32_t target = workers_[sk].instance;
      if (target == kNone) {
        target = workers_[sk].instance = new_instance(sk, plan_.worker_config[sk], now_);
        adopt_pending(sk, target);
        enqueue(target, si);
      } else if (target == inst) {
        enqueue(inst, si);
      } else {
        st.instance = target;
        ++state_[target].ready_in_flight;  // it must not step aside before this arrives
        push(now_ + m_.storage_op_us(), EventKind::kTaskReady, si);  // ready event
      }
    } else if (ready_action(plan_, t, s, worker, continued ? 1 : 0) == ReadyAction::kContinueHere) {
      continued = true;
      continue_here_.push_back(si);  // runs here, after the slot is freed below
    } else {
      enqueue(new_instance(kFlexible, plan_.task_config[si], now_), si);
    }
  }
  InstanceState& st = state_[inst];
  --st.running;
  for (std::uint32_t si : continue_here_) enqueue(inst, si);
  continue_here_.clear();
  fill_slots(inst);
  if (st.running == 0 && !startable(inst)) {
    if (worker == kFlexible || workers_[worker].remaining == 0) {
      exit_instance(inst, now_);
    } else {
      idle_.push_back(inst);  // a strict worker waiting for its next task
      evict_idle();
    }
  }
  // Its streams are complete (its counters follow them): an idle instance that received one
  // may step aside from now on, flushing the streamed output as its own (evict()).
  if (!first_stream_.empty())
    if (auto it = first_stream_.find(ti); it != first_stream_.end())
      for (std::uint32_t i = it->second; i < streams_.size() && streams_[i].producer == ti; ++i) {
        const std::uint32_t x = streams_[i].instance;
        if (--state_[x].streams_in == 0 && state_[x].running == 0 && !state_[x].exiting) {
          idle_.push_back(x);
          evict_idle();
        }
      }
}

// A strict worker that waits idle holds a place under the concurrency limit (a core, on a
// cluster). When another invocation is queued for lack of one, idle workers whose exit would
// give it one exit (longest idle first) after flushing to storage the outputs their own later
// tasks still need; those tasks then run on a new instance of the worker. Without this, workers
// waiting for each other could deadlock.
void RunEngine::Impl::evict_idle() {
  while (waiting_count_ > 0 && !idle_.empty()) {
    std::uint32_t id = idle_.front();
    idle_.pop_front();
    const InstanceState& st = state_[id];
    if (st.exited || st.exiting || st.running != 0 || startable(id) || st.ready_in_flight != 0 ||
        st.streams_in != 0)
      continue;  // stale: it has work again, or work (or a streamed input) is on its way
    if (!eviction_helps(id)) {
      not_now_.push_back(id);
      continue;
    }
    evict(id);
  }
  for (auto it = not_now_.rbegin(); it != not_now_.rend(); ++it) idle_.push_front(*it);
  not_now_.clear();
}

// Whether the exit of idle instance `id` gives a waiting invocation a place: always under a
// concurrency limit; on a cluster only if one waits for its configuration or its machine.
bool RunEngine::Impl::eviction_helps(std::uint32_t id) const {
  if (!fixed_) return true;
  const InstancePrediction& in = inst_[id];
  return !waiting_[index(in.config)].empty() || !waiting_[m_.config_count() + in.machine].empty();
}

void RunEngine::Impl::evict(std::uint32_t id) {
  const InstanceState& st = state_[id];
  InstancePrediction& in = inst_[id];
  in.evicted = true;
  in.evicted_us = now_;
#ifndef NDEBUG
  if (!direct_) {
    // Every output that ran here and is not stored is kept here, to be flushed now. Outputs
    // kept here that came by stream (Plan::stream) are left out: another consumer's evicted
    // instance may have stored one since (then its entries are skipped below).
    std::size_t kept_pending = 0, not_uploaded = 0;
    std::uint32_t f = st.kept_fill;
    for (std::uint32_t c = st.kept_head; c != kNone; c = kept_[c].next, f = kKeptPerChunk)
      for (std::uint32_t i = 0; i < f; ++i) {
        const std::uint32_t t = kept_[c].task[i];
        kept_pending += !tp_[t].uploaded && !streamed_to_.contains(std::uint64_t{t} << 32 | id);
      }
    for (std::uint32_t t = st.ran_head; t != kNone; t = next_[t]) not_uploaded += !tp_[t].uploaded;
    assert(kept_pending == not_uploaded);
  }
#endif
  std::uint64_t bytes = 0;
  std::uint32_t fill = st.kept_fill;
  for (std::uint32_t c = st.kept_head; c != kNone; c = kept_[c].next, fill = kKeptPerChunk)
    for (std::uint32_t i = 0; i < fill; ++i) {
      std::uint32_t t = kept_[c].task[i];
      if (tp_[t].uploaded) {
        // Held by another instance too (a streamed output: Plan::stream) and flushed by it
        // already: this worker's consumers, which would have read it here, read that copy.
        if (!flushed_until_.empty())
          for (TaskId s : w_.successors(TaskId{t}))
            if (ts_[index(s)].worker == in.worker)
              flushed_until_[index(s)] = std::max(flushed_until_[index(s)], tp_[t].upload_end_us);
        continue;
      }
      tp_[t].uploaded = true;
      bytes += w_.output_bytes(TaskId{t});
      flushed_.push_back(t);
    }
  std::int64_t end = now_;
  if (!flushed_.empty()) end += m_.transfer_us(bytes, in.config);
  if (!flushed_.empty() && flushed_until_.empty()) flushed_until_.assign(n_, 0);
  for (std::uint32_t t : flushed_) {
    tp_[t].upload_end_us = end;
    for (TaskId s : w_.successors(TaskId{t}))
      if (!held_elsewhere(t, index(s), id))
        flushed_until_[index(s)] = std::max(flushed_until_[index(s)], end);
  }
  flushed_.clear();
  // Ready tasks of an ordered worker still waiting for their turn go to its next instance.
  if (st.queued > 0) {
    workers_[in.worker].pending += st.queued;
    in.tasks -= st.queued;
    state_[id].queued = 0;
  }
  exit_instance(id, end);  // also frees the worker's slot, so its next task re-invokes it
}

// The ready tasks an evicted instance of `worker` left waiting for their turn: now on `inst`.
void RunEngine::Impl::adopt_pending(std::uint32_t worker, std::uint32_t inst) {
  WorkerState& ws = workers_[worker];
  for (std::uint32_t pos = ws.cursor; ws.pending > 0 && pos < ws.end; ++pos) {
    std::uint32_t t = index(plan_.order[pos]);
    if (next_[t] != kQueued) continue;
    --ws.pending;
    ts_[t].instance = inst;
    ++inst_[inst].tasks;
    ++state_[inst].queued;
  }
}

void RunEngine::Impl::exit_instance(std::uint32_t id, std::int64_t at) {
  InstancePrediction& in = inst_[id];
  InstanceState& st = state_[id];
  st.exiting = true;
  in.exited_us = at;
  // Its kept outputs were flushed or are no longer needed: its chunks serve later instances, so
  // that the chunks in use stay few and in cache.
  if (st.kept_head != kNone) {
    std::uint32_t last = st.kept_head;
    while (kept_[last].next != kNone) last = kept_[last].next;
    kept_[last].next = free_chunk_;
    free_chunk_ = st.kept_head;
    st.kept_head = kNone;
    st.kept_fill = 0;
  }
  if (in.worker != kFlexible && workers_[in.worker].instance == id)
    workers_[in.worker].instance = kNone;
  if (at > now_) {
    push(at, EventKind::kInstanceExit, id);
  } else {
    release(id);
  }
}

// The instance's container goes back to the pool and its place (its core) to the
// longest-waiting request that can take it.
void RunEngine::Impl::release(std::uint32_t id) {
  const InstancePrediction& in = inst_[id];
  state_[id].exited = true;
  add_to_pool(WarmContainer{in.config, now_, now_ + m_.platform().keep_alive_us, id});
  --running_total_;
  if (fixed_) return_core(in.machine);
  const auto configs = static_cast<std::uint32_t>(m_.config_count());
  while (waiting_count_ > 0) {  // FIFO by request, across the queues that can start
    std::uint32_t best = kNone;
    auto consider = [&](std::uint32_t q) {
      if (waiting_[q].empty()) return;
      std::uint32_t cand = waiting_[q].front();
      if ((best == kNone || cand < best) && can_start(cand)) best = cand;
    };
    if (fixed_) {  // only the freed machine has a new free core
      consider(index(in.config));
      consider(configs + in.machine);
    } else {
      for (std::uint32_t q = 0; q < configs; ++q) consider(q);
    }
    if (best == kNone) break;
    waiting_[queue_of(best)].pop();
    --waiting_count_;
    inst_[best].released_by = id;
    start_instance(best);
  }
}

// A pre-warm reaches the platform: a container of the worker's configuration starts cold and
// then waits, idle and warm, for the keep-alive. It takes no place under the concurrency limit
// (a simplification: its start-up is short beside the runs it serves).
void RunEngine::Impl::prewarm_arrives(std::uint32_t i) {
  PrewarmPrediction& p = prewarms_[i];
  const ConfigId c = plan_.worker_config[p.worker];
  p.warm_us = now_ + m_.startup_us(c, false);
  add_to_pool(WarmContainer{c, p.warm_us, p.warm_us + m_.platform().keep_alive_us, kPrewarmed});
}

// Delayed I/O: task `t`'s execution has ended and its output is held. If its child's other
// inputs are all counted already, it is the last: no upload. Else it watches the counter until
// its wait runs out.
void RunEngine::Impl::hold_starts(std::uint32_t t) {
  DelayedPrediction& d = *delay_record(t);
  d.instance = ts_[t].instance;
  d.exec_end_us = now_;
  const std::uint32_t child = index(w_.successors(TaskId{t})[0]);
  if (ts_[child].missing == 1) {
    release_held(t, false);
    return;
  }
  d.waiting = true;
  push(now_ + plan_.delayed_io(t), EventKind::kHoldEnd, t);
}

void RunEngine::Impl::release_held(std::uint32_t t, bool upload) {
  DelayedPrediction& d = *delay_record(t);
  d.waiting = false;
  d.released = true;
  d.avoided = !upload;
  d.waited_us = now_ - d.exec_end_us;
  runner_.release_output(self_, d.instance, t, upload);
}

// A container idle (from idle_since_us on) goes into its configuration's pool, which stays in
// order of idle_since_us (most recently idled on top).
void RunEngine::Impl::add_to_pool(const WarmContainer& w) {
  auto& stack = pool_[index(w.config)];
  auto at = std::upper_bound(stack.begin(), stack.end(), w,
                             [](const WarmContainer& a, const WarmContainer& b) {
                               return a.idle_since_us < b.idle_since_us;
                             });
  stack.insert(at, w);
}

void RunEngine::Impl::deadlock() {
  std::string stuck;
  int listed = 0;
  for (std::uint32_t t = 0; t < n_ && listed < 5; ++t) {
    if (ts_[t].missing == 0 && ts_[t].instance != kNone && tp_[t].finish_us == 0) {
      stuck += fmt::format("{}'{}'", listed ? ", " : "", w_.id(TaskId{t}));
      ++listed;
    }
  }
  throw Error(
      fmt::format("the plan cannot complete: {} of {} tasks never ran (workers allowed at once: "
                  "{}; tasks ready "
                  "but never started: {})",
                  n_ - done_, n_, global_limit_, stuck.empty() ? "none" : stuck));
}

Prediction RunEngine::Impl::finish() {
  Prediction out;
  out.makespan_us = makespan_;
  for (const InstancePrediction& in : inst_) {
    if (in.warm)
      ++out.warm_starts;
    else
      ++out.cold_starts;
    std::int64_t billed = in.exited_us - (m_.platform().bill_startup ? in.start_us : in.ready_us);
    out.cost.compute += m_.instance_cost(in.config, billed);
  }
  out.cost.compute += m_.makespan_cost(makespan_);
  // A pre-warm is an invocation, and its start-up is billed as any other (bill_startup).
  for (const PrewarmPrediction& p : prewarms_)
    if (m_.platform().bill_startup)
      out.cost.compute +=
          m_.instance_cost(plan_.worker_config[p.worker], p.warm_us - p.sent_us - m_.invoke_us());
  out.invocations = inst_.size() + prewarms_.size();
  out.instances = std::move(inst_);
  out.prewarms = std::move(prewarms_);
  out.duplicates = std::move(dups_);
  out.streams = std::move(streams_);
  out.delays = std::move(delays_);
  out.cost.invocations = m_.invocation_cost(out.invocations);
  // Rule 12: each function's code is stored once, for the whole run.
  if (stored_code_bytes_ > 0) out.cost.storage += m_.storage_cost(stored_code_bytes_, makespan_);
  for (std::uint32_t t = 0; t < n_; ++t) {
    out.bytes_downloaded += tp_[t].download_bytes;
    if (!tp_[t].uploaded) continue;
    std::uint64_t bytes = w_.output_bytes(TaskId{t});
    out.bytes_uploaded += bytes;
    out.cost.storage += m_.storage_cost(bytes, makespan_ - tp_[t].upload_end_us);
  }
  if (direct_) {  // of the bytes the tasks received, those that came point to point
    for (std::uint32_t t = 0; t < n_; ++t)
      for (TaskId q : w_.predecessors(TaskId{t}))
        if (out.instances[tp_[index(q)].instance].machine != out.instances[tp_[t].instance].machine)
          out.bytes_direct += w_.output_bytes(q);
    out.bytes_downloaded -= out.bytes_direct;
  }
  for (auto& stack : pool_)
    for (const WarmContainer& c : stack)
      if (c.expires_us > makespan_) out.final_pool.push_back(c);
  out.tasks = std::move(tp_);
  if (!m_.fully_specified())
    out.assumptions.push_back(
        fmt::format("{} tasks have neither a work estimate nor a profile: assumed 0 s of execution",
                    m_.tasks_without_work()));
  for (const std::string& f : m_.unprofiled_functions())
    out.assumptions.push_back(
        fmt::format("function '{}' has no profile: used the tasks' work estimates", f));
  return out;
}

// --- The public face. -----------------------------------------------------------------------

RunEngine::RunEngine(const ExecutionModel& model, const Plan& plan, const PredictOptions& options,
                     TaskRunner& runner)
    : impl_(std::make_unique<Impl>(model, plan, options, runner, *this)) {}
RunEngine::~RunEngine() = default;
Prediction RunEngine::run() {
  return impl_->run();
}
std::int64_t RunEngine::now() const {
  return impl_->now_;
}
const ExecutionModel& RunEngine::model() const {
  return impl_->m_;
}
const Plan& RunEngine::plan() const {
  return impl_->plan_;
}
const InstancePrediction& RunEngine::instance(std::uint32_t i) const {
  return impl_->inst_[i];
}
TaskPrediction& RunEngine::record(std::uint32_t t) {
  return impl_->tp_[t];
}
bool RunEngine::must_upload(std::uint32_t inst, std::uint32_t t) const {
  return impl_->must_upload(inst, t);
}
RunEngine::RemoteInputs RunEngine::remote_inputs(std::uint32_t inst, std::uint32_t t,
                                                 std::int64_t local_since) const {
  return impl_->remote_inputs(inst, t, local_since);
}
bool RunEngine::is_local(std::uint32_t q, std::uint32_t inst, std::int64_t local_since) const {
  return impl_->is_local(q, inst, local_since);
}
RunEngine::RemoteInputs RunEngine::preloaded_inputs(std::uint32_t inst, std::uint32_t t,
                                                    std::int64_t local_since) const {
  return impl_->preloaded_inputs(inst, t, local_since);
}
std::int64_t RunEngine::direct_transfer_start_us(std::uint32_t producer, std::uint32_t inst,
                                                 std::int64_t took_slot_us) const {
  return impl_->direct_transfer_start_us(producer, inst, took_slot_us);
}
std::uint32_t RunEngine::machine(std::uint32_t inst) const {
  return impl_->inst_[inst].machine;
}
void RunEngine::schedule(std::int64_t time, std::uint32_t subject) {
  impl_->schedule(time, subject);
}
void RunEngine::move_event(std::int64_t time, std::uint32_t subject) {
  impl_->move_event(time, subject);
}
void RunEngine::cancel_moved_event() {
  impl_->cancel_moved_event();
}
void RunEngine::finish_task(std::uint32_t t, bool uploaded, std::int64_t upload_end_us,
                            std::int64_t streams_end_us) {
  impl_->finish_task(t, uploaded, upload_end_us, streams_end_us);
}
RunEngine::Output RunEngine::output_at_exec_end(std::uint32_t inst, std::uint32_t t) {
  return impl_->output_at_exec_end(inst, t);
}
bool RunEngine::has_streams(std::uint32_t t) const {
  return impl_->has_streams(t);
}
const StreamPrediction* RunEngine::stream_to(std::uint32_t q, std::uint32_t inst) const {
  return impl_->stream_to(q, inst);
}
std::int64_t RunEngine::dag_fetch_us(std::uint32_t inst) const {
  return impl_->dag_fetch_us(inst);
}
std::int64_t RunEngine::code_fetch_us(std::uint32_t inst, bool warm) const {
  if (warm || impl_->package_bytes_.empty()) return 0;
  const ConfigId c = impl_->inst_[inst].config;
  const std::uint64_t bytes = impl_->package_bytes_[index(c)];
  return bytes > 0 ? impl_->m_.transfer_us(bytes, c) : 0;
}
bool RunEngine::delays_upload(std::uint32_t inst, std::uint32_t t) const {
  return impl_->delays_upload(inst, t);
}
void RunEngine::hold_output(std::uint32_t t) {
  impl_->hold_output(t);
}
const DelayedPrediction* RunEngine::delay_record(std::uint32_t t) const {
  return impl_->delay_record(t);
}
void RunEngine::duplicate_ran(std::uint32_t t, std::int64_t exec_start_us,
                              std::int64_t exec_end_us) {
  impl_->duplicate_ran(t, exec_start_us, exec_end_us);
}
std::uint64_t RunEngine::events() const {
  return impl_->seq_;
}

// --- The predictor's runner. ----------------------------------------------------------------

namespace {

// A task's phases in closed form, without contention (DESIGN.md rules 4-6). Downloads from
// storage are one batched transfer at the task's start (one storage latency plus all remote
// bytes over the worker's bandwidth); with pre-load, each input's download starts as soon as it
// is stored and the worker is ready. With point-to-point transfers, each remote output comes
// over the network from the moment the engine says (direct_transfer_start_us), alongside the
// download of the literal inputs; the task executes when the last has arrived.
class ClosedFormRunner final : public TaskRunner {
 public:
  void start_task(RunEngine& e, std::uint32_t inst, std::uint32_t ti) override {
    const ExecutionModel& m = e.model();
    const Workflow& w = m.workflow();
    const InstancePrediction& in = e.instance(inst);
    TaskId t{ti};
    TaskPrediction& p = e.record(ti);
    ConfigId c = in.config;
    const std::int64_t start = p.start_us;
    std::int64_t download_end = start;
    if (m.direct_transfers()) {
      std::uint64_t bytes = w.input_bytes(t);
      if (bytes > 0) download_end = start + m.transfer_us(bytes, c);
      for (TaskId q : w.predecessors(t)) {
        std::uint32_t qi = index(q);
        if (e.is_local(qi, inst, RunEngine::kAlwaysLocal)) continue;
        std::uint64_t b = w.output_bytes(q);
        bytes += b;
        ConfigId from = e.instance(e.record(qi).instance).config;
        download_end = std::max(download_end, e.direct_transfer_start_us(qi, inst, e.now()) +
                                                  m.direct_transfer_us(b, from, c));
      }
      p.download_bytes = bytes;
    } else {
      const bool preload = preloads(e.plan(), t, in.worker);
      RunEngine::RemoteInputs r =
          preload ? e.preloaded_inputs(inst, ti) : e.remote_inputs(inst, ti);
      p.download_bytes = r.any ? r.bytes : 0;
      if (preload) {
        download_end = r.stored_us;
      } else if (r.any) {
        // An output flushed by an evicted worker may land after this task could start.
        download_end = std::max(start, r.stored_us) + m.transfer_us(r.bytes, c);
      }
    }
    p.exec_start_us = download_end + m.dispatch_us();
    if (const std::uint32_t dup = e.plan().duplicate(ti); dup != kNoDup) {
      // Task-dup (rule 9): the slot runs the producer first; its output stays here.
      const std::int64_t dup_end = p.exec_start_us + m.exec_us(TaskId{dup}, c);
      e.duplicate_ran(ti, p.exec_start_us, dup_end);
      p.exec_start_us = dup_end;
    }
    p.exec_end_us = p.exec_start_us + m.exec_us(t, c);
    if (e.has_streams(ti) && !m.direct_transfers()) {
      // Output streaming (rule 10): decided when the execution ends, by the engine's state then.
      e.schedule(p.exec_end_us, ti);
      return;
    }
    bool upload = e.must_upload(inst, ti);
    if (upload && e.delays_upload(inst, ti)) {  // delayed I/O: release_output() decides
      e.hold_output(ti);
      return;
    }
    e.finish_task(ti, upload,
                  upload ? p.exec_end_us + m.transfer_us(w.output_bytes(t), c) : p.exec_end_us);
  }

  // A task with streamed consumers ended its execution: its upload, if any, and its streams
  // run side by side from now, each one transfer at the producer's bandwidth.
  void on_event(RunEngine& e, std::uint32_t ti) override {
    const ExecutionModel& m = e.model();
    const TaskPrediction& p = e.record(ti);
    const ConfigId c = e.instance(p.instance).config;
    const RunEngine::Output out = e.output_at_exec_end(p.instance, ti);
    const std::int64_t transfer = m.transfer_us(m.workflow().output_bytes(TaskId{ti}), c);
    e.finish_task(ti, out.upload, out.upload ? p.exec_end_us + transfer : p.exec_end_us,
                  out.streams > 0 ? p.exec_end_us + transfer : 0);
  }
};

}  // namespace

Prediction detail::run_closed_form(const ExecutionModel& model, const Plan& plan,
                                   const PredictOptions& options) {
  ClosedFormRunner runner;
  return RunEngine(model, plan, options, runner).run();
}

}  // namespace dagplan
