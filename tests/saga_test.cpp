// The SAGA importer (read_saga): task ids as numbers or strings, the workflow it builds, the
// cluster platform that states SAGA's textbook model (one single-core machine per speed,
// point-to-point transfers over independent links, no latency or start-up anywhere), timelines
// of that model worked out by hand, and one clear error (file, JSON path) per kind of bad graph.
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "dagplan/planner.hpp"
#include "dagplan/predictor.hpp"
#include "dagplan/saga.hpp"
#include "test_util.hpp"

using namespace dagplan;

namespace {

/// A SAGA graph from the inside of its `tasks` array and the rest of the document.
SagaInstance saga(const std::string& tasks, const std::string& rest) {
  return read_saga(R"({"tasks": [)" + tasks + "], " + rest + "}", "g.json", "g");
}

double work_of(const Workflow& w, std::string_view id) {
  return w.work_s(*w.find(id));
}

/// heft's plan of the instance, predicted.
Prediction heft_prediction(const SagaInstance& inst) {
  ExecutionModel m(inst.workflow, inst.platform);
  std::unique_ptr<Planner> heft = planner_registry().create("heft");
  return predict(m, heft->plan(m, PlannerOptions{}));
}

}  // namespace

TEST_CASE("read_saga reads tasks whose ids are numbers or strings", "[saga]") {
  SagaInstance inst = saga(R"({"id": 0, "work": 1.5, "deps": [], "output_bytes": 1000},
      {"id": "b", "work": 2, "deps": [0], "output_bytes": 20},
      {"id": 12, "work": 0, "deps": ["0", "b"], "output_bytes": 0, "name": "ignored"})",
                           R"("nodes": 2, "speeds": [1, 3], "bandwidth": 5e6, "meta": {"x": 1})");
  const Workflow& w = inst.workflow;
  CHECK(w.name() == "g");
  REQUIRE(w.task_count() == 3);
  REQUIRE(w.edge_count() == 3);
  // A numeric id is the task's id written in decimal: the string "0" names the same task.
  CHECK(w.id(TaskId{0}) == "0");
  CHECK(w.id(TaskId{1}) == "b");
  CHECK(w.id(TaskId{2}) == "12");
  CHECK(work_of(w, "0") == 1.5);
  CHECK(work_of(w, "b") == 2.0);
  CHECK(work_of(w, "12") == 0.0);
  CHECK(w.output_bytes(*w.find("0")) == 1000);
  CHECK(w.output_bytes(*w.find("b")) == 20);
  CHECK(w.predecessors(*w.find("12")).size() == 2);
  CHECK(w.predecessors(*w.find("b")).size() == 1);
  // Every task is of one function, "task" (SAGA has no notion of one).
  CHECK(w.function_count() == 1);
  CHECK(w.function_name(w.function(TaskId{0})) == "task");
}

TEST_CASE("read_saga states SAGA's model as a cluster platform", "[saga][platform]") {
  SagaInstance inst = saga(R"({"id": "a", "work": 1, "deps": [], "output_bytes": 1})",
                           R"("nodes": 3, "speeds": [1, 2.5, 3], "bandwidth": 75e6)");
  const Platform& p = inst.platform;
  CHECK(p.kind == PlatformKind::kCluster);
  CHECK(p.name == "saga-3-machines");
  REQUIRE(p.configs.size() == 3);
  const double speeds[] = {1, 2.5, 3};
  for (std::size_t i = 0; i < 3; ++i) {
    INFO("machine " << i);
    const ResourceConfig& c = p.configs[i];
    CHECK(c.name == "node-" + std::to_string(i));
    CHECK(c.speed == speeds[i]);
    CHECK(c.vcpus == 1.0);  // one task at a time
    CHECK(c.count == 1);
    CHECK(c.bandwidth_bytes_per_s == 75e6);
    CHECK(c.cold_start_us == 0);
    CHECK(c.warm_start_us == 0);
  }
  // Point to point, without contention, and nothing costs time but execution and transfers.
  CHECK(p.transfers == TransferMode::kDirect);
  CHECK(p.links == LinkSharing::kIndependent);
  CHECK(p.network_latency_us == 0);
  CHECK(p.invoke_latency_us == 0);
  CHECK(p.storage_latency_us == 0);
  CHECK(p.dispatch_overhead_us == 0);

  SECTION("\"nodes\" is optional: one machine per speed") {
    SagaInstance two = saga(R"({"id": "a", "work": 1, "deps": [], "output_bytes": 1})",
                            R"("speeds": [1, 2], "bandwidth": 1)");
    CHECK(two.platform.configs.size() == 2);
  }
}

