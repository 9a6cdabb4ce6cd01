// The grouping of the `uniform` planner (DESIGN.md section 3): tasks go to strict workers in one
// walk over a topological order, so that data stays on a worker where that is cheap and fan-outs
// still run in parallel. The rules, applied when a task is visited:
//
// 1. A 1->1 edge (the task has one successor, which has no other predecessor) keeps the worker:
//    the successor runs where its only input already is.
// 2. A fan-out: the children with no other predecessor (the task "owns" them; children with
//    several predecessors are fan-ins, placed by rule 3) are split. With e(s) the execution time
//    of child s, M the lower median of e over the owned children, and O the latency a child pays
//    on a fresh worker instead of its producer's (invoke + cold start + DAG fetch + downloading
//    the producer's output), a child is *short* when e(s) <= M and e(s) <= O, else *long*.
//    Both conditions matter: with the median alone, a fan-out of equal 10 s tasks would be all
//    short and run three at a time on one worker; with O alone, a mixed fan-out would lose the
//    guarantee that at least the longer half runs in parallel.
//    - The producer keeps up to kKeptOnProducer short children, largest output first (ties: lower
//      id): their outputs are what a later fan-in will gather, and rule 3 then tends to pull that
//      fan-in to the producer's worker too.
//    - If the producer keeps no short child it keeps the longest long child instead (WUKONG's
//      "become", Carver et al. SoCC 2020): its worker is running already, so that branch pays
//      no start-up at all. In particular a single owned child always stays.
//    - Every other long child opens a new worker. The remaining short children, in the same
//      order, join those workers kShortPerLong at a time, the shortest long child first, so the
//      longest branches run alone; short children still left are grouped kKeptOnProducer (three)
//      per new worker.
//    The roots are a fan-out of the client: the same split with no producer worker.
// 3. A fan-in (several predecessors) goes to the worker that produced the most of its input
//    bytes (ties: lower worker index), so that the least data crosses workers - unless a fresh
//    worker would finish it sooner, by an estimate kept during the walk (each task's finish, each
//    worker's slots as a list schedule in walk order, no contention). The guard is an addition to
//    the rule as DESIGN.md states it: on layered DAGs, where nearly every task is a fan-in, the
//    bare rule piles whole layers onto a few workers that run them one after another (random-
//    layered, 10^4 tasks, aws-lambda: makespan 4115 s and $5.12 without the guard, 193 s and
//    $2.08 with it; wukong 192 s).
// Cost: a fan-out is one nth_element and two sorts of its owned children, a fan-in O(in-degree).
#include "grouping.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <limits>

namespace dagplan::planners {
namespace {

constexpr std::uint32_t kNoWorker = std::numeric_limits<std::uint32_t>::max();

class Grouper {
 public:
  Grouper(const ExecutionModel& model, ConfigId config)
      : m_(model), w_(model.workflow()), c_(config) {
    g_.task_worker.assign(w_.task_count(), kNoWorker);
    bytes_.assign(w_.task_count(), 0);
    mark_.assign(w_.task_count(), kNoWorker);
    finish_.assign(w_.task_count(), 0);
    slots_ = model.slots(config);
    fresh_us_ = m_.fresh_worker_us(c_);
  }

  Grouping run() && {
    owned_.clear();
    for (TaskId r : w_.roots()) owned_.push_back(index(r));
    split_fan_out(kNoWorker, 0);
    for (TaskId t : w_.topological_order()) {
      std::uint32_t ti = index(t);
      if (g_.task_worker[ti] == kNoWorker) place_fan_in(t);
      estimate(t);
      std::span<const TaskId> succ = w_.successors(t);
      if (succ.size() == 1 && w_.in_degree(succ[0]) == 1) {  // rule 1
        g_.task_worker[index(succ[0])] = g_.task_worker[ti];
        continue;
      }
      owned_.clear();
      for (TaskId s : succ)
        if (w_.in_degree(s) == 1) owned_.push_back(index(s));
      if (!owned_.empty()) split_fan_out(g_.task_worker[ti], w_.output_bytes(t));
    }
    return std::move(g_);
  }

