// Planners side by side: every row is what the planner and the predictor give when called
// directly, the bounds are the model's, and the planning time is planning alone.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "dagplan/compare.hpp"
#include "dagplan/planner.hpp"
#include "dagplan/predictor.hpp"
#include "test_util.hpp"

using namespace dagplan;

namespace {

Workflow map_reduce() {
  return test::generated("map-reduce", 60, 3);
}

}  // namespace

TEST_CASE("each row agrees with planning and predicting directly", "[compare]") {
  Workflow w = map_reduce();
  for (const char* platform_name : {"aws-lambda", "cluster"}) {
    INFO("platform " << platform_name);
    Platform platform = load_platform(platform_name);
    ExecutionModel model(w, platform);
    std::vector<std::string> names = planner_registry().select("all");
    CompareOptions options;
    options.keep_plans = true;
    Comparison c = compare_planners(model, names, options);
    LowerBounds bounds = lower_bounds(model);
    CHECK(c.bounds.critical_path_us == bounds.critical_path_us);
    CHECK(c.bounds.work_over_concurrency_us == bounds.work_over_concurrency_us);
    CHECK(c.bounds.cost_floor == bounds.cost_floor);
    REQUIRE(c.rows.size() == names.size());
    for (std::size_t i = 0; i < names.size(); ++i) {
      const ComparisonRow& row = c.rows[i];
      INFO("planner " << names[i]);
      CHECK(row.planner == names[i]);
      CHECK(row.ok());
      Plan plan = planner_registry().create(names[i])->plan(model, PlannerOptions{});
      Prediction p = predict(model, plan);
      CHECK(row.makespan_us == p.makespan_us);
      CHECK(row.cost.total() == p.cost.total());
      CHECK(row.cost.compute == p.cost.compute);
      CHECK(row.workers == plan.worker_count());
      CHECK(row.instances == p.instances.size());
      CHECK(row.cold_starts == p.cold_starts);
      CHECK(row.warm_starts == p.warm_starts);
      CHECK(row.makespan_over_bound ==
            Approx(static_cast<double>(p.makespan_us) / static_cast<double>(bounds.makespan_us())));
      CHECK(row.makespan_over_bound >= 1.0);
      CHECK(row.cost_over_floor == p.cost.total() / bounds.cost_floor);
      CHECK(row.planning_s >= 0);
      CHECK(write_plan(row.plan, w, platform) == write_plan(plan, w, platform));
    }
  }
}

TEST_CASE("a comparison keeps the order it is given, and plans only when asked", "[compare]") {
  Workflow w = map_reduce();
  Platform platform = load_platform("aws-lambda");
  ExecutionModel model(w, platform);
  Comparison c = compare_planners(model, {"heft", "wukong"});
  REQUIRE(c.rows.size() == 2);
  CHECK(c.rows[0].planner == "heft");
  CHECK(c.rows[1].planner == "wukong");
  CHECK(c.rows[1].workers == 0);  // wukong: every task flexible
  CHECK(c.rows[0].plan.task_worker.empty());
  REQUIRE_USAGE_ERROR(compare_planners(model, {"heft", "hfet"}), "unknown planner 'hfet'",
                      "did you mean 'heft'?");
}

TEST_CASE("a forced configuration reaches every planner", "[compare]") {
  Workflow w = map_reduce();
  Platform platform = load_platform("aws-lambda");
  ExecutionModel model(w, platform);
  CompareOptions options;
  options.planner.config = platform.find_config("3008MB");
  REQUIRE(options.planner.config);
  options.keep_plans = true;
  for (const ComparisonRow& row : compare_planners(model, {"wukong", "uniform"}, options).rows) {
    INFO("planner " << row.planner);
    for (ConfigId config : row.plan.task_config) CHECK(config == *options.planner.config);
  }
}