TEST_CASE("heft's plans of a SAGA graph follow the textbook timeline", "[saga][heft]") {
  // a (1 MB out) feeds b and c; 2 s of work each; 1 MB/s, so a transfer takes exactly 1 s.
  const std::string fork = R"({"id": "a", "work": 2, "deps": [], "output_bytes": 1000000},
      {"id": "b", "work": 2, "deps": ["a"], "output_bytes": 0},
      {"id": "c", "work": 2, "deps": ["a"], "output_bytes": 0})";

  SECTION("equal machines: one child waits 1 s for its input, with no latency") {
    // a 0-2 and b 2-4 on one machine; c's input arrives on the other at 3, c runs 3-5 (not 4-6
    // behind b, and not later, as any latency or start-up would make it).
    Prediction p = heft_prediction(saga(fork, R"("speeds": [1, 1], "bandwidth": 1e6)"));
    CHECK(p.makespan_us == 5'000'000);
  }
  SECTION("a machine twice as fast runs everything: work / speed") {
    // 1 s each on the fast machine: 3 s; sending c away would finish it at 1 + 1 + 2 = 4 s.
    Prediction p = heft_prediction(saga(fork, R"("speeds": [1, 2], "bandwidth": 1e6)"));
    CHECK(p.makespan_us == 3'000'000);
  }
}

TEST_CASE("read_saga names the file and the JSON path of a bad graph", "[saga][errors]") {
  const std::string one = R"({"id": 0, "work": 1, "deps": [], "output_bytes": 10})";
  const std::string machines = R"("nodes": 2, "speeds": [1, 2], "bandwidth": 1e6)";
  SECTION("a cycle") {
    REQUIRE_INPUT_ERROR(saga(R"({"id": 0, "work": 1, "deps": [1], "output_bytes": 1},
        {"id": 1, "work": 1, "deps": [0], "output_bytes": 1})",
                             machines),
                        "g.json", "$.tasks", "cycle: 0 -> 1 -> 0");
  }
  SECTION("a dependency on an unknown task") {
    REQUIRE_INPUT_ERROR(
        saga(one + R"(, {"id": 1, "work": 1, "deps": [0, 7], "output_bytes": 1})", machines),
        "g.json", "$.tasks[1].deps[1]", "unknown task '7'");
  }
  SECTION("a duplicate id, written once as a number and once as a string") {
    REQUIRE_INPUT_ERROR(
        saga(one + R"(, {"id": "0", "work": 1, "deps": [], "output_bytes": 1})", machines),
        "g.json", "$.tasks[1].id", "duplicate task id '0'");
  }
  SECTION("a missing work") {
    REQUIRE_INPUT_ERROR(saga(R"({"id": 0, "deps": []})", machines), "g.json", "$.tasks[0]",
                        "missing member 'work'");
  }
  SECTION("a missing or bad bandwidth") {
    REQUIRE_INPUT_ERROR(saga(one, R"("speeds": [1])"), "g.json", "$", "missing member 'bandwidth'");
    REQUIRE_INPUT_ERROR(saga(one, R"("speeds": [1], "bandwidth": 0)"), "g.json", "$.bandwidth",
                        "expected a bandwidth > 0");
  }
  SECTION("a bad speed, missing speeds, or speeds that do not match the nodes") {
    REQUIRE_INPUT_ERROR(saga(one, R"("speeds": [1, 0], "bandwidth": 1)"), "g.json", "$.speeds[1]",
                        "expected a speed > 0, got 0");
    REQUIRE_INPUT_ERROR(saga(one, R"("bandwidth": 1)"), "g.json", "$", "missing member 'speeds'");
    REQUIRE_INPUT_ERROR(saga(one, R"("nodes": 3, "speeds": [1, 2], "bandwidth": 1)"), "g.json",
                        "$.speeds", "expected 3 speeds (one per node), got 2");
  }
  SECTION("not a graph object") {
    REQUIRE_INPUT_ERROR(read_saga("[]", "g.json", "g"), "g.json", "a SAGA task graph object");
  }
}
