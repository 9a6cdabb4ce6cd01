// The event-level runner (event_run.hpp): a task's phases as events, with shared bandwidth and
// vCPUs, and optionally noise and faults. The rules of the run (who runs where, when workers
// start and exit) are the engine's.
//
// Contention model (docs/decisions/0004 and 0008). A storage transfer waits one storage latency,
// then moves its bytes at
//   min(worker bandwidth / the worker's active transfers, storage bandwidth / all active ones)
// (egalitarian sharing at both levels). A point-to-point transfer waits the network latency,
// then moves at min(sender / leaving, receiver / arriving) with shared links, or the full
// bandwidth of the slower end with independent ones. A task executes at
// min(1, vCPUs / tasks executing on its worker) of full speed.
//
// The storage's share is the same for every transfer it limits, so those transfers progress
// together: they are kept in "storage-bound" mode, on a virtual clock V (bytes each has moved
// since a common origin, advancing at the current share), in a heap by the V at which each ends.
// One event stands for the earliest of them; a change of the share reschedules that event only,
// not every transfer. Transfers limited by their worker's share are rescheduled when that worker's
// transfers change. A transfer moves between the two modes when the shares cross (two heaps by
// worker share find those). So a transfer's start or end costs O(transfers of its worker + log N)
// instead of O(N), and the rates are exact (the former simulator recomputed all shares only when
// the count had moved by 5%, beyond 64 transfers).
#include "dagplan/event_run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>

#include "dagplan/error.hpp"
#include "dagplan/large_vector.hpp"
#include "dagplan/limits.hpp"
#include "dagplan/random.hpp"
#include "dagplan/run_engine.hpp"
#include "dagplan/run_rules.hpp"

namespace dagplan {
namespace {

constexpr std::uint32_t kNone = 0xffffffffu;

// Runner event types, packed in the low 3 bits of the event subject.
enum Ev : std::uint32_t {
  kFlowLatencyDone = 0,  // subject: flow
  kFlowEnd = 1,          // subject: flow (worker-bound or point to point)
  kExecBegin = 2,        // subject: task
  kExecEnd = 3,          // subject: task
  kRestarted = 4,        // subject: task (its worker restarted after a crash)
  kExecStart = 5,        // subject: task (dispatch overhead paid)
  kRetry = 6,            // subject: task (retry after a task failure)
  kStorageNext = 7,      // subject: 0 (the earliest end among storage-bound transfers)
};

enum class Mode : std::uint8_t { kLatency, kWorker, kStorage, kDone };

struct Flow {
  std::uint32_t inst = kNone;  // storage transfers: the worker instance
  std::uint32_t task = kNone;  // the task that waits for it (a direct transfer's consumer)
  bool upload = false;
  bool stream = false;  // with upload: a stream to a consumer's instance (Plan::stream)
  bool direct = false;  // point to point, from machine src to machine dst
  Mode mode = Mode::kLatency;
  std::uint32_t gen = 0;  // bumped whenever its heap keys change: older entries are stale
  std::uint32_t src = kNone, dst = kNone;
  ConfigId src_config{0}, dst_config{0};
  double remaining = 0;      // bytes (worker-bound and direct modes), as of last_us
  double rate = 0;           // bytes per second (worker-bound and direct modes)
  double share = 0;          // the worker's share (storage transfers)
  double vend = 0;           // storage-bound: the virtual clock at which it ends
  std::int64_t last_us = 0;  // when remaining was last brought up to date
  std::int64_t end_us = -1;  // its scheduled end (worker-bound and direct); none yet: -1
  std::uint64_t bytes = 0;
  std::int64_t start_us = 0;
};

// 12 bytes per task (a 10^6-task run touches them all): an execution's progress is kept with
// its instance (InstanceLists::execs) while it lasts, and what only a recorded attempt needs
// (EventRunOptions::record_attempts) apart.
struct TaskRun {
  std::uint32_t attempt = 0;
  std::uint32_t pending_flows = 0;
  bool failing = false;    // this attempt ends in a failure when its work is done
  bool gave_up = false;    // out of attempts: finishes without a successful attempt
  bool crash = false;      // ... by a worker crash (else a task failure)
  bool took_slot = false;  // start_task() was called: it executes once its flows are done
};
static_assert(sizeof(TaskRun) == 12);

// A task executing on an instance.
struct Execution {
  std::uint32_t task = kNone;
  double work_us = 0;  // remaining CPU work at full speed, as of last_us
  double rate = 1;
  std::int64_t last_us = 0;
  std::int64_t end_us = 0;
  bool duplicate = false;  // the task's duplicate of its producer (Plan::dup), before the task
  std::int64_t began_us = 0;
};

// An instance's active storage transfers and executing tasks, in the order the rates are
// recomputed in. Only instances with some are given lists, which are recycled: a run has few
// such instances at a time but may start one per task.
struct InstanceLists {
  std::vector<std::uint32_t> flows;
  std::vector<Execution> execs;
  ConfigId config{0};
};

// A lazy heap of (key, flow, generation): entries whose generation is not the flow's current
// one (or whose flow left the mode) are dropped when they reach the top. Those that never reach
// it (a heap by share keeps the lowest share on top while transfers with higher ones come and
// go) are swept out when the heap has doubled since the last sweep. An entry once stale stays
// stale, and at most one entry per flow is valid, so the valid ones come out in the same order
// (key, then flow) with or without sweeps.
template <typename Compare>
class FlowHeap {
 public:
  struct Entry {
    double key;
    std::uint32_t flow;
    std::uint32_t gen;
  };
  void push(double key, std::uint32_t flow, std::uint32_t gen) {
    heap_.push_back(Entry{key, flow, gen});
    std::push_heap(heap_.begin(), heap_.end(), Order{});
  }
  template <typename Valid>
  const Entry* top(const Valid& valid) {
    while (!heap_.empty() && !valid(heap_.front())) {
      std::pop_heap(heap_.begin(), heap_.end(), Order{});
      heap_.pop_back();
    }
    return heap_.empty() ? nullptr : &heap_.front();
  }
  void pop() {
    std::pop_heap(heap_.begin(), heap_.end(), Order{});
    heap_.pop_back();
  }
  template <typename Valid>
  void sweep_if_grown(const Valid& valid) {
    if (heap_.size() < sweep_at_) return;
    std::erase_if(heap_, [&](const Entry& x) { return !valid(x); });
    std::make_heap(heap_.begin(), heap_.end(), Order{});
    sweep_at_ = std::max(kMinSweep, 2 * heap_.size());
  }

