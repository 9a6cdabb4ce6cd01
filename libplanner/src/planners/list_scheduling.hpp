#pragma once
// Private to the list-scheduling planners (heft.cpp, dask.cpp): an estimated timeline of strict
// workers that both planners fill task by task, append-only, with the durations of the
// ExecutionModel and the run semantics of the predictor (predictor.hpp, DESIGN.md section 2):
//
// - A strict worker gets one instance, invoked when its first task is ready: invoke latency,
//   then a cold start and the DAG fetch (a warm container is not assumed: conservative).
// - A worker runs up to slots(c) tasks at once; a task holds its slot from start to finish
//   (download, execution, upload, counter update). Slots are filled append-only: a task
//   takes the slot that frees first, never a gap before a later task (no insertion).
// - An input from the same worker is free and available after the producer's counter update
//   (plus its upload when the producer uploads anyway); a remote input is available after the
//   producer's upload and counter update, plus one ready event (a storage operation) for a
//   running worker; all remote inputs and the literal inputs are downloaded in one transfer.
// - A producer uploads when it is a sink or when some consumer is placed on another worker.
//   A producer with several consumers is assumed to upload from the start (it nearly always
//   does; a consumer placed before the others would otherwise see it earlier than the later
//   ones, and the predictor's order of ready tasks would differ from the estimate). A producer
//   with one consumer uploads only when that consumer goes elsewhere.
//
// Everything is flat vectors indexed by task or worker; per task, gather() costs O(in-degree)
// and each estimate O(slots) after it, with no allocation in the steady state.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "dagplan/model.hpp"
#include "dagplan/plan.hpp"
#include "dagplan/predictor.hpp"

namespace dagplan::list_scheduling {

/// No worker (also the value of a task not placed yet).
inline constexpr std::uint32_t kNoWorker = std::numeric_limits<std::uint32_t>::max();
/// "Earlier than any time": the readiness of a task with no inputs of that kind.
inline constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::min() / 4;

/// What placing one task on one worker would give, microseconds since submission.
struct Estimate {
  std::int64_t ready_us = 0;           ///< inputs exist and the worker knows (or is invoked)
  std::int64_t instance_ready_us = 0;  ///< fresh only: the worker's start-up is done
  std::int64_t start_us = 0;           ///< the task takes a slot
  std::int64_t exec_end_us = 0;
  std::int64_t finish_us = 0;  ///< upload and counter update done: the slot frees
  std::uint32_t slot = 0;      ///< which of the worker's slots it takes
  /// With insertion: the idle gap of that slot it takes (index), or none: after its last task.
  std::uint32_t gap = std::numeric_limits<std::uint32_t>::max();
  /// The latest it could take the slot without finishing later (it waits for inputs that
  /// arrive point to point): the slot is free for other tasks until then.
  std::int64_t latest_start_us = 0;
};

/// The estimated timeline of strict workers (see the file comment). Holds a reference to the
/// model, which must outlive it.
class Timeline {
 public:
  /// With `insertion`, a task may take an idle gap of a slot before tasks placed there earlier
  /// (HEFT's insertion policy); the plan then carries each worker's order (fill_plan), which the
  /// run engine honours. Without, slots are filled append-only and workers run tasks in the
  /// order they become ready.
  explicit Timeline(const ExecutionModel& model, bool insertion = false)
      : m_(model),
        w_(model.workflow()),
        n_(model.workflow().task_count()),
        direct_(model.direct_transfers()),
        insertion_(insertion) {
    task_.resize(n_);
    if (insertion_) {
      planned_start_.resize(n_, 0);
      planned_finish_.resize(n_, 0);
    }
    for (std::size_t c = 0; c < model.config_count(); ++c) {
      ConfigId id{static_cast<std::uint16_t>(c)};
      fresh_start_us_.push_back(m_.fresh_worker_us(id));
      // Transfers depend on the bandwidth alone: configurations that share it share a class.
      std::uint32_t k = 0;
      while (k < class_config_.size() && model.config(class_config_[k]).bandwidth_bytes_per_s !=
                                             model.config(id).bandwidth_bytes_per_s)
        ++k;
      if (k == class_config_.size()) class_config_.push_back(id);
      class_of_.push_back(k);
    }
    transfers_.resize(class_config_.size());
    direct_top_.resize(class_config_.size());
  }

