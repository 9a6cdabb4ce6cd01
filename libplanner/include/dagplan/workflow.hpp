#pragma once
/// \file
/// The workflow model: a frozen DAG of tasks in compressed sparse row form. Tasks are dense
/// integer ids (TaskId) in the order they were added; the string ids users write are kept for
/// input and output only. Built once by WorkflowBuilder, validated, then immutable.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dagplan/large_vector.hpp"
#include "dagplan/string_table.hpp"

namespace dagplan {

/// Dense task index in [0, task_count()).
enum class TaskId : std::uint32_t {};
/// Dense function index in [0, function_count()).
enum class FunctionId : std::uint32_t {};

constexpr std::uint32_t index(TaskId t) {
  return static_cast<std::uint32_t>(t);
}
constexpr std::uint32_t index(FunctionId f) {
  return static_cast<std::uint32_t>(f);
}

/// How the real backend (dagrun) runs a task: the optional `kernel`, `command`, `args` and
/// `input_file` members of a workflow file (docs/formats.md). Planners, the predictor and the
/// simulator ignore it; a task without one runs the synthetic kernel.
struct TaskKernel {
  std::string kernel;     ///< a builtin kernel's name, or "command"
  std::string command;    ///< the shell command (kernel "command")
  std::string args_json;  ///< the `args` object as written ("" when none)
  std::string
      input_file;  ///< the literal input's file, as written (relative to the workflow's folder)
};

/// The kernel names a workflow may give (executor/ implements them): "synthetic", "command" and
/// the builtin ones.
std::span<const std::string_view> kernel_names();

/// An immutable DAG. Move-only (it can hold millions of tasks); code passes `const Workflow&`.
class Workflow {
 public:
  Workflow() = default;
  Workflow(Workflow&&) noexcept = default;
  Workflow& operator=(Workflow&&) noexcept = default;
  Workflow(const Workflow&) = delete;
  Workflow& operator=(const Workflow&) = delete;

  const std::string& name() const { return name_; }
  /// The file it was read from, as given to WorkflowBuilder::build() (for error messages).
  const std::string& file() const { return file_; }
  std::size_t task_count() const { return work_s_.size(); }
  std::size_t edge_count() const { return succ_.size(); }
  std::size_t function_count() const { return function_names_.size(); }

  /// The user's string id of a task.
  std::string_view id(TaskId t) const { return ids_[index(t)]; }
  FunctionId function(TaskId t) const { return function_[index(t)]; }
  std::string_view function_name(FunctionId f) const { return function_names_[index(f)]; }
  /// True when the file gave a work estimate; otherwise work_s() is 0 and the profile decides.
  bool has_work(TaskId t) const { return work_s_[index(t)] >= 0; }
  /// Reference execution time on 1 vCPU in seconds (0 when unknown).
  double work_s(TaskId t) const { return work_s_[index(t)] >= 0 ? work_s_[index(t)] : 0.0; }
  /// Bytes the task reads from outside the workflow (literal inputs).
  std::uint64_t input_bytes(TaskId t) const { return input_bytes_[index(t)]; }
  /// Bytes the task produces; every outgoing edge carries all of them.
  std::uint64_t output_bytes(TaskId t) const { return output_bytes_[index(t)]; }

  std::span<const TaskId> successors(TaskId t) const {
    return {succ_.data() + succ_off_[index(t)], succ_off_[index(t) + 1] - succ_off_[index(t)]};
  }
  std::span<const TaskId> predecessors(TaskId t) const {
    return {pred_.data() + pred_off_[index(t)], pred_off_[index(t) + 1] - pred_off_[index(t)]};
  }
  std::uint32_t in_degree(TaskId t) const { return pred_off_[index(t) + 1] - pred_off_[index(t)]; }
  std::uint32_t out_degree(TaskId t) const { return succ_off_[index(t) + 1] - succ_off_[index(t)]; }

  /// Tasks in a topological order (Kahn's algorithm, FIFO, roots in id order): deterministic.
  std::span<const TaskId> topological_order() const { return topo_; }
  /// Tasks with no predecessors, in id order.
  std::span<const TaskId> roots() const { return roots_; }
  /// Tasks with no successors, in id order.
  std::span<const TaskId> sinks() const { return sinks_; }

  /// Looks a task up by its string id in O(1) expected time.
  std::optional<TaskId> find(std::string_view id) const {
    auto i = ids_.find(id);
    return i ? std::optional<TaskId>(TaskId{*i}) : std::nullopt;
  }
  /// Looks a function up by name.
  std::optional<FunctionId> find_function(std::string_view name) const {
    auto i = function_names_.find(name);
    return i ? std::optional<FunctionId>(FunctionId{*i}) : std::nullopt;
  }

  /// How the real backend runs task `t`; nullptr for the synthetic kernel (no member given).
  const TaskKernel* kernel(TaskId t) const {
    if (kernels_.empty()) return nullptr;
    auto it = std::lower_bound(kernels_.begin(), kernels_.end(), index(t),
                               [](const auto& k, std::uint32_t i) { return k.first < i; });
    return it != kernels_.end() && it->first == index(t) ? &it->second : nullptr;
  }
  /// Whether any task has kernel members.
  bool has_kernels() const { return !kernels_.empty(); }

