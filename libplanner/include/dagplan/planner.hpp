#pragma once
/// \file
/// Planners: each turns a workflow (through its ExecutionModel) into a Plan. One registry holds
/// them by name; `dagplan plan --list-planners` prints it. Filled explicitly in planner.cpp
/// (self-registering statics vanish from static libraries).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dagplan/model.hpp"
#include "dagplan/plan.hpp"
#include "dagplan/registry.hpp"

namespace dagplan {

struct PlannerOptions {
  /// Force one configuration (planners that use one); empty: the planner chooses.
  std::optional<ConfigId> config;
  /// Seed for any random choice (none of the built-in planners draws at random today).
  std::uint64_t seed = 1;
  /// For planners that trade makespan against cost (`pareto`): the cheapest plan that ends
  /// within the deadline, or the fastest that costs at most the budget.
  std::optional<double> deadline_s;
  std::optional<double> budget_usd;
};

/// A planning algorithm. Implementations are stateless and deterministic: the same model and
/// options give the same plan, byte for byte.
class Planner {
 public:
  virtual ~Planner() = default;
  /// The registry name, e.g. "heft".
  virtual std::string_view name() const = 0;
  /// Produces a plan whose assignment passes check_plan(). Fills planner, planner_params_json and
  /// assumptions; predictions are left to the caller (predict()).
  virtual Plan plan(const ExecutionModel& model, const PlannerOptions& options) const = 0;
};

struct PlannerInfo {
  std::string name;
  std::string description;
  std::function<std::unique_ptr<Planner>()> create;
};

/// Name -> {description, factory}. Ordered as registered.
class PlannerRegistry : public NamedRegistry<PlannerInfo> {
 public:
  PlannerRegistry() : NamedRegistry("planner") {}
  const std::vector<PlannerInfo>& planners() const { return entries_; }
  /// The planners a command-line list names: "all" (every one in registry order but `pareto`,
  /// which plans with all the others: name it to have it) or
  /// comma-separated names (empty items skipped). Throws UsageError on an unknown name, with a
  /// suggestion, before any planner runs.
  std::vector<std::string> select(std::string_view list) const;
};

/// The registry of every built-in planner.
const PlannerRegistry& planner_registry();

/// The planner `dagplan plan` uses when none is named.
std::string_view default_planner_name();

/// Fills what every planner records: name, parameters, workflow provenance and the model's
/// assumptions (functions without profiles, tasks without work estimates).
void stamp_plan(Plan& plan, const ExecutionModel& model, std::string_view planner,
                std::string params_json);

/// Plans and predicts in one call; `seconds` receives the planning time (not prediction).
struct PlanResult {
  Plan plan;
  double planning_seconds = 0;
};
PlanResult run_planner(const Planner& planner, const ExecutionModel& model,
                       const PlannerOptions& options);

// Factories of the built-in planners (src/planners/*.cpp).
std::unique_ptr<Planner> make_wukong_planner();
std::unique_ptr<Planner> make_uniform_planner();
std::unique_ptr<Planner> make_non_uniform_planner();
std::unique_ptr<Planner> make_heft_planner();
std::unique_ptr<Planner> make_dask_planner();
/// The joint makespan/cost planner (pareto.hpp): pareto_search() with the options' deadline and
/// budget; throws Error saying by how much the best plan misses when nothing meets them.
std::unique_ptr<Planner> make_pareto_planner();

}  // namespace dagplan