  /// Adds a worker of configuration `c` that has not started yet. Returns its index.
  std::uint32_t add_worker(ConfigId c) {
    auto k = static_cast<std::uint32_t>(worker_.size());
    Worker& wk = worker_.emplace_back();
    wk.config = c;
    wk.slot_begin = static_cast<std::uint32_t>(slot_free_.size());
    wk.slot_count = m_.slots(c);
    slot_free_.resize(slot_free_.size() + m_.slots(c), 0);
    if (insertion_) gaps_.resize(slot_free_.size());
    last_ready_.push_back(0);
    stored_bytes_.push_back(0);
    return k;
  }
  /// Pins worker `k` to machine `m` of its configuration (a cluster's; see Plan::worker_machine).
  void set_machine(std::uint32_t k, std::uint32_t m) {
    worker_[k].machine = m;
    worker_[k].global_machine = m_.machine_begin(worker_[k].config) + m;
  }

  std::size_t worker_count() const { return worker_.size(); }
  ConfigId worker_config(std::uint32_t k) const { return worker_[k].config; }
  bool started(std::uint32_t k) const { return worker_[k].started != 0; }
  /// When the worker is invoked: its first task's ready time (valid once started).
  std::int64_t request_us(std::uint32_t k) const { return worker_[k].request; }
  /// The latest ready time of the worker's tasks so far.
  std::int64_t last_ready_us(std::uint32_t k) const { return last_ready_[k]; }
  /// Finish of the worker's last task so far (its instance exits then); 0 before it starts.
  std::int64_t end_us(std::uint32_t k) const { return worker_[k].end; }
  /// Bytes of output produced on the worker so far (Dask's `ws.nbytes`).
  std::uint64_t stored_bytes(std::uint32_t k) const { return stored_bytes_[k]; }
  /// When each slot of the worker frees after its last task (its instance's ready time before
  /// any task).
  std::span<const std::int64_t> slot_free(std::uint32_t k) const {
    return {slot_free_.data() + worker_[k].slot_begin, worker_[k].slot_count};
  }
  /// When the worker's first slot frees; kNever before it starts.
  std::int64_t earliest_slot_us(std::uint32_t k) const {
    if (!started(k)) return kNever;
    std::span<const std::int64_t> s = slot_free(k);
    return *std::min_element(s.begin(), s.end());
  }

  /// Collects the predecessors of `t` by worker: must be called, once all of them are
  /// assigned, before the estimates for `t`. O(in-degree).
  void gather(TaskId t) {
    ++gathered_;
    for (const Group& g : groups_) worker_[g.worker].group = kNoGroup;
    groups_.clear();
    pred_workers_.clear();
    pred_bytes_ = 0;
    literal_bytes_ = w_.input_bytes(t);
    for (TaskId p : w_.predecessors(t)) {
      const TaskState& ps = task_[index(p)];
      std::uint32_t gi = worker_[ps.worker].group;
      if (gi == kNoGroup) {
        gi = worker_[ps.worker].group = static_cast<std::uint32_t>(groups_.size());
        groups_.push_back(Group{ps.worker, kNever, kNever, 0});
        pred_workers_.push_back(ps.worker);
      }
      Group& g = groups_[gi];
      const std::int64_t op = m_.storage_op_us();
      g.local_ready =
          std::max(g.local_ready, ps.exec_end_us + (ps.uploaded ? ps.upload_us : 0) + op);
      g.remote_ready = std::max(g.remote_ready, ps.exec_end_us + ps.upload_us + op);
      g.bytes += ps.output_bytes;
      pred_bytes_ += ps.output_bytes;
    }
    // The two latest remote availabilities by group: the latest input from outside a group is
    // the best one unless that group is the candidate's own.
    top1_ = top2_ = kNever;
    top1_group_ = kNoGroup;
    for (std::uint32_t gi = 0; gi < groups_.size(); ++gi) {
      std::int64_t r = groups_[gi].remote_ready;
      if (r > top1_) {
        top2_ = top1_;
        top1_ = r;
        top1_group_ = gi;
      } else if (r > top2_) {
        top2_ = r;
      }
    }
  }

