// Seeded runs of one plan and the attribution of the makespan to each effect: what the loops
// give is what simulate() gives for each seed and each set of effects when called directly.
#include <catch2/catch.hpp>

#include "dagplan/planner.hpp"
#include "dagplan/predictor.hpp"
#include "dagplan/sim/effects.hpp"
#include "dagplan/sim/runs.hpp"
#include "dagplan/sim/simulator.hpp"
#include "test_util.hpp"

using namespace dagplan;
using namespace dagplan::sim;

namespace {

struct Fixture {
  Workflow workflow;
  Platform platform = load_platform("aws-lambda");
  ExecutionModel model;
  Plan plan;

  Fixture() : workflow(test::generated("map-reduce", 60, 3)), model(workflow, platform) {
    plan = planner_registry().create("heft")->plan(model, PlannerOptions{});
  }
};

}  // namespace

TEST_CASE("N seeded runs are N simulations, seeds S to S + N - 1", "[simulator][runs]") {
  Fixture f;
  SimOptions options;
  options.seed = 11;
  options.noise.enabled = true;
  RunStatistics st = simulate_runs(f.model, f.plan, options, 7);
  REQUIRE(st.runs.size() == 7);
  std::vector<double> makespans_s, costs;
  std::uint64_t events = 0;
  for (std::size_t k = 0; k < st.runs.size(); ++k) {
    INFO("run " << k);
    SimOptions one = options;
    one.seed = 11 + k;
    SimResult r = simulate(f.model, f.plan, one);
    CHECK(st.runs[k].seed == 11 + k);
    CHECK(st.runs[k].makespan_us == r.timeline.makespan_us);
    CHECK(st.runs[k].cost_usd == r.timeline.cost.total());
    CHECK(st.runs[k].events == r.events);
    CHECK_FALSE(st.runs[k].failed);
    makespans_s.push_back(static_cast<double>(r.timeline.makespan_us) / 1e6);
    costs.push_back(r.timeline.cost.total());
    events += r.events;
  }
  // Noise makes the seeds differ: a loop that reused one seed would give one makespan.
  CHECK(st.runs.front().makespan_us != st.runs.back().makespan_us);
  Distribution dm = distribution(makespans_s), dc = distribution(costs);
  CHECK(st.makespan_s.mean == dm.mean);
  CHECK(st.makespan_s.p50 == dm.p50);
  CHECK(st.makespan_s.p95 == dm.p95);
  CHECK(st.makespan_s.max == dm.max);
  CHECK(st.cost_usd.p99 == dc.p99);
  CHECK(st.cost_usd.min == dc.min);
  CHECK(st.events == events);
  CHECK(st.failed_runs == 0);
  CHECK(st.simulate_seconds > 0);
  CHECK(st.first_trace.tasks.empty());  // not asked for

  SECTION("deterministic per seed") {
    RunStatistics again = simulate_runs(f.model, f.plan, options, 7);
    for (std::size_t k = 0; k < st.runs.size(); ++k)
      CHECK(again.runs[k].makespan_us == st.runs[k].makespan_us);
    CHECK(again.makespan_s.mean == st.makespan_s.mean);
    SimOptions later = options;
    later.seed = 12;
    RunStatistics shifted = simulate_runs(f.model, f.plan, later, 2);
    CHECK(shifted.runs[0].makespan_us == st.runs[1].makespan_us);
    CHECK(shifted.runs[1].makespan_us == st.runs[2].makespan_us);
  }
}

TEST_CASE("the first run's trace, when asked for", "[simulator][runs]") {
  Fixture f;
  SimOptions options;
  options.seed = 5;
  options.noise.enabled = true;
  options.record_trace = true;
  RunStatistics st = simulate_runs(f.model, f.plan, options, 3);
  REQUIRE(st.first_trace.tasks.size() == f.workflow.task_count());
  CHECK(st.first_trace.makespan_us == st.runs[0].makespan_us);
  SimResult direct = simulate(f.model, f.plan, options);
  CHECK(st.first_trace.tasks.size() == direct.trace.tasks.size());
  CHECK(st.first_trace.instances.size() == direct.trace.instances.size());
}

TEST_CASE("failed runs are counted and kept", "[simulator][runs]") {
  Fixture f;
  SimOptions options;
  options.faults.task_failure = 1.0;
  options.faults.max_attempts = 1;
  RunStatistics st = simulate_runs(f.model, f.plan, options, 3);
  REQUIRE(st.runs.size() == 3);
  CHECK(st.failed_runs == 3);
  for (const RunOutcome& r : st.runs) {
    CHECK(r.failed);
    CHECK_FALSE(r.failure.empty());
  }
}