 private:
  static constexpr std::size_t kMinSweep = 1024;
  std::size_t sweep_at_ = kMinSweep;
  struct Order {  // std heaps put the greatest first: Compare says which key is "greater"
    bool operator()(const Entry& a, const Entry& b) const {
      return a.key != b.key ? Compare{}(a.key, b.key) : a.flow > b.flow;
    }
  };
  std::vector<Entry> heap_;
};

class EventRunner final : public TaskRunner {
 public:
  EventRunner(const ExecutionModel& m, const EventRunOptions& o)
      : m_(m), w_(m.workflow()), o_(o), rng_(o.seed), runs_(m.workflow().task_count()) {
    if (o.record_attempts) {
      attempts_.resize(w_.task_count());
      took_slot_us_.resize(w_.task_count());
      download_start_us_.resize(w_.task_count());
    }
    if (m.direct_transfers()) {
      out_flows_.resize(m.machine_count());
      in_flows_.resize(m.machine_count());
    }
    storage_bw_ = m.platform().storage_bandwidth_bytes_per_s;
  }

  std::uint64_t events() const { return events_; }
  std::uint64_t superseded() const { return superseded_; }
  std::uint64_t failed_attempts() const { return failed_attempts_; }
  std::uint64_t crashes() const { return crashes_; }
  const std::string& failure() const { return failure_; }
  std::vector<std::vector<TraceAttempt>>& attempts() { return attempts_; }
  std::vector<std::int64_t>& dag_fetches() { return dag_fetches_; }

  std::int64_t startup_us(RunEngine& e, std::uint32_t inst, bool warm) override {
    ConfigId c = e.instance(inst).config;
    std::int64_t base = m_.startup_us(c, warm);
    if (o_.noise.enabled) base = noisy(base, o_.noise.startup_sigma);
    const std::int64_t fetch = e.dag_fetch_us(inst);
    if (o_.record_attempts) {
      if (dag_fetches_.size() <= inst) dag_fetches_.resize(inst + 1, 0);
      dag_fetches_[inst] = fetch;
    }
    return base + fetch + e.code_fetch_us(inst, warm);
  }

  void start_task(RunEngine& e, std::uint32_t inst, std::uint32_t t) override {
    ensure_instance(inst);
    TaskPrediction& p = e.record(t);
    TaskRun& r = runs_[t];
    r.attempt = 0;
    r.took_slot = true;
    if (o_.record_attempts) took_slot_us_[t] = e.now();
    if (m_.direct_transfers()) return start_direct(e, inst, t);
    const InstancePrediction& in = e.instance(inst);
    if (preloads(e.plan(), TaskId{t}, in.worker)) {
      // Pre-loaded inputs were fetched while the worker did other work: without contention, as
      // in closed form (their past cannot be re-simulated from here).
      RunEngine::RemoteInputs pre = e.preloaded_inputs(inst, t, crash_time(inst));
      p.download_bytes = pre.any ? pre.bytes : 0;
      set_download_start(t, p.start_us);
      e.schedule(pre.stored_us, t << 3 | kExecBegin);
      return;
    }
    RunEngine::RemoteInputs ri = e.remote_inputs(inst, t, crash_time(inst));
    p.download_bytes = ri.any ? ri.bytes : 0;
    std::int64_t from = std::max(p.start_us, ri.stored_us);
    set_download_start(t, from);
    if (!ri.any) {
      e.schedule(p.start_us, t << 3 | kExecBegin);
      return;
    }
    start_flow(e, inst, t, ri.bytes, false, from);
  }

  // Delayed I/O: the held output goes to storage now (a transfer like any other upload), or
  // never.
  void release_output(RunEngine& e, std::uint32_t inst, std::uint32_t t, bool upload) override {
    if (upload) {
      start_flow(e, inst, t, w_.output_bytes(TaskId{t}), true, e.now());
      return;
    }
    record_attempt(e, t, true, "");
    e.finish_task(t, false, e.record(t).exec_end_us);
  }

  void on_event(RunEngine& e, std::uint32_t subject) override {
    ++events_;
    std::uint32_t id = subject >> 3;
    switch (subject & 7) {
      case kFlowLatencyDone: flow_active(e, id); break;
      case kFlowEnd: flow_end_event(e, id); break;
      case kExecBegin: exec_begin(e, id); break;
      case kExecEnd: exec_end(e, id); break;
      case kRestarted: restarted(e, id); break;
      case kExecStart: exec_start(e, id); break;
      case kRetry: exec_begin(e, id); break;
      case kStorageNext: storage_next(e); break;
      default: break;
    }
  }