  /// Distinct workers of the gathered task's predecessors, in order of first appearance.
  std::span<const std::uint32_t> pred_workers() const { return pred_workers_; }
  /// True when worker `k` holds an input of the gathered task.
  bool holds_input(std::uint32_t k) const { return worker_[k].group != kNoGroup; }
  /// Bytes of the gathered task's inputs produced away from worker `k` (Dask's `comm_bytes`;
  /// literal inputs excluded): on other workers, or with point-to-point transfers on other
  /// machines.
  std::uint64_t bytes_not_on(std::uint32_t k) const {
    if (direct_ && worker_[k].global_machine != kNoMachine) {
      std::uint64_t away = 0;
      for (const Group& g : groups_)
        if (worker_[g.worker].global_machine != worker_[k].global_machine) away += g.bytes;
      return away;
    }
    std::uint32_t gi = worker_[k].group;
    return pred_bytes_ - (gi == kNoGroup ? 0 : groups_[gi].bytes);
  }
  /// Bytes the gathered task reads: its predecessors' outputs and its literal inputs.
  std::uint64_t input_bytes() const { return pred_bytes_ + literal_bytes_; }
  /// When all inputs of the gathered task could be seen from a new worker (0 for a root).
  std::int64_t fresh_ready_us() const { return groups_.empty() ? 0 : top1_; }

  /// Estimate of the gathered task `t` on worker `k` (a fresh start if `k` has not started),
  /// with execution time `exec_us` (the model's exec_us(t, worker_config(k))). O(slots), plus
  /// the gaps looked at with insertion, plus O(in-degree) with point-to-point transfers.
  Estimate estimate(TaskId t, std::uint32_t k, std::int64_t exec_us) const {
    ConfigId c = worker_[k].config;
    if (!started(k) && (!direct_ || worker_[k].global_machine == kNoMachine))
      return estimate_fresh(t, c, exec_us);
    std::uint32_t gi = worker_[k].group;
    std::int64_t local = gi == kNoGroup ? kNever : groups_[gi].local_ready;
    std::int64_t remote = (gi != kNoGroup && gi == top1_group_) ? top2_ : top1_;
    bool has_remote = groups_.size() > (gi == kNoGroup ? 0u : 1u);
    Estimate e;
    e.ready_us = std::max<std::int64_t>(
        {0, local, has_remote ? remote + m_.storage_op_us() : kNever});  // + the ready event
    if (!direct_ && !insertion_) {  // append-only through storage: the slot that frees first
      std::span<const std::int64_t> free = slot_free(k);
      auto it = std::min_element(free.begin(), free.end());
      e.slot = static_cast<std::uint32_t>(it - free.begin());
      e.start_us = std::max(e.ready_us, *it);
      e.latest_start_us = e.start_us;
      std::uint64_t remote_bytes = pred_bytes_ - (gi == kNoGroup ? 0 : groups_[gi].bytes);
      std::int64_t download =
          (has_remote || literal_bytes_ > 0) ? m_.transfer_us(remote_bytes + literal_bytes_, c) : 0;
      finish_estimate(t, c, exec_us, download, e);
      return e;
    }
    // The task occupies a slot from s to max(s + before, arrival) + after.
    Occupancy o;
    if (direct_) {
      o.before = literal_bytes_ > 0 ? m_.transfer_us(literal_bytes_, c) : 0;
      o.arrival = direct_arrival(t, k);
      o.after = m_.dispatch_us() + exec_us + m_.storage_op_us();
    } else {
      std::uint64_t remote_bytes = pred_bytes_ - (gi == kNoGroup ? 0 : groups_[gi].bytes);
      o.before =
          (has_remote || literal_bytes_ > 0) ? m_.transfer_us(remote_bytes + literal_bytes_, c) : 0;
      o.after = m_.dispatch_us() + exec_us + transfers(t, c).upload_us + m_.storage_op_us();
    }
    std::int64_t earliest = e.ready_us;
    // Before a pinned worker's first task, its instance has not started: a task placed there
    // (or on a worker not started yet) starts it, and waits for its start-up.
    const std::int64_t before_first = e.ready_us + fresh_start_us_[index(c)];
    if (!started(k)) {
      e.instance_ready_us = before_first;
      earliest = before_first;
    }
    place(k, earliest, before_first, o, e);
    e.exec_end_us = e.finish_us - m_.storage_op_us() - (direct_ ? 0 : transfers(t, c).upload_us);
    return e;
  }

