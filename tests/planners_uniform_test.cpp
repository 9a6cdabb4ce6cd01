// The uniform and non-uniform planners (DESIGN.md section 3; rules in
// libplanner/src/planners/grouping.cpp and non_uniform.cpp).
// Platform "three": workers of 512, 1024 and 2048 MB with 1 vCPU each at speeds 1, 1.5 and 2 (so
// 2048 MB is the fastest), 1 MB/s to storage, cold start 0.5 s, warm 0.1 s, invoke 10 ms, storage
// operations 1 ms, $1 per GB-s, $0.5 per invocation, billed to the microsecond. A fresh worker
// therefore costs a child about 0.51 s (invoke + cold start) plus its download: "short" means at
// most that long and at most the fan-out's lower median.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>

#include "dagplan/generators.hpp"
#include "dagplan/planner.hpp"
#include "dagplan/predictor.hpp"
#include "dagplan/workflow_io.hpp"
#include "test_util.hpp"

using namespace dagplan;

namespace {

Platform three_configs(int max_concurrency = 100) {
  return read_platform(R"({"format": "dagplan-platform/1", "kind": "serverless", "name": "three",
    "configs": [
      {"name": "small", "memory_mb": 512, "vcpus": 1, "speed": 1, "bandwidth_bytes_per_s": 1e6,
       "cold_start_s": 0.5, "warm_start_s": 0.1},
      {"name": "medium", "memory_mb": 1024, "vcpus": 1, "speed": 1.5, "bandwidth_bytes_per_s": 1e6,
       "cold_start_s": 0.5, "warm_start_s": 0.1},
      {"name": "large", "memory_mb": 2048, "vcpus": 1, "speed": 2, "bandwidth_bytes_per_s": 1e6,
       "cold_start_s": 0.5, "warm_start_s": 0.1}],
    "invoke_latency_s": 0.01, "storage": {"latency_s": 0.001, "bandwidth_bytes_per_s": 1e9},
    "keep_alive_s": 7, "max_concurrency": )" +
                           std::to_string(max_concurrency) + R"(,
    "dag_inline_bytes": 1000000000, "billing_granularity_s": 0.000001,
    "prices": {"per_gb_s": 1.0, "per_invocation": 0.5, "per_storage_gb_s": 0}})",
                       "three-platform");
}

using test::Groups;
using test::groups;
using test::plan_with;

}  // namespace

TEST_CASE("uniform: a chain is one worker", "[uniform]") {
  Platform platform = three_configs();
  Workflow w = test::wf(R"({"id": "a", "work_s": 1, "output_bytes": 1000},
                     {"id": "b", "work_s": 2, "output_bytes": 1000, "deps": ["a"]},
                     {"id": "c", "work_s": 3, "output_bytes": 1000, "deps": ["b"]})");
  ExecutionModel m(w, platform);
  Plan p = plan_with("uniform", m);
  CHECK(p.planner == "uniform");
  CHECK(groups(p, w) == Groups{{"a", "b", "c"}});
  CHECK(p.worker_config == std::vector<ConfigId>{ConfigId{2}});  // the fastest: "large"
  CHECK_THAT(p.planner_params_json, Catch::Contains(R"("config": "large")"));

  SECTION("a given configuration is used for every worker") {
    PlannerOptions o;
    o.config = ConfigId{0};
    Plan small = plan_with("uniform", m, o);
    CHECK(small.worker_config == std::vector<ConfigId>{ConfigId{0}});
    for (ConfigId c : small.task_config) CHECK(c == ConfigId{0});
  }
}

TEST_CASE("uniform: a fan-out of 8 short tasks keeps the 3 largest outputs on the producer",
          "[uniform]") {
  Platform platform = three_configs();
  // Every child runs 5 ms at 2048 MB: all equal to the median and far below the 0.511 s a fresh
  // worker costs (invoke 10 ms + cold 0.5 s + downloading r's 1000 B: 1 ms + 1 ms), so all short.
  // By output: c3 800, c5 700, c1 600 stay with r; then c7 500, c6 400, c4 300 share a new worker
  // (no long child to join) and c2 200, c0 100 the next one.
  Workflow w = test::wf(R"({"id": "r", "work_s": 1, "output_bytes": 1000},
    {"id": "c0", "work_s": 0.01, "output_bytes": 100, "deps": ["r"]},
    {"id": "c1", "work_s": 0.01, "output_bytes": 600, "deps": ["r"]},
    {"id": "c2", "work_s": 0.01, "output_bytes": 200, "deps": ["r"]},
    {"id": "c3", "work_s": 0.01, "output_bytes": 800, "deps": ["r"]},
    {"id": "c4", "work_s": 0.01, "output_bytes": 300, "deps": ["r"]},
    {"id": "c5", "work_s": 0.01, "output_bytes": 700, "deps": ["r"]},
    {"id": "c6", "work_s": 0.01, "output_bytes": 400, "deps": ["r"]},
    {"id": "c7", "work_s": 0.01, "output_bytes": 500, "deps": ["r"]})");
  ExecutionModel m(w, platform);
  Plan p = plan_with("uniform", m);
  CHECK(groups(p, w) == Groups{{"r", "c3", "c5", "c1"}, {"c7", "c6", "c4"}, {"c2", "c0"}});
}

