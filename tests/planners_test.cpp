// Properties every registered planner must have, on generated workflows, the examples and every
// public WfCommons instance: the plan validates, the predicted timeline respects precedence and
// vCPUs, the makespan and cost are above their lower bounds, and planning is deterministic.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "dagplan/generators.hpp"
#include "dagplan/planner.hpp"
#include "dagplan/predictor.hpp"
#include "dagplan/run_rules.hpp"
#include "dagplan/workflow_io.hpp"
#include "test_util.hpp"

using namespace dagplan;

namespace {

struct Case {
  std::string name;
  std::shared_ptr<Workflow> workflow;
};

// Generated workflows and the examples.
std::vector<Case> suite() {
  std::vector<Case> out;
  for (const char* shape : {"chain", "fanout-fanin", "tree-reduction", "gemm", "map-reduce",
                            "montage-like", "random-layered"}) {
    for (std::uint64_t seed : {std::uint64_t{1}, std::uint64_t{2}}) {
      GeneratorOptions o;
      o.tasks = 60;
      o.seed = seed;
      out.push_back({fmt::format("{}-60-s{}", shape, seed),
                     std::make_shared<Workflow>(generate_workflow(shape, o))});
    }
  }
  for (const auto& e :
       std::filesystem::directory_iterator(test::source_dir() + "/examples/workflows"))
    out.push_back({e.path().filename().string(),
                   std::make_shared<Workflow>(load_workflow(e.path().string()))});
  return out;
}

// Every public WfCommons instance in `shared`/wfcommons.
std::vector<Case> wfcommons_cases(const std::string& shared) {
  std::vector<Case> out;
  std::vector<std::filesystem::path> files = test::wfcommons_files(shared);
  out.reserve(files.size());
  for (const auto& f : files)
    out.push_back({f.filename().string(), std::make_shared<Workflow>(load_workflow(f.string()))});
  return out;
}

// Checks the predicted timeline of `plan` against the rules; returns nothing, CHECKs inside.
void check_timeline(const ExecutionModel& m, const Plan& plan, const Prediction& p) {
  const Workflow& w = m.workflow();
  for (std::uint32_t i = 0; i < w.task_count(); ++i) {
    TaskId t{i};
    const TaskPrediction& tp = p.tasks[i];
    REQUIRE(tp.instance < p.instances.size());
    const InstancePrediction& in = p.instances[tp.instance];
    // The task ran on an instance of its worker and configuration.
    if (plan.task_worker[i] != kFlexible) REQUIRE(in.worker == plan.task_worker[i]);
    REQUIRE(in.config == plan.task_config[i]);
    REQUIRE(tp.start_us >= in.ready_us);
    REQUIRE(tp.exec_start_us >= tp.start_us);
    REQUIRE(tp.exec_end_us - tp.exec_start_us == m.exec_us(t, plan.task_config[i]));
    REQUIRE(tp.finish_us <= in.exited_us);
    // Task-dup (Plan::dup): the duplicate ran in the task's slot, just before it, and needed the
    // duplicated producer's inputs instead of its output.
    const std::uint32_t dup = plan.duplicate(i);
    std::int64_t inputs_needed_by = tp.exec_start_us;
    if (dup != kNoDup) {
      auto d = std::find_if(p.duplicates.begin(), p.duplicates.end(),
                            [&](const DuplicatePrediction& x) { return x.task == i; });
      REQUIRE(d != p.duplicates.end());
      REQUIRE(d->producer == dup);
      REQUIRE(d->instance == tp.instance);
      REQUIRE(d->exec_start_us >= tp.start_us);
      REQUIRE(d->exec_end_us - d->exec_start_us == m.exec_us(TaskId{dup}, plan.task_config[i]));
      REQUIRE(d->exec_end_us == tp.exec_start_us);
      inputs_needed_by = d->exec_start_us;
    }
    std::vector<TaskId> inputs;
    run_inputs(plan, w, t, inputs);
    for (TaskId q : inputs) {
      const TaskPrediction& tq = p.tasks[index(q)];
      // Output streaming (Plan::stream): the input came by stream to this instance, complete
      // before its producer's counters (so before this task was ready).
      auto streamed = std::find_if(p.streams.begin(), p.streams.end(), [&](const auto& x) {
        return x.producer == index(q) && x.instance == tp.instance;
      });
      if (plan.streamed(index(q), i) && streamed != p.streams.end()) {
        REQUIRE(streamed->start_us == tq.exec_end_us);
        REQUIRE(inputs_needed_by >= streamed->end_us);
        REQUIRE(tp.ready_us >= tq.finish_us);
        continue;
      }
      // Precedence: a task starts after every input exists where it runs.
      bool local = tq.instance == tp.instance;
      REQUIRE(inputs_needed_by >= (local ? tq.exec_end_us : tq.upload_end_us));
      REQUIRE(tp.ready_us >= tq.finish_us);
      if (!local) REQUIRE(tq.uploaded);
    }
  }
  // No instance runs more tasks at once than its slots (vCPUs).
  std::vector<std::vector<std::pair<std::int64_t, int>>> events(p.instances.size());
  for (std::uint32_t i = 0; i < w.task_count(); ++i) {
    events[p.tasks[i].instance].push_back({p.tasks[i].exec_start_us, +1});
    events[p.tasks[i].instance].push_back({p.tasks[i].exec_end_us, -1});
  }
  for (const DuplicatePrediction& d : p.duplicates) {  // in the same slot, just before its task
    events[d.instance].push_back({d.exec_start_us, +1});
    events[d.instance].push_back({d.exec_end_us, -1});
  }
  for (std::size_t k = 0; k < events.size(); ++k) {
    std::sort(events[k].begin(), events[k].end());  // ends (-1) before starts (+1) at equal times
    int running = 0, most = 0;
    for (const auto& e : events[k]) most = std::max(most, running += e.second);
    REQUIRE(static_cast<std::uint32_t>(most) <= m.slots(p.instances[k].config));
  }
}

void check_every_planner(const std::vector<Case>& cases) {
  REQUIRE_FALSE(cases.empty());
  for (const char* platform_name : {"aws-lambda", "cluster"}) {
    Platform platform = load_platform(platform_name);
    for (const PlannerInfo& info : planner_registry().planners()) {
      for (const Case& c : cases) {
        INFO("planner " << info.name << ", workflow " << c.name << ", platform " << platform_name);
        ExecutionModel m(*c.workflow, platform);
        PlanResult r = run_planner(*info.create(), m, PlannerOptions{});
        CHECK(r.plan.planner == info.name);
        Prediction p = predict(m, r.plan);
        check_timeline(m, r.plan, p);
        CHECK(p.makespan_us >= p.bounds.critical_path_us);
        CHECK(p.makespan_us >= p.bounds.work_over_concurrency_us);
        CHECK(p.cost.total() >= p.bounds.cost_floor * (1 - 1e-9));
        PlanResult again = run_planner(*info.create(), m, PlannerOptions{});
        CHECK(write_plan(again.plan, *c.workflow, platform) ==
              write_plan(r.plan, *c.workflow, platform));
      }
    }
  }
}

}  // namespace