  /// Estimate of the gathered task `t` on a new worker of configuration `c`: invoked when the
  /// task is ready, cold start, DAG fetch, then every input downloaded.
  Estimate estimate_fresh(TaskId t, ConfigId c, std::int64_t exec_us) const {
    Estimate e;
    e.ready_us = fresh_ready_us();
    e.instance_ready_us = e.ready_us + fresh_start_us_[index(c)];
    e.start_us = e.instance_ready_us;
    finish_estimate(t, c, exec_us, transfers(t, c).download_all_us, e);
    return e;
  }

  /// Places the gathered task `t` on worker `k` as estimated by estimate(t, k, ...).
  void assign(TaskId t, std::uint32_t k, const Estimate& e) {
    ConfigId c = worker_[k].config;
    TaskState& ts = task_[index(t)];
    ts.worker = k;
    ts.exec_end_us = e.exec_end_us;
    ts.output_bytes = w_.output_bytes(t);
    // A sink always uploads; so, almost always, does a task with several consumers, and
    // assuming it from the start keeps the estimates of its consumers consistent (the same
    // availability for all of them, as in the predictor). A task with one consumer uploads
    // when that consumer is placed elsewhere. With point-to-point transfers nothing is uploaded.
    if (direct_) {
      ts.upload_us = 0;
      ts.uploaded = 0;
    } else {
      ts.upload_us = m_.transfer_us(ts.output_bytes, c);
      ts.uploaded = w_.out_degree(t) != 1 ? 1 : 0;
      for (TaskId p : w_.predecessors(t))
        if (task_[index(p)].worker != k) task_[index(p)].uploaded = 1;
    }
    std::int64_t* slots = slot_free_.data() + worker_[k].slot_begin;
    if (!started(k)) {
      worker_[k].started = 1;
      worker_[k].request = e.ready_us;
      std::fill(slots, slots + worker_[k].slot_count, e.instance_ready_us);
      // A pinned worker's instance may start earlier for a task placed before this one.
      if (insertion_ && worker_[k].machine != kAnyMachine) {
        worker_[k].first_start = e.start_us;
        const std::int64_t until = std::max(e.start_us, e.latest_start_us);
        for (std::uint32_t i = 0; i < worker_[k].slot_count; ++i)
          if (until > fresh_start_us_[index(c)])
            gaps_[worker_[k].slot_begin + i].push_back(Gap{fresh_start_us_[index(c)], until});
        std::fill(slots, slots + worker_[k].slot_count, until);
      }
    }
    worker_[k].first_start = std::min(worker_[k].first_start, e.start_us);
    const std::uint32_t slot = worker_[k].slot_begin + e.slot;
    if (insertion_) {
      planned_start_[index(t)] = std::max(e.start_us, e.latest_start_us);
      planned_finish_[index(t)] = e.finish_us;
      placed_.push_back(t);
      std::vector<Gap>& gaps = gaps_[slot];
      // The slot is idle before the task until it must take it (latest_start_us): a task
      // placed there later comes first in the worker's order.
      const std::int64_t until = std::max(e.start_us, e.latest_start_us);
      if (e.gap != kNoGap) {  // the task splits an idle gap in two
        Gap g = gaps[e.gap];
        gaps.erase(gaps.begin() + e.gap);
        auto at = gaps.begin() + e.gap;
        if (e.finish_us < g.end) at = gaps.insert(at, Gap{e.finish_us, g.end});
        if (until > g.start) gaps.insert(at, Gap{g.start, until});
      } else {
        if (until > slot_free_[slot]) gaps.push_back(Gap{slot_free_[slot], until});
        slot_free_[slot] = e.finish_us;
      }
    } else {
      slot_free_[slot] = e.finish_us;
    }
    last_ready_[k] = std::max(last_ready_[k], e.ready_us);
    worker_[k].end = std::max(worker_[k].end, e.finish_us);
    stored_bytes_[k] += ts.output_bytes;
    ++worker_[k].tasks;
  }

