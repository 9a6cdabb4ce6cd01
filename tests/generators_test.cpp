// Specification of the workflow generators (docs/generators.md): every shape builds a valid DAG
// of the documented size and structure, deterministically from its seed.

#include <catch2/catch.hpp>

#include "test_util.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "dagplan/error.hpp"
#include "dagplan/generators.hpp"
#include "dagplan/workflow_io.hpp"

namespace dagplan {
namespace {

Workflow generate(std::string_view shape, std::size_t tasks, std::uint64_t seed = 1) {
  GeneratorOptions o;
  o.tasks = tasks;
  o.seed = seed;
  return generate_workflow(shape, o);
}

/// The documented task count of `shape` for a request of n tasks.
std::size_t expected_tasks(std::string_view shape, std::size_t n) {
  if (shape == "tree-reduction") return n % 2 == 1 ? n : n - 1;
  if (shape == "gemm") {
    // b^2 (2b - 1) for the b >= 2 closest to n, ties to the smaller.
    std::size_t best = 0;
    for (std::size_t b = 2; b < 200; ++b) {
      std::size_t c = b * b * (2 * b - 1);
      auto dist = [&](std::size_t x) { return x > n ? x - n : n - x; };
      if (best == 0 || dist(c) < dist(best)) best = c;
    }
    return best;
  }
  if (shape == "montage-like") {
    // Exact from 32 tasks on; below, the reachable counts are 11, 14, 18, 19, 21, 22, 25..30.
    if (n >= 32) return n;
    const std::vector<std::size_t> reachable = {11, 14, 18, 19, 21, 22, 25, 26, 27, 28, 29, 30};
    std::size_t best = reachable.front();
    for (std::size_t c : reachable) {
      auto dist = [&](std::size_t x) { return x > n ? x - n : n - x; };
      if (dist(c) < dist(best)) best = c;
    }
    return best;
  }
  return n;
}

std::size_t minimum_tasks(std::string_view shape) {
  if (shape == "fanout-fanin" || shape == "tree-reduction") return 3;
  if (shape == "gemm") return 12;
  if (shape == "map-reduce") return 4;
  if (shape == "montage-like") return 11;
  return 1;
}

/// Tasks per function name.
std::map<std::string, std::size_t> function_counts(const Workflow& w) {
  std::map<std::string, std::size_t> counts;
  for (std::uint32_t t = 0; t < w.task_count(); ++t)
    ++counts[std::string(w.function_name(w.function(TaskId{t})))];
  return counts;
}

/// Checks what every generated workflow satisfies, whatever its shape.
void check_common_properties(const Workflow& w) {
  // Roots and only roots read literal input; ids are `function` or `function-NNN`, and within a
  // function, id order is creation order (zero padding to one width).
  std::map<std::string_view, std::string_view> last_id;
  std::size_t width = 0;
  for (std::uint32_t i = 0; i < w.task_count(); ++i) {
    TaskId t{i};
    INFO("task " << w.id(t));
    CHECK((w.in_degree(t) == 0) == (w.input_bytes(t) > 0));
    CHECK(w.has_work(t));
    std::string_view f = w.function_name(w.function(t));
    std::string_view id = w.id(t);
    REQUIRE(id.substr(0, f.size()) == f);
    if (id.size() > f.size()) {
      REQUIRE(id[f.size()] == '-');
      std::string_view digits = id.substr(f.size() + 1);
      CHECK(std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }));
      if (width == 0) width = digits.size();
      CHECK(digits.size() == width);
      auto it = last_id.find(f);
      if (it != last_id.end()) CHECK(it->second < id);
      last_id[f] = id;
    }
  }
}

TEST_CASE("every shape generates a valid workflow of the documented size", "[generators]") {
  REQUIRE(generator_shapes().size() == 7);
  for (std::string_view shape : generator_shapes()) {
    std::size_t min = minimum_tasks(shape);
    for (std::size_t n : {min, min + 1, min + 2, std::size_t{20}, std::size_t{33}, std::size_t{100},
                          std::size_t{257}, std::size_t{1000}}) {
      if (n < min) continue;
      for (std::uint64_t seed : {1u, 7u, 2024u}) {
        DYNAMIC_SECTION(shape << " " << n << " tasks, seed " << seed) {
          Workflow w = generate(shape, n, seed);
          CHECK(w.task_count() == expected_tasks(shape, n));
          CHECK(w.topological_order().size() == w.task_count());
          check_common_properties(w);
        }
      }
    }
  }
}

