// The trace format: a trace embeds its workflow, platform and plan, round-trips to the same text,
// and a trace that contradicts them (or itself) gets one error naming the file and JSON path.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "dagplan/plan.hpp"
#include "dagplan/platform.hpp"
#include "dagplan/sim/trace.hpp"
#include "dagplan/workflow_io.hpp"
#include "test_util.hpp"

using namespace dagplan;
using namespace dagplan::sim;

namespace {
constexpr const char* kDiamond = R"({"format": "dagplan-workflow/1", "name": "diamond", "tasks": [
  {"id": "a", "function": "split", "work_s": 0.1, "input_bytes": 1000, "output_bytes": 2000},
  {"id": "b", "function": "work", "work_s": 0.2, "output_bytes": 300, "deps": ["a"]},
  {"id": "c", "function": "work", "work_s": 0.2, "output_bytes": 400, "deps": ["a"]},
  {"id": "d", "function": "join", "work_s": 0.1, "output_bytes": 50, "deps": ["b", "c"]}]})";

TraceInput input(std::string from, TraceInput::Source source, std::uint64_t bytes,
                 std::int64_t start_us, std::int64_t end_us) {
  TraceInput in;
  in.from = std::move(from);
  in.source = source;
  in.bytes = bytes;
  in.start_us = start_us;
  in.end_us = end_us;
  return in;
}

// Seven times of an attempt: ready, start, exec start, exec end, upload start, upload end, finish.
TraceAttempt attempt(std::uint32_t instance, std::array<std::int64_t, 7> t,
                     std::vector<TraceInput> inputs) {
  TraceAttempt a;
  a.instance = instance;
  a.ready_us = t[0];
  a.start_us = t[1];
  a.exec_start_us = t[2];
  a.exec_end_us = t[3];
  a.upload_start_us = t[4];
  a.upload_end_us = t[5];
  a.finish_us = t[6];
  a.inputs = std::move(inputs);
  return a;
}

TraceTask task(std::string id, std::uint64_t output_bytes, std::uint32_t counter_updates,
               std::vector<TraceAttempt> attempts) {
  TraceTask t;
  t.id = std::move(id);
  t.output_bytes = output_bytes;
  t.counter_updates = counter_updates;
  t.attempts = std::move(attempts);
  return t;
}