  /// Writes the assignment into `plan`: workers that received tasks, named "w<n>" in index
  /// order (workers without tasks are dropped), every task strict on its worker's configuration,
  /// machines where workers are pinned, and with insertion each worker's task order (by the
  /// latest planned time each takes its slot, then planned finish, then order of placement).
  void fill_plan(Plan& plan) const {
    std::vector<std::uint32_t> renumber(worker_.size(), kNoWorker);
    plan.worker_names.clear();
    plan.worker_config.clear();
    plan.worker_machine.clear();
    bool pinned = false;
    for (std::uint32_t k = 0; k < worker_.size(); ++k) {
      if (worker_[k].tasks == 0) continue;
      renumber[k] = static_cast<std::uint32_t>(plan.worker_names.size());
      plan.worker_names.push_back(fmt::format("w{}", renumber[k]));
      plan.worker_config.push_back(worker_[k].config);
      plan.worker_machine.push_back(worker_[k].machine);
      pinned = pinned || worker_[k].machine != kAnyMachine;
    }
    if (!pinned) plan.worker_machine.clear();
    plan.task_worker.resize(n_);
    plan.task_config.resize(n_);
    for (std::uint32_t t = 0; t < n_; ++t) {
      plan.task_worker[t] = renumber[task_[t].worker];
      plan.task_config[t] = worker_[task_[t].worker].config;
    }
    if (!insertion_) return;
    std::vector<std::vector<TaskId>> order(plan.worker_names.size());
    for (TaskId t : placed_) order[plan.task_worker[index(t)]].push_back(t);
    for (auto& list : order)
      std::stable_sort(list.begin(), list.end(), [&](TaskId a, TaskId b) {
        std::int64_t sa = planned_start_[index(a)], sb = planned_start_[index(b)];
        return sa != sb ? sa < sb : planned_finish_[index(a)] < planned_finish_[index(b)];
      });
    plan.set_order(order);
  }

 private:
  static constexpr std::uint32_t kNoGroup = std::numeric_limits<std::uint32_t>::max();
  static constexpr std::uint32_t kNoGap = std::numeric_limits<std::uint32_t>::max();
  /// Gaps looked at, at most, per slot and estimate (then the slot's end is taken).
  static constexpr std::size_t kMaxGapVisits = 64;

  /// The gathered task's inputs that sit on one worker.
  struct Group {
    std::uint32_t worker;
    std::int64_t local_ready;   // latest producer finish as seen on that worker
    std::int64_t remote_ready;  // latest producer finish as seen from elsewhere
    std::uint64_t bytes;
  };
  /// An idle interval of a slot, between two tasks placed there.
  struct Gap {
    std::int64_t start, end;
  };
  /// How long a task holds a slot taken at s: until max(s + before, arrival) + after.
  struct Occupancy {
    std::int64_t before = 0;
    std::int64_t arrival = kNever;
    std::int64_t after = 0;
    std::int64_t finish(std::int64_t s) const { return std::max(s + before, arrival) + after; }
  };

  // Point-to-point: when the last input from another machine reaches worker k's machine. The
  // latest arrival from any machine and the latest from any other than that one are found once
  // per gathered task and bandwidth class of the destination: O(1) per candidate after an
  // O(in-degree) pass.
  std::int64_t direct_arrival(TaskId t, std::uint32_t k) const {
    const std::uint32_t cls = class_of_[index(worker_[k].config)];
    DirectTop& d = direct_top_[cls];
    if (d.gathered != gathered_) {
      d = DirectTop{gathered_, kNoMachine, kNever, kNever};
      const ConfigId rep = class_config_[cls];
      for (TaskId p : w_.predecessors(t)) {
        const TaskState& ps = task_[index(p)];
        std::uint32_t m = worker_[ps.worker].global_machine;
        std::int64_t a =
            ps.exec_end_us + m_.direct_transfer_us(ps.output_bytes, worker_[ps.worker].config, rep);
        if (m == d.machine && m != kNoMachine) {
          d.top1 = std::max(d.top1, a);
        } else if (a > d.top1) {
          d.top2 = d.top1;
          d.top1 = a;
          d.machine = m;
        } else {
          d.top2 = std::max(d.top2, a);
        }
      }
    }
    const std::uint32_t machine = worker_[k].global_machine;
    return machine != kNoMachine && machine == d.machine ? d.top2 : d.top1;
  }

