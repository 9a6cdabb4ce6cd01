#pragma once
/// \file
/// Traces (`dagplan-trace/1`): what really happened in one run, from the real backend (dagrun),
/// the simulator (dagsim simulate --trace) or an imported public run. A trace embeds the
/// workflow, plan and platform it ran with (each in its own format, as nested objects), so that
/// `dagsim replay` and `dagsim calibrate` need nothing else. Times are integer microseconds since
/// the run's submission, all from one clock.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dagplan/attempt.hpp"
#include "dagplan/plan.hpp"
#include "dagplan/platform.hpp"
#include "dagplan/workflow.hpp"

namespace dagplan::sim {

/// One worker instance (a container or process that ran one logical worker or flexible chain).
struct TraceInstance {
  std::string worker;           ///< the plan's logical worker id; empty for a flexible instance
  std::string config;           ///< configuration name
  std::int64_t invoked_us = 0;  ///< invocation sent
  std::int64_t start_us = 0;    ///< start-up began
  std::int64_t ready_us = 0;    ///< start-up done, ready to run tasks
  std::int64_t exited_us = 0;
  bool warm = false;
  bool crashed = false;  ///< died (fault) instead of exiting
  std::string machine;   ///< the cluster machine it ran on (empty: none, or not recorded)
  /// Rule 12 at its start-up, as dagrun records it (members "dag_fetched_bytes", "dag_fetch_us",
  /// "dag_part_bytes"; absent from traces of other sources and older ones: then -1): the bytes of
  /// the run's documents it read from storage (0: none, it had its part in the invocation, or
  /// its process had them already), how long that took, and the bytes of the part of the DAG its
  /// invocation carried (Plan::worker_inline_dag; 0: none).
  std::int64_t dag_fetched_bytes = -1;
  std::int64_t dag_fetch_us = 0;
  std::int64_t dag_part_bytes = 0;
  /// Rule 12, code size (functions[].code_bytes of a profile), as dagrun records it (members
  /// "code_fetched_bytes", "code_fetch_us"; absent without code: then -1): the bytes of its
  /// configuration's code package fetched at start-up (a cold start; 0 for a warm one) and how
  /// long that took.
  std::int64_t code_fetched_bytes = -1;
  std::int64_t code_fetch_us = 0;
};

using dagplan::TraceAttempt;
using dagplan::TraceInput;

struct TraceTask {
  std::string id;
  std::uint64_t output_bytes = 0;
  std::uint32_t counter_updates = 0;
  std::vector<TraceAttempt> attempts;  ///< the last one succeeded, unless the run failed
};

/// An optimisation that fired (pre-warm, duplicate run, stream used) or anything else notable.
struct TraceEvent {
  std::string kind;
  std::int64_t time_us = 0;
  std::string task;  ///< may be empty
  std::string detail;
};

struct Trace {
  std::string source;      ///< "dagsim", "dagrun", "wfcommons"
  std::string created_by;  ///< tool and version, with the seed for simulations
  std::int64_t makespan_us = 0;
  double cost_usd = 0;  ///< as the source computed it (0 when unknown)
  /// The embedded documents, complete (as write_workflow, write_platform and write_plan give
  /// them); read_trace() gives them back ending in one newline, as those writers do.
  std::string workflow_json;  ///< the embedded dagplan-workflow/1 document
  std::string platform_json;  ///< the embedded dagplan-platform/1 document
  std::string plan_json;      ///< the embedded dagplan-plan/1 document
  std::vector<TraceInstance> instances;
  std::vector<TraceTask> tasks;  ///< in the workflow's task order (read_trace sorts them so)
  std::vector<TraceEvent> events;
  std::vector<std::string> errors;
};

/// Serialises as `dagplan-trace/1` (docs/formats.md): one instance and one task per line, the
/// embedded documents indented one level. Tasks are written in the order given. The three
/// embedded documents must not be empty. write_trace(read_trace(text)) == text for any text
/// write_trace produced.
std::string write_trace(const Trace& trace);
/// Reads a `dagplan-trace/1` document: checks that the embedded workflow, platform and plan read
/// (errors inside one name "FILE (embedded workflow)" and the path inside it) and that the rest
/// agrees with them: every workflow task exactly once (any order; stored in the workflow's order),
/// a task's `id` before its `attempts`, instance indices in range, instance workers in the plan
/// and configurations in the platform, inputs from predecessors (or literal), times ordered within
/// each instance, attempt and input, and each attempt within its instance's ready..exited span.
/// Throws InputError naming `file` and the JSON path. Reads the text three times (the lists need
/// the embedded documents, which may come after them); no DOM.
Trace read_trace(std::string_view text, const std::string& file);

/// Adds a `cluster` event per clustered task of `plan` (Plan::cluster, rule 11) that completed in
/// `trace`, at its end: how many of its flexible children ran on its instance and whether its
/// output went to storage - the clustering's effect as the run shows it, the same for the
/// simulator's and the real backend's traces. `trace.tasks` in the workflow's order.
void add_cluster_events(Trace& trace, const Workflow& workflow, const Plan& plan);

/// The `duplicate` event of a duplicate run (Plan::dup, rule 9), at its end: task `task`'s slot
/// on instance `instance` ran its producer (plan.duplicate(task)) from `start_us` to `end_us`,
/// and used that output itself. The same for the simulator's and the real backend's traces.
TraceEvent duplicate_event(const Workflow& workflow, const Plan& plan, std::uint32_t task,
                           std::uint32_t instance, std::int64_t start_us, std::int64_t end_us);

/// The `stream` event of a streamed output (Plan::stream, rule 10), at the end of the
/// producer's execution: `producer`'s output went by stream to `consumer`'s worker's instance
/// `instance` from `start_us` to `end_us`, and was not stored for it. The same for the
/// simulator's and the real backend's traces.
TraceEvent stream_event(const Workflow& workflow, const Plan& plan, std::uint32_t producer,
                        std::uint32_t consumer, std::uint32_t instance, std::int64_t start_us,
                        std::int64_t end_us);

/// The `delayed_io` event of a delayed upload (Plan::delay_io, rule 11), at the end of its wait:
/// task `task` on instance `instance` held its output `waited_us` after its execution ended
/// (`exec_end_us`) watching its fan-in child's counter; `avoided`: the child's other inputs came
/// first, so it ran the child itself and never uploaded, else it uploaded after the wait. The
/// same for the simulator's and the real backend's traces.
TraceEvent delayed_io_event(const Workflow& workflow, const Plan& plan, std::uint32_t task,
                            std::uint32_t instance, std::int64_t exec_end_us,
                            std::int64_t waited_us, bool avoided);

}  // namespace dagplan::sim
