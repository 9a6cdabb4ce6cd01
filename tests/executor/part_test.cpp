// Rule 12 in the real backend (decision 0025): the part dagrun writes into an invocation is the
// part the model counts (dag_part(), dag_part_bytes()), and the worker reads back the facts the
// run rules give on the whole workflow.
#include <fmt/format.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>

#include "../../executor/src/part.hpp"
#include "../test_util.hpp"
#include "dagplan/model.hpp"
#include "dagplan/plan.hpp"
#include "dagplan/platform.hpp"
#include "dagplan/predictor.hpp"
#include "dagplan/profile.hpp"
#include "dagplan/run_rules.hpp"

using namespace dagplan;

namespace {

// The tasks `list` of the part's workflow, by global index.
std::vector<std::uint32_t> global_of(const exec::ShippedPart& s, const std::vector<TaskId>& list) {
  std::vector<std::uint32_t> out;
  out.reserve(list.size());
  for (TaskId t : list) out.push_back(s.global[index(t)]);
  return out;
}
std::vector<std::uint32_t> indices(const std::vector<TaskId>& list) {
  std::vector<std::uint32_t> out;
  out.reserve(list.size());
  for (TaskId t : list) out.push_back(index(t));
  return out;
}

// Checks worker `k`'s shipped part against dag_part() and the whole workflow's rules; returns
// (its others, its second hops).
std::pair<std::size_t, std::size_t> check_part(const Workflow& w, const Plan& plan,
                                               const Platform& platform, std::uint32_t k) {
  INFO("worker " << k);
  std::vector<TaskId> mine;
  for (std::uint32_t t = 0; t < w.task_count(); ++t)
    if (plan.task_worker[t] == k) mine.push_back(TaskId{t});
  const DagPart part = dag_part(w, plan, mine);
  const exec::ShippedPart s = exec::read_part(exec::write_part(w, plan, k), platform);
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
  // The edges: every dependency of the worker's tasks, each other's links and the hops, nothing
  // else.
  std::set<std::pair<std::uint32_t, std::uint32_t>> shipped, counted;
  for (std::uint32_t i = 0; i < s.global.size(); ++i)
    for (TaskId q : s.workflow.predecessors(TaskId{i}))
      shipped.emplace(s.global[index(q)], s.global[i]);
  for (TaskId t : part.tasks)
    for (TaskId q : w.predecessors(t)) counted.emplace(index(q), index(t));
  for (std::size_t o = 0; o < part.others.size(); ++o)
    for (std::uint32_t j : part.links[o]) {
      const TaskId t = part.tasks[j], q = part.others[o];
      const auto preds = w.predecessors(q);
      if (std::binary_search(preds.begin(), preds.end(), t))
        counted.emplace(index(t), index(q));
      else
        CHECK(counted.count({index(q), index(t)}) == 1);
    }
  for (const auto& [q, c] : part.hops) {
    const auto preds = w.predecessors(part.others[c]);
    CHECK(std::binary_search(preds.begin(), preds.end(), part.others[q]));  // a real edge
    counted.emplace(index(part.others[q]), index(part.others[c]));
  }
  CHECK(shipped == counted);
  // dag_part_bytes() counts what was shipped: recounted from the shipped workflow.
  std::uint64_t bytes = 64;
  std::map<std::uint32_t, std::uint64_t> links;
  std::size_t hops = 0;
  for (const auto& [from, to] : shipped) {
    const bool from_mine = plan.task_worker[from] == k, to_mine = plan.task_worker[to] == k;
    if (!from_mine && !to_mine) {
      ++hops;
      continue;
    }
    if (!from_mine) ++links[from];
    if (!to_mine) ++links[to];
  }
  std::set<std::uint32_t> runs;  // the producers the worker's tasks duplicate
  for (std::uint32_t i = 0; i < s.tasks; ++i)
    if (const std::uint32_t d = s.plan.duplicate(i); d != kNoDup) runs.insert(d);
  for (std::uint32_t i = 0; i < s.global.size(); ++i) {
    const TaskId l{i};
    if (i < s.tasks) {
      bytes += s.workflow.id(l).size() + 48 + 4 * std::uint64_t{s.workflow.in_degree(l)};
      for (TaskId q : s.workflow.predecessors(l)) bytes += s.workflow.id(q).size();
    } else {
      bytes += s.workflow.id(l).size() + 20 + 4 * links[s.global[i]] + (runs.count(i) ? 28 : 0);
    }
  }
  bytes += 8 * hops;
  CHECK(hops == part.hops.size());
  CHECK(runs.size() == part.runs.size());
  CHECK(bytes == dag_part_bytes(w, part));
  CHECK(bytes == dag_part_bytes(w, plan, std::span<const TaskId>(mine)));
  // The worker's decisions from the part are the whole DAG's: what its tasks read (task-dup's
  // run_inputs()), whose counters they count (counted_children()), and which producer delays
  // its I/O for each of those (delayed_producers()).
  std::map<std::uint32_t, std::uint32_t> delayer_part, delayer_whole;
  for (const auto& [child, producer] : delayed_producers(s.plan, s.workflow))
    delayer_part[s.global[child]] = s.global[producer];
  for (const auto& [child, producer] : delayed_producers(plan, w)) delayer_whole[child] = producer;
  std::vector<TaskId> from_part, from_whole;
  for (std::uint32_t i = 0; i < s.tasks; ++i) {
    const TaskId g{s.global[i]};
    INFO("task " << w.id(g));
    run_inputs(s.plan, s.workflow, TaskId{i}, from_part);
    run_inputs(plan, w, g, from_whole);
    std::vector<std::uint32_t> read = global_of(s, from_part);
    std::sort(read.begin(), read.end());  // the part's order is local
    CHECK(read == indices(from_whole));
    if (const std::uint32_t d = s.plan.duplicate(i); d != kNoDup) {
      CHECK(s.global[d] == plan.duplicate(index(g)));
      CHECK(s.workflow.input_bytes(TaskId{d}) == w.input_bytes(TaskId{s.global[d]}));
    } else {
      CHECK(plan.duplicate(index(g)) == kNoDup);
    }
    counted_children(s.plan, s.workflow, TaskId{i}, from_part);
    counted_children(plan, w, g, from_whole);
    std::vector<std::uint32_t> got = global_of(s, from_part), want = indices(from_whole);
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    CHECK(got == want);
    for (std::uint32_t c : want) {
      auto p = delayer_part.find(c);
      auto q = delayer_whole.find(c);
      CHECK((p == delayer_part.end() ? kNoDup : p->second) ==
            (q == delayer_whole.end() || q->second == index(g) ? kNoDup : q->second));
    }
  }
  return {part.others.size(), part.hops.size()};
}

}  // namespace

