// The simulator's TaskRunner: a task's phases as events, with shared bandwidth and vCPUs, noise
// and faults. The rules of the run (who runs where, when workers start and exit) are the
// predictor's: both drive dagplan::RunEngine.
//
// Contention model (docs/decisions/0004-simulator-contention.md): a transfer runs at
// min(worker bandwidth / transfers of that worker, storage bandwidth / all transfers) after one
// storage latency; a task executes at min(1, vCPUs / tasks executing on its worker) of full speed.
// Rates are recomputed whenever a transfer or execution starts or ends (egalitarian processor
// sharing), only for the worker concerned unless the storage's share can bind.
#include "dagplan/sim/simulator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "dagplan/error.hpp"
#include "dagplan/random.hpp"
#include "dagplan/run_engine.hpp"

namespace dagplan::sim {
namespace {

constexpr std::uint32_t kNone = 0xffffffffu;

// Runner event types, packed in the low 3 bits of the event subject.
enum Ev : std::uint32_t {
  kFlowLatencyDone = 0,  // subject: flow
  kFlowEnd = 1,          // subject: flow
  kExecBegin = 2,        // subject: task
  kExecEnd = 3,          // subject: task
  kRestarted = 4,        // subject: task (its worker restarted after a crash)
  kExecStart = 5,        // subject: task (dispatch overhead paid)
  kRetry = 6,            // subject: task (retry after a task failure)
};

struct Flow {
  std::uint32_t inst = kNone;  // storage transfers: the worker instance
  std::uint32_t task = kNone;  // the task that waits for it (a direct transfer's consumer)
  bool upload = false;
  bool direct = false;  // point to point, from machine src to machine dst
  std::uint32_t src = kNone, dst = kNone;
  ConfigId src_config{0}, dst_config{0};
  bool active = false;       // transferring (after its latency)
  double remaining = 0;      // bytes
  double rate = 0;           // bytes per second
  std::int64_t last_us = 0;  // when remaining was last brought up to date
  std::int64_t end_us = -1;  // none scheduled yet (0 is a valid end time)
  std::uint64_t bytes = 0;
  std::int64_t start_us = 0;
};

struct TaskRun {
  std::uint32_t attempt = 0;
  std::uint32_t pending_flows = 0;
  double work_us = 0;  // remaining CPU work at full speed
  double exec_rate = 1;
  std::int64_t exec_last_us = 0;
  std::int64_t exec_end_us = 0;
  bool failing = false;  // this attempt ends in a failure when its work is done
  bool gave_up = false;  // out of attempts: finishes without a successful attempt
  bool crash = false;    // ... by a worker crash (else a task failure)
  bool executing = false;
  bool took_slot = false;  // start_task() was called: it executes once its flows are done
  std::int64_t took_slot_us = 0;
  std::int64_t download_start_us = 0;
  std::int64_t direct_start_us = -1;  // direct transfers: the first began then (-1: none)
};

class SimRunner final : public TaskRunner {
 public:
  SimRunner(const ExecutionModel& m, const SimOptions& o)
      : m_(m), w_(m.workflow()), o_(o), rng_(o.seed), runs_(m.workflow().task_count()) {
    for (std::size_t c = 0; c < m.config_count(); ++c)
      max_bw_ = std::max(max_bw_,
                         m.config(ConfigId{static_cast<std::uint16_t>(c)}).bandwidth_bytes_per_s);
    if (o.record_trace) attempts_.resize(w_.task_count());
    if (m.direct_transfers()) {
      out_flows_.resize(m.machine_count());
      in_flows_.resize(m.machine_count());
    }
  }

  std::uint64_t events() const { return events_; }
  std::uint64_t superseded() const { return superseded_; }
  std::uint64_t failed_attempts() const { return failed_attempts_; }
  std::uint64_t crashes() const { return crashes_; }
  const std::string& failure() const { return failure_; }
  std::vector<std::vector<TraceAttempt>>& attempts() { return attempts_; }

  std::int64_t startup_us(RunEngine& e, std::uint32_t inst, bool warm) override {
    ConfigId c = e.instance(inst).config;
    std::int64_t base = m_.startup_us(c, warm);
    if (o_.noise.enabled) base = noisy(base, o_.noise.startup_sigma);
    return base + m_.dag_fetch_us(c);
  }

