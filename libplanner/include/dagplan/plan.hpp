#pragma once
/// \file
/// A plan: for every task a logical worker (or none: a flexible, WUKONG-style worker) and a
/// resource configuration, optional annotations, the planner's name, parameters and
/// assumptions, and its predictions. A worker id always comes with one configuration.

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "dagplan/platform.hpp"
#include "dagplan/workflow.hpp"

namespace dagplan {

/// Task's worker index meaning "flexible: no fixed worker".
inline constexpr std::uint32_t kFlexible = std::numeric_limits<std::uint32_t>::max();

struct Plan {
  // Provenance.
  std::string planner;                     ///< registry name of the planner that made it
  std::string planner_params_json = "{}";  ///< its parameters, as a JSON object
  std::vector<std::string> assumptions;    ///< what it assumed for lack of data
  std::string workflow_file;               ///< as given to the planner (relative to the plan file)
  std::string workflow_name;
  std::uint64_t workflow_fingerprint = 0;
  std::string platform_file;  ///< empty: the bundled default platform
  std::string platform_name;

  // Assignment.
  std::vector<std::string> worker_names;   ///< logical worker ids, by worker index
  std::vector<ConfigId> worker_config;     ///< one configuration per worker
  LargeVector<std::uint32_t> task_worker;  ///< per task: worker index or kFlexible
  LargeVector<ConfigId> task_config;       ///< per task: its worker's configuration (or its own)

  // Annotations (optimisation passes).
  LargeVector<std::uint8_t> preload;  ///< per task: download inputs as soon as they exist

  /// The planner's predictions as a JSON object, written by the predictor; kept verbatim.
  std::string predictions_json;

  std::size_t worker_count() const { return worker_names.size(); }
  bool flexible(TaskId t) const { return task_worker[index(t)] == kFlexible; }
};

/// A plan with every task flexible on configuration `config` (the starting point of planners).
Plan make_flexible_plan(const Workflow& workflow, ConfigId config);

/// Checks the plan against its workflow and platform: sizes match, every worker has a valid
/// configuration and every task of a worker uses it. Throws Error naming what is wrong.
void check_plan(const Plan& plan, const Workflow& workflow, const Platform& platform);

/// Reads a `dagplan-plan/1` document, resolving task ids and configuration names against
/// `workflow` and `platform`. Every task must appear exactly once. Throws InputError naming
/// `file` and the JSON path.
Plan read_plan(std::string_view text, const std::string& file, const Workflow& workflow,
               const Platform& platform);

/// Where a plan says its workflow and platform are (paths as written in the plan).
struct PlanReferences {
  std::string workflow_file;
  std::string platform_file;  ///< empty: the built-in platform `platform_name`
  std::string platform_name;
  std::uint64_t workflow_fingerprint = 0;
};
/// Reads only the `workflow` and `platform` references of a plan document.
PlanReferences read_plan_references(std::string_view text, const std::string& file);

/// Serialises as `dagplan-plan/1`. Workers in index order, tasks in id order.
std::string write_plan(const Plan& plan, const Workflow& workflow, const Platform& platform);

}  // namespace dagplan
