// The heft and dask planners (DESIGN.md section 3; rules in libplanner/src/planners/heft.cpp,
// dask.cpp and list_scheduling.hpp).
// Platform "one": 1024 MB workers with 1 vCPU, 1 MB/s to storage (1 byte = 1 us), cold start
// 0.5 s, warm 0.1 s, invoke 10 ms, storage operations 1 ms, $1 per GB-s, invocations free,
// billed to the microsecond. A fresh worker therefore costs a task 0.51 s (invoke + cold start)
// plus its downloads (1 ms + 1 us per byte), and a strict worker is billed $1 per second alive.
// Platform "two": the same with two configurations, "small" (512 MB, speed 1) and "large"
// (2048 MB, speed 2: the fastest, at four times the price).
#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <set>

#include "dagplan/generators.hpp"
#include "dagplan/planner.hpp"
#include "dagplan/predictor.hpp"
#include "dagplan/workflow_io.hpp"
#include "test_util.hpp"

using namespace dagplan;

namespace {

constexpr const char* kServerlessTail = R"(
    "invoke_latency_s": 0.01, "storage": {"latency_s": 0.001, "bandwidth_bytes_per_s": 1e9},
    "keep_alive_s": 7, "dag_inline_bytes": 1000000000, "billing_granularity_s": 0.000001,
    "prices": {"per_gb_s": 1.0, "per_invocation": 0, "per_storage_gb_s": 0}})";

Platform one_config(int max_concurrency = 100) {
  return read_platform(R"({"format": "dagplan-platform/1", "kind": "serverless", "name": "one",
    "max_concurrency": )" + std::to_string(max_concurrency) +
                           R"(,
    "configs": [{"name": "c1", "memory_mb": 1024, "vcpus": 1, "bandwidth_bytes_per_s": 1e6,
                 "cold_start_s": 0.5, "warm_start_s": 0.1}],)" +
                           kServerlessTail,
                       "one-platform");
}

Platform two_configs() {
  return read_platform(
      std::string(R"({"format": "dagplan-platform/1", "kind": "serverless", "name": "two",
    "max_concurrency": 100,
    "configs": [
      {"name": "small", "memory_mb": 512, "vcpus": 1, "speed": 1, "bandwidth_bytes_per_s": 1e6,
       "cold_start_s": 0.5, "warm_start_s": 0.1},
      {"name": "large", "memory_mb": 2048, "vcpus": 1, "speed": 2, "bandwidth_bytes_per_s": 1e6,
       "cold_start_s": 0.5, "warm_start_s": 0.1}],)") +
          kServerlessTail,
      "two-platform");
}

// One machine of `cores` cores: a worker is one core.
Platform small_cluster(int cores) {
  return read_platform(R"({"format": "dagplan-platform/1", "kind": "cluster", "name": "tiny",
    "machines": [{"name": "m", "cores": )" +
                           std::to_string(cores) + R"(, "memory_mb": 8192,
                  "speed": 1, "count": 1}],
    "network_bandwidth_bytes_per_s": 1e6,
    "storage": {"latency_s": 0.001, "bandwidth_bytes_per_s": 1e9},
    "dispatch_overhead_s": 0.1, "prices": {"per_core_hour": 1.0}})",
                       "tiny-cluster");
}

using test::Groups;
using test::groups;
using test::plan_with;

std::uint32_t worker_of(const Plan& p, const Workflow& w, const char* id) {
  return p.task_worker[index(*w.find(id))];
}

// No invocation waited for a place under the concurrency limit, and no worker was evicted.
void check_no_queueing(const ExecutionModel& m, const Plan& p, const Prediction& pr) {
  CHECK(pr.instances.size() == p.worker_count());
  for (const InstancePrediction& in : pr.instances)
    CHECK(in.start_us == in.requested_us + m.invoke_us());
}

// `count` independent roots of `work_s` seconds each, ids t0, t1, ...
std::string independent(int count, double work_s) {
  std::string out;
  for (int i = 0; i < count; ++i)
    out += (i ? ", " : "") + std::string(R"({"id": "t)") + std::to_string(i) + R"(", "work_s": )" +
           std::to_string(work_s) + R"(, "output_bytes": 1000})";
  return out;
}

// A root "r" and `count` children of `work_s` seconds, ids c0, c1, ...
std::string fan_out(int count, double work_s) {
  std::string out = R"({"id": "r", "work_s": 1, "output_bytes": 1000})";
  for (int i = 0; i < count; ++i)
    out += R"(, {"id": "c)" + std::to_string(i) + R"(", "work_s": )" + std::to_string(work_s) +
           R"(, "output_bytes": 1000, "deps": ["r"]})";
  return out;
}

}  // namespace