TEST_CASE("uniform: long children get a worker each, short ones join the shortest long first",
          "[uniform]") {
  Platform platform = three_configs();
  // Children at 2048 MB: s0..s3 5 ms (short: at most the lower median, 5 ms, and below 0.511 s),
  // l0..l3 5, 6, 5.5, 6.5 s (long). r keeps the three short children with the largest outputs
  // (s2, s0, s3); the long ones open workers longest first (l3, l1, l2, l0); the last short child,
  // s1, joins the shortest long child, l0, so that the longest branch runs alone.
  Workflow w = test::wf(R"({"id": "r", "work_s": 1, "output_bytes": 1000},
    {"id": "s0", "work_s": 0.01, "output_bytes": 300, "deps": ["r"]},
    {"id": "s1", "work_s": 0.01, "output_bytes": 100, "deps": ["r"]},
    {"id": "s2", "work_s": 0.01, "output_bytes": 400, "deps": ["r"]},
    {"id": "s3", "work_s": 0.01, "output_bytes": 200, "deps": ["r"]},
    {"id": "l0", "work_s": 10, "output_bytes": 10, "deps": ["r"]},
    {"id": "l1", "work_s": 12, "output_bytes": 10, "deps": ["r"]},
    {"id": "l2", "work_s": 11, "output_bytes": 10, "deps": ["r"]},
    {"id": "l3", "work_s": 13, "output_bytes": 10, "deps": ["r"]})");
  ExecutionModel m(w, platform);
  Plan p = plan_with("uniform", m);
  CHECK(groups(p, w) == Groups{{"r", "s2", "s0", "s3"}, {"l3"}, {"l1"}, {"l2"}, {"l0", "s1"}});

  SECTION("with no short child, the producer keeps the longest (ties: lower id)") {
    Workflow longs = test::wf(R"({"id": "r", "work_s": 1, "output_bytes": 1000},
      {"id": "x", "work_s": 4, "deps": ["r"]}, {"id": "y", "work_s": 6, "deps": ["r"]},
      {"id": "z", "work_s": 6, "deps": ["r"]})");
    ExecutionModel ml(longs, platform);
    CHECK(groups(plan_with("uniform", ml), longs) == Groups{{"r", "y"}, {"z"}, {"x"}});
  }
  SECTION("roots are a fan-out of the client: no producer keeps any") {
    Workflow roots = test::wf(R"({"id": "a", "work_s": 8, "output_bytes": 10},
      {"id": "b", "work_s": 0.01, "output_bytes": 20}, {"id": "c", "work_s": 6})");
    ExecutionModel mr(roots, platform);
    // e: a 4 s, b 5 ms, c 3 s; lower median 3 s: b is short and joins the shortest long, c.
    CHECK(groups(plan_with("uniform", mr), roots) == Groups{{"a"}, {"c", "b"}});
  }
}

