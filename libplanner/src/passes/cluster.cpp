// The clustering pass (DESIGN.md rule 11, WUKONG's task clustering): a flexible task whose end
// makes several flexible children ready runs all of them on its own instance, in its slots,
// instead of invoking a new instance for each child after the first. The children then read its
// output locally, and when they are its only consumers and it is their only input the output is
// never uploaded. It pays off for large outputs and short children, and costs where the children
// would have run in parallel on instances of their own: kept only where the contention-aware
// prediction shows a gain.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "dagplan/passes.hpp"
#include "dagplan/predictor.hpp"

namespace dagplan {
namespace {

class ClusterPass final : public Pass {
 public:
  std::string_view name() const override { return "cluster"; }

  std::uint32_t apply(const ExecutionModel& model, Plan& plan, const PassObjective& objective,
                      PassState& state) const override {
    const Workflow& w = model.workflow();
    // Flexible tasks with two or more flexible children, not clustered yet: the largest outputs
    // first (where clustering saves the most transfer), ties by id.
    std::vector<std::uint32_t> candidates;
    for (std::uint32_t t = 0; t < w.task_count(); ++t) {
      if (plan.task_worker[t] != kFlexible || plan.clustered(t)) continue;
      std::uint32_t flexible = 0;
      for (TaskId s : w.successors(TaskId{t})) flexible += plan.flexible(s) ? 1u : 0u;
      if (flexible >= 2) candidates.push_back(t);
    }
    if (candidates.empty()) return 0;
    std::stable_sort(candidates.begin(), candidates.end(), [&](std::uint32_t a, std::uint32_t b) {
      return w.output_bytes(TaskId{a}) > w.output_bytes(TaskId{b});
    });
    std::vector<std::pair<std::uint32_t, std::uint8_t>> changes;  // (task, clustered)
    changes.reserve(candidates.size());
    for (std::uint32_t t : candidates) changes.emplace_back(t, 1);
    return keep_annotation_gains(model, plan, objective, state, plan.cluster, w.task_count(),
                                 std::uint8_t{0}, changes);
  }

  bool annotated(const Plan& plan) const override {
    return any_annotated(plan.cluster, std::uint8_t{0});
  }
  void remove(Plan& plan) const override { plan.cluster.clear(); }
};

}  // namespace

std::unique_ptr<Pass> make_cluster_pass() {
  return std::make_unique<ClusterPass>();
}

}  // namespace dagplan
