#include "dagplan/analysis.hpp"

#include <algorithm>
#include <boost/graph/compressed_sparse_row_graph.hpp>
#include <boost/graph/dag_shortest_paths.hpp>
#include <boost/property_map/function_property_map.hpp>
#include <functional>
#include <limits>
#include <map>

namespace dagplan {
namespace {

// The workflow as a Boost.Graph CSR graph whose edge weight is the *consumer's* work, plus a
// virtual source (vertex n) with edges to every root weighted by the root's work. The longest
// path from the source is then the critical path by work. Boost's dag_shortest_paths computes
// longest paths when given std::greater and -inf as "infinity" (Boost docs, "DAG shortest paths").
struct CriticalPath {
  double length = 0;
  std::vector<TaskId> path;
};

CriticalPath longest_path(const Workflow& w) {
  using Graph =
      boost::compressed_sparse_row_graph<boost::directedS, boost::no_property, boost::no_property,
                                         boost::no_property, std::uint32_t, std::uint32_t>;
  const auto n = static_cast<std::uint32_t>(w.task_count());
  std::vector<std::pair<std::uint32_t, std::uint32_t>> edges;
  edges.reserve(w.edge_count() + w.roots().size());
  for (std::uint32_t t = 0; t < n; ++t)
    for (TaskId s : w.successors(TaskId{t})) edges.emplace_back(t, index(s));
  for (TaskId r : w.roots()) edges.emplace_back(n, index(r));
  std::sort(edges.begin(), edges.end());
  Graph g(boost::edges_are_sorted, edges.begin(), edges.end(), n + 1);
  edges = {};

  std::vector<double> dist(n + 1);
  auto weight = boost::make_function_property_map<Graph::edge_descriptor, double>(
      [&](const Graph::edge_descriptor& e) { return w.work_s(TaskId{boost::target(e, g)}); });
  boost::dag_shortest_paths(g, n,
                            boost::distance_map(dist.data())
                                .weight_map(weight)
                                .distance_compare(std::greater<double>())
                                .distance_inf(-std::numeric_limits<double>::infinity())
                                .distance_zero(0.0));
  // Boost's predecessor map depends on its DFS order; for ties by id, walk back ourselves: end
  // at the lowest-id task of maximal distance, and step to the lowest-id predecessor whose
  // distance plus this task's work is this task's distance (the same sum Boost computed).
  CriticalPath out;
  std::uint32_t best = 0;
  for (std::uint32_t v = 1; v < n; ++v)
    if (dist[v] > dist[best]) best = v;
  out.length = dist[best];
  for (std::uint32_t v = best;;) {
    out.path.push_back(TaskId{v});
    std::uint32_t next = n;
    for (TaskId p : w.predecessors(TaskId{v})) {
      if (dist[index(p)] + w.work_s(TaskId{v}) == dist[v]) {
        next = index(p);
        break;  // predecessors are in id order
      }
    }
    if (next == n) break;
    v = next;
  }
  std::reverse(out.path.begin(), out.path.end());
  return out;
}

}  // namespace

double critical_path_work_s(const Workflow& w) {
  return longest_path(w).length;
}

std::vector<std::size_t> level_widths(const Workflow& w) {
  std::vector<std::uint32_t> level(w.task_count(), 0);
  std::vector<std::size_t> width;
  for (TaskId t : w.topological_order()) {
    std::uint32_t l = 0;
    for (TaskId p : w.predecessors(t)) l = std::max(l, level[index(p)] + 1);
    level[index(t)] = l;
    if (width.size() <= l) width.resize(l + 1, 0);
    ++width[l];
  }
  return width;
}

std::uint32_t widest_level(const Workflow& w) {
  std::vector<std::size_t> width = level_widths(w);
  std::size_t widest = width.empty() ? 1 : *std::max_element(width.begin(), width.end());
  return static_cast<std::uint32_t>(widest);  // at most the task count, below 2^32
}

WorkflowSummary summarize(const Workflow& w) {
  WorkflowSummary s;
  s.tasks = w.task_count();
  s.edges = w.edge_count();
  s.roots = w.roots().size();
  s.sinks = w.sinks().size();
  std::vector<std::size_t> width = level_widths(w);
  s.depth = width.size();
  s.max_width = width.empty() ? 0 : *std::max_element(width.begin(), width.end());
  std::vector<FunctionCount> per_function(w.function_count());
  for (std::uint32_t f = 0; f < w.function_count(); ++f)
    per_function[f].name = std::string(w.function_name(FunctionId{f}));
  for (std::uint32_t i = 0; i < w.task_count(); ++i) {
    TaskId t{i};
    s.total_work_s += w.work_s(t);
    s.total_input_bytes += w.input_bytes(t);
    s.total_output_bytes += w.output_bytes(t);
    s.edge_bytes += w.output_bytes(t) * w.out_degree(t);
    FunctionCount& fc = per_function[index(w.function(t))];
    ++fc.tasks;
    fc.work_s += w.work_s(t);
  }
  std::sort(per_function.begin(), per_function.end(),
            [](const FunctionCount& a, const FunctionCount& b) {
              return a.tasks != b.tasks ? a.tasks > b.tasks : a.name < b.name;
            });
  s.functions = std::move(per_function);
  CriticalPath cp = longest_path(w);
  s.critical_path_work_s = cp.length;
  s.critical_path = std::move(cp.path);
  return s;
}

std::size_t strict_task_count(const Plan& plan) {
  std::size_t strict = 0;
  for (std::uint32_t worker : plan.task_worker) strict += worker != kFlexible;
  return strict;
}

}  // namespace dagplan
