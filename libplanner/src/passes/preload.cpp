// The pre-load pass (DESIGN.md rule 4): a strict worker downloads each remote input of a task as
// soon as it exists instead of when the task is ready, overlapping the download with the
// worker's other work. It costs bandwidth while the worker runs other tasks and may keep an
// instance alive longer, so it is kept only where the contention-aware prediction shows a gain.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "dagplan/passes.hpp"
#include "dagplan/predictor.hpp"

namespace dagplan {
namespace {

class PreloadPass final : public Pass {
 public:
  std::string_view name() const override { return "preload"; }

  std::uint32_t apply(const ExecutionModel& model, Plan& plan, const PassObjective& objective,
                      PassState& state) const override {
    const Workflow& w = model.workflow();
    // Per worker, its tasks with an input from elsewhere (another worker, a flexible task or a
    // literal input), in id order.
    std::vector<std::vector<std::uint32_t>> candidates(plan.worker_count());
    for (std::uint32_t t = 0; t < w.task_count(); ++t) {
      const std::uint32_t k = plan.task_worker[t];
      if (k == kFlexible || plan.preload[t] != 0) continue;
      bool remote = w.input_bytes(TaskId{t}) > 0;
      for (TaskId q : w.predecessors(TaskId{t})) remote = remote || plan.task_worker[index(q)] != k;
      if (!remote) continue;
      candidates[k].push_back(t);
    }
    // One change per worker with candidates, in worker order.
    std::vector<std::uint32_t> workers;
    for (std::uint32_t k = 0; k < candidates.size(); ++k)
      if (!candidates[k].empty()) workers.push_back(k);
    return keep_gains(
        model, plan, objective, state, workers.size(),
        [&](std::size_t i, bool on) {
          for (std::uint32_t t : candidates[workers[i]]) plan.preload[t] = on ? 1 : 0;
        },
        [&](std::size_t i) { return static_cast<std::uint32_t>(candidates[workers[i]].size()); });
  }

  bool annotated(const Plan& plan) const override {
    return any_annotated(plan.preload, std::uint8_t{0});
  }
  void remove(Plan& plan) const override {
    std::fill(plan.preload.begin(), plan.preload.end(), std::uint8_t{0});
  }
};

}  // namespace

std::unique_ptr<Pass> make_preload_pass() {
  return std::make_unique<PreloadPass>();
}

}  // namespace dagplan
