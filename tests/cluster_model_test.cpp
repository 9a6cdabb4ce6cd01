// Clusters: machines, point-to-point transfers, task orders and the speed-aware lower bound
// (docs/decisions/0007-machines-direct-transfers-order.md), against timelines worked out by hand.
// Unless a test says otherwise: machines of 1 core, 1 MB/s links (1 byte = 1 us), a network
// latency of 1 ms, no storage latency, no dispatch overhead, no start-up.
#include <catch2/catch.hpp>

#include <string>

#include "dagplan/predictor.hpp"
#include "dagplan/sim/simulator.hpp"
#include "dagplan/workflow_io.hpp"
#include "test_util.hpp"

using namespace dagplan;

namespace {

Platform cluster(const std::string& machines, const std::string& links = "independent") {
  return read_platform(R"({"format": "dagplan-platform/1", "kind": "cluster", "name": "p2p",
    "machines": [)" + machines +
                           R"(], "network_bandwidth_bytes_per_s": 1e6,
    "storage": {"latency_s": 0, "bandwidth_bytes_per_s": 1e9},
    "transfers": "direct", "links": ")" +
                           links + R"(", "network_latency_s": 0.001})",
                       "p2p-platform");
}

// Strict workers: (task, worker, configuration index, machine); workers made on first use.
struct Assign {
  const char* task;
  const char* worker;
  std::uint16_t config;
  std::uint32_t machine;
};
Plan pinned_plan(const Workflow& w, const std::vector<Assign>& assign) {
  Plan p = make_flexible_plan(w, ConfigId{0});
  for (const Assign& a : assign) {
    std::uint32_t k = 0;
    while (k < p.worker_names.size() && p.worker_names[k] != a.worker) ++k;
    if (k == p.worker_names.size()) {
      p.worker_names.emplace_back(a.worker);
      p.worker_config.push_back(ConfigId{a.config});
      p.worker_machine.push_back(a.machine);
    }
    p.task_worker[index(*w.find(a.task))] = k;
    p.task_config[index(*w.find(a.task))] = ConfigId{a.config};
  }
  return p;
}

const TaskPrediction& task(const Prediction& p, const Workflow& w, const char* id) {
  return p.tasks[index(*w.find(id))];
}

sim::SimResult simulate_exactly(const ExecutionModel& m, const Plan& plan) {
  sim::SimOptions o;  // no noise, no faults; contention on
  return sim::simulate(m, plan, o);
}

// Every task's timeline, predicted and simulated, to the microsecond.
void require_same_timeline(const Prediction& a, const Prediction& b, const Workflow& w) {
  REQUIRE(a.makespan_us == b.makespan_us);
  for (std::uint32_t t = 0; t < w.task_count(); ++t) {
    INFO("task " << w.id(TaskId{t}));
    CHECK(a.tasks[t].start_us == b.tasks[t].start_us);
    CHECK(a.tasks[t].exec_start_us == b.tasks[t].exec_start_us);
    CHECK(a.tasks[t].exec_end_us == b.tasks[t].exec_end_us);
    CHECK(a.tasks[t].finish_us == b.tasks[t].finish_us);
  }
}

constexpr const char* kTwoMachines =
    R"({"name": "slow", "cores": 1, "speed": 1, "count": 1},
       {"name": "fast", "cores": 1, "speed": 2, "count": 1})";

}  // namespace

