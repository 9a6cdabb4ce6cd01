// The report's data builder (report/): the prediction recorded as a trace, lanes, the makespan
// chain, the summary's sums, the page and the Chrome trace-event export.
#include "dagplan/report/report.hpp"

#include <nlohmann/json.hpp>

#include "../test_util.hpp"
#include "dagplan/predictor.hpp"

using namespace dagplan;
using dagplan::test::strict_plan;
using dagplan::test::test_platform;
using dagplan::test::wf;

namespace {

// a feeds a long b and a short c; d joins them. b and c on w1 and w2, a and d on w0.
Workflow diamond() {
  return wf(R"({"id": "a", "function": "f", "work_s": 1, "output_bytes": 1000},
               {"id": "b", "function": "g", "work_s": 3, "deps": ["a"], "output_bytes": 2000},
               {"id": "c", "function": "g", "work_s": 1, "deps": ["a"], "output_bytes": 500},
               {"id": "d", "function": "h", "work_s": 1, "deps": ["b", "c"]})");
}

// The diamond on four workers (a and d on w0), its model and prediction.
struct DiamondCase {
  Workflow w = diamond();
  Platform p = test_platform();
  ExecutionModel model{w, p};
  Plan plan = strict_plan(w, {{"a", "w0"}, {"b", "w1"}, {"c", "w2"}, {"d", "w0"}});
  Prediction pred;
  DiamondCase() {
    plan.planner = "test";
    pred = predict(model, plan);
  }
};

}  // namespace

TEST_CASE("the predicted timeline is the predictor's, to the microsecond") {
  DiamondCase dc;
  const ExecutionModel& model = dc.model;
  const Plan& plan = dc.plan;
  const Prediction& pred = dc.pred;
  sim::Trace tr = report::predicted_trace(model, plan);
  REQUIRE(tr.makespan_us == pred.makespan_us);
  REQUIRE(tr.tasks.size() == 4);
  for (std::uint32_t k = 0; k < 4; ++k) {
    const TraceAttempt& a = tr.tasks[k].attempts.back();
    CHECK(a.start_us == pred.tasks[k].start_us);
    CHECK(a.exec_start_us == pred.tasks[k].exec_start_us);
    CHECK(a.exec_end_us == pred.tasks[k].exec_end_us);
    CHECK(a.finish_us == pred.tasks[k].finish_us);
  }
  CHECK(tr.instances.size() == pred.instances.size());
}

TEST_CASE("report data: the makespan chain, lanes and the summary's sums") {
  DiamondCase dc;
  const Platform& p = dc.p;
  const ExecutionModel& model = dc.model;
  const Plan& plan = dc.plan;
  const Prediction& pred = dc.pred;

  SECTION("the chain goes through the longer branch") {
    report::ReportData d = report::build_report(model, plan, {});
    REQUIRE(d.timelines.size() == 1);
    const report::TimelineData& t = d.timelines[0];
    CHECK(t.predicted);
    CHECK(t.label == "predicted (test)");
    CHECK(t.chain == std::vector<std::uint32_t>{0, 1, 3});  // a, b, d
    CHECK(t.cold_starts + t.warm_starts == pred.instances.size());
    CHECK(t.cold_starts == pred.cold_starts);
    std::int64_t exec = 0;
    for (std::uint32_t k = 0; k < 4; ++k)
      exec += pred.tasks[k].exec_end_us - pred.tasks[k].exec_start_us;
    CHECK(t.phase_us[report::kExec] == exec);
    CHECK(t.bytes_to_storage == pred.bytes_uploaded);
    // One task at a time on 1-vCPU workers: one lane per instance.
    for (std::uint32_t lanes : t.instance_lanes) CHECK(lanes == 1);
    // The DAG's layers: a, then b and c, then d.
    CHECK(d.dag_layer == std::vector<std::uint32_t>{0, 1, 1, 2});
  }

  SECTION("attempts that overlap on one instance get lanes of their own") {
    sim::Trace tr = report::predicted_trace(model, plan);
    // Put c on b's instance, overlapping b.
    const TraceAttempt& b = tr.tasks[1].attempts.back();
    TraceAttempt& c = tr.tasks[2].attempts.back();
    c.instance = b.instance;
    c.start_us = b.start_us + 1;
    const std::uint32_t shared = b.instance;
    report::ReportData d =
        report::build_report(model, plan, {{"overlap", false, std::move(tr)}}, {}, false);
    const report::TimelineData& t = d.timelines[0];
    CHECK(t.instance_lanes[shared] == 2);
    // Attempts are flat in task order, one each here: b in lane 0, c (started later) in lane 1.
    CHECK(t.attempt_lane[1] == 0);
    CHECK(t.attempt_lane[2] == 1);
  }

  SECTION("a streamed input is marked as a stream event at its arrival") {
    sim::Trace tr = report::predicted_trace(model, plan);
    TraceAttempt& d_att = tr.tasks[3].attempts.back();  // d reads b's and c's outputs
    REQUIRE(d_att.inputs.size() == 2);
    d_att.inputs[0].source = TraceInput::Source::kStream;
    const std::int64_t arrival = d_att.inputs[0].end_us;
    const std::string from = d_att.inputs[0].from;
    report::ReportData d =
        report::build_report(model, plan, {{"streamed", false, std::move(tr)}}, {}, false);
    const auto& marks = d.timelines[0].marks;
    REQUIRE(marks.size() == 1);
    CHECK(marks[0].kind == "stream");
    CHECK(marks[0].task == "d");
    CHECK(marks[0].time_us == arrival);
    CHECK_THAT(marks[0].detail, Catch::Contains("from " + from));
  }

  SECTION("a trace of another workflow is refused, naming it") {
    Workflow other = wf(R"({"id": "x", "work_s": 1})");
    ExecutionModel other_model(other, p);
    Plan other_plan = make_flexible_plan(other, ConfigId{0});
    sim::Trace tr = report::predicted_trace(other_model, other_plan);
    REQUIRE_INPUT_ERROR(report::build_report(model, plan, {{"other.json", false, std::move(tr)}}),
                        "other.json", "$.tasks", "workflow 't' (4 tasks)", "got 1 tasks");
  }
}

