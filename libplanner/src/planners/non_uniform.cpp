// non-uniform: critical-path right-sizing (DESIGN.md section 3). uniform's grouping with every
// worker on the fastest configuration, then every worker that has slack is stepped down through
// cheaper configurations while the estimated makespan does not grow and the estimated cost falls.
//
// The Python original re-timed the whole DAG for every trial, O(workers x configs x tasks^2);
// here a trial re-times only what it changes. The static timing model (class Timing) is a
// max-plus system over the tasks whose structure is read from one prediction of the starting
// plan (predict(), which also has the last word on the result). Its units are the predicted
// worker *instances* (a worker evicted under the concurrency limit runs as several,
// docs/decisions/0003-run-semantics.md):
//
//   start(t)   = max( ready(t), start(prev(t)), finish(slot(t)), wready(i) if t is i's first,
//                     exit(j) for every earlier instance j of t's worker holding an input of t )
//   ready(t)   = max over predecessors p of finish(p), + one storage operation (the ready
//                event) when p ran on another instance
//   istart(i)  = max( invoked(i) + invoke, exit(place(i)) )  invoked(i): the first task's last
//                input exists; place(i): the instance whose exit let i start under the
//                concurrency limit in the prediction, if any
//   wready(i)  = istart(i) + start-up (warm if the prediction had i warm, its worker is still on
//                the start configuration, and so is its donor, which exits in time) + DAG fetch
//   finish(t)  = start(t) + D(t, config)
//   D(t, c)    = download of remote and literal inputs + exec + upload (when a consumer is on
//                another worker or t is a sink) + one storage operation (counter updates), the
//                durations of predictor.cpp, all from ExecutionModel
//   exit(i)    = the latest finish among i's last slots(config) tasks; for an evicted instance
//                max(that, its predicted eviction time) + the upload of the outputs it flushes
//
// Each instance runs its tasks in the predicted FIFO order; prev(t) is the task before t (a FIFO
// never starts a later task first) and slot(t) the task `slots` places before it (whose slot t
// takes). Kahn's algorithm orders all these constraints once (by predicted start); that order
// `ord` is fixed. A trial changes one worker's configuration, pushes its tasks on a heap keyed by
// `ord` and propagates forward; a task whose start and finish do not change stops the
// propagation. With the tail L(t) (the longest constrained path from start(t) to the end, at the
// start configuration) a trial also stops as soon as start(t) + L(t) exceeds the makespan bound,
// so a worker on the critical path costs a few re-timings, not its whole downstream cone. Cost is
// per instance, billed from istart (or wready) to exit through model.instance_cost(),
// recomputed for the instances a trial touched. A trial re-times at most kRetimeBudget (+ per
// task) tasks. Total: O(sum over trials of (worker size + re-timed cone) log V) after an
// O((V + E) log V) set-up.
//
// At the start configuration the model reproduces the prediction's makespan to the microsecond
// (its cost differs by the storage term, which it leaves out). What it does not follow: warm
// containers that a change hands to other workers, queued invocations that another exit would
// release first, and evictions that a change would add or remove. So predict() decides: only
// steps it confirms against the starting plan are kept (the group test in plan()), down to the
// starting plan itself.
#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <functional>
#include <limits>
#include <tuple>
#include <utility>
#include <vector>

#include "dagplan/json_writer.hpp"
#include "dagplan/planner.hpp"
#include "dagplan/predictor.hpp"
#include "grouping.hpp"

