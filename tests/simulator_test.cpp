// The simulator: exact agreement with the predictor when contention and noise are impossible,
// and hand-computed timelines for what the predictor leaves out.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <initializer_list>

#include "dagplan/generators.hpp"
#include "dagplan/passes.hpp"
#include "dagplan/planner.hpp"
#include "dagplan/random.hpp"
#include "dagplan/sim/simulator.hpp"
#include "dagplan/workflow_io.hpp"
#include "test_util.hpp"

using namespace dagplan;
using namespace dagplan::sim;

namespace {

// Same numbers as predictor_test.cpp: 1 GB / 1 vCPU workers, 1 MB/s (1 byte = 1 us), cold 0.5 s,
// warm 0.1 s, invoke 10 ms, storage operations 1 ms, $1/GB-s, $0.5/invocation, 1 us billing.
// `vcpus` (1 unless given) and `extra_config`, members of the one configuration.
Platform platform(const std::string& extra_config = "", double storage_bw = 1e18,
                  int concurrency = 10, int vcpus = 1) {
  return read_platform(R"({"format": "dagplan-platform/1", "kind": "serverless", "name": "test",
    "configs": [{"name": "c1", "memory_mb": 1024, "vcpus": )" +
                           std::to_string(vcpus) + R"(, "bandwidth_bytes_per_s": 1e6,
                 "cold_start_s": 0.5, "warm_start_s": 0.1)" +
                           extra_config + R"(}],
    "invoke_latency_s": 0.01, "storage": {"latency_s": 0.001, "bandwidth_bytes_per_s": )" +
                           std::to_string(storage_bw) + R"(}, "keep_alive_s": 7,
    "max_concurrency": )" + std::to_string(concurrency) +
                           R"(, "dag_inline_bytes": 1000000000,
    "billing_granularity_s": 0.000001, "prices": {"per_gb_s": 1.0, "per_invocation": 0.5}})",
                       "test-platform");
}

const TaskPrediction& task(const Prediction& p, const Workflow& w, const char* id) {
  return p.tasks[index(*w.find(id))];
}

// Every field of both timelines, task by task and instance by instance.
void require_same_timeline(const Prediction& a, const Prediction& b) {
  REQUIRE(a.makespan_us == b.makespan_us);
  REQUIRE(a.instances.size() == b.instances.size());
  for (std::size_t i = 0; i < a.instances.size(); ++i) {
    INFO("instance " << i);
    REQUIRE(a.instances[i].start_us == b.instances[i].start_us);
    REQUIRE(a.instances[i].ready_us == b.instances[i].ready_us);
    REQUIRE(a.instances[i].exited_us == b.instances[i].exited_us);
    REQUIRE(a.instances[i].warm == b.instances[i].warm);
  }
  for (std::size_t t = 0; t < a.tasks.size(); ++t) {
    INFO("task " << t);
    const TaskPrediction &x = a.tasks[t], &y = b.tasks[t];
    REQUIRE(x.instance == y.instance);
    REQUIRE(x.ready_us == y.ready_us);
    REQUIRE(x.start_us == y.start_us);
    REQUIRE(x.exec_start_us == y.exec_start_us);
    REQUIRE(x.exec_end_us == y.exec_end_us);
    REQUIRE(x.upload_end_us == y.upload_end_us);
    REQUIRE(x.finish_us == y.finish_us);
    REQUIRE(x.uploaded == y.uploaded);
    REQUIRE(x.download_bytes == y.download_bytes);
  }
  REQUIRE(a.duplicates.size() == b.duplicates.size());
  for (std::size_t i = 0; i < a.duplicates.size(); ++i) {
    INFO("duplicate " << i);
    REQUIRE(a.duplicates[i].task == b.duplicates[i].task);
    REQUIRE(a.duplicates[i].instance == b.duplicates[i].instance);
    REQUIRE(a.duplicates[i].exec_start_us == b.duplicates[i].exec_start_us);
    REQUIRE(a.duplicates[i].exec_end_us == b.duplicates[i].exec_end_us);
  }
  REQUIRE(a.streams.size() == b.streams.size());
  for (std::size_t i = 0; i < a.streams.size(); ++i) {
    INFO("stream " << i);
    REQUIRE(a.streams[i].producer == b.streams[i].producer);
    REQUIRE(a.streams[i].consumer == b.streams[i].consumer);
    REQUIRE(a.streams[i].instance == b.streams[i].instance);
    REQUIRE(a.streams[i].start_us == b.streams[i].start_us);
    REQUIRE(a.streams[i].end_us == b.streams[i].end_us);
  }
  REQUIRE(a.cost.total() == Approx(b.cost.total()).epsilon(1e-12));
}