TEST_CASE("a shipped part is dag_part(): its tasks, edges and sizes, and the rules' facts",
          "[executor][part]") {
  const Platform platform = load_platform("aws-lambda");
  const Workflow w = test::generated("random-layered", 80, 11);
  const ExecutionModel m(w, platform);
  std::size_t parts = 0, others = 0, hops = 0;
  for (const char* planner : {"heft", "uniform"}) {
    INFO(planner);
    Plan plan = test::plan_with(planner, m);
    for (std::uint32_t k = 0; k < plan.worker_count(); ++k, ++parts)
      others += check_part(w, plan, platform, k).first;
    // With task-dup (rule 9): every third task with a producer on another worker duplicates the
    // first such producer, where check_plan() accepts it; the parts carry the second hops.
    plan.dup.assign(w.task_count(), kNoDup);
    std::size_t dups = 0;
    for (std::uint32_t t = 0; t < w.task_count(); t += 3)
      for (TaskId q : w.predecessors(TaskId{t})) {
        if (plan.task_worker[index(q)] == plan.task_worker[t]) continue;
        plan.dup[t] = index(q);
        try {
          check_plan(plan, w, platform);
          ++dups;
        } catch (const Error&) {
          plan.dup[t] = kNoDup;
        }
        break;
      }
    CHECK(dups > 5);
    for (std::uint32_t k = 0; k < plan.worker_count(); ++k, ++parts)
      hops += check_part(w, plan, platform, k).second;
  }
  // With delayed I/O (rule 11): a WUKONG plan (every task flexible) with every fourth task on one
  // of ten strict workers; each flexible task whose only consumer is a flexible fan-in delays
  // its upload, where check_plan() accepts it (one holder per fan-in).
  Plan mixed = make_flexible_plan(w, ConfigId{0});
  for (std::uint32_t k = 0; k < 10; ++k) {
    mixed.worker_names.push_back(fmt::format("s{}", k));
    mixed.worker_config.push_back(ConfigId{0});
  }
  for (std::uint32_t t = 0; t < w.task_count(); t += 4) mixed.task_worker[t] = t / 4 % 10;
  mixed.delay_io.assign(w.task_count(), kNoDelay);
  std::size_t delays = 0, delay_hops = 0;
  for (std::uint32_t t = 0; t < w.task_count(); ++t) {
    if (mixed.task_worker[t] != kFlexible || w.out_degree(TaskId{t}) != 1) continue;
    mixed.delay_io[t] = 1000;
    try {
      check_plan(mixed, w, platform);
      ++delays;
    } catch (const Error&) {
      mixed.delay_io[t] = kNoDelay;
    }
  }
  CHECK(delays > 3);
  for (std::uint32_t k = 0; k < mixed.worker_count(); ++k, ++parts)
    delay_hops += check_part(w, mixed, platform, k).second;
  CHECK(parts > 20);
  CHECK(others > 0);      // not vacuous: parts had tasks of other workers
  CHECK(hops > 0);        // and second hops
  CHECK(delay_hops > 0);  // delayed I/O's too
}

