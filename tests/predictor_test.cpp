// The predictor against timelines computed by hand (DESIGN.md section 2, rules 1-8).
// Platform: 1 GB workers with 1 vCPU, 1 MB/s to storage (1 byte = 1 us), cold start 0.5 s, warm
// 0.1 s, invoke 10 ms, storage operations 1 ms, $1 per GB-s and $0.5 per invocation, billed to
// the microsecond. Every expected number below is worked out in the comments.
#include <catch2/catch.hpp>

#include <cmath>

#include "dagplan/generators.hpp"
#include "dagplan/predictor.hpp"
#include "dagplan/random.hpp"
#include "dagplan/sim/simulator.hpp"
#include "dagplan/workflow_io.hpp"
#include "test_util.hpp"

using namespace dagplan;
using test::strict_plan;
using test::test_platform;

namespace {
const TaskPrediction& task(const Prediction& p, const Workflow& w, const char* id) {
  return p.tasks[index(*w.find(id))];
}

constexpr const char* kFanOut = R"({"id": "r", "work_s": 1, "output_bytes": 1000},
  {"id": "x", "work_s": 1, "deps": ["r"]}, {"id": "y", "work_s": 1, "deps": ["r"]},
  {"id": "z", "work_s": 1, "deps": ["r"]})";
}  // namespace