std::vector<std::pair<std::string, std::shared_ptr<Workflow>>> agreement_suite() {
  std::vector<std::pair<std::string, std::shared_ptr<Workflow>>> out;
  for (const char* shape : {"chain", "fanout-fanin", "tree-reduction", "gemm", "map-reduce",
                            "montage-like", "random-layered"}) {
    GeneratorOptions o;
    o.tasks = 80;
    o.seed = 3;
    out.emplace_back(shape, std::make_shared<Workflow>(generate_workflow(shape, o)));
  }
  for (const auto& e :
       std::filesystem::directory_iterator(test::source_dir() + "/examples/workflows"))
    out.emplace_back(e.path().filename().string(),
                     std::make_shared<Workflow>(load_workflow(e.path().string())));
  return out;
}

// Every public WfCommons instance in `shared`/wfcommons.
std::vector<std::pair<std::string, std::shared_ptr<Workflow>>> wfcommons_workflows(
    const std::string& shared) {
  std::vector<std::pair<std::string, std::shared_ptr<Workflow>>> out;
  for (const auto& f : test::wfcommons_files(shared))
    out.emplace_back(f.filename().string(), std::make_shared<Workflow>(load_workflow(f.string())));
  return out;
}

// Whether some producer's output left its instance twice at once (an upload and a stream, or two
// streams: Plan::stream, decision 0019): those transfers share the producer's bandwidth.
bool shares_output_link(const Prediction& p) {
  std::vector<std::uint32_t> out(p.tasks.size(), 0);
  for (std::size_t t = 0; t < p.tasks.size(); ++t) out[t] = p.tasks[t].uploaded ? 1 : 0;
  for (const StreamPrediction& s : p.streams)
    if (++out[s.producer] > 1) return true;
  return false;
}

// Contention is on but impossible: storage bandwidth is unlimited and every worker runs one
// task at a time (1 vCPU, 1 slot), so no two transfers or executions ever share anything -
// unless a producer uploads and streams its output at once (the pareto planner runs the stream
// pass): then only the contention-aware prediction is compared.
// Plans with duplicates (the taskdup pass) too: the duplicate runs in its consumer's slot on both
// sides; `duplicated` counts those plans. Plans with delayed uploads (the delayed-io pass) too:
// the engine holds and releases them for both; `delayed` counts those plans.
void check_agreement(const std::vector<std::pair<std::string, std::shared_ptr<Workflow>>>& suite,
                     std::size_t* duplicated = nullptr, std::size_t* delayed = nullptr) {
  REQUIRE_FALSE(suite.empty());
  for (const char* base : {"aws-lambda", "cluster"}) {
    Platform p = load_platform(base);
    p.storage_bandwidth_bytes_per_s = 1e18;
    for (ResourceConfig& c : p.configs) c.slots = 1;
    for (const auto& [name, w] : suite) {
      ExecutionModel m(*w, p);
      for (const PlannerInfo& info : planner_registry().planners()) {
        INFO("platform " << base << ", workflow " << name << ", planner " << info.name);
        Plan plan = info.create()->plan(m, PlannerOptions{});
        Prediction predicted = predict_contention_free(m, plan);
        SimOptions o;
        o.contention = true;
        SimResult simulated = simulate(m, plan, o);
        if (!shares_output_link(simulated.timeline))
          require_same_timeline(predicted, simulated.timeline);
        require_same_timeline(predict(m, plan), simulated.timeline);
        if (duplicated == nullptr) continue;
        (void)optimize_plan(m, plan, {"taskdup", "delayed-io"}, PassObjective{});
        if (plan.dup.empty() && plan.delay_io.empty()) continue;
        if (!plan.dup.empty()) ++*duplicated;
        if (!plan.delay_io.empty()) ++*delayed;
        const SimResult with_dups = simulate(m, plan, o);
        REQUIRE(with_dups.timeline.duplicates.empty() == plan.dup.empty());
        REQUIRE(with_dups.timeline.delays.empty() == plan.delay_io.empty());
        if (!shares_output_link(with_dups.timeline))
          require_same_timeline(predict_contention_free(m, plan), with_dups.timeline);
        require_same_timeline(predict(m, plan), with_dups.timeline);
      }
    }
  }
}

