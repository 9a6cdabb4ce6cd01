// The delayed-I/O pass (DESIGN.md rule 11, WUKONG's delayed I/O): a flexible task whose output
// feeds only a flexible fan-in that is not ready when it ends holds the output back, watching
// the fan-in's counter for a bounded wait. If the fan-in's other inputs complete meanwhile, it
// counts itself last and runs the fan-in on its own instance (rule 3) with the output local,
// never uploaded; otherwise it uploads after the wait. The wait holds an instance (billed) and
// may move the fan-in to another instance: kept only where the contention-aware prediction
// shows a gain on the objective (decision 0020).
#include <algorithm>
#include <cstdint>
#include <tuple>
#include <vector>

#include "dagplan/passes.hpp"
#include "dagplan/predictor.hpp"
#include "dagplan/run_rules.hpp"

namespace dagplan {
namespace {

class DelayioPass final : public Pass {
 public:
  std::string_view name() const override { return "delayed-io"; }

  std::uint32_t apply(const ExecutionModel& model, Plan& plan, const PassObjective& objective,
                      PassState& state) const override {
    if (model.direct_transfers()) return 0;  // nothing is uploaded (check_plan())
    const Workflow& w = model.workflow();
    const Prediction& p = state.current;
    std::vector<TaskId> children;
    // Per flexible fan-in without a delaying producer, the producer whose held output would
    // save the most: the largest output, then the latest execution end (the likeliest to be
    // last), then the lowest id. Its wait: until the other inputs are counted in the current
    // prediction (their finish), plus a tenth of that and two storage operations as slack for
    // a real run's noise. (-output bytes, task, wait)
    std::vector<std::tuple<std::int64_t, std::uint32_t, std::int64_t>> changes;
    for (std::uint32_t c = 0; c < w.task_count(); ++c) {
      const TaskId ct{c};
      if (!plan.flexible(ct) || w.in_degree(ct) < 2) continue;
      std::uint32_t best = kNoDup;
      bool taken = false;
      for (TaskId q : w.predecessors(ct)) {
        const std::uint32_t qi = index(q);
        taken = taken || plan.delayed_io(qi) != kNoDelay;
        if (!plan.flexible(q) || w.out_degree(q) != 1 || w.output_bytes(q) == 0) continue;
        if (!plan.dup.empty()) {
          counted_children(plan, w, q, children);
          if (children.size() != 1) continue;  // a duplicate of the fan-in reads it too
        }
        if (best == kNoDup || w.output_bytes(q) > w.output_bytes(TaskId{best}) ||
            (w.output_bytes(q) == w.output_bytes(TaskId{best}) &&
             p.tasks[qi].exec_end_us > p.tasks[best].exec_end_us))
          best = qi;
      }
      if (taken || best == kNoDup) continue;
      std::int64_t others = 0;
      for (TaskId q : w.predecessors(ct))
        if (index(q) != best) others = std::max(others, p.tasks[index(q)].finish_us);
      const std::int64_t gap = std::max<std::int64_t>(0, others - p.tasks[best].exec_end_us);
      const std::int64_t wait = gap + std::max(gap / 10, 2 * model.storage_op_us());
      changes.emplace_back(-static_cast<std::int64_t>(w.output_bytes(TaskId{best})), best, wait);
    }
    if (changes.empty()) return 0;
    std::sort(changes.begin(), changes.end());
    std::vector<std::pair<std::uint32_t, std::int64_t>> waits;  // (task, wait)
    waits.reserve(changes.size());
    for (const auto& [bytes, t, wait] : changes) waits.emplace_back(t, wait);
    return keep_annotation_gains(model, plan, objective, state, plan.delay_io, w.task_count(),
                                 kNoDelay, waits);
  }

  bool annotated(const Plan& plan) const override { return any_annotated(plan.delay_io, kNoDelay); }
  void remove(Plan& plan) const override { plan.delay_io.clear(); }
};

}  // namespace

std::unique_ptr<Pass> make_delayio_pass() {
  return std::make_unique<DelayioPass>();
}

}  // namespace dagplan
