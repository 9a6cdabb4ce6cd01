// plan, predict, compare: the planning commands of dagplan.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli_common.hpp"
#include "commands.hpp"
#include "dagplan/analysis.hpp"
#include "dagplan/compare.hpp"
#include "dagplan/error.hpp"
#include "dagplan/files.hpp"
#include "dagplan/human_format.hpp"
#include "dagplan/large_vector.hpp"
#include "dagplan/model.hpp"
#include "dagplan/passes.hpp"
#include "dagplan/planner.hpp"
#include "dagplan/predictor.hpp"
#include "inputs.hpp"
#include "progress.hpp"

namespace dagplan::cli {
namespace {

std::string summary(const Plan& plan, const Prediction& p, const ExecutionModel& m,
                    double planning_s) {
  const Workflow& w = m.workflow();
  std::string out;
  std::size_t strict_tasks = strict_task_count(plan);
  out += fmt::format("plan '{}' for workflow '{}' ({} tasks) on platform '{}'\n", plan.planner,
                     w.name(), w.task_count(), m.platform().name);
  out += fmt::format("  predicted makespan   {}  (x{:.2f} the lower bound {})\n",
                     human_seconds(us_to_seconds(p.makespan_us)),
                     makespan_over_bound(p.makespan_us, p.bounds),
                     human_seconds(us_to_seconds(p.bounds.makespan_us())));
  if (p.contention_free_makespan_us >= 0)
    out += fmt::format(
        "  contention-free      {}  (every transfer at full bandwidth, every task on "
        "its own vCPUs)\n",
        human_seconds(us_to_seconds(p.contention_free_makespan_us)));
  if (std::string note = contention_note(p); !note.empty())
    out += fmt::format("  note: {}\n", note);
  out += fmt::format(
      "  predicted cost       {}  (x{:.2f} the cost floor {}; compute {}, invocations {}, "
      "storage {})\n",
      human_dollars(p.cost.total()), cost_over_floor(p.cost.total(), p.bounds),
      human_dollars(p.bounds.cost_floor), human_dollars(p.cost.compute),
      human_dollars(p.cost.invocations), human_dollars(p.cost.storage));
  // A cluster's workers start on machines that are up: no cold or warm start to speak of.
  if (m.platform().has_machines())
    out += fmt::format(
        "  workers              {} strict ({} tasks), {} flexible tasks; {} instances\n",
        plan.worker_count(), strict_tasks, w.task_count() - strict_tasks, p.instances.size());
  else
    out += fmt::format(
        "  workers              {} strict ({} tasks), {} flexible tasks; {} instances, {} cold "
        "starts, {} warm\n",
        plan.worker_count(), strict_tasks, w.task_count() - strict_tasks, p.instances.size(),
        p.cold_starts, p.warm_starts);
  out += fmt::format("  through storage      {} up, {} down\n",
                     human_bytes(static_cast<double>(p.bytes_uploaded)),
                     human_bytes(static_cast<double>(p.bytes_downloaded)));
  if (m.direct_transfers())
    out += fmt::format("  point to point       {} between machines\n",
                       human_bytes(static_cast<double>(p.bytes_direct)));
  // The cold-start path is 0 where it does not hold (LowerBounds::cold_path_us): not shown.
  out += fmt::format(
      "  lower bounds         critical path {}{}, work/concurrency {}, data {}\n",
      human_seconds(us_to_seconds(p.bounds.critical_path_us)),
      p.bounds.cold_path_us > 0
          ? fmt::format(", cold-start path {}", human_seconds(us_to_seconds(p.bounds.cold_path_us)))
          : std::string(),
      human_seconds(us_to_seconds(p.bounds.work_over_concurrency_us)),
      human_seconds(us_to_seconds(p.bounds.data_us)));
  for (const PassRecord& r : plan.passes) {
    if (r.changes == 0) {
      out += fmt::format("  pass {:<15} no change (none gained on the objective)\n", r.name);
      continue;
    }
    // Gains as the prediction saw them when the pass ran (positive: faster or cheaper).
    const std::string ms = human_seconds(us_to_seconds(std::abs(r.makespan_gain_us)));
    const std::string cost = human_dollars(std::abs(r.cost_gain_usd));
    out += fmt::format("  pass {:<15} {} change{}; makespan {}{}, cost {}{}\n", r.name, r.changes,
                       r.changes == 1 ? "" : "s", r.makespan_gain_us > 0 ? "-" : "+", ms,
                       r.cost_gain_usd > 0 ? "-" : "+", cost);
  }
  if (planning_s >= 0) out += fmt::format("  planning time        {}\n", human_seconds(planning_s));
  for (const std::string& a : plan.assumptions) out += fmt::format("  assumed: {}\n", a);
  return out;
}

// What the passes do, for `plan` and `compare`.
struct PassOpts {
  std::string optimize = "none";
  std::string objective = "makespan";
  double max_cost_increase = 0.05;
  double max_makespan_increase = 0.05;

