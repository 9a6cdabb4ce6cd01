// The report's data: the timelines as recorded (the prediction is the event run's own record,
// simulate() with noise and faults off), arranged in rows and lanes, the chain that set each
// makespan, and the summary's sums. No duration is computed here: every time is read from a
// trace.
#include "dagplan/report/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "dagplan/error.hpp"
#include "dagplan/json_writer.hpp"
#include "dagplan/sim/simulator.hpp"

namespace dagplan::report {
namespace {

using sim::Trace;

// Lanes of each instance's row: attempts sorted by (start, task), each in the first lane free
// by its start (interval partitioning, greedy, optimal for intervals).
void assign_lanes(TimelineData& t) {
  const Trace& tr = t.trace;
  struct Item {
    std::int64_t start, finish;
    std::uint32_t task, flat;
  };
  std::vector<std::vector<Item>> per_instance(tr.instances.size());
  std::uint32_t flat = 0;
  for (std::uint32_t k = 0; k < tr.tasks.size(); ++k)
    for (const TraceAttempt& a : tr.tasks[k].attempts)
      per_instance[a.instance].push_back({a.start_us, a.finish_us, k, flat++});
  t.attempt_lane.assign(flat, 0);
  t.instance_lanes.assign(tr.instances.size(), 1);
  for (std::size_t i = 0; i < per_instance.size(); ++i) {
    std::vector<Item>& items = per_instance[i];
    std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
      return a.start != b.start ? a.start < b.start : a.task < b.task;
    });
    std::vector<std::int64_t> lane_end;  // last finish per lane
    for (const Item& it : items) {
      std::size_t lane = 0;
      while (lane < lane_end.size() && lane_end[lane] > it.start) ++lane;
      if (lane == lane_end.size()) lane_end.push_back(0);
      lane_end[lane] = it.finish;
      t.attempt_lane[it.flat] = static_cast<std::uint32_t>(lane);
    }
    t.instance_lanes[i] = std::max<std::uint32_t>(1, static_cast<std::uint32_t>(lane_end.size()));
  }
}

// The chain that set the makespan: from the task that finished last back through the
// predecessor whose output came last (ties: lowest index).
std::vector<std::uint32_t> makespan_chain(const Trace& tr, const Workflow& w) {
  auto finish = [&](std::uint32_t k) -> std::int64_t {
    const auto& at = tr.tasks[k].attempts;
    return at.empty() ? -1 : at.back().finish_us;
  };
  std::vector<std::uint32_t> chain;
  if (tr.tasks.empty()) return chain;
  std::uint32_t last = 0;
  for (std::uint32_t k = 1; k < tr.tasks.size(); ++k)
    if (finish(k) > finish(last)) last = k;
  if (finish(last) < 0) return chain;
  chain.push_back(last);
  for (;;) {
    auto preds = w.predecessors(TaskId{chain.back()});
    if (preds.empty()) break;
    std::uint32_t best = index(preds[0]);
    for (TaskId p : preds)
      if (finish(index(p)) > finish(best) || (finish(index(p)) == finish(best) && index(p) < best))
        best = index(p);
    if (finish(best) < 0) break;
    chain.push_back(best);
  }
  std::reverse(chain.begin(), chain.end());
  return chain;
}

// The trace's events and, unless it records its own, the streamed inputs (rule 10) as events.
std::vector<sim::TraceEvent> event_marks(const Trace& tr) {
  std::vector<sim::TraceEvent> marks = tr.events;
  const bool own = std::any_of(tr.events.begin(), tr.events.end(),
                               [](const sim::TraceEvent& e) { return e.kind == "stream"; });
  for (const sim::TraceTask& task : tr.tasks) {
    if (own || task.attempts.empty()) continue;
    for (const TraceInput& in : task.attempts.back().inputs)
      if (in.source == TraceInput::Source::kStream)
        marks.push_back({"stream", in.end_us, task.id,
                         fmt::format("from {}, {} bytes (input streamed)", in.from, in.bytes)});
  }
  std::stable_sort(
      marks.begin(), marks.end(),
      [](const sim::TraceEvent& a, const sim::TraceEvent& b) { return a.time_us < b.time_us; });
  return marks;
}