// ---- heft ----------------------------------------------------------------------------------

TEST_CASE("heft: a chain stays on one worker", "[heft]") {
  Platform platform = one_config();
  // Each next task finishes earliest where its input is: a fresh worker would add 0.51 s.
  Workflow w = test::wf(R"({"id": "a", "work_s": 1, "output_bytes": 1000},
                     {"id": "b", "work_s": 2, "output_bytes": 1000, "deps": ["a"]},
                     {"id": "c", "work_s": 3, "output_bytes": 1000, "deps": ["b"]})");
  ExecutionModel m(w, platform);
  Plan p = plan_with("heft", m);
  CHECK(p.planner == "heft");
  CHECK(groups(p, w) == Groups{{"a", "b", "c"}});
  Prediction pr = predict(m, p);
  // The predictor's chain: ready 0.51, 6 s of work, 2 counter updates, the sink's upload (2 ms)
  // and its completion record: 6.515 s.
  CHECK(pr.makespan_us == 6'515'000);
  CHECK(pr.makespan_us >= pr.bounds.makespan_us());
}

TEST_CASE("heft: an independent fan-out of long tasks spreads over fresh workers", "[heft]") {
  Platform platform = one_config();
  // All children rank alike (ties by id). c0 finishes earliest on r's worker (r's finish + 10 s);
  // a second child there would finish 10 s later, a fresh worker only 0.51 s + its 2 ms download
  // later, far outside the slack (0.51 s start-up + 2 ms download): each gets its own.
  Workflow w = test::wf(fan_out(4, 10));
  ExecutionModel m(w, platform);
  Plan p = plan_with("heft", m);
  CHECK(groups(p, w) == Groups{{"r", "c0"}, {"c1"}, {"c2"}, {"c3"}});
  Prediction pr = predict(m, p);
  check_no_queueing(m, p, pr);
  // r's worker: ready 0.51, r until 1.51, uploads 1000 B (2 ms) and updates counters (1 ms),
  // c0 until 11.513, then its own upload and completion record. c1..c3 are invoked at 1.513 and
  // end alike, 0.51 + 2 ms later than c0.
  CHECK(pr.tasks[index(*w.find("c0"))].exec_end_us == 11'513'000);
  CHECK(pr.tasks[index(*w.find("c1"))].exec_end_us == 11'513'000 + 10'000 + 500'000 + 2'000);

  SECTION("independent roots each get a worker") {
    Workflow roots = test::wf(independent(4, 10));
    ExecutionModel mr(roots, platform);
    CHECK(plan_with("heft", mr).worker_count() == 4);
  }
}

TEST_CASE("heft: a fan-in goes to the worker holding the big input", "[heft]") {
  Platform platform = one_config();
  // a's 5 MB take 5 s to move; b's 1000 B, 2 ms: c finishes ~5 s earlier on a's worker.
  Workflow w = test::wf(R"({"id": "a", "work_s": 1, "output_bytes": 5000000},
                     {"id": "b", "work_s": 1, "output_bytes": 1000},
                     {"id": "c", "work_s": 1, "deps": ["a", "b"]})");
  ExecutionModel m(w, platform);
  Plan p = plan_with("heft", m);
  CHECK(groups(p, w) == Groups{{"a", "c"}, {"b"}});
  CHECK(predict(m, p).bytes_downloaded == 1000);
}

TEST_CASE("heft: no worker waits idle for seconds to save a cold start", "[heft]") {
  Platform platform = one_config();
  // m (20 s) and p1, p2 (1 s) start at once on three workers. d1 continues on m's worker. For
  // d2, m's worker is busy until d1 ends; p2's worker, idle since 1.5 s, would finish d2 first,
  // but is billed for the ~19 s wait; a fresh worker finishes 0.51 s later (within the slack of
  // 0.51 s start-up + 3 ms download) and is billed ~5.5 s: heft takes the fresh worker.
  Workflow w = test::wf(R"({"id": "p1", "work_s": 1, "output_bytes": 1000},
                     {"id": "p2", "work_s": 1, "output_bytes": 1000},
                     {"id": "m", "work_s": 20, "output_bytes": 1000},
                     {"id": "d1", "work_s": 5, "deps": ["p1", "m"]},
                     {"id": "d2", "work_s": 5, "deps": ["p2", "m"]})");
  ExecutionModel m(w, platform);
  Plan p = plan_with("heft", m);
  CHECK(worker_of(p, w, "d1") == worker_of(p, w, "m"));
  std::uint32_t d2 = worker_of(p, w, "d2");
  CHECK(d2 != worker_of(p, w, "p2"));
  CHECK(d2 != worker_of(p, w, "m"));
  CHECK(groups(p, w)[d2] == std::set<std::string>{"d2"});

  // What it saves: the same plan with d2 on p2's worker is faster by about the cold start but
  // dearer by about the idle wait.
  Plan idle = p;
  idle.clear_order();
  idle.task_worker[index(*w.find("d2"))] = worker_of(p, w, "p2");
  idle.worker_names.pop_back();  // d2's worker was the last created
  idle.worker_config.pop_back();
  Prediction fresh = predict(m, p), waiting = predict(m, idle);
  CHECK(fresh.makespan_us - waiting.makespan_us == Approx(510'000).margin(5'000));
  CHECK(waiting.cost.total() - fresh.cost.total() > 10.0);  // dollars: worker-seconds at 1 GB
}

TEST_CASE("heft: configurations by finish time, then by cost", "[heft]") {
  Platform platform = two_configs();

  SECTION("a long task goes to the faster configuration") {
    // 10 s on small, 5 s on large: 5 s earlier is far outside the slack (0.51 s).
    Workflow w = test::wf(R"({"id": "t", "work_s": 10})");
    ExecutionModel m(w, platform);
    Plan p = plan_with("heft", m);
    CHECK(p.worker_config == std::vector<ConfigId>{ConfigId{1}});
  }
  SECTION("a short task goes to the cheaper one when the faster saves little") {
    // 0.1 s on small, 0.05 s on large: large finishes 50 ms earlier (within the slack). Score,
    // in large-worker microseconds: large 0.56 s billed; small 4 x 50 ms + 0.61 s billed at a
    // quarter of the price = 0.35 s. Small wins.
    Workflow w = test::wf(R"({"id": "t", "work_s": 0.1})");
    ExecutionModel m(w, platform);
    Plan p = plan_with("heft", m);
    CHECK(p.worker_config == std::vector<ConfigId>{ConfigId{0}});
  }
  SECTION("a forced configuration is used for every worker") {
    Workflow w = test::wf(fan_out(3, 10));
    ExecutionModel m(w, platform);
    PlannerOptions o;
    o.config = ConfigId{0};
    Plan p = plan_with("heft", m, o);
    for (ConfigId c : p.worker_config) CHECK(c == ConfigId{0});
    auto params = nlohmann::json::parse(p.planner_params_json);
    CHECK(params["rank_config"] == "small");
    CHECK(params["configs"] == nlohmann::json::array({"small"}));
  }
}

TEST_CASE("heft: of configurations equal but for the price, fresh workers take the cheapest",
          "[heft]") {
  // "dear", "c1" and "twin" give every task the same times (1 vCPU, same bandwidth and start-up):
  // heft estimates them once. "dear" (twice the memory, twice the price) comes first, so the
  // cheaper ones after it must still be offered; "twin" costs what "c1" costs and loses the tie.
  Platform platform = read_platform(
      R"({"format": "dagplan-platform/1", "kind": "serverless", "name": "equal",
    "max_concurrency": 100,
    "configs": [{"name": "dear", "memory_mb": 2048, "vcpus": 1, "bandwidth_bytes_per_s": 1e6,
                 "cold_start_s": 0.5, "warm_start_s": 0.1},
                {"name": "c1", "memory_mb": 1024, "vcpus": 1, "bandwidth_bytes_per_s": 1e6,
                 "cold_start_s": 0.5, "warm_start_s": 0.1},
                {"name": "twin", "memory_mb": 1024, "vcpus": 1, "bandwidth_bytes_per_s": 1e6,
                 "cold_start_s": 0.5, "warm_start_s": 0.1}],)" +
          std::string(kServerlessTail),
      "equal");
  Workflow w = test::wf(fan_out(6, 5.0));
  ExecutionModel m(w, platform);
  Plan p = plan_with("heft", m);
  for (std::uint32_t t = 0; t < w.task_count(); ++t)
    CHECK(platform.configs[index(p.task_config[t])].name == "c1");
  CHECK(p.worker_count() > 1);  // the fan-out spread over fresh workers
}