 private:
  std::int64_t noisy(std::int64_t us, double sigma) {
    // A draw far in the tail must not carry a time past the horizon (limits.hpp).
    double x = static_cast<double>(us) * rng_.lognormal(sigma);
    return static_cast<std::int64_t>(
        std::llround(std::min(x, static_cast<double>(limits::kMaxDurationUs))));
  }

  void ensure_instance(std::uint32_t inst) {
    if (inst >= inst_lists_.size()) inst_lists_.resize(inst + 1024, kNone);
  }
  // When the worker of `inst` last crashed (kAlwaysLocal: never).
  std::int64_t crash_time(std::uint32_t inst) const {
    return inst < inst_crash_.size() ? inst_crash_[inst] : RunEngine::kAlwaysLocal;
  }
  void set_download_start(std::uint32_t t, std::int64_t at) {
    if (o_.record_attempts) download_start_us_[t] = at;
  }

  // The lists of instance `inst`, which has some (an active transfer or an executing task).
  InstanceLists& lists(std::uint32_t inst) { return lists_[inst_lists_[inst]]; }
  // The lists of `inst`, given it a recycled (empty) one if it has none.
  InstanceLists& take_lists(RunEngine& e, std::uint32_t inst) {
    std::uint32_t& k = inst_lists_[inst];
    if (k == kNone) {
      if (!free_lists_.empty()) {
        k = free_lists_.back();
        free_lists_.pop_back();
      } else {
        k = static_cast<std::uint32_t>(lists_.size());
        lists_.emplace_back();
      }
      lists_[k].config = e.instance(inst).config;
    }
    return lists_[k];
  }
  // Gives back the lists of `inst` once both are empty.
  void drop_lists(std::uint32_t inst) {
    std::uint32_t& k = inst_lists_[inst];
    if (!lists_[k].flows.empty() || !lists_[k].execs.empty()) return;
    free_lists_.push_back(k);
    k = kNone;
  }

  // A time `remaining` bytes from now at `rate`, rounded up to the microsecond and bounded.
  static std::int64_t after(std::int64_t now, double remaining, double rate) {
    double us = std::ceil(remaining / rate * 1e6);
    return now + static_cast<std::int64_t>(std::min(us, static_cast<double>(limits::kHorizonUs)));
  }

  // --- Point-to-point transfers (decision 0007) --------------------------------------------

  // The literal inputs are downloaded from storage from the task's start; each output of
  // another machine comes over the network, pushed when its producer finished if this task's
  // worker is pinned to a machine (push_outputs), else pulled from now. The task executes when
  // the last has arrived.
  void start_direct(RunEngine& e, std::uint32_t inst, std::uint32_t t) {
    TaskPrediction& p = e.record(t);
    TaskRun& r = runs_[t];
    TaskId id{t};
    std::uint64_t bytes = w_.input_bytes(id);
    set_download_start(t, p.start_us);
    if (bytes > 0) start_flow(e, inst, t, bytes, false, p.start_us);
    const std::uint32_t machine = e.machine(inst);
    const bool pushed = e.plan().task_worker[t] != kFlexible &&
                        e.plan().machine(e.plan().task_worker[t]) != kAnyMachine;
    for (TaskId q : w_.predecessors(id)) {
      std::uint32_t qi = index(q);
      if (e.is_local(qi, inst, RunEngine::kAlwaysLocal)) continue;
      bytes += w_.output_bytes(q);
      if (pushed) continue;  // on its way since the producer finished
      std::uint32_t from_inst = e.record(qi).instance;
      start_direct_flow(e, t, e.machine(from_inst), e.instance(from_inst).config, machine,
                        e.instance(inst).config, w_.output_bytes(q),
                        e.direct_transfer_start_us(qi, inst, e.now()));
    }
    p.download_bytes = bytes;
    if (r.pending_flows == 0) e.schedule(p.start_us, t << 3 | kExecBegin);
  }

  // A producer on a machine is done: its output leaves for the consumers whose workers are
  // pinned to other machines.
  void push_outputs(RunEngine& e, std::uint32_t t) {
    const Plan& plan = e.plan();
    std::uint32_t inst = e.record(t).instance;
    std::uint32_t machine = e.machine(inst);
    for (TaskId s : w_.successors(TaskId{t})) {
      std::uint32_t k = plan.task_worker[index(s)];
      if (k == kFlexible || plan.machine(k) == kAnyMachine) continue;
      ConfigId c = plan.worker_config[k];
      std::uint32_t to = m_.machine_begin(c) + plan.machine(k);
      if (to == machine) continue;
      start_direct_flow(e, index(s), machine, e.instance(inst).config, to, c,
                        w_.output_bytes(TaskId{t}), e.now());
    }
  }

  void start_direct_flow(RunEngine& e, std::uint32_t task, std::uint32_t src, ConfigId src_config,
                         std::uint32_t dst, ConfigId dst_config, std::uint64_t bytes,
                         std::int64_t from) {
    Flow& fl = flows_[open_flow(e, task, bytes, from, m_.network_latency_us())];
    fl.direct = true;
    fl.src = src;
    fl.dst = dst;
    fl.src_config = src_config;
    fl.dst_config = dst_config;
  }

