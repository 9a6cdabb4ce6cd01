// The joint makespan/cost planner (pareto.hpp, docs/decisions/0022): every other planner on its
// own configuration and on each configuration is a candidate (the latter screened by the
// contention-free estimate, the promising ones confirmed by the contention-aware prediction),
// the optimisation passes improve the best of them, the pick follows the deadline, the budget or
// the default rule, and a local search moves tasks and workers of the pick while the
// contention-aware prediction confirms a gain. Every step is paid from one work budget counted
// in predicted tasks, so the result is the same on any machine.
#include "dagplan/pareto.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <numeric>
#include <utility>

#include "dagplan/error.hpp"
#include "dagplan/human_format.hpp"
#include "dagplan/json_writer.hpp"
#include "dagplan/predictor.hpp"
#include "dagplan/run_rules.hpp"

namespace dagplan {
namespace {

// The default budget (pareto_budget_units()).
constexpr std::uint64_t kUnitsPerTask = 2000;
constexpr std::uint64_t kMaxUnits = 12'000'000;
// Shares of the budget, each on top of what the steps before spent: the planners' own plans
// (above kFullPassTasks tasks; below, all of them always), the planners on each configuration
// screened, the promising ones confirmed, the passes on candidates beyond the planners' own
// (above kFullPassTasks: on those too), and the local search.
constexpr double kOwnShare = 0.20;
constexpr double kScreenShare = 0.20;
constexpr double kConfirmShare = 0.10;
constexpr double kPassesShare = 0.20;
constexpr double kSearchShare = 0.30;
// The local search: chain tasks whose moves one round screens, and screened moves it confirms.
constexpr std::size_t kTasksPerRound = 4;
constexpr std::size_t kConfirmsPerRound = 3;
// Configurations per task whose moves a round screens: the nearest (the platform lists them by
// size, so the next smaller and larger ones first).
constexpr std::size_t kConfigTargets = 4;
// Producers per task whose workers are move targets (the latest to finish).
constexpr std::size_t kProducerTargets = 3;
// Costs within this share of each other are equal (sums of doubles move in their last bits).
constexpr double kCostTolerance = 1e-12;

// A planner's run per task, in contention-free predictions' worth (bench_planners at 10^4 and
// 10^5 tasks: non-uniform makes about 24 predictions of its own and searches; heft's insertion
// costs about five closed-form runs; the others about one).
std::uint64_t planning_units(std::string_view planner) {
  if (planner == "non-uniform") return 80;
  if (planner == "heft") return 5;
  if (planner == "dask") return 2;
  return 1;
}

// The work budget: units spent so far; each step may spend up to its share more
// (allowance()).
class Work {
 public:
  Work(std::uint64_t tasks, std::uint64_t budget)
      : n_(std::max<std::uint64_t>(1, tasks)), budget_(budget) {}
  std::uint64_t tasks() const { return n_; }
  std::uint64_t budget() const { return budget_; }
  std::uint64_t used() const { return used_; }
  // The spending limit of a step given share `s` of the budget.
  std::uint64_t allowance(double s) const {
    return used_ + static_cast<std::uint64_t>(static_cast<double>(budget_) * s);
  }
  // The same, of the budget or of the passes run in full if more (up to kFullPassTasks tasks
  // they can spend several budgets: the share stays a share of the work done).
  std::uint64_t allowance_of_done(double s) const {
    return used_ + static_cast<std::uint64_t>(static_cast<double>(std::max(budget_, full_)) * s);
  }
  // Whether `per_task` units per task fit under `limit` units spent in all.
  bool fits(std::uint64_t per_task, std::uint64_t limit) const {
    return used_ + per_task * n_ <= limit;
  }
  void spend(std::uint64_t per_task) { used_ += per_task * n_; }
  // Spent by the passes run in full (mandatory, beyond the budget).
  void spend_in_full(std::uint64_t per_task) {
    spend(per_task);
    full_ += per_task * n_;
  }