TEST_CASE("uniform: a fan-in goes to the worker holding the most input bytes", "[uniform]") {
  Platform platform = three_configs();
  // a forks into b and c, both long (1 s > 0.511 s): a keeps b (the longest; tie: lower id) and c
  // opens w1. d reads 1000 B from b on w0 and 3000 B from c on w1: it goes to w1.
  Workflow w = test::wf(R"({"id": "a", "work_s": 1, "output_bytes": 10},
    {"id": "b", "work_s": 2, "output_bytes": 1000, "deps": ["a"]},
    {"id": "c", "work_s": 2, "output_bytes": 3000, "deps": ["a"]},
    {"id": "d", "work_s": 1, "deps": ["b", "c"]})");
  ExecutionModel m(w, platform);
  Plan p = plan_with("uniform", m);
  CHECK(groups(p, w) == Groups{{"a", "b"}, {"c", "d"}});

  SECTION("equal bytes: the lower worker index") {
    Workflow tie = test::wf(R"({"id": "a", "work_s": 1, "output_bytes": 10},
      {"id": "b", "work_s": 2, "output_bytes": 2000, "deps": ["a"]},
      {"id": "c", "work_s": 2, "output_bytes": 2000, "deps": ["a"]},
      {"id": "d", "work_s": 1, "deps": ["b", "c"]})");
    ExecutionModel mt(tie, platform);
    CHECK(groups(plan_with("uniform", mt), tie) == Groups{{"a", "b", "d"}, {"c"}});
  }
  SECTION("unless that worker is busy past what a fresh worker needs") {
    // a and b are long roots (1 s each), so each has a worker. a's worker holds 5000 of d's
    // 5100 input bytes but runs x (50 s) from about 1.5 s; a fresh worker would start d at about
    // 2.0 s. So d opens a worker of its own.
    Workflow busy = test::wf(R"({"id": "a", "work_s": 2, "output_bytes": 5000},
      {"id": "b", "work_s": 2, "output_bytes": 100},
      {"id": "x", "work_s": 100, "deps": ["a"]},
      {"id": "d", "work_s": 1, "deps": ["a", "b"]})");
    ExecutionModel mb(busy, platform);
    Plan pb = plan_with("uniform", mb);
    CHECK(groups(pb, busy) == Groups{{"a", "x"}, {"b"}, {"d"}});
    CHECK_THAT(pb.planner_params_json, Catch::Contains(R"("fan_ins_on_fresh_workers": 1)"));
  }
}

TEST_CASE("uniform and non-uniform are deterministic", "[uniform][non-uniform]") {
  Platform platform = load_platform("aws-lambda");
  for (const char* shape : {"random-layered", "montage-like"}) {
    GeneratorOptions o;
    o.tasks = 400;
    Workflow w = generate_workflow(shape, o);
    ExecutionModel m(w, platform);
    for (const char* planner : {"uniform", "non-uniform"}) {
      INFO(shape << " " << planner);
      std::string first = write_plan(plan_with(planner, m), w, platform);
      CHECK(write_plan(plan_with(planner, m), w, platform) == first);
    }
  }
}

TEST_CASE("non-uniform steps down a worker off the critical path", "[non-uniform]") {
  Platform platform = three_configs();
  // r forks into l (40 s of work: 20 s at 2048 MB) and s (2 s: 1 s), both long, so r keeps l and
  // s gets w1. s finishes at about 3 s, l at about 21 s: w1 has some 18 s of slack and steps down
  // to 512 MB (s then runs 2 s); w0 carries the critical path and stays at 2048 MB.
  Workflow w = test::wf(R"({"id": "r", "work_s": 1, "output_bytes": 1000},
    {"id": "l", "work_s": 40, "output_bytes": 1000, "deps": ["r"]},
    {"id": "s", "work_s": 2, "output_bytes": 1000, "deps": ["r"]})");
  ExecutionModel m(w, platform);
  Plan uniform = plan_with("uniform", m);
  Plan nonu = plan_with("non-uniform", m);
  CHECK(groups(nonu, w) == Groups{{"r", "l"}, {"s"}});
  CHECK(nonu.task_worker == uniform.task_worker);
  CHECK(nonu.worker_config == std::vector<ConfigId>{ConfigId{2}, ConfigId{0}});
  CHECK(nonu.task_config[index(*w.find("s"))] == ConfigId{0});
  Prediction pu = predict(m, uniform), pn = predict(m, nonu);
  CHECK(pn.makespan_us == pu.makespan_us);
  CHECK(pn.cost.total() < pu.cost.total());
  // r is done at 1.013 s (0.51 s start-up, 0.5 s exec, 2 ms upload, 1 ms counters); w1 starts at
  // 1.023 s and lives for 0.5 s start-up, 2 ms download, exec, 2 ms upload and 1 ms completion:
  // at 2048 MB 1.505 s x 2 GB, at 512 MB 2.505 s x 0.5 GB.
  CHECK(pu.cost.total() - pn.cost.total() == Approx(1.505 * 2 - 2.505 * 0.5));
  CHECK_THAT(nonu.planner_params_json, Catch::Contains(R"("workers_stepped_down": 1)"));
  CHECK_THAT(nonu.planner_params_json, Catch::Contains(R"("start_config": "large")"));

  SECTION("nothing to save when every worker is critical") {
    Workflow chain =
        test::wf(R"({"id": "a", "work_s": 1}, {"id": "b", "work_s": 1, "deps": ["a"]})");
    ExecutionModel mc(chain, platform);
    CHECK(plan_with("non-uniform", mc).worker_config == std::vector<ConfigId>{ConfigId{2}});
  }
}

