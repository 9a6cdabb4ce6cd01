#include "dagplan/predictor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <future>
#include <limits>
#include <system_error>
#include <thread>

#include "dagplan/error.hpp"
#include "dagplan/event_run.hpp"
#include "dagplan/json_writer.hpp"
#include "dagplan/limits.hpp"
#include "run_engine_internal.hpp"

namespace dagplan {
namespace {

// From this many tasks on, the first prediction with a model computes its lower bounds on a
// second thread (below it, starting a thread costs more than it saves).
constexpr std::size_t kParallelBoundsTasks = 50'000;
// From this many tasks on, predict() with also_contention_free runs the closed form on a second
// thread beside the event run.
constexpr std::size_t kParallelContentionFreeTasks = 50'000;

}  // namespace

namespace {

// Runs `replay` (the event run or the closed form) and attaches the model's lower bounds. The
// lower bounds are a pass over the workflow of their own, made once per model. For a big
// workflow the first prediction makes it on a second thread while it replays the run (the
// replay does not read them; the future waits for the thread on every path out of here).
template <typename Replay>
Prediction with_bounds(const ExecutionModel& model, const PredictOptions& options,
                       Replay&& replay) {
  std::future<void> bounds;
  if (!model.has_bounds() && model.workflow().task_count() >= kParallelBoundsTasks &&
      std::thread::hardware_concurrency() > 1) {
    try {
      bounds = std::async(std::launch::async, [&model] { model.bounds(); });
    } catch (const std::system_error&) {
      // No thread to be had: they are made below, after the run.
    }
  }
  Prediction p = replay();
  if (bounds.valid()) bounds.get();  // rethrows what the thread threw
  p.bounds = run_bounds(model, options);
  return p;
}

}  // namespace

Prediction predict(const ExecutionModel& model, const Plan& plan, const PredictOptions& options) {
  return with_bounds(model, options, [&] {
    // The contention-free run reads only the model and the plan, as the event run does: for a
    // big workflow it runs on a second thread beside the event run (its result is the same,
    // whichever finishes first; the future waits for the thread on every path out of here).
    std::future<std::int64_t> free_run;
    if (options.also_contention_free &&
        model.workflow().task_count() >= kParallelContentionFreeTasks &&
        std::thread::hardware_concurrency() > 1) {
      try {
        free_run = std::async(std::launch::async, [&] {
          return detail::run_closed_form(model, plan, options).makespan_us;
        });
      } catch (const std::system_error&) {
        // No thread to be had: it runs below, after the event run.
      }
    }
    EventRunOptions run;
    run.start = options;
    EventRunResult r = run_events(model, plan, run);
    if (!r.failure.empty()) throw Error(r.failure);
    if (free_run.valid()) {
      r.timeline.contention_free_makespan_us = free_run.get();  // rethrows what it threw
    } else if (options.also_contention_free) {
      r.timeline.contention_free_makespan_us =
          detail::run_closed_form(model, plan, options).makespan_us;
    }
    return std::move(r.timeline);
  });
}

std::string contention_note(const Prediction& p) {
  if (p.contention_free_makespan_us <= 0 || !p.contention) return "";
  const double with = static_cast<double>(p.makespan_us);
  const double without = static_cast<double>(p.contention_free_makespan_us);
  if (std::abs(with - without) <= kContentionNoteThreshold * without) return "";
  return fmt::format(
      "sharing bandwidth and vCPUs makes this run x{:.2f} as long as the contention-free "
      "estimate ({:.3f} s) that the planners optimise",
      with / without, without / 1e6);
}

Prediction predict_contention_free(const ExecutionModel& model, const Plan& plan,
                                   const PredictOptions& options) {
  return with_bounds(model, options, [&] { return detail::run_closed_form(model, plan, options); });
}

const LowerBounds& ExecutionModel::bounds() const {
  if (!bounds_) bounds_ = lower_bounds(*this);
  return *bounds_;
}

LowerBounds run_bounds(const ExecutionModel& model, const PredictOptions& start) {
  LowerBounds b = model.bounds();
  // A container warm at the start may run a worker before any cold start could: the cold-start
  // path assumes none. (The cost floor does not depend on it: makespan_cost() is 0 wherever
  // the path is counted, on serverless platforms.)
  if (!start.warm_pool.empty()) b.cold_path_us = 0;
  return b;
}

LowerBounds lower_bounds(const ExecutionModel& m) {
  const Workflow& w = m.workflow();
  LowerBounds b;
  std::vector<std::int64_t> finish(w.task_count(), 0);
  std::int64_t cp = 0, work = 0;  // work: the sum of min_exec_us
  double cost = 0;
  std::int64_t min_warm = std::numeric_limits<std::int64_t>::max();
  std::int64_t min_cold = std::numeric_limits<std::int64_t>::max();
  for (std::size_t c = 0; c < m.config_count(); ++c) {
    ConfigId id{static_cast<std::uint16_t>(c)};
    min_warm = std::min(min_warm, m.startup_us(id, true));
    min_cold = std::min(min_cold, m.startup_us(id, false));
  }
  // The fastest transfer of `bytes`: one storage operation at the best bandwidth, alone.
  auto fastest_transfer = [&m](std::uint64_t bytes) {
    std::int64_t best = std::numeric_limits<std::int64_t>::max();
    for (std::size_t c = 0; c < m.config_count(); ++c)
      best = std::min(best, m.transfer_us(bytes, ConfigId{static_cast<std::uint16_t>(c)}));
    return best;
  };
  // The cold-start path (LowerBounds::cold_path_us; decisions 0033 and 0040): on a serverless
  // platform with transfers through storage only. Per task, the earliest end of its execution:
  // own[] without a duplicate in its slot, end[] with or without one. A task starts after each
  // producer's end and counter update (the run engine's finish_task(): the update follows every
  // task, and its successors are counted, local or not, when it is done), except the one
  // producer it may duplicate (rule 9), whose execution then ends in its slot: the duplicate
  // waits for that producer's own inputs as counted (run_inputs()), not for their duplicates,
  // so own[] of the producer. A task with a literal input downloads it once a worker is up.
  // Every worker is up at the earliest at `up`: invoked at 0 and started cold (a warm start
  // takes a container that an instance of this run or a pre-warm it sent left, once up).
  const bool cold_path = !m.platform().has_machines() && !m.direct_transfers();
  const std::int64_t up = m.invoke_us() + min_cold, op = m.storage_op_us();
  std::vector<std::int64_t> own, end;
  if (cold_path) {
    own.assign(w.task_count(), 0);
    end.assign(w.task_count(), 0);
  }
  std::int64_t cold = 0;
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
    std::int64_t done = finish[index(t)];
    // A sink's output is uploaded for the client after it executes (at best at the fastest
    // configuration's bandwidth, alone), then its completion is recorded: one operation more.
    const std::int64_t recorded = !m.direct_transfers() && w.out_degree(t) == 0
                                      ? fastest_transfer(w.output_bytes(t)) + op
                                      : 0;
    done += recorded;
    cp = std::max(cp, done);
    if (cold_path) {
      std::int64_t ready = up;
      if (w.input_bytes(t) > 0) ready += fastest_transfer(w.input_bytes(t));
      std::int64_t first = 0, second = 0;  // the two latest producer ends plus their updates
      for (TaskId q : w.predecessors(t)) {
        const std::int64_t e = end[index(q)] + op;
        if (e > first) {
          second = first;
          first = e;
        } else {
          second = std::max(second, e);
        }
      }
      own[index(t)] = std::max(ready, first) + best;
      std::int64_t earliest = own[index(t)];
      for (TaskId q : w.predecessors(t)) {
        const std::int64_t others = end[index(q)] + op == first ? second : first;
        earliest = std::min(earliest, std::max({ready, others, own[index(q)]}) + best);
      }
      end[index(t)] = earliest;
      if (w.out_degree(t) == 0) cold = std::max(cold, earliest + recorded);
    }
    work += best;
    cost += cheapest;
  }
  b.critical_path_us = cp + m.invoke_us() + min_warm;
  if (cold_path) b.cold_path_us = std::max(cold, b.critical_path_us);
  // Total work over the most work that can be done at once. A task of function f takes at
  // least min_exec on any configuration, and rho(c) times that on c, where rho(c) is the least
  // over functions of slowdown(f, c) / min over configurations of slowdown(f, c) (1 for the
  // fastest; 1 / relative speed on a cluster of machines that differ only in speed). So at most
  // slots(c) / rho(c) units of min_exec work are done per unit of time by a worker of c, and at
  // most capacity(c) of them run at once, max_workers() in all. With some rho(c) > 1 the
  // rounding of each task's time to microseconds may cost up to 1 us per task: taken off.
  std::vector<double> least_slowdown(w.function_count(), std::numeric_limits<double>::infinity());
  std::vector<std::uint8_t> used(w.function_count(), 0);
  for (std::uint32_t t = 0; t < w.task_count(); ++t) used[index(w.function(TaskId{t}))] = 1;
  for (std::uint32_t f = 0; f < w.function_count(); ++f)
    for (std::size_t c = 0; c < m.config_count(); ++c)
      least_slowdown[f] = std::min(
          least_slowdown[f], m.slowdown(FunctionId{f}, ConfigId{static_cast<std::uint16_t>(c)}));
  double sum_rate = 0, best_rate = 0, sum_exact = 0, best_exact = 0;  // exact: rho = 1 only
  for (std::size_t c = 0; c < m.config_count(); ++c) {
    ConfigId id{static_cast<std::uint16_t>(c)};
    double rho = std::numeric_limits<double>::infinity();
    for (std::uint32_t f = 0; f < w.function_count(); ++f)
      if (used[f]) rho = std::min(rho, m.slowdown(FunctionId{f}, id) / least_slowdown[f]);
    if (!(rho < std::numeric_limits<double>::infinity())) rho = 1;
    double per_worker = static_cast<double>(m.slots(id)) / rho;
    sum_rate += static_cast<double>(m.capacity(id)) * per_worker;
    best_rate = std::max(best_rate, per_worker);
    if (rho == 1.0) {
      sum_exact += static_cast<double>(m.capacity(id)) * per_worker;
      best_exact = std::max(best_exact, per_worker);
    }
  }
  const auto limit = static_cast<double>(m.max_workers());
  double rate = std::min(sum_rate, limit * best_rate);
  double units = static_cast<double>(work);
  if (rate != std::min(sum_exact, limit * best_exact))  // configurations with rho > 1 count
    units = std::max(0.0, units - static_cast<double>(w.task_count()));
  b.work_over_concurrency_us = static_cast<std::int64_t>(std::floor(units / std::max(1.0, rate)));
  // Bytes that move through storage whatever the plan: storage's aggregate bandwidth caps the
  // sum of every transfer's rate (ExecutionModel::storage_rate), so they need at least their
  // total over it, once the first worker is up and an operation's latency has passed.
  double must_move = 0;
  for (std::uint32_t t = 0; t < w.task_count(); ++t) {
    must_move += static_cast<double>(w.input_bytes(TaskId{t}));
    if (!m.direct_transfers() && w.out_degree(TaskId{t}) == 0)
      must_move += static_cast<double>(w.output_bytes(TaskId{t}));
  }
  if (must_move > 0) {
    double us = std::floor(must_move / m.platform().storage_bandwidth_bytes_per_s * 1e6);
    b.data_us = m.invoke_us() + min_warm + m.storage_op_us() +
                static_cast<std::int64_t>(std::min(us, static_cast<double>(limits::kHorizonUs)));
  }
  b.cost_floor = cost + m.invocation_cost(1) + m.makespan_cost(b.makespan_us());
  return b;
}

