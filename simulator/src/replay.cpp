// dagsim replay: predicted and simulated against what a trace recorded, phase by phase.
#include "dagplan/sim/replay.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>

#include "dagplan/error.hpp"
#include "dagplan/passes.hpp"
#include "dagplan/workflow_io.hpp"

namespace dagplan::sim {

double relative_error(double predicted, double actual) {
  return actual != 0 ? (predicted - actual) / actual : (predicted == 0 ? 0.0 : INFINITY);
}

namespace {

// Nearest-rank quantile of |relative errors|.
double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto k = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, k == 0 ? 0 : k - 1)];
}

struct Phase {
  double actual_total = 0, predicted_total = 0, simulated_total = 0;
  std::vector<double> errors;
  std::size_t samples = 0;
  void add(double actual, double predicted, double simulated) {
    ++samples;
    actual_total += actual;
    predicted_total += predicted;
    simulated_total += simulated;
    if (actual > 0) errors.push_back(std::fabs(relative_error(predicted, actual)));
  }
  PhaseComparison done(const char* name) const {
    return PhaseComparison{name,
                           samples,
                           actual_total,
                           predicted_total,
                           simulated_total,
                           quantile(errors, 0.5),
                           quantile(errors, 0.95)};
  }
};

// The phases of one task as a timeline gives them, in seconds.
struct TaskPhases {
  double waiting, download, execution, upload, total;
};
TaskPhases phases_of(const TaskPrediction& p) {
  return {us_to_seconds(p.start_us - p.ready_us), us_to_seconds(p.exec_start_us - p.start_us),
          us_to_seconds(p.exec_end_us - p.exec_start_us),
          us_to_seconds(p.upload_end_us - p.exec_end_us), us_to_seconds(p.finish_us - p.ready_us)};
}
TaskPhases phases_of(const TraceAttempt& a) {
  return {us_to_seconds(a.start_us - a.ready_us), us_to_seconds(a.exec_start_us - a.start_us),
          us_to_seconds(a.exec_end_us - a.exec_start_us),
          us_to_seconds(a.upload_end_us - a.upload_start_us),
          us_to_seconds(a.finish_us - a.ready_us)};
}

// What a run shows of each pass, from either side: the predicted timeline or the trace. Per
// task the instance and the times of the attempt that counted; per instance its worker and
// whether it started warm; in order of invocation.
struct RunView {
  std::function<std::uint32_t(std::uint32_t)> task_instance;  // kNoInstance: never succeeded
  std::function<double(std::uint32_t)> slot_to_exec_s;        // took a slot -> inputs on hand
  std::function<std::int64_t(std::uint32_t)> exec_start_us;   // of the attempt that counted
  std::function<std::int64_t(std::uint32_t)> stored_us;       // output in storage (else max)
  std::vector<std::pair<std::uint32_t, bool>> instances;      // (plan worker or kFlexible, warm)
  // Per instance (as `instances`): its invocation carried its part of the DAG and it started
  // without reading the DAG from storage (rule 12, Plan::worker_inline_dag).
  std::vector<bool> from_part;
  // Whether the consumer read the producer's output by stream (Plan::stream).
  std::function<bool(std::uint32_t, std::uint32_t)> read_streamed;
};

PassEffect pass_fact(std::string_view pass, const Plan& plan, const Workflow& w,
                     const RunView& run) {
  PassEffect e;
  e.pass = std::string(pass);
  if (pass == "cluster") {
    e.fact = "flexible children on their clustered parent's instance";
    for (std::uint32_t t = 0; t < w.task_count(); ++t) {
      if (!plan.clustered(t)) continue;
      for (TaskId c : w.successors(TaskId{t})) {
        if (!plan.flexible(c)) continue;
        ++e.out_of;
        const std::uint32_t i = run.task_instance(t);
        e.actual += i != kNoInstance && run.task_instance(index(c)) == i ? 1 : 0;
      }
    }
  } else if (pass == "preload") {
    e.fact = "pre-loading tasks' wait for inputs after taking a slot";
    e.unit = "s";
    for (std::uint32_t t = 0; t < w.task_count(); ++t)
      if (plan.preload[t] != 0 && !plan.flexible(TaskId{t}) &&
          run.task_instance(t) != kNoInstance) {
        ++e.out_of;
        e.actual += run.slot_to_exec_s(t);
      }
  } else if (pass == "taskdup") {
    e.fact = "duplicating tasks that ran before the original's output was stored";
    for (std::uint32_t t = 0; t < w.task_count(); ++t) {
      const std::uint32_t d = plan.duplicate(t);
      if (d == kNoDup) continue;
      ++e.out_of;
      e.actual += run.task_instance(t) != kNoInstance && run.exec_start_us(t) < run.stored_us(d);
    }
  } else if (pass == "stream") {
    e.fact = "streamed edges whose consumer read the output by stream";
    for (const auto& [q, c] : plan.stream) {
      ++e.out_of;
      e.actual += run.task_instance(c) != kNoInstance && run.read_streamed(q, c) ? 1 : 0;
    }
  } else if (pass == "delayed-io") {
    e.fact = "delaying tasks never uploaded, their fan-in run on their instance";
    for (std::uint32_t t = 0; t < w.task_count(); ++t) {
      if (plan.delayed_io(t) == kNoDelay) continue;
      ++e.out_of;
      const std::uint32_t i = run.task_instance(t);
      e.actual += i != kNoInstance && run.stored_us(t) == INT64_MAX &&
                  run.task_instance(index(w.successors(TaskId{t})[0])) == i;
    }
  } else if (pass == "inline-dag") {
    e.fact = "instances of inline-dag workers that started without reading the DAG";
    for (std::size_t i = 0; i < run.instances.size(); ++i) {
      if (!plan.inline_dag(run.instances[i].first)) continue;
      ++e.out_of;
      e.actual += run.from_part[i] ? 1 : 0;
    }
  } else if (pass == "prewarm") {
    e.fact = "pre-warmed workers whose first instance started warm";
    for (std::uint32_t k = 0; k < plan.worker_count(); ++k) {
      if (plan.prewarm(k) == kNoPrewarm) continue;
      ++e.out_of;
      for (const auto& [worker, warm] : run.instances)
        if (worker == k) {
          e.actual += warm ? 1 : 0;
          break;
        }
    }
  }
  return e;
}

}  // namespace

