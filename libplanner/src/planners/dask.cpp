// dask: the greedy placement of Dask's distributed scheduler, for comparison (DESIGN.md
// section 3). Source: dask/distributed, distributed/scheduler.py, `decide_worker` and
// `SchedulerState.worker_objective`: a ready task goes to the candidate worker with the smallest
//   (stack_time + comm_bytes / bandwidth, ws.nbytes)
// where stack_time = occupancy / nthreads and comm_bytes are the bytes of its dependencies that
// the worker does not hold. Candidates are the workers holding a dependency; a task without
// dependencies goes to the least-occupied worker.
//
// How it is reproduced here, and where it deviates:
// - A fixed pool of workers, as in a Dask cluster. Serverless: ceil(W / slots) workers of one
//   configuration (the forced one, else the model's fastest), W the largest level of the DAG
//   (tasks with the same longest distance from a root), at most max_concurrency and at least 1;
//   each runs slots(c) tasks at once (Dask's nthreads). The pool never exceeds the concurrency
//   limit, so no pool worker waits for another's place. Cluster: one single-threaded worker per
//   core of every machine (`dask worker --nworkers <cores> --nthreads 1`), because the
//   execution model's cluster worker is one core. Pool workers that get no task are dropped.
// - Time is simulated with the execution model (list_scheduling.hpp): tasks are placed in order
//   of their estimated ready time, as Dask decides when a task's dependencies are in memory;
//   ties by priority, a depth-first preorder of the DAG from the roots in id order following
//   successors in order (a simple stand-in for dask.order's depth-first priorities), then id.
// - occupancy is the work still queued on the worker when the task is ready: the sum over its
//   slots of (slot frees - ready time), clamped at zero; a pool worker that has not started is
//   unoccupied (Dask's workers are running already; here it still pays its cold start).
// - bandwidth is the candidate's configuration bandwidth from the model (stream_us), not Dask's
//   single measured value; storage latency is left out, as Dask leaves it out.
// - Candidates: the workers holding a dependency plus the worker whose first slot frees
//   earliest (a heap, so placement stays O(in-degree + log workers)), standing in for both
//   Dask's choice for root tasks and its work stealing of tasks stuck behind a busy worker.
//   Ties: smaller objective, fewer stored bytes, lower worker index.
#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "dagplan/analysis.hpp"
#include "dagplan/json_writer.hpp"
#include "dagplan/planner.hpp"
#include "planners/list_scheduling.hpp"

namespace dagplan {
namespace {

using list_scheduling::Estimate;
using list_scheduling::kNoWorker;
using list_scheduling::LazyWorkerHeap;
using list_scheduling::Timeline;

// Depth-first preorder numbers: roots in id order, successors in adjacency order.
std::vector<std::uint32_t> depth_first_priority(const Workflow& w) {
  constexpr std::uint32_t kUnseen = std::numeric_limits<std::uint32_t>::max();
  std::vector<std::uint32_t> order(w.task_count(), kUnseen);
  std::vector<std::pair<TaskId, std::uint32_t>> stack;  // task, next successor to visit
  std::uint32_t next = 0;
  for (TaskId r : w.roots()) {
    order[index(r)] = next++;
    stack.emplace_back(r, 0);
    while (!stack.empty()) {
      auto& [t, i] = stack.back();
      std::span<const TaskId> succ = w.successors(t);
      if (i == succ.size()) {
        stack.pop_back();
        continue;
      }
      TaskId s = succ[i++];
      if (order[index(s)] != kUnseen) continue;
      order[index(s)] = next++;
      stack.emplace_back(s, 0);
    }
  }
  return order;
}

// The most tasks with the same longest distance from a root.
std::size_t max_level_width(const Workflow& w) {
  std::vector<std::size_t> width = level_widths(w);
  return width.empty() ? 1 : *std::max_element(width.begin(), width.end());
}

class DaskPlanner final : public Planner {
 public:
  std::string_view name() const override { return "dask"; }