 private:
  std::uint64_t n_;
  std::uint64_t budget_;
  std::uint64_t used_ = 0;
  std::uint64_t full_ = 0;
};

// Whether a is at least as good as b on both axes and better on one.
bool dominates(const ParetoCandidate& a, const ParetoCandidate& b) {
  return a.makespan_us <= b.makespan_us && a.cost_usd <= b.cost_usd &&
         (a.makespan_us < b.makespan_us || a.cost_usd < b.cost_usd);
}

// What the local search minimises: first how far a plan is beyond the limits (0 within them),
// then makespan or cost (cost under a deadline), then the other.
struct Goal {
  bool by_cost = false;
  double cost_limit = std::numeric_limits<double>::infinity();
  std::int64_t makespan_limit = std::numeric_limits<std::int64_t>::max();
};

struct Score {
  double excess = 0;  // relative, summed over the two limits
  std::int64_t makespan_us = 0;
  double cost = 0;
};

Score score(const Goal& g, std::int64_t makespan_us, double cost) {
  Score s{0, makespan_us, cost};
  if (cost > g.cost_limit) s.excess += (cost - g.cost_limit) / std::max(g.cost_limit, 1e-300);
  if (makespan_us > g.makespan_limit)
    s.excess += static_cast<double>(makespan_us - g.makespan_limit) /
                static_cast<double>(std::max<std::int64_t>(g.makespan_limit, 1));
  return s;
}

bool cost_less(double a, double b) {
  return a < b - kCostTolerance * std::max(std::abs(a), std::abs(b));
}

// Whether a is better than b under g.
bool better(const Goal& g, const Score& a, const Score& b) {
  if (a.excess != b.excess) return a.excess < b.excess;
  if (g.by_cost) {
    if (cost_less(a.cost, b.cost)) return true;
    if (cost_less(b.cost, a.cost)) return false;
    return a.makespan_us < b.makespan_us;
  }
  if (a.makespan_us != b.makespan_us) return a.makespan_us < b.makespan_us;
  return cost_less(a.cost, b.cost);
}

// ---------------------------------------------------------------------------------------------
// The local search's moves (docs/decisions/0022).

struct Move {
  enum class Kind : std::uint8_t {
    kToWorker,   // task `task` to worker `target` (a producer's)
    kOwnWorker,  // task `task` to a new worker of its configuration
    kConfig,     // task `task`'s worker (or the flexible task itself) to configuration `target`
    kMerge,      // every task of task `task`'s worker to worker `target`
    kDupAway,    // every consumer of task `task` on another worker runs it itself (rule 9)
  };
  Kind kind = Kind::kToWorker;
  std::uint32_t task = 0;
  std::uint32_t target = 0;
};

// Per task, a key that grows along every edge and orders each worker's tasks as they started in
// the prediction: the latest start over the task and its ancestors, then the position in the
// workflow's topological order. Sorting a worker's tasks by it gives an order the dependencies
// allow.
std::vector<std::pair<std::int64_t, std::uint32_t>> order_keys(const Workflow& w,
                                                               const Prediction& p) {
  std::vector<std::pair<std::int64_t, std::uint32_t>> key(w.task_count());
  std::uint32_t rank = 0;
  for (TaskId t : w.topological_order()) {
    std::int64_t k = p.tasks[index(t)].start_us;
    for (TaskId q : w.predecessors(t)) k = std::max(k, key[index(q)].first);
    key[index(t)] = {k, rank++};
  }
  return key;
}

// Whether task `c` runs on another worker instance than worker `k`'s (a flexible task always
// does): where it would read an output of `k` remotely.
bool runs_elsewhere(const Plan& plan, std::uint32_t c, std::uint32_t k) {
  return plan.task_worker[c] != k || k == kFlexible;
}

class MoveApplier {
 public:
  MoveApplier(const ExecutionModel& model,
              const std::vector<std::pair<std::int64_t, std::uint32_t>>& keys)
      : model_(model), keys_(keys) {}

  // Applies `m` to `plan`; false when it changes nothing.
  bool apply(Plan& plan, const Move& m) const {
    const Workflow& w = model_.workflow();
    const std::uint32_t from = plan.task_worker[m.task];
    std::vector<std::vector<TaskId>> orders;
    const bool ordered = plan.has_order();
    if (ordered) {
      orders.resize(plan.worker_count());
      for (std::uint32_t k = 0; k < plan.worker_count(); ++k) {
        std::span<const TaskId> o = plan.worker_order(k);
        orders[k].assign(o.begin(), o.end());
      }
    }
    std::vector<std::uint32_t> touched;  // workers whose order is rebuilt (if they had one)
    switch (m.kind) {
      case Move::Kind::kToWorker: {
        if (from == m.target) return false;
        plan.task_worker[m.task] = m.target;
        plan.task_config[m.task] = plan.worker_config[m.target];
        touched = {from, m.target};
        break;
      }
      case Move::Kind::kOwnWorker: {
        const auto k = static_cast<std::uint32_t>(plan.worker_count());
        add_worker(plan, w.id(TaskId{m.task}), plan.task_config[m.task]);
        if (ordered) orders.emplace_back();
        plan.task_worker[m.task] = k;
        touched = {from};
        break;
      }
      case Move::Kind::kConfig: {
        const ConfigId c{static_cast<std::uint16_t>(m.target)};
        if (plan.task_config[m.task] == c) return false;
        if (from == kFlexible) {
          plan.task_config[m.task] = c;
        } else {
          plan.worker_config[from] = c;
          // A machine is an index among its configuration's machines: any of the new one's.
          if (!plan.worker_machine.empty()) plan.worker_machine[from] = kAnyMachine;
          for (std::uint32_t t = 0; t < w.task_count(); ++t)
            if (plan.task_worker[t] == from) plan.task_config[t] = c;
        }
        break;
      }
      case Move::Kind::kMerge: {
        if (from == kFlexible || from == m.target) return false;
        for (std::uint32_t t = 0; t < w.task_count(); ++t) {
          if (plan.task_worker[t] != from) continue;
          plan.task_worker[t] = m.target;
          plan.task_config[t] = plan.worker_config[m.target];
        }
        touched = {from, m.target};
        break;
      }
      case Move::Kind::kDupAway: {
        if (!duplicate_at_consumers(plan, w, m.task)) return false;
        break;
      }
    }
    if (ordered) {
      for (std::uint32_t k : touched) {
        if (k == kFlexible || orders[k].empty()) continue;
        orders[k].clear();
        for (std::uint32_t t = 0; t < w.task_count(); ++t)
          if (plan.task_worker[t] == k) orders[k].push_back(TaskId{t});
        std::sort(orders[k].begin(), orders[k].end(),
                  [&](TaskId a, TaskId b) { return keys_[index(a)] < keys_[index(b)]; });
      }
    }
    // A worker left without tasks goes.
    if (from != kFlexible && std::none_of(plan.task_worker.begin(), plan.task_worker.end(),
                                          [&](std::uint32_t k) { return k == from; })) {
      remove_worker(plan, from);
      if (ordered) orders.erase(orders.begin() + from);
    }
    if (ordered) plan.set_order(orders);
    drop_invalid_duplicates(plan);
    // A duplicate the move made that check_plan() would refuse (one that would wait for no
    // input): the move is not possible.
    if (m.kind == Move::Kind::kDupAway)
      for (TaskId s : w.successors(TaskId{m.task}))
        if (runs_elsewhere(plan, index(s), from) && plan.duplicate(index(s)) != m.task)
          return false;
    return true;
  }

