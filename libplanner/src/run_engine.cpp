#include "dagplan/run_engine.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>

#include "dagplan/error.hpp"

namespace dagplan {

std::int64_t TaskRunner::startup_us(RunEngine& engine, std::uint32_t inst, bool warm) {
  ConfigId c = engine.instance(inst).config;
  return engine.model().startup_us(c, warm) + engine.model().dag_fetch_us(c);
}

RunEngine::RunEngine(const ExecutionModel& m, const Plan& plan, const PredictOptions& opts,
                     TaskRunner& runner)
    : m_(m), w_(m.workflow()), plan_(plan), runner_(runner), n_(w_.task_count()) {
  assert(plan.worker_count() < kUploadAlways);
  ts_.resize(n_);
  workers_.assign(plan.worker_count(), WorkerState{});
  for (std::uint32_t t = 0; t < n_; ++t) {
    ts_[t].missing = w_.in_degree(TaskId{t});
    ts_[t].worker = plan.task_worker[t];
    if (ts_[t].worker != kFlexible) ++workers_[ts_[t].worker].remaining;
  }
  // Rule 6 per task, in one pass whose iterations do not depend on each other (so that the
  // cache misses on successors overlap): a sink's output goes to the client; a strict consumer
  // elsewhere needs storage; only the first flexible child can continue here, and only if this
  // task is its only input (otherwise another producer may complete its counter and invoke it
  // elsewhere).
  for (std::uint32_t t = 0; t < n_; ++t) {
    std::uint32_t rule = w_.out_degree(TaskId{t}) == 0 ? kUploadAlways : kUploadNever;
    bool first_flexible = true;
    for (TaskId s : w_.successors(TaskId{t})) {
      std::uint32_t k = plan.task_worker[index(s)];
      if (k != kFlexible) {
        if (rule != kUploadNever && rule != k) rule = kUploadAlways;
        if (rule == kUploadNever) rule = k;
      } else {
        if (!first_flexible || w_.in_degree(s) != 1) rule = kUploadAlways;
        first_flexible = false;
      }
    }
    ts_[t].upload_rule = rule;
  }
  next_.assign(n_, kNone);
  tp_.resize(n_);
  pool_.resize(m.config_count());
  for (const WarmContainer& c : opts.warm_pool) pool_[index(c.config)].push_back(c);
  for (auto& stack : pool_)  // most recently idled on top
    std::sort(stack.begin(), stack.end(), [](const WarmContainer& a, const WarmContainer& b) {
      return a.idle_since_us < b.idle_since_us;
    });
  if (m.is_cluster()) {
    config_limit_.resize(m.config_count());
    std::uint64_t total = 0;
    for (std::size_t c = 0; c < m.config_count(); ++c) {
      const ResourceConfig& rc = m.config(ConfigId{static_cast<std::uint16_t>(c)});
      config_limit_[c] = static_cast<std::uint64_t>(rc.count) *
                         static_cast<std::uint64_t>(std::max(1.0, rc.vcpus));
      total += config_limit_[c];
    }
    global_limit_ = total;
  } else {
    global_limit_ = m.platform().max_concurrency;
  }
  config_running_.assign(m.config_count(), 0);
  waiting_.resize(m.config_count());
  // Every instance is invoked for a task that became ready, so there are at most n_: reserving
  // them costs address space only (pages are touched as instances are added) and spares the
  // copies of a growing vector.
  inst_.reserve(n_);
  state_.reserve(n_);
}

Prediction RunEngine::run() {
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
  while (!events_.empty()) {
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
      case EventKind::kTaskDone: task_done(x); break;
      case EventKind::kInstanceExit: release(x); break;
      case EventKind::kCustom: runner_.on_event(*this, x); break;
    }
  }
  if (done_ != n_) deadlock();
  return finish();
}

void RunEngine::push(std::int64_t time, EventKind kind, std::uint32_t subject) {
  if (seq_ >= (std::uint64_t{1} << 29))
    throw Error("run engine: more than 2^29 events (about 10^8 tasks) are not supported");
  if (time < now_)
    throw Error(fmt::format("run engine: an event at {} us was scheduled in the past (now {} us)",
                            time, now_));
  events_.push(Event{time, seq_++ << 35 | static_cast<std::uint64_t>(kind) << 32 | subject});
}

