// heft: Heterogeneous Earliest Finish Time list scheduling (Topcuoglu, Hariri and Wu,
// "Performance-effective and low-complexity task scheduling for heterogeneous computing", IEEE
// TPDS 13(3), 2002), on a cluster's machines and on strict serverless workers (DESIGN.md
// section 3).
//
// As in the paper: tasks are ranked by upward rank, rank_u(t) = w(t) + max over successors s of
// (c(t, s) + rank_u(s)), and each task, in decreasing rank (ties by lower TaskId), goes to the
// candidate that gives it the earliest finish time, in the earliest idle gap of the candidate
// that holds it (the insertion policy). Tasks are taken from the ready set in rank order, which
// is the sorted order whenever ranks decrease along edges and stays topological when they do
// not (zero work and zero-cost edges). The plan carries each worker's task order (by the time
// each task must take its slot, list_scheduling.hpp), and the run engine follows it: what heft
// estimates is what the predictor computes, on the textbook model exactly.
//
// On a pool of machines (a cluster; plan_on_machines):
// - Processors are the cores: one worker per core of every allowed machine, pinned to it.
//   Every processor is a candidate up to kAllProcessors; beyond, a task's candidates are its
//   predecessors' workers and, per configuration, the worker whose last task ends first.
// - w(t) is the mean execution time over the processors; c(t, s) the expected cost of the edge
//   between two processors drawn at random: with point-to-point transfers it is free when they
//   share a machine, so it is the transfer time times the share of processor pairs on different
//   machines (by bandwidth class); through storage, an upload plus a download.
// - No rank function is best on every graph (Zhao and Sakellariou, Euro-Par 2003): on a graph
//   of up to kVariantTasks / 2 tasks heft also tries other weights of c in the rank and, for
//   each schedule, the ranks of its own placement (actual times and edge costs), and keeps the
//   plan the predictor finds shortest. The number of weights tried is kVariantTasks / tasks (at
//   least 1, at most all of kCommWeights), so the extra cost stays bounded as graphs grow.
// - Worker cost is zero on a cluster (it is paid by makespan): plain earliest finish time, ties
//   to the lower processor.
//
// On a serverless platform (plan_serverless), deviations, and why:
// - w(t) is the execution time at one reference configuration (the forced one, else the
//   model's fastest), not the mean over processors: most configurations of a serverless
//   platform are far slower for single-threaded work and would swamp the mean.
// - c(t, s) is an upload plus a download of t's output: twice the mean over the allowed
//   configurations of the model's transfer_us (an output crosses storage, not a link).
// - Processors are not a fixed set. A task's candidates are only the workers of its
//   predecessors plus one fresh worker per allowed configuration (less the configurations that
//   cannot beat an equal, cheaper one: FreshConfigs), so planning costs O(in-degree +
//   configurations) per task instead of O(workers): near-linear on 10^6 tasks.
//   A fresh worker pays invocation, cold start and DAG fetch and downloads every input. A
//   worker with several slots runs that many tasks at once; insertion looks at each slot's gaps.
// - Cost: a strict worker is billed while it waits idle, so the earliest finish time is not
//   the whole story: placing a task next to its input on a worker idle since long bills the
//   whole wait, where a fresh worker would only pay its start-up and a download (on
//   montage-like workflows pure EFT tripled the cost for 2% of makespan). So each candidate
//   gets its added cost, in worker-microseconds of the reference configuration: for a started
//   worker, its price x the time the task extends its lifetime (idle wait included); for a
//   fresh worker, its price x its billed time up to the task's finish, plus one invocation.
//   Among the candidates that finish within a slack of the earliest finish time, the one with
//   the smallest (delay_weight x (finish - earliest finish) + added cost) wins: a later finish
//   is taken only when it saves delay_weight times as much billed time as it delays the task.
//   The slack is the larger of eft_slack x the task's execution time and the most a fresh
//   worker can lose to a local one (invocation, cold start, DAG fetch and the download of all
//   the task's inputs, at the reference configuration). Ties: earlier finish, then an existing
//   worker before a fresh one and the lower worker index, then the lower configuration id.
// - Concurrency. A worker counts as alive from its invocation to its last task's finish, idle
//   gaps included (a strict worker waits), counted in 2^14 time buckets spanning an estimated
//   horizon (later times share the last bucket). Fresh workers are offered only if the count
//   stays below max_concurrency from the moment they would be invoked to the earliest finish
//   among them; a predecessor's worker that exited before the task is ready comes back only if
//   the count stays below the limit over the gap (it waits alive through it). Otherwise
//   existing workers are preferred: the task's candidates become its predecessors' workers
//   still alive when it is ready, plus the alive worker that finishes its last task first
//   (never one invoked after the task is ready: the task would invoke it earlier and make it
//   wait). If even that leaves no candidate, the limit is exceeded, again preferring existing
//   workers. Extending a worker that is alive is never refused. The count is HEFT's own
//   estimate, so the limit is kept roughly; the predictor queues what exceeds it and evicts
//   idle workers to make room.
// - Estimated times follow the predictor's run semantics (list_scheduling.hpp).
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "dagplan/json_writer.hpp"
#include "dagplan/planner.hpp"
#include "dagplan/predictor.hpp"
#include "planners/list_scheduling.hpp"