namespace dagplan {
namespace {

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

/// Re-timings one trial may spend: kRetimeBudget + kRetimeBudgetPerTask x the worker's tasks.
/// A change whose cone is wider ripples through the concurrency queue (place chains are tight
/// by construction), and the predictor would judge it by evictions the model does not see.
constexpr std::uint64_t kRetimeBudget = 256;
constexpr std::uint64_t kRetimeBudgetPerTask = 16;

/// The static timing model of a grouping (see the file comment). O(V + E) memory.
class Timing {
 public:
  /// \param base the prediction of the grouping with every worker on `start`; every task must
  /// be on a strict worker.
  Timing(const ExecutionModel& model, const planners::Grouping& grouping, ConfigId start,
         const Prediction& base)
      : m_(model),
        w_(model.workflow()),
        worker_(grouping.task_worker),
        n_(static_cast<std::uint32_t>(w_.task_count())),
        workers_(grouping.worker_count),
        units_(static_cast<std::uint32_t>(base.instances.size())),
        start_config_(start),
        config_(grouping.worker_count, start),
        queued_(n_, 0),
        touched_mark_(units_, 0) {
    for (std::size_t c = 0; c < m_.config_count(); ++c)
      max_slots_ = std::max(max_slots_, m_.slots(ConfigId{static_cast<std::uint16_t>(c)}));
    read_units(base);
    classify_edges();
    read_instances(base);
    ordered_ = order(base);
    cost_.assign(units_, 0);
    if (!ordered_) return;
    inputs_.resize(n_);
    start_.assign(n_, 0);
    finish_.assign(n_, 0);
    for (std::uint32_t t : order_) {
      inputs_[t] = gather_inputs(t);
      std::tie(start_[t], finish_[t]) = retime(t);
      makespan_ = std::max(makespan_, finish_[t]);
    }
    startup_.resize(units_);
    for (std::uint32_t u = 0; u < units_; ++u) {
      cost_[u] = billed_cost(u);
      InstanceTimes it = instance_times(u, inputs_[seq(u, 0)].invoked);
      startup_[u] = it.ready - it.start;
    }
    compute_tails();
  }

  /// False when the constraints could not be ordered (a cycle through zero-length times); then
  /// no trial may run.
  bool ordered() const { return ordered_; }
  /// The makespan bound: the latest finish at the start configuration.
  std::int64_t makespan() const { return makespan_; }
  double cost() const {
    double total = 0;
    for (double c : cost_) total += c;
    return total;
  }
  double worker_cost(std::uint32_t k) const {
    double total = 0;
    for (std::uint32_t i = worker_unit_off_[k]; i < worker_unit_off_[k + 1]; ++i)
      total += cost_[worker_units_[i]];
    return total;
  }
  std::uint32_t instances() const { return units_; }
  std::uint32_t evicted() const {
    return static_cast<std::uint32_t>(std::count(evicted_.begin(), evicted_.end(), 1));
  }
  std::uint64_t trials() const { return trials_; }
  std::uint64_t stopped_early() const { return stopped_early_; }
  std::uint64_t retimed_tasks() const { return retimed_; }
  std::uint64_t over_budget() const { return over_budget_; }

  enum class Outcome { kAccepted, kSlower, kNotCheaper };

  /// Moves worker `k` to configuration `c` if, in this model, no task then finishes after the
  /// makespan bound and the cost goes down; otherwise leaves everything as it was.
  Outcome try_config(std::uint32_t k, ConfigId c) {
    assert(ordered_);
    ++trials_;
    const ConfigId old = config_[k];
    config_[k] = c;
    log_.clear();
    input_log_.clear();
    touched_.clear();
    for (std::uint32_t i = worker_unit_off_[k]; i < worker_unit_off_[k + 1]; ++i) {
      std::uint32_t u = worker_units_[i];
      touch(u);
      for (std::uint32_t j = seq_off_[u]; j < seq_off_[u + 1]; ++j) push(seq_[j]);
      push_exit_dependents(u);  // a donor's configuration decides their warm start
    }
    bool slower = false;
    std::uint64_t budget = kRetimeBudget;
    for (std::uint32_t i = worker_unit_off_[k]; i < worker_unit_off_[k + 1]; ++i)
      budget += kRetimeBudgetPerTask * size(worker_units_[i]);
    while (!heap_.empty()) {
      if (budget-- == 0) {  // a cone this wide ripples through the run: count it as slower
        slower = true;
        ++over_budget_;
        break;
      }
      std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
      std::uint32_t t = order_[heap_.back()];
      heap_.pop_back();
      queued_[t] = 0;
      auto [st, fin] = retime(t);
      ++retimed_;
      if (st == start_[t] && fin == finish_[t]) continue;  // the change stops here
      log_.push_back({t, start_[t], finish_[t]});
      const std::int64_t was = finish_[t];
      start_[t] = st;
      finish_[t] = fin;
      touch(unit_[t]);
      if (fin > makespan_ || st + tail_[t] > makespan_) {  // the makespan would grow
        slower = true;
        break;
      }
      push_dependents(t, was);
    }
    for (std::uint32_t o : heap_) queued_[order_[o]] = 0;
    heap_.clear();
    Outcome outcome = Outcome::kSlower;
    if (!slower) {
      double before = 0, after = 0;
      cost_log_.clear();
      for (std::uint32_t u : touched_) {
        cost_log_.push_back({u, cost_[u]});
        before += cost_[u];
        cost_[u] = billed_cost(u);
        after += cost_[u];
      }
      // A relative tolerance, so that rounding in the sums never accepts a step saving nothing.
      if (after < before - 1e-9 * before) return Outcome::kAccepted;
      for (const CostUndo& x : cost_log_) cost_[x.unit] = x.cost;
      outcome = Outcome::kNotCheaper;
    } else {
      ++stopped_early_;
    }
    for (auto it = log_.rbegin(); it != log_.rend(); ++it) {
      start_[it->task] = it->start;
      finish_[it->task] = it->finish;
    }
    for (auto it = input_log_.rbegin(); it != input_log_.rend(); ++it)
      inputs_[it->task] = it->inputs;
    config_[k] = old;
    return outcome;
  }