// The built-in platforms as they are: transfers share the storage's and the workers' bandwidth
// and tasks share vCPUs. The prediction a user reads is the simulator's noise-free timeline,
// with output streams (the stream pass) too: a stream shares the producer's bandwidth and the
// storage's with its other transfers on both sides (decision 0019).
void check_contention_agreement(
    const std::vector<std::pair<std::string, std::shared_ptr<Workflow>>>& suite) {
  REQUIRE_FALSE(suite.empty());
  std::size_t differed = 0, plans = 0, streamed = 0;
  for (const char* base : {"aws-lambda", "cluster"}) {
    Platform p = load_platform(base);
    for (const auto& [name, w] : suite) {
      ExecutionModel m(*w, p);
      for (const PlannerInfo& info : planner_registry().planners()) {
        INFO("platform " << base << ", workflow " << name << ", planner " << info.name);
        Plan plan = info.create()->plan(m, PlannerOptions{});
        Prediction predicted = predict(m, plan);
        CHECK(predicted.contention);
        SimResult simulated = simulate(m, plan, SimOptions{});
        require_same_timeline(predicted, simulated.timeline);
        ++plans;
        if (predict_contention_free(m, plan).makespan_us != predicted.makespan_us) ++differed;
        (void)optimize_plan(m, plan, {"stream"}, PassObjective{});
        if (plan.stream.empty()) continue;
        ++streamed;
        const SimResult with_streams = simulate(m, plan, SimOptions{});
        REQUIRE_FALSE(with_streams.timeline.streams.empty());
        require_same_timeline(predict(m, plan), with_streams.timeline);
      }
    }
  }
  // The suite exercises sharing: on most plans it changes the makespan.
  CHECK(differed * 2 > plans);
  // The stream pass kept streams in some of the plans: they were compared too.
  CHECK(streamed > 0);
}

// Per concurrency limit (2, then 5) on aws-lambda, each shape's generated workflow (`tasks`
// tasks, seed 5): f(limit, shape, platform, workflow, model).
template <class F>
void under_tight_limits(std::initializer_list<const char*> shapes, std::size_t tasks, F&& f) {
  for (int limit : {2, 5}) {
    Platform p = load_platform("aws-lambda");
    p.max_concurrency = static_cast<std::uint32_t>(limit);
    for (const char* shape : shapes) {
      GeneratorOptions g;
      g.tasks = tasks;
      g.seed = 5;
      Workflow w = generate_workflow(shape, g);
      ExecutionModel m(w, p);
      f(limit, shape, p, w, m);
    }
  }
}

}  // namespace

TEST_CASE("without noise and contention the simulator equals the predictor to the microsecond",
          "[simulator][agreement]") {
  std::size_t duplicated = 0, delayed = 0;
  check_agreement(agreement_suite(), &duplicated, &delayed);
  // The taskdup and delayed-io passes kept duplicates and delays in some of the plans: they were
  // compared too.
  CHECK(duplicated > 0);
  CHECK(delayed > 0);
}

TEST_CASE("with contention the prediction is the simulator's noise-free run to the microsecond",
          "[simulator][agreement][contention]") {
  check_contention_agreement(agreement_suite());
}

TEST_CASE("on the public WfCommons instances too, the simulator equals the predictor",
          "[simulator][agreement][wfcommons]") {
  std::string shared = test::shared_data_dir();
  if (shared.empty()) DAGPLAN_SKIP_TEST("../shared/data is absent: no WfCommons instances");
  check_agreement(wfcommons_workflows(shared));
}

