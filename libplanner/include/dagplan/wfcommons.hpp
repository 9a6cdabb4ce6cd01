#pragma once
/// \file
/// Importer for WfCommons instances (WfFormat 1.4 and 1.5): real, independently recorded
/// workflow executions. An instance is both a workflow and a (coarse) trace: per-task runtimes,
/// the machines they ran on, and the recorded makespan; no per-task start times.
///
/// Mapping (see docs/formats.md); the 1.4 and 1.5 copies of one run give identical workflows:
/// - task id = 1.5 `id`; 1.4 `name` (1.4 `parents`/`children` name tasks by it, and it equals
///   the 1.5 id; 1.4's own `id`, "ID0000001", is ignored). Tasks keep the file's order.
/// - function = the task's `category` when present (1.4), else its id without a trailing
///   `_ID<digits>` or `_<digits>`, and for Pegasus job names that repeat the transformation
///   (`fast2bfq_fast2bfq_<args>_ID0000002`, Epigenomics) the transformation alone. This gives
///   one function per program: `individuals`, `mProject`, `blastall`, `sG1IterDecon`,
///   `fast2bfq`, `cpuhog_forkjoin`, `NFCORE_RNASEQ.RNASEQ.ALIGN_STAR.STAR_ALIGN`, ...
/// - work_s = runtimeInSeconds (0 allowed); unknown (Workflow::has_work() false) when the file
///   records no runtime for the task.
/// - output_bytes = sum of the task's output files; input_bytes = sum of its input files that no
///   task produces (literal inputs). A file listed twice by one task counts once.
/// - edges = union of `parents` and `children`: a pair listed on both sides, or twice, is one
///   edge.
/// Unknown members are ignored (WfCommons files carry many).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dagplan/workflow.hpp"

namespace dagplan {

/// One entry of the instance's machines list (`workflow.execution.machines`, 1.4:
/// `workflow.machines`).
struct WfCommonsMachine {
  /// `nodeName`; empty when the file does not say.
  std::string name;
  /// `cpu.coreCount` (1.4: `cpu.count`); 0 when the file does not say.
  std::uint32_t cores = 0;
  /// `cpu.speedInMHz` (1.4: `cpu.speed`); 0 when the file does not say.
  double speed_mhz = 0;
  /// `memoryInBytes`; 0 when the file does not say.
  std::uint64_t memory_bytes = 0;
};

/// A WfCommons instance: the workflow plus what the file recorded about its execution.
struct WfCommonsInstance {
  Workflow workflow;
  std::string schema_version;  ///< "1.4" or "1.5"
  std::string application;     ///< the instance's `name`
  double makespan_s = 0;       ///< recorded makespan; 0 when the file does not say
  /// When the run started, as the file writes it (`workflow.execution.executedAt`, 1.4:
  /// `workflow.executedAt`); empty when absent or not a string.
  std::string executed_at;
  std::vector<WfCommonsMachine> machines;
  /// Per task (by TaskId): recorded runtime in seconds (0 when not recorded; see
  /// Workflow::has_work()), cores used (`coreCount`, 1.4 `cores`; 0 = unknown), and the index
  /// into `machines` it ran on (the first of a 1.5 task's `machines`; -1 = unknown).
  std::vector<double> runtime_s;
  std::vector<double> cores;
  std::vector<std::int32_t> machine;
  /// Per task: the bytes it read plus the bytes it wrote, as measured during the run (1.5
  /// `readBytes` + `writtenBytes`), or -1 when the file records neither.
  std::vector<double> io_bytes;
  /// Per task: its share of the files it reads or writes, each file's size divided by the
  /// number of tasks that read or write it, so that every file of the run counts once (a shared
  /// input read by 400 tasks is not 400 transfers).
  std::vector<double> file_share_bytes;
};

/// Reads a WfCommons instance (schemaVersion "1.4" or "1.5") in one pass, linear in its size.
/// Throws InputError naming `file`, the JSON path and what was expected: malformed JSON, a value
/// of the wrong type or sign, a missing member (schemaVersion, workflow, tasks, ids, file sizes),
/// another schemaVersion, a layout that does not match it, a duplicate id, a parent, child, file
/// or machine that does not resolve (at the entry that names it), a self-loop or a cycle.
WfCommonsInstance read_wfcommons(std::string_view text, const std::string& file);

}  // namespace dagplan