  /// Order-independent fingerprint of ids, edges and sizes (to tie a plan to its workflow).
  /// Computed once when the workflow is built.
  std::uint64_t fingerprint() const { return fingerprint_; }

  /// A hint, no effect on results: starts fetching into cache what a run reads of task `t` when
  /// it starts and ends (adjacency offsets, sizes, function). The run engine calls it when a
  /// task becomes ready: tasks start at scattered places of these arrays, and fetching them
  /// together overlaps what would otherwise be one cache miss after another.
  void prefetch(TaskId t) const {
    std::uint32_t i = index(t);
    __builtin_prefetch(&succ_off_[i]);
    __builtin_prefetch(&pred_off_[i]);
    __builtin_prefetch(&input_bytes_[i]);
    __builtin_prefetch(&output_bytes_[i]);
    __builtin_prefetch(&function_[i]);
  }

 private:
  friend class WorkflowBuilder;
  std::string name_;
  std::string file_;
  StringTable ids_;
  LargeVector<FunctionId> function_;
  StringTable function_names_;
  LargeVector<double> work_s_;
  LargeVector<std::uint64_t> input_bytes_;
  LargeVector<std::uint64_t> output_bytes_;
  LargeVector<std::uint32_t> succ_off_, pred_off_;
  LargeVector<TaskId> succ_, pred_;
  LargeVector<TaskId> topo_;
  std::vector<TaskId> roots_, sinks_;
  std::vector<std::pair<std::uint32_t, TaskKernel>>
      kernels_;  // by task, sorted; few tasks have one
  std::uint64_t fingerprint_ = 0;
};

/// Says where edge number `edge` (in the order add_edge was called) came from, as a JSON path.
using EdgeLocator = std::function<std::string(std::size_t edge)>;

/// Collects tasks and edges, then validates and freezes them into a Workflow.
/// Edges may name tasks that are added later (forward references).
class WorkflowBuilder {
 public:
  WorkflowBuilder() = default;

  void set_name(std::string name) { name_ = std::move(name); }
  void reserve(std::size_t tasks, std::size_t edges);

  /// True when a task with this id was added already.
  bool has_task(std::string_view id) const;
  /// Adds a task. `work_s` < 0 means "unknown, left to the profile"; otherwise at most
  /// limits::kMaxDurationS, and sizes at most limits::kMaxBytes. Throws InputError if the id is
  /// empty or taken (parsers check has_task() first to say where) or a value is out of range.
  TaskId add_task(std::string_view id, std::string_view function, double work_s,
                  std::uint64_t input_bytes, std::uint64_t output_bytes);
  /// Sets how the real backend runs task `t` (see TaskKernel); the reader checks the members.
  void set_kernel(TaskId t, TaskKernel kernel);
  /// Adds the edge from -> to by string ids; either may be added later. `from` is looked up in
  /// batches (its slot and text fetched ahead, see StringTable), so its errors surface in build().
  void add_edge(std::string_view from, std::string_view to);
  /// Says that a task with this id is about to be added (a reader calls it as soon as it has read
  /// the id): its place in the id table is fetched into the cache meanwhile.
  void expect_task(std::string_view id) const { names_.prefetch(StringTable::hash(id)); }
  /// Adds the edge from -> to between tasks already added.
  void add_edge(TaskId from, TaskId to);
  std::size_t task_count() const { return work_s_.size(); }

  /// Validates and freezes: every edge endpoint defined, no self-loop, no duplicate edge, no
  /// cycle (the error prints one: `a -> b -> c -> a`), at least one task, at most
  /// limits::kMaxEdges edges, at most limits::kMaxTotalBytes moved by a run. Errors are
  /// InputErrors naming `file` and, through `locate`, the edge's JSON path. O(V + E log d).
  Workflow build(const std::string& file = "<workflow>", const EdgeLocator& locate = {}) &&;

 private:
  std::uint32_t slot(std::string_view id);  // name slot for an id, created on first sight
  void resolve_pending();                   // the batch of edges' `from` ids, looked up

  // Edges whose `from` id is not looked up yet: its text (in pending_text_) and hash. Looked up
  // kPendingBatch at a time: their slots were prefetched when they were added, then their texts
  // are prefetched all together, so that the cache misses of the batch overlap.
  struct PendingEdge {
    std::size_t edge;
    std::uint64_t hash;
    std::uint32_t text_end;
  };
  static constexpr std::size_t kPendingBatch = 64;
  std::vector<PendingEdge> pending_;
  std::string pending_text_;

  std::string name_;
  StringTable names_;                     // every id seen, defined or only referenced
  std::vector<std::uint32_t> slot_task_;  // slot -> task index, or kUndefined
  std::vector<std::uint32_t> task_slot_;  // task -> slot
  LargeVector<FunctionId> function_;
  StringTable function_names_;
  LargeVector<double> work_s_;
  LargeVector<std::uint64_t> input_bytes_, output_bytes_;
  std::vector<std::uint32_t> edge_from_, edge_to_;  // name slots
  std::vector<std::pair<std::uint32_t, TaskKernel>> kernels_;
};

}  // namespace dagplan
