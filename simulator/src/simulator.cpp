// The simulator: the event-level run of libplanner (event_run.hpp, the same code as the
// contention-aware prediction) with noise and faults, and the trace of what happened.
#include "dagplan/sim/simulator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "dagplan/event_run.hpp"
#include "dagplan/predictor.hpp"

namespace dagplan::sim {

SimResult simulate(const ExecutionModel& model, const Plan& plan, const SimOptions& options) {
  EventRunOptions run = options;
  run.record_attempts = options.record_trace;
  EventRunResult r = run_events(model, plan, run);
  SimResult out;
  out.timeline = std::move(r.timeline);
  out.timeline.bounds = run_bounds(model, options.start);
  out.events = r.events;
  out.superseded_events = r.superseded_events;
  out.failed_attempts = r.failed_attempts;
  out.crashes = r.crashes;
  out.failure = std::move(r.failure);
  out.failed = !out.failure.empty();
  if (options.record_trace) {
    const Workflow& w = model.workflow();
    Trace& tr = out.trace;
    tr.source = "dagsim";
    tr.created_by = fmt::format("dagsim 0.1.0 (seed {})", options.seed);
    tr.makespan_us = out.timeline.makespan_us;
    tr.cost_usd = out.timeline.cost.total();
    for (std::size_t i = 0; i < out.timeline.instances.size(); ++i) {
      const InstancePrediction& ip = out.timeline.instances[i];
      TraceInstance ti;
      ti.worker = ip.worker == kFlexible ? "" : plan.worker_names[ip.worker];
      ti.config = model.config(ip.config).name;
      ti.invoked_us = ip.requested_us;
      ti.start_us = ip.start_us;
      ti.ready_us = ip.ready_us;
      ti.exited_us = ip.exited_us;
      ti.warm = ip.warm;
      // Rule 12 as dagrun records it: whether its start-up fetched the DAG, and how long for.
      if (!model.fixed_machines()) {
        ti.dag_fetch_us = r.dag_fetch_us[i];
        ti.dag_fetched_bytes =
            ti.dag_fetch_us > 0 ? static_cast<std::int64_t>(model.dag_bytes()) : 0;
      }
      if (ip.machine != kNoMachine) ti.machine = model.machine_name(ip.machine);
      tr.instances.push_back(std::move(ti));
    }
    auto& attempts = r.attempts;
    for (std::uint32_t t = 0; t < w.task_count(); ++t) {
      TraceTask task;
      task.id = std::string(w.id(TaskId{t}));
      task.output_bytes = w.output_bytes(TaskId{t});
      task.counter_updates = w.out_degree(TaskId{t});
      task.attempts = std::move(attempts[t]);
      tr.tasks.push_back(std::move(task));
    }
    // The passes' events: each pre-warm, when its trigger's end sent it, for which worker.
    for (const PrewarmPrediction& p : out.timeline.prewarms)
      tr.events.push_back(
          {"prewarm", p.sent_us, std::string(w.id(TaskId{p.trigger})),
           fmt::format("worker {} ({}): warm at {} us", plan.worker_names[p.worker],
                       model.config(plan.worker_config[p.worker]).name, p.warm_us)});
    add_cluster_events(tr, w, plan);
    for (const DuplicatePrediction& d : out.timeline.duplicates)
      if (d.exec_end_us > 0)
        tr.events.push_back(
            duplicate_event(w, plan, d.task, d.instance, d.exec_start_us, d.exec_end_us));
    for (const StreamPrediction& s : out.timeline.streams)
      tr.events.push_back(
          stream_event(w, plan, s.producer, s.consumer, s.instance, s.start_us, s.end_us));
    for (const DelayedPrediction& d : out.timeline.delays)
      if (d.released)
        tr.events.push_back(
            delayed_io_event(w, plan, d.task, d.instance, d.exec_end_us, d.waited_us, d.avoided));
    if (out.failed) tr.errors.push_back(out.failure);
  }
  return out;
}

Distribution distribution(std::vector<double> v) {
  Distribution d;
  if (v.empty()) return d;
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  d.mean = sum / static_cast<double>(v.size());
  auto q = [&](double p) {
    // Nearest-rank percentile.
    std::size_t k = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
    return v[std::min(v.size() - 1, k == 0 ? 0 : k - 1)];
  };
  d.p50 = q(0.50);
  d.p95 = q(0.95);
  d.p99 = q(0.99);
  d.min = v.front();
  d.max = v.back();
  return d;
}

}  // namespace dagplan::sim