  double direct_rate(const Flow& f) const {
    return m_.direct_rate(f.src_config, f.dst_config, o_.contention ? out_flows_[f.src].size() : 1,
                          o_.contention ? in_flows_[f.dst].size() : 1);
  }

  // Brings a point-to-point transfer up to now and gives it its rate and end.
  void reschedule_direct(RunEngine& e, std::uint32_t f, bool fresh) {
    Flow& fl = flows_[f];
    const std::int64_t now = e.now();
    if (!fresh)
      fl.remaining =
          std::max(0.0, fl.remaining - fl.rate * static_cast<double>(now - fl.last_us) / 1e6);
    double rate = direct_rate(fl);
    fl.last_us = now;
    if (!fresh && rate == fl.rate) return;
    fl.rate = rate;
    // At the full bandwidth from the start it ends exactly when the closed form says.
    std::int64_t end = (fresh && rate == m_.direct_rate(fl.src_config, fl.dst_config, 1, 1))
                           ? now + m_.direct_stream_us(fl.bytes, fl.src_config, fl.dst_config)
                           : after(now, fl.remaining, rate);
    if (end == fl.end_us) return;
    fl.end_us = end;
    e.schedule(end, f << 3 | kFlowEnd);
  }

  // Shared links: the rates of the transfers leaving `src` and arriving at `dst` change.
  void rebalance_links(RunEngine& e, std::uint32_t src, std::uint32_t dst) {
    if (!o_.contention || m_.platform().links != LinkSharing::kShared) return;
    for (std::uint32_t g : out_flows_[src]) reschedule_direct(e, g, false);
    for (std::uint32_t g : in_flows_[dst]) reschedule_direct(e, g, false);
  }

  // --- Storage transfers ---------------------------------------------------------------------

  std::uint32_t new_flow() {
    std::uint32_t f;
    if (!free_flows_.empty()) {
      f = free_flows_.back();
      free_flows_.pop_back();
    } else {
      f = static_cast<std::uint32_t>(flows_.size());
      flows_.emplace_back();
    }
    std::uint32_t gen = flows_[f].gen;
    flows_[f] = Flow{};
    flows_[f].gen = gen + 1;  // entries of the flow that used this slot before are stale
    return f;
  }

  // A transfer of `bytes` for task `t` that starts moving after `latency` (noisy, with noise):
  // the caller says where it goes.
  std::uint32_t open_flow(RunEngine& e, std::uint32_t t, std::uint64_t bytes, std::int64_t from,
                          std::int64_t latency) {
    std::uint32_t f = new_flow();
    Flow& fl = flows_[f];
    fl.task = t;
    fl.bytes = bytes;
    fl.remaining = static_cast<double>(bytes);
    fl.start_us = from;
    if (o_.noise.enabled) latency = noisy(latency, o_.noise.latency_sigma);
    ++runs_[t].pending_flows;
    e.schedule(from + latency, f << 3 | kFlowLatencyDone);
    return f;
  }

  std::uint32_t start_flow(RunEngine& e, std::uint32_t inst, std::uint32_t t, std::uint64_t bytes,
                           bool upload, std::int64_t from) {
    const std::uint32_t f = open_flow(e, t, bytes, from, m_.storage_op_us());
    Flow& fl = flows_[f];
    fl.inst = inst;
    fl.upload = upload;
    return f;
  }

  // The storage's share per transfer, and the virtual clock: V moves at the share.
  double storage_share() const { return storage_share_; }
  void set_active(std::size_t active) {
    active_ = active;
    storage_share_ = active_ == 0 ? std::numeric_limits<double>::infinity()
                                  : storage_bw_ / static_cast<double>(active_);
  }
  void advance_clock(std::int64_t now) {
    if (now != v_last_us_ && active_ > 0)
      v_ += storage_share() * static_cast<double>(now - v_last_us_) / 1e6;
    v_last_us_ = now;
  }
  // Whether a transfer whose worker's share is `share` is held back by the storage's share.
  bool storage_bound(double share) const { return o_.contention && storage_share() <= share; }

  // Whether a heap entry stands for its flow as it is now, in `mode`.
  auto valid_in(Mode mode) const {
    return [this, mode](const auto& x) {
      return flows_[x.flow].gen == x.gen && flows_[x.flow].mode == mode;
    };
  }

  // Puts an active storage transfer (bytes up to date as of now) in the mode its shares say, and
  // schedules what it needs. `fresh`: it has just become active.
  void place_flow(RunEngine& e, std::uint32_t f, bool fresh) {
    Flow& fl = flows_[f];
    const std::int64_t now = e.now();
    ++fl.gen;
    if (storage_bound(fl.share)) {
      fl.mode = Mode::kStorage;
      fl.vend = v_ + fl.remaining;
      by_vend_.push(fl.vend, f, fl.gen);
      bound_by_share_.push(fl.share, f, fl.gen);
      by_vend_.sweep_if_grown(valid_in(Mode::kStorage));
      bound_by_share_.sweep_if_grown(valid_in(Mode::kStorage));
      return;
    }
    fl.mode = Mode::kWorker;
    const ConfigId c = lists(fl.inst).config;
    double rate = o_.contention ? fl.share : m_.config(c).bandwidth_bytes_per_s;
    fl.rate = rate;
    fl.last_us = now;
    free_by_share_.push(fl.share, f, fl.gen);
    free_by_share_.sweep_if_grown(valid_in(Mode::kWorker));
    // A transfer with the worker's whole bandwidth from its start ends exactly when the closed
    // form says (the model's rounding); otherwise at the rate now in force.
    std::int64_t end = (fresh && rate == m_.config(c).bandwidth_bytes_per_s)
                           ? now + m_.stream_us(fl.bytes, c)
                           : after(now, fl.remaining, rate);
    fl.end_us = end;
    e.schedule(end, f << 3 | kFlowEnd);
  }