TEST_CASE("heft: the concurrency limit makes tasks share workers", "[heft]") {
  // 12 independent 2 s tasks, at most 3 workers alive: the first three get fresh workers, then
  // every fresh worker would overlap three others, so the rest queue on the existing ones.
  Platform platform = one_config(3);
  Workflow w = test::wf(independent(12, 2));
  ExecutionModel m(w, platform);
  Plan p = plan_with("heft", m);
  CHECK(p.worker_count() == 3);
  for (const auto& g : groups(p, w)) CHECK(g.size() == 4);
  Prediction pr = predict(m, p);
  check_no_queueing(m, p, pr);
  CHECK(pr.makespan_us >= pr.bounds.makespan_us());
  CHECK(nlohmann::json::parse(p.planner_params_json)["max_alive_workers"] == 3);
}

TEST_CASE("heft: a cluster worker is a core, and there are only so many", "[heft]") {
  Platform platform = small_cluster(2);
  Workflow w = test::wf(fan_out(6, 10));
  ExecutionModel m(w, platform);
  Plan p = plan_with("heft", m);
  CHECK(p.worker_count() == 2);
  Prediction pr = predict(m, p);
  CHECK(pr.instances.size() == 2);
  // Six 10 s children on two cores: three rounds after r.
  CHECK(pr.makespan_us >= 31'000'000);
  CHECK(nlohmann::json::parse(p.planner_params_json)["processors"] == 2);
}

