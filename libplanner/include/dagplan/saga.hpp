#pragma once
/// \file
/// Importer for the task graphs of SAGA (github ANRGUSC/saga), the Python library of classic
/// list schedulers (HEFT, CPoP, ...), so that dagplan's planners can be compared with its
/// results on identical work (docs/planners.md, `dagbench` "against SAGA").
///
/// The file: `{"tasks": [{"id", "work", "deps", "output_bytes"}], "nodes": N, "speeds": [...],
/// "bandwidth": B}` (other members, such as "meta", are ignored). Its model is the textbook one:
/// N machines of one core, a task runs work / speed, an edge between two machines costs
/// output_bytes / B seconds and nothing on one machine, transfers occupy no machine and never
/// contend, and there is no latency or start-up. The importer gives a workflow (function
/// "task", work_s = work, output_bytes) and the cluster platform that states that model: one
/// configuration per machine ("node-<i>", 1 core, count 1, speed), `"transfers": "direct"`,
/// `"links": "independent"`, every latency and overhead 0.

#include <string>
#include <string_view>

#include "dagplan/platform.hpp"
#include "dagplan/workflow.hpp"

namespace dagplan {

struct SagaInstance {
  Workflow workflow;
  Platform platform;
};

/// Reads a SAGA task graph. Task ids may be numbers or strings. The workflow is named after
/// `name`. Throws InputError naming `file` and the JSON path.
SagaInstance read_saga(std::string_view text, const std::string& file, const std::string& name);

}  // namespace dagplan