  void start_task(RunEngine& e, std::uint32_t inst, std::uint32_t t) override {
    engine_ = &e;
    ensure_instance(inst);
    TaskPrediction& p = e.record(t);
    TaskRun& r = runs_[t];
    r.attempt = 0;
    r.took_slot = true;
    r.took_slot_us = e.now();
    const InstancePrediction& in = e.instance(inst);
    if (m_.direct_transfers()) return start_direct(e, inst, t);
    if (e.plan().preload[t] != 0 && in.worker != kFlexible) {
      // Pre-loaded inputs were fetched while the worker did other work: without contention, as
      // the predictor computes them (their past cannot be re-simulated from here).
      RunEngine::RemoteInputs pre = e.preloaded_inputs(inst, t, crash_time(inst));
      std::int64_t end = pre.stored_us;
      p.download_bytes = pre.any ? pre.bytes : 0;
      r.download_start_us = p.start_us;
      e.schedule(end, t << 3 | kExecBegin);
      return;
    }
    RunEngine::RemoteInputs ri = e.remote_inputs(inst, t, crash_time(inst));
    p.download_bytes = ri.any ? ri.bytes : 0;
    std::int64_t from = std::max(p.start_us, ri.stored_us);
    r.download_start_us = from;
    if (!ri.any) {
      e.schedule(p.start_us, t << 3 | kExecBegin);
      return;
    }
    start_flow(e, inst, t, ri.bytes, false, from);
  }

  // Point-to-point transfers (decision 0007): the literal inputs are downloaded from storage
  // from the task's start; each output of another machine comes over the network, pushed when
  // its producer finished if this task's worker is pinned to a machine (push_outputs), else
  // pulled from now. The task executes when the last has arrived.
  void start_direct(RunEngine& e, std::uint32_t inst, std::uint32_t t) {
    TaskPrediction& p = e.record(t);
    TaskRun& r = runs_[t];
    TaskId id{t};
    std::uint64_t bytes = w_.input_bytes(id);
    r.download_start_us = p.start_us;
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
    std::uint32_t f = new_flow();
    Flow& fl = flows_[f];
    fl.task = task;
    fl.direct = true;
    fl.src = src;
    fl.dst = dst;
    fl.src_config = src_config;
    fl.dst_config = dst_config;
    fl.bytes = bytes;
    fl.remaining = static_cast<double>(bytes);
    fl.start_us = from;
    TaskRun& r = runs_[task];
    if (r.direct_start_us < 0 || from < r.direct_start_us) r.direct_start_us = from;
    std::int64_t latency = m_.network_latency_us();
    if (o_.noise.enabled) latency = noisy(latency, o_.noise.latency_sigma);
    ++r.pending_flows;
    e.schedule(from + latency, f << 3 | kFlowLatencyDone);
  }

  void on_event(RunEngine& e, std::uint32_t subject) override {
    engine_ = &e;
    ++events_;
    std::uint32_t id = subject >> 3;
    switch (subject & 7) {
      case kFlowLatencyDone: flow_active(e, id); break;
      case kFlowEnd: flow_end(e, id); break;
      case kExecBegin: exec_begin(e, id); break;
      case kExecEnd: exec_end(e, id); break;
      case kRestarted: restarted(e, id); break;
      case kExecStart: exec_start(e, id); break;
      case kRetry: exec_begin(e, id); break;
      default: break;
    }
  }

 private:
  std::int64_t noisy(std::int64_t us, double sigma) {
    return static_cast<std::int64_t>(std::llround(static_cast<double>(us) * rng_.lognormal(sigma)));
  }

  void ensure_instance(std::uint32_t inst) {
    if (inst >= inst_flows_.size()) {
      inst_flows_.resize(inst + 1024);
      inst_execs_.resize(inst + 1024);
      inst_crash_.resize(inst + 1024, RunEngine::kAlwaysLocal);
    }
  }
  std::int64_t crash_time(std::uint32_t inst) const { return inst_crash_[inst]; }

  // --- Transfers -------------------------------------------------------------------------------

