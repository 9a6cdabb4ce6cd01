#pragma once
// Rule 12 in the real backend (Plan::worker_inline_dag, decision 0025): a strict worker's part of
// the workflow travels in its invocation, and the worker runs from it without reading the run's
// documents from Redis. The part is dag_part() (model.hpp), the one definition the model counts
// with dag_part_bytes(): the worker's tasks (id, function, sizes, work, kernel, dependencies) and
// its others (each direct input or output of theirs made or read elsewhere: id, sizes, in-degree,
// links; and the second hops task-dup and delayed I/O read, decision 0034). With it go the plan's
// facts about those tasks the run rules read (worker, configuration, pre-load, clustering,
// streamed edges, duplicates and delayed I/O along the part's edges, the worker's order, and two
// facts about the whole workflow: each task's upload rule and counter target, run_rules.hpp), so
// that the worker takes the same decisions as one with the whole DAG.
//
// The worker sees the part as a small workflow: the part's tasks first, then its others, renumbered
// from 0; every Redis key and every event still names tasks by their index in the whole workflow
// (`global`): the keys are shared with workers that read the whole DAG.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "dagplan/plan.hpp"
#include "dagplan/platform.hpp"
#include "dagplan/workflow.hpp"

namespace dagplan::exec {

/// The part of strict worker `k`, whose tasks are `mine` (by id), as its invocations carry it (a
/// JSON object). dagrun lists every worker's tasks once (one pass over the plan) rather than per
/// worker.
nlohmann::json write_part(const Workflow& workflow, const Plan& plan, std::uint32_t k,
                          std::span<const TaskId> mine);
/// The same, listing worker `k`'s tasks from the plan (O(V)).
nlohmann::json write_part(const Workflow& workflow, const Plan& plan, std::uint32_t k);

/// A part as the worker runs from it.
struct ShippedPart {
  Workflow workflow;                  ///< the part's tasks, then its others
  std::uint32_t tasks = 0;            ///< how many of them are the worker's
  std::vector<std::uint32_t> global;  ///< per task of `workflow`: its index in the whole workflow
  Plan plan;                          ///< over `workflow`, with every worker of the whole plan
  std::vector<std::uint32_t> upload_rule, counter_target;  ///< per task of `workflow`
};

/// Reads what write_part() wrote. Throws Error naming what is wrong.
ShippedPart read_part(const nlohmann::json& json, const Platform& platform);

}  // namespace dagplan::exec