TEST_CASE("the statistics are over the runs that completed, not the failed ones (issue 14)",
          "[simulator][runs]") {
  // `dagsim simulate --runs 5 --task-failure 0.5 --max-attempts 1` averaged the failed runs (cut
  // short where a task ran out of attempts) into the makespan statistics. 1% per attempt on 60
  // tasks: about half of the runs fail, with noise so that the runs differ.
  Fixture f;
  SimOptions options;
  options.noise.enabled = true;
  options.faults.task_failure = 0.01;
  options.faults.max_attempts = 1;
  RunStatistics st = simulate_runs(f.model, f.plan, options, 24);
  REQUIRE(st.runs.size() == 24);
  std::vector<double> completed_s, completed_usd, all_s;
  for (const RunOutcome& r : st.runs) {
    all_s.push_back(static_cast<double>(r.makespan_us) / 1e6);
    if (r.failed) continue;
    completed_s.push_back(static_cast<double>(r.makespan_us) / 1e6);
    completed_usd.push_back(r.cost_usd);
  }
  // Not vacuous: some runs failed and some completed.
  REQUIRE(st.failed_runs == st.runs.size() - completed_s.size());
  REQUIRE(st.failed_runs > 0);
  REQUIRE_FALSE(completed_s.empty());
  const Distribution want_s = distribution(completed_s), want_usd = distribution(completed_usd);
  CHECK(st.makespan_s.mean == want_s.mean);
  CHECK(st.makespan_s.min == want_s.min);
  CHECK(st.makespan_s.max == want_s.max);
  CHECK(st.makespan_s.p95 == want_s.p95);
  CHECK(st.cost_usd.mean == want_usd.mean);
  // With the failed runs in, the mean would differ: they stop early.
  CHECK(distribution(all_s).mean != st.makespan_s.mean);
}

TEST_CASE("effects are added one at a time, in order", "[simulator][effects]") {
  Fixture f;
  SimOptions options;
  options.seed = 4;
  options.noise.enabled = true;
  options.faults.task_failure = 0.2;
  auto makespan = [&](bool contention, bool noise, bool faults) {
    SimOptions o = options;
    o.contention = contention;
    o.noise.enabled = noise;
    if (!faults) o.faults = FaultOptions{};
    return simulate(f.model, f.plan, o).timeline.makespan_us;
  };
  SECTION("every effect") {
    EffectAttribution a = attribute_effects(f.model, f.plan, options);
    CHECK(a.predicted_makespan_us == predict_contention_free(f.model, f.plan).makespan_us);
    CHECK(a.simulated_makespan_us == a.predicted_makespan_us);  // the two agree (decision 0004)
    REQUIRE(a.steps.size() == 3);
    CHECK(a.steps[0].effect == Effect::kContention);
    CHECK(a.steps[1].effect == Effect::kNoise);
    CHECK(a.steps[2].effect == Effect::kFaults);
    CHECK(a.steps[0].makespan_us == makespan(true, false, false));
    CHECK(a.steps[1].makespan_us == makespan(true, true, false));
    CHECK(a.steps[2].makespan_us == makespan(true, true, true));
    CHECK(a.steps[0].added_us == a.steps[0].makespan_us - a.simulated_makespan_us);
    CHECK(a.steps[1].added_us == a.steps[1].makespan_us - a.steps[0].makespan_us);
    CHECK(a.steps[2].added_us == a.steps[2].makespan_us - a.steps[1].makespan_us);
    CHECK(a.steps[2].added_us != 0);  // a fifth of the attempts fail and run again
  }
  SECTION("only what the options enable") {
    options.contention = false;
    options.faults = FaultOptions{};
    EffectAttribution a = attribute_effects(f.model, f.plan, options);
    REQUIRE(a.steps.size() == 1);
    CHECK(a.steps[0].effect == Effect::kNoise);
    CHECK(a.steps[0].makespan_us == makespan(false, true, false));
    options.noise.enabled = false;
    CHECK(attribute_effects(f.model, f.plan, options).steps.empty());
  }
  CHECK(effect_name(Effect::kContention) == "shared bandwidth and vCPUs");
  CHECK(effect_name(Effect::kNoise) == "noise");
  CHECK(effect_name(Effect::kFaults) == "faults and retries");
}