TEST_CASE("generation is deterministic per seed and round-trips through the file format",
          "[generators]") {
  for (std::string_view shape : generator_shapes()) {
    for (std::size_t n : {std::size_t{40}, std::size_t{500}}) {
      DYNAMIC_SECTION(shape << " " << n << " tasks") {
        std::string text = write_workflow(generate(shape, n, 11));
        SECTION("same seed, same text") {
          CHECK(write_workflow(generate(shape, n, 11)) == text);
        }
        SECTION("different seed, different text (work and sizes are random in every shape)") {
          CHECK(write_workflow(generate(shape, n, 12)) != text);
        }
        SECTION("write, read, write gives the same text") {
          Workflow back = read_workflow(text, "<round trip>");
          CHECK(write_workflow(back) == text);
        }
      }
    }
  }
}

TEST_CASE("the same seed gives the same random-layered structure; another seed another one",
          "[generators]") {
  auto edges_of = [](const Workflow& w) {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> edges;
    for (std::uint32_t t = 0; t < w.task_count(); ++t)
      for (TaskId s : w.successors(TaskId{t})) edges.emplace_back(t, index(s));
    return edges;
  };
  CHECK(edges_of(generate("random-layered", 2000, 5)) ==
        edges_of(generate("random-layered", 2000, 5)));
  CHECK(edges_of(generate("random-layered", 2000, 5)) !=
        edges_of(generate("random-layered", 2000, 6)));
}