 private:
  std::uint32_t new_worker() {
    lanes_.resize(lanes_.size() + slots_, -1);  // -1: not invoked yet
    return g_.worker_count++;
  }

  // The lane (slot) of worker k that frees first.
  std::int64_t* free_lane(std::uint32_t k) {
    std::int64_t* lane = &lanes_[std::size_t{k} * slots_];
    return std::min_element(lane, lane + slots_);
  }

  // When t, on worker k, could start and finish by the estimate (list scheduling in walk order,
  // without contention): its inputs, the worker's first free slot, its start-up if it has none.
  std::pair<std::int64_t, std::int64_t> estimate_on(TaskId t, std::uint32_t k) {
    std::int64_t ready = 0, invoked = 0;
    std::uint64_t remote = w_.input_bytes(t);
    bool download = remote > 0;
    for (TaskId p : w_.predecessors(t)) {
      std::int64_t f = finish_[index(p)];
      invoked = std::max(invoked, f);
      if (g_.task_worker[index(p)] == k) {
        ready = std::max(ready, f);
      } else {
        ready = std::max(ready, f + m_.storage_op_us());
        remote += w_.output_bytes(p);
        download = true;
      }
    }
    std::int64_t lane = k == kNoWorker ? -1 : *free_lane(k);
    std::int64_t start = std::max(ready, lane < 0 ? invoked + fresh_us_ : lane);
    std::int64_t end = start + (download ? m_.transfer_us(remote, c_) : 0) + m_.exec_us(t, c_) +
                       m_.storage_op_us();
    return {start, end};
  }

  void estimate(TaskId t) {
    const std::uint32_t k = g_.task_worker[index(t)];
    auto [start, end] = estimate_on(t, k);
    finish_[index(t)] = end;
    std::int64_t* lane = free_lane(k);
    if (*lane < 0)  // first task: every slot becomes free at the start-up
      std::fill(lane, lane + slots_, start);
    *free_lane(k) = end;
  }

  // Rule 2 on owned_, whose producer runs on `producer` (kNoWorker: the client) and whose input
  // from it is `input_bytes`.
  void split_fan_out(std::uint32_t producer, std::uint64_t input_bytes) {
    if (owned_.empty()) return;
    ++g_.fan_outs;
    exec_.clear();
    for (std::uint32_t s : owned_) exec_.push_back(m_.exec_us(TaskId{s}, c_));
    median_.assign(exec_.begin(), exec_.end());
    auto mid = median_.begin() + static_cast<std::ptrdiff_t>((median_.size() - 1) / 2);
    std::nth_element(median_.begin(), mid, median_.end());
    const std::int64_t median = *mid;
    std::int64_t fresh = m_.fresh_worker_us(c_);
    if (producer != kNoWorker) fresh += m_.transfer_us(input_bytes, c_);
    shorts_.clear();
    longs_.clear();
    for (std::size_t i = 0; i < owned_.size(); ++i) {
      if (exec_[i] <= median && exec_[i] <= fresh)
        shorts_.push_back(owned_[i]);
      else
        longs_.push_back({exec_[i], owned_[i]});
    }
    std::sort(shorts_.begin(), shorts_.end(), [&](std::uint32_t a, std::uint32_t b) {
      std::uint64_t oa = w_.output_bytes(TaskId{a}), ob = w_.output_bytes(TaskId{b});
      return oa != ob ? oa > ob : a < b;
    });
    std::sort(longs_.begin(), longs_.end(), [](const Child& a, const Child& b) {
      return a.exec_us != b.exec_us ? a.exec_us > b.exec_us : a.task < b.task;
    });
    std::size_t next_short = 0, next_long = 0;
    if (producer != kNoWorker) {
      if (shorts_.empty()) {
        assign(longs_[next_long++].task, producer);
      } else {
        for (; next_short < std::min(kKeptOnProducer, shorts_.size()); ++next_short)
          assign(shorts_[next_short], producer);
      }
    }
    const std::uint32_t first_long_worker = g_.worker_count;
    const std::size_t long_workers = longs_.size() - next_long;
    for (; next_long < longs_.size(); ++next_long) assign(longs_[next_long].task, new_worker());
    // Shortest long child first: worker first_long_worker + long_workers - 1 holds it.
    for (std::size_t j = 0; j < long_workers && next_short < shorts_.size(); ++j) {
      auto k = static_cast<std::uint32_t>(first_long_worker + long_workers - 1 - j);
      for (std::size_t q = 0; q < kShortPerLong && next_short < shorts_.size(); ++q)
        assign(shorts_[next_short++], k);
    }
    while (next_short < shorts_.size()) {
      std::uint32_t k = new_worker();
      for (std::size_t q = 0; q < kKeptOnProducer && next_short < shorts_.size(); ++q)
        assign(shorts_[next_short++], k);
    }
  }