void summarize(TimelineData& t) {
  const Trace& tr = t.trace;
  for (const sim::TraceInstance& in : tr.instances) {
    (in.warm ? t.warm_starts : t.cold_starts) += 1;
    t.phase_us[kStartup] += in.ready_us - in.start_us;
  }
  for (const sim::TraceTask& task : tr.tasks) {
    if (task.attempts.empty()) continue;
    const TraceAttempt& a = task.attempts.back();
    t.phase_us[kDownload] += a.exec_start_us - a.start_us;
    t.phase_us[kExec] += a.exec_end_us - a.exec_start_us;
    t.phase_us[kUpload] += a.upload_end_us - a.upload_start_us;
    t.phase_us[kNotify] += a.finish_us - a.upload_end_us;
    if (a.upload_end_us > a.upload_start_us) t.bytes_to_storage += task.output_bytes;
    for (const TraceInput& in : a.inputs) {
      if (in.source == TraceInput::Source::kDirect)
        t.bytes_direct += in.bytes;
      else if (in.source != TraceInput::Source::kLocal)
        t.bytes_from_storage += in.bytes;
    }
  }
}

// Layers by longest path from a root; in each layer, tasks ordered by the mean place of their
// predecessors (one downward barycentre sweep, ties by index): few crossings on the usual
// shapes, deterministic.
void layout_dag(ReportData& d, const Workflow& w) {
  const std::size_t n = w.task_count();
  d.dag_layer.assign(n, 0);
  for (TaskId t : w.topological_order())
    for (TaskId p : w.predecessors(t))
      d.dag_layer[index(t)] = std::max(d.dag_layer[index(t)], d.dag_layer[index(p)] + 1);
  std::uint32_t layers = 0;
  for (std::uint32_t l : d.dag_layer) layers = std::max(layers, l + 1);
  std::vector<std::vector<std::uint32_t>> by_layer(layers);
  for (std::uint32_t k = 0; k < n; ++k) by_layer[d.dag_layer[k]].push_back(k);
  d.dag_place.assign(n, 0);
  std::vector<double> key(n, 0);
  for (auto& layer : by_layer) {
    for (std::uint32_t k : layer) {
      auto preds = w.predecessors(TaskId{k});
      double sum = 0;
      for (TaskId p : preds) sum += d.dag_place[index(p)];
      key[k] = preds.empty() ? k : sum / static_cast<double>(preds.size());
    }
    std::stable_sort(layer.begin(), layer.end(), [&](std::uint32_t a, std::uint32_t b) {
      return key[a] != key[b] ? key[a] < key[b] : a < b;
    });
    for (std::uint32_t i = 0; i < layer.size(); ++i) d.dag_place[layer[i]] = i;
  }
}

template <class T>
void array(JsonWriter& j, std::string_view name, const std::vector<T>& v) {
  j.key(name);
  j.begin_array(true);
  for (const T& x : v) j.value(x);
  j.end_array();
}