// A run of the diamond: a and b on the strict worker w0 (instance 0), c and d flexible on
// instance 1, where c fails once and is retried. Every input source appears.
Trace diamond_trace() {
  using Source = TraceInput::Source;
  Workflow w = read_workflow(kDiamond, "diamond.json");
  Platform p = load_platform("aws-lambda");
  ConfigId cfg = *p.find_config("1024MB");
  Plan plan = make_flexible_plan(w, cfg);
  plan.planner = "hand";
  plan.worker_names = {"w0"};
  plan.worker_config = {cfg};
  plan.task_worker[0] = plan.task_worker[1] = 0;
  plan.preload[3] = 1;
  check_plan(plan, w, p);

  Trace t;
  t.source = "dagsim";
  t.created_by = "dagsim 0.1.0 (seed 42)";
  t.makespan_us = 1'250'000;
  t.cost_usd = 1.25e-5;
  t.workflow_json = write_workflow(w);
  t.platform_json = write_platform(p);
  t.plan_json = write_plan(plan, w, p);

  TraceInstance w0;
  w0.worker = "w0";
  w0.config = "1024MB";
  w0.invoked_us = 0;
  w0.start_us = 30'000;
  w0.ready_us = 330'000;
  w0.exited_us = 1'000'000;
  TraceInstance flex;
  flex.config = "1024MB";
  flex.invoked_us = 521'000;
  flex.start_us = 530'000;
  flex.ready_us = 545'000;
  flex.exited_us = 1'250'000;
  flex.warm = true;
  flex.crashed = true;
  t.instances = {w0, flex};

  t.tasks.push_back(
      task("a", 2000, 2,
           {attempt(0, {330'000, 330'000, 340'000, 500'000, 500'000, 520'000, 521'000},
                    {input("", Source::kLiteral, 1000, 330'000, 340'000)})}));
  t.tasks.push_back(
      task("b", 300, 1,
           {attempt(0, {521'000, 521'000, 521'000, 800'000, 800'000, 810'000, 811'000},
                    {input("a", Source::kLocal, 2000, 521'000, 521'000)})}));
  TraceAttempt failed = attempt(1, {545'000, 545'000, 560'000, 600'000, 600'000, 600'000, 600'000},
                                {input("a", Source::kDownload, 2000, 545'000, 560'000)});
  failed.ok = false;
  failed.error = "exit status 1: \"boom\"\nTraceback";
  t.tasks.push_back(
      task("c", 400, 1,
           {failed, attempt(1, {600'000, 600'000, 610'000, 700'000, 700'000, 700'000, 701'000},
                            {input("a", Source::kStream, 2000, 600'000, 610'000)})}));
  t.tasks.push_back(
      task("d", 50, 1,
           {attempt(1, {811'000, 811'000, 830'000, 900'000, 900'000, 1'000'000, 1'001'000},
                    {input("b", Source::kDownload, 300, 811'000, 830'000),
                     input("c", Source::kLocal, 400, 811'000, 811'000)})}));

  TraceEvent prewarm;
  prewarm.kind = "prewarm";
  prewarm.time_us = 400'000;
  prewarm.task = "c";
  prewarm.detail = "1024MB";
  TraceEvent note;
  note.kind = "note";
  note.time_us = 1'250'000;
  t.events = {prewarm, note};
  t.errors = {"task 'c' attempt 0 failed: exit status 1"};
  return t;
}

void check_same(const Trace& a, const Trace& b) {
  CHECK(a.source == b.source);
  CHECK(a.created_by == b.created_by);
  CHECK(a.makespan_us == b.makespan_us);
  CHECK(a.cost_usd == b.cost_usd);
  CHECK(a.workflow_json == b.workflow_json);
  CHECK(a.platform_json == b.platform_json);
  CHECK(a.plan_json == b.plan_json);
  REQUIRE(a.instances.size() == b.instances.size());
  for (std::size_t i = 0; i < a.instances.size(); ++i) {
    INFO("instance " << i);
    const TraceInstance &x = a.instances[i], &y = b.instances[i];
    CHECK(x.worker == y.worker);
    CHECK(x.config == y.config);
    CHECK(x.invoked_us == y.invoked_us);
    CHECK(x.start_us == y.start_us);
    CHECK(x.ready_us == y.ready_us);
    CHECK(x.exited_us == y.exited_us);
    CHECK(x.warm == y.warm);
    CHECK(x.crashed == y.crashed);
  }
  REQUIRE(a.tasks.size() == b.tasks.size());
  for (std::size_t i = 0; i < a.tasks.size(); ++i) {
    INFO("task " << a.tasks[i].id);
    CHECK(a.tasks[i].id == b.tasks[i].id);
    CHECK(a.tasks[i].output_bytes == b.tasks[i].output_bytes);
    CHECK(a.tasks[i].counter_updates == b.tasks[i].counter_updates);
    REQUIRE(a.tasks[i].attempts.size() == b.tasks[i].attempts.size());
    for (std::size_t k = 0; k < a.tasks[i].attempts.size(); ++k) {
      const TraceAttempt &x = a.tasks[i].attempts[k], &y = b.tasks[i].attempts[k];
      CHECK(x.instance == y.instance);
      CHECK(x.ready_us == y.ready_us);
      CHECK(x.start_us == y.start_us);
      CHECK(x.exec_start_us == y.exec_start_us);
      CHECK(x.exec_end_us == y.exec_end_us);
      CHECK(x.upload_start_us == y.upload_start_us);
      CHECK(x.upload_end_us == y.upload_end_us);
      CHECK(x.finish_us == y.finish_us);
      CHECK(x.ok == y.ok);
      CHECK(x.error == y.error);
      REQUIRE(x.inputs.size() == y.inputs.size());
      for (std::size_t m = 0; m < x.inputs.size(); ++m) {
        CHECK(x.inputs[m].from == y.inputs[m].from);
        CHECK(x.inputs[m].source == y.inputs[m].source);
        CHECK(x.inputs[m].bytes == y.inputs[m].bytes);
        CHECK(x.inputs[m].start_us == y.inputs[m].start_us);
        CHECK(x.inputs[m].end_us == y.inputs[m].end_us);
      }
    }
  }
  REQUIRE(a.events.size() == b.events.size());
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    CHECK(a.events[i].kind == b.events[i].kind);
    CHECK(a.events[i].time_us == b.events[i].time_us);
    CHECK(a.events[i].task == b.events[i].task);
    CHECK(a.events[i].detail == b.events[i].detail);
  }
  CHECK(a.errors == b.errors);
}

// Replaces the first occurrence of `from` (which must occur) in `text`.
std::string replace_first(std::string text, const std::string& from, const std::string& to) {
  std::size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

// A trace document whose task list is `tasks` as written.
std::string with_tasks(const std::string& tasks) {
  Trace t = diamond_trace();
  t.tasks.clear();
  return replace_first(write_trace(t), "\"tasks\": []", "\"tasks\": [" + tasks + "]");
}
}  // namespace

TEST_CASE("a trace writes, reads and writes back to the same text", "[trace]") {
  Trace t = diamond_trace();
  std::string text = write_trace(t);
  Trace again = read_trace(text, "t.json");
  CHECK(write_trace(again) == text);
  check_same(t, again);

  SECTION("the embedded documents read back as the documents they were") {
    Workflow w = read_workflow(again.workflow_json, "w");
    CHECK(w.task_count() == 4);
    CHECK(read_platform(again.platform_json, "p").name == "aws-lambda");
    CHECK(read_plan(again.plan_json, "plan", w, read_platform(again.platform_json, "p"))
              .worker_names == std::vector<std::string>{"w0"});
  }
  SECTION("the text is one instance and one task per line, the embedded documents indented") {
    CHECK_THAT(text, Catch::StartsWith("{\n  \"format\": \"dagplan-trace/1\","));
    CHECK_THAT(text,
               Catch::Contains("\n  \"workflow\": {\n    \"format\": \"dagplan-workflow/1\""));
    CHECK_THAT(text, Catch::Contains(
                         "\n    {\"worker\": \"w0\", \"config\": \"1024MB\", \"invoked_us\": 0, "
                         "\"start_us\": 30000, \"ready_us\": 330000, \"exited_us\": 1000000, "
                         "\"warm\": false, \"crashed\": false},\n"));
    CHECK_THAT(text, Catch::Contains("\n    {\"worker\": null, \"config\": \"1024MB\""));
    CHECK_THAT(text, Catch::Contains(
                         "\n    {\"id\": \"a\", \"output_bytes\": 2000, \"counter_updates\": 2, "
                         "\"attempts\": [{\"instance\": 0, \"ready_us\": 330000,"));
    CHECK_THAT(text, Catch::Contains("{\"from\": null, \"source\": \"literal\", \"bytes\": 1000"));
    CHECK_THAT(text, Catch::Contains(
                         "\"ok\": false, \"error\": \"exit status 1: \\\"boom\\\"\\nTraceback\""));
    CHECK_THAT(text, Catch::Contains("{\"kind\": \"note\", \"time_us\": 1250000}"));
  }
}

TEST_CASE("trace tasks may come in any order and are stored in the workflow's", "[trace]") {
  Trace t = diamond_trace();
  std::reverse(t.tasks.begin(), t.tasks.end());
  Trace again = read_trace(write_trace(t), "t.json");
  REQUIRE(again.tasks.size() == 4);
  CHECK(again.tasks[0].id == "a");
  CHECK(again.tasks[3].id == "d");
  CHECK(again.tasks[2].attempts.size() == 2);
  CHECK_FALSE(again.tasks[2].attempts[0].ok);
}

TEST_CASE("bad traces give one clear error", "[trace][errors]") {
  Trace t = diamond_trace();
  SECTION("task missing") {
    t.tasks.pop_back();
    REQUIRE_INPUT_ERROR(read_trace(write_trace(t), "t.json"),
                        "t.json: $.tasks:", "task 'd' of the workflow is not in the trace");
  }
  SECTION("task twice") {
    t.tasks.push_back(t.tasks[1]);
    REQUIRE_INPUT_ERROR(read_trace(write_trace(t), "t.json"), "$.tasks[4].id",
                        "task 'b' appears twice");
  }
  SECTION("unknown task") {
    t.tasks[0].id = "zz";
    REQUIRE_INPUT_ERROR(read_trace(write_trace(t), "t.json"), "$.tasks[0].id", "unknown task 'zz'");
  }
  SECTION("instance index out of range") {
    t.tasks[3].attempts[0].instance = 2;
    REQUIRE_INPUT_ERROR(read_trace(write_trace(t), "t.json"), "$.tasks[3].attempts[0].instance",
                        "instance 2 out of range (the trace has 2 instances)");
  }
  SECTION("attempt times out of order") {
    t.tasks[2].attempts[0].exec_end_us = 550'000;
    REQUIRE_INPUT_ERROR(read_trace(write_trace(t), "t.json"), "t.json: $.tasks[2].attempts[0]:",
                        "expected exec_start_us <= exec_end_us, got 560000 > 550000");
  }
  SECTION("attempt outside its instance's lifetime") {
    t.tasks[0].attempts[0].start_us = t.tasks[0].attempts[0].ready_us = 300'000;
    REQUIRE_INPUT_ERROR(read_trace(write_trace(t), "t.json"), "$.tasks[0].attempts[0]:",
                        "start_us 300000 is before its instance 0 was ready (ready_us 330000)");
  }
  SECTION("instance times out of order") {
    t.instances[1].exited_us = 540'000;
    REQUIRE_INPUT_ERROR(read_trace(write_trace(t), "t.json"), "t.json: $.instances[1]:",
                        "expected ready_us <= exited_us, got 545000 > 540000");
  }
  SECTION("instance of an unknown worker or configuration") {
    t.instances[0].worker = "w1";
    REQUIRE_INPUT_ERROR(read_trace(write_trace(t), "t.json"), "$.instances[0].worker",
                        "unknown worker 'w1'");
    t.instances[0].worker = "w0";
    t.instances[0].config = "1042MB";
    REQUIRE_INPUT_ERROR(read_trace(write_trace(t), "t.json"), "$.instances[0].config",
                        "unknown configuration", "did you mean '1024MB'?");
  }
  SECTION("input from a task that is not a predecessor") {
    t.tasks[1].attempts[0].inputs[0].from = "c";
    REQUIRE_INPUT_ERROR(read_trace(write_trace(t), "t.json"),
                        "$.tasks[1].attempts[0].inputs[0].from",
                        "task 'c' is not a predecessor of task 'b'");
  }
  SECTION("literal input with a producer, download without one") {
    t.tasks[1].attempts[0].inputs[0].source = TraceInput::Source::kLiteral;
    REQUIRE_INPUT_ERROR(read_trace(write_trace(t), "t.json"),
                        "$.tasks[1].attempts[0].inputs[0].from",
                        "a literal input comes from no task");
    t.tasks[1].attempts[0].inputs[0].source = TraceInput::Source::kDownload;
    t.tasks[1].attempts[0].inputs[0].from.clear();
    REQUIRE_INPUT_ERROR(read_trace(write_trace(t), "t.json"), "$.tasks[1].attempts[0].inputs[0]:",
                        "missing member 'from' (the producer of a download input)");
  }
  SECTION("unknown input source, with suggestion") {
    std::string text =
        replace_first(write_trace(t), "\"source\": \"stream\"", "\"source\": \"steam\"");
    REQUIRE_INPUT_ERROR(read_trace(text, "t.json"), "$.tasks[2].attempts[1].inputs[0].source",
                        "unknown input source 'steam'; did you mean 'stream'?");
  }
  SECTION("bad embedded workflow: the error names the embedded document") {
    std::string text = replace_first(write_trace(t), "\"deps\": [\"a\"]", "\"deps\": [\"zz\"]");
    REQUIRE_INPUT_ERROR(read_trace(text, "t.json"),
                        "t.json (embedded workflow): $.tasks[1].deps[0]", "unknown task 'zz'");
  }
  SECTION("embedded plan of another workflow") {
    Workflow other = read_workflow(
        R"({"format": "dagplan-workflow/1",
            "tasks": [{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d"}]})",
        "o.json");
    Platform p = load_platform("aws-lambda");
    t.plan_json = write_plan(make_flexible_plan(other, ConfigId{0}), other, p);
    REQUIRE_INPUT_ERROR(read_trace(write_trace(t), "t.json"), "t.json (embedded plan)",
                        "$.workflow.fingerprint", "made for another workflow");
  }
  SECTION("embedded plan without its workflow reference (\"workflow\": {})") {
    std::string text = write_trace(t);
    std::size_t begin = text.find("\"workflow\": {", text.find("\"plan\": {"));
    REQUIRE(begin != std::string::npos);
    text.replace(begin, text.find('}', begin) + 1 - begin, "\"workflow\": {}");
    REQUIRE_INPUT_ERROR(read_trace(text, "t.json"),
                        "t.json (embedded plan): $.workflow.fingerprint",
                        "gives no workflow fingerprint");
  }
  SECTION("embedded document that is not an object") {
    std::string text = write_trace(t);
    std::size_t begin = text.find("\"platform\": {");
    std::size_t end = text.find("\n  },\n", begin);
    text.replace(begin, end + 4 - begin, "\"platform\": \"aws-lambda\"");
    REQUIRE_INPUT_ERROR(read_trace(text, "t.json"), "t.json: $.platform",
                        "expected an embedded dagplan-platform/1 object, got");
  }
  SECTION("unknown member, with suggestion") {
    std::string text = replace_first(write_trace(t), "\"makespan_us\"", "\"makespan_sus\"");
    REQUIRE_INPUT_ERROR(read_trace(text, "t.json"), "$.makespan_sus",
                        "unknown member 'makespan_sus'; did you mean 'makespan_us'?");
    text = replace_first(write_trace(t), "\"counter_updates\"", "\"counter_update\"");
    REQUIRE_INPUT_ERROR(read_trace(text, "t.json"), "$.tasks[0].counter_update",
                        "did you mean 'counter_updates'?");
  }
  SECTION("wrong format version") {
    std::string text = replace_first(write_trace(t), "dagplan-trace/1", "dagplan-trace/2");
    REQUIRE_INPUT_ERROR(read_trace(text, "t.json"), "$.format",
                        "unsupported format version 'dagplan-trace/2'");
  }
  SECTION("negative makespan") {
    std::string text =
        replace_first(write_trace(t), "\"makespan_us\": 1250000", "\"makespan_us\": -1");
    REQUIRE_INPUT_ERROR(read_trace(text, "t.json"), "$.makespan_us", "expected an integer in [0,");
  }
  SECTION("missing members") {
    std::string text = write_trace(t);
    std::size_t begin = text.find(",\n  \"tasks\": [");
    text.erase(begin, text.find(",\n  \"events\": [") - begin);
    REQUIRE_INPUT_ERROR(read_trace(text, "t.json"), "t.json: $:", "missing member 'tasks'");
    REQUIRE_INPUT_ERROR(read_trace(with_tasks(R"({"output_bytes": 1})"), "t.json"),
                        "$.tasks[0]:", "missing member 'id'");
    REQUIRE_INPUT_ERROR(
        read_trace(with_tasks(R"({"id": "a", "attempts": [{"instance": 0, "ready_us": 0}]})"),
                   "t.json"),
        "$.tasks[0].attempts[0]:", "missing member 'start_us'");
  }
  SECTION("attempts before the task id") {
    REQUIRE_INPUT_ERROR(read_trace(with_tasks(R"({"attempts": [], "id": "a"})"), "t.json"),
                        "$.tasks[0].attempts", "expected member 'id' before 'attempts'");
  }
}
