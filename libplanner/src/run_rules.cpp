// The rules of a run that the run engine (predictor and simulator) and the real backend's workers
// share (run_rules.hpp): which inputs a task waits for, who its counter counts, and where an
// output goes. Kept apart from the engine so that everything that validates a plan (the readers,
// the fuzz targets) can use them without the engine.
#include "dagplan/run_rules.hpp"

#include <algorithm>
#include <iterator>
#include <span>
#include <vector>

#include "dagplan/plan.hpp"
#include "dagplan/workflow.hpp"

namespace dagplan {

void run_inputs(const Plan& plan, const Workflow& w, TaskId t, std::vector<TaskId>& out) {
  out.clear();
  std::span<const TaskId> preds = w.predecessors(t);
  const std::uint32_t p = plan.duplicate(index(t));
  if (p == kNoDup) {
    out.assign(preds.begin(), preds.end());
    return;
  }
  // Both lists are sorted by id: merge them, leaving the duplicated producer out.
  std::span<const TaskId> more = w.predecessors(TaskId{p});
  std::set_union(preds.begin(), preds.end(), more.begin(), more.end(), std::back_inserter(out));
  out.erase(std::remove(out.begin(), out.end(), TaskId{p}), out.end());
}

std::uint32_t counter_target(const Plan& plan, const Workflow& w, TaskId t) {
  if (plan.duplicate(index(t)) == kNoDup) return w.in_degree(t);
  std::vector<TaskId> inputs;
  run_inputs(plan, w, t, inputs);
  return static_cast<std::uint32_t>(inputs.size());
}

void counted_children(const Plan& plan, const Workflow& w, TaskId t, std::vector<TaskId>& out) {
  out.clear();
  std::span<const TaskId> succ = w.successors(t);
  if (plan.dup.empty()) {
    out.assign(succ.begin(), succ.end());
    return;
  }
  for (TaskId s : succ)
    if (plan.duplicate(index(s)) != index(t)) out.push_back(s);
  for (TaskId s : succ)
    for (TaskId c : w.successors(s)) {
      if (plan.duplicate(index(c)) != index(s)) continue;
      std::span<const TaskId> preds = w.predecessors(c);
      if (!std::binary_search(preds.begin(), preds.end(), t)) out.push_back(c);
    }
}

std::uint32_t upload_rule(const Plan& plan, const Workflow& w, TaskId t, bool direct) {
  if (direct) return kUploadNever;
  std::uint32_t rule = w.out_degree(t) == 0 ? kUploadAlways : kUploadNever;
  bool first_flexible = true;
  const bool clustered = plan.clustered(index(t));
  std::vector<TaskId> with_dups;
  if (!plan.dup.empty()) counted_children(plan, w, t, with_dups);
  const bool streams = !plan.streams_from(index(t)).empty();
  for (TaskId s : plan.dup.empty() ? w.successors(t) : std::span<const TaskId>(with_dups)) {
    // A streamed consumer gets the output from the stream, or, when its worker is not running
    // as the producer ends, from storage by the runner's decision (stream_fallback()).
    if (streams && plan.streamed(index(t), index(s))) continue;
    std::uint32_t k = plan.task_worker[index(s)];
    if (k != kFlexible) {
      if (rule != kUploadNever && rule != k) rule = kUploadAlways;
      if (rule == kUploadNever) rule = k;
    } else {
      if ((!first_flexible && !clustered) || w.in_degree(s) != 1) rule = kUploadAlways;
      first_flexible = false;
    }
  }
  return rule;
}

}  // namespace dagplan