  // The earliest placement on one of worker k's slots from `earliest` on: the first idle gap
  // that holds the task (insertion), else after the slot's last task. Ties: the lower slot.
  void place(std::uint32_t k, std::int64_t earliest, std::int64_t before_first, const Occupancy& o,
             Estimate& e) const {
    e.finish_us = std::numeric_limits<std::int64_t>::max();
    for (std::uint32_t i = 0; i < worker_[k].slot_count; ++i) {
      const std::uint32_t slot = worker_[k].slot_begin + i;
      std::int64_t s = std::max(earliest, slot_free_[slot]);
      std::int64_t f = o.finish(s);
      std::uint32_t gap = kNoGap;
      if (insertion_ && !gaps_[slot].empty()) {
        const std::vector<Gap>& gaps = gaps_[slot];
        // Gaps are ordered by time; those ending before `earliest` cannot hold it.
        auto it = std::upper_bound(gaps.begin(), gaps.end(), earliest,
                                   [](std::int64_t x, const Gap& g) { return x < g.end; });
        for (std::size_t visits = 0; it != gaps.end() && visits < kMaxGapVisits; ++it, ++visits) {
          std::int64_t gs =
              std::max(it->end <= worker_[k].first_start ? before_first : earliest, it->start);
          std::int64_t gf = o.finish(gs);
          if (gf <= it->end) {
            s = gs;
            f = gf;
            gap = static_cast<std::uint32_t>(it - gaps.begin());
            break;
          }
        }
      }
      if (f < e.finish_us) {
        e.finish_us = f;
        e.start_us = s;
        e.slot = i;
        e.gap = gap;
        e.latest_start_us = std::max(s, o.arrival - o.before);
      }
    }
  }

  // The gathered task's transfers at one bandwidth class, computed once per task and class.
  struct Transfers {
    std::uint64_t gathered = 0;        // gather() count they were computed for
    std::int64_t download_all_us = 0;  // every input, as a fresh worker downloads them
    std::int64_t upload_us = 0;        // its output, when it uploads from the start
  };
  const Transfers& transfers(TaskId t, ConfigId c) const {
    std::uint32_t k = class_of_[index(c)];
    Transfers& x = transfers_[k];
    if (x.gathered != gathered_) {
      ConfigId rep = class_config_[k];
      x.gathered = gathered_;
      x.download_all_us = (!groups_.empty() || literal_bytes_ > 0)
                              ? m_.transfer_us(pred_bytes_ + literal_bytes_, rep)
                              : 0;
      x.upload_us = w_.out_degree(t) != 1 ? m_.transfer_us(w_.output_bytes(t), rep) : 0;
    }
    return x;
  }

  // After the download: dispatch, execution, and for a sink or a task with several consumers
  // its upload; then the counter update or completion record.
  void finish_estimate(TaskId t, ConfigId c, std::int64_t exec_us, std::int64_t download_us,
                       Estimate& e) const {
    e.exec_end_us = e.start_us + download_us + m_.dispatch_us() + exec_us;
    e.finish_us = e.exec_end_us + transfers(t, c).upload_us + m_.storage_op_us();
  }

