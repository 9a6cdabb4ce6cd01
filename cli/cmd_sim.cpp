// dagsim: simulate, replay, calibrate.

#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "cli_common.hpp"
#include "dagplan/error.hpp"
#include "dagplan/files.hpp"
#include "dagplan/human_format.hpp"
#include "dagplan/sim/calibrate.hpp"
#include "dagplan/sim/effects.hpp"
#include "dagplan/sim/replay.hpp"
#include "dagplan/sim/runs.hpp"
#include "dagplan/sim/simulator.hpp"
#include "dagplan/sim/wfcommons_replay.hpp"
#include "dagplan/workflow_io.hpp"
#include "inputs.hpp"

namespace dagplan::cli {
namespace {

double seconds(std::int64_t us) {
  return static_cast<double>(us) / 1e6;
}

sim::Trace load_trace(const std::string& path) {
  std::string text = read_text_file(path);
  return sim::read_trace(text, path == "-" ? "<stdin>" : path);
}

// Makespan after adding each effect in turn: which one made the difference.
void print_effects(const sim::EffectAttribution& a) {
  fmt::print("effects on the makespan (each adds to the line above):\n");
  fmt::print("  {:<34} {:>12}\n", "predictor (no contention, no noise)",
             human_seconds(seconds(a.predicted_makespan_us)));
  fmt::print("  {:<34} {:>12}  ({:+.3f} s)\n", "simulator, same assumptions",
             human_seconds(seconds(a.simulated_makespan_us)),
             seconds(a.simulated_makespan_us - a.predicted_makespan_us));
  for (const sim::EffectStep& step : a.steps)
    fmt::print("  {:<34} {:>12}  ({:+.3f} s)\n", fmt::format("+ {}", sim::effect_name(step.effect)),
               human_seconds(seconds(step.makespan_us)), seconds(step.added_us));
}

}  // namespace

void add_sim_commands(CLI::App& app) {
  // simulate
  {
    struct Opts {
      std::string plan, workflow, platform, profile, trace, format = "text";
      std::uint32_t runs = 1;
      std::uint64_t seed = 1;
      bool noise = false, no_contention = false, explain = false;
      double task_failure = 0, worker_crash = 0;
      std::uint32_t max_attempts = 4;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd =
        app.add_subcommand("simulate", "Simulate a plan with contention, noise and faults");
    cmd->add_option("plan", o->plan, "Plan file")->required();
    cmd->add_option("--workflow", o->workflow, "Use this workflow instead of the plan's");
    cmd->add_option("--platform", o->platform, "Use this platform instead of the plan's");
    cmd->add_option("--profile", o->profile, "Calibrated profile (also gives noise per function)");
    cmd->add_option("--runs", o->runs, "Number of runs (seeds S, S+1, ...)")
        ->check(CLI::Range(1u, 100000u));
    cmd->add_option("--seed", o->seed, "First seed (printed)")->capture_default_str();
    cmd->add_flag("--noise", o->noise, "Draw execution, start-up and latency noise");
    cmd->add_flag("--no-contention", o->no_contention,
                  "Transfers and tasks do not share bandwidth or vCPUs");
    cmd->add_option("--task-failure", o->task_failure, "Probability that a task attempt fails")
        ->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--worker-crash", o->worker_crash,
                    "Probability that a worker crashes during a task")
        ->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--max-attempts", o->max_attempts, "Attempts per task")
        ->check(CLI::Range(1u, 1000u));
    cmd->add_option("--trace", o->trace, "Write the (first) run's trace here");
    cmd->add_flag("--explain", o->explain, "Show which effect changes the makespan by how much");
    cmd->add_option("--format", o->format, "Output format")->check(CLI::IsMember({"text", "json"}));
    cmd->callback([o] {
      PlanInputs in = load_plan_inputs(o->plan, o->workflow, o->platform, o->profile);
      ExecutionModel model(in.inputs.workflow, in.inputs.platform,
                           in.inputs.profile ? &*in.inputs.profile : nullptr);
      sim::SimOptions so;
      so.contention = !o->no_contention;
      so.noise.enabled = o->noise;
      so.faults.task_failure = o->task_failure;
      so.faults.worker_crash = o->worker_crash;
      so.faults.max_attempts = o->max_attempts;
      so.seed = o->seed;
      so.record_trace = !o->trace.empty();
      Prediction predicted = predict(model, in.plan);
      sim::RunStatistics st = sim::simulate_runs(model, in.plan, so, o->runs);
      for (const sim::RunOutcome& r : st.runs)
        if (r.failed)
          fmt::print(stderr, "dagsim: run with seed {} failed: {}\n", r.seed, r.failure);
      if (so.record_trace) {
        st.first_trace.workflow_json = write_workflow(in.inputs.workflow);
        st.first_trace.platform_json = write_platform(in.inputs.platform);
        st.first_trace.plan_json = write_plan(in.plan, in.inputs.workflow, in.inputs.platform);
        write_file_atomic(o->trace, sim::write_trace(st.first_trace));
      }
      const sim::Distribution &dm = st.makespan_s, &dc = st.cost_usd;
      const std::uint64_t events = st.events, failed_runs = st.failed_runs;
      const double wall = st.simulate_seconds;
      if (o->format == "json") {
        nlohmann::ordered_json j = {
            {"workflow", in.inputs.workflow.name()},
            {"runs", o->runs},
            {"seed", o->seed},
            {"noise", o->noise},
            {"contention", !o->no_contention},
            {"failed_runs", failed_runs},
            {"predicted_makespan_s", seconds(predicted.makespan_us)},
            {"predicted_cost_usd", predicted.cost.total()},
            {"makespan_s",
             {{"mean", dm.mean},
              {"p50", dm.p50},
              {"p95", dm.p95},
              {"p99", dm.p99},
              {"min", dm.min},
              {"max", dm.max}}},
            {"cost_usd",
             {{"mean", dc.mean},
              {"p50", dc.p50},
              {"p95", dc.p95},
              {"p99", dc.p99},
              {"min", dc.min},
              {"max", dc.max}}},
            {"events", events},
            {"events_per_second", wall > 0 ? static_cast<double>(events) / wall : 0.0}};
        fmt::print("{}\n", j.dump(2));
        return;
      }
      fmt::print("simulated '{}' ({} tasks) by plan '{}' on '{}': {} run{}, seed {}{}{}\n",
                 in.inputs.workflow.name(), in.inputs.workflow.task_count(), in.plan.planner,
                 in.inputs.platform.name, o->runs, o->runs == 1 ? "" : "s", o->seed,
                 o->noise ? ", noise" : "", o->no_contention ? ", no contention" : "");
      fmt::print("  predicted    makespan {:>12}   cost {}\n",
                 human_seconds(seconds(predicted.makespan_us)),
                 human_dollars(predicted.cost.total()));
      if (o->runs == 1) {
        fmt::print("  simulated    makespan {:>12}   cost {}\n", human_seconds(dm.mean),
                   human_dollars(dc.mean));
      } else {
        fmt::print("  makespan     mean {}  p50 {}  p95 {}  p99 {}  (min {}, max {})\n",
                   human_seconds(dm.mean), human_seconds(dm.p50), human_seconds(dm.p95),
                   human_seconds(dm.p99), human_seconds(dm.min), human_seconds(dm.max));
        fmt::print("  cost         mean {}  p50 {}  p95 {}  p99 {}\n", human_dollars(dc.mean),
                   human_dollars(dc.p50), human_dollars(dc.p95), human_dollars(dc.p99));
      }
      if (failed_runs)
        fmt::print("  {} of {} runs failed (a task ran out of attempts)\n", failed_runs, o->runs);
      fmt::print("  {} events in {} ({:.1f} million events/s)\n", events, human_seconds(wall),
                 wall > 0 ? static_cast<double>(events) / wall / 1e6 : 0.0);
      if (o->explain) print_effects(sim::attribute_effects(model, in.plan, so));
    });
  }
  // replay
  {
    struct Opts {
      std::string trace, profile, format = "text";
      std::uint64_t seed = 1;
      bool noise = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = app.add_subcommand(
        "replay", "Predict and simulate a recorded run and compare with what happened");
    cmd->add_option("trace", o->trace, "Trace file (dagplan-trace/1)")->required();
    cmd->add_option("--profile", o->profile, "Calibrated profile to apply first");
    cmd->add_option("--seed", o->seed, "Simulation seed")->capture_default_str();
    cmd->add_flag("--noise", o->noise, "Simulate with noise");
    cmd->add_option("--format", o->format, "Output format")
        ->check(CLI::IsMember({"text", "json", "markdown"}));
    cmd->callback([o] {
      sim::Trace trace = load_trace(o->trace);
      std::optional<Profile> profile;
      if (!o->profile.empty()) profile = read_profile(read_text_file(o->profile), o->profile);
      sim::SimOptions so;
      so.seed = o->seed;
      so.noise.enabled = o->noise;
      sim::ReplayReport r = sim::replay(trace, profile ? &*profile : nullptr, so);
      if (o->format == "json") {
        nlohmann::ordered_json j = {
            {"workflow", r.workflow},
            {"tasks", r.tasks},
            {"makespan_s",
             {{"actual", r.actual_makespan_s},
              {"predicted", r.predicted_makespan_s},
              {"simulated", r.simulated_makespan_s}}},
            {"makespan_relative_error",
             {{"predicted", sim::relative_error(r.predicted_makespan_s, r.actual_makespan_s)},
              {"simulated", sim::relative_error(r.simulated_makespan_s, r.actual_makespan_s)}}},
            {"cost_usd",
             {{"actual", r.actual_cost_usd},
              {"predicted", r.predicted_cost_usd},
              {"simulated", r.simulated_cost_usd}}}};
        j["phases"] = nlohmann::ordered_json::array();
        for (const auto& p : r.phases)
          j["phases"].push_back({{"phase", p.phase},
                                 {"samples", p.samples},
                                 {"actual_total_s", p.actual_total_s},
                                 {"predicted_total_s", p.predicted_total_s},
                                 {"simulated_total_s", p.simulated_total_s},
                                 {"median_relative_error", p.median_relative_error},
                                 {"p95_relative_error", p.p95_relative_error}});
        j["worst_tasks"] = nlohmann::ordered_json::array();
        for (const auto& t : r.worst_tasks)
          j["worst_tasks"].push_back({{"task", t.task},
                                      {"actual_s", t.actual_s},
                                      {"predicted_s", t.predicted_s},
                                      {"relative_error", t.relative_error}});
        fmt::print("{}\n", j.dump(2));
        return;
      }
      bool md = o->format == "markdown";
      double pe = 100 * sim::relative_error(r.predicted_makespan_s, r.actual_makespan_s);
      double se = 100 * sim::relative_error(r.simulated_makespan_s, r.actual_makespan_s);
      fmt::print("{}replay of '{}' ({} tasks)\n", md ? "### " : "", r.workflow, r.tasks);
      if (md) fmt::print("\n| | actual | predicted | simulated |\n|---|---:|---:|---:|\n");
      auto row = [&](const char* label, const std::string& a, const std::string& p,
                     const std::string& s) {
        if (md)
          fmt::print("| {} | {} | {} | {} |\n", label, a, p, s);
        else
          fmt::print("  {:<10} actual {:>12}  predicted {:>12}  simulated {:>12}\n", label, a, p,
                     s);
      };
      row("makespan", human_seconds(r.actual_makespan_s),
          fmt::format("{} ({:+.1f}%)", human_seconds(r.predicted_makespan_s), pe),
          fmt::format("{} ({:+.1f}%)", human_seconds(r.simulated_makespan_s), se));
      row("cost", human_dollars(r.actual_cost_usd), human_dollars(r.predicted_cost_usd),
          human_dollars(r.simulated_cost_usd));
      if (md)
        fmt::print(
            "\n| phase | samples | actual total (s) | predicted total (s) | simulated total (s) | "
            "median rel. error | p95 rel. error |\n|---|---:|---:|---:|---:|---:|---:|\n");
      else
        fmt::print("  {:<10} {:>7} {:>14} {:>14} {:>14} {:>10} {:>10}\n", "phase", "samples",
                   "actual (s)", "predicted (s)", "simulated (s)", "median err", "p95 err");
      for (const auto& p : r.phases) {
        if (md)
          fmt::print("| {} | {} | {:.3f} | {:.3f} | {:.3f} | {:.1f}% | {:.1f}% |\n", p.phase,
                     p.samples, p.actual_total_s, p.predicted_total_s, p.simulated_total_s,
                     100 * p.median_relative_error, 100 * p.p95_relative_error);
        else
          fmt::print("  {:<10} {:>7} {:>14.3f} {:>14.3f} {:>14.3f} {:>9.1f}% {:>9.1f}%\n", p.phase,
                     p.samples, p.actual_total_s, p.predicted_total_s, p.simulated_total_s,
                     100 * p.median_relative_error, 100 * p.p95_relative_error);
      }
      fmt::print("{}tasks with the largest errors (ready to finish):\n", md ? "\n" : "  ");
      for (const auto& t : r.worst_tasks)
        fmt::print("{}{:<30} actual {:>10}  predicted {:>10}  ({:+.1f}%)\n", md ? "- " : "    ",
                   t.task, human_seconds(t.actual_s), human_seconds(t.predicted_s),
                   100 * t.relative_error);
      for (const auto& a : r.assumptions) fmt::print("{}assumed: {}\n", md ? "- " : "  ", a);
    });
  }
  // calibrate
  {
    struct Opts {
      std::vector<std::string> traces;
      std::string output, wfcommons, table;
      std::uint32_t min_samples = 5;
      double outlier_mads = 5.0;
      bool markdown = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = app.add_subcommand(
        "calibrate", "Fit the model's parameters to traces (least squares) and write a profile");
    cmd->add_option("traces", o->traces, "Trace files (dagplan-trace/1)");
    cmd->add_option("-o,--output", o->output, "Write the profile here");
    cmd->add_option("--min-samples", o->min_samples, "Fewest samples to fit a parameter")
        ->capture_default_str()
        ->check(CLI::Range(1u, 1000000u));
    cmd->add_option("--outlier-mads", o->outlier_mads, "Outlier threshold in scaled MADs")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    cmd->add_option(
        "--wfcommons", o->wfcommons,
        "Instead: replay the WfCommons instances in this folder on clusters, leave-one-out");
    cmd->add_flag("--markdown", o->markdown,
                  "With --wfcommons: print the calibration tables as Markdown");
    cmd->add_option(
        "--table", o->table,
        "With --wfcommons: replace the generated part of this Markdown file (docs/calibration.md)");
    cmd->callback([o] {
      if (!o->wfcommons.empty()) {
        if (!o->traces.empty())
          throw UsageError("calibrate: give trace files or --wfcommons, not both");
        std::string report = sim::wfcommons_calibration_report(sim::wfcommons_files(o->wfcommons));
        if (!o->table.empty()) {
          std::string doc = read_text_file(o->table);
          const std::string begin_mark = "<!-- GENERATED by", end_mark = "<!-- GENERATED: END -->";
          std::size_t b = doc.find(begin_mark), e = doc.find(end_mark);
          if (b == std::string::npos || e == std::string::npos || e < b)
            throw InputError(o->table, "",
                             "expected the markers '<!-- GENERATED by ...: BEGIN -->' and '<!-- "
                             "GENERATED: END -->'");
          std::size_t after_begin = doc.find('\n', b);
          doc = doc.substr(0, after_begin + 1) + report + doc.substr(e);
          write_file_atomic(o->table, doc);
          fmt::print("updated {}\n", o->table);
        }
        if (o->markdown || o->table.empty()) fmt::print("{}", report);
        return;
      }
      if (o->traces.empty()) throw UsageError("calibrate: give trace files (or --wfcommons DIR)");
      if (o->output.empty()) throw UsageError("calibrate: give -o profile.json");
      std::vector<sim::Trace> traces;
      for (const std::string& f : o->traces) traces.push_back(load_trace(f));
      sim::CalibrationOptions co;
      co.min_samples = o->min_samples;
      co.outlier_mads = o->outlier_mads;
      sim::CalibrationReport r = sim::calibrate(traces, co);
      write_file_atomic(o->output, write_profile(r.profile));
      fmt::print("calibrated from {} traces ({} attempts) into {}\n", r.traces, r.attempts_used,
                 o->output);
      for (const FunctionProfile& f : r.profile.functions)
        fmt::print(
            "  function {:<24} base {:.4g} s  per byte {:.3g} s  work x{:.3g}  noise {:.3f}  ({} "
            "samples, fit error {:.1f}%)\n",
            f.name, f.base_s, f.per_byte_s, f.work_scale, f.noise_sigma, f.samples,
            100 * f.fit_error);
      auto measured = [](const char* name, const std::optional<Measured>& m) {
        if (m)
          fmt::print("  {:<34} {:.4g}  ({} samples, fit error {:.1f}%)\n", name, m->value,
                     m->samples, 100 * m->fit_error);
      };
      for (const ConfigProfile& c : r.profile.configs) {
        measured(fmt::format("{} bandwidth (B/s)", c.name).c_str(), c.bandwidth_bytes_per_s);
        measured(fmt::format("{} cold start (s)", c.name).c_str(), c.cold_start_s);
        measured(fmt::format("{} warm start (s)", c.name).c_str(), c.warm_start_s);
      }
      measured("invoke latency (s)", r.profile.invoke_latency_s);
      measured("storage latency (s)", r.profile.storage_latency_s);
      for (const std::string& n : r.notes) fmt::print("  note: {}\n", n);
    });
  }
}

}  // namespace dagplan::cli
