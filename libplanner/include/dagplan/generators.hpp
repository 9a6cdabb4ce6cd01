#pragma once
/// \file
/// Generators for the classic workflow shapes. Sizes and work are drawn from documented
/// distributions (docs/generators.md) with a seeded std::mt19937_64, so the same
/// (shape, tasks, seed) always gives the same workflow, byte for byte.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "dagplan/workflow.hpp"

namespace dagplan {

struct GeneratorOptions {
  std::size_t tasks = 100;         ///< requested number of tasks (shapes round as documented)
  std::uint64_t seed = 1;          ///< seed of the std::mt19937_64 engine
  double mean_work_s = 1.0;        ///< mean work per task, seconds on 1 reference vCPU; [0, 1e9]
  double mean_output_bytes = 1e6;  ///< mean output (and root input) bytes; [0, 1e15]
  double edges_per_task = 4.0;     ///< random layered only: mean in-degree; [0, 100]
};

/// Names of the shapes: chain, fanout-fanin, tree-reduction, gemm, map-reduce, montage-like,
/// random-layered.
std::span<const std::string_view> generator_shapes();

/// Generates a workflow of the given shape, validated like any other. Linear in tasks + edges
/// (10^6 random-layered tasks with 4 edges each: about 0.6 s). Throws UsageError for an unknown
/// shape (with a suggestion), fewer tasks than the shape's minimum (the message says it), more
/// than 10^9 tasks, or an option out of range.
Workflow generate_workflow(std::string_view shape, const GeneratorOptions& options);

}  // namespace dagplan