namespace dagplan {
namespace {

using list_scheduling::Estimate;
using list_scheduling::kNoWorker;
using list_scheduling::LazyWorkerHeap;
using list_scheduling::Timeline;

/// Share of a task's execution time by which a cheaper candidate may finish later (at least).
constexpr double kEftSlack = 0.05;
/// Billed worker time a later finish must save per microsecond of delay.
constexpr double kDelayWeight = 4.0;
/// Workers looked at, at most, when searching for an alive worker to fall back on.
constexpr std::size_t kMaxFallbackVisits = 64;
/// On a pool of machines, every processor is a candidate up to this many processors.
constexpr std::uint32_t kAllProcessors = 64;
/// On a pool of machines, the weights of the expected edge cost in the ranks heft tries, in
/// order; it tries kVariantTasks / tasks of them (at least the first).
constexpr std::array<double, 17> kCommWeights = {1.0,   0.5,  1.5,   0.0,   0.75,  0.25,
                                                 1.25,  2.0,  0.875, 1.125, 0.625, 0.375,
                                                 1.375, 1.75, 0.125, 1.625, 1.875};
constexpr std::size_t kVariantTasks = 16'000;

struct Candidate {
  std::uint32_t worker;  // kNoWorker: a fresh worker
  ConfigId config;
  Estimate estimate;
  double added_cost;  // dollars
  double score = 0;   // delay_weight x delay + added cost in reference worker-microseconds
};

// Whether a beats b, both within the slack (see the file comment).
bool better(const Candidate& a, const Candidate& b) {
  if (a.score != b.score) return a.score < b.score;
  if (a.estimate.finish_us != b.estimate.finish_us)
    return a.estimate.finish_us < b.estimate.finish_us;
  if (a.worker != b.worker) return a.worker < b.worker;  // kNoWorker (fresh) sorts last
  return index(a.config) < index(b.config);
}

/// kBuckets time buckets of equal width spanning [0, horizon]; later times fall in the last.
class TimeBuckets {
 public:
  static constexpr std::size_t kBuckets = std::size_t{1} << 14;

  explicit TimeBuckets(std::int64_t horizon_us)
      : width_us_(std::max<std::int64_t>(1, horizon_us / static_cast<std::int64_t>(kBuckets) + 1)) {
  }
  std::size_t operator()(std::int64_t t_us) const {
    return std::min(kBuckets - 1,
                    static_cast<std::size_t>(std::max<std::int64_t>(0, t_us) / width_us_));
  }

 private:
  std::int64_t width_us_;
};

/// Workers alive per time bucket: +1 over a range, in time linear in its length, and whether a
/// range reaches a count, in O(kFine + kCoarse / kFine + length / kCoarse) with the maximum of
/// every kFine and every kCoarse buckets kept. Additions are worker lifetimes and their
/// extensions, so their total is about (sum of lifetimes) / (bucket width): at most about
/// max_concurrency x kBuckets / 2 with the horizon chosen below.
class AliveCount {
 public:
  explicit AliveCount(const TimeBuckets& buckets)
      : buckets_(buckets),
        count_(TimeBuckets::kBuckets, 0),
        fine_(TimeBuckets::kBuckets / kFine, 0),
        coarse_(TimeBuckets::kBuckets / kCoarse, 0) {}

  /// One more worker alive from `from_us` to `to_us` (inclusive, by bucket).
  void add(std::int64_t from_us, std::int64_t to_us) {
    add_range(buckets_(from_us), buckets_(to_us));
  }
  /// One more worker alive after `from_us` (exclusive, by bucket) up to `to_us`.
  void extend(std::int64_t from_us, std::int64_t to_us) {
    add_range(buckets_(from_us) + 1, buckets_(to_us));
  }
  /// Whether `limit` workers are alive at once somewhere from `from_us` to `to_us` (inclusive,
  /// by bucket).
  bool reaches(std::int64_t from_us, std::int64_t to_us, std::int32_t limit) const {
    return reaches_range(buckets_(from_us), buckets_(to_us), limit);
  }
  /// The same after `from_us` (exclusive); false when that range is empty.
  bool reaches_after(std::int64_t from_us, std::int64_t to_us, std::int32_t limit) const {
    return reaches_range(buckets_(from_us) + 1, buckets_(to_us), limit);
  }
  /// The most workers alive at once, ever.
  std::int32_t peak() const { return peak_; }