void write_timeline(JsonWriter& j, const TimelineData& t) {
  const Trace& tr = t.trace;
  j.begin_object();
  j.member("label", t.label);
  j.member("predicted", t.predicted);
  j.member("source", tr.source);
  j.member("created_by", tr.created_by);
  j.member("makespan_us", tr.makespan_us);
  j.member("cost_usd", tr.cost_usd);
  j.member("cold_starts", t.cold_starts);
  j.member("warm_starts", t.warm_starts);
  j.member("bytes_from_storage", t.bytes_from_storage);
  j.member("bytes_to_storage", t.bytes_to_storage);
  j.member("bytes_direct", t.bytes_direct);
  j.key("phase_us");
  j.begin_array(true);
  for (std::int64_t p : t.phase_us) j.value(p);
  j.end_array();
  // Instances: worker name, configuration, then 6 numbers each.
  j.key("inst_worker");
  j.begin_array(true);
  for (const sim::TraceInstance& in : tr.instances) j.value(in.worker);
  j.end_array();
  j.key("inst_config");
  j.begin_array(true);
  for (const sim::TraceInstance& in : tr.instances) j.value(in.config);
  j.end_array();
  // The cluster machine of each instance, when the trace records any.
  j.key("inst_machine");
  j.begin_array(true);
  if (std::any_of(tr.instances.begin(), tr.instances.end(),
                  [](const sim::TraceInstance& in) { return !in.machine.empty(); }))
    for (const sim::TraceInstance& in : tr.instances) j.value(in.machine);
  j.end_array();
  j.key("inst");
  j.begin_array(true);
  for (std::size_t i = 0; i < tr.instances.size(); ++i) {
    const sim::TraceInstance& in = tr.instances[i];
    for (std::int64_t v : {in.invoked_us, in.start_us, in.ready_us, in.exited_us}) j.value(v);
    j.value(static_cast<int>(in.warm) | (static_cast<int>(in.crashed) << 1));
    j.value(t.instance_lanes[i]);
  }
  j.end_array();
  // Attempts: 14 numbers each (the page names the offsets); errors aside, by attempt number.
  j.key("att");
  j.begin_array(true);
  std::uint32_t flat = 0;
  for (std::uint32_t k = 0; k < tr.tasks.size(); ++k) {
    const auto& attempts = tr.tasks[k].attempts;
    for (std::uint32_t n = 0; n < attempts.size(); ++n, ++flat) {
      const TraceAttempt& a = attempts[n];
      std::uint64_t from_storage = 0;
      for (const TraceInput& in : a.inputs)
        if (in.source != TraceInput::Source::kLocal) from_storage += in.bytes;
      j.value(k);
      j.value(a.instance);
      j.value(t.attempt_lane[flat]);
      for (std::int64_t v : {a.ready_us, a.start_us, a.exec_start_us, a.exec_end_us,
                             a.upload_start_us, a.upload_end_us, a.finish_us})
        j.value(v);
      j.value(a.ok ? 1 : 0);
      j.value(n);
      j.value(from_storage);
      j.value(static_cast<std::uint64_t>(a.inputs.size()));
    }
  }
  j.end_array();
  j.key("att_errors");  // [attempt number (flat), message]
  j.begin_array(true);
  flat = 0;
  for (const sim::TraceTask& task : tr.tasks)
    for (const TraceAttempt& a : task.attempts) {
      if (!a.error.empty()) {
        j.begin_array(true);
        j.value(flat);
        j.value(a.error);
        j.end_array();
      }
      ++flat;
    }
  j.end_array();
  array(j, "chain", t.chain);
  j.key("events");  // [time, task id or "", kind, detail]
  j.begin_array(true);
  for (const sim::TraceEvent& e : t.marks) {
    j.begin_array(true);
    j.value(e.time_us);
    j.value(e.task);
    j.value(e.kind);
    j.value(e.detail);
    j.end_array();
  }
  j.end_array();
  array(j, "errors", tr.errors);
  j.end_object();
}

std::string escape_for_script(std::string_view s) {
  // "<" only occurs inside JSON strings, where \u003c reads back the same.
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '<')
      out += "\\u003c";
    else
      out += c;
  }
  return out;
}

}  // namespace

sim::Trace predicted_trace(const ExecutionModel& model, const Plan& plan) {
  sim::SimOptions so;
  so.record_trace = true;  // noise and faults off, contention on: predict()'s timeline
  sim::SimResult r = sim::simulate(model, plan, so);
  if (r.failed) throw Error("the plan's prediction does not complete: " + r.failure);
  r.trace.source = "prediction";
  r.trace.created_by = "dagplan 0.1.0 (predict)";
  return std::move(r.trace);
}

