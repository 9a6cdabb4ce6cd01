// Rule 12 in the real backend (decision 0025): the part dagrun writes into an invocation is the
// part the model counts (dag_part(), dag_part_bytes()), and the worker reads back the facts the
// run rules give on the whole workflow.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>

#include "../../executor/src/part.hpp"
#include "../test_util.hpp"
#include "dagplan/model.hpp"
#include "dagplan/platform.hpp"
#include "dagplan/predictor.hpp"
#include "dagplan/profile.hpp"
#include "dagplan/run_rules.hpp"

using namespace dagplan;

TEST_CASE("a shipped part is dag_part(): its tasks, edges and sizes, and the rules' facts",
          "[executor][part]") {
  const Platform platform = load_platform("aws-lambda");
  const Workflow w = test::generated("random-layered", 80, 11);
  const ExecutionModel m(w, platform);
  std::size_t parts = 0, others = 0;
  for (const char* planner : {"heft", "uniform"}) {
    const Plan plan = test::plan_with(planner, m);
    for (std::uint32_t k = 0; k < plan.worker_count(); ++k) {
      INFO(planner << " worker " << k);
      std::vector<TaskId> mine;
      for (std::uint32_t t = 0; t < w.task_count(); ++t)
        if (plan.task_worker[t] == k) mine.push_back(TaskId{t});
      const DagPart part = dag_part(w, mine);
      const exec::ShippedPart s = exec::read_part(exec::write_part(w, plan, k), platform);
      ++parts;
      // The same tasks (the worker's first), by global index and id.
      REQUIRE(s.tasks == part.tasks.size());
      REQUIRE(s.global.size() == part.tasks.size() + part.others.size());
      for (std::size_t i = 0; i < s.global.size(); ++i) {
        const TaskId g{s.global[i]};
        CHECK(g == (i < s.tasks ? part.tasks[i] : part.others[i - s.tasks]));
        CHECK(s.workflow.id(TaskId{static_cast<std::uint32_t>(i)}) == w.id(g));
        CHECK(s.workflow.output_bytes(TaskId{static_cast<std::uint32_t>(i)}) == w.output_bytes(g));
        // The rules' facts are the whole workflow's.
        CHECK(s.upload_rule[i] == upload_rule(plan, w, g, false));
        CHECK(s.counter_target[i] == counter_target(plan, w, g));
        CHECK(s.plan.task_worker[i] == plan.task_worker[index(g)]);
      }
      // The edges: every dependency of the worker's tasks, and each other's links, nothing else.
      std::set<std::pair<std::uint32_t, std::uint32_t>> shipped, counted;
      for (std::uint32_t i = 0; i < s.global.size(); ++i)
        for (TaskId q : s.workflow.predecessors(TaskId{i}))
          shipped.emplace(s.global[index(q)], s.global[i]);
      for (TaskId t : part.tasks)
        for (TaskId q : w.predecessors(t)) counted.emplace(index(q), index(t));
      for (std::size_t o = 0; o < part.others.size(); ++o) {
        others += part.links[o].size();
        for (std::uint32_t j : part.links[o]) {
          const TaskId t = part.tasks[j], q = part.others[o];
          const auto preds = w.predecessors(q);
          if (std::binary_search(preds.begin(), preds.end(), t))
            counted.emplace(index(t), index(q));
          else
            CHECK(counted.count({index(q), index(t)}) == 1);
        }
      }
      CHECK(shipped == counted);
      // dag_part_bytes() counts what was shipped: recounted from the shipped workflow.
      std::uint64_t bytes = 64;
      std::map<std::uint32_t, std::uint64_t> links;
      for (const auto& [from, to] : shipped) {
        const bool from_mine = plan.task_worker[from] == k, to_mine = plan.task_worker[to] == k;
        if (!from_mine) ++links[from];
        if (!to_mine) ++links[to];
      }
      for (std::uint32_t i = 0; i < s.global.size(); ++i) {
        const TaskId l{i};
        if (i < s.tasks) {
          bytes += s.workflow.id(l).size() + 48 + 4 * std::uint64_t{s.workflow.in_degree(l)};
          for (TaskId q : s.workflow.predecessors(l)) bytes += s.workflow.id(q).size();
        } else {
          bytes += s.workflow.id(l).size() + 20 + 4 * links[s.global[i]];
        }
      }
      CHECK(bytes == dag_part_bytes(w, part));
      CHECK(bytes == dag_part_bytes(w, std::span<const TaskId>(mine)));
    }
  }
  CHECK(parts > 10);
  CHECK(others > 0);  // not vacuous: parts had tasks of other workers
}

TEST_CASE("code_packages() is what the run engine's cold starts fetch", "[executor][part]") {
  // fa (3 MB of code) runs on two configurations, fb (1 MB) on one: each configuration's package
  // is its functions' code, and a predicted cold start is that much longer than the start-up.
  const Platform platform = load_platform("local");
  const Workflow w = test::wf(R"({"id": "a", "function": "fa", "work_s": 0.05},
                                 {"id": "b", "function": "fb", "work_s": 0.05, "deps": ["a"]},
                                 {"id": "c", "function": "fa", "work_s": 0.05, "deps": ["b"]})");
  const Profile profile = read_profile(
      R"({"format": "dagplan-profile/1", "functions": [{"name": "fa", "code_bytes": 3000000},
          {"name": "fb", "code_bytes": 1000000}]})",
      "p.json");
  const ExecutionModel m(w, platform, &profile);
  Plan plan = test::strict_plan(w, {{"a", "w0"}, {"b", "w0"}, {"c", "w1"}});
  plan.worker_config = {ConfigId{0}, ConfigId{1}};
  for (std::uint32_t t = 0; t < 3; ++t)
    plan.task_config[t] = plan.worker_config[plan.task_worker[t]];
  const std::vector<CodePackage> packages = code_packages(m, plan);
  REQUIRE(packages.size() == m.config_count());
  CHECK(packages[0].bytes == 4'000'000);
  CHECK(packages[0].functions.size() == 2);
  CHECK(packages[1].bytes == 3'000'000);
  const Prediction p = predict(m, plan);
  std::size_t cold = 0;
  for (const InstancePrediction& in : p.instances) {
    if (in.warm) continue;
    ++cold;
    CHECK(in.ready_us - in.start_us ==
          m.startup_us(in.config, false) + m.dag_fetch_us(in.config) +
              m.transfer_us(packages[index(in.config)].bytes, in.config));
  }
  CHECK(cold == 2);
}
