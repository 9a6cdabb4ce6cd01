// The inline-DAG pass (DESIGN.md rule 12): a strict worker whose part of the workflow
// (dag_part_bytes(): its tasks, their edges, the ids and sizes of their direct inputs and
// outputs) is small enough to travel in an invocation gets it there, instead of fetching the
// whole DAG from storage at every start-up. Kept only where the contention-aware prediction shows
// a gain on the objective (decision 0021).
#include <algorithm>
#include <cstdint>
#include <vector>

#include "dagplan/passes.hpp"
#include "dagplan/predictor.hpp"

namespace dagplan {
namespace {

class InlineDagPass final : public Pass {
 public:
  std::string_view name() const override { return "inline-dag"; }

  std::uint32_t apply(const ExecutionModel& model, Plan& plan, const PassObjective& objective,
                      PassState& state) const override {
    const Workflow& w = model.workflow();
    // Nothing to save where the whole DAG travels in the invocation already.
    if (model.part_travels_inline(model.dag_bytes()) || plan.worker_count() == 0) return 0;
    std::vector<std::vector<TaskId>> tasks(plan.worker_count());
    for (std::uint32_t t = 0; t < w.task_count(); ++t)
      if (plan.task_worker[t] != kFlexible) tasks[plan.task_worker[t]].push_back(TaskId{t});
    std::vector<std::uint32_t> candidates;  // workers, by index
    for (std::uint32_t k = 0; k < plan.worker_count(); ++k)
      if (!plan.inline_dag(k) && !tasks[k].empty() &&
          model.part_travels_inline(dag_part_bytes(w, plan, tasks[k])))
        candidates.push_back(k);
    if (candidates.empty()) return 0;
    std::vector<std::pair<std::uint32_t, std::uint8_t>> changes;  // (worker, inline)
    changes.reserve(candidates.size());
    for (std::uint32_t k : candidates) changes.emplace_back(k, 1);
    return keep_annotation_gains(model, plan, objective, state, plan.worker_inline_dag,
                                 plan.worker_count(), std::uint8_t{0}, changes);
  }

  bool annotated(const Plan& plan) const override {
    return any_annotated(plan.worker_inline_dag, std::uint8_t{0});
  }
  void remove(Plan& plan) const override { plan.worker_inline_dag.clear(); }
};

}  // namespace

std::unique_ptr<Pass> make_inline_dag_pass() {
  return std::make_unique<InlineDagPass>();
}

}  // namespace dagplan