 private:
  static constexpr std::size_t kFine = 16, kCoarse = 256;

  void add_range(std::size_t lo, std::size_t hi) {
    for (std::size_t b = lo; b <= hi; ++b) {
      std::int32_t c = ++count_[b];
      fine_[b / kFine] = std::max(fine_[b / kFine], c);
      coarse_[b / kCoarse] = std::max(coarse_[b / kCoarse], c);
      peak_ = std::max(peak_, c);
    }
  }
  bool reaches_range(std::size_t lo, std::size_t hi, std::int32_t limit) const {
    std::size_t b = lo;
    // Up to a fine boundary, then a coarse one, then coarse blocks, then back down.
    for (; b <= hi && b % kFine != 0; ++b)
      if (count_[b] >= limit) return true;
    for (; b + kFine - 1 <= hi && b % kCoarse != 0; b += kFine)
      if (fine_[b / kFine] >= limit) return true;
    for (; b + kCoarse - 1 <= hi; b += kCoarse)
      if (coarse_[b / kCoarse] >= limit) return true;
    for (; b + kFine - 1 <= hi; b += kFine)
      if (fine_[b / kFine] >= limit) return true;
    for (; b <= hi; ++b)
      if (count_[b] >= limit) return true;
    return false;
  }

  const TimeBuckets& buckets_;
  std::vector<std::int32_t> count_, fine_, coarse_;
  std::int32_t peak_ = 0;
};

/// Workers by the bucket of their last finish: an intrusive list per bucket and a Fenwick tree
/// of list sizes, to find the alive worker that finishes first after a time. O(log buckets) per
/// move; no allocation after construction except per new worker.
class EndIndex {
 public:
  explicit EndIndex(const TimeBuckets& buckets)
      : buckets_(buckets), head_(kSize, kNoWorker), count_(kSize + 1, 0) {}

  /// Puts worker `k` (new, or moved) in the bucket of `end_us`.
  void set(std::uint32_t k, std::int64_t end_us) {
    if (k >= bucket_.size()) {
      bucket_.resize(k + 1, kNone);
      next_.resize(k + 1, kNoWorker);
      prev_.resize(k + 1, kNoWorker);
    }
    auto b = static_cast<std::uint32_t>(buckets_(end_us));
    if (bucket_[k] == b) return;
    if (bucket_[k] != kNone) unlink(k);
    bucket_[k] = b;
    prev_[k] = kNoWorker;
    next_[k] = head_[b];
    if (head_[b] != kNoWorker) prev_[head_[b]] = k;
    head_[b] = k;
    add_count(b, 1);
  }

  /// The first worker, by bucket of last finish from the bucket of `at_us` on, for which
  /// `accept(k)` holds, looking at kMaxFallbackVisits workers at most; kNoWorker if none.
  template <typename Accept>
  std::uint32_t find(std::int64_t at_us, const Accept& accept) const {
    std::size_t visits = 0;
    for (std::size_t b = first_nonempty(buckets_(at_us)); b < kSize; b = first_nonempty(b + 1)) {
      for (std::uint32_t k = head_[b]; k != kNoWorker; k = next_[k]) {
        if (accept(k)) return k;
        if (++visits == kMaxFallbackVisits) return kNoWorker;
      }
    }
    return kNoWorker;
  }

 private:
  static constexpr std::size_t kSize = TimeBuckets::kBuckets;
  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

  void unlink(std::uint32_t k) {
    std::uint32_t b = bucket_[k];
    if (prev_[k] != kNoWorker)
      next_[prev_[k]] = next_[k];
    else
      head_[b] = next_[k];
    if (next_[k] != kNoWorker) prev_[next_[k]] = prev_[k];
    add_count(b, -1);
  }
  void add_count(std::size_t b, std::int32_t d) {
    for (std::size_t j = b + 1; j <= kSize; j += j & (~j + 1)) count_[j] += d;
  }
  std::int32_t prefix(std::size_t b) const {  // sizes of buckets [0, b)
    std::int32_t s = 0;
    for (std::size_t j = b; j > 0; j -= j & (~j + 1)) s += count_[j];
    return s;
  }
  // The first bucket >= b with a worker, or kSize: a Fenwick descent to the (prefix(b) + 1)th.
  std::size_t first_nonempty(std::size_t b) const {
    if (b >= kSize) return kSize;
    std::int32_t rest = prefix(b) + 1;
    std::size_t pos = 0;
    for (std::size_t step = kSize; step > 0; step >>= 1) {
      if (pos + step <= kSize && count_[pos + step] < rest) {
        pos += step;
        rest -= count_[pos];
      }
    }
    return pos;  // 0-based bucket; kSize when there is none
  }

