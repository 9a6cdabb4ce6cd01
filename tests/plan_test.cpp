// The plan format: assignments resolve against the workflow and platform; errors say where.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <string>

#include "dagplan/model.hpp"
#include "dagplan/plan.hpp"
#include "dagplan/predictor.hpp"
#include "dagplan/workflow_io.hpp"
#include "test_util.hpp"

using namespace dagplan;

namespace {
constexpr const char* kWorkflow = R"({"format": "dagplan-workflow/1", "name": "d", "tasks": [
  {"id": "a", "output_bytes": 1}, {"id": "b", "deps": ["a"]}, {"id": "c", "deps": ["a"]}]})";

// The `workflow` and `platform` references of a plan for kWorkflow on aws-lambda.
std::string references() {
  return fmt::format(
      R"("workflow": {{"file": "w.json", "name": "d", "tasks": 3, "fingerprint": "{:016x}"}},
         "platform": {{"file": null, "name": "aws-lambda"}})",
      read_workflow(kWorkflow, "w.json").fingerprint());
}

std::string plan_doc(const std::string& workers, const std::string& tasks,
                     const std::string& refs = references()) {
  return R"({"format": "dagplan-plan/1", )" + refs +
         R"(, "planner": {"name": "hand"}, "workers": [)" + workers + R"(], "tasks": [)" + tasks +
         "]}";
}
}  // namespace

TEST_CASE("a plan with strict and flexible workers reads and writes back", "[plan]") {
  Workflow w = read_workflow(kWorkflow, "w.json");
  Platform p = load_platform("aws-lambda");
  Plan plan = read_plan(
      plan_doc(R"({"id": "w0", "config": "1024MB"})",
               R"({"id": "a", "worker": "w0"}, {"id": "b", "worker": "w0", "config": "1024MB"},
                                    {"id": "c", "worker": null, "config": "2048MB", "preload": true})"),
      "p.json", w, p);
  check_plan(plan, w, p);
  CHECK(plan.worker_count() == 1);
  CHECK(plan.task_worker[0] == 0);
  CHECK(plan.flexible(TaskId{2}));
  CHECK(p.configs[index(plan.task_config[2])].name == "2048MB");
  CHECK(plan.preload[2] == 1);
  std::string text = write_plan(plan, w, p);
  Plan again = read_plan(text, "again.json", w, p);
  CHECK(write_plan(again, w, p) == text);
}