 private:
  // What t's predecessors give it: when its inputs are ready on its instance and when its
  // counter completes (the invocation, if t is its instance's first task). Cached, so that
  // re-timing a fan-in with thousands of inputs after one of them changed costs O(1).
  struct Inputs {
    std::int64_t ready = 0, invoked = 0;
    bool operator==(const Inputs&) const = default;
  };
  struct TaskUndo {
    std::uint32_t task;
    std::int64_t start, finish;
  };
  struct InputUndo {
    std::uint32_t task;
    Inputs inputs;
  };
  struct CostUndo {
    std::uint32_t unit;
    double cost;
  };
  struct InstanceTimes {
    std::int64_t start, ready;  // start-up begins; start-up (and DAG fetch) done
  };
  enum class Wait : std::uint8_t { kPlace, kDonor, kFlush };

  std::uint32_t seq(std::uint32_t u, std::uint32_t pos) const { return seq_[seq_off_[u] + pos]; }
  std::uint32_t size(std::uint32_t u) const { return seq_off_[u + 1] - seq_off_[u]; }
  ConfigId unit_config(std::uint32_t u) const { return config_[unit_worker_[u]]; }

  // Counting sort of `keys` (values below `buckets`) into CSR offsets and items.
  static void csr(const std::vector<std::uint32_t>& keys, std::uint32_t buckets,
                  std::vector<std::uint32_t>& off, std::vector<std::uint32_t>& items) {
    off.assign(buckets + 1, 0);
    for (std::uint32_t k : keys) ++off[k + 1];
    for (std::uint32_t b = 0; b < buckets; ++b) off[b + 1] += off[b];
    items.assign(keys.size(), 0);
    std::vector<std::uint32_t> fill(off.begin(), off.end() - 1);
    for (std::uint32_t i = 0; i < keys.size(); ++i) items[fill[keys[i]]++] = i;
  }

  // The instances of the prediction: which tasks each ran, in FIFO order (by predicted start,
  // then ready, then topological rank), and which belong to which worker.
  void read_units(const Prediction& base) {
    unit_.resize(n_);
    for (std::uint32_t t = 0; t < n_; ++t) unit_[t] = base.tasks[t].instance;
    unit_worker_.resize(units_);
    for (std::uint32_t u = 0; u < units_; ++u) {
      unit_worker_[u] = base.instances[u].worker;
      assert(unit_worker_[u] != kFlexible && "non-uniform plans have strict workers only");
    }
    csr(unit_, units_, seq_off_, seq_);
    csr(unit_worker_, workers_, worker_unit_off_, worker_units_);
    rank_.assign(n_, 0);
    std::uint32_t r = 0;
    for (TaskId t : w_.topological_order()) rank_[index(t)] = r++;
    auto fifo = [&](std::uint32_t a, std::uint32_t b) {
      const TaskPrediction &pa = base.tasks[a], &pb = base.tasks[b];
      if (pa.start_us != pb.start_us) return pa.start_us < pb.start_us;
      if (pa.ready_us != pb.ready_us) return pa.ready_us < pb.ready_us;
      return rank_[a] < rank_[b];
    };
    pos_.assign(n_, 0);
    for (std::uint32_t u = 0; u < units_; ++u) {
      std::sort(seq_.begin() + seq_off_[u], seq_.begin() + seq_off_[u + 1], fifo);
      for (std::uint32_t i = 0; i < size(u); ++i) pos_[seq(u, i)] = i;
    }
  }