TEST_CASE("two downloads on one worker share its bandwidth", "[simulator][contention]") {
  // Two slots on one 1 MB/s worker; a (1000 B out) feeds b and c, both on w1 with 2 slots.
  Platform p = platform("", 1e18, 10, 2);
  Workflow w = test::wf(
      R"({"id": "a", "work_s": 1, "output_bytes": 1000000}, {"id": "b", "work_s": 1, "deps": ["a"]},
                     {"id": "c", "work_s": 1, "deps": ["a"]})");
  ExecutionModel m(w, p);
  Plan plan = make_flexible_plan(w, ConfigId{0});
  plan.worker_names = {"w0", "w1"};
  plan.worker_config = {ConfigId{0}, ConfigId{0}};
  plan.task_worker = {0, 1, 1};
  Prediction predicted = predict_contention_free(m, plan);
  SimResult s = simulate(m, plan, SimOptions{});
  // a: 0.510-1.510 (w0 cold), upload 1 ms + 1 s -> 2.511, done 2.512, and w0 exits. w1 is
  // invoked at 2.512, starts 2.522 warm in w0's container, ready 2.622; b and c both start;
  // each download waits 1 ms then shares 1 MB/s: 1 MB each at 0.5 MB/s takes 2 s: 2.623 ->
  // 4.623. The predictor, without sharing, says 3.623.
  CHECK(task(predicted, w, "b").exec_start_us == 3'623'000);
  CHECK(task(s.timeline, w, "b").exec_start_us == 4'623'000);
  CHECK(task(s.timeline, w, "c").exec_start_us == 4'623'000);
  CHECK(s.timeline.makespan_us == predicted.makespan_us + 1'000'000);
  // The prediction a user reads shares the bandwidth too, by the same code.
  require_same_timeline(predict(m, plan), s.timeline);
}

TEST_CASE("two tasks on one vCPU share it", "[simulator][contention]") {
  // One worker with 1 vCPU but 2 slots runs two 1-s tasks at once: each at half speed.
  Platform p = platform(R"(, "slots": 2)");
  Workflow w = test::wf(R"({"id": "a", "work_s": 1}, {"id": "b", "work_s": 1})");
  ExecutionModel m(w, p);
  Plan plan = make_flexible_plan(w, ConfigId{0});
  plan.worker_names = {"w0"};
  plan.worker_config = {ConfigId{0}};
  plan.task_worker = {0, 0};
  SimResult s = simulate(m, plan, SimOptions{});
  Prediction predicted = predict_contention_free(m, plan);
  // Ready 0.510; both run 0.510-2.510 sharing the vCPU (without sharing: 0.510-1.510).
  CHECK(task(predicted, w, "a").exec_end_us == 1'510'000);
  CHECK(task(s.timeline, w, "a").exec_end_us == 2'510'000);
  CHECK(task(s.timeline, w, "b").exec_end_us == 2'510'000);
  require_same_timeline(predict(m, plan), s.timeline);
}

TEST_CASE("the aggregate storage bandwidth is shared by all transfers", "[simulator][contention]") {
  // Two roots on two workers upload 1 MB each at the same moment through a 1 MB/s storage.
  Platform p = platform("", 1e6);
  Workflow w = test::wf(
      R"({"id": "a", "work_s": 1, "output_bytes": 1000000}, {"id": "b", "work_s": 1, "output_bytes": 1000000})");
  ExecutionModel m(w, p);
  SimResult s = simulate(m, make_flexible_plan(w, ConfigId{0}), SimOptions{});
  // Both: ready 0.510, exec to 1.510, upload latency to 1.511, then 2 MB through 1 MB/s -> 3.511.
  CHECK(task(s.timeline, w, "a").upload_end_us == 3'511'000);
  CHECK(task(s.timeline, w, "b").upload_end_us == 3'511'000);
}