TEST_CASE("heft: the textbook schedule on machines that differ only in speed", "[heft]") {
  // Two machines of one core, "slow" (speed 1) and "fast" (speed 2), point-to-point links of
  // 1 MB/s (1 byte = 1 us) without latency or contention, nothing else: HEFT's own model.
  Platform platform = read_platform(R"({"format": "dagplan-platform/1", "kind": "cluster",
    "name": "two-speeds", "machines": [{"name": "slow", "cores": 1, "speed": 1},
                                        {"name": "fast", "cores": 1, "speed": 2}],
    "network_bandwidth_bytes_per_s": 1e6, "storage": {"latency_s": 0, "bandwidth_bytes_per_s": 1e9},
    "dag_inline_bytes": 1000000000, "transfers": "direct", "links": "independent"})",
                                    "two-speeds");
  // a (2 s of work, 1 MB out) feeds b (2 s) and c (6 s), which feed d (1 s).
  Workflow w = test::wf(R"({"id": "a", "work_s": 2, "output_bytes": 1000000},
    {"id": "b", "work_s": 2, "deps": ["a"]}, {"id": "c", "work_s": 6, "deps": ["a"]},
    {"id": "d", "work_s": 1, "deps": ["b", "c"]})");
  ExecutionModel m(w, platform);
  Plan p = plan_with("heft", m);
  // Ranks: mean time over the two processors (0.75 x work) plus the expected edge cost (an edge
  // crosses machines for half the processor pairs: 0.5 s for a's 1 MB). d 0.75; b 1.5 + 0.75 =
  // 2.25; c 4.5 + 0.75 = 5.25; a 1.5 + 0.5 + 5.25 = 7.25. So a, c, b, d, each where it
  // finishes first:
  // - a: slow 0-2, fast 0-1: fast.
  // - c: slow would wait for a's output until 2 (1 s over the link) and run to 8; fast runs it
  //   at once, 1-4: fast.
  // - b: slow from 2 (a's output arrives) to 4; fast only after c, 4-5: slow.
  // - d: b's and c's outputs are empty; slow 4-5, fast 4-4.5: fast.
  // Makespan 4.5 s, the critical path a, c, d at the fast speed (no plan does better).
  const std::uint32_t slow = worker_of(p, w, "b"), fast = worker_of(p, w, "a");
  CHECK(p.worker_config[slow] == ConfigId{0});
  CHECK(p.worker_config[fast] == ConfigId{1});
  CHECK(worker_of(p, w, "c") == fast);
  CHECK(worker_of(p, w, "d") == fast);
  // The fast machine's order: a, c, d.
  std::span<const TaskId> order = p.worker_order(fast);
  REQUIRE(order.size() == 3);
  CHECK(w.id(order[0]) == "a");
  CHECK(w.id(order[1]) == "c");
  CHECK(w.id(order[2]) == "d");
  Prediction pr = predict(m, p);
  auto exec = [&](const char* id) {
    const TaskPrediction& t = pr.tasks[index(*w.find(id))];
    return std::pair{t.exec_start_us, t.exec_end_us};
  };
  CHECK(exec("a") == std::pair<std::int64_t, std::int64_t>{0, 1'000'000});
  CHECK(exec("c") == std::pair<std::int64_t, std::int64_t>{1'000'000, 4'000'000});
  CHECK(exec("b") == std::pair<std::int64_t, std::int64_t>{2'000'000, 4'000'000});
  CHECK(exec("d") == std::pair<std::int64_t, std::int64_t>{4'000'000, 4'500'000});
  CHECK(pr.makespan_us == 4'500'000);
  CHECK(pr.bounds.critical_path_us == 4'500'000);
}