  const TimeBuckets& buckets_;
  std::vector<std::uint32_t> head_;
  std::vector<std::int32_t> count_;
  std::vector<std::uint32_t> bucket_, next_, prev_;
};

/// Serverless: per function, the configurations whose fresh-worker estimate heft computes for a
/// task and those it offers as fresh candidates. Two configurations give a task of a function
/// the same execution time and the same fresh-worker estimate when the function's slowdown, the
/// fresh worker's start-up and the bandwidth (its transfers) are equal: on aws-lambda the seven
/// of 1792 MB and more, for single-threaded work. The first of such a set is computed, the
/// others copy it (5 estimates a task instead of 11 there). One is not offered when an earlier
/// configuration of the set costs no more per microsecond: with the same finish and no lower
/// added cost it cannot win (ties go to the lower configuration), so the plan is the same.
class FreshConfigs {
 public:
  FreshConfigs(const ExecutionModel& model, const std::vector<ConfigId>& configs,
               const std::vector<double>& price) {
    const std::size_t functions = model.workflow().function_count();
    computed_.resize(functions);
    copied_.resize(functions);
    offered_.resize(functions);
    for (std::size_t f = 0; f < functions; ++f) {
      const FunctionId fn{static_cast<std::uint32_t>(f)};
      auto same = [&](ConfigId a, ConfigId b) {
        return model.slowdown(fn, a) == model.slowdown(fn, b) &&
               model.fresh_worker_us(a) == model.fresh_worker_us(b) &&
               model.config(a).bandwidth_bytes_per_s == model.config(b).bandwidth_bytes_per_s;
      };
      for (std::size_t i = 0; i < configs.size(); ++i) {
        const ConfigId c = configs[i];
        std::size_t first = 0;
        while (first < i && !same(configs[first], c)) ++first;
        if (first == i)
          computed_[f].push_back(c);
        else
          copied_[f].emplace_back(c, configs[first]);
        bool dominated = false;
        for (std::size_t j = 0; j < i && !dominated; ++j)
          dominated = same(configs[j], c) && index(configs[j]) < index(c) &&
                      price[index(configs[j])] <= price[index(c)];
        if (!dominated) offered_[f].push_back(c);
      }
    }
  }
  /// Configurations whose estimates are computed for a task of `f`.
  std::span<const ConfigId> computed(FunctionId f) const { return computed_[index(f)]; }
  /// (configuration, the computed one whose figures it takes).
  std::span<const std::pair<ConfigId, ConfigId>> copied(FunctionId f) const {
    return copied_[index(f)];
  }
  /// Fresh candidates offered for a task of `f`.
  std::span<const ConfigId> offered(FunctionId f) const { return offered_[index(f)]; }

 private:
  std::vector<std::vector<ConfigId>> computed_, offered_;
  std::vector<std::vector<std::pair<ConfigId, ConfigId>>> copied_;
};

/// Tasks by decreasing rank, ties by lower id. Ranks never grow along an edge, so this is a
/// topological order unless a task and its successor tie (zero work and zero-cost edges) and the
/// successor has the lower id; then, tasks come from the ready set in the same priority order
/// instead (a heap: O(V log V + E) either way).
std::vector<TaskId> rank_order(const Workflow& w, const std::vector<std::int64_t>& rank) {
  const std::size_t n = w.task_count();
  auto higher = [&rank](TaskId a, TaskId b) {
    std::int64_t ra = rank[index(a)], rb = rank[index(b)];
    return ra != rb ? ra > rb : index(a) < index(b);
  };
  // Sorted as (rank, id) records side by side: a comparison of ids would fetch both ranks from
  // anywhere in `rank` (a cache miss each at 10^6 tasks).
  struct Keyed {
    std::int64_t rank;
    std::uint32_t id;
  };
  std::vector<TaskId> order(n);
  {
    std::vector<Keyed> keyed(n);
    for (std::uint32_t t = 0; t < n; ++t) keyed[t] = Keyed{rank[t], t};
    std::sort(keyed.begin(), keyed.end(), [](const Keyed& a, const Keyed& b) {
      return a.rank != b.rank ? a.rank > b.rank : a.id < b.id;
    });
    for (std::uint32_t i = 0; i < n; ++i) order[i] = TaskId{keyed[i].id};
  }
  bool topological = true;
  for (std::uint32_t t = 0; t < n && topological; ++t)
    for (TaskId s : w.successors(TaskId{t}))
      if (rank[index(s)] == rank[t] && index(s) < t) topological = false;
  if (topological) return order;

  order.clear();
  std::vector<std::uint32_t> missing(n);
  std::vector<TaskId> ready;
  auto lower = [&higher](TaskId a, TaskId b) { return higher(b, a); };
  for (std::uint32_t t = 0; t < n; ++t) {
    missing[t] = w.in_degree(TaskId{t});
    if (missing[t] == 0) ready.push_back(TaskId{t});
  }
  std::make_heap(ready.begin(), ready.end(), lower);
  while (!ready.empty()) {
    std::pop_heap(ready.begin(), ready.end(), lower);
    TaskId t = ready.back();
    ready.pop_back();
    order.push_back(t);
    for (TaskId s : w.successors(t)) {
      if (--missing[index(s)] != 0) continue;
      ready.push_back(s);
      std::push_heap(ready.begin(), ready.end(), lower);
    }
  }
  return order;
}

class HeftPlanner final : public Planner {
 public:
  std::string_view name() const override { return "heft"; }