  // Brings a storage transfer's bytes up to now (before its mode or rate changes).
  void settle(RunEngine& e, Flow& fl) {
    const std::int64_t now = e.now();
    if (fl.mode == Mode::kWorker) {
      fl.remaining =
          std::max(0.0, fl.remaining - fl.rate * static_cast<double>(now - fl.last_us) / 1e6);
      fl.last_us = now;
    } else if (fl.mode == Mode::kStorage) {
      fl.remaining = std::max(0.0, fl.vend - v_);
    }
  }

  // The worker's share of instance `inst` changed (a transfer joined or left it).
  void reshare_worker(RunEngine& e, std::uint32_t inst) {
    if (inst_lists_[inst] == kNone) return;
    const InstanceLists& l = lists(inst);
    const std::vector<std::uint32_t>& mine = l.flows;
    if (mine.empty()) return;
    if (!o_.contention) {  // every transfer at the full bandwidth: only the new one to place
      for (std::uint32_t f : mine)
        if (flows_[f].mode == Mode::kLatency) place_flow(e, f, true);
      return;
    }
    double share = m_.config(l.config).bandwidth_bytes_per_s / static_cast<double>(mine.size());
    for (std::uint32_t f : mine) {
      Flow& fl = flows_[f];
      if (fl.share == share && fl.mode != Mode::kLatency) continue;
      bool was_fresh = fl.mode == Mode::kLatency;
      settle(e, fl);
      fl.share = share;
      place_flow(e, f, was_fresh);
    }
  }

  // After the storage's share changed: transfers whose binding share crossed it change mode.
  void rebalance_modes(RunEngine& e) {
    if (!o_.contention) return;
    const double g = storage_share();
    auto valid_storage = [&](const auto& x) {
      return flows_[x.flow].gen == x.gen && flows_[x.flow].mode == Mode::kStorage;
    };
    auto valid_worker = [&](const auto& x) {
      return flows_[x.flow].gen == x.gen && flows_[x.flow].mode == Mode::kWorker;
    };
    // Storage-bound transfers whose worker's share is now below the storage's.
    while (const auto* top = bound_by_share_.top(valid_storage)) {
      if (!(top->key < g)) break;
      std::uint32_t f = top->flow;
      bound_by_share_.pop();
      settle(e, flows_[f]);
      place_flow(e, f, false);
    }
    // Worker-bound transfers whose worker's share is now at or above the storage's.
    while (const auto* top = free_by_share_.top(valid_worker)) {
      if (top->key < g) break;
      std::uint32_t f = top->flow;
      free_by_share_.pop();
      settle(e, flows_[f]);
      place_flow(e, f, false);
    }
  }

  // Schedules the event of the earliest end among storage-bound transfers (one for all).
  void schedule_storage_next(RunEngine& e) {
    auto valid = [&](const auto& x) {
      return flows_[x.flow].gen == x.gen && flows_[x.flow].mode == Mode::kStorage;
    };
    const auto* top = by_vend_.top(valid);
    if (!top) {
      if (storage_next_us_ >= 0) e.cancel_moved_event();
      storage_next_us_ = -1;
      return;
    }
    std::int64_t at = after(e.now(), std::max(0.0, top->key - v_), storage_share());
    if (at == storage_next_us_) return;
    storage_next_us_ = at;
    e.move_event(at, kStorageNext);
  }

  // The storage's share changes with the count of active transfers: first bring the virtual
  // clock up to now at the old share.
  void storage_count_changes(RunEngine& e) { advance_clock(e.now()); }

  void flow_active(RunEngine& e, std::uint32_t f) {
    Flow& fl = flows_[f];
    if (fl.direct) {
      fl.mode = Mode::kWorker;
      out_flows_[fl.src].push_back(f);
      in_flows_[fl.dst].push_back(f);
      reschedule_direct(e, f, true);
      rebalance_links(e, fl.src, fl.dst);
      return;
    }
    storage_count_changes(e);
    set_active(active_ + 1);
    take_lists(e, fl.inst).flows.push_back(f);
    fl.last_us = e.now();
    fl.share = 0;  // set by reshare_worker
    reshare_worker(e, fl.inst);
    rebalance_modes(e);
    schedule_storage_next(e);
  }

  static void remove_from(std::vector<std::uint32_t>& v, std::uint32_t f) {
    auto it = std::find(v.begin(), v.end(), f);
    *it = v.back();
    v.pop_back();
  }

  void flow_end_event(RunEngine& e, std::uint32_t f) {
    Flow& fl = flows_[f];
    if (fl.mode != Mode::kWorker || fl.end_us != e.now()) {  // superseded by a reschedule
      ++superseded_;
      return;
    }
    flow_done(e, f);
    if (!fl.direct) {
      rebalance_modes(e);
      schedule_storage_next(e);
    }
  }