  std::uint32_t new_flow() {
    std::uint32_t f;
    if (!free_flows_.empty()) {
      f = free_flows_.back();
      free_flows_.pop_back();
    } else {
      f = static_cast<std::uint32_t>(flows_.size());
      flows_.emplace_back();
    }
    flows_[f] = Flow{};
    return f;
  }

  void start_flow(RunEngine& e, std::uint32_t inst, std::uint32_t t, std::uint64_t bytes,
                  bool upload, std::int64_t from) {
    std::uint32_t f = new_flow();
    Flow& fl = flows_[f];
    fl.inst = inst;
    fl.task = t;
    fl.upload = upload;
    fl.bytes = bytes;
    fl.remaining = static_cast<double>(bytes);
    fl.start_us = from;
    std::int64_t latency = m_.storage_op_us();
    if (o_.noise.enabled) latency = noisy(latency, o_.noise.latency_sigma);
    ++runs_[t].pending_flows;
    e.schedule(from + latency, f << 3 | kFlowLatencyDone);
  }

  double share(const Flow& f) const {
    if (f.direct)
      return m_.direct_rate(f.src_config, f.dst_config,
                            o_.contention ? out_flows_[f.src].size() : 1,
                            o_.contention ? in_flows_[f.dst].size() : 1);
    ConfigId c = engine_instance_config(f.inst);
    if (!o_.contention) return m_.config(c).bandwidth_bytes_per_s;
    return m_.storage_rate(c, inst_flows_[f.inst].size(), active_flows_);
  }
  ConfigId engine_instance_config(std::uint32_t inst) const {
    return engine_->instance(inst).config;
  }

  // Brings a flow's remaining bytes up to now and gives it a new rate and end.
  void reschedule(RunEngine& e, std::uint32_t f, bool fresh) {
    Flow& fl = flows_[f];
    std::int64_t now = e.now();
    if (!fresh)
      fl.remaining =
          std::max(0.0, fl.remaining - fl.rate * static_cast<double>(now - fl.last_us) / 1e6);
    double rate = share(fl);
    fl.last_us = now;
    if (!fresh && rate == fl.rate) return;
    fl.rate = rate;
    // A transfer that has had the full bandwidth all along ends exactly when the predictor says
    // (the model's rounding); otherwise at the rate now in force.
    std::int64_t end;
    if (fl.direct) {
      double full = m_.direct_rate(fl.src_config, fl.dst_config, 1, 1);
      end = (fresh && rate == full)
                ? now + m_.direct_stream_us(fl.bytes, fl.src_config, fl.dst_config)
                : now + static_cast<std::int64_t>(std::ceil(fl.remaining / rate * 1e6));
    } else {
      ConfigId c = engine_instance_config(fl.inst);
      end = (fresh && rate == m_.config(c).bandwidth_bytes_per_s)
                ? now + m_.stream_us(fl.bytes, c)
                : now + static_cast<std::int64_t>(std::ceil(fl.remaining / rate * 1e6));
    }
    if (end == fl.end_us) return;
    fl.end_us = end;
    e.schedule(end, f << 3 | kFlowEnd);
  }

  // Rates change for the flows of `inst`, or for every flow when the storage's share may bind.
  void rebalance(RunEngine& e, std::uint32_t inst, std::size_t flows_before) {
    if (!o_.contention) return;
    double bs = m_.platform().storage_bandwidth_bytes_per_s;
    bool storage_binds =
        bs / static_cast<double>(std::max<std::size_t>(1, flows_before)) < max_bw_ ||
        bs / static_cast<double>(std::max<std::size_t>(1, active_flows_)) < max_bw_;
    // Every flow's storage share changes with the number of flows. Recomputing all of them on
    // every change is quadratic in a wide run, so with many flows they are recomputed only when
    // the count has moved by 5% since the last time (the flows of this worker always are): the
    // storage shares used are then within 5% of exact. Below 64 flows it is exact.
    std::size_t f_now = active_flows_;
    bool global = storage_binds &&
                  (f_now <= 64 || flows_at_rebalance_ == 0 ||
                   static_cast<double>(f_now > flows_at_rebalance_ ? f_now - flows_at_rebalance_
                                                                   : flows_at_rebalance_ - f_now) >=
                       0.05 * static_cast<double>(flows_at_rebalance_));
    if (global) {
      flows_at_rebalance_ = f_now;
      for (std::uint32_t f : all_active_) reschedule(e, f, false);
    } else {
      for (std::uint32_t f : inst_flows_[inst]) reschedule(e, f, false);
    }
  }

