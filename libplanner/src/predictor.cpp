#include "dagplan/predictor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <future>
#include <limits>
#include <system_error>
#include <thread>

#include "dagplan/error.hpp"
#include "dagplan/json_writer.hpp"
#include "dagplan/run_engine.hpp"

namespace dagplan {
namespace {

// From this many tasks on, the first prediction with a model computes its lower bounds on a
// second thread (below it, starting a thread costs more than it saves).
constexpr std::size_t kParallelBoundsTasks = 50'000;

// The predictor's runner: a task's phases in closed form, without contention (DESIGN.md rules
// 4-6). Downloads are one batched transfer at the task's start (one storage latency plus all
// remote bytes over the worker's bandwidth); with pre-load, each input's download starts as soon
// as it is stored and the worker is ready.
class ClosedFormRunner final : public TaskRunner {
 public:
  void start_task(RunEngine& e, std::uint32_t inst, std::uint32_t ti) override {
    const ExecutionModel& m = e.model();
    const Workflow& w = m.workflow();
    const InstancePrediction& in = e.instance(inst);
    TaskId t{ti};
    TaskPrediction& p = e.record(ti);
    ConfigId c = in.config;
    const std::int64_t start = p.start_us;
    std::int64_t download_end = start;
    const bool preload = e.plan().preload[ti] != 0 && in.worker != kFlexible;
    RunEngine::RemoteInputs r = preload ? e.preloaded_inputs(inst, ti) : e.remote_inputs(inst, ti);
    p.download_bytes = r.any ? r.bytes : 0;
    if (preload) {
      download_end = r.stored_us;
    } else if (r.any) {
      // An output flushed by an evicted worker may land after this task could start.
      download_end = std::max(start, r.stored_us) + m.transfer_us(r.bytes, c);
    }
    p.exec_start_us = download_end + m.dispatch_us();
    p.exec_end_us = p.exec_start_us + m.exec_us(t, c);
    bool upload = e.must_upload(inst, ti);
    e.finish_task(ti, upload,
                  upload ? p.exec_end_us + m.transfer_us(w.output_bytes(t), c) : p.exec_end_us);
  }
};

}  // namespace

Prediction predict(const ExecutionModel& model, const Plan& plan, const PredictOptions& options) {
  check_plan(plan, model.workflow(), model.platform());
  ClosedFormRunner runner;
  // The lower bounds are a pass over the workflow of their own, made once per model. For a big
  // workflow the first prediction makes it on a second thread while it replays the run (the
  // engine does not read them; the future waits for the thread on every path out of here).
  std::future<void> bounds;
  if (!model.has_bounds() && model.workflow().task_count() >= kParallelBoundsTasks &&
      std::thread::hardware_concurrency() > 1) {
    try {
      bounds = std::async(std::launch::async, [&model] { model.bounds(); });
    } catch (const std::system_error&) {
      // No thread to be had: they are made below, after the run.
    }
  }
  Prediction p = RunEngine(model, plan, options, runner).run();
  if (bounds.valid()) bounds.get();  // rethrows what the thread threw
  p.bounds = model.bounds();
  return p;
}

const LowerBounds& ExecutionModel::bounds() const {
  if (!bounds_) bounds_ = lower_bounds(*this);
  return *bounds_;
}

LowerBounds lower_bounds(const ExecutionModel& m) {
  const Workflow& w = m.workflow();
  LowerBounds b;
  std::vector<std::int64_t> finish(w.task_count(), 0);
  std::int64_t cp = 0, work = 0;
  double cost = 0;
  std::uint32_t max_slots = 1;
  std::int64_t min_warm = std::numeric_limits<std::int64_t>::max();
  for (std::size_t c = 0; c < m.config_count(); ++c) {
    ConfigId id{static_cast<std::uint16_t>(c)};
    max_slots = std::max(max_slots, m.slots(id));
    min_warm = std::min(min_warm, m.startup_us(id, true));
  }
  // Cost of a microsecond of one slot of each configuration (billing granularity is not applied
  // per task: an instance may run many tasks). Cheapest execution of a task: the minimum over
  // configurations of exec x slot cost, less half a microsecond of the dearest slot so that the
  // rounding of exec_us can never put a real plan below the floor.
  std::vector<double> slot_cost_per_us(m.config_count());
  double dearest = 0;
  for (std::size_t c = 0; c < m.config_count(); ++c) {
    ConfigId id{static_cast<std::uint16_t>(c)};
    slot_cost_per_us[c] = m.instance_cost(id, 1'000'000) / 1e6 / m.slots(id);
    dearest = std::max(dearest, slot_cost_per_us[c]);
  }
  // A task's cheapest execution depends on its configuration only through its function's
  // slowdown: per function, keep the configurations whose cost per reference microsecond is
  // within 1e-9 of the cheapest. Rounding (about 1e-16 per operation) cannot make any other one
  // cheaper for a task, so the minimum below is the minimum over all configurations.
  std::vector<std::vector<ConfigId>> candidates(w.function_count());
  for (std::uint32_t f = 0; f < w.function_count(); ++f) {
    std::vector<double> per_us(m.config_count());
    double least = std::numeric_limits<double>::infinity();
    for (std::size_t c = 0; c < m.config_count(); ++c) {
      per_us[c] =
          m.slowdown(FunctionId{f}, ConfigId{static_cast<std::uint16_t>(c)}) * slot_cost_per_us[c];
      least = std::min(least, per_us[c]);
    }
    for (std::size_t c = 0; c < m.config_count(); ++c)
      if (!(per_us[c] > least * (1 + 1e-9)))
        candidates[f].push_back(ConfigId{static_cast<std::uint16_t>(c)});
  }
  for (TaskId t : w.topological_order()) {
    std::int64_t best = m.min_exec_us(t);
    double cheapest = std::numeric_limits<double>::infinity();
    double ref_us = m.reference_s(t) * 1e6;
    for (ConfigId c : candidates[index(w.function(t))])
      cheapest = std::min(cheapest, ref_us * m.slowdown(t, c) * slot_cost_per_us[index(c)]);
    cheapest = std::max(0.0, cheapest - 0.5 * dearest);
    std::int64_t start = 0;
    for (TaskId p : w.predecessors(t)) start = std::max(start, finish[index(p)]);
    finish[index(t)] = start + best;
    cp = std::max(cp, finish[index(t)]);
    work += best;
    cost += cheapest;
  }
  b.critical_path_us = cp + m.invoke_us() + min_warm;
  std::uint64_t concurrent =
      m.is_cluster() ? 0 : static_cast<std::uint64_t>(m.platform().max_concurrency) * max_slots;
  if (m.is_cluster())
    for (std::size_t c = 0; c < m.config_count(); ++c) {
      const ResourceConfig& rc = m.config(ConfigId{static_cast<std::uint16_t>(c)});
      concurrent += static_cast<std::uint64_t>(rc.count) *
                    static_cast<std::uint64_t>(std::max(1.0, rc.vcpus));
    }
  b.work_over_concurrency_us =
      work / static_cast<std::int64_t>(std::max<std::uint64_t>(1, concurrent));
  b.cost_floor = cost + m.invocation_cost(1);
  if (m.is_cluster()) b.cost_floor = m.cluster_cost(b.makespan_us());
  return b;
}

std::string prediction_json(const Prediction& p, const ExecutionModel& m, bool per_task) {
  const Workflow& w = m.workflow();
  auto s = [](std::int64_t us) { return static_cast<double>(us) / 1e6; };
  std::string out;
  JsonWriter j(out);
  j.begin_object();
  j.member("makespan_s", s(p.makespan_us));
  j.member("cost_usd", p.cost.total());
  j.key("cost_breakdown_usd");
  j.begin_object(true);
  j.member("compute", p.cost.compute);
  j.member("invocations", p.cost.invocations);
  j.member("storage", p.cost.storage);
  j.end_object();
  j.key("lower_bounds");
  j.begin_object(true);
  j.member("critical_path_s", s(p.bounds.critical_path_us));
  j.member("work_over_concurrency_s", s(p.bounds.work_over_concurrency_us));
  j.member("cost_floor_usd", p.bounds.cost_floor);
  j.end_object();
  j.member("instances_count", static_cast<std::uint64_t>(p.instances.size()));
  j.member("cold_starts", p.cold_starts);
  j.member("warm_starts", p.warm_starts);
  j.member("bytes_uploaded", p.bytes_uploaded);
  j.member("bytes_downloaded", p.bytes_downloaded);
  j.key("assumptions");
  j.begin_array();
  for (const std::string& a : p.assumptions) j.value(a);
  j.end_array();
  if (per_task) {
    j.key("instances");
    j.begin_array();
    for (std::size_t i = 0; i < p.instances.size(); ++i) {
      const InstancePrediction& in = p.instances[i];
      j.begin_object(true);
      j.member("instance", static_cast<std::uint64_t>(i));
      j.member("config", m.config(in.config).name);
      j.member("warm", in.warm);
      j.member("requested_s", s(in.requested_us));
      j.member("start_s", s(in.start_us));
      j.member("ready_s", s(in.ready_us));
      j.member("exited_s", s(in.exited_us));
      j.member("tasks", in.tasks);
      j.end_object();
    }
    j.end_array();
    j.key("tasks");
    j.begin_array();
    for (std::uint32_t t = 0; t < w.task_count(); ++t) {
      const TaskPrediction& tp = p.tasks[t];
      j.begin_object(true);
      j.member("id", w.id(TaskId{t}));
      j.member("instance", tp.instance);
      j.member("ready_s", s(tp.ready_us));
      j.member("start_s", s(tp.start_us));
      j.member("exec_start_s", s(tp.exec_start_us));
      j.member("exec_end_s", s(tp.exec_end_us));
      j.member("finish_s", s(tp.finish_us));
      j.member("uploaded", tp.uploaded);
      j.end_object();
    }
    j.end_array();
  }
  j.end_object();
  // The writer ends a top-level value with a newline; a nested raw value should not carry it.
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace dagplan