 private:
  static void add_worker(Plan& plan, std::string_view task_id, ConfigId config) {
    std::string name = fmt::format("pareto-{}", task_id);
    for (int i = 2; std::find(plan.worker_names.begin(), plan.worker_names.end(), name) !=
                    plan.worker_names.end();
         ++i)
      name = fmt::format("pareto-{}-{}", task_id, i);
    plan.worker_names.push_back(std::move(name));
    plan.worker_config.push_back(config);
    if (!plan.worker_machine.empty()) plan.worker_machine.push_back(kAnyMachine);
    if (!plan.worker_prewarm.empty()) plan.worker_prewarm.push_back(kNoPrewarm);
  }

  static void remove_worker(Plan& plan, std::uint32_t k) {
    plan.worker_names.erase(plan.worker_names.begin() + k);
    plan.worker_config.erase(plan.worker_config.begin() + k);
    if (!plan.worker_machine.empty()) plan.worker_machine.erase(plan.worker_machine.begin() + k);
    if (!plan.worker_prewarm.empty()) plan.worker_prewarm.erase(plan.worker_prewarm.begin() + k);
    for (std::uint32_t& t : plan.task_worker)
      if (t != kFlexible && t > k) --t;
  }

  // A duplicate (Plan::dup) stays only where check_plan() still allows it: a strict task, a
  // producer on another worker, and an input left to wait for.
  void drop_invalid_duplicates(Plan& plan) const {
    if (plan.dup.empty()) return;
    const Workflow& w = model_.workflow();
    for (std::uint32_t t = 0; t < w.task_count(); ++t) {
      const std::uint32_t d = plan.dup[t];
      if (d == kNoDup) continue;
      if (plan.task_worker[t] == kFlexible || plan.task_worker[d] == plan.task_worker[t] ||
          counter_target(plan, w, TaskId{t}) == 0)
        plan.dup[t] = kNoDup;
    }
  }