ReportData build_report(const ExecutionModel& model, const Plan& plan,
                        std::vector<TimelineInput> timelines, std::optional<CompareTable> compare,
                        bool with_prediction) {
  if (with_prediction)
    timelines.insert(timelines.begin(), TimelineInput{fmt::format("predicted ({})", plan.planner),
                                                      true, predicted_trace(model, plan)});
  const Workflow& w = model.workflow();
  const std::size_t n = w.task_count();
  ReportData d;
  d.workflow_name = w.name();
  d.platform_name = model.platform().name;
  d.planner = plan.planner;
  d.title = fmt::format("{} by {} on {}", w.name(), plan.planner, model.platform().name);
  d.task_ids.reserve(n);
  for (std::uint32_t f = 0; f < w.function_count(); ++f)
    d.functions.emplace_back(w.function_name(FunctionId{f}));
  d.workers = plan.worker_names;
  for (const ResourceConfig& c : model.platform().configs) d.configs.push_back(c.name);
  d.pred_begin.push_back(0);
  for (std::uint32_t k = 0; k < n; ++k) {
    TaskId t{k};
    d.task_ids.emplace_back(w.id(t));
    d.task_function.push_back(index(w.function(t)));
    d.task_worker.push_back(
        plan.task_worker[k] == kFlexible ? -1 : static_cast<std::int64_t>(plan.task_worker[k]));
    d.task_config.push_back(index(plan.task_config[k]));
    d.input_bytes.push_back(w.input_bytes(t));
    d.output_bytes.push_back(w.output_bytes(t));
    d.work_s.push_back(w.work_s(t));
    for (TaskId p : w.predecessors(t)) d.preds.push_back(index(p));
    d.pred_begin.push_back(static_cast<std::uint32_t>(d.preds.size()));
  }
  if (n <= kDagMaxTasks) layout_dag(d, w);
  d.bounds = model.bounds();
  for (TimelineInput& in : timelines) {
    const Trace& tr = in.trace;
    bool same = tr.tasks.size() == n;
    for (std::uint32_t k = 0; same && k < n; ++k) same = tr.tasks[k].id == d.task_ids[k];
    if (!same)
      throw InputError(
          in.label, "$.tasks",
          fmt::format("expected a run of workflow '{}' ({} tasks), the plan's; got "
                      "{} tasks{}",
                      w.name(), n, tr.tasks.size(), tr.tasks.size() == n ? " with other ids" : ""));
    TimelineData t;
    t.label = std::move(in.label);
    t.predicted = in.predicted;
    t.trace = std::move(in.trace);
    assign_lanes(t);
    t.chain = makespan_chain(t.trace, w);
    t.marks = event_marks(t.trace);
    summarize(t);
    d.timelines.push_back(std::move(t));
  }
  d.compare = std::move(compare);
  return d;
}

std::string report_json(const ReportData& d) {
  std::string out;
  out.reserve(256 + d.task_ids.size() * 64 * (1 + d.timelines.size()));
  JsonWriter j(out);
  j.begin_object();
  j.member("format", "dagplan-report/1");
  j.member("title", d.title);
  j.member("workflow", d.workflow_name);
  j.member("platform", d.platform_name);
  j.member("planner", d.planner);
  array(j, "ids", d.task_ids);
  array(j, "functions", d.functions);
  array(j, "task_function", d.task_function);
  array(j, "workers", d.workers);
  array(j, "task_worker", d.task_worker);
  array(j, "configs", d.configs);
  array(j, "task_config", d.task_config);
  array(j, "input_bytes", d.input_bytes);
  array(j, "output_bytes", d.output_bytes);
  array(j, "work_s", d.work_s);
  array(j, "pred_begin", d.pred_begin);
  array(j, "preds", d.preds);
  array(j, "dag_layer", d.dag_layer);
  array(j, "dag_place", d.dag_place);
  j.key("bounds");
  j.begin_object(true);
  j.member("critical_path_us", d.bounds.critical_path_us);
  j.member("cold_path_us", d.bounds.cold_path_us);
  j.member("work_over_concurrency_us", d.bounds.work_over_concurrency_us);
  j.member("data_us", d.bounds.data_us);
  j.member("makespan_us", d.bounds.makespan_us());
  j.member("cost_floor_usd", d.bounds.cost_floor);
  j.end_object();
  j.key("timelines");
  j.begin_array();
  for (const TimelineData& t : d.timelines) write_timeline(j, t);
  j.end_array();
  j.key("compare");
  if (!d.compare) {
    j.null();
  } else {
    const CompareTable& c = *d.compare;
    j.begin_object();
    j.member("workflow", c.workflow);
    j.member("tasks", c.tasks);
    j.member("platform", c.platform);
    j.member("lower_bound_makespan_s", c.lower_bound_makespan_s);
    j.member("cost_floor_usd", c.cost_floor_usd);
    j.key("planners");
    j.begin_array();
    for (const CompareRow& r : c.rows) {
      j.begin_object(true);
      j.member("planner", r.planner);
      j.member("makespan_s", r.makespan_s);
      j.member("cost_usd", r.cost_usd);
      j.member("makespan_over_bound", r.makespan_over_bound);
      j.member("cost_over_floor", r.cost_over_floor);
      j.member("workers", r.workers);
      j.member("instances", r.instances);
      j.member("cold_starts", r.cold_starts);
      j.member("planning_s", r.planning_s);
      j.end_object();
    }
    j.end_array();
    j.end_object();
  }
  j.end_object();
  out += '\n';
  return escape_for_script(out);
}

