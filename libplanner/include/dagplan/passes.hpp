#pragma once
/// \file
/// Optimisation passes: each changes a plan's annotations after any planner (DESIGN.md rules 4
/// and 9-12) and keeps a change only where the contention-aware prediction (predict()) shows a
/// gain on the user's objective. One registry holds them by name, beside the planners';
/// `dagplan plan --optimize all|LIST` runs them in registry order (the documented order), and
/// the plan records what each kept (Plan::passes).

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dagplan/model.hpp"
#include "dagplan/plan.hpp"
#include "dagplan/predictor.hpp"
#include "dagplan/registry.hpp"

namespace dagplan {

/// What a pass may trade. kMakespan: a change must shorten the makespan, and the plan's cost may
/// end at most `max_cost_increase` (a share) above the cost before the first pass. kCost: a
/// change must lower the cost, and the makespan may end at most `max_makespan_increase` above.
struct PassObjective {
  enum class Kind { kMakespan, kCost };
  Kind kind = Kind::kMakespan;
  double max_cost_increase = 0.05;
  double max_makespan_increase = 0.05;
  /// keep_gains() predicts at most this many tasks per pass in all (trials x tasks; at least
  /// one trial): about 5 s at 10^5 tasks. The pareto planner lowers it to fit its work budget.
  std::uint64_t trial_tasks = 5'000'000;
};

/// The prediction a pass works from and against which it judges changes. `baseline` is the plan
/// before the first pass (the bounds of the objective), `current` the plan as it stands.
struct PassState {
  Prediction baseline;
  Prediction current;
  /// Called before each trial prediction of keep_gains() (trials made so far, most it will
  /// make); may be empty.
  std::function<void(std::size_t, std::size_t)> on_trial;
};

/// Whether `candidate` is a gain over `state.current` within the objective's bounds.
bool pass_gain(const PassObjective& objective, const PassState& state, const Prediction& candidate);

/// The search the passes share: `count` independent changes, `apply(i, true)` making change i
/// and `apply(i, false)` undoing it, `size(i)` the changes it counts for (tasks or workers).
/// All at once, kept if that gains; else each alone in order, kept where it gains on the plan as
/// it stands (at most objective.trial_tasks tasks predicted in all, and at least one trial).
/// Updates `state.current`; returns the sizes kept, summed.
std::uint32_t keep_gains(const ExecutionModel& model, Plan& plan, const PassObjective& objective,
                         PassState& state, std::size_t count,
                         const std::function<void(std::size_t, bool)>& apply,
                         const std::function<std::uint32_t(std::size_t)>& size);

/// Whether an optional per-task or per-worker annotation of a plan (empty: none) annotates any
/// element: one that is not `none`.
template <class Field, class Value>
bool any_annotated(const Field& field, Value none) {
  return std::any_of(field.begin(), field.end(), [&](const auto& x) { return x != none; });
}

/// keep_gains() over an optional per-task or per-worker annotation `field` of `plan` (empty:
/// none; `elements` long otherwise, `none` where an element is not annotated): change i sets
/// element changes[i].first to changes[i].second and counts for one. The field is filled with
/// `none` first when empty, and emptied again when nothing in it is annotated afterwards.
template <class Field, class Value>
std::uint32_t keep_annotation_gains(const ExecutionModel& model, Plan& plan,
                                    const PassObjective& objective, PassState& state, Field& field,
                                    std::size_t elements, Value none,
                                    const std::vector<std::pair<std::uint32_t, Value>>& changes) {
  if (field.empty()) field.assign(elements, none);
  const std::uint32_t kept = keep_gains(
      model, plan, objective, state, changes.size(),
      [&](std::size_t i, bool on) { field[changes[i].first] = on ? changes[i].second : none; },
      [](std::size_t) { return std::uint32_t{1}; });
  if (!any_annotated(field, none)) field.clear();
  return kept;
}

/// An optimisation pass. Implementations are deterministic (ties by id) and leave the plan
/// valid (check_plan()); a pass that finds nothing worth changing leaves it as it was.
class Pass {
 public:
  virtual ~Pass() = default;
  virtual std::string_view name() const = 0;
  /// Changes `plan` where the prediction shows a gain; updates `state.current` to the kept
  /// plan's prediction; returns how many changes (tasks or workers annotated) it kept.
  virtual std::uint32_t apply(const ExecutionModel& model, Plan& plan,
                              const PassObjective& objective, PassState& state) const = 0;
  /// Whether `plan` carries any of this pass's annotations (set by it or by hand).
  virtual bool annotated(const Plan& plan) const = 0;
  /// Removes every annotation of this pass from `plan` (what the plan would be without it).
  virtual void remove(Plan& plan) const = 0;
};

struct PassInfo {
  std::string name;
  std::string description;
  std::function<std::unique_ptr<Pass>()> create;
};

/// Name -> {description, factory}, in the order passes run.
class PassRegistry : public NamedRegistry<PassInfo> {
 public:
  PassRegistry() : NamedRegistry("pass") {}
  const std::vector<PassInfo>& passes() const { return entries_; }
  /// The passes a command-line list names, in registry order: "all", "none" (no pass) or
  /// comma-separated names. Throws UsageError on an unknown name before any pass runs.
  std::vector<std::string> select(std::string_view list) const;
};

/// The registry of every built-in pass.
const PassRegistry& pass_registry();

/// Progress of optimize_plan(): the pass running, and its trials made so far and at most.
using PassProgress = std::function<void(std::string_view, std::size_t, std::size_t)>;

/// Runs `passes` (names, in the given order) on `plan`, appending one PassRecord per pass to
/// plan.passes, and returns the final plan's contention-aware prediction.
Prediction optimize_plan(const ExecutionModel& model, Plan& plan,
                         const std::vector<std::string>& passes, const PassObjective& objective,
                         const PassProgress& progress = {});

/// Factories of the built-in passes (src/passes/*.cpp).
std::unique_ptr<Pass> make_cluster_pass();
std::unique_ptr<Pass> make_delayio_pass();
std::unique_ptr<Pass> make_inline_dag_pass();
std::unique_ptr<Pass> make_preload_pass();
std::unique_ptr<Pass> make_prewarm_pass();
std::unique_ptr<Pass> make_taskdup_pass();
std::unique_ptr<Pass> make_stream_pass();

}  // namespace dagplan
