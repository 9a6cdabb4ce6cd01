// Calibration: parameters chosen by hand, simulated with noise, recovered from the traces within
// stated tolerances; and the refusals (too few samples, outliers, nothing to fit).
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "dagplan/generators.hpp"
#include "dagplan/planner.hpp"
#include "dagplan/sim/calibrate.hpp"
#include "dagplan/sim/simulator.hpp"
#include "dagplan/sim/trace.hpp"
#include "dagplan/workflow_io.hpp"
#include "test_util.hpp"

using namespace dagplan;
using namespace dagplan::sim;

namespace {

// The true platform: two configurations with different bandwidths, start-ups and vCPUs (half a
// vCPU doubles execution times, two vCPUs do not help a function with max_parallelism 1).
// dag_inline_bytes is small so that every start-up includes a DAG fetch, which calibration must
// subtract.
constexpr double kSmallBandwidth = 50e6, kBigBandwidth = 120e6;
constexpr double kSmallCold = 0.4, kSmallWarm = 0.05, kBigCold = 0.25, kBigWarm = 0.03;
constexpr double kStorageLatency = 0.002, kInvokeLatency = 0.02;

Platform true_platform() {
  return read_platform(fmt::format(R"({{"format": "dagplan-platform/1", "kind": "serverless",
    "name": "calibration-test",
    "configs": [
      {{"name": "small", "memory_mb": 1024, "vcpus": 0.5, "bandwidth_bytes_per_s": {},
        "cold_start_s": {}, "warm_start_s": {}}},
      {{"name": "big", "memory_mb": 3584, "vcpus": 2, "bandwidth_bytes_per_s": {},
        "cold_start_s": {}, "warm_start_s": {}}}],
    "invoke_latency_s": {}, "storage": {{"latency_s": {}, "bandwidth_bytes_per_s": 1e12}},
    "keep_alive_s": 7, "max_concurrency": 1000, "dag_inline_bytes": 1000,
    "prices": {{"per_gb_s": 1.6667e-5, "per_invocation": 2e-7}}}})",
                                   kSmallBandwidth, kSmallCold, kSmallWarm, kBigBandwidth, kBigCold,
                                   kBigWarm, kInvokeLatency, kStorageLatency),
                       "calibration-test.json");
}

// The true functions of the tree-reduction shape (load leaves, binary reduce tasks).
Profile true_profile() {
  Profile p;
  p.platform = "calibration-test";
  FunctionProfile load;
  load.name = "load";
  load.work_scale = 1.0;
  load.base_s = 0.2;
  load.per_byte_s = 3e-8;
  load.noise_sigma = 0.05;
  FunctionProfile reduce;
  reduce.name = "reduce";
  reduce.work_scale = 0.5;
  reduce.base_s = 0.3;
  reduce.per_byte_s = 5e-8;
  reduce.noise_sigma = 0.05;
  p.functions = {load, reduce};
  return p;
}

// A trace as dagsim writes it: the simulation's trace with its embedded documents.
Trace simulated_trace(const Workflow& w, const Platform& platform, const Profile& profile,
                      const Plan& plan, std::uint64_t seed, bool noise, std::size_t warm_per_config,
                      const FaultOptions& faults = {}, bool contention = false) {
  ExecutionModel model(w, platform, &profile);
  SimOptions o;
  o.seed = seed;
  // Without contention spans follow the model's formulas: the parameters are identifiable.
  o.contention = contention;
  o.noise.enabled = noise;
  o.record_trace = true;
  o.faults = faults;
  for (std::size_t c = 0; c < platform.configs.size(); ++c)
    for (std::size_t k = 0; k < warm_per_config; ++k)
      o.start.warm_pool.push_back(
          WarmContainer{ConfigId{static_cast<std::uint16_t>(c)}, 0, 1'000'000'000'000});
  SimResult r = simulate(model, plan, o);
  REQUIRE_FALSE(r.failed);
  Trace t = std::move(r.trace);
  t.workflow_json = write_workflow(w);
  t.platform_json = write_platform(platform);
  t.plan_json = write_plan(plan, w, platform);
  return t;
}