  const ExecutionModel& m_;
  const Workflow& w_;
  const std::size_t n_;
  const bool direct_;
  const bool insertion_;
  // Per task, 32 bytes: what gather() reads of a predecessor, in one cache line.
  struct TaskState {
    std::int64_t exec_end_us = 0;
    std::int64_t upload_us = 0;  // its output, from its worker
    std::uint64_t output_bytes = 0;
    std::uint32_t worker = kNoWorker;
    std::uint8_t uploaded = 0;
  };
  std::vector<TaskState> task_;
  // Insertion: per task, when it takes its slot at the latest, and when it frees it.
  std::vector<std::int64_t> planned_start_, planned_finish_;
  std::vector<TaskId> placed_;  // insertion: tasks in the order placed
  // Per worker.
  // Per worker, what an estimate of a candidate reads, in one cache line (with 2 * 10^5 workers
  // at 10^6 tasks, one array per field cost a cache miss per field and candidate).
  struct alignas(64) Worker {
    std::int64_t end = 0;      // finish of its last task so far
    std::int64_t request = 0;  // when it is invoked (its first task's ready time)
    std::int64_t first_start = std::numeric_limits<std::int64_t>::max();  // earliest task start
    std::uint32_t slot_begin = 0, slot_count = 0;  // its slots in slot_free_ and gaps_
    std::uint32_t group = kNoGroup;  // the gathered task's group of inputs on it, if any
    std::uint32_t machine = kAnyMachine, global_machine = kNoMachine;
    std::uint32_t tasks = 0;
    ConfigId config{};
    std::uint8_t started = 0;
  };
  std::vector<Worker> worker_;
  std::vector<std::int64_t> slot_free_, last_ready_;
  std::vector<std::vector<Gap>> gaps_;  // insertion: per slot, in time order
  std::vector<std::uint64_t> stored_bytes_;
  // Per configuration: invocation, cold start and DAG fetch; bandwidth class.
  std::vector<std::int64_t> fresh_start_us_;
  std::vector<std::uint32_t> class_of_;
  std::vector<ConfigId> class_config_;  // per class: its first configuration
  mutable std::vector<Transfers> transfers_;
  // Point-to-point arrivals of the gathered task per bandwidth class: the latest (from
  // `machine`) and the latest from any other machine.
  struct DirectTop {
    std::uint64_t gathered = 0;
    std::uint32_t machine = kNoMachine;
    std::int64_t top1 = kNever, top2 = kNever;
  };
  mutable std::vector<DirectTop> direct_top_;
  std::uint64_t gathered_ = 0;
  // Scratch of the gathered task.
  std::vector<Group> groups_;
  std::vector<std::uint32_t> pred_workers_;
  std::uint64_t pred_bytes_ = 0, literal_bytes_ = 0;
  std::int64_t top1_ = kNever, top2_ = kNever;
  std::uint32_t top1_group_ = kNoGroup;
};

/// A min-heap of (key, worker) whose entries go stale when a worker's key changes: push the new
/// key on every change; top() drops entries that no longer match `current(worker)`. Ties break
/// by the lower worker index. Amortised O(log n) per push.
class LazyWorkerHeap {
 public:
  void push(std::int64_t key, std::uint32_t worker) {
    heap_.push_back(Entry{key, worker});
    std::push_heap(heap_.begin(), heap_.end(), Greater{});
  }
  /// The valid entry with the smallest key, or kNoWorker when none is left.
  template <typename Current>
  std::uint32_t top(const Current& current) {
    while (!heap_.empty()) {
      const Entry& e = heap_.front();
      if (current(e.worker) == e.key) return e.worker;
      std::pop_heap(heap_.begin(), heap_.end(), Greater{});
      heap_.pop_back();
    }
    return kNoWorker;
  }

 private:
  struct Entry {
    std::int64_t key;
    std::uint32_t worker;
  };
  struct Greater {
    bool operator()(const Entry& a, const Entry& b) const {
      return a.key != b.key ? a.key > b.key : a.worker > b.worker;
    }
  };
  std::vector<Entry> heap_;
};

/// Per-configuration prices and durations the planners compare candidates with.
inline double price_per_us(const ExecutionModel& m, ConfigId c) {
  // Over 1000 s so that the billing granularity does not distort the rate.
  return m.instance_cost(c, 1'000'000'000) / 1e9;
}

/// All configurations, or only `forced`.
inline std::vector<ConfigId> allowed_configs(const ExecutionModel& m,
                                             const std::optional<ConfigId>& forced) {
  std::vector<ConfigId> out;
  if (forced) {
    out.push_back(*forced);
  } else {
    for (std::size_t c = 0; c < m.config_count(); ++c)
      out.push_back(ConfigId{static_cast<std::uint16_t>(c)});
  }
  return out;
}

}  // namespace dagplan::list_scheduling
