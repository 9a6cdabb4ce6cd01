#pragma once
/// \file
/// The visual report (issue 15): a plan's predicted timeline and the actual ones of its traces,
/// side by side on one time axis, as one self-contained HTML file (`dagplan report`), and the
/// same timelines in the Chrome trace-event format for Perfetto (`dagplan report --format
/// chrome`). This library only arranges what the run engine and the traces recorded: it reads
/// times, never computes a duration (the prediction is libplanner's event run, recorded as a
/// trace by the simulator with noise and faults off).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dagplan/compare.hpp"
#include "dagplan/model.hpp"
#include "dagplan/plan.hpp"
#include "dagplan/sim/trace.hpp"

namespace dagplan::report {

/// The DAG is drawn (layered, workers as colours) up to this many tasks.
inline constexpr std::size_t kDagMaxTasks = 500;

/// One timeline given to the report: the plan's prediction or a trace (real or simulated).
struct TimelineInput {
  std::string label;  ///< what the report calls it (e.g. "predicted (heft)", a trace's file)
  bool predicted = false;
  sim::Trace trace;
};

/// The prediction of `plan` as a trace: libplanner's event run with noise and faults off (what
/// predict() gives, to the microsecond), every attempt recorded, with its pre-warm and cluster
/// events. Throws Error when the plan cannot complete.
sim::Trace predicted_trace(const ExecutionModel& model, const Plan& plan);

/// The phases the summary sets side by side, as summed over every task's last attempt (and, for
/// start-up, over every instance).
enum Phase : std::uint8_t { kStartup, kDownload, kExec, kUpload, kNotify, kPhaseCount };

/// One timeline with what the report derives from its trace.
struct TimelineData {
  std::string label;
  bool predicted = false;
  sim::Trace trace;
  /// Per attempt, in the order tasks[t].attempts[a] for t, then a: the lane (0..) of its
  /// instance's row in which it is drawn; attempts that overlap in time on one instance (slots
  /// > 1) get different lanes. Lanes are given greedily by start time, ties by task index.
  std::vector<std::uint32_t> attempt_lane;
  std::vector<std::uint32_t> instance_lanes;  ///< per instance: lanes in its row (>= 1)
  /// The chain of tasks that set the makespan, first to last: the task that finished last
  /// (ties: lowest index), then repeatedly the predecessor whose last attempt finished last.
  std::vector<std::uint32_t> chain;
  /// What the report marks on the timeline: the trace's events, and, when it records no
  /// `stream` event of its own, one per streamed input of a task's last attempt (at the input's
  /// arrival, "from P, N bytes"), in time order (ties: as recorded).
  std::vector<sim::TraceEvent> marks;
  std::uint32_t cold_starts = 0, warm_starts = 0;
  std::uint64_t bytes_from_storage = 0;  ///< downloaded, streamed and literal inputs
  std::uint64_t bytes_to_storage = 0;    ///< uploaded outputs
  std::uint64_t bytes_direct = 0;        ///< point to point (clusters)
  std::int64_t phase_us[kPhaseCount] = {};
};

/// Everything the report shows, by task index of the workflow.
struct ReportData {
  std::string title;
  std::string workflow_name, platform_name, planner;
  std::vector<std::string> task_ids;
  std::vector<std::string> functions;        ///< names, by function index
  std::vector<std::uint32_t> task_function;  ///< per task
  std::vector<std::string> workers;          ///< the plan's worker names
  std::vector<std::int64_t> task_worker;     ///< per task: plan worker index, -1 flexible
  std::vector<std::string> configs;          ///< configuration names
  std::vector<std::uint32_t> task_config;    ///< per task
  std::vector<std::uint64_t> input_bytes, output_bytes;  ///< per task
  std::vector<double> work_s;                            ///< per task, reference seconds
  std::vector<std::uint32_t> pred_begin, preds;          ///< predecessors, CSR
  /// DAG layout when the workflow has at most kDagMaxTasks tasks (else empty): per task its
  /// layer (longest path from a root) and its place in the layer (barycentre order).
  std::vector<std::uint32_t> dag_layer, dag_place;
  LowerBounds bounds;
  std::vector<TimelineData> timelines;
  std::optional<CompareTable> compare;
};

/// Builds the report's data: with `with_prediction`, the plan's prediction (predicted_trace())
/// first, labelled "predicted (<planner>)", then `timelines` in their order. Every trace must be
/// of the model's workflow (same task ids, in order); one that is not is an InputError naming
/// its label. O(V + E + attempts x log).
ReportData build_report(const ExecutionModel& model, const Plan& plan,
                        std::vector<TimelineInput> timelines,
                        std::optional<CompareTable> compare = std::nullopt,
                        bool with_prediction = true);

/// The data as the JSON document the page reads (compact, columnar; "<" escaped so that it can
/// sit inside a script element).
std::string report_json(const ReportData& data);

/// The self-contained HTML page: the embedded template (report/template/) with the data
/// inside. No network access, no fetched script or font.
std::string report_html(const ReportData& data);

/// The timelines in the Chrome trace-event format (JSON object form): one process per
/// timeline, one thread per instance lane, a slice per attempt with its phases nested, instant
/// events for the passes' events. Times in microseconds as recorded.
std::string chrome_trace(const ReportData& data);

}  // namespace dagplan::report