  void storage_next(RunEngine& e) {
    if (e.now() != storage_next_us_) {  // superseded by a reschedule
      ++superseded_;
      return;
    }
    storage_next_us_ = -1;
    advance_clock(e.now());
    // Every storage-bound transfer that has moved its bytes by now (within the rounding of one
    // microsecond at the share) ends.
    const double slack = storage_share() * 1e-6;
    auto valid = [&](const auto& x) {
      return flows_[x.flow].gen == x.gen && flows_[x.flow].mode == Mode::kStorage;
    };
    std::vector<std::uint32_t>& ending = ending_;
    ending.clear();
    while (const auto* top = by_vend_.top(valid)) {
      if (top->key > v_ + slack) break;
      ending.push_back(top->flow);
      by_vend_.pop();
    }
    for (std::uint32_t f : ending) flow_done(e, f);
    rebalance_modes(e);
    schedule_storage_next(e);
  }

  // A transfer has moved its last byte.
  void flow_done(RunEngine& e, std::uint32_t f) {
    Flow& fl = flows_[f];
    if (fl.direct) {
      fl.mode = Mode::kDone;
      remove_from(out_flows_[fl.src], f);
      remove_from(in_flows_[fl.dst], f);
      free_flows_.push_back(f);
      rebalance_links(e, fl.src, fl.dst);
      std::uint32_t t = fl.task;
      TaskRun& r = runs_[t];
      // The last input is there: execute, once the task has its slot (pushed transfers may
      // end before) and its instance is ready.
      if (--r.pending_flows == 0 && r.took_slot)
        e.schedule(std::max(e.now(), e.record(t).start_us), t << 3 | kExecBegin);
      return;
    }
    storage_count_changes(e);
    fl.mode = Mode::kDone;
    ++fl.gen;
    set_active(active_ - 1);
    remove_from(lists(fl.inst).flows, f);
    free_flows_.push_back(f);
    reshare_worker(e, fl.inst);
    drop_lists(fl.inst);
    std::uint32_t t = fl.task;
    TaskRun& r = runs_[t];
    if (fl.upload && !fl.stream && !upload_end_us_.empty()) upload_end_us_[t] = e.now();
    if (--r.pending_flows != 0) return;
    if (fl.upload) {
      record_attempt(e, t, true, "");
      if (!upload_end_us_.empty() && e.has_streams(t)) {
        // Its streams, and its upload if it had one, are done (finish_upload()).
        const std::int64_t up = upload_end_us_[t];
        e.finish_task(t, up >= 0, up >= 0 ? up : e.record(t).exec_end_us, e.now());
      } else {
        e.finish_task(t, true, e.now());
      }
    } else {
      exec_begin(e, t);
    }
  }

  // --- Execution -----------------------------------------------------------------------------

  // Inputs are all here: pay the dispatch overhead (clusters), then execute.
  void exec_begin(RunEngine& e, std::uint32_t t) {
    if (m_.dispatch_us() > 0) {
      e.schedule(e.now() + m_.dispatch_us(), t << 3 | kExecStart);
    } else {
      exec_start(e, t);
    }
  }

  // Task-dup (rule 9): a task that duplicates its producer runs that first, in its slot.
  void exec_start(RunEngine& e, std::uint32_t t) {
    exec_phase(e, t, e.plan().duplicate(t) != kNoDup);
  }

  // The task's execution, or (`duplicate`) its duplicate's: the duplicated producer's work on
  // this configuration, with that producer's noise and without faults.
  void exec_phase(RunEngine& e, std::uint32_t t, bool duplicate) {
    TaskPrediction& p = e.record(t);
    TaskRun& r = runs_[t];
    std::uint32_t inst = p.instance;
    InstanceLists& l = take_lists(e, inst);
    if (!duplicate) p.exec_start_us = e.now();
    TaskId id{duplicate ? e.plan().duplicate(t) : t};
    double work = static_cast<double>(m_.exec_us(id, l.config));
    if (o_.noise.enabled) {
      double sigma = m_.noise_sigma(id) > 0 ? m_.noise_sigma(id) : o_.noise.exec_sigma;
      work = std::min(std::round(work * rng_.lognormal(sigma)),
                      static_cast<double>(limits::kMaxDurationUs));
    }
    // Faults: the attempt ends early, after a uniformly drawn part of its work.
    r.failing = false;
    r.crash = false;
    if (!duplicate && (o_.faults.task_failure > 0 || o_.faults.worker_crash > 0)) {
      double u = rng_.uniform();
      if (u < o_.faults.worker_crash + o_.faults.task_failure) {
        r.failing = true;
        r.crash = u < o_.faults.worker_crash;
        work = std::floor(work * rng_.uniform());
      }
    }
    // The rate is set by cpu_rebalance.
    l.execs.push_back(Execution{t, work, 0, e.now(), 0, duplicate, e.now()});
    cpu_rebalance(e, inst, t);
  }

  double cpu_share(const InstanceLists& l) const {
    if (!o_.contention) return 1.0;
    double vcpus = m_.worker_vcpus(l.config);
    return std::min(1.0, vcpus / static_cast<double>(l.execs.size()));
  }

  // Tasks executing on `inst` share its vCPUs; `fresh` (or kNone) has just begun.
  void cpu_rebalance(RunEngine& e, std::uint32_t inst, std::uint32_t fresh) {
    InstanceLists& l = lists(inst);
    double rate = cpu_share(l);
    for (Execution& r : l.execs) {
      bool is_fresh = r.task == fresh;
      if (!is_fresh)
        r.work_us = std::max(0.0, r.work_us - r.rate * static_cast<double>(e.now() - r.last_us));
      r.last_us = e.now();
      if (!is_fresh && rate == r.rate) continue;
      r.rate = rate;
      // At full speed from the start the end is exact (work is whole microseconds).
      std::int64_t end =
          e.now() + static_cast<std::int64_t>(
                        is_fresh && rate == 1.0 ? r.work_us : std::ceil(r.work_us / rate - 1e-9));
      r.end_us = end;
      e.schedule(end, r.task << 3 | kExecEnd);
    }
  }