  // Which inputs are downloaded (from another instance, or literal) and which outputs uploaded
  // (a consumer on another worker, or a sink: the predictor decides before it knows of any
  // eviction); outputs kept for the same worker are flushed when an instance is evicted.
  void classify_edges() {
    remote_in_bytes_.assign(n_, 0);
    downloads_.assign(n_, 0);
    uploads_.assign(n_, 0);
    flush_bytes_.assign(units_, 0);
    for (std::uint32_t t = 0; t < n_; ++t) {
      TaskId id{t};
      std::uint64_t bytes = w_.input_bytes(id);
      bool remote = bytes > 0;
      for (TaskId p : w_.predecessors(id)) {
        if (unit_[index(p)] == unit_[t]) continue;
        bytes += w_.output_bytes(p);
        remote = true;
      }
      remote_in_bytes_[t] = bytes;
      downloads_[t] = remote ? 1 : 0;
      bool upload = w_.out_degree(id) == 0;
      for (TaskId s : w_.successors(id))
        if (worker_[index(s)] != worker_[t]) upload = true;
      uploads_[t] = upload ? 1 : 0;
      if (!upload) flush_bytes_[unit_[t]] += w_.output_bytes(id);
    }
  }

  // From the prediction, as the run engine recorded them: which instances were evicted and
  // when, which started warm on whose container (donor), and which waited for another's exit to
  // start (place). Then, per instance, the tasks that wait for its exit.
  void read_instances(const Prediction& base) {
    const auto& in = base.instances;
    warm_.assign(units_, 0);
    evicted_.assign(units_, 0);
    evict_at_.assign(units_, 0);
    place_.assign(units_, kNone);
    donor_.assign(units_, kNone);
    for (std::uint32_t u = 0; u < units_; ++u) {
      warm_[u] = in[u].warm ? 1 : 0;
      evicted_[u] = in[u].evicted ? 1 : 0;
      if (in[u].evicted) evict_at_[u] = in[u].evicted_us;
      if (in[u].released_by != kNoInstance && in[u].released_by != u) place_[u] = in[u].released_by;
      if (in[u].warm && in[u].donor < in.size() && in[u].donor != u) donor_[u] = in[u].donor;
    }
    // Who waits for each instance's exit: CSR of (task, why).
    std::vector<std::uint32_t> from;
    for (std::uint32_t q = 0; q < units_; ++q) {
      if (place_[q] != kNone) {
        from.push_back(place_[q]);
        waits_.push_back({seq(q, 0), Wait::kPlace});
      }
      if (donor_[q] != kNone) {
        from.push_back(donor_[q]);
        waits_.push_back({seq(q, 0), Wait::kDonor});
      }
    }
    flush_from_off_.assign(n_ + 1, 0);
    for (std::uint32_t t = 0; t < n_; ++t) {
      std::size_t mark = flush_from_.size();
      for (TaskId p : w_.predecessors(TaskId{t})) {
        std::uint32_t pu = unit_[index(p)];
        if (pu == unit_[t] || worker_[index(p)] != worker_[t]) continue;
        // An output kept for this worker on an earlier (evicted) instance: stored at its exit.
        if (std::find(flush_from_.begin() + static_cast<std::ptrdiff_t>(mark), flush_from_.end(),
                      pu) != flush_from_.end())
          continue;
        flush_from_.push_back(pu);
        from.push_back(pu);
        waits_.push_back({t, Wait::kFlush});
      }
      flush_from_off_[t + 1] = static_cast<std::uint32_t>(flush_from_.size());
    }
    std::vector<std::uint32_t> order;
    csr(from, units_, exit_wait_off_, order);
    std::vector<Waiter> sorted(waits_.size());
    for (std::size_t i = 0; i < order.size(); ++i) sorted[i] = waits_[order[i]];
    waits_ = std::move(sorted);
  }

  // Calls f(v) for every task v whose start t constrains: the next in t's FIFO, the one taking
  // t's slot (slots of the current configuration), t's successors, and, when t may be among its
  // instance's last tasks (max_slots_ covers every configuration), every task waiting for that
  // instance's exit.
  template <typename F>
  void for_dependents(std::uint32_t t, F&& f) const {
    const std::uint32_t u = unit_[t], p = pos_[t], end = size(u);
    if (p + 1 < end) f(seq(u, p + 1));
    std::uint32_t s = m_.slots(unit_config(u));
    if (p + s < end) f(seq(u, p + s));
    for (TaskId x : w_.successors(TaskId{t})) f(index(x));
    if (p + max_slots_ >= end)
      for (std::uint32_t i = exit_wait_off_[u]; i < exit_wait_off_[u + 1]; ++i) f(waits_[i].task);
  }