TEST_CASE("keep-alive expiry turns a warm start cold", "[simulator]") {
  // a runs on w0 (configuration c1); b on w2 (c1) becomes ready when x, on w1 of another
  // configuration (c2), ends: its start is warm only if w0's container is still kept alive.
  Platform p =
      read_platform(R"({"format": "dagplan-platform/1", "kind": "serverless", "name": "two",
    "configs": [{"name": "c1", "memory_mb": 1024, "vcpus": 1, "bandwidth_bytes_per_s": 1e6, "cold_start_s": 0.5, "warm_start_s": 0.1},
                {"name": "c2", "memory_mb": 1024, "vcpus": 1, "bandwidth_bytes_per_s": 1e6, "cold_start_s": 0.5, "warm_start_s": 0.1}],
    "invoke_latency_s": 0.01, "storage": {"latency_s": 0.001, "bandwidth_bytes_per_s": 1e18}, "keep_alive_s": 7,
    "dag_inline_bytes": 1000000000, "prices": {"per_gb_s": 1.0}})",
                    "two.json");
  for (double gap : {5.0, 9.0}) {
    Workflow w =
        test::wf(R"({"id": "a", "work_s": 1}, {"id": "x", "work_s": )" + std::to_string(gap) +
                 R"(}, {"id": "b", "work_s": 1, "deps": ["a", "x"]})");
    ExecutionModel m(w, p);
    Plan plan = make_flexible_plan(w, ConfigId{0});
    plan.worker_names = {"w0", "w1", "w2"};
    plan.worker_config = {ConfigId{0}, ConfigId{1}, ConfigId{0}};
    plan.task_worker = {0, 1, 2};
    plan.task_config = {ConfigId{0}, ConfigId{1}, ConfigId{0}};
    SimResult s = simulate(m, plan, SimOptions{});
    // w0 exits at 1.512 (a uploads 0 B: 1 ms; counters: 1 ms) and its container stays warm
    // until 8.512. x ends at 0.510 + gap, done 2 ms later; w2 starts 10 ms after that: at 5.522
    // (warm: 0.1 s start-up) or at 9.522 (expired: cold, 0.5 s).
    INFO("gap " << gap);
    const InstancePrediction& w2 = s.timeline.instances[task(s.timeline, w, "b").instance];
    CHECK(w2.start_us == static_cast<std::int64_t>((gap + 0.522) * 1e6));
    CHECK(w2.warm == (gap < 7.0));
    CHECK(w2.ready_us - w2.start_us == (gap < 7.0 ? 100'000 : 500'000));
  }
}