// Several runs of tree reductions (a different workflow each, so sizes and work vary), on
// flexible plans of either configuration and on HEFT plans; every trace goes through
// write_trace / read_trace as a file would.
std::vector<Trace> runs(const Platform& platform, const Profile& profile, std::size_t count,
                        bool noise, const FaultOptions& faults = {}, bool heft = true,
                        bool contention = false) {
  std::vector<Trace> out;
  for (std::size_t i = 0; i < count; ++i) {
    GeneratorOptions g;
    g.tasks = 63;
    g.seed = 100 + i;
    g.mean_work_s = 0.5;
    g.mean_output_bytes = 4e6;
    Workflow w = generate_workflow("tree-reduction", g);
    ExecutionModel model(w, platform, &profile);
    Plan plan = heft && i % 3 == 2
                    ? planner_registry().create("heft")->plan(model, PlannerOptions{})
                    : make_flexible_plan(
                          w, ConfigId{static_cast<std::uint16_t>(i % platform.configs.size())});
    Trace t = simulated_trace(w, platform, profile, plan, i + 1, noise, 10, faults, contention);
    out.push_back(read_trace(write_trace(t), fmt::format("run-{}.json", i)));
  }
  return out;
}

const FunctionProfile& function(const Profile& p, const char* name) {
  const FunctionProfile* f = p.find_function(name);
  INFO("function " << name);
  REQUIRE(f != nullptr);
  return *f;
}

const ConfigProfile& config(const Profile& p, const char* name) {
  auto it = std::find_if(p.configs.begin(), p.configs.end(),
                         [&](const ConfigProfile& c) { return c.name == name; });
  INFO("configuration " << name);
  REQUIRE(it != p.configs.end());
  return *it;
}

bool has_note(const CalibrationReport& r, const std::string& part) {
  return std::any_of(r.notes.begin(), r.notes.end(),
                     [&](const std::string& n) { return n.find(part) != std::string::npos; });
}

std::string all_notes(const CalibrationReport& r) {
  std::string s;
  for (const std::string& n : r.notes) s += "\n  " + n;
  return s;
}

// Within `tolerance` of `truth`, relatively.
void check_close(const char* what, double fitted, double truth, double tolerance) {
  INFO(what << ": fitted " << fitted << ", true " << truth << ", tolerance " << 100 * tolerance
            << "%");
  CHECK(std::fabs(fitted - truth) <= tolerance * std::fabs(truth));
}

void check_measured(const char* what, const std::optional<Measured>& m, double truth,
                    double tolerance) {
  INFO(what);
  REQUIRE(m.has_value());
  CHECK(m->samples > 0);
  check_close(what, m->value, truth, tolerance);
}

}  // namespace