void RunEngine::EventQueue::push(const Event& e) {
  unsigned i = index_of(static_cast<std::uint64_t>(e.time), last_);
  bucket_[i].push_back(e);
  if (i > 0) nonempty_ |= std::uint64_t{1} << (i - 1);
  ++size_;
}

RunEngine::Event RunEngine::EventQueue::pop() {
  std::vector<Event>& due = bucket_[0];
  if (head_ == due.size()) {
    due.clear();
    head_ = 0;
    // The lowest non-empty bucket holds the next time: it becomes the last time taken, and its
    // events move to lower buckets (those at that time to bucket 0).
    unsigned i = static_cast<unsigned>(__builtin_ctzll(nonempty_)) + 1;
    std::vector<Event>& from = bucket_[i];
    std::uint64_t next = static_cast<std::uint64_t>(from.front().time);
    for (const Event& e : from) next = std::min(next, static_cast<std::uint64_t>(e.time));
    last_ = next;
    for (const Event& e : from) {
      unsigned j = index_of(static_cast<std::uint64_t>(e.time), next);
      bucket_[j].push_back(e);
      if (j > 0) nonempty_ |= std::uint64_t{1} << (j - 1);
    }
    from.clear();
    nonempty_ &= ~(std::uint64_t{1} << (i - 1));
    // Events pushed from now on at this time come later in insertion order than these.
    if (due.size() > 1)
      std::sort(due.begin(), due.end(),
                [](const Event& a, const Event& b) { return a.key < b.key; });
  }
  --size_;
  return due[head_++];
}