TEST_CASE("a chain on one worker", "[predictor]") {
  Platform platform = test_platform();
  Workflow w = test::wf(
      R"({"id": "a", "work_s": 1, "output_bytes": 1000}, {"id": "b", "work_s": 2, "output_bytes": 1000, "deps": ["a"]},
                     {"id": "c", "work_s": 3, "output_bytes": 1000, "deps": ["b"]})");
  ExecutionModel m(w, platform);
  Prediction p = predict(m, strict_plan(w, {{"a", "w0"}, {"b", "w0"}, {"c", "w0"}}));
  // Invoked at 0, starts at 0.010, cold: ready at 0.510. a runs 0.510-1.510; b is on the same
  // worker, so no upload; counters 1 ms: finish 1.511. b 1.511-3.511, finish 3.512. c
  // 3.512-6.512, a sink: upload 1 ms + 1000 B = 2 ms -> 6.514, completion record -> 6.515.
  CHECK(task(p, w, "a").exec_start_us == 510'000);
  CHECK(task(p, w, "a").finish_us == 1'511'000);
  CHECK_FALSE(task(p, w, "a").uploaded);
  CHECK(task(p, w, "b").exec_start_us == 1'511'000);
  CHECK(task(p, w, "c").exec_end_us == 6'512'000);
  CHECK(task(p, w, "c").upload_end_us == 6'514'000);
  CHECK(p.makespan_us == 6'515'000);
  REQUIRE(p.instances.size() == 1);
  CHECK(p.cold_starts == 1);
  CHECK(p.instances[0].exited_us == 6'515'000);
  CHECK(p.bytes_uploaded == 1000);
  CHECK(p.bytes_downloaded == 0);
  // Billed 6.515 - 0.010 = 6.505 s x 1 GB x $1, plus one invocation at $0.5.
  CHECK(p.cost.compute == Approx(6.505));
  CHECK(p.cost.invocations == Approx(0.5));
  CHECK(p.cost.total() == Approx(7.005));
  // Lower bounds: critical path 6 s + invoke 0.010 + warm start 0.100, then c's upload (2 ms)
  // and completion record (1 ms).
  CHECK(p.bounds.critical_path_us == 6'113'000);
  CHECK(p.bounds.cost_floor == Approx(6.5));
}

TEST_CASE("a diamond on two workers: one upload, one download each way", "[predictor]") {
  Platform platform = test_platform();
  Workflow w = test::wf(
      R"({"id": "a", "work_s": 1, "output_bytes": 1000}, {"id": "b", "work_s": 2, "output_bytes": 2000, "deps": ["a"]},
                     {"id": "c", "work_s": 1, "output_bytes": 3000, "deps": ["a"]}, {"id": "d", "work_s": 1, "output_bytes": 500, "deps": ["b", "c"]})");
  ExecutionModel m(w, platform);
  Prediction p = predict(m, strict_plan(w, {{"a", "w0"}, {"b", "w0"}, {"c", "w1"}, {"d", "w0"}}));
  // a: 0.510-1.510, c is elsewhere: upload 1 ms + 1 ms -> 1.512, counters -> 1.513.
  CHECK(task(p, w, "a").uploaded);
  CHECK(task(p, w, "a").finish_us == 1'513'000);
  // w1 is invoked at 1.513: starts 1.523, cold, ready 2.023; downloads a (2 ms) -> 2.025,
  // runs -> 3.025, uploads 3000 B (1 + 3 ms) -> 3.029, counter -> 3.030, and exits.
  CHECK(task(p, w, "c").start_us == 2'023'000);
  CHECK(task(p, w, "c").exec_start_us == 2'025'000);
  CHECK(task(p, w, "c").finish_us == 3'030'000);
  // b on w0: 1.513-3.513, d is local: no upload; counter -> 3.514 completes d on w0.
  CHECK_FALSE(task(p, w, "b").uploaded);
  CHECK(task(p, w, "d").ready_us == 3'514'000);
  // d downloads c's 3000 B (4 ms) -> 3.518, runs -> 4.518, sink upload 1.5 ms -> 4.5195,
  // completion -> 4.5205.
  CHECK(task(p, w, "d").exec_start_us == 3'518'000);
  CHECK(task(p, w, "d").upload_end_us == 4'519'500);
  CHECK(p.makespan_us == 4'520'500);
  CHECK(p.bytes_uploaded == 1000 + 3000 + 500);
  CHECK(p.bytes_downloaded == 1000 + 3000);
  REQUIRE(p.instances.size() == 2);
  CHECK(p.instances[1].exited_us == 3'030'000);
  // Billed: w0 4.5205 - 0.010, w1 3.030 - 1.523; two invocations.
  CHECK(p.cost.compute == Approx(4.5105 + 1.507));
  CHECK(p.cost.invocations == Approx(1.0));
}

TEST_CASE("a fan-out to flexible workers: cold starts, then warm ones inside keep-alive",
          "[predictor]") {
  Platform platform = test_platform();
  Workflow w = test::wf(kFanOut);
  ExecutionModel m(w, platform);
  Plan plan = make_flexible_plan(w, ConfigId{0});
  Prediction first = predict(m, plan);
  // r: 0.510-1.510; y and z will run elsewhere: upload -> 1.512, counters -> 1.513.
  // x continues on r's worker: 1.513-2.513, sink upload of 0 B (1 ms) and completion -> 2.515.
  // y, z: invoked at 1.513, start 1.523, cold, ready 2.023, download 2 ms, run 2.025-3.025,
  // upload 1 ms, completion -> 3.027.
  CHECK(task(first, w, "r").uploaded);
  CHECK(task(first, w, "x").instance == task(first, w, "r").instance);
  CHECK(task(first, w, "x").exec_start_us == 1'513'000);
  CHECK(task(first, w, "x").finish_us == 2'515'000);
  CHECK(task(first, w, "y").exec_start_us == 2'025'000);
  CHECK(task(first, w, "z").finish_us == 3'027'000);
  CHECK(first.makespan_us == 3'027'000);
  CHECK(first.cold_starts == 3);
  CHECK(first.warm_starts == 0);
  CHECK(first.cost.invocations == Approx(1.5));
  CHECK(first.cost.compute == Approx((2.515 - 0.010) + 2 * (3.027 - 1.523)));
  REQUIRE(first.final_pool.size() == 3);

  SECTION("a second run 1 s later gets warm starts everywhere") {
    PredictOptions again;
    for (WarmContainer c : first.final_pool) {  // shift to the second run's clock
      c.idle_since_us -= first.makespan_us + 1'000'000;
      c.expires_us -= first.makespan_us + 1'000'000;
      again.warm_pool.push_back(c);
    }
    Prediction second = predict(m, plan, again);
    // r: warm, ready 0.110, runs -> 1.110, upload -> 1.112, counters -> 1.113; y, z start at
    // 1.123, warm, ready 1.223, download -> 1.225, run -> 2.225, upload -> 2.226, done 2.227.
    CHECK(second.warm_starts == 3);
    CHECK(second.cold_starts == 0);
    CHECK(task(second, w, "r").exec_start_us == 110'000);
    CHECK(second.makespan_us == 2'227'000);
  }
  SECTION("a second run after keep-alive starts cold again") {
    PredictOptions late;
    for (WarmContainer c : first.final_pool) {
      c.idle_since_us -= first.makespan_us + 8'000'000;
      c.expires_us -= first.makespan_us + 8'000'000;
      late.warm_pool.push_back(c);
    }
    Prediction second = predict(m, plan, late);
    CHECK(second.cold_starts == 3);
    CHECK(second.makespan_us == first.makespan_us);
  }
}

TEST_CASE("a concurrency limit delays invocations", "[predictor]") {
  Platform platform = test_platform(1);
  Workflow w = test::wf(kFanOut);
  ExecutionModel m(w, platform);
  Prediction p = predict(m, make_flexible_plan(w, ConfigId{0}));
  // Only one worker at a time: y and z queue at 1.523 until r's worker exits at 2.515. y then
  // takes its container warm: ready 2.615, download -> 2.617, run -> 3.617, upload -> 3.618,
  // done 3.619; z the same from 3.619: ready 3.719, done 4.723.
  CHECK(task(p, w, "y").start_us == 2'615'000);
  CHECK(task(p, w, "y").finish_us == 3'619'000);
  CHECK(task(p, w, "z").start_us == 3'719'000);
  CHECK(p.makespan_us == 4'723'000);
  CHECK(p.cold_starts == 1);
  CHECK(p.warm_starts == 2);
  // Billing starts when start-up begins, not while queued: (2.515-0.010) + 2 x 1.104.
  CHECK(p.cost.compute == Approx(2.505 + 1.104 + 1.104));
  // The bound: 4 s of work over one worker of one slot.
  CHECK(p.bounds.work_over_concurrency_us == 4'000'000);
}

TEST_CASE("an idle strict worker makes way for a queued one under the concurrency limit",
          "[predictor]") {
  Platform platform = test_platform(1);
  Workflow w = test::wf(
      R"({"id": "a", "work_s": 1}, {"id": "b", "work_s": 1}, {"id": "c", "work_s": 1, "deps": ["a", "b"]})");
  ExecutionModel m(w, platform);
  // w0 owns a and c and waits for b, which is on w1: with one worker allowed, w1 can only run
  // if w0 steps aside. a: 0.510-1.510, done 1.511; w0 is idle while w1 is queued, so it flushes
  // a's output (0 B: 1 ms) and exits at 1.512. w1 starts warm in its container: ready 1.612,
  // b 1.612-2.612, upload 1 ms, done 2.614, and exits. c re-invokes w0: starts 2.624 warm,
  // ready 2.724, downloads a and b (1 ms), runs 2.725-3.725, sink upload and record: 3.727.
  Prediction p = predict(m, strict_plan(w, {{"a", "w0"}, {"c", "w0"}, {"b", "w1"}}));
  CHECK(task(p, w, "a").uploaded);
  CHECK(task(p, w, "a").upload_end_us == 1'512'000);
  CHECK(task(p, w, "b").exec_start_us == 1'612'000);
  CHECK(task(p, w, "c").exec_start_us == 2'725'000);
  CHECK(p.makespan_us == 3'727'000);
  REQUIRE(p.instances.size() == 3);
  CHECK(p.instances[0].exited_us == 1'512'000);
  CHECK(p.instances[2].worker == p.instances[0].worker);
  CHECK(p.cold_starts == 1);
  CHECK(p.warm_starts == 2);
}

TEST_CASE("pre-load overlaps downloads with the worker's other work", "[predictor]") {
  Platform platform = test_platform();
  // a (w0) and big (w1) both feed c on w0; c's input from big is 1 MB (1 s to download).
  Workflow w = test::preload_case();
  ExecutionModel m(w, platform);
  Plan plan = test::preload_case_plan(w);
  Prediction plain = predict(m, plan);
  // big: 0.510-1.510, upload 1.001 s -> 2.511, counter -> 2.512. a: 0.510-3.510, counter
  // -> 3.511 completes c. Without pre-load c downloads at 3.511: 1.001 s -> 4.512.
  CHECK(task(plain, w, "c").exec_start_us == 4'512'000);
  plan.preload[index(*w.find("c"))] = 1;
  Prediction pre = predict(m, plan);
  // With pre-load the download starts at 2.511 when big's output exists -> 3.512, before c is
  // ready at 3.511 + ... so c runs once it is ready and the download is done: 3.512.
  CHECK(task(pre, w, "c").exec_start_us == 3'512'000);
  CHECK(pre.makespan_us < plain.makespan_us);
}

TEST_CASE("pre-load: receiving takes CPU from the task computing on the worker's only vCPU",
          "[predictor][engine]") {
  // The pre-load case: big's 1 MB is stored at 2.511 s and its data arrives on w0 2.512-3.512 s
  // (after the 1 ms latency), c is ready when a is done. At 100 s/GB received, 1 MB takes 0.1 s
  // of CPU from whatever computes on w0's only vCPU meanwhile.
  Platform platform = test_platform();
  platform.receive_cpu_s_per_gb = 100;
  auto c_exec_start = [&](const char* a_work_s) {
    Workflow w = test::wf(std::string(R"({"id": "a", "work_s": )") + a_work_s + R"(},
        {"id": "big", "work_s": 1, "output_bytes": 1000000},
        {"id": "c", "work_s": 1, "deps": ["a", "big"]})");
    ExecutionModel m(w, platform);
    Plan plan = test::preload_case_plan(w);
    plan.preload[index(*w.find("c"))] = 1;
    const Prediction p = predict(m, plan);
    // The same in closed form and in the noise-free simulation.
    CHECK(predict_contention_free(m, plan).makespan_us == p.makespan_us);
    CHECK(sim::simulate(m, plan, sim::SimOptions{}).timeline.makespan_us == p.makespan_us);
    return task(p, w, "c").exec_start_us;
  };
  // a runs 0.51-5.51 s: the whole 1 MB arrives while a computes, a takes 0.1 s longer in
  // effect: c, ready at 5.511 s, executes from 5.611 s (free pre-load: 5.511 s; none: 6.512 s).
  CHECK(c_exec_start("5") == 5'611'000);
  // a runs 0.51-3.51 s: 0.998 s of the 1 s of data (998 kB) arrive while it computes: 99.8 ms.
  // c is ready at 3.511 s: 3.6108 s.
  CHECK(c_exec_start("3") == 3'610'800);
  // a runs 0.51-1.51 s, before big's output exists: w0 is idle as it receives, nothing is
  // taken; c is ready at 2.513 s (big's counter, then the ready event) and has its input at
  // 3.512 s.
  CHECK(c_exec_start("1") == 3'512'000);
  // No CPU time given (the default): the free overlap, as before.
  platform.receive_cpu_s_per_gb = 0;
  CHECK(c_exec_start("5") == 5'511'000);
  // A worker with a spare vCPU (2 vCPUs, 2 slots): nothing is taken either.
  platform.receive_cpu_s_per_gb = 100;
  platform.configs[0].vcpus = 2;
  CHECK(c_exec_start("5") == 5'511'000);
}

TEST_CASE("seconds round to microseconds half away from zero, like llround", "[predictor]") {
  CHECK(seconds_to_us(0.0) == 0);
  CHECK(seconds_to_us(2.5e-6) == 3);
  CHECK(seconds_to_us(-2.5e-6) == -3);
  CHECK(seconds_to_us(1.0) == 1'000'000);
  CHECK(seconds_to_us(-0.25e-6) == 0);
  // Against llround over a spread of values from 10^-6 to 10^2 seconds.
  dagplan::Rng rng(7);
  for (int i = 0; i < 100000; ++i) {
    double s = (rng.uniform() - 0.3) * std::pow(10.0, static_cast<double>(i % 9) - 6);
    INFO(s);
    REQUIRE(seconds_to_us(s) == std::llround(s * 1e6));
  }
  // Just below, at and above halves, reached as seconds whose product by 1e6 is exactly that
  // many microseconds (all of these are; +-0.49999999999999994 us are not).
  auto seconds_for = [](double us) {
    double s = us / 1e6;
    for (int i = 0; i < 64 && s * 1e6 != us; ++i) s = std::nextafter(s, s * 1e6 < us ? 1.0 : -1.0);
    return s;
  };
  for (double half : {1.5, 2.5, 1e9 + 0.5, -2.5, -1e9 - 0.5}) {
    for (double us : {std::nextafter(half, -1e18), half, std::nextafter(half, 1e18)}) {
      INFO(us);
      double s = seconds_for(us);
      REQUIRE(s * 1e6 == us);
      CHECK(seconds_to_us(s) == std::llround(us));
    }
  }
}

TEST_CASE("a big workflow's first prediction gets the same lower bounds from its second thread",
          "[predictor]") {
  // 60,000 tasks: above the size from which predict() computes the bounds on a second thread.
  GeneratorOptions g;
  g.tasks = 60'000;
  g.seed = 3;
  Workflow w = generate_workflow("random-layered", g);
  Platform platform = load_platform("aws-lambda");
  ExecutionModel threaded(w, platform);
  REQUIRE_FALSE(threaded.has_bounds());
  Plan plan = make_flexible_plan(w, ConfigId{0});
  Prediction first = predict(threaded, plan);
  CHECK(threaded.has_bounds());
  LowerBounds direct = lower_bounds(ExecutionModel(w, platform));
  CHECK(first.bounds.critical_path_us == direct.critical_path_us);
  CHECK(first.bounds.work_over_concurrency_us == direct.work_over_concurrency_us);
  CHECK(first.bounds.cost_floor == direct.cost_floor);
  CHECK(first.bounds.critical_path_us > 0);
  // The second prediction reuses them, and the whole prediction is the same.
  Prediction again = predict(threaded, plan);
  CHECK(again.bounds.critical_path_us == first.bounds.critical_path_us);
  CHECK(again.makespan_us == first.makespan_us);
  CHECK(again.cost.total() == first.cost.total());
  CHECK(first.makespan_us >= first.bounds.makespan_us());
}