TEST_CASE("calibration recovers known parameters", "[calibrate]") {
  // 12 noisy runs (execution sigma 0.05 from the true profile, the simulator's default start-up
  // sigma 0.2 and storage-latency sigma 0.3), 63 tasks each: about 380 executions per function,
  // 500-900 transfers per configuration, 40-180 start-ups per configuration and kind.
  Platform platform = true_platform();
  Profile truth = true_profile();
  std::vector<Trace> traces = runs(platform, truth, 12, true);
  CalibrationReport r = calibrate(traces);
  INFO("notes:" << all_notes(r));
  const Profile& p = r.profile;
  CHECK(r.traces == 12);
  CHECK(r.attempts_used == std::size_t{12} * 63);
  CHECK(p.platform == "calibration-test");

  // Tolerances, and why. Spreads were measured over 30 sets of seeds (workflows and noise)
  // while writing this test; the seeds below are one of them.
  // - function coefficients 10%: the least determined ones (load's base_s and per_byte_s) have
  //   a standard error of about 2.3% at these sample sizes (largest deviation seen: 6.1%), so
  //   10% is about 4 of them;
  // - noise sigma 0.02 absolute: the scaled MAD of ~380 log ratios has a standard error of
  //   ~0.004 at sigma 0.05 (largest deviation seen: 0.009);
  // - bandwidth 2%: the simulator draws no bandwidth noise, only latency noise (2 ms x
  //   lognormal 0.3) on spans of ~30-80 ms, which least squares averages out (seen: < 0.1%);
  // - start-ups 15%: a median of 40 lognormal(0.2) draws (the warm starts of 'small') has a
  //   standard error of ~3.5% (largest deviation seen: 8.6%), and 15% is about 4 of them;
  // - invoke and storage latency 1 us: the simulator draws no noise on invocations or on the
  //   counter update after a task, so their medians are exact up to the clock.
  for (const FunctionProfile& want : truth.functions) {
    INFO("function " << want.name);
    const FunctionProfile& got = function(p, want.name.c_str());
    CHECK(got.samples > 300);
    check_close("work_scale", got.work_scale, want.work_scale, 0.10);
    check_close("base_s", got.base_s, want.base_s, 0.10);
    check_close("per_byte_s", got.per_byte_s, want.per_byte_s, 0.10);
    CHECK(got.noise_sigma == Approx(want.noise_sigma).margin(0.02));
    // Two vCPUs on 'big' against half a vCPU on 'small' are no evidence of a speed-up beyond one
    // vCPU: the defaults stay.
    CHECK(got.vcpu_exponent == 1.0);
    CHECK(got.max_parallelism == 1.0);
    CHECK(got.fit_error < 0.1);
  }
  const ConfigProfile& small = config(p, "small");
  const ConfigProfile& big = config(p, "big");
  check_measured("small bandwidth", small.bandwidth_bytes_per_s, kSmallBandwidth, 0.02);
  check_measured("big bandwidth", big.bandwidth_bytes_per_s, kBigBandwidth, 0.02);
  check_measured("small cold start", small.cold_start_s, kSmallCold, 0.15);
  check_measured("small warm start", small.warm_start_s, kSmallWarm, 0.15);
  check_measured("big cold start", big.cold_start_s, kBigCold, 0.15);
  check_measured("big warm start", big.warm_start_s, kBigWarm, 0.15);
  REQUIRE(p.invoke_latency_s.has_value());
  CHECK(p.invoke_latency_s->value == Approx(kInvokeLatency).margin(1e-6));
  REQUIRE(p.storage_latency_s.has_value());
  CHECK(p.storage_latency_s->value == Approx(kStorageLatency).margin(1e-6));
  CHECK(has_note(r, "DAG fetch was subtracted"));
  CHECK(has_note(r, "vcpu_exponent and max_parallelism kept at defaults"));

  SECTION("the profile is written and read back, and calibrates the platform it came from") {
    Profile again = read_profile(write_profile(p), "calibrated.json");
    REQUIRE(again.functions.size() == 2);
    Platform calibrated = apply_profile(platform, again);
    CHECK(calibrated.configs[1].bandwidth_bytes_per_s == Approx(kBigBandwidth).epsilon(0.02));
    CHECK(calibrated.storage_latency_us == 2000);
  }
}