TEST_CASE("a point-to-point transfer costs bytes over the link, not a core", "[cluster][direct]") {
  Platform platform = cluster(kTwoMachines);
  // a (1 s on slow) feeds b on the fast machine and c on its own machine; x keeps the fast
  // machine busy while a's output travels.
  Workflow w = test::wf(R"({"id": "a", "work_s": 1, "output_bytes": 1000},
    {"id": "x", "work_s": 2.002},
    {"id": "b", "work_s": 2, "deps": ["a"]}, {"id": "c", "work_s": 1, "deps": ["a"]})");
  ExecutionModel m(w, platform);
  Plan plan =
      pinned_plan(w, {{"a", "ws", 0, 0}, {"c", "ws", 0, 0}, {"x", "wf", 1, 0}, {"b", "wf", 1, 0}});
  Prediction p = predict(m, plan);
  // a runs 0-1 s on slow. Its output leaves for the fast machine at once (b's worker is pinned
  // there): 1 ms latency + 1000 B at 1 MB/s = 2 ms, there at 1.002 s. x runs 0-1.001 s on
  // fast (2.002 s of work at speed 2); b takes the core at 1.001 and executes from 1.002 (had
  // the transfer occupied a core, 1.003), for 1 s: 2.002. c is on a's machine: its input is
  // local, it runs 1-2 s.
  CHECK(task(p, w, "a").exec_end_us == 1'000'000);
  CHECK(task(p, w, "x").exec_end_us == 1'001'000);
  CHECK(task(p, w, "b").start_us == 1'001'000);
  CHECK(task(p, w, "b").exec_start_us == 1'002'000);
  CHECK(task(p, w, "b").exec_end_us == 2'002'000);
  CHECK(task(p, w, "b").download_bytes == 1000);
  CHECK(task(p, w, "c").exec_start_us == 1'000'000);
  CHECK(task(p, w, "c").download_bytes == 0);
  CHECK(p.makespan_us == 2'002'000);
  // Nothing goes through storage.
  CHECK(p.bytes_uploaded == 0);
  CHECK_FALSE(task(p, w, "a").uploaded);
  // Instances ran on the machines their workers are pinned to.
  for (const InstancePrediction& in : p.instances) CHECK(in.machine == m.machine_begin(in.config));

  SECTION("the simulator, without noise, gives the same timeline") {
    sim::SimResult s = simulate_exactly(m, plan);
    require_same_timeline(p, s.timeline, w);
  }
  SECTION("with storage transfers the same plan pays an upload and a download on the cores") {
    Platform storage = platform;
    storage.transfers = TransferMode::kStorage;
    ExecutionModel ms(w, storage);
    Prediction q = predict(ms, plan);
    // a uploads 1000 B (1 ms at 1 MB/s, no storage latency) by 1.001; b downloads it from its
    // start at 1.001 to 1.002 and runs to 2.002; a's upload also delays c, which starts at
    // 1.001 on the freed core.
    CHECK(task(q, w, "a").uploaded);
    CHECK(task(q, w, "b").exec_start_us == 1'002'000);
    CHECK(task(q, w, "c").exec_start_us == 1'001'000);
  }
}

TEST_CASE("a worker not pinned to a machine pulls its inputs when it takes its slot",
          "[cluster][direct]") {
  Platform platform = cluster(kTwoMachines);
  Workflow w = test::wf(R"({"id": "a", "work_s": 1, "output_bytes": 1000},
    {"id": "b1", "work_s": 1, "deps": ["a"]}, {"id": "b2", "work_s": 2, "deps": ["a"]})");
  ExecutionModel m(w, platform);
  // Every task flexible; a and b1 on the slow configuration, b2 on the fast one. When a is done
  // (1 s), b1 continues on its instance (rule 3: its input is local) and runs 1-2 s; b2's
  // instance is invoked and starts at once on the fast machine, and the transfer starts then:
  // 1 ms + 1 ms, b2 executes from 1.002 for 1 s.
  Plan plan = make_flexible_plan(w, ConfigId{0});
  plan.task_config[index(*w.find("b2"))] = ConfigId{1};
  Prediction p = predict(m, plan);
  CHECK(task(p, w, "b1").exec_start_us == 1'000'000);
  CHECK(task(p, w, "b2").start_us == 1'000'000);
  CHECK(task(p, w, "b2").exec_start_us == 1'002'000);
  CHECK(p.makespan_us == 2'002'000);
  sim::SimResult s = simulate_exactly(m, plan);
  require_same_timeline(p, s.timeline, w);
}