TEST_CASE("shapes have their documented structure", "[generators]") {
  SECTION("chain: one path") {
    Workflow w = generate("chain", 50);
    CHECK(w.edge_count() == 49);
    CHECK(w.roots().size() == 1);
    CHECK(w.sinks().size() == 1);
    CHECK(w.id(TaskId{0}) == "step-00");
    CHECK(w.id(TaskId{49}) == "step-49");
    Workflow one = generate("chain", 1);
    CHECK(one.task_count() == 1);
    CHECK(one.id(TaskId{0}) == "step-0");
  }
  SECTION("fanout-fanin: split, n - 2 parallel tasks, merge") {
    Workflow w = generate("fanout-fanin", 102);
    CHECK(function_counts(w) ==
          std::map<std::string, std::size_t>{{"merge", 1}, {"process", 100}, {"split", 1}});
    CHECK(w.edge_count() == 200);
    REQUIRE(w.roots().size() == 1);
    CHECK(w.id(w.roots()[0]) == "split");
    REQUIRE(w.sinks().size() == 1);
    CHECK(w.id(w.sinks()[0]) == "merge");
    CHECK(w.in_degree(w.sinks()[0]) == 100);
  }
  SECTION("tree-reduction: binary reductions over the leaves") {
    for (std::size_t n : {3u, 9u, 21u, 100u}) {
      Workflow w = generate("tree-reduction", n);
      std::size_t leaves = (n + 1) / 2;
      CHECK(function_counts(w) ==
            std::map<std::string, std::size_t>{{"load", leaves}, {"reduce", leaves - 1}});
      CHECK(w.roots().size() == leaves);
      CHECK(w.sinks().size() == 1);
      for (std::uint32_t t = 0; t < w.task_count(); ++t) {
        TaskId id{t};
        CHECK(w.in_degree(id) == (w.function_name(w.function(id)) == "reduce" ? 2u : 0u));
        CHECK(w.out_degree(id) <= 1);
      }
      // Depth is ceil(log2(leaves)) reductions above the leaves.
      std::vector<std::size_t> depth(w.task_count(), 0);
      std::size_t max_depth = 0;
      for (TaskId t : w.topological_order())
        for (TaskId p : w.predecessors(t)) {
          depth[index(t)] = std::max(depth[index(t)], depth[index(p)] + 1);
          max_depth = std::max(max_depth, depth[index(t)]);
        }
      CHECK(max_depth ==
            static_cast<std::size_t>(std::ceil(std::log2(static_cast<double>(leaves)))));
    }
  }
  SECTION("gemm: b^3 block products, then b - 1 additions per output block") {
    Workflow w = generate("gemm", 112);  // b = 4
    CHECK(function_counts(w) == std::map<std::string, std::size_t>{{"add", 48}, {"multiply", 64}});
    CHECK(w.roots().size() == 64);
    CHECK(w.sinks().size() == 16);
    for (TaskId s : w.sinks()) CHECK(w.function_name(w.function(s)) == "add");
    // Each output block sums exactly b = 4 products.
    for (TaskId s : w.sinks()) {
      std::size_t products = 0;
      std::vector<TaskId> stack{s};
      while (!stack.empty()) {
        TaskId t = stack.back();
        stack.pop_back();
        if (w.in_degree(t) == 0) ++products;
        for (TaskId p : w.predecessors(t)) stack.push_back(p);
      }
      CHECK(products == 4);
    }
    CHECK(generate("gemm", 12).task_count() == 12);     // b = 2
    CHECK(generate("gemm", 28).task_count() == 12);     // 28 is closer to 12 than to 45
    CHECK(generate("gemm", 29).task_count() == 45);     // 45 is one closer than 12
    CHECK(generate("gemm", 1000).task_count() == 960);  // b = 8 (960) beats b = 9 (1377)
  }
  SECTION("map-reduce: split, maps, all-to-all shuffle into reducers, final") {
    Workflow w = generate("map-reduce", 102);  // R = round(sqrt(100) / 2) = 5
    CHECK(function_counts(w) == std::map<std::string, std::size_t>{
                                    {"final", 1}, {"map", 95}, {"reduce", 5}, {"split", 1}});
    CHECK(w.edge_count() == 95 + 95 * 5 + 5);
    REQUIRE(w.roots().size() == 1);
    CHECK(w.id(w.roots()[0]) == "split");
    REQUIRE(w.sinks().size() == 1);
    CHECK(w.id(w.sinks()[0]) == "final");
    Workflow big = generate("map-reduce", 5000);  // reducers are capped at 16
    CHECK(function_counts(big)["reduce"] == 16);
    Workflow small = generate("map-reduce", 4);
    CHECK(function_counts(small) == std::map<std::string, std::size_t>{
                                        {"final", 1}, {"map", 1}, {"reduce", 1}, {"split", 1}});
  }
  SECTION("montage-like: the Montage stages in order") {
    for (std::size_t n : {11u, 40u, 300u, 2000u}) {
      Workflow w = generate("montage-like", n);
      auto counts = function_counts(w);
      std::size_t images = counts["project"];
      CHECK(counts["background"] == images);
      for (const char* single : {"concat-fit", "bg-model", "img-table", "add", "shrink", "jpeg"}) {
        CHECK(counts[single] == 1);
        CHECK(w.find(single).has_value());
      }
      CHECK(counts["diff-fit"] == w.task_count() - 2 * images - 6);
      CHECK(w.roots().size() == images);
      REQUIRE(w.sinks().size() == 1);
      CHECK(w.id(w.sinks()[0]) == "jpeg");
      for (std::uint32_t t = 0; t < w.task_count(); ++t) {
        TaskId id{t};
        std::string_view f = w.function_name(w.function(id));
        if (f == "diff-fit" || f == "background") CHECK(w.in_degree(id) == 2);
        if (f == "concat-fit") CHECK(w.in_degree(id) == counts["diff-fit"]);
        if (f == "add") CHECK(w.in_degree(id) == images + 1);
      }
    }
  }
  SECTION("random-layered: the mean in-degree is about edges_per_task") {
    GeneratorOptions o;
    o.tasks = 20000;
    o.seed = 3;
    for (double e : {1.0, 2.5, 4.0, 8.0}) {
      o.edges_per_task = e;
      Workflow w = generate_workflow("random-layered", o);
      CHECK(w.task_count() == 20000);
      std::size_t computes = function_counts(w)["compute"];
      double mean = static_cast<double>(w.edge_count()) / static_cast<double>(computes);
      INFO("edges_per_task " << e << ", mean in-degree " << mean);
      CHECK(std::abs(mean - e) <= 0.03 * e);
      for (std::uint32_t t = 0; t < w.task_count(); ++t) {
        TaskId id{t};
        if (w.function_name(w.function(id)) == "compute") CHECK(w.in_degree(id) >= 1);
      }
    }
    o.edges_per_task = 0;
    Workflow none = generate_workflow("random-layered", o);
    CHECK(none.edge_count() == 0);
    CHECK(none.roots().size() == 20000);
  }
}