  // Rule 3: the worker holding the most input bytes, ties to the lower worker index.
  void place_fan_in(TaskId t) {
    const std::uint32_t ti = index(t);
    assert(w_.in_degree(t) >= 2 && "roots and owned children are placed by their producer");
    touched_.clear();
    for (TaskId p : w_.predecessors(t)) {
      std::uint32_t k = g_.task_worker[index(p)];
      assert(k != kNoWorker);
      if (mark_[k] != ti) {
        mark_[k] = ti;
        bytes_[k] = 0;
        touched_.push_back(k);
      }
      bytes_[k] += w_.output_bytes(p);
    }
    std::uint32_t best = touched_.front();
    for (std::uint32_t k : touched_)
      if (bytes_[k] > bytes_[best] || (bytes_[k] == bytes_[best] && k < best)) best = k;
    // Unless a fresh worker would finish it sooner: that worker is busy with other work.
    if (estimate_on(t, best).second > estimate_on(t, kNoWorker).second) {
      best = new_worker();
      ++g_.fan_ins_fresh;
    }
    g_.task_worker[ti] = best;
    ++g_.fan_ins;
  }

  void assign(std::uint32_t task, std::uint32_t worker) { g_.task_worker[task] = worker; }

  struct Child {
    std::int64_t exec_us;
    std::uint32_t task;
  };

  const ExecutionModel& m_;
  const Workflow& w_;
  const ConfigId c_;
  Grouping g_;
  // Scratch, reused by every fan-out and fan-in.
  std::vector<std::uint32_t> owned_, shorts_, touched_, mark_;
  std::vector<std::int64_t> exec_, median_;
  std::vector<Child> longs_;
  std::vector<std::uint64_t> bytes_;  // per worker: input bytes of the fan-in being placed
  // The estimate: per task its finish, per worker and slot when it frees (-1: not invoked).
  std::vector<std::int64_t> finish_, lanes_;
  std::uint32_t slots_ = 1;
  std::int64_t fresh_us_ = 0;  // invoke + cold start + DAG fetch
};

}  // namespace

Grouping group_tasks(const ExecutionModel& model, ConfigId config) {
  return Grouper(model, config).run();
}

Plan make_grouped_plan(const Workflow& workflow, const Grouping& grouping,
                       std::span<const ConfigId> worker_config) {
  assert(worker_config.size() == grouping.worker_count);
  Plan p = make_flexible_plan(workflow, worker_config.empty() ? ConfigId{0} : worker_config[0]);
  p.worker_names.reserve(grouping.worker_count);
  for (std::uint32_t k = 0; k < grouping.worker_count; ++k)
    p.worker_names.push_back(fmt::format("w{}", k));
  p.worker_config.assign(worker_config.begin(), worker_config.end());
  p.task_worker.assign(grouping.task_worker.begin(), grouping.task_worker.end());
  for (std::size_t t = 0; t < p.task_worker.size(); ++t)
    p.task_config[t] = worker_config[p.task_worker[t]];
  return p;
}

}  // namespace dagplan::planners