std::string chrome_trace(const ReportData& d) {
  std::string out;
  JsonWriter j(out);
  auto meta = [&](const char* name, std::uint64_t pid, std::uint64_t tid, const char* key,
                  const auto& value) {
    j.begin_object(true);
    j.member("ph", "M");
    j.member("name", name);
    j.member("pid", pid);
    j.member("tid", tid);
    j.key("args");
    j.begin_object(true);
    j.member(key, value);
    j.end_object();
    j.end_object();
  };
  auto slice = [&](std::string_view name, std::string_view cat, std::uint64_t pid,
                   std::uint64_t tid, std::int64_t begin, std::int64_t end) {
    j.begin_object(true);
    j.member("ph", "X");
    j.member("name", name);
    j.member("cat", cat);
    j.member("pid", pid);
    j.member("tid", tid);
    j.member("ts", begin);
    j.member("dur", end - begin);
  };
  j.begin_object();
  j.member("displayTimeUnit", "ms");
  j.key("traceEvents");
  j.begin_array();
  for (std::size_t p = 0; p < d.timelines.size(); ++p) {
    const TimelineData& t = d.timelines[p];
    const Trace& tr = t.trace;
    const std::uint64_t pid = p + 1;
    meta("process_name", pid, 0, "name", t.label);
    meta("process_sort_index", pid, 0, "sort_index", pid);
    // Threads: one per lane of each instance, numbered in order.
    std::vector<std::uint64_t> first_tid(tr.instances.size());
    std::uint64_t tid = 1;
    for (std::size_t i = 0; i < tr.instances.size(); ++i) {
      first_tid[i] = tid;
      const sim::TraceInstance& in = tr.instances[i];
      for (std::uint32_t lane = 0; lane < t.instance_lanes[i]; ++lane, ++tid) {
        meta("thread_name", pid, tid, "name",
             fmt::format("#{} {} {}{}", i, in.worker.empty() ? "flexible" : in.worker, in.config,
                         lane ? fmt::format(" lane {}", lane) : std::string()));
        meta("thread_sort_index", pid, tid, "sort_index", tid);
      }
      slice(in.warm ? "warm start" : "cold start", "startup", pid, first_tid[i], in.start_us,
            in.ready_us);
      j.key("args");
      j.begin_object(true);
      j.member("invoked_us", in.invoked_us);
      j.member("crashed", in.crashed);
      j.end_object();
      j.end_object();
    }
    std::vector<std::uint8_t> on_chain(tr.tasks.size(), 0);
    for (std::uint32_t k : t.chain) on_chain[k] = 1;
    std::uint32_t flat = 0;
    for (std::uint32_t k = 0; k < tr.tasks.size(); ++k) {
      const auto& attempts = tr.tasks[k].attempts;
      for (std::uint32_t n = 0; n < attempts.size(); ++n, ++flat) {
        const TraceAttempt& a = attempts[n];
        const std::uint64_t th = first_tid[a.instance] + t.attempt_lane[flat];
        slice(d.task_ids[k], "task", pid, th, a.start_us, a.finish_us);
        j.key("args");
        j.begin_object(true);
        j.member("function", d.functions[d.task_function[k]]);
        j.member("attempt", n);
        j.member("ok", a.ok);
        if (!a.error.empty()) j.member("error", a.error);
        j.member("critical_chain", on_chain[k] != 0);
        j.end_object();
        j.end_object();
        const std::pair<const char*, std::pair<std::int64_t, std::int64_t>> phases[] = {
            {"download", {a.start_us, a.exec_start_us}},
            {"exec", {a.exec_start_us, a.exec_end_us}},
            {"upload", {a.upload_start_us, a.upload_end_us}},
            {"notify", {a.upload_end_us, a.finish_us}}};
        for (const auto& [name, span] : phases) {
          if (span.second <= span.first) continue;
          slice(name, "phase", pid, th, span.first, span.second);
          j.end_object();
        }
      }
    }
    for (const sim::TraceEvent& e : t.marks) {
      j.begin_object(true);
      j.member("ph", "i");
      j.member("s", "p");
      j.member("name", e.kind);
      j.member("cat", "event");
      j.member("pid", pid);
      j.member("tid", std::uint64_t{0});
      j.member("ts", e.time_us);
      j.key("args");
      j.begin_object(true);
      j.member("task", e.task);
      j.member("detail", e.detail);
      j.end_object();
      j.end_object();
    }
  }
  j.end_array();
  j.end_object();
  out += '\n';
  return out;
}

}  // namespace dagplan::report
