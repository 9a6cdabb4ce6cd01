// The pre-warm pass (DESIGN.md rule 9): a strict worker whose first instance would start cold
// gets a pre-warm, sent by whichever worker runs the trigger task when that task ends, so that a
// container of its configuration has started (cold) and waits, warm, when the worker's first
// instance starts. A pre-warm is an invocation and its start-up is billed; it is kept only where
// the contention-aware prediction shows a gain.
#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "dagplan/passes.hpp"
#include "dagplan/predictor.hpp"

namespace dagplan {
namespace {

class PrewarmPass final : public Pass {
 public:
  std::string_view name() const override { return "prewarm"; }

  std::uint32_t apply(const ExecutionModel& model, Plan& plan, const PassObjective& objective,
                      PassState& state) const override {
    if (model.platform().has_machines() || plan.worker_count() == 0) return 0;
    const Prediction& p = state.current;
    const std::uint32_t n = static_cast<std::uint32_t>(model.workflow().task_count());
    // Tasks by end, ties by id: the trigger of a worker is the latest task to end early enough.
    std::vector<std::pair<std::int64_t, std::uint32_t>> ends(n);
    for (std::uint32_t t = 0; t < n; ++t) ends[t] = {p.tasks[t].finish_us, t};
    std::sort(ends.begin(), ends.end());
    // Each worker's first instance, if it started cold.
    std::vector<std::uint32_t> first(plan.worker_count(), kNoInstance);
    for (std::uint32_t i = 0; i < p.instances.size(); ++i) {
      const InstancePrediction& in = p.instances[i];
      if (in.worker != kFlexible && first[in.worker] == kNoInstance) first[in.worker] = i;
    }
    std::vector<std::pair<std::uint32_t, std::uint32_t>> changes;  // (worker, trigger)
    const std::int64_t keep_alive = model.platform().keep_alive_us;
    for (std::uint32_t k = 0; k < plan.worker_count(); ++k) {
      if (plan.prewarm(k) != kNoPrewarm || first[k] == kNoInstance) continue;
      const InstancePrediction& in = p.instances[first[k]];
      if (in.warm) continue;
      // Warm by the time the instance starts: the trigger ends at the latest then less the
      // invocation and a cold start, and not so early that the keep-alive runs out first.
      const std::int64_t lead = model.invoke_us() + model.startup_us(in.config, false);
      const std::int64_t latest = in.start_us - lead;
      auto it = std::upper_bound(ends.begin(), ends.end(),
                                 std::make_pair(latest, std::uint32_t{0xffffffff}));
      if (it == ends.begin()) continue;
      const std::int64_t end = std::prev(it)->first;
      if (in.start_us - (end + lead) >= keep_alive) continue;
      // The smallest id among the tasks that end then.
      auto tie = std::lower_bound(ends.begin(), ends.end(), std::make_pair(end, std::uint32_t{0}));
      changes.emplace_back(k, tie->second);
    }
    if (changes.empty()) return 0;
    return keep_annotation_gains(model, plan, objective, state, plan.worker_prewarm,
                                 plan.worker_count(), kNoPrewarm, changes);
  }

  bool annotated(const Plan& plan) const override {
    return any_annotated(plan.worker_prewarm, kNoPrewarm);
  }
  void remove(Plan& plan) const override { plan.worker_prewarm.clear(); }
};

}  // namespace

std::unique_ptr<Pass> make_prewarm_pass() {
  return std::make_unique<PrewarmPass>();
}

}  // namespace dagplan