  PassObjective objective_of() const {
    PassObjective o;
    o.kind = objective == "cost" ? PassObjective::Kind::kCost : PassObjective::Kind::kMakespan;
    o.max_cost_increase = max_cost_increase;
    o.max_makespan_increase = max_makespan_increase;
    return o;
  }
};

void add_pass_options(CLI::App* cmd, PassOpts& o) {
  cmd->add_option("--optimize", o.optimize,
                  "Optimisation passes to run after the planner: 'all', 'none' or comma-separated "
                  "names (dagplan plan --list-passes); they run in that list's order and keep a "
                  "change only where the prediction gains")
      ->capture_default_str();
  cmd->add_option("--objective", o.objective,
                  "What the passes improve: 'makespan' (cost may rise by at most "
                  "--max-cost-increase) or 'cost' (makespan may rise by at most "
                  "--max-makespan-increase)")
      ->check(CLI::IsMember({"makespan", "cost"}))
      ->capture_default_str();
  cmd->add_option("--max-cost-increase", o.max_cost_increase,
                  "Objective makespan: the largest rise in cost the passes may cause, as a share "
                  "of the planner's cost")
      ->check(finite_value())
      ->check(CLI::Range(0.0, 1e6))
      ->capture_default_str();
  cmd->add_option("--max-makespan-increase", o.max_makespan_increase,
                  "Objective cost: the largest rise in makespan the passes may cause, as a share "
                  "of the planner's makespan")
      ->check(finite_value())
      ->check(CLI::Range(0.0, 1e6))
      ->capture_default_str();
}

// What the user reads: the contention-aware prediction, and the contention-free one beside it.
PredictOptions with_contention_free() {
  PredictOptions o;
  o.also_contention_free = true;
  return o;
}

struct CommonOpts {
  std::string platform;
  std::string profile;
};

// `platform_default`: what the command uses without --platform, for its help.
void add_common(CLI::App* cmd, CommonOpts& o,
                std::string_view platform_default = "default aws-lambda") {
  cmd->add_option(
         "--platform", o.platform,
         fmt::format("Built-in platform (aws-lambda, local, cluster) or a platform file; {}",
                     platform_default))
      ->check(non_empty_value());
  cmd->add_option("--profile", o.profile,
                  "Calibrated profile (dagplan-profile/1) applied to the platform");
}

// The Pareto front a `pareto` plan carries in its params, as a table (fastest first).
void print_front(const std::string& params_json) {
  const nlohmann::json params = nlohmann::json::parse(params_json);
  fmt::print("Pareto front of makespan against cost ({} plans tried; * the pick)\n",
             params.at("candidates").get<std::size_t>());
  fmt::print("  {:<12} {:<10} {:<7} {:>6} {:>14} {:>14}\n", "planner", "config", "passes", "moves",
             "makespan (s)", "cost ($)");
  const auto& picked = params.at("picked");
  for (const auto& f : params.at("front")) {
    const bool is_pick =
        f.at("planner") == picked.at("planner") && f.at("config") == picked.at("config") &&
        f.at("passes") == picked.at("passes") && f.value("moves", 0) == picked.value("moves", 0);
    const std::string config = f.at("config").get<std::string>();
    fmt::print("{} {:<12} {:<10} {:<7} {:>6} {:>14.3f} {:>14.6f}\n", is_pick ? "*" : " ",
               f.at("planner").get<std::string>(), config.empty() ? "(own)" : config,
               f.at("passes").get<bool>() ? "all" : "none", f.value("moves", 0),
               f.at("makespan_s").get<double>(), f.at("cost_usd").get<double>());
  }
}

// The plan file with its predictions, the timelines with `per_task`: the text goes to the file in
// chunks as it is made (a plan of 10^6 tasks is about 300 MB, never whole in memory).
void write_plan_file(const std::string& path, const Plan& plan, const Prediction& p,
                     const ExecutionModel& m, const Platform& platform, bool per_task,
                     const std::vector<std::string>& inputs) {
  OutputFile file(path, inputs);
  auto flush = [&file] { file.flush(); };
  append_plan(file.buffer(), plan, m.workflow(), platform, flush, OutputFile::kChunk, [&] {
    append_prediction_json(file.buffer(), p, m, per_task, flush, OutputFile::kChunk);
  });
  file.commit();
}

std::optional<ConfigId> config_option(const std::string& name, const Platform& platform) {
  if (name.empty()) return std::nullopt;
  if (auto c = platform.find_config(name)) return c;
  throw UsageError(fmt::format("unknown configuration '{}' on platform '{}' ({})", name,
                               platform.name, platform.config_names()));
}

}  // namespace

void add_plan_commands(CLI::App& app) {
  // plan
  {
    struct Opts {
      CommonOpts common;
      std::string workflow;
      std::string planner;
      std::string config;
      std::string output;
      bool list = false;
      bool list_passes = false;
      bool summary_only = false;
      bool quiet = false;
      PassOpts passes;
      std::optional<double> deadline_s, budget_usd;
      bool front = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = app.add_subcommand(
        "plan", "Plan a workflow, predict its makespan and cost, write plan.json");
    cmd->add_option("workflow", o->workflow, "Workflow file (dagplan or WfCommons)");
    cmd->add_option("--planner", o->planner,
                    fmt::format("Planner name (default {})", default_planner_name()))
        ->check(non_empty_value());
    cmd->add_option("--config", o->config, "Force one configuration for planners that use one")
        ->check(non_empty_value());
    cmd->add_option("-o,--output", o->output, "Write the plan here ('-' for stdout)")
        ->check(non_empty_value());
    cmd->add_flag("--list-planners", o->list, "List the planners and exit");
    add_pass_options(cmd, o->passes);
    cmd->add_flag("--list-passes", o->list_passes, "List the optimisation passes and exit");
    auto* deadline = cmd->add_option("--deadline", o->deadline_s,
                                     "Planner pareto: the cheapest plan that ends within this "
                                     "many seconds (exit 1, saying by how much, if none does)")
                         ->check(positive_value());
    cmd->add_option("--budget", o->budget_usd,
                    "Planner pareto: the fastest plan that costs at most this many dollars (exit "
                    "1, saying by how much, if none does)")
        ->check(positive_value())
        ->excludes(deadline);
    cmd->add_flag("--front", o->front,
                  "Planner pareto: print the Pareto front of makespan against cost of every "
                  "plan it tried (also in plan.json's planner params)");
    cmd->add_flag("--summary-only", o->summary_only,
                  "Leave per-task and per-instance timelines out of the plan file");
    add_common(cmd, o->common);
    add_quiet_flag(cmd, o->quiet);
    cmd->callback([o] {
      if (o->list) {
        for (const PlannerInfo& p : planner_registry().planners())
          fmt::print("{:<12} {}\n", p.name, p.description);
        return;
      }
      if (o->list_passes) {
        for (const PassInfo& p : pass_registry().passes())
          fmt::print("{:<12} {}\n", p.name, p.description);
        return;
      }
      const std::vector<std::string> passes = pass_registry().select(o->passes.optimize);
      const PassObjective objective = o->passes.objective_of();
      if (o->workflow.empty()) throw UsageError("plan: give a workflow file (or --list-planners)");
      if ((o->deadline_s || o->budget_usd || o->front) && o->planner != "pareto")
        throw UsageError("plan: --deadline, --budget and --front are for --planner pareto");
      Progress progress("plan", o->quiet);
      progress.step("reading " + o->workflow);
      Inputs in = load_inputs(o->workflow, o->common.platform, o->common.profile);
      ExecutionModel model(in.workflow, in.platform, in.profile ? &*in.profile : nullptr);
      std::string name = o->planner.empty() ? std::string(default_planner_name()) : o->planner;
      std::unique_ptr<Planner> planner = planner_registry().create(name);
      PlannerOptions opts;
      opts.config = config_option(o->config, in.platform);
      opts.deadline_s = o->deadline_s;
      opts.budget_usd = o->budget_usd;
      progress.step(fmt::format("planning {} tasks with {}", in.workflow.task_count(), name));
      PlanResult r = run_planner(*planner, model, opts);
      if (o->front) print_front(r.plan.planner_params_json);
      if (!passes.empty()) {
        (void)optimize_plan(model, r.plan, passes, objective,
                            [&](std::string_view pass, std::size_t done, std::size_t most) {
                              if (most == 0)
                                progress.step(fmt::format("optimising: pass {}", pass));
                              else
                                progress.step(fmt::format("optimising: pass {}, trial", pass),
                                              done + 1, most);
                            });
      }
      progress.step("predicting");
      Prediction p = predict(model, r.plan, with_contention_free());
      // The runs' big buffers are kept for another run, which this command does not make: give
      // them back before the plan's text is built (about 100 MB at 10^6 tasks).
      release_cached_memory();
      if (!o->output.empty()) {
        progress.step("writing " + o->output);
        r.plan.workflow_file = path_for_file(o->workflow, o->output);
        bool builtin =
            o->common.platform.empty() || (o->common.platform.find('/') == std::string::npos &&
                                           !o->common.platform.ends_with(".json"));
        r.plan.platform_file = builtin ? "" : path_for_file(o->common.platform, o->output);
        write_plan_file(o->output, r.plan, p, model, in.platform, !o->summary_only, in.files());
      }
      progress.finish();
      if (o->output != "-") fmt::print("{}", summary(r.plan, p, model, r.planning_seconds));
      if (o->output.empty())
        fmt::print(stderr, "note: no plan file written (give -o plan.json to keep the plan)\n");
    });
  }
  // predict
  {
    struct Opts {
      CommonOpts common;
      std::string plan;
      std::string workflow;
      std::string output;
      std::string format = "text";
      bool quiet = false;
      bool ignore_fingerprint = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = app.add_subcommand(
        "predict", "Re-evaluate a plan (edited, or on another platform or profile)");
    cmd->add_option("plan", o->plan, "Plan file")->required();
    cmd->add_option("--workflow", o->workflow, "Use this workflow instead of the plan's");
    cmd->add_option("-o,--output", o->output, "Write the plan with the new predictions here")
        ->check(non_empty_value());
    cmd->add_option("--format", o->format, "Output format")->check(CLI::IsMember({"text", "json"}));
    cmd->add_flag("--ignore-fingerprint", o->ignore_fingerprint, kIgnoreFingerprintHelp);
    add_common(cmd, o->common, "default: the platform the plan names");
    add_quiet_flag(cmd, o->quiet);
    cmd->callback([o] {
      Progress progress("predict", o->quiet);
      progress.step("reading " + o->plan);
      PlanInputs in = load_plan_inputs(o->plan, o->workflow, o->common.platform, o->common.profile,
                                       o->ignore_fingerprint);
      ExecutionModel model(in.inputs.workflow, in.inputs.platform,
                           in.inputs.profile ? &*in.inputs.profile : nullptr);
      progress.step(fmt::format("predicting {} tasks", in.inputs.workflow.task_count()));
      Prediction p = predict(model, in.plan, with_contention_free());
      if (!o->output.empty()) {
        progress.step("writing " + o->output);
        write_plan_file(o->output, in.plan, p, model, in.inputs.platform, true, in.files());
      }
      progress.finish();
      if (o->format == "json") {
        fmt::print("{}\n", prediction_json(p, model, false));
      } else {
        fmt::print("{}", summary(in.plan, p, model, -1));
      }
    });
  }
  // compare
  {
    struct Opts {
      CommonOpts common;
      std::string workflow;
      std::string planners = "all";
      std::string format = "text";
      std::string config;
      bool quiet = false;
      PassOpts passes;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = app.add_subcommand(
        "compare", "Compare planners on one workflow: makespan, cost, bounds, time");
    cmd->add_option("workflow", o->workflow, "Workflow file")->required();
    cmd->add_option("--planners", o->planners, "Comma-separated planner names, or 'all'");
    cmd->add_option("--config", o->config, "Force one configuration for planners that use one")
        ->check(non_empty_value());
    cmd->add_option("--format", o->format, "Output format")
        ->check(CLI::IsMember({"text", "json", "markdown"}));
    add_pass_options(cmd, o->passes);
    add_common(cmd, o->common);
    add_quiet_flag(cmd, o->quiet);
    cmd->callback([o] {
      // Unknown names: a usage error before anything is read.
      std::vector<std::string> names = planner_registry().select(o->planners);
      const std::vector<std::string> passes = pass_registry().select(o->passes.optimize);
      const PassObjective objective = o->passes.objective_of();
      Progress progress("compare", o->quiet);
      progress.step("reading " + o->workflow);
      Inputs in = load_inputs(o->workflow, o->common.platform, o->common.profile);
      ExecutionModel model(in.workflow, in.platform, in.profile ? &*in.profile : nullptr);
      CompareOptions co;
      co.planner.config = config_option(o->config, in.platform);
      if (!passes.empty())
        co.after_planning = [&](const ExecutionModel& m, Plan& plan) {
          (void)optimize_plan(m, plan, passes, objective);
        };
      co.on_planner = [&](const std::string& name, std::size_t i, std::size_t count) {
        progress.step(
            fmt::format("planner {}/{} ({}), planning and predicting", i + 1, count, name));
      };
      Comparison c = compare_planners(model, names, co);
      progress.finish();
      if (o->format == "json") {
        fmt::print("{}\n", write_compare(compare_table(c, model)));
        return;
      }
      bool md = o->format == "markdown";
      if (!md)
        fmt::print(
            "workflow '{}' ({} tasks) on '{}': makespan lower bound {}, cost floor ${:.6f}\n",
            in.workflow.name(), in.workflow.task_count(), in.platform.name,
            human_seconds(us_to_seconds(c.bounds.makespan_us())), c.bounds.cost_floor);
      const char* head = md ? "| planner | makespan (s) | cost ($) | makespan / bound | cost / "
                              "floor | workers | instances | cold starts | planning (s) "
                              "|\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
                            : "  planner        makespan        cost   x bound  x floor  workers  "
                              "instances   cold  planning\n";
      fmt::print("{}", head);
      for (const ComparisonRow& r : c.rows) {
        if (md) {
          fmt::print("| {} | {:.3f} | {:.6f} | {:.2f} | {:.2f} | {} | {} | {} | {:.4f} |\n",
                     r.planner, us_to_seconds(r.makespan_us), r.cost.total(), r.makespan_over_bound,
                     r.cost_over_floor, r.workers, r.instances, r.cold_starts, r.planning_s);
        } else {
          fmt::print(
              "  {:<12} {:>10.3f} s  ${:>9.6f}  {:>7.2f}  {:>7.2f}  {:>7}  {:>9}  {:>5}  {:>8}\n",
              r.planner, us_to_seconds(r.makespan_us), r.cost.total(), r.makespan_over_bound,
              r.cost_over_floor, r.workers, r.instances, r.cold_starts,
              human_seconds(r.planning_s));
        }
      }
    });
  }
}

}  // namespace dagplan::cli
