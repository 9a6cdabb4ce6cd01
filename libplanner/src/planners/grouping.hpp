#pragma once
/// \file
/// The task grouping of the `uniform` planner, shared with `non-uniform` (private to the
/// library). The rules and their reasons are in grouping.cpp.

#include <cstdint>
#include <span>
#include <vector>

#include "dagplan/model.hpp"
#include "dagplan/plan.hpp"

namespace dagplan::planners {

/// A partition of the tasks into strict workers. Workers are numbered in the order the walk
/// creates them, so the grouping is deterministic.
struct Grouping {
  std::vector<std::uint32_t> task_worker;  ///< per task: its worker index
  std::uint32_t worker_count = 0;
  /// How many fan-outs were split (for the planner's parameters).
  std::uint64_t fan_outs = 0;
  /// How many fan-ins were placed (by input bytes, or on a fresh worker).
  std::uint64_t fan_ins = 0;
  /// How many of them went to a fresh worker because the one with the most bytes was busy.
  std::uint64_t fan_ins_fresh = 0;
};

/// The most short children a producer keeps on its own worker.
inline constexpr std::size_t kKeptOnProducer = 3;
/// The most short children that join one long child on a new worker.
inline constexpr std::size_t kShortPerLong = 2;

/// Groups the tasks of `model`'s workflow into strict workers, judging execution times and
/// transfers on configuration `config`. O((V + E) log d) for out-degree d; no allocation per
/// task beyond the result.
Grouping group_tasks(const ExecutionModel& model, ConfigId config);

/// A plan with the tasks of `grouping` on workers named "w0", "w1", ..., worker k on
/// `worker_config[k]`. Provenance is left to stamp_plan().
Plan make_grouped_plan(const Workflow& workflow, const Grouping& grouping,
                       std::span<const ConfigId> worker_config);

}  // namespace dagplan::planners