  const ExecutionModel& model_;
  const std::vector<std::pair<std::int64_t, std::uint32_t>>& keys_;
};

// The moves of one round for the tasks `tasks` (`workers_of`: each worker's task count), in a fixed
// order: per task, to the workers of its latest producers, those producers to its worker, to a
// worker of its own, for a task of the critical chain (`on_chain`) that uploads its consumers
// elsewhere duplicating it (decision 0044), its worker merged into the latest producer's, its
// worker's configuration (nearest first). Each move once.
std::vector<Move> moves_for(const ExecutionModel& model, const Plan& plan, const Prediction& p,
                            const std::vector<std::uint32_t>& workers_of,
                            const std::vector<std::uint32_t>& tasks,
                            const std::vector<std::uint8_t>& on_chain) {
  const Workflow& w = model.workflow();
  std::vector<Move> out;
  auto add = [&](Move m) {
    for (const Move& o : out) {
      const bool same_worker = plan.task_worker[o.task] == plan.task_worker[m.task] &&
                               plan.task_worker[m.task] != kFlexible;
      if (o.kind == m.kind && o.target == m.target &&
          (o.task == m.task ||
           (same_worker && (m.kind == Move::Kind::kConfig || m.kind == Move::Kind::kMerge))))
        return;
    }
    out.push_back(m);
  };
  for (std::uint32_t t : tasks) {
    const std::uint32_t k = plan.task_worker[t];
    // Producers, latest to finish first (ties by id).
    std::vector<std::uint32_t> producers;
    for (TaskId q : w.predecessors(TaskId{t})) producers.push_back(index(q));
    std::stable_sort(producers.begin(), producers.end(), [&](std::uint32_t a, std::uint32_t b) {
      return p.tasks[a].finish_us > p.tasks[b].finish_us;
    });
    std::size_t targets = 0;
    for (std::uint32_t q : producers) {
      const std::uint32_t kq = plan.task_worker[q];
      if (kq == kFlexible || kq == k) continue;
      add({Move::Kind::kToWorker, t, kq});
      if (++targets == kProducerTargets) break;
    }
    // The latest producers of other workers to this task's worker: their outputs stay local.
    if (k != kFlexible) {
      targets = 0;
      for (std::uint32_t q : producers) {
        if (plan.task_worker[q] == k) continue;
        add({Move::Kind::kToWorker, q, k});
        if (++targets == kProducerTargets) break;
      }
    }
    if (k == kFlexible || workers_of[k] > 1) add({Move::Kind::kOwnWorker, t, 0});
    // On the critical chain, its upload off its worker's timeline: its consumers elsewhere run
    // it themselves (off the chain the upload delays no one the makespan waits for).
    if (on_chain[t] != 0 && p.tasks[t].uploaded && !w.successors(TaskId{t}).empty())
      add({Move::Kind::kDupAway, t, 0});
    if (k != kFlexible && !producers.empty()) {
      const std::uint32_t kq = plan.task_worker[producers.front()];
      if (kq != kFlexible && kq != k) add({Move::Kind::kMerge, t, kq});
    }
    const auto here = static_cast<std::int64_t>(index(plan.task_config[t]));
    std::vector<std::uint32_t> configs(model.config_count());
    std::iota(configs.begin(), configs.end(), 0u);
    std::stable_sort(configs.begin(), configs.end(), [&](std::uint32_t a, std::uint32_t b) {
      return std::abs(static_cast<std::int64_t>(a) - here) <
             std::abs(static_cast<std::int64_t>(b) - here);
    });
    for (std::size_t i = 1; i < configs.size() && i <= kConfigTargets; ++i)
      add({Move::Kind::kConfig, t, configs[i]});
  }
  return out;
}

// The critical chain ranked by how much of the makespan each task holds (its end less the end
// of the task before it in the chain), most first, ties by id.
std::vector<std::uint32_t> ranked_chain(const Workflow& w, const Prediction& p) {
  const std::vector<std::uint32_t> chain = critical_chain(w, p);
  std::vector<std::pair<std::int64_t, std::uint32_t>> held;  // (-share, task)
  held.reserve(chain.size());
  for (std::size_t i = 0; i < chain.size(); ++i) {
    const std::int64_t end = i + 1 < chain.size() ? p.tasks[chain[i + 1]].finish_us : 0;
    held.emplace_back(-(p.tasks[chain[i]].finish_us - end), chain[i]);
  }
  std::sort(held.begin(), held.end());
  std::vector<std::uint32_t> out;
  out.reserve(held.size());
  for (const auto& c : held) out.push_back(c.second);
  return out;
}

// The tasks whose moves the search tries, in order: the ranked critical chain, then every other
// task, the latest to finish first (ties by id): off the chain a move can still make the plan
// cheaper at the same makespan, which leaves room under a cost limit for a faster chain.
// `on_chain` (1 for a task of the chain) is filled too.
std::vector<std::uint32_t> search_order(const Workflow& w, const Prediction& p,
                                        std::vector<std::uint8_t>& on_chain) {
  std::vector<std::uint32_t> order = ranked_chain(w, p);
  on_chain.assign(w.task_count(), 0);
  for (std::uint32_t t : order) on_chain[t] = 1;
  const std::size_t chain = order.size();
  for (std::uint32_t t = 0; t < w.task_count(); ++t)
    if (on_chain[t] == 0) order.push_back(t);
  std::stable_sort(order.begin() + static_cast<std::ptrdiff_t>(chain), order.end(),
                   [&](std::uint32_t a, std::uint32_t b) {
                     return p.tasks[a].finish_us > p.tasks[b].finish_us;
                   });
  return order;
}

// Moves that run something more (a duplicate: a whole execution) are kept only at no higher
// cost: their gain is a shorter wait on the chain, not a trade of money for time.
bool adds_cost(const Move& m) {
  return m.kind == Move::Kind::kDupAway;
}

struct SearchOutcome {
  std::uint32_t moves = 0;
  Prediction prediction;
};

// First-improvement local search on `plan` (its contention-aware prediction `current`) under
// `goal`, while `work` stays under `limit`. A round takes the next kTasksPerRound tasks of
// search_order(), screens their moves with the contention-free estimate (the current
// prediction moved by the estimate's change), confirms the best kConfirmsPerRound of those that
// promise a gain with predict(), and keeps the first that gains; after a kept move it starts
// again from the top of the new chain. It stops when no task's moves gain or the work runs
// out.
SearchOutcome local_search(const ExecutionModel& model, Plan& plan, Prediction current,
                           const Goal& goal, Work& work, std::uint64_t limit, ParetoResult& r) {
  const Workflow& w = model.workflow();
  SearchOutcome out;
  const Platform& platform = model.platform();
  std::size_t offset = 0;
  std::vector<std::uint8_t> on_chain;
  std::vector<std::uint32_t> chain = search_order(w, current, on_chain);
  std::vector<std::pair<std::int64_t, std::uint32_t>> keys = order_keys(w, current);
  std::optional<Prediction> base;  // the contention-free estimate of `plan`
  const std::uint64_t confirm_units = kAwareUnits * kConfirmsPerRound;
  // Each worker's task count.
  auto count_tasks = [&] {
    std::vector<std::uint32_t> count(plan.worker_count(), 0);
    for (std::uint32_t k : plan.task_worker)
      if (k != kFlexible) ++count[k];
    return count;
  };
  std::vector<std::uint32_t> workers_of = count_tasks();
  while (offset < chain.size() && work.fits(1 + confirm_units, limit)) {
    if (!base) {
      if (!work.fits(1 + confirm_units, limit)) break;
      work.spend(1);
      ++r.screened;
      base = predict_contention_free(model, plan);
    }
    const Score now = score(goal, current.makespan_us, current.cost.total());
    const std::vector<std::uint32_t> tasks(
        chain.begin() + static_cast<std::ptrdiff_t>(offset),
        chain.begin() +
            static_cast<std::ptrdiff_t>(std::min(chain.size(), offset + kTasksPerRound)));
    const std::vector<Move> moves = moves_for(model, plan, current, workers_of, tasks, on_chain);
    const MoveApplier applier(model, keys);
    std::vector<std::pair<Score, std::size_t>> promising;
    for (std::size_t i = 0; i < moves.size() && work.fits(1 + confirm_units, limit); ++i) {
      Plan trial = plan;
      if (!applier.apply(trial, moves[i])) continue;
      work.spend(1);
      ++r.screened;
      try {
        check_plan(trial, w, platform, PlanCheck::kStructure);
        const Prediction f = predict_contention_free(model, trial);
        const Score est = score(goal, current.makespan_us + (f.makespan_us - base->makespan_us),
                                current.cost.total() + (f.cost.total() - base->cost.total()));
        if (better(goal, est, now) && !(adds_cost(moves[i]) && cost_less(now.cost, est.cost)))
          promising.emplace_back(est, i);
      } catch (const Error&) {
        // A plan the move made invalid, or an order it made impossible (a run that cannot
        // complete): not a candidate.
      }
    }
    std::stable_sort(promising.begin(), promising.end(),
                     [&](const auto& a, const auto& b) { return better(goal, a.first, b.first); });
    bool kept = false;
    for (std::size_t j = 0; j < promising.size() && j < kConfirmsPerRound; ++j) {
      if (!work.fits(kAwareUnits, limit)) break;
      Plan trial = plan;
      (void)applier.apply(trial, moves[promising[j].second]);
      try {
        check_plan(trial, w, platform);
        work.spend(kAwareUnits);
        ++r.predictions;
        ++r.moves_tried;
        Prediction p = predict(model, trial);
        const Score got = score(goal, p.makespan_us, p.cost.total());
        if (better(goal, got, now) &&
            !(adds_cost(moves[promising[j].second]) && cost_less(now.cost, got.cost))) {
          plan = std::move(trial);
          current = std::move(p);
          ++out.moves;
          kept = true;
          break;
        }
      } catch (const Error&) {
        // As above: not a candidate.
      }
    }
    if (kept) {
      chain = search_order(w, current, on_chain);
      keys = order_keys(w, current);
      workers_of = count_tasks();
      base.reset();
      offset = 0;
    } else {
      offset += kTasksPerRound;
    }
  }
  out.prediction = std::move(current);
  return out;
}

}  // namespace

std::uint64_t pareto_budget_units(std::uint64_t tasks) {
  return std::min(kMaxUnits, kUnitsPerTask * std::max<std::uint64_t>(1, tasks));
}

bool duplicate_at_consumers(Plan& plan, const Workflow& w, std::uint32_t t) {
  const std::uint32_t k = plan.task_worker[t];
  std::vector<std::uint32_t> away;
  for (TaskId s : w.successors(TaskId{t})) {
    const std::uint32_t c = index(s);
    if (!runs_elsewhere(plan, c, k)) continue;
    const std::uint32_t d = plan.duplicate(c);
    if (plan.task_worker[c] == kFlexible || (d != kNoDup && d != t)) return false;
    if (d != t) away.push_back(c);
  }
  if (away.empty()) return false;
  if (plan.dup.empty()) plan.dup.assign(w.task_count(), kNoDup);
  for (std::uint32_t c : away) {
    plan.dup[c] = t;
    // A consumer that duplicates the producer does not read its output (check_plan()).
    std::erase(plan.stream, std::make_pair(t, c));
  }
  return true;
}

std::vector<std::uint32_t> critical_chain(const Workflow& w, const Prediction& p) {
  const auto n = static_cast<std::uint32_t>(w.task_count());
  if (n == 0) return {};
  // Tasks by instance (CSR).
  std::vector<std::uint32_t> begin(p.instances.size() + 1, 0), on(n);
  for (std::uint32_t t = 0; t < n; ++t) ++begin[p.tasks[t].instance + 1];
  for (std::size_t i = 1; i < begin.size(); ++i) begin[i] += begin[i - 1];
  {
    std::vector<std::uint32_t> next(begin.begin(), begin.end() - 1);
    for (std::uint32_t t = 0; t < n; ++t) on[next[p.tasks[t].instance]++] = t;
  }
  std::vector<std::uint32_t> chain;
  std::vector<std::uint8_t> seen(n, 0);
  std::uint32_t t = 0;
  for (std::uint32_t i = 1; i < n; ++i)
    if (p.tasks[i].finish_us > p.tasks[t].finish_us) t = i;
  while (seen[t] == 0) {
    seen[t] = 1;
    chain.push_back(t);
    const TaskPrediction& x = p.tasks[t];
    std::uint32_t before = kNoDup;
    for (TaskId q : w.predecessors(TaskId{t}))
      if (before == kNoDup || p.tasks[index(q)].finish_us > p.tasks[before].finish_us)
        before = index(q);
    if (x.start_us > x.ready_us && x.start_us > p.instances[x.instance].ready_us) {
      std::uint32_t slot = kNoDup;
      for (std::uint32_t i = begin[x.instance]; i < begin[x.instance + 1]; ++i) {
        const std::uint32_t o = on[i];
        if (o == t || p.tasks[o].finish_us > x.start_us) continue;
        if (slot == kNoDup || p.tasks[o].finish_us > p.tasks[slot].finish_us) slot = o;
      }
      if (slot != kNoDup &&
          (before == kNoDup || p.tasks[slot].finish_us > p.tasks[before].finish_us))
        before = slot;
    }
    if (before == kNoDup) break;
    t = before;
  }
  return chain;
}

ParetoResult pareto_search(const ExecutionModel& model, const ParetoOptions& options) {
  const Platform& platform = model.platform();
  const std::uint64_t n = model.workflow().task_count();
  Work work(n, options.work_units != 0 ? options.work_units : pareto_budget_units(n));
  ParetoResult r;
  r.budget_units = work.budget();
  std::vector<std::string> planners;
  for (const PlannerInfo& p : planner_registry().planners())
    if (p.name != "pareto") planners.push_back(p.name);

  std::vector<Plan> plans;
  auto add_candidate = [&](ParetoCandidate c, Plan plan) {
    r.candidates.push_back(std::move(c));
    plans.push_back(std::move(plan));
  };
  auto confirm = [&](const std::string& planner, std::optional<ConfigId> config, Plan plan) {
    work.spend(kAwareUnits);
    ++r.predictions;
    const Prediction p = predict(model, plan);
    ParetoCandidate c;
    c.planner = planner;
    c.config = config ? platform.configs[index(*config)].name : "";
    c.makespan_us = p.makespan_us;
    c.cost_usd = p.cost.total();
    add_candidate(std::move(c), std::move(plan));
  };
  auto plan_with = [&](const std::string& planner, std::optional<ConfigId> config) {
    PlannerOptions po;
    po.config = config;
    work.spend(planning_units(planner));
    return run_planner(*planner_registry().create(planner), model, po).plan;
  };

  // Every planner on its own choice of configuration, each predicted: all of them up to
  // kFullPassTasks tasks, above it the default planner and the others that fit their share.
  {
    const std::uint64_t limit = work.allowance(kOwnShare);
    for (const std::string& p : planners) {
      if (n > kFullPassTasks && p != default_planner_name() &&
          !work.fits(planning_units(p) + kAwareUnits, limit))
        continue;
      confirm(p, std::nullopt, plan_with(p, std::nullopt));
    }
  }
  const std::size_t own = r.candidates.size();

  // Each planner on each configuration while the planners' share lasts, screened by the
  // contention-free estimate; the estimate's front confirmed, fastest first.
  {
    const std::uint64_t screen = work.allowance(kScreenShare);
    struct Variant {
      std::string planner;
      ConfigId config;
      Plan plan;
      ParetoCandidate estimate;
    };
    std::vector<Variant> variants;
    for (const std::string& p : planners) {
      for (std::size_t c = 0; c < platform.configs.size(); ++c) {
        if (!work.fits(planning_units(p) + 1, screen)) continue;
        const ConfigId config{static_cast<std::uint16_t>(c)};
        Plan plan = plan_with(p, config);
        work.spend(1);
        ++r.screened;
        const Prediction f = predict_contention_free(model, plan);
        ParetoCandidate e;
        e.makespan_us = f.makespan_us;
        e.cost_usd = f.cost.total();
        variants.push_back({p, config, std::move(plan), e});
      }
    }
    const std::uint64_t limit = work.allowance(kConfirmShare);
    std::vector<std::size_t> front;
    for (std::size_t i = 0; i < variants.size(); ++i) {
      bool on = true;
      for (std::size_t j = 0; j < variants.size() && on; ++j) {
        const ParetoCandidate &a = variants[j].estimate, &b = variants[i].estimate;
        on = !dominates(a, b) &&
             !(j < i && a.makespan_us == b.makespan_us && a.cost_usd == b.cost_usd);
      }
      if (on) front.push_back(i);
    }
    std::stable_sort(front.begin(), front.end(), [&](std::size_t a, std::size_t b) {
      return variants[a].estimate.makespan_us < variants[b].estimate.makespan_us;
    });
    for (std::size_t i : front) {
      if (!work.fits(kAwareUnits, limit)) break;
      confirm(variants[i].planner, variants[i].config, std::move(variants[i].plan));
    }
  }

  // On the front: dominated by none, and the first of those with the same makespan and cost;
  // r.front lists them fastest first (ties in order tried).
  auto mark_front = [&] {
    r.front.clear();
    for (std::size_t i = 0; i < r.candidates.size(); ++i) {
      ParetoCandidate& c = r.candidates[i];
      c.on_front = true;
      for (std::size_t j = 0; j < r.candidates.size() && c.on_front; ++j) {
        const ParetoCandidate& o = r.candidates[j];
        c.on_front = !dominates(o, c) &&
                     !(j < i && o.makespan_us == c.makespan_us && o.cost_usd == c.cost_usd);
      }
      if (c.on_front) r.front.push_back(i);
    }
    std::stable_sort(r.front.begin(), r.front.end(), [&](std::size_t a, std::size_t b) {
      return r.candidates[a].makespan_us < r.candidates[b].makespan_us;
    });
  };
  mark_front();

  // The passes, on the default planner's plan (the reference of the default rule), the other
  // planners' and the front's members, fastest first: each gives one more candidate. On every
  // planner's own plan in full up to kFullPassTasks tasks; else within the passes' share, with
  // as many trials per pass as it allows (the reference always, with one trial per pass at
  // least).
  const std::size_t reference = static_cast<std::size_t>(
      std::find_if(r.candidates.begin(), r.candidates.end(),
                   [](const ParetoCandidate& c) {
                     return c.planner == default_planner_name() && c.config.empty();
                   }) -
      r.candidates.begin());
  PassObjective objective = options.objective;
  objective.kind = options.deadline_s ? PassObjective::Kind::kCost : PassObjective::Kind::kMakespan;
  std::optional<std::size_t> reference_with_passes;
  if (options.passes) {
    std::vector<std::size_t> improve{reference};
    for (std::size_t i = 0; i < own; ++i)
      if (i != reference) improve.push_back(i);
    for (std::size_t i : r.front)
      if (i >= own) improve.push_back(i);
    const std::vector<std::string> all = pass_registry().select("all");
    const std::uint64_t passes = std::max<std::size_t>(1, all.size());
    std::uint64_t limit = work.allowance(kPassesShare);
    for (std::size_t k = 0; k < improve.size(); ++k) {
      PassObjective o = objective;
      const bool in_full = n <= kFullPassTasks && improve[k] < own;
      // Up to kFullPassTasks, the allowance counts from after the planners' own plans.
      if (n <= kFullPassTasks && k > 0 && improve[k] >= own && improve[k - 1] < own)
        limit = work.allowance(kPassesShare);
      if (!in_full) {
        // Predictions: the baseline, then per pass all changes at once and its trials.
        const std::uint64_t left = limit > work.used() ? limit - work.used() : 0;
        const std::uint64_t affordable = left / (kAwareUnits * work.tasks());
        if (affordable < 1 + 2 * passes && k > 0) break;
        const std::uint64_t trials =
            affordable > 1 + 2 * passes ? (affordable - 1 - passes) / passes : std::uint64_t{1};
        o.trial_tasks = std::min(o.trial_tasks, trials * work.tasks());
      }
      Plan plan = plans[improve[k]];
      std::uint64_t predicted = 1;  // optimize_plan()'s baseline
      const Prediction p =
          optimize_plan(model, plan, all, o, [&](std::string_view, std::size_t, std::size_t most) {
            if (most > 0) ++predicted;
          });
      if (in_full)
        work.spend_in_full(kAwareUnits * predicted);
      else
        work.spend(kAwareUnits * predicted);
      r.predictions += static_cast<std::uint32_t>(predicted);
      ParetoCandidate c = r.candidates[improve[k]];
      c.passes = true;
      c.makespan_us = p.makespan_us;
      c.cost_usd = p.cost.total();
      if (k == 0) reference_with_passes = r.candidates.size();
      add_candidate(std::move(c), std::move(plan));
    }
    mark_front();
  }

  // The pick: ties by makespan, cost, then order tried.
  auto better_candidate = [&](std::size_t a, std::size_t b, bool by_cost) {
    const ParetoCandidate &x = r.candidates[a], &y = r.candidates[b];
    if (by_cost && x.cost_usd != y.cost_usd) return x.cost_usd < y.cost_usd;
    if (x.makespan_us != y.makespan_us) return x.makespan_us < y.makespan_us;
    if (x.cost_usd != y.cost_usd) return x.cost_usd < y.cost_usd;
    return a < b;
  };
  auto pick = [&](auto&& feasible, bool by_cost) {
    std::optional<std::size_t> best;
    for (std::size_t i = 0; i < r.candidates.size(); ++i)
      if (feasible(r.candidates[i]) && (!best || better_candidate(i, *best, by_cost))) best = i;
    return best;
  };
  auto any = [](const ParetoCandidate&) { return true; };
  Goal goal;
  std::function<bool(const ParetoCandidate&)> feasible;
  if (options.deadline_s) {
    goal.by_cost = true;
    goal.makespan_limit = static_cast<std::int64_t>(std::floor(*options.deadline_s * 1e6));
    feasible = [&](const ParetoCandidate& c) { return c.makespan_us <= goal.makespan_limit; };
  } else {
    // The budget, else the default rule: the fastest that costs no more than the default
    // planner's plan (with the passes, when they run), so never slower or dearer than it.
    goal.cost_limit = options.budget_usd
                          ? *options.budget_usd
                          : r.candidates[reference_with_passes.value_or(reference)].cost_usd;
    feasible = [&](const ParetoCandidate& c) { return c.cost_usd <= goal.cost_limit; };
  }
  r.picked = pick(feasible, goal.by_cost);

  // The local search, from the pick (or, when nothing is within the limits, from the candidate
  // that misses them by least), within its share.
  if (options.search && !r.candidates.empty()) {
    std::optional<std::size_t> start = r.picked;
    if (!start) {
      for (std::size_t i = 0; i < r.candidates.size(); ++i) {
        const ParetoCandidate& c = r.candidates[i];
        if (!start ||
            better(goal, score(goal, c.makespan_us, c.cost_usd),
                   score(goal, r.candidates[*start].makespan_us, r.candidates[*start].cost_usd)))
          start = i;
      }
    }
    const std::uint64_t limit = work.allowance_of_done(kSearchShare);
    Plan plan = plans[*start];
    work.spend(kAwareUnits);
    ++r.predictions;
    Prediction p = predict(model, plan);
    SearchOutcome s = local_search(model, plan, std::move(p), goal, work, limit, r);
    if (s.moves > 0) {
      ParetoCandidate c = r.candidates[*start];
      c.moves = s.moves;
      c.makespan_us = s.prediction.makespan_us;
      c.cost_usd = s.prediction.cost.total();
      add_candidate(std::move(c), std::move(plan));
      mark_front();
      r.picked = pick(feasible, goal.by_cost);
    }
  }
  r.used_units = work.used();

  auto where = [](const ParetoCandidate& c) {
    return fmt::format("{}{}{}{}", c.planner, c.config.empty() ? "" : " on " + c.config,
                       c.passes ? " with passes" : "",
                       c.moves > 0 ? fmt::format(", {} moves", c.moves) : "");
  };
  if (!r.picked) {
    if (options.deadline_s) {
      const ParetoCandidate& f = r.candidates[*pick(any, false)];
      r.miss = fmt::format(
          "no plan ends within the deadline of {}: the fastest ({}) takes {}, {} "
          "more",
          human_seconds(*options.deadline_s), where(f),
          human_seconds(static_cast<double>(f.makespan_us) / 1e6),
          human_seconds(static_cast<double>(f.makespan_us - goal.makespan_limit) / 1e6));
    } else {
      const ParetoCandidate& f = r.candidates[*pick(any, true)];
      r.miss = fmt::format(
          "no plan costs at most the budget of {}: the cheapest ({}) costs {}, {} "
          "more",
          human_dollars(goal.cost_limit), where(f), human_dollars(f.cost_usd),
          human_dollars(f.cost_usd - goal.cost_limit));
    }
    return r;
  }
  r.plan = std::move(plans[*r.picked]);
  return r;
}

namespace {

class ParetoPlanner final : public Planner {
 public:
  std::string_view name() const override { return "pareto"; }
  Plan plan(const ExecutionModel& model, const PlannerOptions& options) const override {
    ParetoOptions po;
    po.deadline_s = options.deadline_s;
    po.budget_usd = options.budget_usd;
    ParetoResult r = pareto_search(model, po);
    if (!r.picked) throw Error("pareto: " + r.miss);
    // The pick, the bounds asked, the work done and the front (fastest first: what `dagplan
    // plan --planner pareto --front` prints) as the plan's params.
    std::string params;
    JsonWriter j(params);
    j.begin_object(true);
    auto candidate = [&](const ParetoCandidate& c) {
      j.member("planner", c.planner);
      j.member("config", c.config);
      j.member("passes", c.passes);
      j.member("moves", static_cast<std::uint64_t>(c.moves));
    };
    j.key("picked");
    j.begin_object(true);
    candidate(r.candidates[*r.picked]);
    j.end_object();
    j.member("candidates", static_cast<std::uint64_t>(r.candidates.size()));
    j.member("screened", static_cast<std::uint64_t>(r.screened));
    j.member("predictions", static_cast<std::uint64_t>(r.predictions));
    j.member("moves_confirmed", static_cast<std::uint64_t>(r.moves_tried));
    j.member("work_units", r.used_units);
    j.member("work_budget", r.budget_units);
    if (options.deadline_s) j.member("deadline_s", *options.deadline_s);
    if (options.budget_usd) j.member("budget_usd", *options.budget_usd);
    j.key("front");
    j.begin_array(true);
    for (std::size_t i : r.front) {
      const ParetoCandidate& f = r.candidates[i];
      j.begin_object(true);
      candidate(f);
      j.member("makespan_s", static_cast<double>(f.makespan_us) / 1e6);
      j.member("cost_usd", f.cost_usd);
      j.end_object();
    }
    j.end_array();
    j.end_object();
    while (!params.empty() && params.back() == '\n') params.pop_back();  // kept verbatim
    Plan plan = std::move(r.plan);
    plan.assumptions.clear();  // stamp_plan() gives the model's; the candidate's are its planner's
    stamp_plan(plan, model, name(), std::move(params));
    return plan;
  }
};

}  // namespace

std::unique_ptr<Planner> make_pareto_planner() {
  return std::make_unique<ParetoPlanner>();
}

}  // namespace dagplan