ReplayReport replay(const Trace& trace, const Profile* profile, const SimOptions& options) {
  Workflow w = read_workflow(trace.workflow_json, "<trace> (embedded workflow)");
  Platform base = read_platform(trace.platform_json, "<trace> (embedded platform)");
  Platform platform = profile ? apply_profile(base, *profile) : base;
  Plan plan = read_plan(trace.plan_json, "<trace> (embedded plan)", w, platform);
  if (trace.tasks.size() != w.task_count())
    throw InputError("<trace>", "$.tasks",
                     fmt::format("expected {} tasks, got {}", w.task_count(), trace.tasks.size()));
  ExecutionModel model(w, platform, profile);
  Prediction predicted = predict(model, plan);
  SimResult simulated = simulate(model, plan, options);

  ReplayReport r;
  r.workflow = w.name();
  r.tasks = w.task_count();
  r.actual_makespan_s = us_to_seconds(trace.makespan_us);
  r.predicted_makespan_s = us_to_seconds(predicted.makespan_us);
  r.simulated_makespan_s = us_to_seconds(simulated.timeline.makespan_us);
  r.actual_cost_usd = trace.cost_usd;
  r.predicted_cost_usd = predicted.cost.total();
  r.simulated_cost_usd = simulated.timeline.cost.total();
  r.assumptions = predicted.assumptions;

  // Start-up: instances are paired in order of invocation (both sides invoke in the same order
  // when they follow the same plan); unpaired ones count in the totals only.
  Phase startup;
  std::size_t paired = std::min(
      {trace.instances.size(), predicted.instances.size(), simulated.timeline.instances.size()});
  for (std::size_t i = 0; i < paired; ++i)
    startup.add(us_to_seconds(trace.instances[i].ready_us - trace.instances[i].start_us),
                us_to_seconds(predicted.instances[i].ready_us - predicted.instances[i].start_us),
                us_to_seconds(simulated.timeline.instances[i].ready_us -
                              simulated.timeline.instances[i].start_us));
  Phase waiting, download, execution, upload;
  std::vector<TaskComparison> tasks;
  for (std::uint32_t t = 0; t < w.task_count(); ++t) {
    const TraceTask& tt = trace.tasks[t];
    auto last_ok = std::find_if(tt.attempts.rbegin(), tt.attempts.rend(),
                                [](const TraceAttempt& a) { return a.ok; });
    if (last_ok == tt.attempts.rend()) continue;  // never succeeded: nothing to compare
    TaskPhases a = phases_of(*last_ok);
    TaskPhases p = phases_of(predicted.tasks[t]);
    TaskPhases s = phases_of(simulated.timeline.tasks[t]);
    waiting.add(a.waiting, p.waiting, s.waiting);
    download.add(a.download, p.download, s.download);
    execution.add(a.execution, p.execution, s.execution);
    upload.add(a.upload, p.upload, s.upload);
    tasks.push_back(TaskComparison{tt.id, a.total, p.total,
                                   a.total > 0 ? relative_error(p.total, a.total) : 0.0});
  }
  r.phases = {startup.done("startup"), download.done("download"), execution.done("execution"),
              upload.done("upload"), waiting.done("waiting")};
  std::stable_sort(tasks.begin(), tasks.end(),
                   [](const TaskComparison& x, const TaskComparison& y) {
                     return std::fabs(x.relative_error) > std::fabs(y.relative_error);
                   });
  if (tasks.size() > 10) tasks.resize(10);
  r.worst_tasks = std::move(tasks);

  // Per pass: its predicted gain (the plan without its annotations, predicted the same way), and
  // the fact that shows it, predicted and recorded.
  RunView predicted_view, actual_view;
  predicted_view.task_instance = [&](std::uint32_t t) { return predicted.tasks[t].instance; };
  predicted_view.slot_to_exec_s = [&](std::uint32_t t) {
    return us_to_seconds(predicted.tasks[t].exec_start_us - predicted.tasks[t].start_us);
  };
  predicted_view.exec_start_us = [&](std::uint32_t t) { return predicted.tasks[t].exec_start_us; };
  predicted_view.stored_us = [&](std::uint32_t t) {
    return predicted.tasks[t].uploaded ? predicted.tasks[t].upload_end_us : INT64_MAX;
  };
  for (const InstancePrediction& in : predicted.instances) {
    predicted_view.instances.emplace_back(in.worker, in.warm);
    predicted_view.from_part.push_back(plan.inline_dag(in.worker));
  }
  predicted_view.read_streamed = [&](std::uint32_t q, std::uint32_t c) {
    return std::any_of(predicted.streams.begin(), predicted.streams.end(),
                       [&](const StreamPrediction& x) {
                         return x.producer == q && x.instance == predicted.tasks[c].instance;
                       });
  };
  auto last_ok = [&](std::uint32_t t) -> const TraceAttempt* {
    const auto& at = trace.tasks[t].attempts;
    auto it = std::find_if(at.rbegin(), at.rend(), [](const TraceAttempt& a) { return a.ok; });
    return it == at.rend() ? nullptr : &*it;
  };
  actual_view.task_instance = [&](std::uint32_t t) {
    const TraceAttempt* a = last_ok(t);
    return a ? a->instance : kNoInstance;
  };
  actual_view.slot_to_exec_s = [&](std::uint32_t t) {
    const TraceAttempt* a = last_ok(t);
    return us_to_seconds(a->exec_start_us - a->start_us);
  };
  actual_view.exec_start_us = [&](std::uint32_t t) { return last_ok(t)->exec_start_us; };
  actual_view.read_streamed = [&](std::uint32_t q, std::uint32_t c) {
    const TraceAttempt* a = last_ok(c);
    const std::string_view from = w.id(TaskId{q});
    return a && std::any_of(a->inputs.begin(), a->inputs.end(), [&](const TraceInput& in) {
             return in.from == from && in.source == TraceInput::Source::kStream;
           });
  };
  actual_view.stored_us = [&](std::uint32_t t) {
    const TraceAttempt* a = last_ok(t);
    return a && a->upload_end_us > a->upload_start_us ? a->upload_end_us : INT64_MAX;
  };
  std::vector<std::size_t> by_invocation(trace.instances.size());
  for (std::size_t i = 0; i < by_invocation.size(); ++i) by_invocation[i] = i;
  std::stable_sort(by_invocation.begin(), by_invocation.end(), [&](std::size_t a, std::size_t b) {
    return trace.instances[a].invoked_us < trace.instances[b].invoked_us;
  });
  for (std::size_t i : by_invocation) {
    const TraceInstance& in = trace.instances[i];
    auto k = std::find(plan.worker_names.begin(), plan.worker_names.end(), in.worker);
    actual_view.instances.emplace_back(
        in.worker.empty() || k == plan.worker_names.end()
            ? kFlexible
            : static_cast<std::uint32_t>(k - plan.worker_names.begin()),
        in.warm);
    actual_view.from_part.push_back(in.dag_part_bytes > 0 && in.dag_fetched_bytes == 0);
  }
  for (const PassInfo& info : pass_registry().passes()) {
    std::unique_ptr<Pass> pass = info.create();
    auto rec = std::find_if(plan.passes.begin(), plan.passes.end(),
                            [&](const PassRecord& x) { return x.name == info.name; });
    if (rec == plan.passes.end() && !pass->annotated(plan)) continue;
    Plan without = plan;
    pass->remove(without);
    const Prediction without_pass = predict(model, without);
    PassEffect e = pass_fact(info.name, plan, w, actual_view);
    e.predicted = pass_fact(info.name, plan, w, predicted_view).actual;
    e.changes = rec == plan.passes.end() ? 0 : rec->changes;
    e.predicted_makespan_gain_s = us_to_seconds(without_pass.makespan_us - predicted.makespan_us);
    e.predicted_cost_gain_usd = without_pass.cost.total() - predicted.cost.total();
    r.passes.push_back(std::move(e));
  }
  return r;
}

}  // namespace dagplan::sim