  void exec_end(RunEngine& e, std::uint32_t t) {
    TaskPrediction& p = e.record(t);
    const std::uint32_t inst = p.instance;
    std::vector<Execution>* execs = inst_lists_[inst] != kNone ? &lists(inst).execs : nullptr;
    auto it = execs ? std::find_if(execs->begin(), execs->end(),
                                   [t](const Execution& x) { return x.task == t; })
                    : std::vector<Execution>::iterator{};
    if (!execs || it == execs->end() || it->end_us != e.now()) {  // superseded by a reschedule
      ++superseded_;
      return;
    }
    TaskRun& r = runs_[t];
    const bool duplicate = it->duplicate;
    const std::int64_t began = it->began_us;
    *it = execs->back();
    execs->pop_back();
    cpu_rebalance(e, inst, kNone);
    drop_lists(inst);
    if (duplicate) {  // the duplicate's output is here: the task itself now
      e.duplicate_ran(t, began, e.now());
      exec_phase(e, t, false);
      return;
    }
    if (r.failing) {
      // The attempt failed part-way: a task failure retries on the same worker; a crash
      // restarts the worker (a cold start), which then re-reads its inputs from storage.
      ++failed_attempts_;
      p.exec_end_us = e.now();
      record_attempt(e, t, false, r.crash ? "worker crashed" : "task failed");
      if (++r.attempt >= o_.faults.max_attempts) {
        if (failure_.empty())
          failure_ =
              fmt::format("task '{}' failed {} time{} (the last: {})", w_.id(TaskId{t}), r.attempt,
                          r.attempt == 1 ? "" : "s", r.crash ? "worker crashed" : "task failed");
        r.gave_up = true;
        finish_upload(e, t);  // let the run drain; the result says it failed
        return;
      }
      if (r.crash) {
        ++crashes_;
        if (inst >= inst_crash_.size()) inst_crash_.resize(inst + 1024, RunEngine::kAlwaysLocal);
        inst_crash_[inst] = e.now();
        std::int64_t restart = m_.startup_us(e.instance(inst).config, false);
        if (o_.noise.enabled) restart = noisy(restart, o_.noise.startup_sigma);
        e.schedule(e.now() + restart + o_.faults.retry_delay_us, t << 3 | kRestarted);
      } else {
        e.schedule(e.now() + o_.faults.retry_delay_us, t << 3 | kRetry);
      }
      return;
    }
    p.exec_end_us = e.now();
    finish_upload(e, t);
  }

  void restarted(RunEngine& e, std::uint32_t t) {
    // Point-to-point: the inputs are on the machine's disk, which the crash does not lose.
    if (m_.direct_transfers()) return exec_begin(e, t);
    TaskPrediction& p = e.record(t);
    RunEngine::RemoteInputs ri = e.remote_inputs(p.instance, t, crash_time(p.instance));
    set_download_start(t, e.now());
    if (!ri.any) return exec_begin(e, t);
    p.download_bytes += ri.bytes;
    start_flow(e, p.instance, t, ri.bytes, false, e.now());
  }

  void finish_upload(RunEngine& e, std::uint32_t t) {
    TaskPrediction& p = e.record(t);
    if (m_.direct_transfers()) {  // the output stays on the machine; others are sent it
      push_outputs(e, t);
      record_attempt(e, t, true, "");
      e.finish_task(t, false, p.exec_end_us);
      return;
    }
    // Output streaming (rule 10): the engine decides now which streamed consumers take the
    // output by stream. A stream is a transfer of the producer's instance, through the storage
    // (Redis relays it): it shares the producer's bandwidth and the storage's (decision 0019).
    RunEngine::Output out;
    if (e.has_streams(t))
      out = e.output_at_exec_end(p.instance, t);
    else
      out.upload = e.must_upload(p.instance, t);
    // A worker that may crash writes through, so that a restart can re-read what it produced.
    bool upload = out.upload || o_.faults.worker_crash > 0;
    // Delayed I/O (rule 11): the engine decides when, and whether, it is uploaded.
    if (upload && out.streams == 0 && o_.faults.worker_crash == 0 && !runs_[t].gave_up &&
        e.delays_upload(p.instance, t)) {
      e.hold_output(t);
      return;
    }
    if (!upload && out.streams == 0) {
      record_attempt(e, t, true, "");
      e.finish_task(t, false, p.exec_end_us);
      return;
    }
    const std::uint64_t bytes = w_.output_bytes(TaskId{t});
    if (out.streams > 0) {
      if (upload_end_us_.empty()) upload_end_us_.assign(w_.task_count(), -1);
      upload_end_us_[t] = -1;
    }
    if (upload) start_flow(e, p.instance, t, bytes, true, e.now());
    for (std::uint32_t i = 0; i < out.streams; ++i)
      flows_[start_flow(e, p.instance, t, bytes, true, e.now())].stream = true;
  }