  // Kahn's algorithm over all constraints, by predicted start (ties: topological rank).
  bool order(const Prediction& base) {
    std::vector<std::uint32_t> indeg(n_, 0);
    for (std::uint32_t t = 0; t < n_; ++t) for_dependents(t, [&](std::uint32_t v) { ++indeg[v]; });
    using Item = std::pair<std::int64_t, std::uint32_t>;  // (predicted start, rank)
    std::vector<Item> heap;
    std::vector<std::uint32_t> by_rank(n_);
    for (std::uint32_t t = 0; t < n_; ++t) {
      by_rank[rank_[t]] = t;
      if (indeg[t] == 0) heap.push_back({base.tasks[t].start_us, rank_[t]});
    }
    std::make_heap(heap.begin(), heap.end(), std::greater<>());
    ord_.assign(n_, 0);
    order_.clear();
    order_.reserve(n_);
    while (!heap.empty()) {
      std::pop_heap(heap.begin(), heap.end(), std::greater<>());
      std::uint32_t t = by_rank[heap.back().second];
      heap.pop_back();
      ord_[t] = static_cast<std::uint32_t>(order_.size());
      order_.push_back(t);
      for_dependents(t, [&](std::uint32_t v) {
        if (--indeg[v] != 0) return;
        heap.push_back({base.tasks[v].start_us, rank_[v]});
        std::push_heap(heap.begin(), heap.end(), std::greater<>());
      });
    }
    return order_.size() == n_;
  }

  // Start-up and DAG fetch on configuration c (the invocation latency apart).
  std::int64_t startup_us(ConfigId c, bool warm) const { return m_.setup_us(c, warm); }

  std::int64_t flush_us(std::uint32_t u, ConfigId c) const {
    return flush_bytes_[u] > 0 ? m_.transfer_us(flush_bytes_[u], c) : 0;
  }

  InstanceTimes instance_times(std::uint32_t u, std::int64_t invoked) const {
    const ConfigId c = unit_config(u);
    std::int64_t start = invoked + m_.invoke_us();
    if (place_[u] != kNone) start = std::max(start, exit_us(place_[u]));
    bool warm = warm_[u] != 0 && c == start_config_;
    if (warm && donor_[u] != kNone)
      warm = unit_config(donor_[u]) == c && exit_us(donor_[u]) <= start;
    return {start, start + startup_us(c, warm)};
  }

  // D(t, c): from taking a slot to freeing it.
  std::int64_t duration(std::uint32_t t, ConfigId c) const {
    TaskId id{t};
    std::int64_t d = m_.dispatch_us() + m_.exec_us(id, c) + m_.storage_op_us();
    if (downloads_[t]) d += m_.transfer_us(remote_in_bytes_[t], c);
    if (uploads_[t]) d += m_.transfer_us(w_.output_bytes(id), c);
    return d;
  }

  std::int64_t input_delay(std::uint32_t from, std::uint32_t to) const {
    return unit_[from] != unit_[to] ? m_.storage_op_us() : 0;
  }

  Inputs gather_inputs(std::uint32_t t) const {
    Inputs in;
    for (TaskId q : w_.predecessors(TaskId{t})) {
      std::int64_t f = finish_[index(q)];
      in.invoked = std::max(in.invoked, f);
      in.ready = std::max(in.ready, f + input_delay(index(q), t));
    }
    return in;
  }

  // Predecessor p of v now finishes at `now` instead of `was`; true if v's inputs changed.
  bool update_inputs(std::uint32_t v, std::uint32_t p, std::int64_t was, std::int64_t now) {
    const Inputs old = inputs_[v];
    Inputs in = old;
    const std::int64_t d = input_delay(p, v);
    if (now >= was) {
      in.ready = std::max(in.ready, now + d);
      in.invoked = std::max(in.invoked, now);
    } else if (was + d == old.ready || was == old.invoked) {
      in = gather_inputs(v);  // p may have been the latest input
    }
    if (in == old) return false;
    input_log_.push_back({v, old});
    inputs_[v] = in;
    return true;
  }