// ---- dask ----------------------------------------------------------------------------------

TEST_CASE("dask: a chain stays on the worker holding its input", "[dask]") {
  Platform platform = one_config();
  // Two independent chains: the widest level has 2 tasks, so the pool has 2 workers.
  Workflow w = test::wf(R"({"id": "a", "work_s": 1, "output_bytes": 1000},
                     {"id": "b", "work_s": 1, "output_bytes": 1000, "deps": ["a"]},
                     {"id": "c", "work_s": 1, "output_bytes": 1000, "deps": ["b"]},
                     {"id": "x", "work_s": 1, "output_bytes": 1000},
                     {"id": "y", "work_s": 1, "output_bytes": 1000, "deps": ["x"]})");
  ExecutionModel m(w, platform);
  Plan p = plan_with("dask", m);
  CHECK(p.planner == "dask");
  CHECK(groups(p, w) == Groups{{"a", "b", "c"}, {"x", "y"}});
  auto params = nlohmann::json::parse(p.planner_params_json);
  CHECK(params["workers"] == 2);
  CHECK(params["max_level_width"] == 2);
  CHECK(params["config"] == "c1");
}

TEST_CASE("dask: a fan-in goes to the worker holding the big input", "[dask]") {
  Platform platform = one_config();
  // On a's worker c fetches b's 1000 B (1 ms of transfer); on b's, a's 5 MB (5 s).
  Workflow w = test::wf(R"({"id": "a", "work_s": 1, "output_bytes": 5000000},
                     {"id": "b", "work_s": 1, "output_bytes": 1000},
                     {"id": "c", "work_s": 1, "deps": ["a", "b"]})");
  ExecutionModel m(w, platform);
  Plan p = plan_with("dask", m);
  CHECK(groups(p, w) == Groups{{"a", "c"}, {"b"}});
}

TEST_CASE("dask: a task behind a busy worker goes to an idle one", "[dask]") {
  Platform platform = one_config();
  // Pool of 2 (levels: {r, z}, {x1, x2}). x1 starts at once on r's worker. For x2, r's worker
  // is occupied for 10 s, z's worker is idle and r's 1000 B take 1 ms: x2 goes there.
  Workflow w = test::wf(R"({"id": "r", "work_s": 1, "output_bytes": 1000},
                     {"id": "z", "work_s": 1, "output_bytes": 1000},
                     {"id": "x1", "work_s": 10, "deps": ["r"]},
                     {"id": "x2", "work_s": 10, "deps": ["r"]})");
  ExecutionModel m(w, platform);
  Plan p = plan_with("dask", m);
  CHECK(groups(p, w) == Groups{{"r", "x1"}, {"z", "x2"}});
}

TEST_CASE("dask: the pool never exceeds the concurrency limit", "[dask]") {
  Workflow w = test::wf(fan_out(30, 1));
  SECTION("limit 4: four workers, nothing queued") {
    Platform platform = one_config(4);
    ExecutionModel m(w, platform);
    Plan p = plan_with("dask", m);
    CHECK(p.worker_count() == 4);
    CHECK(nlohmann::json::parse(p.planner_params_json)["workers"] == 4);
    Prediction pr = predict(m, p);
    check_no_queueing(m, p, pr);
    CHECK(pr.makespan_us >= pr.bounds.makespan_us());
  }
  SECTION("limit 100: one worker per task of the widest level") {
    Platform platform = one_config(100);
    ExecutionModel m(w, platform);
    Plan p = plan_with("dask", m);
    CHECK(p.worker_count() == 30);
    CHECK(nlohmann::json::parse(p.planner_params_json)["max_level_width"] == 30);
  }
  SECTION("a cluster: one worker per core") {
    Platform platform = small_cluster(3);
    ExecutionModel m(w, platform);
    Plan p = plan_with("dask", m);
    CHECK(p.worker_count() == 3);
    CHECK(predict(m, p).instances.size() == 3);
  }
}

