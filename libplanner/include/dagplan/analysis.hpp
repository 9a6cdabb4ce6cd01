#pragma once
/// \file
/// Structural facts about a workflow (what `dagplan show` prints) and about a plan.

#include <cstdint>
#include <string>
#include <vector>

#include "dagplan/plan.hpp"
#include "dagplan/workflow.hpp"

namespace dagplan {

struct FunctionCount {
  std::string name;
  std::size_t tasks = 0;
  double work_s = 0;
};

struct WorkflowSummary {
  std::size_t tasks = 0;
  std::size_t edges = 0;
  std::size_t roots = 0;
  std::size_t sinks = 0;
  std::size_t depth = 0;      ///< tasks on the longest path by count (levels)
  std::size_t max_width = 0;  ///< most tasks on one level (level = longest path from a root)
  double total_work_s = 0;
  std::uint64_t total_input_bytes = 0;
  std::uint64_t total_output_bytes = 0;
  std::uint64_t edge_bytes = 0;  ///< sum over edges of the producer's output bytes
  double critical_path_work_s = 0;
  std::vector<TaskId> critical_path;     ///< by work; ties broken by lower id
  std::vector<FunctionCount> functions;  ///< by task count, descending; ties by name
};

/// Computes the summary in O(V + E). The critical path uses Boost.Graph's DAG longest path.
WorkflowSummary summarize(const Workflow& workflow);

/// Tasks per level, where a task's level is the length (in edges) of the longest path from a
/// root to it. O(V + E).
std::vector<std::size_t> level_widths(const Workflow& workflow);

/// The most tasks on one level (level_widths()' largest); 1 for an empty workflow. O(V + E).
std::uint32_t widest_level(const Workflow& workflow);

/// Longest path by work through the DAG, seconds on 1 reference vCPU.
double critical_path_work_s(const Workflow& workflow);

/// Tasks the plan assigns to a logical worker (the others are flexible). O(V).
std::size_t strict_task_count(const Plan& plan);

}  // namespace dagplan