TEST_CASE("work and sizes follow the documented lognormal distributions", "[generators]") {
  GeneratorOptions o;
  o.tasks = 40000;
  o.seed = 9;
  o.mean_work_s = 2.5;
  o.mean_output_bytes = 3e6;
  Workflow w = generate_workflow("random-layered", o);
  double work = 0, out = 0, in = 0, log_work = 0, log_work2 = 0;
  for (std::uint32_t t = 0; t < w.task_count(); ++t) {
    TaskId id{t};
    work += w.work_s(id);
    out += static_cast<double>(w.output_bytes(id));
    in += static_cast<double>(w.input_bytes(id));
    double l = std::log(w.work_s(id));
    log_work += l;
    log_work2 += l * l;
    // Work is rounded to the microsecond.
    CHECK(std::abs(w.work_s(id) * 1e6 - std::round(w.work_s(id) * 1e6)) < 1e-6);
  }
  double n = static_cast<double>(w.task_count());
  CHECK(work / n == Approx(2.5).epsilon(0.02));
  CHECK(out / n == Approx(3e6).epsilon(0.05));
  CHECK(in / static_cast<double>(w.roots().size()) == Approx(3e6).epsilon(0.3));
  // Literal inputs of roots have the mean of output sizes; a tree has many roots to average.
  o.tasks = 40001;
  Workflow tree = generate_workflow("tree-reduction", o);
  double tree_in = 0;
  for (TaskId r : tree.roots()) tree_in += static_cast<double>(tree.input_bytes(r));
  CHECK(tree_in / static_cast<double>(tree.roots().size()) == Approx(3e6).epsilon(0.05));
  double sigma = std::sqrt(log_work2 / n - (log_work / n) * (log_work / n));
  CHECK(sigma == Approx(0.5).epsilon(0.03));

  o.mean_work_s = 0;
  o.mean_output_bytes = 0;
  Workflow zero = generate_workflow("chain", o);
  CHECK(zero.work_s(TaskId{5}) == 0);
  CHECK(zero.output_bytes(TaskId{5}) == 0);
}

TEST_CASE("bad requests are usage errors that say what is allowed", "[generators]") {
  SECTION("an unknown shape gets a suggestion and the list") {
    const char* list =
        "(chain, fanout-fanin, tree-reduction, gemm, map-reduce, montage-like, random-layered)";
    REQUIRE_USAGE_ERROR(generate("fanot", 10),
                        "unknown shape 'fanot'; did you mean 'fanout-fanin'?", list);
    REQUIRE_USAGE_ERROR(generate("gem", 10), "unknown shape 'gem'; did you mean 'gemm'?");
    REQUIRE_USAGE_ERROR(generate("montage", 10), "did you mean 'montage-like'?");
    REQUIRE_USAGE_ERROR(generate("map-reduse", 10), "did you mean 'map-reduce'?");
    REQUIRE_USAGE_ERROR(generate("quantum", 10), "unknown shape 'quantum' (chain, ");
  }
  SECTION("too few tasks for the shape: the message says the minimum") {
    for (std::string_view shape : generator_shapes()) {
      std::size_t min = minimum_tasks(shape);
      INFO(shape);
      REQUIRE_USAGE_ERROR(generate(shape, min - 1), "at least");
      CHECK_NOTHROW(generate(shape, min));
    }
    REQUIRE_USAGE_ERROR(generate("gemm", 11), "shape 'gemm' needs at least 12 tasks, got 11");
    REQUIRE_USAGE_ERROR(generate("montage-like", 10), "needs at least 11 tasks");
    REQUIRE_USAGE_ERROR(generate("chain", 0), "at least 1 task, got 0");
  }
  SECTION("out-of-range options") {
    GeneratorOptions o;
    o.mean_work_s = -1;
    REQUIRE_USAGE_ERROR(generate_workflow("chain", o), "mean work must be in [0, ");
    o = GeneratorOptions{};
    o.mean_output_bytes = std::nan("");
    REQUIRE_USAGE_ERROR(generate_workflow("chain", o), "mean output size");
    o = GeneratorOptions{};
    o.edges_per_task = 1000;
    REQUIRE_USAGE_ERROR(generate_workflow("random-layered", o),
                        "edges per task must be in [0, 100]");
    o = GeneratorOptions{};
    o.tasks = 2'000'000'000;
    REQUIRE_USAGE_ERROR(generate_workflow("chain", o), "at most 1000000000 tasks");
  }
}

}  // namespace
}  // namespace dagplan