// ---- both ----------------------------------------------------------------------------------

TEST_CASE("heft and dask: strict, valid, above the lower bounds, deterministic", "[heft][dask]") {
  std::vector<std::pair<std::string, std::shared_ptr<Workflow>>> suite;
  for (const auto& e :
       std::filesystem::directory_iterator(test::source_dir() + "/examples/workflows"))
    suite.emplace_back(e.path().filename().string(),
                       std::make_shared<Workflow>(load_workflow(e.path().string())));
  for (const char* shape : {"fanout-fanin", "gemm", "montage-like", "random-layered"}) {
    GeneratorOptions o;
    o.tasks = 300;
    suite.emplace_back(shape, std::make_shared<Workflow>(generate_workflow(shape, o)));
  }
  for (const char* platform_name : {"aws-lambda", "local", "cluster"}) {
    Platform platform = load_platform(platform_name);
    for (const auto& [name, w] : suite) {
      ExecutionModel m(*w, platform);
      for (const char* planner : {"heft", "dask"}) {
        INFO(planner << " on " << name << " @ " << platform_name);
        Plan p = plan_with(planner, m);
        for (std::uint32_t k : p.task_worker) REQUIRE(k != kFlexible);
        for (std::size_t k = 0; k < p.worker_count(); ++k)
          CHECK(p.worker_names[k] == fmt::format("w{}", k));
        CHECK(nlohmann::json::parse(p.planner_params_json).is_object());
        Prediction pr = predict(m, p);
        CHECK(pr.makespan_us >= pr.bounds.makespan_us());
        CHECK(pr.cost.total() >= pr.bounds.cost_floor * (1 - 1e-9));
        CHECK(write_plan(plan_with(planner, m), *w, platform) == write_plan(p, *w, platform));
      }
    }
  }
}

TEST_CASE("heft and dask against wukong on generated workflows", "[heft][dask]") {
  // Measured on this suite: heft's makespan is at most 10% above wukong's on every case (the
  // worst are clusters, where the predictor runs a worker's tasks in ready order and not in
  // heft's rank order, so heft's static plan runs later than it estimated) and 1-2% below on
  // the geometric mean; dask within 7%. The bounds below leave a margin over those numbers.
  double heft_log = 0, dask_log = 0;
  int cases = 0;
  for (const char* platform_name : {"aws-lambda", "local", "cluster"}) {
    Platform platform = load_platform(platform_name);
    for (const char* shape : {"chain", "fanout-fanin", "tree-reduction", "gemm", "map-reduce",
                              "montage-like", "random-layered"}) {
      GeneratorOptions o;
      o.tasks = 1000;
      Workflow w = generate_workflow(shape, o);
      ExecutionModel m(w, platform);
      double wukong = static_cast<double>(predict(m, plan_with("wukong", m)).makespan_us);
      double heft = static_cast<double>(predict(m, plan_with("heft", m)).makespan_us);
      double dask = static_cast<double>(predict(m, plan_with("dask", m)).makespan_us);
      INFO(shape << " @ " << platform_name << ": heft/wukong " << heft / wukong << ", dask/wukong "
                 << dask / wukong);
      CHECK(heft <= 1.15 * wukong);
      CHECK(dask <= 1.15 * wukong);
      heft_log += std::log(heft / wukong);
      dask_log += std::log(dask / wukong);
      ++cases;
    }
  }
  CHECK(std::exp(heft_log / cases) <= 1.0);
  CHECK(std::exp(dask_log / cases) <= 1.02);
}

TEST_CASE("heft and dask plan 10^5 and 10^6 tasks in about a second", "[.perf]") {
  Platform platform = load_platform("aws-lambda");
  for (std::size_t tasks : {std::size_t{100'000}, std::size_t{1'000'000}}) {
    GeneratorOptions o;
    o.tasks = tasks;
    Workflow w = generate_workflow("random-layered", o);
    ExecutionModel m(w, platform);
    for (const char* planner : {"heft", "dask"}) {
      PlanResult r = run_planner(*planner_registry().create(planner), m, {});
      WARN(planner << ": " << tasks << " tasks planned in " << r.planning_seconds << " s, "
                   << r.plan.worker_count() << " workers");
      CHECK(r.planning_seconds < 0.5e-5 * static_cast<double>(tasks));  // 5 s per 10^6: no cliff
    }
  }
}