TEST_CASE("calibration of noise-free traces is exact", "[calibrate]") {
  // Without noise every span is the model's formula rounded to the microsecond: the fit must
  // give the true values to rounding (1e-4 relative; 1 us for times), and no noise.
  Platform platform = true_platform();
  Profile truth = true_profile();
  FaultOptions faults;
  SECTION("without faults") {}
  SECTION("with task failures: failed attempts and the downloads they stretch are left out") {
    faults.task_failure = 0.2;
    faults.max_attempts = 20;
  }
  CalibrationReport r = calibrate(runs(platform, truth, 6, false, faults));
  INFO("notes:" << all_notes(r));
  const Profile& p = r.profile;
  for (const FunctionProfile& want : truth.functions) {
    INFO("function " << want.name);
    const FunctionProfile& got = function(p, want.name.c_str());
    check_close("work_scale", got.work_scale, want.work_scale, 1e-4);
    check_close("base_s", got.base_s, want.base_s, 1e-4);
    check_close("per_byte_s", got.per_byte_s, want.per_byte_s, 1e-4);
    CHECK(got.noise_sigma < 1e-4);
    CHECK(got.fit_error < 1e-4);
  }
  check_measured("small bandwidth", config(p, "small").bandwidth_bytes_per_s, kSmallBandwidth,
                 1e-4);
  check_measured("big bandwidth", config(p, "big").bandwidth_bytes_per_s, kBigBandwidth, 1e-4);
  CHECK(config(p, "small").cold_start_s->value == Approx(kSmallCold).margin(1e-6));
  CHECK(config(p, "small").warm_start_s->value == Approx(kSmallWarm).margin(1e-6));
  CHECK(config(p, "big").cold_start_s->value == Approx(kBigCold).margin(1e-6));
  CHECK(config(p, "big").warm_start_s->value == Approx(kBigWarm).margin(1e-6));
  CHECK(p.storage_latency_s->value == Approx(kStorageLatency).margin(1e-6));
  CHECK(p.invoke_latency_s->value == Approx(kInvokeLatency).margin(1e-6));
  if (faults.task_failure > 0) {
    CHECK(has_note(r, "failed attempts left out"));
    CHECK(has_note(r, "of retried attempts left out"));
  }
}

TEST_CASE("calibration refuses parameters with too few samples", "[calibrate]") {
  // A three-task chain on one flexible 'small' worker: three executions of 'f', one cold start,
  // no warm start, two uploads at most.
  Platform platform = true_platform();
  Workflow w = read_workflow(R"({"format": "dagplan-workflow/1", "name": "chain", "tasks": [
    {"id": "a", "function": "f", "work_s": 0.1, "input_bytes": 1000000, "output_bytes": 2000000},
    {"id": "b", "function": "f", "work_s": 0.2, "output_bytes": 3000000, "deps": ["a"]},
    {"id": "c", "function": "f", "work_s": 0.3, "output_bytes": 1000, "deps": ["b"]}]})",
                             "chain.json");
  Profile none;
  Trace t = simulated_trace(w, platform, none, make_flexible_plan(w, ConfigId{0}), 1, true, 0);
  CalibrationReport r = calibrate({t});
  INFO("notes:" << all_notes(r));
  CHECK(r.profile.find_function("f") == nullptr);
  CHECK(has_note(r, "function 'f': not fitted: 3 successful executions, fewer than 5"));
  CHECK(has_note(r, "configuration 'small': cold start: not fitted: 1 sample, fewer than 5"));
  CHECK(has_note(r, "configuration 'small': warm start: not fitted: 0 samples"));
  CHECK(has_note(r, "configurations without any instance in the traces: big"));
  CHECK_FALSE(r.profile.invoke_latency_s.has_value());
  for (const ConfigProfile& c : r.profile.configs) {
    CHECK_FALSE(c.cold_start_s.has_value());
    CHECK_FALSE(c.bandwidth_bytes_per_s.has_value());
  }

  SECTION("with min_samples 3 the function is fitted from its three executions") {
    CalibrationOptions o;
    o.min_samples = 3;
    CalibrationReport r3 = calibrate({t}, o);
    const FunctionProfile* f = r3.profile.find_function("f");
    REQUIRE(f != nullptr);
    CHECK(f->samples == 3);
  }
}