  // Start and finish of t from the current times of what constrains it.
  std::pair<std::int64_t, std::int64_t> retime(std::uint32_t t) const {
    const std::uint32_t u = unit_[t], p = pos_[t];
    const ConfigId c = unit_config(u);
    std::int64_t st = inputs_[t].ready;
    for (std::uint32_t i = flush_from_off_[t]; i < flush_from_off_[t + 1]; ++i)
      st = std::max(st, exit_us(flush_from_[i]));
    if (p == 0) {
      st = std::max(st, instance_times(u, inputs_[t].invoked).ready);
    } else {
      st = std::max(st, start_[seq(u, p - 1)]);
      std::uint32_t s = m_.slots(c);
      if (p >= s) st = std::max(st, finish_[seq(u, p - s)]);
    }
    return {st, st + duration(t, c)};
  }

  // With FIFO order and slot chains, the latest finish is among the last `slots` tasks.
  std::int64_t exit_us(std::uint32_t u) const {
    const ConfigId c = unit_config(u);
    std::int64_t e = 0;
    std::uint32_t s = std::min(m_.slots(c), size(u));
    for (std::uint32_t i = size(u) - s; i < size(u); ++i) e = std::max(e, finish_[seq(u, i)]);
    if (evicted_[u]) e = std::max(e, evict_at_[u]) + flush_us(u, c);
    return e;
  }

  double billed_cost(std::uint32_t u) const {
    InstanceTimes it = instance_times(u, inputs_[seq(u, 0)].invoked);
    std::int64_t from = m_.platform().bill_startup ? it.start : it.ready;
    return m_.instance_cost(unit_config(u), exit_us(u) - from);
  }

  // L(t): the longest constrained path from start(t) to the end, in reverse `ord`, with the
  // start-ups of the start configuration (a step down never makes one shorter on the platforms
  // we know) and without donors, so L does not overstate: a trial stops early only when the
  // makespan would grow.
  void compute_tails() {
    tail_.assign(n_, 0);
    for (std::uint32_t o = n_; o-- > 0;) {
      const std::uint32_t t = order_[o], u = unit_[t], p = pos_[t], end = size(u);
      const std::uint32_t s = m_.slots(unit_config(u));
      std::int64_t after = 0;  // from finish(t)
      for (TaskId x : w_.successors(TaskId{t})) {
        std::uint32_t v = index(x), vu = unit_[v];
        std::int64_t delay = 0;
        if (vu != u) {
          delay = m_.storage_op_us();
          if (pos_[v] == 0) delay = std::max(delay, m_.invoke_us() + startup_[vu]);
        }
        after = std::max(after, delay + tail_[v]);
      }
      if (p + s < end) after = std::max(after, tail_[seq(u, p + s)]);
      if (p + s >= end)  // exit(u) >= finish(t)
        for (std::uint32_t i = exit_wait_off_[u]; i < exit_wait_off_[u + 1]; ++i) {
          const Waiter& x = waits_[i];
          if (x.why == Wait::kPlace)
            after = std::max(after, startup_[unit_[x.task]] + tail_[x.task]);
          else if (x.why == Wait::kFlush)
            after = std::max(after, tail_[x.task]);
        }
      std::int64_t l = duration(t, unit_config(u)) + after;
      if (p + 1 < end) l = std::max(l, tail_[seq(u, p + 1)]);
      tail_[t] = l;
    }
  }

  void push(std::uint32_t t) {
    if (queued_[t]) return;
    queued_[t] = 1;
    heap_.push_back(ord_[t]);
    std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
  }
  // After t's times changed (its finish was `was`): successors whose inputs changed, and every
  // other task t constrains.
  void push_dependents(std::uint32_t t, std::int64_t was) {
    const std::uint32_t u = unit_[t], p = pos_[t], end = size(u);
    if (p + 1 < end) push(seq(u, p + 1));
    std::uint32_t s = m_.slots(unit_config(u));
    if (p + s < end) push(seq(u, p + s));
    if (was != finish_[t])
      for (TaskId x : w_.successors(TaskId{t}))
        if (update_inputs(index(x), t, was, finish_[t])) push(index(x));
    if (p + max_slots_ >= end) push_exit_dependents(u);
  }
  void push_exit_dependents(std::uint32_t u) {
    for (std::uint32_t i = exit_wait_off_[u]; i < exit_wait_off_[u + 1]; ++i) push(waits_[i].task);
  }

