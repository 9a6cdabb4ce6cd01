// dagsim replay: predicted and simulated against what a trace recorded, phase by phase.
#include "dagplan/sim/replay.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "dagplan/error.hpp"
#include "dagplan/workflow_io.hpp"

namespace dagplan::sim {

double relative_error(double predicted, double actual) {
  return actual != 0 ? (predicted - actual) / actual : (predicted == 0 ? 0.0 : INFINITY);
}

namespace {

double seconds(std::int64_t us) {
  return static_cast<double>(us) / 1e6;
}

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
  return {seconds(p.start_us - p.ready_us), seconds(p.exec_start_us - p.start_us),
          seconds(p.exec_end_us - p.exec_start_us), seconds(p.upload_end_us - p.exec_end_us),
          seconds(p.finish_us - p.ready_us)};
}
TaskPhases phases_of(const TraceAttempt& a) {
  return {seconds(a.start_us - a.ready_us), seconds(a.exec_start_us - a.start_us),
          seconds(a.exec_end_us - a.exec_start_us), seconds(a.upload_end_us - a.upload_start_us),
          seconds(a.finish_us - a.ready_us)};
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
  r.actual_makespan_s = seconds(trace.makespan_us);
  r.predicted_makespan_s = seconds(predicted.makespan_us);
  r.simulated_makespan_s = seconds(simulated.timeline.makespan_us);
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
    startup.add(seconds(trace.instances[i].ready_us - trace.instances[i].start_us),
                seconds(predicted.instances[i].ready_us - predicted.instances[i].start_us),
                seconds(simulated.timeline.instances[i].ready_us -
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
  return r;
}

}  // namespace dagplan::sim