  Plan plan(const ExecutionModel& model, const PlannerOptions& options) const override {
    const std::vector<ConfigId> configs = list_scheduling::allowed_configs(model, options.config);
    const ConfigId ref = options.config.value_or(model.fastest_config());
    if (model.fixed_machines()) return plan_machines_best(model, configs, ref);
    const std::vector<std::int64_t> rank = upward_ranks(model, configs, ref);
    return plan_serverless(model, configs, ref, rank, rank_order(model.workflow(), rank));
  }

 private:
  // Upward ranks (reverse topological order). On a pool of machines, as in the paper: the mean
  // execution time over the processors (cores of the allowed configurations) and the expected
  // cost of an edge between two processors drawn at random, which with point-to-point transfers
  // is free when both are on one machine. On a serverless platform, the execution time at the
  // reference configuration and an upload plus a download at the mean transfer time.
  static std::vector<std::int64_t> upward_ranks(const ExecutionModel& model,
                                                const std::vector<ConfigId>& configs, ConfigId ref,
                                                double comm_weight = 1.0) {
    const Workflow& w = model.workflow();
    const std::size_t n = w.task_count();
    const bool machines = model.fixed_machines();
    const bool direct = model.direct_transfers();
    // Configurations by bandwidth (transfers depend on nothing else), with their counts of
    // configurations and, on machines, of processors and of same-machine processor pairs.
    struct BandwidthClass {
      ConfigId rep;
      std::int64_t configs = 0;
      double processors = 0, same_machine_pairs = 0;
    };
    std::vector<BandwidthClass> classes;
    double processors = 0;
    for (ConfigId c : configs) {
      auto same = std::find_if(classes.begin(), classes.end(), [&](const BandwidthClass& b) {
        return model.config(b.rep).bandwidth_bytes_per_s == model.config(c).bandwidth_bytes_per_s;
      });
      if (same == classes.end()) same = classes.insert(classes.end(), BandwidthClass{c});
      ++same->configs;
      if (machines) {
        auto cap = static_cast<double>(model.capacity(c));
        same->processors += cap;
        same->same_machine_pairs += cap * model.cores_per_machine(c);
        processors += cap;
      }
    }
    std::vector<std::int64_t> rank(n, 0);
    const std::span<const TaskId> topo = w.topological_order();
    for (auto it = topo.rbegin(); it != topo.rend(); ++it) {
      TaskId t = *it;
      std::int64_t r = 0;
      if (machines && processors > 0) {
        double mean = 0;
        for (ConfigId c : configs)
          mean += static_cast<double>(model.capacity(c)) * static_cast<double>(model.exec_us(t, c));
        r = std::llround(mean / processors);
      } else {
        r = model.exec_us(t, ref);
      }
      if (w.out_degree(t) > 0) {
        std::int64_t next = 0;
        for (TaskId s : w.successors(t)) next = std::max(next, rank[index(s)]);
        const std::uint64_t bytes = w.output_bytes(t);
        std::int64_t transfer = 0;
        if (machines && direct && processors > 0) {
          double sum = 0;
          for (const BandwidthClass& a : classes) {
            for (const BandwidthClass& b : classes)
              sum += a.processors * b.processors *
                     static_cast<double>(model.direct_transfer_us(bytes, a.rep, b.rep));
            sum -= a.same_machine_pairs *
                   static_cast<double>(model.direct_transfer_us(bytes, a.rep, a.rep));
          }
          transfer = std::llround(sum / (processors * processors) * comm_weight);
        } else {
          for (const BandwidthClass& b : classes)
            transfer += b.configs * model.transfer_us(bytes, b.rep);
          transfer = 2 * transfer / static_cast<std::int64_t>(configs.size());
        }
        r += transfer + next;
      }
      rank[index(t)] = r;
    }
    return rank;
  }