  // Shared links: the rates of the transfers leaving `src` and arriving at `dst` change.
  void rebalance_links(RunEngine& e, std::uint32_t src, std::uint32_t dst) {
    if (!o_.contention || m_.platform().links != LinkSharing::kShared) return;
    for (std::uint32_t g : out_flows_[src]) reschedule(e, g, false);
    for (std::uint32_t g : in_flows_[dst]) reschedule(e, g, false);
  }

  void flow_active(RunEngine& e, std::uint32_t f) {
    Flow& fl = flows_[f];
    if (fl.direct) {
      fl.active = true;
      out_flows_[fl.src].push_back(f);
      in_flows_[fl.dst].push_back(f);
      reschedule(e, f, true);
      rebalance_links(e, fl.src, fl.dst);
      return;
    }
    std::size_t before = active_flows_;
    fl.active = true;
    ++active_flows_;
    inst_flows_[fl.inst].push_back(f);
    all_active_.push_back(f);
    reschedule(e, f, true);
    rebalance(e, fl.inst, before);
  }

  void remove_from(std::vector<std::uint32_t>& v, std::uint32_t f) {
    auto it = std::find(v.begin(), v.end(), f);
    *it = v.back();
    v.pop_back();
  }

  void flow_end(RunEngine& e, std::uint32_t f) {
    Flow& fl = flows_[f];
    if (!fl.active || fl.end_us != e.now()) {  // superseded by a later reschedule
      ++superseded_;
      return;
    }
    if (fl.direct) {
      fl.active = false;
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
    std::size_t before = active_flows_;
    fl.active = false;
    --active_flows_;
    remove_from(inst_flows_[fl.inst], f);
    remove_from(all_active_, f);
    free_flows_.push_back(f);
    rebalance(e, fl.inst, before);
    std::uint32_t t = fl.task;
    TaskRun& r = runs_[t];
    if (--r.pending_flows != 0) return;
    if (fl.upload) {
      record_attempt(e, t, true, "");
      e.finish_task(t, true, e.now());
    } else {
      exec_begin(e, t);
    }
  }

  // --- Execution -------------------------------------------------------------------------------

  // Inputs are all here: pay the dispatch overhead (clusters), then execute.
  void exec_begin(RunEngine& e, std::uint32_t t) {
    if (m_.dispatch_us() > 0) {
      e.schedule(e.now() + m_.dispatch_us(), t << 3 | kExecStart);
    } else {
      exec_start(e, t);
    }
  }

  void exec_start(RunEngine& e, std::uint32_t t) {
    TaskPrediction& p = e.record(t);
    TaskRun& r = runs_[t];
    std::uint32_t inst = p.instance;
    p.exec_start_us = e.now();
    TaskId id{t};
    double work = static_cast<double>(m_.exec_us(id, e.instance(inst).config));
    if (o_.noise.enabled) {
      double sigma = m_.noise_sigma(id) > 0 ? m_.noise_sigma(id) : o_.noise.exec_sigma;
      work = std::round(work * rng_.lognormal(sigma));
    }
    // Faults: the attempt ends early, after a uniformly drawn part of its work.
    r.failing = false;
    r.crash = false;
    if (o_.faults.task_failure > 0 || o_.faults.worker_crash > 0) {
      double u = rng_.uniform();
      if (u < o_.faults.worker_crash + o_.faults.task_failure) {
        r.failing = true;
        r.crash = u < o_.faults.worker_crash;
        work = std::floor(work * rng_.uniform());
      }
    }
    r.work_us = work;
    r.executing = true;
    r.exec_last_us = e.now();
    r.exec_rate = 0;  // set by cpu_rebalance
    inst_execs_[inst].push_back(t);
    cpu_rebalance(e, inst, t);
  }

  double cpu_share(std::uint32_t inst) const {
    if (!o_.contention) return 1.0;
    double vcpus = m_.worker_vcpus(engine_instance_config(inst));
    return std::min(1.0, vcpus / static_cast<double>(inst_execs_[inst].size()));
  }

  // Tasks executing on `inst` share its vCPUs; `fresh` (or kNone) has just begun.
  void cpu_rebalance(RunEngine& e, std::uint32_t inst, std::uint32_t fresh) {
    double rate = cpu_share(inst);
    for (std::uint32_t t : inst_execs_[inst]) {
      TaskRun& r = runs_[t];
      bool is_fresh = t == fresh;
      if (!is_fresh)
        r.work_us =
            std::max(0.0, r.work_us - r.exec_rate * static_cast<double>(e.now() - r.exec_last_us));
      r.exec_last_us = e.now();
      if (!is_fresh && rate == r.exec_rate) continue;
      r.exec_rate = rate;
      // At full speed from the start the end is exact (work is whole microseconds).
      std::int64_t end =
          e.now() + static_cast<std::int64_t>(
                        is_fresh && rate == 1.0 ? r.work_us : std::ceil(r.work_us / rate - 1e-9));
      r.exec_end_us = end;
      e.schedule(end, t << 3 | kExecEnd);
    }
  }

  void exec_end(RunEngine& e, std::uint32_t t) {
    TaskRun& r = runs_[t];
    if (!r.executing || r.exec_end_us != e.now()) {  // superseded by a later reschedule
      ++superseded_;
      return;
    }
    TaskPrediction& p = e.record(t);
    std::uint32_t inst = p.instance;
    r.executing = false;
    remove_from(inst_execs_[inst], t);
    r.work_us = 0;
    cpu_rebalance(e, inst, kNone);
    if (r.failing) {
      // The attempt failed part-way: a task failure retries on the same worker; a crash
      // restarts the worker (a cold start), which then re-reads its inputs from storage.
      ++failed_attempts_;
      p.exec_end_us = e.now();
      record_attempt(e, t, false, r.crash ? "worker crashed" : "task failed");
      if (++r.attempt >= o_.faults.max_attempts) {
        if (failure_.empty())
          failure_ = fmt::format("task '{}' failed {} times (the last: {})", w_.id(TaskId{t}),
                                 r.attempt, r.crash ? "worker crashed" : "task failed");
        r.gave_up = true;
        finish_upload(e, t);  // let the run drain; the result says it failed
        return;
      }
      if (r.crash) {
        ++crashes_;
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
    runs_[t].download_start_us = e.now();
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
    // A worker that may crash writes through, so that a restart can re-read what it produced.
    bool upload = e.must_upload(p.instance, t) || o_.faults.worker_crash > 0;
    if (!upload) {
      record_attempt(e, t, true, "");
      e.finish_task(t, false, p.exec_end_us);
      return;
    }
    start_flow(e, p.instance, t, w_.output_bytes(TaskId{t}), true, e.now());
  }

  void record_attempt(RunEngine& e, std::uint32_t t, bool ok, const char* error) {
    if (!o_.record_trace || (ok && runs_[t].gave_up)) return;
    const TaskPrediction& p = e.record(t);
    TraceAttempt a;
    a.instance = p.instance;
    a.ready_us = p.ready_us;
    a.start_us = p.start_us;
    a.exec_start_us = p.exec_start_us;
    a.exec_end_us = ok ? p.exec_end_us : e.now();
    a.upload_start_us = a.exec_end_us;
    a.upload_end_us = ok ? e.now() : a.exec_end_us;
    a.finish_us = ok ? e.now() + m_.storage_op_us() : a.exec_end_us;
    a.ok = ok;
    a.error = error;
    // Inputs: all remote ones arrive in one batched download.
    TaskId id{t};
    if (w_.input_bytes(id) > 0)
      a.inputs.push_back(TraceInput{"", TraceInput::Source::kLiteral, w_.input_bytes(id),
                                    runs_[t].download_start_us, a.exec_start_us});
    for (TaskId q : w_.predecessors(id)) {
      bool local = e.is_local(index(q), p.instance, crash_time(p.instance));
      if (m_.direct_transfers() && !local) {
        a.inputs.push_back(TraceInput{
            std::string(w_.id(q)), TraceInput::Source::kDirect, w_.output_bytes(q),
            std::min(a.exec_start_us,
                     e.direct_transfer_start_us(index(q), p.instance, runs_[t].took_slot_us)),
            a.exec_start_us});
        continue;
      }
      a.inputs.push_back(TraceInput{
          std::string(w_.id(q)), local ? TraceInput::Source::kLocal : TraceInput::Source::kDownload,
          w_.output_bytes(q), local ? a.start_us : runs_[t].download_start_us,
          local ? a.start_us : a.exec_start_us});
    }
    attempts_[t].push_back(std::move(a));
  }

  const ExecutionModel& m_;
  const Workflow& w_;
  const SimOptions& o_;
  Rng rng_;
  std::vector<TaskRun> runs_;
  std::vector<Flow> flows_;
  std::vector<std::uint32_t> free_flows_, all_active_;
  std::vector<std::vector<std::uint32_t>> inst_flows_, inst_execs_;
  std::vector<std::vector<std::uint32_t>> out_flows_, in_flows_;  // per machine (direct)
  std::vector<std::int64_t> inst_crash_;
  std::size_t active_flows_ = 0;
  std::size_t flows_at_rebalance_ = 0;
  double max_bw_ = 0;
  const RunEngine* engine_ = nullptr;
  std::uint64_t events_ = 0, superseded_ = 0, failed_attempts_ = 0, crashes_ = 0;
  std::string failure_;
  std::vector<std::vector<TraceAttempt>> attempts_;
};

}  // namespace

SimResult simulate(const ExecutionModel& model, const Plan& plan, const SimOptions& options) {
  SimRunner runner(model, options);
  RunEngine engine(model, plan, options.start, runner);
  SimResult out;
  out.timeline = engine.run();
  out.timeline.bounds = model.bounds();
  out.events = engine.events() + runner.events();
  out.superseded_events = runner.superseded();
  out.failed_attempts = runner.failed_attempts();
  out.crashes = runner.crashes();
  out.failure = runner.failure();
  out.failed = !out.failure.empty();
  if (options.record_trace) {
    const Workflow& w = model.workflow();
    Trace& tr = out.trace;
    tr.source = "dagsim";
    tr.created_by = fmt::format("dagsim 0.1.0 (seed {})", options.seed);
    tr.makespan_us = out.timeline.makespan_us;
    tr.cost_usd = out.timeline.cost.total();
    for (const InstancePrediction& ip : out.timeline.instances) {
      TraceInstance ti;
      ti.worker = ip.worker == kFlexible ? "" : plan.worker_names[ip.worker];
      ti.config = model.config(ip.config).name;
      ti.invoked_us = ip.requested_us;
      ti.start_us = ip.start_us;
      ti.ready_us = ip.ready_us;
      ti.exited_us = ip.exited_us;
      ti.warm = ip.warm;
      if (ip.machine != kNoMachine) ti.machine = model.machine_name(ip.machine);
      tr.instances.push_back(std::move(ti));
    }
    auto& attempts = runner.attempts();
    for (std::uint32_t t = 0; t < w.task_count(); ++t) {
      TraceTask task;
      task.id = std::string(w.id(TaskId{t}));
      task.output_bytes = w.output_bytes(TaskId{t});
      task.counter_updates = w.out_degree(TaskId{t});
      task.attempts = std::move(attempts[t]);
      tr.tasks.push_back(std::move(task));
    }
    if (out.failed) tr.errors.push_back(out.failure);
  }
  return out;
}

Distribution distribution(std::vector<double> v) {
  Distribution d;
  if (v.empty()) return d;
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  d.mean = sum / static_cast<double>(v.size());
  auto q = [&](double p) {
    // Nearest-rank percentile.
    std::size_t k = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
    return v[std::min(v.size() - 1, k == 0 ? 0 : k - 1)];
  };
  d.p50 = q(0.50);
  d.p95 = q(0.95);
  d.p99 = q(0.99);
  d.min = v.front();
  d.max = v.back();
  return d;
}

}  // namespace dagplan::sim