TEST_CASE("calibration leaves an outlier out and says so", "[calibrate]") {
  Platform platform = true_platform();
  Profile truth = true_profile();
  std::vector<Trace> traces = runs(platform, truth, 3, false);
  CalibrationReport clean = calibrate(traces);
  const std::uint32_t n = function(clean.profile, "load").samples;

  // One execution of a load task takes 50 times as long; everything after it on that attempt
  // moves later by as much. The task is the last one on its worker (a leaf whose flexible
  // worker did not go on to a reduce), so the longer execution overlaps nothing.
  Trace& t = traces[1];
  auto last_on_instance = [&](const TraceTask& x) {
    if (x.id.rfind("load", 0) != 0) return false;
    const TraceAttempt& a = x.attempts.back();
    for (const TraceTask& y : t.tasks)
      for (const TraceAttempt& b : y.attempts)
        if (&b != &a && b.instance == a.instance && b.start_us >= a.start_us) return false;
    return true;
  };
  auto task = std::find_if(t.tasks.begin(), t.tasks.end(), last_on_instance);
  REQUIRE(task != t.tasks.end());
  TraceAttempt& a = task->attempts.back();
  std::int64_t extra = 49 * (a.exec_end_us - a.exec_start_us);
  REQUIRE(extra > 0);
  a.exec_end_us += extra;
  a.upload_start_us += extra;
  a.upload_end_us += extra;
  a.finish_us += extra;

  CalibrationReport r = calibrate(traces);
  INFO("notes:" << all_notes(r));
  const FunctionProfile& load = function(r.profile, "load");
  CHECK(load.samples == n - 1);
  CHECK(has_note(r, fmt::format("function 'load': 1 execution of {} left out as outliers", n)));
  check_close("base_s", load.base_s, 0.2, 1e-4);
  check_close("per_byte_s", load.per_byte_s, 3e-8, 1e-4);
  CHECK(load.noise_sigma < 1e-4);

  SECTION("a wider outlier rule keeps it") {
    CalibrationOptions o;
    o.outlier_mads = 1e9;
    CHECK(function(calibrate(traces, o).profile, "load").samples == n);
  }
}

TEST_CASE("calibration needs at least one successful attempt", "[calibrate]") {
  REQUIRE_INPUT_ERROR(calibrate({}), "<traces>", "no successful task attempt");
  Platform platform = true_platform();
  std::vector<Trace> traces = runs(platform, true_profile(), 1, false);
  for (TraceTask& task : traces[0].tasks)
    for (TraceAttempt& a : task.attempts) a.ok = false;
  REQUIRE_INPUT_ERROR(calibrate(traces), "<traces>",
                      "no successful task attempt to calibrate from in 1 trace");
}

TEST_CASE("calibration fits a vCPU speed-up only where executions show one", "[calibrate]") {
  // Three configurations with 1, 2 and 4 vCPUs. 'load' uses up to 4 vCPUs with exponent 0.8
  // (2 vCPUs: 1.74x, 4: 3.03x faster); 'reduce' is single-threaded (the defaults).
  Platform platform = read_platform(R"({"format": "dagplan-platform/1", "kind": "serverless",
    "name": "vcpus", "configs": [
      {"name": "c1", "memory_mb": 1792, "vcpus": 1, "bandwidth_bytes_per_s": 1e8,
       "cold_start_s": 0.3, "warm_start_s": 0.03},
      {"name": "c2", "memory_mb": 3584, "vcpus": 2, "bandwidth_bytes_per_s": 1e8,
       "cold_start_s": 0.3, "warm_start_s": 0.03},
      {"name": "c4", "memory_mb": 7168, "vcpus": 4, "bandwidth_bytes_per_s": 1e8,
       "cold_start_s": 0.3, "warm_start_s": 0.03}],
    "invoke_latency_s": 0.02, "storage": {"latency_s": 0.002, "bandwidth_bytes_per_s": 1e12}})",
                                    "vcpus.json");
  Profile truth = true_profile();
  truth.functions[0].max_parallelism = 4;
  truth.functions[0].vcpu_exponent = 0.8;
  CalibrationReport r = calibrate(runs(platform, truth, 12, true, {}, false));
  INFO("notes:" << all_notes(r));
  // Tolerances: the exponent is a slope over log(vCPUs) from ~380 executions with sigma 0.05,
  // standard error ~0.01: 0.05 absolute; coefficients 10% as in the first test.
  const FunctionProfile& load = function(r.profile, "load");
  CHECK(load.vcpu_exponent == Approx(0.8).margin(0.05));
  CHECK(load.max_parallelism == 4.0);
  check_close("load base_s", load.base_s, 0.2, 0.10);
  check_close("load per_byte_s", load.per_byte_s, 3e-8, 0.10);
  check_close("load work_scale", load.work_scale, 1.0, 0.10);
  CHECK(load.noise_sigma == Approx(0.05).margin(0.02));
  const FunctionProfile& reduce = function(r.profile, "reduce");
  CHECK(reduce.vcpu_exponent == 1.0);
  CHECK(reduce.max_parallelism == 1.0);
  CHECK(has_note(r, "function 'reduce': no speed-up from more vCPUs measured"));
  check_close("reduce base_s", reduce.base_s, 0.3, 0.10);
}