  // A pool of machines (a cluster): the paper's algorithm. One processor (worker) per core of
  // every machine of the allowed configurations, pinned to its machine; each task, by rank,
  // goes to the processor where it finishes first, in the earliest idle gap that holds it
  // (insertion), ties to the lower processor. Every processor is a candidate up to
  // kAllProcessors of them; beyond, the processors of its predecessors and, per configuration,
  // the one whose last task ends first.
  // HEFT's schedule depends on its priority list more than on anything else, and no rank
  // function is best on every graph (Zhao and Sakellariou, "An experimental investigation into
  // the rank function of the heterogeneous earliest finish time scheduling algorithm",
  // Euro-Par 2003). So on a small graph, where a run costs little, heft schedules it with
  // several ranks - the edge costs weighted by kCommWeights, then each schedule's own edge costs
  // and processors (a rank of the actual placement, as in iterative list scheduling) - and keeps
  // the plan the predictor finds shortest (ties: the earlier variant). The number of variants
  // falls with the size: kVariantTasks / tasks of them, at least one (the paper's rank).
  Plan plan_machines_best(const ExecutionModel& model, const std::vector<ConfigId>& configs,
                          ConfigId ref) const {
    const Workflow& w = model.workflow();
    const std::size_t n = w.task_count();
    const std::size_t variants = std::clamp<std::size_t>(
        kVariantTasks / std::max<std::size_t>(1, n), 1, kCommWeights.size());
    Plan best;
    std::int64_t best_makespan = 0;
    std::string tried;
    auto consider = [&](Plan candidate, const std::string& what) {
      std::int64_t makespan = predict_contention_free(model, candidate).makespan_us;
      tried += fmt::format("{}{}", tried.empty() ? "" : ", ", what);
      if (best.task_worker.empty() || makespan < best_makespan) {
        best = std::move(candidate);
        best_makespan = makespan;
        best.planner_params_json = what;
      }
    };
    for (std::size_t v = 0; v < variants; ++v) {
      const double weight = kCommWeights[v];
      std::vector<std::int64_t> rank = upward_ranks(model, configs, ref, weight);
      Plan p = plan_on_machines(model, configs, rank_order(w, rank));
      if (variants == 1) return finish_machines_plan(model, configs, std::move(p), "", "");
      std::string name = fmt::format("edge weight {}", weight);
      std::vector<std::int64_t> actual = placed_ranks(model, p);
      consider(std::move(p), name);
      consider(plan_on_machines(model, configs, rank_order(w, actual)), name + ", then placed");
    }
    std::string chosen = best.planner_params_json;
    return finish_machines_plan(model, configs, std::move(best), chosen, tried);
  }

  // Upward ranks of a placement: each task's time on its processor, each edge's cost between
  // the two processors (nothing on one machine with point-to-point transfers).
  static std::vector<std::int64_t> placed_ranks(const ExecutionModel& model, const Plan& p) {
    const Workflow& w = model.workflow();
    std::vector<std::int64_t> rank(w.task_count(), 0);
    auto machine = [&](TaskId t) {
      std::uint32_t k = p.task_worker[index(t)];
      return model.machine_begin(p.worker_config[k]) + p.machine(k);
    };
    const std::span<const TaskId> topo = w.topological_order();
    for (auto it = topo.rbegin(); it != topo.rend(); ++it) {
      TaskId t = *it;
      ConfigId c = p.task_config[index(t)];
      std::int64_t next = 0;
      for (TaskId s : w.successors(t)) {
        std::int64_t edge = 0;
        if (!model.direct_transfers())
          edge = 2 * model.transfer_us(w.output_bytes(t), c);
        else if (machine(s) != machine(t))
          edge = model.direct_transfer_us(w.output_bytes(t), c, p.task_config[index(s)]);
        next = std::max(next, edge + rank[index(s)]);
      }
      rank[index(t)] = model.exec_us(t, c) + next;
    }
    return rank;
  }