TEST_CASE("after_planning runs before the prediction, outside the planning time", "[compare]") {
  Workflow w = map_reduce();
  Platform platform = load_platform("aws-lambda");
  ExecutionModel model(w, platform);
  Plan wukong = planner_registry().create("wukong")->plan(model, PlannerOptions{});
  const std::int64_t wukong_makespan_us = predict(model, wukong).makespan_us;
  SECTION("its changes are what is predicted, and its time is not planning time") {
    CompareOptions options;
    int calls = 0;
    options.after_planning = [&](const ExecutionModel&, Plan& plan) {
      ++calls;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      plan = wukong;
    };
    Comparison c = compare_planners(model, {"heft", "uniform"}, options);
    CHECK(calls == 2);
    for (const ComparisonRow& row : c.rows) {
      INFO("planner " << row.planner);
      CHECK(row.makespan_us == wukong_makespan_us);
      CHECK(row.workers == 0);
      CHECK(row.planning_s < 0.1);  // planning 60 tasks takes well under the hook's sleep
    }
  }
  SECTION("an error propagates, or with keep_going is the row's") {
    CompareOptions options;
    options.after_planning = [](const ExecutionModel&, Plan&) { throw Error("pass failed"); };
    REQUIRE_ERROR_CONTAINING(Error, compare_planners(model, {"heft"}, options), "pass failed");
    options.keep_going = true;
    options.keep_plans = true;
    Comparison c = compare_planners(model, {"heft", "dask"}, options);
    REQUIRE(c.rows.size() == 2);
    for (const ComparisonRow& row : c.rows) {
      CHECK_FALSE(row.ok());
      CHECK(row.error == "pass failed");
      CHECK(row.makespan_us == 0);
      CHECK(row.cost.total() == 0);
      CHECK(row.plan.task_worker.empty());
    }
  }
}

TEST_CASE("ratios to the bounds are 0 when a bound says nothing", "[compare]") {
  LowerBounds bounds;
  bounds.critical_path_us = 2'000'000;
  bounds.work_over_concurrency_us = 500'000;
  bounds.cost_floor = 0.5;
  CHECK(makespan_over_bound(3'000'000, bounds) == 1.5);
  CHECK(cost_over_floor(0.75, bounds) == 1.5);
  CHECK(makespan_over_bound(3'000'000, LowerBounds{}) == 0.0);
  CHECK(cost_over_floor(0.75, LowerBounds{}) == 0.0);
}

TEST_CASE("the comparison's JSON: read, and errors that name the path", "[compare]") {
  const std::string ok = R"({"workflow": "t", "tasks": 4, "platform": "test",
    "lower_bound_makespan_s": 1.5, "cost_floor_usd": 0.01, "planners": [
    {"planner": "heft", "makespan_s": 2.5, "cost_usd": 0.02, "makespan_over_bound": 1.67,
     "cost_over_floor": 2, "workers": 3, "instances": 3, "cold_starts": 3, "planning_s": 0.001}]})";
  CompareTable c = read_compare(ok, "c.json");
  REQUIRE(c.rows.size() == 1);
  CHECK(c.rows[0].planner == "heft");
  CHECK(c.rows[0].makespan_s == 2.5);
  CHECK(c.rows[0].workers == 3);
  REQUIRE_INPUT_ERROR(read_compare("[1]", "c.json"), "c.json", "dagplan compare");
  REQUIRE_INPUT_ERROR(read_compare(R"({"workflow": "t", "tasks": 4, "platform": "p",
    "lower_bound_makespan_s": 1, "cost_floor_usd": 0})",
                                   "c.json"),
                      "$.planners");
  std::string bad = ok;
  bad.replace(bad.find("\"makespan_s\": 2.5"), 17, "\"makespan_s\": \"x\"");
  REQUIRE_INPUT_ERROR(read_compare(bad, "c.json"), "$.planners[0].makespan_s", "expected a number");
}

TEST_CASE("the comparison's JSON reads back what was written", "[compare]") {
  Workflow w = map_reduce();
  Platform platform = load_platform("aws-lambda");
  ExecutionModel model(w, platform);
  Comparison c = compare_planners(model, {"heft", "wukong"});
  CompareTable t = compare_table(c, model);
  REQUIRE(t.rows.size() == 2);
  CHECK(t.tasks == w.task_count());
  CHECK(t.rows[1].planner == "wukong");
  CHECK(t.rows[0].makespan_s == us_to_seconds(c.rows[0].makespan_us));
  CHECK(t.rows[0].cost_usd == c.rows[0].cost.total());
  const std::string text = write_compare(t);
  CHECK(read_compare(text, "c.json") == t);
  CHECK(write_compare(read_compare(text, "c.json")) == text);
}