namespace {

// member(k, us_to_seconds(us)), for the timelines' millions of times: the same text, made from
// the integer where JsonWriter::us_as_seconds can (a third of the writer's time went to
// formatting doubles).
void seconds_member(JsonWriter& j, std::string_view k, std::int64_t us) {
  char buf[32];
  const std::size_t len = JsonWriter::us_as_seconds(buf, us);
  if (len == 0) {
    j.member(k, us_to_seconds(us));
    return;
  }
  j.key(k);
  j.raw(std::string_view(buf, len));
}

}  // namespace

std::string prediction_json(const Prediction& p, const ExecutionModel& m, bool per_task) {
  std::string out;
  // Room for the timelines up front (a task's line is about 200 characters, an instance's 170):
  // growing a string of hundreds of MB copies it and touches fresh memory each time. Pages
  // reserved and not written are never touched.
  out.reserve(per_task ? 4096 + 256 * m.workflow().task_count() + 224 * p.instances.size() : 4096);
  append_prediction_json(out, p, m, per_task);
  return out;
}

void append_prediction_json(std::string& out, const Prediction& p, const ExecutionModel& m,
                            bool per_task, const JsonWriter::Flush& flush, std::size_t flush_at) {
  const Workflow& w = m.workflow();
  JsonWriter j(out);
  if (flush) j.set_flush(flush, flush_at);
  j.begin_object();
  j.member("makespan_s", us_to_seconds(p.makespan_us));
  j.member("cost_usd", p.cost.total());
  j.member("contention", p.contention);
  if (p.contention_free_makespan_us >= 0)
    j.member("contention_free_makespan_s", us_to_seconds(p.contention_free_makespan_us));
  j.key("cost_breakdown_usd");
  j.begin_object(true);
  j.member("compute", p.cost.compute);
  j.member("invocations", p.cost.invocations);
  j.member("storage", p.cost.storage);
  j.end_object();
  j.key("lower_bounds");
  j.begin_object(true);
  j.member("critical_path_s", us_to_seconds(p.bounds.critical_path_us));
  j.member("cold_path_s", us_to_seconds(p.bounds.cold_path_us));
  j.member("work_over_concurrency_s", us_to_seconds(p.bounds.work_over_concurrency_us));
  j.member("data_s", us_to_seconds(p.bounds.data_us));
  j.member("cost_floor_usd", p.bounds.cost_floor);
  j.end_object();
  j.member("instances_count", static_cast<std::uint64_t>(p.instances.size()));
  j.member("cold_starts", p.cold_starts);
  j.member("warm_starts", p.warm_starts);
  j.member("bytes_uploaded", p.bytes_uploaded);
  j.member("bytes_downloaded", p.bytes_downloaded);
  if (m.direct_transfers()) {
    j.member("bytes_direct", p.bytes_direct);
  }
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
      seconds_member(j, "requested_s", in.requested_us);
      seconds_member(j, "start_s", in.start_us);
      seconds_member(j, "ready_s", in.ready_us);
      seconds_member(j, "exited_s", in.exited_us);
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
      seconds_member(j, "ready_s", tp.ready_us);
      seconds_member(j, "start_s", tp.start_us);
      seconds_member(j, "exec_start_s", tp.exec_start_us);
      seconds_member(j, "exec_end_s", tp.exec_end_us);
      seconds_member(j, "finish_s", tp.finish_us);
      j.member("uploaded", tp.uploaded);
      j.end_object();
    }
    j.end_array();
  }
  j.end_object();
  // The writer ends a top-level value with a newline (never flushed: the writer flushes only
  // inside a container); a nested raw value should not carry it.
  if (!out.empty() && out.back() == '\n') out.pop_back();
}

}  // namespace dagplan
