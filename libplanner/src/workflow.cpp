#include "dagplan/workflow.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "dagplan/error.hpp"
#include "dagplan/limits.hpp"
#include "dagplan/suggest.hpp"

namespace dagplan {
namespace {
constexpr std::uint32_t kUndefined = std::numeric_limits<std::uint32_t>::max();

std::uint64_t mix(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

std::uint64_t hash_text(std::string_view s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return mix(h);
}
}  // namespace

void WorkflowBuilder::reserve(std::size_t tasks, std::size_t edges) {
  names_.reserve(tasks, tasks * 12);
  slot_task_.reserve(tasks);
  task_slot_.reserve(tasks);
  function_.reserve(tasks);
  work_s_.reserve(tasks);
  input_bytes_.reserve(tasks);
  output_bytes_.reserve(tasks);
  edge_from_.reserve(edges);
  edge_to_.reserve(edges);
}

std::uint32_t WorkflowBuilder::slot(std::string_view id) {
  std::uint32_t s = names_.intern(id);
  if (s == slot_task_.size()) slot_task_.push_back(kUndefined);
  return s;
}

bool WorkflowBuilder::has_task(std::string_view id) const {
  auto s = names_.find(id);
  return s && slot_task_[*s] != kUndefined;
}

TaskId WorkflowBuilder::add_task(std::string_view id, std::string_view function, double work_s,
                                 std::uint64_t input_bytes, std::uint64_t output_bytes) {
  if (id.empty()) throw InputError("", "", "task id must not be empty");
  if (work_s_.size() >= kUndefined - 1) throw InputError("", "", "too many tasks (at most 2^32-2)");
  // Readers check these where the values are written; this catches workflows built in code.
  if (!(work_s <= limits::kMaxDurationS))
    throw InputError("", "",
                     fmt::format("task '{}': expected work_s of at most {:g} s, got {}", id,
                                 limits::kMaxDurationS, work_s));
  if (input_bytes > limits::kMaxBytes || output_bytes > limits::kMaxBytes)
    throw InputError("", "",
                     fmt::format("task '{}': expected sizes of at most {} bytes, got {} and {}", id,
                                 limits::kMaxBytes, input_bytes, output_bytes));
  std::uint32_t s = slot(id);
  if (slot_task_[s] != kUndefined)
    throw InputError("", "", fmt::format("duplicate task id '{}'", id));
  auto t = static_cast<std::uint32_t>(work_s_.size());
  slot_task_[s] = t;
  task_slot_.push_back(s);
  function_.push_back(FunctionId{function_names_.intern(function.empty() ? id : function)});
  work_s_.push_back(work_s);
  input_bytes_.push_back(input_bytes);
  output_bytes_.push_back(output_bytes);
  return TaskId{t};
}

std::span<const std::string_view> kernel_names() {
  static constexpr std::string_view kNames[] = {
      "synthetic", "command", "matrix",        "matmul",
      "add",       "sum",     "wordcount_map", "wordcount_reduce"};
  return kNames;
}

void WorkflowBuilder::set_kernel(TaskId t, TaskKernel kernel) {
  if (!kernels_.empty() && kernels_.back().first >= index(t)) {
    auto it = std::lower_bound(kernels_.begin(), kernels_.end(), index(t),
                               [](const auto& k, std::uint32_t i) { return k.first < i; });
    if (it != kernels_.end() && it->first == index(t)) {
      it->second = std::move(kernel);
      return;
    }
    kernels_.insert(it, {index(t), std::move(kernel)});
    return;
  }
  kernels_.emplace_back(index(t), std::move(kernel));
}

void WorkflowBuilder::add_edge(std::string_view from, std::string_view to) {
  // Readers add a task, then its dependencies: `to` is then the task just added, found with one
  // comparison instead of a hash lookup (about 7% of the parse of 10^6 tasks).
  std::uint32_t t =
      !task_slot_.empty() && names_[task_slot_.back()] == to ? task_slot_.back() : slot(to);
  // `from` is a task anywhere in the file: at 10^6 tasks its slot and its text are two cache
  // misses. Its slot is fetched now, and it is looked up with the rest of its batch.
  const std::uint64_t h = StringTable::hash(from);
  names_.prefetch(h);
  pending_text_.append(from);
  pending_.push_back({edge_from_.size(), h, static_cast<std::uint32_t>(pending_text_.size())});
  edge_from_.push_back(0);
  edge_to_.push_back(t);
  if (pending_.size() == kPendingBatch || pending_text_.size() > (1u << 20)) resolve_pending();
}

void WorkflowBuilder::resolve_pending() {
  for (const PendingEdge& p : pending_) names_.prefetch_text(p.hash);
  std::uint32_t begin = 0;
  for (const PendingEdge& p : pending_) {
    const std::string_view from = std::string_view(pending_text_).substr(begin, p.text_end - begin);
    std::uint32_t s = names_.intern(from, p.hash);
    if (s == slot_task_.size()) slot_task_.push_back(kUndefined);
    edge_from_[p.edge] = s;
    begin = p.text_end;
  }
  pending_.clear();
  pending_text_.clear();
}

void WorkflowBuilder::add_edge(TaskId from, TaskId to) {
  edge_from_.push_back(task_slot_[index(from)]);
  edge_to_.push_back(task_slot_[index(to)]);
}

Workflow WorkflowBuilder::build(const std::string& file, const EdgeLocator& locate) && {
  resolve_pending();
  auto where = [&](std::size_t e) {
    return locate
               ? locate(e)
               : fmt::format("edge {} ({} -> {})", e, names_[edge_from_[e]], names_[edge_to_[e]]);
  };
  const std::size_t n = work_s_.size();
  if (n == 0)
    throw InputError(file, locate ? "$.tasks" : "",
                     "expected at least one task, got an empty workflow");
  const std::size_t m = edge_from_.size();
  if (m > limits::kMaxEdges)
    throw InputError(file, locate ? "$.tasks" : "",
                     fmt::format("expected at most {} edges, got {}", limits::kMaxEdges, m));

  Workflow w;
  w.name_ = std::move(name_);
  w.file_ = file;
  w.kernels_ = std::move(kernels_);
  // Resolve edge endpoints from name slots to task ids, in place (edge e's slots are read, for
  // its messages, before they are overwritten): no second pair of arrays of fresh memory.
  for (std::size_t e = 0; e < m; ++e) {
    std::uint32_t ends[2];
    for (int side = 0; side < 2; ++side) {
      std::uint32_t s = side == 0 ? edge_from_[e] : edge_to_[e];
      ends[side] = slot_task_[s];
      if (ends[side] == kUndefined)
        throw InputError(
            file, where(e),
            fmt::format("expected the id of a task in this workflow, got unknown task '{}'",
                        names_[s]));
    }
    if (ends[0] == ends[1])
      throw InputError(
          file, where(e),
          fmt::format("self-loop: task '{}' depends on itself", names_[edge_from_[e]]));
    edge_from_[e] = ends[0];
    edge_to_[e] = ends[1];
  }
  const std::vector<std::uint32_t> from = std::move(edge_from_), to = std::move(edge_to_);
  edge_from_ = {};
  edge_to_ = {};

  // Task ids in task order. When every id was defined before it was referenced, the name table
  // is already in task order and is moved; otherwise it is rebuilt.
  bool in_order = names_.size() == n;
  for (std::size_t t = 0; in_order && t < n; ++t) in_order = task_slot_[t] == t;
  if (in_order) {
    w.ids_ = std::move(names_);
  } else {
    w.ids_.reserve(n, n * 12);
    for (std::size_t t = 0; t < n; ++t) w.ids_.intern(names_[task_slot_[t]]);
  }
  w.function_ = std::move(function_);
  w.function_names_ = std::move(function_names_);
  w.work_s_ = std::move(work_s_);
  w.input_bytes_ = std::move(input_bytes_);
  w.output_bytes_ = std::move(output_bytes_);

  // CSR for predecessors, with each edge's ordinal to report duplicates where they are.
  LargeVector<std::uint32_t> pred_off(n + 1, 0), succ_off(n + 1, 0);
  for (std::size_t e = 0; e < m; ++e) {
    ++pred_off[to[e] + 1];
    ++succ_off[from[e] + 1];
  }
  for (std::size_t i = 0; i < n; ++i) {
    pred_off[i + 1] += pred_off[i];
    succ_off[i + 1] += succ_off[i];
  }
  // Each task's predecessors in edge order, then sorted in place. A duplicate is reported at its
  // second edge, found again by a scan of the edges (an error path only): no array of (task,
  // ordinal) pairs, 8 bytes an edge of fresh memory, for it.
  w.pred_.resize(m);
  {
    std::vector<std::uint32_t> fill(pred_off.begin(), pred_off.end() - 1);
    for (std::size_t e = 0; e < m; ++e) w.pred_[fill[to[e]]++] = TaskId{from[e]};
  }
  for (std::uint32_t t = 0; t < n; ++t) {
    auto b = w.pred_.begin() + pred_off[t], en = w.pred_.begin() + pred_off[t + 1];
    std::sort(b, en, [](TaskId x, TaskId y) { return index(x) < index(y); });
    auto dup = std::adjacent_find(b, en);
    if (dup == en) continue;
    std::size_t second = 0;
    for (std::size_t e = 0, seen = 0; e < m && seen < 2; ++e)
      if (to[e] == t && from[e] == index(*dup) && ++seen == 2) second = e;
    throw InputError(file, where(second),
                     fmt::format("duplicate edge {} -> {}", w.id(*dup), w.id(TaskId{t})));
  }
  // Successors in id order: walking consumers in id order appends in that order.
  w.succ_.resize(m);
  {
    std::vector<std::uint32_t> fill(succ_off.begin(), succ_off.end() - 1);
    for (std::uint32_t t = 0; t < n; ++t)
      for (std::uint32_t k = pred_off[t]; k < pred_off[t + 1]; ++k)
        w.succ_[fill[index(w.pred_[k])]++] = TaskId{t};
  }
  w.pred_off_ = std::move(pred_off);
  w.succ_off_ = std::move(succ_off);

  // Kahn's algorithm, FIFO, roots in id order.
  std::vector<std::uint32_t> missing(n);
  w.topo_.reserve(n);
  for (std::uint32_t t = 0; t < n; ++t) {
    missing[t] = w.in_degree(TaskId{t});
    if (missing[t] == 0) {
      w.topo_.push_back(TaskId{t});
      w.roots_.push_back(TaskId{t});
    }
    if (w.out_degree(TaskId{t}) == 0) w.sinks_.push_back(TaskId{t});
  }
  for (std::size_t head = 0; head < w.topo_.size(); ++head)
    for (TaskId s : w.successors(w.topo_[head]))
      if (--missing[index(s)] == 0) w.topo_.push_back(s);
  if (w.topo_.size() != n) {
    // Every task left has a predecessor that is also left: walk predecessors until one repeats.
    std::uint32_t start = 0;
    while (missing[start] == 0) ++start;
    std::vector<std::uint32_t> seen_at(n, kUndefined);
    std::vector<std::uint32_t> walk;
    std::uint32_t v = start;
    while (seen_at[v] == kUndefined) {
      seen_at[v] = static_cast<std::uint32_t>(walk.size());
      walk.push_back(v);
      for (TaskId p : w.predecessors(TaskId{v})) {
        if (missing[index(p)] != 0) {
          v = index(p);
          break;
        }
      }
    }
    // walk[seen_at[v]..] is the cycle backwards (each is a successor of the next). Print it
    // forwards, starting at its lowest task id.
    std::vector<std::uint32_t> cycle(walk.rbegin(), walk.rend() - seen_at[v]);
    std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
    // A cycle of 10^5 tasks is one short line: its first few tasks, then how many more.
    constexpr std::size_t kShown = 8;
    auto shown = [&](std::uint32_t c) {
      std::string_view id = w.id(TaskId{c});
      return needs_quoting(id) ? quote_for_message(id) : std::string(id);
    };
    std::string text;
    for (std::size_t i = 0; i < cycle.size() && i < kShown; ++i) text += shown(cycle[i]) + " -> ";
    if (cycle.size() > kShown) text += fmt::format("... ({} more) -> ", cycle.size() - kShown);
    text += shown(cycle.front());
    throw InputError(file, locate ? "$.tasks" : "",
                     fmt::format("the workflow has a cycle: {}", text));
  }
  // Fingerprint: a sum (order-independent) of per-task hashes of id and sizes, and per-edge
  // hashes of the two ids.
  // In the same pass, the bytes a run of the workflow moves: each literal input once, each
  // output once for its upload and once per consumer. At most limits::kMaxTotalBytes, so that
  // no sum of sizes made later can overflow; each term is checked before it is added (a size is
  // at most 2^53 and a task has fewer than 2^32 consumers, so `left / size` decides exactly).
  std::vector<std::uint64_t> id_hash(n);
  std::uint64_t acc = mix(n * 31 + m);
  std::uint64_t bytes_left = limits::kMaxTotalBytes;
  for (std::uint32_t t = 0; t < n; ++t) {
    TaskId id{t};
    id_hash[t] = hash_text(w.id(id));
    acc += mix(id_hash[t] ^ w.output_bytes(id) ^ (w.input_bytes(id) << 1));
    const std::uint64_t in = w.input_bytes(id), out = w.output_bytes(id);
    const std::uint64_t copies = std::uint64_t{w.out_degree(id)} + 1;
    if (in > bytes_left || (out > 0 && (bytes_left - in) / out < copies))
      throw InputError(
          file, locate ? "$.tasks" : "",
          fmt::format("expected a workflow that moves at most 2^60 bytes in a run (its literal "
                      "inputs, plus each output once uploaded and once per consumer), got more: "
                      "the total passes 2^60 at task '{}'",
                      w.id(id)));
    bytes_left -= in + out * copies;
  }
  for (std::uint32_t t = 0; t < n; ++t)
    for (TaskId s : w.successors(TaskId{t})) acc += mix(id_hash[index(s)] * 3 + id_hash[t]);
  w.fingerprint_ = acc;
  return w;
}

}  // namespace dagplan