TEST_CASE("the passes' events reach the report: a pre-warm in the prediction") {
  // w0 runs x, a and y; b on w1 reads a's output; w1 is pre-warmed when x ends, and its
  // container (a 0.5 s cold start) is warm before a (1.5 s) ends.
  Workflow w = wf(R"({"id": "x", "work_s": 0.05}, {"id": "a", "work_s": 1.5, "deps": ["x"]},
                     {"id": "y", "work_s": 0.2, "deps": ["a"]}, {"id": "b", "work_s": 0.05,
                     "deps": ["a"]})");
  Platform p = test_platform();
  ExecutionModel model(w, p);
  Plan plan = strict_plan(w, {{"x", "w0"}, {"a", "w0"}, {"y", "w0"}, {"b", "w1"}});
  plan.worker_prewarm = {kNoPrewarm, index(*w.find("x"))};
  report::ReportData d = report::build_report(model, plan, {});
  const sim::Trace& tr = d.timelines[0].trace;
  REQUIRE(tr.events.size() == 1);
  CHECK(tr.events[0].kind == "prewarm");
  CHECK(tr.events[0].task == "x");
  CHECK(tr.events[0].time_us >= tr.tasks[index(*w.find("x"))].attempts.back().finish_us);
  nlohmann::json j = nlohmann::json::parse(report::report_json(d));
  CHECK(j["timelines"][0]["events"][0][2] == "prewarm");
  CHECK(j["timelines"][0]["warm_starts"] == 1);  // w1 found the pre-warmed container
}

TEST_CASE("the page is self-contained and its data cannot close its script element") {
  Workflow w = wf(R"({"id": "</script><script>alert(1)</script>", "work_s": 1},
                     {"id": "b", "work_s": 1, "deps": ["</script><script>alert(1)</script>"]})");
  Platform p = test_platform();
  ExecutionModel model(w, p);
  Plan plan = make_flexible_plan(w, ConfigId{0});
  report::ReportData d = report::build_report(model, plan, {});
  std::string html = report::report_html(d);
  CHECK(html.find("alert(1)") != std::string::npos);  // the id is there, escaped
  CHECK(html.find("</script><script>alert") == std::string::npos);
  CHECK(html.find("dagplan:data") == std::string::npos);  // every marker replaced
  CHECK(html.find("dagplan:script") == std::string::npos);
  // Nothing fetched: no source or link to another address.
  for (const char* fetch : {"src=", "href=", "http://", "https://", "@import", "url("})
    CHECK(html.find(fetch) == std::string::npos);
  // The data reads back as JSON.
  nlohmann::json j = nlohmann::json::parse(report::report_json(d));
  CHECK(j["ids"][0] == "</script><script>alert(1)</script>");
  CHECK(j["timelines"].size() == 1);
}

TEST_CASE("Chrome trace events: a slice per attempt, its phases inside, times as recorded") {
  Workflow w = diamond();
  Platform p = test_platform();
  ExecutionModel model(w, p);
  Plan plan = strict_plan(w, {{"a", "w0"}, {"b", "w0"}, {"c", "w0"}, {"d", "w0"}});
  report::ReportData d = report::build_report(model, plan, {});
  nlohmann::json j = nlohmann::json::parse(report::chrome_trace(d));
  const sim::Trace& tr = d.timelines[0].trace;
  std::size_t task_slices = 0;
  for (const nlohmann::json& e : j["traceEvents"]) {
    if (e["ph"] != "X") continue;
    if (e["cat"] == "task") {
      ++task_slices;
      std::uint32_t k = index(*w.find(e["name"].get<std::string>()));
      const TraceAttempt& a = tr.tasks[k].attempts.back();
      CHECK(e["ts"].get<std::int64_t>() == a.start_us);
      CHECK(e["dur"].get<std::int64_t>() == a.finish_us - a.start_us);
    }
    if (e["cat"] == "phase" && e["name"] == "exec") {
      bool found = false;
      for (const sim::TraceTask& t : tr.tasks)
        found = found || (t.attempts.back().exec_start_us == e["ts"].get<std::int64_t>() &&
                          t.attempts.back().exec_end_us - t.attempts.back().exec_start_us ==
                              e["dur"].get<std::int64_t>());
      CHECK(found);
    }
  }
  CHECK(task_slices == 4);
}