TEST_CASE("bad plans give one clear error", "[plan][errors]") {
  Workflow w = read_workflow(kWorkflow, "w.json");
  Platform p = load_platform("aws-lambda");
  const std::string w0 = R"({"id": "w0", "config": "1024MB"})";
  SECTION("task missing") {
    REQUIRE_INPUT_ERROR(
        read_plan(plan_doc(w0, R"({"id": "a", "worker": "w0"}, {"id": "b", "worker": "w0"})"),
                  "p.json", w, p),
        "p.json", "$.tasks", "task 'c' of the workflow is not in the plan");
  }
  SECTION("task twice") {
    REQUIRE_INPUT_ERROR(
        read_plan(plan_doc(w0, R"({"id": "a", "worker": "w0"}, {"id": "a", "worker": "w0"})"),
                  "p.json", w, p),
        "$.tasks[1].id", "appears twice");
  }
  SECTION("unknown task") {
    REQUIRE_INPUT_ERROR(read_plan(plan_doc(w0, R"({"id": "zz", "worker": "w0"})"), "p.json", w, p),
                        "$.tasks[0].id", "unknown task 'zz'");
  }
  SECTION("unknown worker") {
    REQUIRE_INPUT_ERROR(read_plan(plan_doc(w0, R"({"id": "a", "worker": "w9"})"), "p.json", w, p),
                        "$.tasks[0].worker", "unknown worker 'w9'");
  }
  SECTION("unknown configuration, with suggestion") {
    REQUIRE_INPUT_ERROR(
        read_plan(plan_doc(R"({"id": "w0", "config": "1042MB"})", ""), "p.json", w, p),
        "$.workers[0].config", "unknown configuration", "did you mean '1024MB'?");
  }
  SECTION("two configurations for one worker") {
    REQUIRE_INPUT_ERROR(
        read_plan(plan_doc(w0, R"({"id": "a", "worker": "w0", "config": "2048MB"})"), "p.json", w,
                  p),
        "$.tasks[0].config", "its worker 'w0' has '1024MB'");
  }
  SECTION("flexible task without configuration") {
    REQUIRE_INPUT_ERROR(read_plan(plan_doc(w0, R"({"id": "a", "worker": null})"), "p.json", w, p),
                        "$.tasks[0]", "missing member 'config'");
  }
  SECTION("duplicate worker") {
    REQUIRE_INPUT_ERROR(read_plan(plan_doc(w0 + "," + w0, ""), "p.json", w, p), "$.workers[1].id",
                        "duplicate worker id 'w0'");
  }
  SECTION("a pre-warm that is not an object naming its trigger") {
    REQUIRE_INPUT_ERROR(
        read_plan(plan_doc(R"({"id": "w0", "config": "1024MB", "prewarm": "garbage"})", ""),
                  "p.json", w, p),
        "$.workers[0].prewarm", "expected");
    REQUIRE_INPUT_ERROR(
        read_plan(plan_doc(R"({"id": "w0", "config": "1024MB", "prewarm": {"before": "a"}})", ""),
                  "p.json", w, p),
        "$.workers[0].prewarm.before", "unknown member 'before'");
  }
  SECTION("a worker member no reader understands") {
    REQUIRE_INPUT_ERROR(
        read_plan(plan_doc(R"({"id": "w0", "config": "1024MB", "prewarmed": true})", ""), "p.json",
                  w, p),
        "$.workers[0].prewarmed", "unknown member 'prewarmed'");
  }
  SECTION("planner parameters that are not an object") {
    std::string doc = R"({"format": "dagplan-plan/1", "planner": {"name": "x", "params": 3},
                          "tasks": []})";
    REQUIRE_INPUT_ERROR(read_plan(doc, "p.json", w, p), "$.planner.params",
                        "expected an object of parameters");
  }
  SECTION("an unknown member of the planner") {
    std::string doc = R"({"format": "dagplan-plan/1", "planner": {"name": "x", "param": {}},
                          "tasks": []})";
    REQUIRE_INPUT_ERROR(read_plan(doc, "p.json", w, p), "$.planner.param", "unknown member");
  }
  SECTION("a pass record without a name") {
    std::string doc = R"({"format": "dagplan-plan/1", "passes": [{"changes": 1}], "tasks": []})";
    REQUIRE_INPUT_ERROR(read_plan(doc, "p.json", w, p), "$.passes[0]", "missing member 'name'");
  }
  SECTION("a workflow fingerprint that is another workflow's, missing, empty or zero") {
    const std::string w0t =
        R"({"id": "a", "worker": "w0"}, {"id": "b", "worker": "w0"}, {"id": "c", "worker": "w0"})";
    const std::string platform = R"("platform": {"file": null, "name": "aws-lambda"})";
    auto with_workflow = [&](const std::string& workflow_ref) {
      return plan_doc(w0, w0t, workflow_ref + ", " + platform);
    };
    REQUIRE_INPUT_ERROR(
        read_plan(with_workflow(R"("workflow": {"fingerprint": "0123456789abcdef"})"), "p.json", w,
                  p),
        "p.json: $.workflow.fingerprint: ", "made for another workflow",
        "fingerprint 0123456789abcdef");
    REQUIRE_INPUT_ERROR(
        read_plan(with_workflow(R"("workflow": {"file": "w.json"})"), "p.json", w, p),
        "p.json: $.workflow.fingerprint: ", "gives no workflow fingerprint");
    REQUIRE_INPUT_ERROR(read_plan(plan_doc(w0, w0t, platform), "p.json", w, p),
                        "p.json: $: ", "missing member 'workflow'");
    REQUIRE_INPUT_ERROR(
        read_plan(with_workflow(R"("workflow": {"fingerprint": ""})"), "p.json", w, p),
        "p.json: $.workflow.fingerprint (line 1", "expected 16 lowercase hex digits");
    REQUIRE_INPUT_ERROR(
        read_plan(with_workflow(R"("workflow": {"fingerprint": "0000000000000000"})"), "p.json", w,
                  p),
        "p.json: $.workflow.fingerprint: ", "gives no workflow fingerprint");
    // --ignore-fingerprint: read all the same (the CLI warns).
    CHECK(read_plan(with_workflow(R"("workflow": {"fingerprint": "0123456789abcdef"})"), "p.json",
                    w, p, FingerprintCheck::kIgnore)
              .worker_count() == 1);
    CHECK_THAT(
        fingerprint_problem(
            read_plan_references(with_workflow(R"("workflow": {"name": "d"})"), "p.json"), w),
        Catch::Contains("no workflow fingerprint"));
    CHECK(fingerprint_problem(read_plan_references(plan_doc(w0, w0t), "p.json"), w).empty());
  }
  SECTION("a platform without a name, or an empty one") {
    const std::string workflow = references().substr(0, references().find("\"platform\"") - 1);
    REQUIRE_INPUT_ERROR(read_plan(plan_doc(w0, R"({"id": "a", "worker": "w0"})",
                                           workflow + R"( "platform": {"file": null, "name": ""})"),
                                  "p.json", w, p),
                        "p.json: $.platform.name", "expected a non-empty platform name");
    std::string all = R"({"id": "a", "worker": "w0"}, {"id": "b", "worker": "w0"},
                         {"id": "c", "worker": "w0"})";
    REQUIRE_INPUT_ERROR(
        read_plan(plan_doc(w0, all, workflow + R"( "platform": {"file": null})"), "p.json", w, p),
        "p.json: $.platform: ", "missing member 'name'");
    REQUIRE_INPUT_ERROR(
        read_plan(plan_doc(w0, all, workflow.substr(0, workflow.rfind(','))), "p.json", w, p),
        "p.json: $: ", "missing member 'platform'");
  }
  SECTION("unknown members in the workflow, platform and planner references") {
    REQUIRE_INPUT_ERROR(
        read_plan(
            plan_doc(w0, "", R"("workflow": {"fingerprint": "0123456789abcdef", "version": 2})"),
            "p.json", w, p),
        "p.json: $.workflow.version", "unknown member 'version'");
    REQUIRE_INPUT_ERROR(
        read_plan(plan_doc(w0, "", R"("platform": {"name": "aws-lambda", "region": "eu"})"),
                  "p.json", w, p),
        "p.json: $.platform.region", "unknown member 'region'");
    REQUIRE_INPUT_ERROR(
        read_plan_references(plan_doc(w0, "", R"("platform": {"name": "x", "nmae": "y"})"),
                             "p.json"),
        "p.json: $.platform.nmae", "unknown member 'nmae'; did you mean 'name'?");
  }
}

TEST_CASE("a plan streamed in chunks is the text write_plan() makes wherever the chunks end",
          "[plan][files]") {
  Workflow w = test::generated("random-layered", 300, 1);
  Platform platform = load_platform("aws-lambda");
  ExecutionModel model(w, platform);
  Plan plan = test::plan_with("heft", model);
  const Prediction p = predict(model, plan);
  Plan with_text = plan;
  with_text.predictions_json = prediction_json(p, model, true);
  const std::string whole = write_plan(with_text, w, platform);
  for (std::size_t at : {std::size_t{1}, std::size_t{100}, std::size_t{4096}}) {
    INFO("flushed at " << at << " bytes");
    std::string out, file;
    std::size_t flushes = 0;
    auto flush = [&] {
      CHECK(out.size() >= at);
      file += out;
      out.clear();
      ++flushes;
    };
    append_plan(out, plan, w, platform, flush, at,
                [&] { append_prediction_json(out, p, model, true, flush, at); });
    file += out;
    CHECK(file == whole);
    CHECK(flushes > (at == 1 ? 600u : 3u));  // in pieces: at 1 byte, after each task of both lists
  }
}