TEST_CASE("transfers share a machine's link only when the platform says so", "[cluster][direct]") {
  // Two producers on two machines send 1000 B each to two consumers on one machine of 2 cores.
  const char* machines = R"({"name": "a", "cores": 1, "count": 1},
    {"name": "b", "cores": 1, "count": 1}, {"name": "c", "cores": 2, "count": 1})";
  Workflow w = test::wf(R"({"id": "p1", "work_s": 1, "output_bytes": 1000},
    {"id": "p2", "work_s": 1, "output_bytes": 1000},
    {"id": "c1", "work_s": 1, "deps": ["p1"]}, {"id": "c2", "work_s": 1, "deps": ["p2"]})");
  std::vector<Assign> assign = {
      {"p1", "wa", 0, 0}, {"p2", "wb", 1, 0}, {"c1", "wc1", 2, 0}, {"c2", "wc2", 2, 0}};
  SECTION("independent links: every transfer at full speed, as predicted") {
    Platform platform = cluster(machines, "independent");
    ExecutionModel m(w, platform);
    Plan plan = pinned_plan(w, assign);
    Prediction p = predict(m, plan);
    // 1 s, then 1 ms latency + 1 ms of bytes: both consumers execute from 1.002 to 2.002.
    CHECK(task(p, w, "c1").exec_start_us == 1'002'000);
    CHECK(task(p, w, "c2").exec_start_us == 1'002'000);
    require_same_timeline(p, simulate_exactly(m, plan).timeline, w);
  }
  SECTION("shared links: the two arrivals share machine c's link in the simulator") {
    Platform platform = cluster(machines, "shared");
    ExecutionModel m(w, platform);
    Plan plan = pinned_plan(w, assign);
    // After the latency (1.001 s) both transfers arrive at c at once: 0.5 MB/s each, 2 ms for
    // 1000 B: there at 1.003. The contention-free prediction says 1.002.
    sim::SimResult s = simulate_exactly(m, plan);
    CHECK(task(s.timeline, w, "c1").exec_start_us == 1'003'000);
    CHECK(task(s.timeline, w, "c2").exec_start_us == 1'003'000);
    CHECK(s.timeline.makespan_us == 2'003'000);
    CHECK(predict_contention_free(m, plan).makespan_us == 2'002'000);
    require_same_timeline(predict(m, plan), s.timeline, w);
  }
}

TEST_CASE("a worker runs its tasks in the plan's order", "[cluster][order]") {
  Platform platform = cluster(kTwoMachines);
  // r (1 s on slow) feeds y; x has no input. Worker wf (fast) runs x and y.
  Workflow w = test::wf(R"({"id": "r", "work_s": 1, "output_bytes": 0},
    {"id": "x", "work_s": 2}, {"id": "y", "work_s": 2, "deps": ["r"]})");
  ExecutionModel m(w, platform);
  Plan plan = pinned_plan(w, {{"r", "ws", 0, 0}, {"x", "wf", 1, 0}, {"y", "wf", 1, 0}});
  SECTION("without an order, in the order tasks become ready") {
    Prediction p = predict(m, plan);
    // x is ready at 0 and runs 0-1; y is ready at 1, its (empty) input arrives after the 1 ms
    // latency: 1.001-2.001.
    CHECK(task(p, w, "x").exec_start_us == 0);
    CHECK(task(p, w, "y").exec_start_us == 1'001'000);
    CHECK(p.makespan_us == 2'001'000);
  }
  SECTION("with the order y, x: x waits for y although it is ready first") {
    plan.set_order({{*w.find("r")}, {*w.find("y"), *w.find("x")}});
    Prediction p = predict(m, plan);
    // y as above from 1.001 to 2.001 (it took the core at 1 s); x only then: 2.001-3.001.
    CHECK(task(p, w, "y").exec_start_us == 1'001'000);
    CHECK(task(p, w, "x").start_us == 2'001'000);
    CHECK(task(p, w, "x").exec_end_us == 3'001'000);
    require_same_timeline(p, simulate_exactly(m, plan).timeline, w);
  }
}

TEST_CASE("a serverless worker with several slots starts its tasks in the plan's order",
          "[order]") {
  Platform platform = read_platform(R"({"format": "dagplan-platform/1", "kind": "serverless",
    "name": "t", "configs": [{"name": "c2", "memory_mb": 2048, "vcpus": 2,
    "bandwidth_bytes_per_s": 1e6, "cold_start_s": 0, "warm_start_s": 0}],
    "storage": {"latency_s": 0, "bandwidth_bytes_per_s": 1e9}})",
                                    "t");
  // Three independent roots on one worker of 2 slots: in id order a and b would run first.
  Workflow w =
      test::wf(R"({"id": "a", "work_s": 1}, {"id": "b", "work_s": 2}, {"id": "c", "work_s": 3})");
  ExecutionModel m(w, platform);
  Plan plan = make_flexible_plan(w, ConfigId{0});
  plan.worker_names = {"w"};
  plan.worker_config = {ConfigId{0}};
  for (std::uint32_t t = 0; t < 3; ++t) plan.task_worker[t] = 0;
  plan.set_order({{*w.find("c"), *w.find("a"), *w.find("b")}});
  Prediction p = predict(m, plan);
  // c and a start at 0; a frees its slot at 1 s (each sink's upload of 0 bytes costs nothing
  // here), b runs 1-3; c 0-3.
  CHECK(task(p, w, "c").exec_start_us == 0);
  CHECK(task(p, w, "a").exec_start_us == 0);
  CHECK(task(p, w, "b").exec_start_us == 1'000'000);
  CHECK(p.makespan_us == 3'000'000);
  require_same_timeline(p, simulate_exactly(m, plan).timeline, w);
}