  void touch(std::uint32_t u) {
    if (touched_mark_[u] == trials_) return;
    touched_mark_[u] = trials_;
    touched_.push_back(u);
  }

  struct Waiter {
    std::uint32_t task;
    Wait why;
  };

  const ExecutionModel& m_;
  const Workflow& w_;
  const std::vector<std::uint32_t>& worker_;
  const std::uint32_t n_, workers_, units_;
  const ConfigId start_config_;
  std::uint32_t max_slots_ = 1;
  std::vector<ConfigId> config_;  // per worker
  // Per task, from the grouping and the prediction.
  std::vector<std::uint32_t> unit_, pos_, rank_;
  std::vector<std::uint64_t> remote_in_bytes_;
  std::vector<std::uint8_t> downloads_, uploads_;
  std::vector<std::uint32_t> flush_from_off_, flush_from_;  // CSR: evicted instances t waits for
  // Per instance (unit), from the prediction.
  std::vector<std::uint32_t> unit_worker_, seq_off_, seq_, worker_unit_off_, worker_units_;
  std::vector<std::uint8_t> warm_, evicted_;
  std::vector<std::int64_t> evict_at_;
  std::vector<std::uint64_t> flush_bytes_;
  std::vector<std::uint32_t> place_, donor_, exit_wait_off_;
  std::vector<Waiter> waits_;  // CSR by instance: the tasks waiting for its exit
  // The processing order and its inverse.
  std::vector<std::uint32_t> ord_, order_;
  bool ordered_ = false;
  // Times.
  std::vector<Inputs> inputs_;
  std::vector<std::int64_t> start_, finish_, tail_;
  std::vector<double> cost_;           // per instance
  std::vector<std::int64_t> startup_;  // per instance: start-up + DAG fetch at the start
  std::int64_t makespan_ = 0;
  // Trial state.
  std::vector<std::uint32_t> heap_;  // ord values, min-heap
  std::vector<std::uint8_t> queued_;
  std::vector<TaskUndo> log_;
  std::vector<InputUndo> input_log_;
  std::vector<CostUndo> cost_log_;
  std::vector<std::uint32_t> touched_;
  std::vector<std::uint64_t> touched_mark_;
  std::uint64_t trials_ = 0, stopped_early_ = 0, retimed_ = 0, over_budget_ = 0;
};

struct Step {
  std::uint32_t worker;
  ConfigId config;
};

/// The most predictions spent on checking the model's steps.
constexpr std::uint32_t kPredictions = 24;

class NonUniformPlanner final : public Planner {
 public:
  std::string_view name() const override { return "non-uniform"; }