TEST_CASE("a part carries what task-dup and delayed I/O read two hops away (hand-computed)",
          "[executor][part]") {
  Platform platform = test::test_platform();
  // Task-dup: c (w0) duplicates p (w1), whose input is s (w2); x feeds c on w0. Delayed I/O: b
  // (w2) and the flexible a feed the flexible fan-in j; a delays its upload.
  const Workflow w = test::wf(R"({"id": "x", "work_s": 0.1}, {"id": "s", "work_s": 0.1},
      {"id": "p", "work_s": 0.1, "deps": ["s"], "input_bytes": 10},
      {"id": "c", "work_s": 0.1, "deps": ["x", "p"]},
      {"id": "a", "work_s": 0.1, "output_bytes": 1000}, {"id": "b", "work_s": 0.1},
      {"id": "j", "work_s": 0.1, "deps": ["a", "b"]})");
  Plan plan =
      test::strict_plan(w, {{"x", "w0"}, {"c", "w0"}, {"p", "w1"}, {"s", "w2"}, {"b", "w2"}});
  const auto id = [&](const char* name) { return index(*w.find(name)); };
  plan.dup.assign(w.task_count(), kNoDup);
  plan.dup[id("c")] = id("p");
  plan.delay_io.assign(w.task_count(), kNoDelay);
  plan.delay_io[id("a")] = 50'000;
  check_plan(plan, w, platform);
  // w0 runs x and c and, in c's slot, p: p goes whole (a run), with its input s (a hop). 64 +
  // x (1 + 48) + c (1 + 48 + 2 x (4 + 1)) + p (1 + 20 + one link 4, + 28 for its run) + s (1 +
  // 20) + the hop s -> p (8) = 254 bytes, 57 more than without the duplicate.
  const std::vector<TaskId> w0 = {*w.find("x"), *w.find("c")};
  const DagPart p0 = dag_part(w, plan, w0);
  CHECK(indices(p0.others) == std::vector<std::uint32_t>{id("s"), id("p")});
  CHECK(p0.hops == std::vector<std::pair<std::uint32_t, std::uint32_t>>{{0, 1}});
  CHECK(p0.runs == std::vector<std::uint32_t>{1});
  CHECK(dag_part_bytes(w, p0) == 254);
  // w2 runs s, which counts c's counter (c waits for s, not p), and b, whose count may leave a
  // the last input of j: the hops p -> c and a -> j. 64 + s (49) + b (49) + a (1 + 20) + p (1 +
  // 20 + 4) + c (1 + 20) + j (1 + 20 + 4) + 2 hops (16) = 270 bytes.
  const std::vector<TaskId> w2 = {*w.find("s"), *w.find("b")};
  const DagPart p2 = dag_part(w, plan, w2);
  CHECK(indices(p2.others) == std::vector<std::uint32_t>{id("p"), id("c"), id("a"), id("j")});
  CHECK(p2.hops == std::vector<std::pair<std::uint32_t, std::uint32_t>>{{0, 1}, {2, 3}});
  CHECK(p2.runs.empty());
  CHECK(dag_part_bytes(w, p2) == 270);
  // Without the annotations the parts are the direct neighbours only.
  const Plan plain =
      test::strict_plan(w, {{"x", "w0"}, {"c", "w0"}, {"p", "w1"}, {"s", "w2"}, {"b", "w2"}});
  CHECK(dag_part_bytes(w, plain, w0) == 197);
  CHECK(dag_part_bytes(w, plain, w2) == 64 + 49 + 49 + 25 + 25);
  // What travels gives the worker the whole DAG's decisions (check_part()).
  for (std::uint32_t k = 0; k < plan.worker_count(); ++k) check_part(w, plan, platform, k);
  const exec::ShippedPart s2 = exec::read_part(exec::write_part(w, plan, 2), platform);
  const auto delayed = delayed_producers(s2.plan, s2.workflow);
  REQUIRE(delayed.size() == 1);
  CHECK(s2.global[delayed[0].first] == id("j"));
  CHECK(s2.global[delayed[0].second] == id("a"));
  CHECK(s2.plan.delayed_io(delayed[0].second) == 50'000);
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