std::uint32_t RunEngine::new_instance(std::uint32_t worker, ConfigId config, std::int64_t at) {
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

bool RunEngine::has_capacity(ConfigId c) const {
  if (running_total_ >= global_limit_) return false;
  return config_limit_.empty() || config_running_[index(c)] < config_limit_[index(c)];
}

// Rule 2 and the concurrency limit: start now if allowed, else wait for an exit.
void RunEngine::request_start(std::uint32_t id) {
  const InstancePrediction& in = inst_[id];
  if (!has_capacity(in.config)) {
    waiting_[index(in.config)].push(id);
    ++waiting_count_;
    evict_idle();
    return;
  }
  start_instance(id);
}

void RunEngine::start_instance(std::uint32_t id) {
  InstancePrediction& in = inst_[id];
  ++running_total_;
  ++config_running_[index(in.config)];
  state_[id].started = true;
  in.start_us = now_;
  auto& stack = pool_[index(in.config)];
  while (!stack.empty() && stack.back().expires_us <= now_) stack.pop_back();
  // Take the most recently idled container, if it is idle already (a warm pool given for a
  // later run may hold containers that become idle in the future).
  in.warm = !stack.empty() && stack.back().idle_since_us <= now_;
  if (in.warm) stack.pop_back();
  in.ready_us = now_ + runner_.startup_us(*this, id, in.warm);
  fill_slots(id);
}

void RunEngine::enqueue(std::uint32_t inst, std::uint32_t t) {
  InstanceState& st = state_[inst];
  ts_[t].instance = inst;
  ++inst_[inst].tasks;
  next_[t] = kNone;
  if (st.queue_tail == kNone)
    st.queue_head = t;
  else
    next_[st.queue_tail] = t;
  st.queue_tail = t;
  if (st.started) fill_slots(inst);
}

void RunEngine::fill_slots(std::uint32_t inst) {
  InstanceState& st = state_[inst];
  while (st.running < st.slots && st.queue_head != kNone) {
    std::uint32_t t = st.queue_head;
    st.queue_head = next_[t];
    if (st.queue_head == kNone) st.queue_tail = kNone;
    ++st.running;
    next_[t] = st.ran_head;  // out of the queue: the link now chains the tasks run here
    st.ran_head = t;
    ++st.ran;
    TaskPrediction& p = tp_[t];
    p.instance = inst;
    p.start_us = std::max(now_, inst_[inst].ready_us);
    // When it is done, many events from now, it updates its successors, which lie anywhere:
    // fetch their records meanwhile.
    for (TaskId s : w_.successors(TaskId{t})) {
      __builtin_prefetch(&ts_[index(s)], 1);
      __builtin_prefetch(&tp_[index(s)], 1);
    }
    runner_.start_task(*this, inst, t);
  }
}

bool RunEngine::must_upload(std::uint32_t inst, std::uint32_t t) const {
  std::uint32_t rule = ts_[t].upload_rule;
  return rule == kUploadAlways || (rule != kUploadNever && rule != inst_[inst].worker);
}

RunEngine::RemoteInputs RunEngine::remote_inputs(std::uint32_t inst, std::uint32_t ti,
                                                 std::int64_t local_since) const {
  if (local_since != kAlwaysLocal) return remote_inputs_walk(inst, ti, local_since);
  // Every input is remote but those produced on this instance; the model knows the total.
  // Remote outputs were in storage when their producer finished, before this task was ready,
  // unless an evicted worker flushed them later.
  TaskId t{ti};
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

RunEngine::RemoteInputs RunEngine::remote_inputs_walk(std::uint32_t inst, std::uint32_t ti,
                                                      std::int64_t local_since) const {
  TaskId t{ti};
  RemoteInputs r;
  r.bytes = w_.input_bytes(t);
  r.any = r.bytes > 0;
  r.stored_us = now_;
  for (TaskId q : w_.predecessors(t)) {
    if (is_local(index(q), inst, local_since)) continue;  // local: free
    r.bytes += w_.output_bytes(q);
    r.any = true;
    r.stored_us = std::max(r.stored_us, tp_[index(q)].upload_end_us);
  }
  return r;
}

RunEngine::RemoteInputs RunEngine::preloaded_inputs(std::uint32_t inst, std::uint32_t ti,
                                                    std::int64_t local_since) const {
  TaskId t{ti};
  const InstancePrediction& in = inst_[inst];
  RemoteInputs r;
  r.bytes = w_.input_bytes(t);
  r.any = r.bytes > 0;
  r.stored_us = tp_[ti].start_us;
  if (r.any) r.stored_us = std::max(r.stored_us, in.ready_us + m_.transfer_us(r.bytes, in.config));
  for (TaskId q : w_.predecessors(t)) {
    if (is_local(index(q), inst, local_since)) continue;
    std::uint64_t bytes = w_.output_bytes(q);
    r.bytes += bytes;
    r.any = true;
    r.stored_us = std::max(r.stored_us, std::max(tp_[index(q)].upload_end_us, in.ready_us) +
                                            m_.transfer_us(bytes, in.config));
  }
  return r;
}

void RunEngine::finish_task(std::uint32_t t, bool uploaded, std::int64_t upload_end_us) {
  TaskPrediction& p = tp_[t];
  p.uploaded = uploaded;
  p.upload_end_us = uploaded ? upload_end_us : p.exec_end_us;
  std::uint32_t inst = ts_[t].instance;
  if (!uploaded && inst_[inst].worker != kFlexible) {  // strict instances may be evicted
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
  // Counter updates (pipelined) or the sink's completion record: one storage operation.
  p.finish_us = p.upload_end_us + m_.storage_op_us();
  push(p.finish_us, EventKind::kTaskDone, t);
}

void RunEngine::task_done(std::uint32_t ti) {
  TaskId t{ti};
  std::uint32_t inst = ts_[ti].instance;
  ++done_;
  makespan_ = std::max(makespan_, now_);
  std::uint32_t k = ts_[ti].worker;
  if (k != kFlexible) --workers_[k].remaining;
  // Rule 3: successors whose counter this task completes.
  bool continued = false;
  const std::uint32_t worker = inst_[inst].worker;
  const std::uint64_t output_bytes = w_.output_bytes(t);
  // The successors' records were fetched into cache when this task started (fill_slots).
  for (TaskId s : w_.successors(t)) {
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
    if (--st.missing != 0) continue;
    tp_[si].ready_us = now_;
    std::uint32_t sk = st.worker;
    if (sk != kFlexible) {
      std::uint32_t target = workers_[sk].instance;
      if (target == kNone) {
        target = workers_[sk].instance = new_instance(sk, plan_.worker_config[sk], now_);
        enqueue(target, si);
      } else if (target == inst) {
        enqueue(inst, si);
      } else {
        st.instance = target;
        ++state_[target].ready_in_flight;  // it must not step aside before this arrives
        push(now_ + m_.storage_op_us(), EventKind::kTaskReady, si);  // ready event
      }
    } else if (!continued) {
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
  if (st.running == 0 && st.queue_head == kNone) {
    if (worker == kFlexible || workers_[worker].remaining == 0) {
      exit_instance(inst, now_);
    } else {
      idle_.push_back(inst);  // a strict worker waiting for its next task
      evict_idle();
    }
  }
}

// A strict worker that waits idle holds a place under the concurrency limit. When another
// invocation is queued for lack of one, idle workers exit (longest idle first) after flushing to
// storage the outputs their own later tasks still need; those tasks then run on a new instance
// of the worker. Without this, workers waiting for each other could deadlock.
void RunEngine::evict_idle() {
  while (waiting_count_ > 0 && !idle_.empty()) {
    std::uint32_t id = idle_.front();
    idle_.pop_front();
    const InstanceState& st = state_[id];
    if (st.exited || st.exiting || st.running != 0 || st.queue_head != kNone ||
        st.ready_in_flight != 0)
      continue;  // stale: it has work again, or work is on its way
#ifndef NDEBUG
    std::size_t kept_here = 0, not_uploaded = 0;
    for (std::uint32_t c = st.kept_head; c != kNone; c = kept_[c].next) ++kept_here;
    if (kept_here > 0) kept_here = (kept_here - 1) * kKeptPerChunk + st.kept_fill;
    for (std::uint32_t t = st.ran_head; t != kNone; t = next_[t]) not_uploaded += !tp_[t].uploaded;
    assert(kept_here == not_uploaded);
#endif
    std::uint64_t bytes = 0;
    std::uint32_t fill = st.kept_fill;
    for (std::uint32_t c = st.kept_head; c != kNone; c = kept_[c].next, fill = kKeptPerChunk)
      for (std::uint32_t i = 0; i < fill; ++i) {
        std::uint32_t t = kept_[c].task[i];
        tp_[t].uploaded = true;
        bytes += w_.output_bytes(TaskId{t});
        flushed_.push_back(t);
      }
    std::int64_t end = now_;
    if (!flushed_.empty()) end += m_.transfer_us(bytes, inst_[id].config);
    if (!flushed_.empty() && flushed_until_.empty()) flushed_until_.assign(n_, 0);
    for (std::uint32_t t : flushed_) {
      tp_[t].upload_end_us = end;
      for (TaskId s : w_.successors(TaskId{t}))
        flushed_until_[index(s)] = std::max(flushed_until_[index(s)], end);
    }
    flushed_.clear();
    exit_instance(id, end);  // also frees the worker's slot, so its next task re-invokes it
  }
}

void RunEngine::exit_instance(std::uint32_t id, std::int64_t at) {
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

// The instance's container goes back to the pool and its place to the longest-waiting request.
void RunEngine::release(std::uint32_t id) {
  const InstancePrediction& in = inst_[id];
  state_[id].exited = true;
  pool_[index(in.config)].push_back(
      WarmContainer{in.config, now_, now_ + m_.platform().keep_alive_us});
  --running_total_;
  --config_running_[index(in.config)];
  while (waiting_count_ > 0) {  // FIFO by request, across configurations
    std::uint32_t best = kNone;
    for (std::size_t c = 0; c < waiting_.size(); ++c) {
      if (waiting_[c].empty() || !has_capacity(ConfigId{static_cast<std::uint16_t>(c)})) continue;
      std::uint32_t cand = waiting_[c].front();
      if (best == kNone || cand < best) best = cand;
    }
    if (best == kNone) break;
    waiting_[index(inst_[best].config)].pop();
    --waiting_count_;
    start_instance(best);
  }
}

void RunEngine::deadlock() {
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

Prediction RunEngine::finish() {
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
  out.invocations = inst_.size();
  out.instances = std::move(inst_);
  out.cost.invocations = m_.invocation_cost(out.invocations);
  for (std::uint32_t t = 0; t < n_; ++t) {
    out.bytes_downloaded += tp_[t].download_bytes;
    if (!tp_[t].uploaded) continue;
    std::uint64_t bytes = w_.output_bytes(TaskId{t});
    out.bytes_uploaded += bytes;
    out.cost.storage += m_.storage_cost(bytes, makespan_ - tp_[t].upload_end_us);
  }
  if (m_.is_cluster()) out.cost.compute = m_.cluster_cost(makespan_);
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

}  // namespace dagplan