  Plan plan(const ExecutionModel& model, const PlannerOptions& options) const override {
    const Workflow& w = model.workflow();
    // The start: every worker on the given configuration, else on the fastest one; the grouping
    // is uniform's on that configuration, so that non-uniform is uniform stepped down.
    const ConfigId start = options.config.value_or(model.fastest_config());
    const planners::Grouping g = planners::group_tasks(model, start);
    const Plan start_plan = uniform_plan(w, g, start);
    // The search compares plans without contention (cheap); the result is confirmed with the
    // contention-aware prediction at the end.
    const Prediction base = predict_contention_free(model, start_plan);
    Timing timing(model, g, start, base);
    const double model_cost_start = timing.cost();

    // Cheaper configurations: less memory (price is per GB-s), most memory first; ties by id.
    // On a cluster the cost is the cluster's for the makespan: nothing to save.
    std::vector<ConfigId> cheaper;
    for (std::size_t c = 0; c < model.config_count() && !model.fixed_machines(); ++c) {
      ConfigId id{static_cast<std::uint16_t>(c)};
      if (model.config(id).memory_mb < model.config(start).memory_mb) cheaper.push_back(id);
    }
    std::stable_sort(cheaper.begin(), cheaper.end(), [&](ConfigId a, ConfigId b) {
      return model.config(a).memory_mb > model.config(b).memory_mb;
    });
    // Most expensive workers first: they have the most to save. Each steps down one
    // configuration at a time and stops at the first that would lengthen the makespan.
    std::vector<std::uint32_t> workers(g.worker_count);
    for (std::uint32_t k = 0; k < g.worker_count; ++k) workers[k] = k;
    std::vector<Step> steps;
    if (timing.ordered() && !cheaper.empty()) {
      std::stable_sort(workers.begin(), workers.end(), [&](std::uint32_t a, std::uint32_t b) {
        return timing.worker_cost(a) > timing.worker_cost(b);
      });
      for (std::uint32_t k : workers) {
        for (ConfigId c : cheaper) {
          Timing::Outcome o = timing.try_config(k, c);
          if (o == Timing::Outcome::kSlower) break;
          if (o == Timing::Outcome::kAccepted) steps.push_back({k, c});
        }
      }
    }

    // The guarantee, by the predictor: never longer than the start plan, and every chunk kept
    // costs no more than what was kept before. The steps go in as chunks, in order: a chunk the
    // predictor accepts stays and the next one is twice as large; one it rejects is halved; a
    // single rejected step is dropped and the next chunk is everything left (a greedy group test
    // in the spirit of Zeller's delta debugging). Where the model is exact this costs one
    // prediction, one bad step about 2 log2(steps) more, and never more than kPredictions.
    std::vector<ConfigId> configs(g.worker_count, start);
    std::size_t next = 0, chunk = steps.size(), kept = 0;
    std::uint32_t checks = 0;
    Plan result = start_plan;
    double cost = base.cost.total();
    while (next < steps.size() && checks < kPredictions) {
      chunk = std::clamp<std::size_t>(chunk, 1, steps.size() - next);
      std::vector<ConfigId> trial = configs;
      for (std::size_t i = next; i < next + chunk; ++i) trial[steps[i].worker] = steps[i].config;
      Plan candidate = planners::make_grouped_plan(w, g, trial);
      Prediction p = predict_contention_free(model, candidate);
      ++checks;
      if (p.makespan_us <= base.makespan_us && p.cost.total() <= cost) {
        cost = p.cost.total();
        configs = std::move(trial);
        result = std::move(candidate);
        next += chunk;
        kept += chunk;
        chunk *= 2;
      } else if (chunk == 1) {
        ++next;  // drop it; the rest may well be fine together
        chunk = steps.size() - next;
      } else {
        chunk /= 2;
      }
    }

    // Confirmed with contention: sharing can make a stepped-down worker's transfers or tasks
    // slower than the contention-free checks saw. Then the start plan stands.
    bool confirmed = true;
    if (kept > 0) {
      const Prediction start_shared = predict(model, start_plan);
      const Prediction result_shared = predict(model, result);
      confirmed = result_shared.makespan_us <= start_shared.makespan_us &&
                  result_shared.cost.total() <= start_shared.cost.total();
      if (!confirmed) result = start_plan;
    }

    std::uint32_t stepped = 0;
    for (std::uint32_t k = 0; k < g.worker_count; ++k)
      if (result.worker_config[k] != start) ++stepped;
    std::string params;
    JsonWriter j(params);
    j.begin_object(true);
    j.member("start_config", model.config(start).name);
    j.member("workers", g.worker_count);
    j.member("workers_stepped_down", stepped);
    j.member("instances", timing.instances());
    j.member("evicted_instances", timing.evicted());
    j.member("trials", timing.trials());
    j.member("trials_stopped_early", timing.stopped_early());
    j.member("trials_over_budget", timing.over_budget());
    j.member("tasks_retimed", timing.retimed_tasks());
    j.member("steps_accepted", static_cast<std::uint64_t>(steps.size()));
    j.member("steps_kept", static_cast<std::uint64_t>(kept));
    j.member("predictor_checks", checks);
    j.member("confirmed_with_contention", confirmed);
    j.member("model_makespan_s", static_cast<double>(timing.makespan()) / 1e6);
    j.key("model_cost_usd");
    j.begin_array(true);
    j.value(model_cost_start);
    j.value(timing.cost());
    j.end_array();
    j.key("start_prediction");
    j.begin_object(true);
    j.member("makespan_s", static_cast<double>(base.makespan_us) / 1e6);
    j.member("cost_usd", base.cost.total());
    j.end_object();
    j.end_object();
    if (!params.empty() && params.back() == '\n') params.pop_back();
    stamp_plan(result, model, name(), std::move(params));
    return result;
  }

 private:
  static Plan uniform_plan(const Workflow& w, const planners::Grouping& g, ConfigId c) {
    std::vector<ConfigId> configs(g.worker_count, c);
    return planners::make_grouped_plan(w, g, configs);
  }
};

}  // namespace

std::unique_ptr<Planner> make_non_uniform_planner() {
  return std::make_unique<NonUniformPlanner>();
}

}  // namespace dagplan
