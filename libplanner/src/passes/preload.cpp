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

// Trials of one worker at a time predict the whole plan each: at most this many tasks predicted
// in all (about 5 s at 10^5 tasks per 0.1 s), and always at least one worker.
constexpr std::uint64_t kTrialTaskBudget = 5'000'000;

class PreloadPass final : public Pass {
 public:
  std::string_view name() const override { return "preload"; }

  std::uint32_t apply(const ExecutionModel& model, Plan& plan, const PassObjective& objective,
                      PassState& state) const override {
    const Workflow& w = model.workflow();
    // Per worker, its tasks with an input from elsewhere (another worker, a flexible task or a
    // literal input), in id order.
    std::vector<std::vector<std::uint32_t>> candidates(plan.worker_count());
    std::uint32_t total = 0;
    for (std::uint32_t t = 0; t < w.task_count(); ++t) {
      const std::uint32_t k = plan.task_worker[t];
      if (k == kFlexible || plan.preload[t] != 0) continue;
      bool remote = w.input_bytes(TaskId{t}) > 0;
      for (TaskId q : w.predecessors(TaskId{t})) remote = remote || plan.task_worker[index(q)] != k;
      if (!remote) continue;
      candidates[k].push_back(t);
      ++total;
    }
    if (total == 0) return 0;
    auto set = [&](const std::vector<std::uint32_t>& tasks, std::uint8_t on) {
      for (std::uint32_t t : tasks) plan.preload[t] = on;
    };
    // Every candidate at once.
    for (const auto& tasks : candidates) set(tasks, 1);
    Prediction all = predict(model, plan);
    if (pass_gain(objective, state, all)) {
      state.current = std::move(all);
      return total;
    }
    for (const auto& tasks : candidates) set(tasks, 0);
    // Then one worker at a time, in index order, each kept if it gains on the plan so far.
    const std::uint64_t trials =
        std::max<std::uint64_t>(1, kTrialTaskBudget / std::max<std::uint64_t>(1, w.task_count()));
    std::uint64_t tried = 0;
    std::uint32_t kept = 0;
    for (const auto& tasks : candidates) {
      if (tasks.empty()) continue;
      if (tried++ == trials) break;
      set(tasks, 1);
      Prediction p = predict(model, plan);
      if (pass_gain(objective, state, p)) {
        state.current = std::move(p);
        kept += static_cast<std::uint32_t>(tasks.size());
      } else {
        set(tasks, 0);
      }
    }
    return kept;
  }
};

}  // namespace

std::unique_ptr<Pass> make_preload_pass() {
  return std::make_unique<PreloadPass>();
}

}  // namespace dagplan