  void record_attempt(RunEngine& e, std::uint32_t t, bool ok, const char* error) {
    if (!o_.record_attempts || (ok && runs_[t].gave_up)) return;
    const TaskPrediction& p = e.record(t);
    TraceAttempt a;
    a.instance = p.instance;
    a.ready_us = p.ready_us;
    a.start_us = p.start_us;
    a.exec_start_us = p.exec_start_us;
    a.exec_end_us = ok ? p.exec_end_us : e.now();
    a.upload_start_us = a.exec_end_us;
    a.upload_end_us = ok ? e.now() : a.exec_end_us;
    // Delayed I/O: the upload (if any) begins after the wait; none is an empty span there.
    if (const DelayedPrediction* d = ok ? e.delay_record(t) : nullptr; d && d->released) {
      a.upload_start_us = a.exec_end_us + d->waited_us;
      if (d->avoided) a.upload_end_us = a.upload_start_us;
    }
    a.finish_us = ok ? e.now() + m_.storage_op_us() : a.exec_end_us;
    a.ok = ok;
    a.error = error;
    // Inputs: all remote ones arrive in one batched download.
    TaskId id{t};
    if (w_.input_bytes(id) > 0)
      a.inputs.push_back(TraceInput{"", TraceInput::Source::kLiteral, w_.input_bytes(id),
                                    download_start_us_[t], a.exec_start_us});
    const std::uint32_t dup = e.plan().duplicate(t);
    for (TaskId q : w_.predecessors(id)) {
      if (index(q) == dup) {  // the duplicate's output, made here just before the task
        a.inputs.push_back(TraceInput{std::string(w_.id(q)), TraceInput::Source::kLocal,
                                      w_.output_bytes(q), a.exec_start_us, a.exec_start_us});
        continue;
      }
      if (const StreamPrediction* s =
              e.plan().streamed(index(q), t) ? e.stream_to(index(q), p.instance) : nullptr;
          s != nullptr && (crash_time(p.instance) == RunEngine::kAlwaysLocal ||
                           s->start_us >= crash_time(p.instance))) {
        // Read while its producer wrote it (Plan::stream).
        a.inputs.push_back(TraceInput{std::string(w_.id(q)), TraceInput::Source::kStream,
                                      w_.output_bytes(q), s->start_us,
                                      std::max(s->end_us, s->start_us)});
        continue;
      }
      bool local = e.is_local(index(q), p.instance, crash_time(p.instance));
      if (m_.direct_transfers() && !local) {
        a.inputs.push_back(
            TraceInput{std::string(w_.id(q)), TraceInput::Source::kDirect, w_.output_bytes(q),
                       std::min(a.exec_start_us,
                                e.direct_transfer_start_us(index(q), p.instance, took_slot_us_[t])),
                       a.exec_start_us});
        continue;
      }
      a.inputs.push_back(TraceInput{
          std::string(w_.id(q)), local ? TraceInput::Source::kLocal : TraceInput::Source::kDownload,
          w_.output_bytes(q), local ? a.start_us : download_start_us_[t],
          local ? a.start_us : a.exec_start_us});
    }
    attempts_[t].push_back(std::move(a));
  }

  const ExecutionModel& m_;
  const Workflow& w_;
  const EventRunOptions& o_;
  Rng rng_;
  LargeVector<TaskRun> runs_;
  std::vector<std::int64_t> took_slot_us_, download_start_us_;  // with record_attempts
  // Per task, with streams in the plan: when its upload ended (-1: none yet, or none at all).
  LargeVector<std::int64_t> upload_end_us_;
  std::vector<Flow> flows_;
  std::vector<std::uint32_t> free_flows_, ending_;
  std::vector<std::uint32_t> inst_lists_;  // per instance: its lists in lists_, or kNone
  std::vector<InstanceLists> lists_;
  std::vector<std::uint32_t> free_lists_;
  std::vector<std::vector<std::uint32_t>> out_flows_, in_flows_;  // per machine (direct)
  std::vector<std::int64_t> inst_crash_;  // per instance that crashed (faults): when
  // Storage sharing: active transfers, the storage's bandwidth, the virtual clock.
  std::size_t active_ = 0;
  double storage_share_ = std::numeric_limits<double>::infinity();  // storage_bw_ / active_
  double storage_bw_ = 0;
  double v_ = 0;
  std::int64_t v_last_us_ = 0;
  std::int64_t storage_next_us_ = -1;
  FlowHeap<std::greater<>> by_vend_;         // storage-bound, earliest end first
  FlowHeap<std::greater<>> bound_by_share_;  // storage-bound, lowest worker share first
  FlowHeap<std::less<>> free_by_share_;      // worker-bound, highest worker share first
  std::uint64_t events_ = 0, superseded_ = 0, failed_attempts_ = 0, crashes_ = 0;
  std::string failure_;
  std::vector<std::vector<TraceAttempt>> attempts_;
  std::vector<std::int64_t> dag_fetches_;  // per instance, with record_attempts
};

}  // namespace

EventRunResult run_events(const ExecutionModel& model, const Plan& plan,
                          const EventRunOptions& options) {
  EventRunner runner(model, options);
  RunEngine engine(model, plan, options.start, runner);
  EventRunResult out;
  out.timeline = engine.run();
  out.timeline.contention = options.contention;
  out.events = engine.events() + runner.events();
  out.superseded_events = runner.superseded();
  out.failed_attempts = runner.failed_attempts();
  out.crashes = runner.crashes();
  out.failure = runner.failure();
  if (options.record_attempts) {
    out.attempts = std::move(runner.attempts());
    out.dag_fetch_us = std::move(runner.dag_fetches());
    out.dag_fetch_us.resize(out.timeline.instances.size(), 0);
  }
  return out;
}

}  // namespace dagplan
