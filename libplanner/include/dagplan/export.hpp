#pragma once
/// \file
/// A workflow in other formats, for people and other tools: `dagplan export`.

#include <string>

#include "dagplan/workflow.hpp"

namespace dagplan {

/// The workflow as a Graphviz DOT digraph named after it ("workflow" when it has no name): one
/// box per task, in id order, labelled with its id, then its function and work
/// (human_seconds()); one edge per dependency, labelled with the producer's output bytes
/// (human_bytes()). Quotes and backslashes in names are escaped. O(V + E).
std::string workflow_dot(const Workflow& workflow);

}  // namespace dagplan