TEST_CASE("a task failure and a worker crash are retried", "[simulator][faults]") {
  Platform p = platform();
  Workflow w = test::wf(
      R"({"id": "a", "work_s": 1, "output_bytes": 1000}, {"id": "b", "work_s": 1, "deps": ["a"]})");
  ExecutionModel m(w, p);
  Plan plan = make_flexible_plan(w, ConfigId{0});
  SimOptions o;
  o.record_trace = true;
  SECTION("every attempt fails: the run fails after max_attempts, and says how many") {
    o.faults.task_failure = 1.0;
    for (const std::uint32_t attempts : {3U, 1U}) {
      o.faults.max_attempts = attempts;
      SimResult s = simulate(m, plan, o);
      CHECK(s.failed);
      CHECK_THAT(s.failure, Catch::Contains(attempts == 1 ? "failed 1 time (the last: task failed)"
                                                          : "failed 3 times"));
      CHECK(s.trace.tasks[0].attempts.size() == attempts);
    }
  }
  SECTION("a crash restarts the worker cold and re-reads the inputs") {
    std::string chain = R"({"id": "t0", "work_s": 1, "output_bytes": 1000})";
    for (int i = 1; i < 20; ++i)
      chain += fmt::format(
          R"(, {{"id": "t{}", "work_s": 1, "output_bytes": 1000, "deps": ["t{}"]}})", i, i - 1);
    w = test::wf(chain);
    ExecutionModel mc(w, p);
    plan = make_flexible_plan(w, ConfigId{0});
    o.faults.worker_crash = 0.3;
    o.faults.max_attempts = 10;
    o.seed = 7;
    SimResult s = simulate(mc, plan, o);
    INFO(s.failure);
    REQUIRE_FALSE(s.failed);
    CHECK(s.crashes >= 1);
    // Every crash costs a cold start (0.5 s) and the attempt's lost work: the run is longer.
    Prediction base = predict(mc, plan);
    CHECK(s.timeline.makespan_us >
          base.makespan_us + 500'000 * static_cast<std::int64_t>(s.crashes) - 1);
    std::size_t failed = 0;
    for (const TraceTask& t : s.trace.tasks)
      for (const TraceAttempt& a : t.attempts) failed += a.ok ? 0 : 1;
    CHECK(failed == s.failed_attempts);
  }
}

TEST_CASE("seeded noise is reproducible and the seed matters", "[simulator][noise]") {
  GeneratorOptions g;
  g.tasks = 200;
  Workflow w = generate_workflow("random-layered", g);
  Platform p = load_platform("aws-lambda");
  ExecutionModel m(w, p);
  Plan plan = planner_registry().create("heft")->plan(m, PlannerOptions{});
  SimOptions o;
  o.noise.enabled = true;
  o.seed = 42;
  SimResult a = simulate(m, plan, o), b = simulate(m, plan, o);
  CHECK(a.timeline.makespan_us == b.timeline.makespan_us);
  for (std::size_t t = 0; t < w.task_count(); ++t)
    REQUIRE(a.timeline.tasks[t].exec_end_us == b.timeline.tasks[t].exec_end_us);
  o.seed = 43;
  SimResult c = simulate(m, plan, o);
  CHECK(c.timeline.makespan_us != a.timeline.makespan_us);
  CHECK(a.timeline.makespan_us != predict(m, plan).makespan_us);
}

TEST_CASE("every planner's plan completes under a tight concurrency limit, predicted and simulated",
          "[simulator][engine]") {
  // Strict workers that wait for each other must step aside when invocations queue, and a worker
  // with a ready event on its way must not (regression: montage-like plans of 10^4 tasks on the
  // cluster once ended with tasks sent to a worker that had already left).
  under_tight_limits({"montage-like", "map-reduce", "random-layered", "gemm"}, 300,
                     [](int limit, const char* shape, const Platform&, const Workflow& w,
                        const ExecutionModel& m) {
                       for (const PlannerInfo& info : planner_registry().planners()) {
                         INFO("limit " << limit << ", " << shape << ", " << info.name);
                         Plan plan = info.create()->plan(m, PlannerOptions{});
                         Prediction predicted = predict(m, plan);
                         SimOptions o;
                         o.noise.enabled = true;
                         SimResult s = simulate(m, plan, o);
                         CHECK(predicted.tasks.size() == w.task_count());
                         CHECK_FALSE(s.failed);
                         CHECK(s.timeline.makespan_us >= predicted.bounds.critical_path_us);
                       }
                     });
  Workflow big = generate_workflow("montage-like", GeneratorOptions{10000, 1, 1.0, 1e6, 4.0});
  Platform cluster = load_platform("cluster");
  ExecutionModel m(big, cluster);
  Plan plan = planner_registry().create("uniform")->plan(m, PlannerOptions{});
  CHECK(predict(m, plan).makespan_us > 0);
  CHECK_FALSE(simulate(m, plan, SimOptions{}).failed);
}

TEST_CASE(
    "pareto plans with every pass under a tight concurrency limit: streams across "
    "step-asides, predicted = simulated",
    "[simulator][engine][pareto][stream]") {
  // Regression (CI's sanitizer build, assertions on): outputs streamed to instances that step
  // aside, or made on one, broke the engine's cross-checks (decision 0027). With every pass
  // (`dagplan plan --planner pareto --optimize all`) the plans keep streams where instances are
  // evicted, and the contention-aware prediction is the noise-free simulation.
  const std::vector<std::string> all = pass_registry().select("all");
  std::size_t plans = 0, streamed_and_evicted = 0;
  under_tight_limits({"montage-like", "map-reduce", "random-layered", "fanout-fanin"}, 100,
                     [&](int limit, const char* shape, const Platform& p, const Workflow& w,
                         const ExecutionModel& m) {
                       INFO("limit " << limit << ", " << shape);
                       Plan plan = planner_registry().create("pareto")->plan(m, PlannerOptions{});
                       (void)optimize_plan(m, plan, all, PassObjective{});
                       check_plan(plan, w, p);
                       const Prediction predicted = predict(m, plan);
                       const SimResult s = simulate(m, plan, SimOptions{});
                       require_same_timeline(predicted, s.timeline);
                       REQUIRE(s.timeline.streams.size() == predicted.streams.size());
                       for (std::size_t i = 0; i < predicted.streams.size(); ++i) {
                         CHECK(s.timeline.streams[i].instance == predicted.streams[i].instance);
                         CHECK(s.timeline.streams[i].end_us == predicted.streams[i].end_us);
                       }
                       ++plans;
                       const bool evicted =
                           std::any_of(predicted.instances.begin(), predicted.instances.end(),
                                       [](const InstancePrediction& in) { return in.evicted; });
                       if (evicted && !predicted.streams.empty()) ++streamed_and_evicted;
                     });
  // Not vacuous: some plans stream while instances step aside (random-layered under a limit of
  // 5: 4 streams, 6 step-asides).
  CHECK(streamed_and_evicted > 0);
  CHECK(plans == 8);
}

TEST_CASE("no plan's noise-free run beats the lower bounds, data movement included",
          "[simulator][bounds][property]") {
  // Planners' plans and random assignments (strict workers of random configurations mixed with
  // flexible tasks), on platforms whose storage is slow enough for the data term to count.
  std::size_t runs = 0, data_binding = 0;
  for (const char* base : {"aws-lambda", "cluster"}) {
    for (double storage_bandwidth : {2e7, 2e8, 1e18}) {
      Platform p = load_platform(base);
      p.storage_bandwidth_bytes_per_s = storage_bandwidth;
      for (const char* shape : {"map-reduce", "montage-like", "random-layered", "fanout-fanin"}) {
        GeneratorOptions g;
        g.tasks = 120;
        g.seed = 7;
        g.mean_output_bytes = 2e7;
        Workflow w = generate_workflow(shape, g);
        ExecutionModel m(w, p);
        const LowerBounds& b = m.bounds();
        std::vector<Plan> plans;
        for (const PlannerInfo& info : planner_registry().planners())
          plans.push_back(info.create()->plan(m, PlannerOptions{}));
        Rng rng(11);
        auto below = [&rng](std::uint64_t n) { return rng.next() % n; };
        for (int r = 0; r < 4; ++r) {
          Plan plan = make_flexible_plan(w, ConfigId{0});
          const auto workers = static_cast<std::uint32_t>(1 + below(12));
          for (std::uint32_t k = 0; k < workers; ++k) {
            plan.worker_names.push_back(fmt::format("w{}", k));
            plan.worker_config.push_back(
                ConfigId{static_cast<std::uint16_t>(below(m.config_count()))});
          }
          for (std::uint32_t t = 0; t < w.task_count(); ++t) {
            std::uint64_t k = below(workers + 2);  // two in (workers + 2): flexible
            plan.task_worker[t] = k < workers ? static_cast<std::uint32_t>(k) : kFlexible;
            plan.task_config[t] =
                k < workers ? plan.worker_config[k]
                            : ConfigId{static_cast<std::uint16_t>(below(m.config_count()))};
          }
          plans.push_back(std::move(plan));
        }
        for (const Plan& plan : plans) {
          INFO(base << ", storage " << storage_bandwidth << " B/s, " << shape << ", plan by '"
                    << plan.planner << "'");
          SimResult s = simulate(m, plan, SimOptions{});
          REQUIRE_FALSE(s.failed);
          CHECK(s.timeline.makespan_us >= b.critical_path_us);
          CHECK(s.timeline.makespan_us >= b.work_over_concurrency_us);
          CHECK(s.timeline.makespan_us >= b.data_us);
          ++runs;
          if (b.data_us > std::max(b.critical_path_us, b.work_over_concurrency_us)) ++data_binding;
        }
      }
    }
  }
  // The data term is the binding one in a good share of the runs (36 of 216): the test
  // exercises it.
  CHECK(data_binding * 8 > runs);
}

TEST_CASE("a simulated trace says which start-ups fetched the DAG, as dagrun's do", "[simulator]") {
  // The DAG above the platform's inline threshold: w0's cold start fetches it; w1, invoked when a
  // ends, takes w0's idle container warm, whose process holds the DAG (decision 0035): no fetch.
  using namespace dagplan::test;
  Workflow w = wf(R"({"id": "a", "work_s": 1}, {"id": "b", "work_s": 1, "deps": ["a"]})");
  Platform platform = test_platform();
  platform.dag_inline_bytes = 10;
  ExecutionModel model(w, platform);
  Plan plan = strict_plan(w, {{"a", "w0"}, {"b", "w1"}});
  SimOptions options;
  options.record_trace = true;
  const SimResult r = simulate(model, plan, options);
  REQUIRE(r.trace.instances.size() == 2);
  const TraceInstance& first = r.trace.instances[0];
  const TraceInstance& second = r.trace.instances[1];
  CHECK_FALSE(first.warm);
  CHECK(first.dag_fetched_bytes == static_cast<std::int64_t>(model.dag_bytes()));
  CHECK(first.dag_fetch_us == model.dag_fetch_us(ConfigId{0}));
  CHECK(first.dag_fetch_us > 0);
  CHECK(first.ready_us - first.start_us == 500000 + first.dag_fetch_us);  // cold start 0.5 s
  REQUIRE(second.warm);
  CHECK(second.dag_fetched_bytes == 0);
  CHECK(second.dag_fetch_us == 0);
  CHECK(second.ready_us - second.start_us == 100000);  // warm start 0.1 s, nothing fetched
}
