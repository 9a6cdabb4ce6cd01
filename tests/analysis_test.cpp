// Workflow summaries: the numbers `dagplan show` prints, checked by hand and against a
// brute-force longest path.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <algorithm>

#include "dagplan/analysis.hpp"
#include "dagplan/plan.hpp"
#include "dagplan/workflow_io.hpp"
#include "test_util.hpp"

using namespace dagplan;

TEST_CASE("summary of the diamond example, by hand", "[analysis]") {
  Workflow w = load_workflow(test::source_dir() + "/examples/workflows/diamond.json");
  WorkflowSummary s = summarize(w);
  CHECK(s.tasks == 4);
  CHECK(s.edges == 4);
  CHECK(s.roots == 1);
  CHECK(s.sinks == 1);
  CHECK(s.depth == 3);
  CHECK(s.max_width == 2);
  CHECK(s.total_work_s == Approx(3.2));
  CHECK(s.total_input_bytes == 10'000'000);
  CHECK(s.edge_bytes == 2 * 8'000'000 + 2 * 4'000'000);
  CHECK(s.critical_path_work_s == Approx(0.2 + 1.5 + 0.4));
  REQUIRE(s.critical_path.size() == 3);
  CHECK(w.id(s.critical_path[1]) == "left");
  REQUIRE(s.functions.size() == 3);
  CHECK(s.functions[0].name == "transform");
  CHECK(s.functions[0].tasks == 2);
}

TEST_CASE("critical path ties break by the lower id", "[analysis]") {
  Workflow w = read_workflow(R"({"format": "dagplan-workflow/1", "tasks": [
      {"id": "r", "work_s": 1}, {"id": "x", "work_s": 2, "deps": ["r"]}, {"id": "a", "work_s": 2, "deps": ["r"]},
      {"id": "s", "work_s": 1, "deps": ["x", "a"]}]})",
                             "t.json");
  WorkflowSummary s = summarize(w);
  REQUIRE(s.critical_path.size() == 3);
  CHECK(w.id(s.critical_path[1]) == "x");  // x has the lower TaskId (defined first)
  CHECK(s.critical_path_work_s == Approx(4));
}

TEST_CASE("critical path equals a brute-force longest path on a layered DAG", "[analysis]") {
  // A 6x6 grid where each task depends on up to two tasks of the previous row.
  std::string tasks;
  for (int r = 0; r < 6; ++r)
    for (int c = 0; c < 6; ++c) {
      if (!tasks.empty()) tasks += ",";
      std::string deps;
      if (r > 0) {
        deps = "\"t" + std::to_string(r - 1) + "_" + std::to_string(c) + "\"";
        if (c > 0) deps += ",\"t" + std::to_string(r - 1) + "_" + std::to_string(c - 1) + "\"";
      }
      tasks += "{\"id\": \"t" + std::to_string(r) + "_" + std::to_string(c) +
               "\", \"work_s\": " + std::to_string((r * 7 + c * 13) % 5 + 1) + ", \"deps\": [" +
               deps + "]}";
    }
  Workflow w =
      read_workflow(R"({"format": "dagplan-workflow/1", "tasks": [)" + tasks + "]}", "g.json");
  std::vector<double> best(w.task_count(), 0);
  for (TaskId t : w.topological_order()) {
    double in = 0;
    for (TaskId p : w.predecessors(t)) in = std::max(in, best[index(p)]);
    best[index(t)] = in + w.work_s(t);
  }
  double expected = *std::max_element(best.begin(), best.end());
  WorkflowSummary s = summarize(w);
  CHECK(s.critical_path_work_s == Approx(expected));
  double along = 0;
  for (TaskId t : s.critical_path) along += w.work_s(t);
  CHECK(along == Approx(expected));
  for (std::size_t i = 1; i < s.critical_path.size(); ++i) {
    auto preds = w.predecessors(s.critical_path[i]);
    CHECK(std::find(preds.begin(), preds.end(), s.critical_path[i - 1]) != preds.end());
  }
  CHECK(s.depth == 6);
}

TEST_CASE("strict_task_count counts the tasks pinned to a worker", "[analysis]") {
  Workflow w = read_workflow(R"({"format": "dagplan-workflow/1", "name": "d", "tasks": [
      {"id": "a", "output_bytes": 1}, {"id": "b", "deps": ["a"]}, {"id": "c", "deps": ["a"]}]})",
                             "w.json");
  Platform p = load_platform("aws-lambda");
  auto plan_with = [&](const std::string& tasks) {
    return read_plan(
        fmt::format(R"({{"format": "dagplan-plan/1", "workflow": {{"fingerprint": "{:016x}"}},
        "platform": {{"name": "aws-lambda"}}, "planner": {{"name": "hand"}},)",
                    w.fingerprint()) +
            R"(
        "workers": [{"id": "w0", "config": "1024MB"}], "tasks": [)" +
            tasks + "]}",
        "p.json", w, p);
  };
  CHECK(strict_task_count(plan_with(R"({"id": "a", "worker": "w0"}, {"id": "b", "worker": "w0"},
      {"id": "c", "worker": null, "config": "1024MB"})")) == 2);
  CHECK(strict_task_count(plan_with(R"({"id": "a", "worker": null, "config": "1024MB"},
      {"id": "b", "worker": null, "config": "1024MB"},
      {"id": "c", "worker": null, "config": "1024MB"})")) == 0);
  CHECK(strict_task_count(plan_with(R"({"id": "a", "worker": "w0"}, {"id": "b", "worker": "w0"},
      {"id": "c", "worker": "w0"})")) == 3);
}
