#pragma once
/// \file
/// The decisions of a run that every runner takes the same way (DESIGN.md section 2, rules 3 and
/// 6; docs/decisions/0003-run-semantics.md): which outputs go to storage, and which ready
/// children a finishing task hands to whom. The run engine (predictor and simulator) and the
/// real backend's workers (executor/) both ask these functions, so that the rules are written
/// once.

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "dagplan/plan.hpp"
#include "dagplan/workflow.hpp"

namespace dagplan {

/// upload_rule(): the output always goes to storage (a sink, or consumers on several workers).
inline constexpr std::uint32_t kUploadAlways = 0xfffffffeu;
/// upload_rule(): the output never goes to storage (point-to-point transfers).
inline constexpr std::uint32_t kUploadNever = 0xffffffffu;

/// Rule 6 for task `t`: kUploadAlways, kUploadNever, or the index of the one strict worker on
/// whose instance the output may stay local (it is uploaded when it was made elsewhere). Its
/// consumers are counted_children() (a task that duplicates a successor of `t` reads `t`'s
/// output; one that duplicates `t` does not). A sink's output goes to the client; a strict
/// consumer elsewhere needs storage; only the first
/// flexible child (every one, after a clustered task) can continue on the producer's instance,
/// and only if the producer is its only input (otherwise another producer may complete its
/// counter and invoke it elsewhere). With
/// point-to-point transfers (`direct`), outputs stay where they are made. A streamed consumer
/// (Plan::stream) does not count: the runner uploads for it only when its worker is not running
/// as the producer's execution ends (rule 10, streams_now()). O(out-degree).
std::uint32_t upload_rule(const Plan& plan, const Workflow& workflow, TaskId t, bool direct);

/// Task-dup (rule 9, Plan::dup): the producers whose outputs task `t`'s slot reads - its
/// predecessors, less the one it duplicates, plus that one's predecessors - each once, by id,
/// into `out` (cleared first). Without a duplicate: its predecessors. O(in-degrees).
void run_inputs(const Plan& plan, const Workflow& workflow, TaskId t, std::vector<TaskId>& out);

/// The number of producers whose ends complete task `t`'s dependency counter (rule 3): its
/// in-degree, or with a duplicate the size of run_inputs().
std::uint32_t counter_target(const Plan& plan, const Workflow& workflow, TaskId t);

/// The tasks whose dependency counters the end of `t` counts, and so the consumers of its
/// output (rules 3 and 6): its successors (in order) less those that duplicate it, then each
/// task that duplicates one of its successors and does not read `t` already. Into `out`
/// (cleared first). O(out-degree), and with duplicates O(out-degree x successors' out-degree).
void counted_children(const Plan& plan, const Workflow& workflow, TaskId t,
                      std::vector<TaskId>& out);

/// Whether an output whose rule is `rule` must be uploaded when made on an instance of worker
/// `worker` (kFlexible for a flexible instance).
inline bool must_upload(std::uint32_t rule, std::uint32_t worker) {
  return rule == kUploadAlways || (rule != kUploadNever && rule != worker);
}

/// Rule 3 for a task whose end completes the counters of some children: what happens to ready
/// child `child` of `finishing` (the `flexible_rank`-th flexible child completed by this end, in
/// successor order, counted from 0).
enum class ReadyAction : std::uint8_t {
  kSameWorker,      ///< a strict child of the finishing task's own worker: runs there
  kNotifyWorker,    ///< a strict child of another worker: ready event (invoke it if not running)
  kContinueHere,    ///< the first flexible child (every one, after a clustered task, rule 11):
                    ///< runs on the finishing task's instance
  kInvokeFlexible,  ///< another flexible child: a new flexible instance
};
inline ReadyAction ready_action(const Plan& plan, TaskId finishing, TaskId child,
                                std::uint32_t finishing_worker, std::uint32_t flexible_rank) {
  std::uint32_t k = plan.task_worker[index(child)];
  if (k != kFlexible)
    return k == finishing_worker ? ReadyAction::kSameWorker : ReadyAction::kNotifyWorker;
  if (flexible_rank == 0 || plan.clustered(index(finishing))) return ReadyAction::kContinueHere;
  return ReadyAction::kInvokeFlexible;
}

/// Pre-load (rule 4): whether task `t`, run on an instance of worker `worker` (kFlexible for a
/// flexible instance), downloads each remote input as soon as it is stored and the instance is
/// ready, while the instance does other things, rather than when the task starts. Only strict
/// workers pre-load: a flexible instance is invoked for a task that is ready already.
inline bool preloads(const Plan& plan, TaskId t, std::uint32_t worker) {
  return plan.preload[index(t)] != 0 && worker != kFlexible;
}

/// Pre-load, the producer's side: whether the producer of an input of `consumer`, run on an
/// instance of worker `producer_worker`, tells the consumer's worker when that input is stored
/// (the consumer pre-loads, and runs on another worker, where the input is remote).
inline bool announces_stored(const Plan& plan, TaskId consumer, std::uint32_t producer_worker) {
  std::uint32_t k = plan.task_worker[index(consumer)];
  return k != producer_worker && preloads(plan, consumer, k);
}

/// Output streaming (rule 10, Plan::stream): whether `t`'s output, made on an instance of
/// worker `worker`, must go to storage when its execution ends, given which of its streamed
/// consumers can take it by stream: `running(consumer)` says whether the consumer's worker has
/// an instance up at that moment (the runner's knowledge: the run engine's records, or the
/// real run's registry of instances). Each streamed consumer whose worker is running is passed
/// to `stream_to(consumer)`; if any is not, the output is uploaded (the fallback), as it is
/// when upload_rule() says so. Returns whether to upload. O(streamed consumers).
template <typename Running, typename StreamTo>
bool streams_now(const Plan& plan, TaskId t, std::uint32_t rule, std::uint32_t worker,
                 const Running& running, const StreamTo& stream_to) {
  bool upload = must_upload(rule, worker);
  for (const auto& edge : plan.streams_from(index(t))) {
    if (running(edge.second))
      stream_to(edge.second);
    else
      upload = true;
  }
  return upload;
}

/// Pre-warm (rule 9): the (trigger task, worker) pairs of the plan's pre-warms, sorted by task
/// (ties by worker), for a run to find by binary search which pre-warms a task's end sends.
inline std::vector<std::pair<std::uint32_t, std::uint32_t>> prewarm_triggers(const Plan& plan) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
  for (std::uint32_t k = 0; k < plan.worker_prewarm.size(); ++k)
    if (plan.worker_prewarm[k] != kNoPrewarm) out.emplace_back(plan.worker_prewarm[k], k);
  std::sort(out.begin(), out.end());
  return out;
}

/// Delayed I/O (rule 11, Plan::delay_io): the (fan-in child, delaying producer) pairs of the plan,
/// sorted by child, for a run to find which producer watches a child's counter. A producer
/// delays for its only consumer (check_plan()).
inline std::vector<std::pair<std::uint32_t, std::uint32_t>> delayed_producers(
    const Plan& plan, const Workflow& workflow) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
  for (std::uint32_t t = 0; t < plan.delay_io.size(); ++t)
    if (plan.delay_io[t] != kNoDelay) out.emplace_back(index(workflow.successors(TaskId{t})[0]), t);
  std::sort(out.begin(), out.end());
  return out;
}

/// Delayed I/O, the producer's side: whether task `t`, run on an instance of worker `worker`,
/// holds its output back when it ends (it delays, and rule 6 would upload it).
inline bool delays_upload(const Plan& plan, std::uint32_t t, std::uint32_t rule,
                          std::uint32_t worker) {
  return plan.delayed_io(t) != kNoDelay && worker == kFlexible && must_upload(rule, worker);
}

}  // namespace dagplan
