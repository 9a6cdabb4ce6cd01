// The task-duplication pass (DESIGN.md rule 9): a task of a strict worker whose input comes from
// a producer on another worker runs that producer itself, in its own slot just before it, when
// the duplicate is done before the remote copy would arrive. The task then waits for the
// producer's inputs instead of the producer; the duplicate's output stays with the task; the
// original still runs, so the cost counts both executions. Kept only where the contention-aware
// prediction shows a gain on the objective.
#include <algorithm>
#include <cstdint>
#include <tuple>
#include <vector>

#include "dagplan/passes.hpp"
#include "dagplan/predictor.hpp"

namespace dagplan {
namespace {

class TaskdupPass final : public Pass {
 public:
  std::string_view name() const override { return "taskdup"; }

  std::uint32_t apply(const ExecutionModel& model, Plan& plan, const PassObjective& objective,
                      PassState& state) const override {
    // The producer's inputs must come through storage (plan.hpp, check_plan()).
    if (model.direct_transfers()) return 0;
    const Workflow& w = model.workflow();
    const Prediction& p = state.current;
    // A cheap screen on the current prediction, per task and producer of another worker: the
    // remote copy arrives one download after the producer's upload; the duplicate is done its
    // execution on the task's configuration after the producer's inputs are stored and
    // downloaded. Per task the producer with the largest margin (ties by id); then the tasks by
    // margin, largest first (ties by id).
    // (-margin, task, producer)
    std::vector<std::tuple<std::int64_t, std::uint32_t, std::uint32_t>> changes;
    for (std::uint32_t c = 0; c < w.task_count(); ++c) {
      const std::uint32_t k = plan.task_worker[c];
      if (k == kFlexible || plan.duplicate(c) != kNoDup) continue;
      const ConfigId cfg = plan.task_config[c];
      const TaskId ct{c};
      std::int64_t best = 0;
      std::uint32_t best_p = kNoDup;
      for (TaskId q : w.predecessors(ct)) {
        const std::uint32_t qi = index(q);
        // On its own worker, or streamed to it (the stream pass may have run before).
        if (plan.task_worker[qi] == k || plan.streamed(qi, c)) continue;
        // It would wait for nothing: refused by check_plan().
        if (w.in_degree(ct) == 1 && w.in_degree(q) == 0) continue;
        const std::int64_t remote =
            p.tasks[qi].upload_end_us + model.transfer_us(w.output_bytes(q), cfg);
        std::int64_t stored = 0;
        std::uint64_t bytes = w.input_bytes(q);
        for (TaskId r : w.predecessors(q)) {
          stored = std::max(stored, p.tasks[index(r)].upload_end_us);
          bytes += w.output_bytes(r);
        }
        const std::int64_t dup =
            stored + (bytes > 0 ? model.transfer_us(bytes, cfg) : 0) + model.exec_us(q, cfg);
        if (remote - dup > best) {
          best = remote - dup;
          best_p = qi;
        }
      }
      if (best_p != kNoDup) changes.emplace_back(-best, c, best_p);
    }
    if (changes.empty()) return 0;
    std::sort(changes.begin(), changes.end());
    std::vector<std::pair<std::uint32_t, std::uint32_t>> dups;  // (task, producer)
    dups.reserve(changes.size());
    for (const auto& [margin, t, q] : changes) dups.emplace_back(t, q);
    return keep_annotation_gains(model, plan, objective, state, plan.dup, w.task_count(), kNoDup,
                                 dups);
  }

  bool annotated(const Plan& plan) const override { return any_annotated(plan.dup, kNoDup); }
  void remove(Plan& plan) const override { plan.dup.clear(); }
};

}  // namespace

std::unique_ptr<Pass> make_taskdup_pass() {
  return std::make_unique<TaskdupPass>();
}

}  // namespace dagplan