  Plan plan(const ExecutionModel& model, const PlannerOptions& options) const override {
    const Workflow& w = model.workflow();
    const std::size_t n = w.task_count();
    const ConfigId main_config = options.config.value_or(model.fastest_config());

    // The pool.
    Timeline tl(model);
    std::size_t level_width = 0;
    if (model.fixed_machines()) {
      // One worker per core, pinned to its machine (point-to-point transfers are free there).
      for (ConfigId c : list_scheduling::allowed_configs(model, options.config)) {
        const std::uint32_t cores = model.cores_per_machine(c);
        for (std::uint64_t i = 0; i < model.capacity(c); ++i)
          tl.set_machine(tl.add_worker(c), static_cast<std::uint32_t>(i / cores));
      }
    } else {
      level_width = max_level_width(w);
      std::size_t slots = model.slots(main_config);
      std::size_t pool = (level_width + slots - 1) / slots;
      pool = std::clamp<std::size_t>(pool, 1,
                                     std::max<std::uint32_t>(1, model.platform().max_concurrency));
      for (std::size_t i = 0; i < pool; ++i) tl.add_worker(main_config);
    }
    if (tl.worker_count() == 0) tl.add_worker(main_config);  // a cluster without machines
    const auto pool_size = static_cast<std::uint32_t>(tl.worker_count());

    LazyWorkerHeap least_busy;  // by the time the first slot frees; not started first
    for (std::uint32_t k = 0; k < pool_size; ++k) least_busy.push(tl.earliest_slot_us(k), k);
    auto current_slot = [&tl](std::uint32_t k) { return tl.earliest_slot_us(k); };

    // Ready tasks by (estimated ready time, priority); priorities are distinct.
    const std::vector<std::uint32_t> priority = depth_first_priority(w);
    std::vector<std::int64_t> ready_at(n, 0);
    struct Ready {
      std::int64_t at;
      std::uint32_t priority;
      TaskId task;
      bool operator>(const Ready& o) const {
        return at != o.at ? at > o.at : priority > o.priority;
      }
    };
    std::vector<Ready> ready;
    for (TaskId r : w.roots()) ready.push_back(Ready{0, priority[index(r)], r});
    std::make_heap(ready.begin(), ready.end(), std::greater<>());
    std::vector<std::uint32_t> missing(n);
    for (std::uint32_t t = 0; t < n; ++t) missing[t] = w.in_degree(TaskId{t});

    while (!ready.empty()) {
      std::pop_heap(ready.begin(), ready.end(), std::greater<>());
      const Ready r = ready.back();
      ready.pop_back();
      const TaskId t = r.task;
      tl.gather(t);

      // worker_objective: (stack_time + comm_bytes / bandwidth, stored bytes, index).
      std::uint32_t best = kNoWorker;
      std::int64_t best_start = 0;
      auto consider = [&](std::uint32_t k) {
        std::int64_t occupancy = 0;
        if (tl.started(k))
          for (std::int64_t free : tl.slot_free(k))
            occupancy += std::max<std::int64_t>(0, free - r.at);
        std::int64_t start = occupancy / static_cast<std::int64_t>(tl.slot_free(k).size()) +
                             model.stream_us(tl.bytes_not_on(k), tl.worker_config(k));
        if (best == kNoWorker || start < best_start ||
            (start == best_start && (tl.stored_bytes(k) < tl.stored_bytes(best) ||
                                     (tl.stored_bytes(k) == tl.stored_bytes(best) && k < best)))) {
          best = k;
          best_start = start;
        }
      };
      for (std::uint32_t k : tl.pred_workers()) consider(k);
      std::uint32_t idle = least_busy.top(current_slot);
      if (idle != kNoWorker && !tl.holds_input(idle)) consider(idle);

      const std::int64_t old_slot = tl.earliest_slot_us(best);
      const Estimate e = tl.estimate(t, best, model.exec_us(t, tl.worker_config(best)));
      tl.assign(t, best, e);
      if (tl.earliest_slot_us(best) != old_slot) least_busy.push(tl.earliest_slot_us(best), best);

      for (TaskId s : w.successors(t)) {
        std::int64_t& at = ready_at[index(s)];
        at = std::max(at, e.finish_us);
        if (--missing[index(s)] != 0) continue;
        ready.push_back(Ready{at, priority[index(s)], s});
        std::push_heap(ready.begin(), ready.end(), std::greater<>());
      }
    }

    Plan p = make_flexible_plan(w, main_config);
    tl.fill_plan(p);
    std::string params;
    JsonWriter j(params);
    j.begin_object(true);
    if (model.fixed_machines()) {
      j.member("pool", "one single-threaded worker per core");
    } else {
      j.member("config", model.config(main_config).name);
      j.member("pool", "ceil(max level width / slots), at most max_concurrency");
      j.member("max_level_width", static_cast<std::uint64_t>(level_width));
      j.member("threads_per_worker", model.slots(main_config));
    }
    j.member("workers", pool_size);
    j.member("priority", "ready time, then depth-first preorder");
    j.end_object();
    if (!params.empty() && params.back() == '\n') params.pop_back();
    stamp_plan(p, model, name(), std::move(params));
    return p;
  }
};

}  // namespace

std::unique_ptr<Planner> make_dask_planner() {
  return std::make_unique<DaskPlanner>();
}

}  // namespace dagplan