  Plan plan_on_machines(const ExecutionModel& model, const std::vector<ConfigId>& configs,
                        const std::vector<TaskId>& order) const {
    const Workflow& w = model.workflow();
    Timeline tl(model, /*insertion=*/true);
    for (ConfigId c : configs) {
      const std::uint32_t cores = model.cores_per_machine(c);
      for (std::uint64_t i = 0; i < model.capacity(c); ++i)
        tl.set_machine(tl.add_worker(c), static_cast<std::uint32_t>(i / cores));
    }
    const auto workers = static_cast<std::uint32_t>(tl.worker_count());
    const bool all = workers <= kAllProcessors;
    std::vector<LazyWorkerHeap> tails(model.config_count());
    auto current_slot = [&tl](std::uint32_t k) { return tl.earliest_slot_us(k); };
    if (!all)
      for (std::uint32_t k = 0; k < workers; ++k)
        tails[index(tl.worker_config(k))].push(tl.earliest_slot_us(k), k);
    std::vector<std::int64_t> exec(model.config_count(), 0);
    for (const TaskId t : order) {
      tl.gather(t);
      for (ConfigId c : configs) exec[index(c)] = model.exec_us(t, c);
      std::uint32_t best = kNoWorker;
      Estimate best_e;
      auto consider = [&](std::uint32_t k) {
        Estimate e = tl.estimate(t, k, exec[index(tl.worker_config(k))]);
        if (best == kNoWorker || e.finish_us < best_e.finish_us ||
            (e.finish_us == best_e.finish_us && k < best)) {
          best = k;
          best_e = e;
        }
      };
      if (all) {
        for (std::uint32_t k = 0; k < workers; ++k) consider(k);
      } else {
        for (std::uint32_t k : tl.pred_workers()) consider(k);
        for (ConfigId c : configs) {
          std::uint32_t k = tails[index(c)].top(current_slot);
          if (k != kNoWorker) consider(k);
        }
      }
      tl.assign(t, best, best_e);
      if (!all) tails[index(tl.worker_config(best))].push(tl.earliest_slot_us(best), best);
    }
    Plan p = make_flexible_plan(w, configs.front());
    tl.fill_plan(p);
    return p;
  }

  Plan finish_machines_plan(const ExecutionModel& model, const std::vector<ConfigId>& configs,
                            Plan p, const std::string& chosen, const std::string& tried) const {
    std::uint64_t processors = 0;
    for (ConfigId c : configs) processors += model.capacity(c);
    std::string params;
    JsonWriter j(params);
    j.begin_object(true);
    j.member("rank", "mean execution time over the processors + expected edge cost");
    j.key("configs");
    j.begin_array(true);
    for (ConfigId c : configs) j.value(model.config(c).name);
    j.end_array();
    j.member("processors", processors);
    j.member("candidates", processors <= kAllProcessors
                               ? "every processor"
                               : "predecessors' and earliest-free per config");
    j.member("insertion", true);
    if (!tried.empty()) {
      j.member("ranks_tried", tried);
      j.member("rank_kept", chosen);
    }
    j.end_object();
    if (!params.empty() && params.back() == '\n') params.pop_back();
    stamp_plan(p, model, name(), params);
    return p;
  }