TEST_CASE("calibration leaves out transfers that shared bandwidth", "[calibrate]") {
  // With contention on, transfers on one worker share its bandwidth and all of them share the
  // storage's 150 MB/s: three 'small' (50 MB/s) transfers at once, or one 'big' (120 MB/s),
  // run at full speed. Calibration must leave the others out rather than fit a lower bandwidth.
  // Noise off, so what is left is exact.
  Platform platform = true_platform();
  platform.storage_bandwidth_bytes_per_s = 150e6;
  CalibrationReport r = calibrate(runs(platform, true_profile(), 6, false, {}, true, true));
  INFO("notes:" << all_notes(r));
  CHECK(has_note(r, "more transfers were in flight than the storage's aggregate bandwidth"));
  check_measured("small bandwidth", config(r.profile, "small").bandwidth_bytes_per_s,
                 kSmallBandwidth, 1e-4);
  check_measured("big bandwidth", config(r.profile, "big").bandwidth_bytes_per_s, kBigBandwidth,
                 1e-4);
  CHECK_FALSE(has_note(r, "transfers of"));  // no outliers: the contended ones are out already
}

TEST_CASE("one transfer size: the bandwidth from the storage latency measured apart",
          "[calibrate]") {
  // Ten flexible tasks on 'small', each reading the 2 MB output of a root and writing 2 MB: every
  // transfer moves one size, so the joint fit cannot separate latency and bandwidth; the counter
  // updates give the latency, and the spans less it give the bandwidth.
  Platform platform = true_platform();
  std::string tasks =
      R"({"id": "root", "function": "load", "work_s": 0.1, "output_bytes": 2000000})";
  for (int i = 0; i < 10; ++i)
    tasks += fmt::format(
        R"(, {{"id": "t{}", "function": "reduce", "work_s": 0.1, "output_bytes": 2000000, "deps": ["root"]}})",
        i);
  Workflow w = read_workflow(
      R"({"format": "dagplan-workflow/1", "name": "fan", "tasks": [)" + tasks + "]}", "fan.json");
  Profile none;
  Trace t = simulated_trace(w, platform, none, make_flexible_plan(w, ConfigId{0}), 3, false, 0);
  CalibrationReport r = calibrate({t});
  INFO("notes:" << all_notes(r));
  CHECK(has_note(r, "every transfer moved 2000000 bytes: bandwidth from their median span"));
  const ConfigProfile* small = nullptr;
  for (const ConfigProfile& c : r.profile.configs)
    if (c.name == "small") small = &c;
  REQUIRE(small != nullptr);
  REQUIRE(small->bandwidth_bytes_per_s.has_value());
  CHECK(small->bandwidth_bytes_per_s->value == Approx(kSmallBandwidth).epsilon(0.02));
}