TEST_CASE("task orders are validated", "[order][plan]") {
  Platform platform = cluster(kTwoMachines);
  Workflow w = test::wf(R"({"id": "a", "work_s": 1}, {"id": "b", "work_s": 1, "deps": ["a"]},
    {"id": "c", "work_s": 1})");
  Plan plan = pinned_plan(w, {{"a", "w0", 0, 0}, {"b", "w0", 0, 0}, {"c", "w1", 1, 0}});
  TaskId a = *w.find("a"), b = *w.find("b"), c = *w.find("c");
  SECTION("a task before one it depends on") {
    plan.set_order({{b, a}, {c}});
    REQUIRE_ERROR_CONTAINING(Error, check_plan(plan, w, platform), "contradict", "of worker 'w0'");
  }
  SECTION("a task of another worker") {
    plan.set_order({{a, c}, {}});
    REQUIRE_ERROR_CONTAINING(Error, check_plan(plan, w, platform),
                             "the order of worker 'w0' lists task 'c' of worker 'w1'");
    plan.set_order({{a}, {b}});
    REQUIRE_ERROR_CONTAINING(Error, check_plan(plan, w, platform),
                             "lists 1 tasks, the worker has 2");
  }
  SECTION("a cycle through another worker's order") {
    // w0: b waits for a (dependency); with w1 running c and the plan saying a after b...
    Workflow w2 = test::wf(R"({"id": "a", "work_s": 1}, {"id": "b", "work_s": 1, "deps": ["a"]},
      {"id": "c", "work_s": 1, "deps": ["b"]}, {"id": "d", "work_s": 1})");
    // w0 runs c then a; w1 runs b: c needs b needs a, which w0 runs after c.
    Plan p2 = pinned_plan(
        w2, {{"a", "w0", 0, 0}, {"c", "w0", 0, 0}, {"b", "w1", 1, 0}, {"d", "w1", 1, 0}});
    p2.set_order({{*w2.find("c"), *w2.find("a")}, {*w2.find("b"), *w2.find("d")}});
    REQUIRE_ERROR_CONTAINING(Error, check_plan(p2, w2, platform), "can never start");
  }
  SECTION("a valid order passes, and is written and read back") {
    plan.set_order({{a, b}, {c}});
    check_plan(plan, w, platform);
    std::string text = write_plan(plan, w, platform);
    CHECK_THAT(text, Catch::Contains(R"("order": ["a", "b"])"));
    CHECK_THAT(text, Catch::Contains(R"("machine": 0)"));
    Plan back = read_plan(text, "plan.json", w, platform);
    CHECK(back.worker_machine == plan.worker_machine);
    CHECK(back.order_begin == plan.order_begin);
    REQUIRE(back.order.size() == 3);
    CHECK(back.order[0] == a);
    CHECK(write_plan(back, w, platform) == text);
  }
  SECTION("a bad order in a file names the worker's order member") {
    plan.set_order({{b, a}, {c}});
    std::string text = write_plan(plan, w, platform);
    REQUIRE_INPUT_ERROR(read_plan(text, "plan.json", w, platform), "plan.json",
                        "$.workers[0].order", "contradict");
  }
  SECTION("a machine that the configuration does not have") {
    std::string text = write_plan(plan, w, platform);
    std::string bad = text;
    bad.replace(bad.find(R"("machine": 0)"), 12, R"("machine": 1)");
    REQUIRE_INPUT_ERROR(read_plan(bad, "plan.json", w, platform), "$.workers[0].machine",
                        "expected a machine of configuration 'slow' (0 to 0), got 1");
  }
}