// DESIGN.md section 3: non-uniform never predicts a longer makespan than the same grouping with
// every worker at the start configuration (that is uniform's plan), and never a higher cost.
TEST_CASE("non-uniform is never slower nor dearer than uniform's plan", "[non-uniform]") {
  std::vector<std::pair<std::string, std::shared_ptr<Workflow>>> workflows;
  for (const char* shape :
       {"random-layered", "map-reduce", "tree-reduction", "montage-like", "gemm", "fanout-fanin"}) {
    for (std::size_t tasks : {std::size_t{60}, std::size_t{700}}) {
      GeneratorOptions o;
      o.tasks = tasks;
      o.seed = tasks;
      workflows.emplace_back(fmt::format("{}-{}", shape, tasks),
                             std::make_shared<Workflow>(generate_workflow(shape, o)));
    }
  }
  for (const auto& e :
       std::filesystem::directory_iterator(test::source_dir() + "/examples/workflows"))
    workflows.emplace_back(e.path().filename().string(),
                           std::make_shared<Workflow>(load_workflow(e.path().string())));
  // The last two keep the concurrency limit busy, so that workers queue and are evicted.
  std::vector<Platform> platforms = {load_platform("aws-lambda"), load_platform("local"),
                                     three_configs(), three_configs(8)};
  int stepped = 0, cases = 0;
  for (const Platform& platform : platforms) {
    for (const auto& [name, w] : workflows) {
      INFO(name << " on " << platform.name << " (max_concurrency " << platform.max_concurrency
                << ")");
      ExecutionModel m(*w, platform);
      Plan uniform = plan_with("uniform", m);
      Plan nonu = plan_with("non-uniform", m);
      REQUIRE(nonu.task_worker == uniform.task_worker);
      Prediction pu = predict(m, uniform), pn = predict(m, nonu);
      CHECK(pn.makespan_us <= pu.makespan_us);
      CHECK(pn.cost.total() <= pu.cost.total());
      ++cases;
      if (pn.cost.total() < pu.cost.total()) ++stepped;
    }
  }
  // Not vacuous: most of these plans have workers with slack.
  CHECK(stepped * 2 > cases);
}

TEST_CASE("non-uniform keeps its start on a cluster, where stepping down saves nothing",
          "[non-uniform]") {
  Platform platform = load_platform("cluster");
  GeneratorOptions o;
  o.tasks = 200;
  Workflow w = generate_workflow("random-layered", o);
  ExecutionModel m(w, platform);
  Plan nonu = plan_with("non-uniform", m);
  for (ConfigId c : nonu.worker_config) CHECK(c == m.fastest_config());
  CHECK(nonu.task_worker == plan_with("uniform", m).task_worker);
}

// Timing on the scale DESIGN.md section 6 asks about; hidden, run with `dagplan_tests "[.perf]"`.
TEST_CASE("uniform and non-uniform plan 10^5 tasks in seconds", "[.perf]") {
  for (std::size_t tasks : {std::size_t{10'000}, std::size_t{100'000}}) {
    for (const char* shape : {"random-layered", "map-reduce", "tree-reduction", "montage-like"}) {
      GeneratorOptions o;
      o.tasks = tasks;
      Workflow w = generate_workflow(shape, o);
      Platform platform = load_platform("aws-lambda");
      ExecutionModel m(w, platform);
      for (const char* planner : {"uniform", "non-uniform"}) {
        PlanResult r = run_planner(*planner_registry().create(planner), m, {});
        Prediction p = predict(m, r.plan);
        WARN(
            fmt::format("{} {} tasks, {}: {:.3f} s planning, {} workers, makespan {:.1f} s, "
                        "cost ${:.4f}",
                        shape, tasks, planner, r.planning_seconds, r.plan.worker_count(),
                        static_cast<double>(p.makespan_us) / 1e6, p.cost.total()));
        CHECK(r.planning_seconds < 10);
      }
    }
  }
}