TEST_CASE("a bandwidth fitted on small transfers alone must explain the large ones",
          "[calibrate]") {
  // As measured on a dagrun trace of tree-reduction: many transfers of a few bytes, whose spans
  // are a round trip and its jitter, and a few of 1 MB taking milliseconds, unevenly. Judged by
  // absolute residuals the large ones are all outliers; the small ones left give a slope of
  // noise (here 1.5 us per byte: 1 MB in 1.5 s). That is no fit: the largest transfer measured
  // took 12 ms.
  Platform platform = true_platform();
  std::string tasks;
  for (int i = 0; i < 2; ++i)
    tasks += fmt::format(
        R"({}{{"id": "big{}", "function": "load", "work_s": 0.1, "output_bytes": 1000000}},
           {{"id": "use{}", "function": "reduce", "work_s": 0.1, "output_bytes": 24, "deps": ["big{}"]}},
           {{"id": "reuse{}", "function": "reduce", "work_s": 0.1, "output_bytes": 24, "deps": ["big{}"]}})",
        i == 0 ? "" : ",", i, i, i, i, i);
  for (int i = 0; i < 20; ++i)
    tasks += fmt::format(
        R"(, {{"id": "tiny{}", "function": "load", "work_s": 0.1, "output_bytes": {}}},
           {{"id": "sum{}", "function": "reduce", "work_s": 0.1, "output_bytes": 24, "deps": ["tiny{}"]}},
           {{"id": "resum{}", "function": "reduce", "work_s": 0.1, "output_bytes": 24, "deps": ["tiny{}"]}})",
        i, i % 2 == 0 ? 24 : 48, i, i, i, i);
  Workflow w = read_workflow(
      R"({"format": "dagplan-workflow/1", "name": "mixed", "tasks": [)" + tasks + "]}",
      "mixed.json");
  Profile none;
  Trace t = simulated_trace(w, platform, none, make_flexible_plan(w, ConfigId{0}), 5, false, 0);
  // The measured spans (shorter than the simulated ones, so every timestamp stays in order).
  int k = 0, large = 0;
  auto span_us = [&](std::uint64_t bytes) -> std::int64_t {
    ++k;
    if (bytes >= 1000000) return ++large % 2 == 0 ? 1000 : 12000;
    return 100 + static_cast<std::int64_t>(bytes) * 3 / 2 + (37 * k) % 61;
  };
  for (TraceTask& task : t.tasks)
    for (TraceAttempt& a : task.attempts) {
      for (TraceInput& in : a.inputs)
        if (in.source == TraceInput::Source::kDownload) in.end_us = in.start_us + span_us(in.bytes);
      if (a.upload_end_us > a.upload_start_us)
        a.upload_end_us = a.upload_start_us + span_us(task.output_bytes);
    }
  CalibrationReport r = calibrate({t});
  INFO("notes:" << all_notes(r));
  const ConfigProfile& small = config(r.profile, "small");
  if (small.bandwidth_bytes_per_s) CHECK(1e6 / small.bandwidth_bytes_per_s->value <= 10 * 0.012);
  CHECK(has_note(r, "bandwidth not fitted"));
}

TEST_CASE("too few start-ups of a configuration: the median of all configurations' start-ups",
          "[calibrate]") {
  // Three flexible roots on each configuration: three cold starts each, six in all.
  Platform platform = true_platform();
  Workflow w = read_workflow(R"({"format": "dagplan-workflow/1", "name": "six", "tasks": [
    {"id": "a", "function": "load", "work_s": 0.1}, {"id": "b", "function": "load", "work_s": 0.1},
    {"id": "c", "function": "load", "work_s": 0.1}, {"id": "d", "function": "load", "work_s": 0.1},
    {"id": "e", "function": "load", "work_s": 0.1}, {"id": "f", "function": "load", "work_s": 0.1}]})",
                             "six.json");
  Plan plan = make_flexible_plan(w, ConfigId{0});
  for (std::uint32_t t = 3; t < 6; ++t) plan.task_config[t] = ConfigId{1};
  Profile none;
  Trace t = simulated_trace(w, platform, none, plan, 5, false, 0);
  CalibrationReport r = calibrate({t});
  INFO("notes:" << all_notes(r));
  CHECK(has_note(r,
                 "configuration 'small': cold start: 3 samples of its own: the median of "
                 "every configuration's 6 cold starts"));
  int fitted = 0;
  for (const ConfigProfile& c : r.profile.configs) {
    if (!c.cold_start_s) continue;
    ++fitted;
    // Between the two true values: the median of three starts of each.
    CHECK(c.cold_start_s->value >= kBigCold - 1e-6);
    CHECK(c.cold_start_s->value <= kSmallCold + 1e-6);
  }
  CHECK(fitted == 2);
}