TEST_CASE("direct transfers are a cluster's, and links need them", "[cluster][platform]") {
  REQUIRE_INPUT_ERROR(read_platform(R"({"format": "dagplan-platform/1", "kind": "serverless",
    "name": "s", "configs": [{"name": "c", "memory_mb": 1024, "bandwidth_bytes_per_s": 1e6}],
    "storage": {"latency_s": 0, "bandwidth_bytes_per_s": 1e9}, "transfers": "direct"})",
                                    "s.json"),
                      "s.json", "$.transfers", "need a cluster platform");
  REQUIRE_INPUT_ERROR(read_platform(R"({"format": "dagplan-platform/1", "kind": "cluster",
    "name": "k", "machines": [{"name": "m", "cores": 1}], "network_bandwidth_bytes_per_s": 1e6,
    "links": "independent"})",
                                    "k.json"),
                      "k.json", "$.links", "applies to \"transfers\": \"direct\" only");
  REQUIRE_INPUT_ERROR(read_platform(R"({"format": "dagplan-platform/1", "kind": "cluster",
    "name": "k", "machines": [{"name": "m", "cores": 1}], "network_bandwidth_bytes_per_s": 1e6,
    "transfers": "p2p"})",
                                    "k.json"),
                      "$.transfers", "expected \"storage\" or \"direct\", got \"p2p\"");
  // Written and read back.
  Platform p = cluster(kTwoMachines, "shared");
  Platform back = read_platform(write_platform(p), "back.json");
  CHECK(back.transfers == TransferMode::kDirect);
  CHECK(back.links == LinkSharing::kShared);
  CHECK(back.network_latency_us == 1000);
}

TEST_CASE("instances of a cluster take cores of their machines", "[cluster]") {
  // One configuration of 2 machines of 2 cores: flexible instances fill machine 0 first.
  Platform platform = cluster(R"({"name": "m", "cores": 2, "count": 2})");
  Workflow w = test::wf(R"({"id": "a", "work_s": 1}, {"id": "b", "work_s": 1},
    {"id": "c", "work_s": 1}, {"id": "d", "work_s": 1}, {"id": "e", "work_s": 1})");
  ExecutionModel m(w, platform);
  CHECK(m.machine_count() == 2);
  CHECK(m.capacity(ConfigId{0}) == 4);
  CHECK(m.machine_name(1) == "m#1");
  Prediction p = predict(m, make_flexible_plan(w, ConfigId{0}));
  // Five roots, four cores: a, b on machine 0, c, d on machine 1 at 0 s; e waits for the first
  // exit (a, at 1 s) and takes its core on machine 0.
  std::vector<std::uint32_t> machine;
  for (const InstancePrediction& in : p.instances) machine.push_back(in.machine);
  CHECK(machine == std::vector<std::uint32_t>{0, 0, 1, 1, 0});
  CHECK(p.instances[4].start_us == 1'000'000);
  CHECK(p.instances[4].released_by == 0);
  CHECK(p.makespan_us == 2'000'000);
}

TEST_CASE("the work bound counts machines by their speed", "[cluster][bounds]") {
  // Speeds 1 and 3; four independent tasks of 4 s of reference work: at best 16 units of work
  // at 4 units per second, 4 s (less 1 us per task for the rounding of each task's time on the
  // slower machine: 3.999996 s). The critical path is one task on the fast machine: 4/3 s.
  Platform platform = cluster(R"({"name": "slow", "cores": 1, "speed": 1, "count": 1},
                                 {"name": "fast", "cores": 1, "speed": 3, "count": 1})");
  Workflow w = test::wf(R"({"id": "a", "work_s": 4}, {"id": "b", "work_s": 4},
    {"id": "c", "work_s": 4}, {"id": "d", "work_s": 4})");
  ExecutionModel m(w, platform);
  LowerBounds b = lower_bounds(m);
  CHECK(b.work_over_concurrency_us == 3'999'996);
  CHECK(b.critical_path_us == 1'333'333);
  // The best plan: three tasks on the fast machine (4 s), one on the slow one (4 s).
  Plan plan = make_flexible_plan(w, ConfigId{1});
  plan.task_config[index(*w.find("d"))] = ConfigId{0};
  Prediction p = predict(m, plan);
  CHECK(p.makespan_us >= b.makespan_us());
  CHECK(p.makespan_us == 4'000'000);
}