TEST_CASE("every planner: valid, precedence, bounds, deterministic", "[planners][properties]") {
  check_every_planner(suite());
}

TEST_CASE(
    "every planner on the public WfCommons instances: valid, precedence, bounds, "
    "deterministic",
    "[planners][properties][wfcommons]") {
  std::string shared = test::shared_data_dir();
  if (shared.empty()) DAGPLAN_SKIP_TEST("../shared/data is absent: no WfCommons instances");
  check_every_planner(wfcommons_cases(shared));
}

TEST_CASE("unknown planner names get a suggestion", "[planners]") {
  CHECK_THROWS_WITH(planner_registry().create("hfet"),
                    "unknown planner 'hfet'; did you mean 'heft'? (wukong, uniform, non-uniform, "
                    "heft, dask, pareto)");
}

TEST_CASE("a command-line list of planners: all, or names checked before anything runs",
          "[planners]") {
  const PlannerRegistry& r = planner_registry();
  CHECK(r.select("all") ==
        std::vector<std::string>{"wukong", "uniform", "non-uniform", "heft", "dask"});
  CHECK(r.select("dask,,heft") == std::vector<std::string>{"dask", "heft"});
  // A list that names no planner is a mistake, not an empty comparison.
  CHECK_THROWS_WITH(r.select(""), Catch::Contains("no planner named in ''"));
  CHECK_THROWS_WITH(r.select(","), Catch::Contains("no planner named in ','"));
  CHECK_THROWS_WITH(r.select("heft,hfet"),
                    "unknown planner 'hfet'; did you mean 'heft'? (wukong, uniform, non-uniform, "
                    "heft, dask, pareto)");
}

TEST_CASE("planners say what they assumed without calibration data", "[planners]") {
  Workflow w = read_workflow(
      R"({"format": "dagplan-workflow/1", "tasks": [{"id": "a"}, {"id": "b", "work_s": 1, "deps": ["a"]}]})",
      "t.json");
  Platform platform = load_platform("aws-lambda");
  Profile profile;
  FunctionProfile b;
  b.name = std::string(1, 'b');  // not = "b": GCC 12 warns falsely (-Wrestrict) on that at -O3
  profile.functions.push_back(std::move(b));
  ExecutionModel m(w, platform, &profile);
  for (const PlannerInfo& info : planner_registry().planners()) {
    PlanResult r = run_planner(*info.create(), m, PlannerOptions{});
    INFO(info.name);
    REQUIRE(r.plan.assumptions.size() == 2);
    CHECK_THAT(r.plan.assumptions[0],
               Catch::Contains("1 tasks have neither a work estimate nor a profile"));
    CHECK_THAT(r.plan.assumptions[1], Catch::Contains("no profile for function 'a'"));
  }
}