  Plan plan_serverless(const ExecutionModel& model, const std::vector<ConfigId>& configs,
                       ConfigId ref, const std::vector<std::int64_t>& rank,
                       const std::vector<TaskId>& order) const {
    const Workflow& w = model.workflow();
    const std::size_t n = w.task_count();
    std::int64_t critical_us = 0, work_us = 0;
    for (std::uint32_t t = 0; t < n; ++t) {
      critical_us = std::max(critical_us, rank[t]);
      work_us += model.exec_us(TaskId{t}, ref);
    }

    const std::uint64_t alive_limit = model.max_workers();
    const auto limit = static_cast<std::int32_t>(std::min<std::uint64_t>(alive_limit, n + 1));

    // Horizon of the alive count: twice the critical path (ranks include transfers) plus the
    // total work over the most tasks that may run at once; later times share the last bucket.
    const std::int64_t at_once = std::max<std::int64_t>(1, std::int64_t{limit} * model.slots(ref));
    const TimeBuckets buckets(2 * (critical_us + work_us / at_once) + model.invoke_us() +
                              model.startup_us(ref, false) + 1'000'000);
    AliveCount alive(buckets);
    EndIndex ends(buckets);

    std::vector<double> price(model.config_count(), 0.0);
    for (ConfigId c : configs) price[index(c)] = list_scheduling::price_per_us(model, c);
    const double invocation_price = model.invocation_cost(1);
    const double ref_price = list_scheduling::price_per_us(model, ref);
    const double cost_to_us = ref_price > 0 ? 1.0 / ref_price : 0.0;
    const std::int64_t startup_us = model.fresh_worker_us(ref);

    Timeline tl(model, /*insertion=*/true);

    // Per function, the configurations whose execution time and fresh-worker estimate are
    // computed for its tasks, and the fresh candidates offered (FreshConfigs, above).
    const FreshConfigs fresh_configs(model, configs, price);

    std::vector<std::int64_t> exec(model.config_count(), 0);
    std::vector<Estimate> fresh(model.config_count());
    std::vector<Candidate> candidates;
    for (const TaskId t : order) {
      tl.gather(t);
      const FunctionId f = w.function(t);
      for (ConfigId c : fresh_configs.computed(f)) {
        exec[index(c)] = model.exec_us(t, c);
        fresh[index(c)] = tl.estimate_fresh(t, c, exec[index(c)]);
      }
      for (const auto& [c, same] : fresh_configs.copied(f)) {
        exec[index(c)] = exec[index(same)];
        fresh[index(c)] = fresh[index(same)];
      }
      const std::int64_t at = tl.fresh_ready_us();  // when a fresh worker would be invoked
      const bool crowded = alive.peak() >= limit;   // else every check passes

      candidates.clear();
      auto add_existing = [&](std::uint32_t k) {
        ConfigId c = tl.worker_config(k);
        Estimate e = tl.estimate(t, k, exec[index(c)]);
        std::int64_t extended = std::max<std::int64_t>(0, e.finish_us - tl.end_us(k));
        candidates.push_back(Candidate{k, c, e, price[index(c)] * static_cast<double>(extended)});
      };
      auto add_fresh = [&](ConfigId c) {
        const Estimate& e = fresh[index(c)];
        std::int64_t billed_from =
            model.platform().bill_startup ? e.ready_us + model.invoke_us() : e.instance_ready_us;
        double added =
            price[index(c)] * static_cast<double>(e.finish_us - billed_from) + invocation_price;
        candidates.push_back(Candidate{kNoWorker, c, e, added});
      };
      // Workers alive at `at`, or coming back within the limit after a gap.
      for (std::uint32_t k : tl.pred_workers())
        if (tl.end_us(k) >= at || !crowded || !alive.reaches_after(tl.end_us(k), at, limit))
          add_existing(k);
      // Fresh workers, within the limit from their invocation to the earliest finish.
      std::int64_t first_finish = std::numeric_limits<std::int64_t>::max();
      for (ConfigId c : fresh_configs.computed(f))
        first_finish = std::min(first_finish, fresh[index(c)].finish_us);
      const bool fresh_fits = !crowded || !alive.reaches(at, first_finish, limit);
      // Otherwise (once) the alive worker that finishes its last task first.
      auto fallback = [&] {
        return ends.find(at, [&](std::uint32_t x) {
          return tl.request_us(x) <= at && tl.end_us(x) >= at && !tl.holds_input(x);
        });
      };
      if (fresh_fits) {
        for (ConfigId c : fresh_configs.offered(f)) add_fresh(c);
      } else {
        std::uint32_t k = fallback();
        if (k != kNoWorker && !tl.holds_input(k)) add_existing(k);
      }
      if (candidates.empty()) {  // nothing within the limit: exceed it, existing first
        for (std::uint32_t k : tl.pred_workers()) add_existing(k);
        if (candidates.empty()) {
          std::uint32_t k = fallback();
          if (k != kNoWorker) add_existing(k);
        }
        if (candidates.empty()) add_fresh(ref);
      }

      std::int64_t earliest = candidates.front().estimate.finish_us;
      for (const Candidate& c : candidates) earliest = std::min(earliest, c.estimate.finish_us);
      const std::int64_t slack = std::max(startup_us + model.transfer_us(tl.input_bytes(), ref),
                                          static_cast<std::int64_t>(std::llround(
                                              kEftSlack * static_cast<double>(exec[index(ref)]))));
      const Candidate* best = nullptr;
      for (Candidate& c : candidates) {
        if (c.estimate.finish_us > earliest + slack) continue;
        c.score = kDelayWeight * static_cast<double>(c.estimate.finish_us - earliest) +
                  c.added_cost * cost_to_us;
        if (!best || better(c, *best)) best = &c;
      }

      std::uint32_t k = best->worker;
      const ConfigId c = best->config;
      if (k == kNoWorker) k = tl.add_worker(c);
      const bool started = tl.started(k);
      const std::int64_t old_end = tl.end_us(k);
      tl.assign(t, k, best->estimate);
      if (!started)
        alive.add(best->estimate.ready_us, tl.end_us(k));
      else if (tl.end_us(k) > old_end)
        alive.extend(old_end, tl.end_us(k));  // idle gaps included: a strict worker waits
      ends.set(k, tl.end_us(k));
    }

    Plan p = make_flexible_plan(w, ref);
    tl.fill_plan(p);
    stamp_plan(p, model, name(), params_json(model, configs, ref, alive_limit));
    return p;
  }

 private:
  static std::string params_json(const ExecutionModel& model, const std::vector<ConfigId>& configs,
                                 ConfigId ref, std::uint64_t alive_limit) {
    std::string out;
    JsonWriter j(out);
    j.begin_object(true);
    j.member("rank_config", model.config(ref).name);
    j.key("configs");
    j.begin_array(true);
    for (ConfigId c : configs) j.value(model.config(c).name);
    j.end_array();
    j.member("eft_slack", kEftSlack);
    j.member("delay_weight", kDelayWeight);
    j.member("insertion", true);
    j.member("max_alive_workers", alive_limit);
    j.end_object();
    if (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }
};

}  // namespace

std::unique_ptr<Planner> make_heft_planner() {
  return std::make_unique<HeftPlanner>();
}

}  // namespace dagplan
