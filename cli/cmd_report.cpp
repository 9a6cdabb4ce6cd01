// dagplan report: the plan's prediction and its traces as one HTML page, or as Chrome trace
// events for Perfetto.

#include <fmt/format.h>

#include <memory>

#include "cli_common.hpp"
#include "commands.hpp"
#include "dagplan/error.hpp"
#include "dagplan/files.hpp"
#include "dagplan/report/report.hpp"
#include "dagplan/workflow_io.hpp"
#include "inputs.hpp"
#include "progress.hpp"

namespace dagplan::cli {

void add_report_commands(CLI::App& app) {
  struct Opts {
    std::string plan, workflow, platform, profile, compare, output = "-", format = "html";
    std::vector<std::string> traces;
    bool no_prediction = false, ignore_fingerprint = false, quiet = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand(
      "report",
      "A plan's predicted timeline beside the actual ones of its traces: one self-contained "
      "HTML page (Gantt chart per worker instance, summary, DAG, planners compared), or Chrome "
      "trace events for Perfetto (--format chrome)");
  cmd->add_option("plan", o->plan,
                  "Plan file (default: the plan embedded in the first --trace, on its "
                  "embedded workflow and platform)");
  cmd->add_option("--trace", o->traces, "A trace of a run of the plan's workflow (repeatable)");
  cmd->add_option("--compare", o->compare, "Output of `dagplan compare --format json` to show");
  cmd->add_option("--workflow", o->workflow, "Use this workflow instead of the plan's");
  cmd->add_option("--platform", o->platform, "Use this platform instead of the plan's")
      ->check(non_empty_value());
  cmd->add_option("--profile", o->profile, "Calibrated profile for the prediction");
  cmd->add_flag("--no-prediction", o->no_prediction,
                "Leave the plan's prediction out (the traces only)");
  cmd->add_option("--format", o->format,
                  "html: the report page; chrome: trace-event JSON (Perfetto, chrome://tracing); "
                  "json: the page's data")
      ->check(CLI::IsMember({"html", "chrome", "json"}))
      ->capture_default_str();
  cmd->add_option("-o,--output", o->output, "Output file ('-': standard output)")
      ->capture_default_str()
      ->check(non_empty_value());
  cmd->add_flag("--ignore-fingerprint", o->ignore_fingerprint, kIgnoreFingerprintHelp);
  add_quiet_flag(cmd, o->quiet);
  cmd->callback([o] {
    if (o->plan.empty() && o->traces.empty())
      throw UsageError("report: give a plan, a --trace, or both");
    if (o->plan.empty() && !(o->workflow.empty() && o->platform.empty() && o->profile.empty()))
      throw UsageError("report: --workflow, --platform and --profile apply to a plan file");
    if (o->no_prediction && o->traces.empty())
      throw UsageError("report: --no-prediction leaves nothing to show without a --trace");
    Progress progress("report", o->quiet);
    std::vector<report::TimelineInput> timelines;
    for (const std::string& path : o->traces) {
      progress.step("reading " + path);
      sim::Trace trace = sim::read_trace(read_text_file(path), path);
      std::string label =
          fmt::format("{} ({})", path, trace.source.empty() ? "trace" : trace.source);
      timelines.push_back({std::move(label), false, std::move(trace)});
    }
    std::optional<CompareTable> compare;
    if (!o->compare.empty()) compare = read_compare(read_text_file(o->compare), o->compare);
    Workflow workflow;
    Platform platform;
    std::optional<Profile> profile;
    Plan plan;
    std::vector<std::string> inputs = o->traces;  // what the output must not overwrite
    if (!o->compare.empty()) inputs.push_back(o->compare);
    if (!o->plan.empty()) {
      progress.step("reading " + o->plan);
      PlanInputs in =
          load_plan_inputs(o->plan, o->workflow, o->platform, o->profile, o->ignore_fingerprint);
      for (std::string& f : in.files()) inputs.push_back(std::move(f));
      workflow = std::move(in.inputs.workflow);
      platform = std::move(in.inputs.platform);
      profile = std::move(in.inputs.profile);
      plan = std::move(in.plan);
    } else {
      const sim::Trace& first = timelines.front().trace;
      const std::string& file = o->traces.front();
      workflow = read_workflow(first.workflow_json, file + " (embedded workflow)");
      platform = read_platform(first.platform_json, file + " (embedded platform)");
      plan = read_plan(first.plan_json, file + " (embedded plan)", workflow, platform);
    }
    ExecutionModel model(workflow, platform, profile ? &*profile : nullptr);
    progress.step(o->no_prediction ? "building the report" : "predicting, building the report");
    report::ReportData data = report::build_report(model, plan, std::move(timelines),
                                                   std::move(compare), !o->no_prediction);
    progress.step("writing " + o->output);
    write_file_atomic(o->output,
                      o->format == "html"     ? report::report_html(data)
                      : o->format == "chrome" ? report::chrome_trace(data)
                                              : report::report_json(data),
                      inputs);
    progress.finish();
  });
}

}  // namespace dagplan::cli
