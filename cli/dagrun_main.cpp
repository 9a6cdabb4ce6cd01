// dagrun: run a plan for real with worker processes and Redis, record a trace, and compare
// the measured makespan and cost with the prediction.

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli_common.hpp"
#include "dagplan/error.hpp"
#include "dagplan/exec/run.hpp"
#include "dagplan/files.hpp"
#include "dagplan/human_format.hpp"
#include "dagplan/model.hpp"
#include "dagplan/predictor.hpp"
#include "dagplan/sim/trace.hpp"
#include "dagplan/workflow_io.hpp"
#include "inputs.hpp"
#include "progress.hpp"

namespace dagplan::cli {
namespace {

// dagworker lives beside dagrun.
std::string worker_binary() {
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "dagworker";
  return (self.parent_path() / "dagworker").string();
}

struct Opts {
  std::string plan, workflow, platform, profile, redis, password_file, trace, launch, outputs;
  std::string kernel = "auto", format = "text", limits = "auto";
  bool check = false;
  double timeout_s = 600;
  std::uint32_t max_workers = 0;
  std::uint32_t max_attempts = 4;
  bool quiet = false;
  bool ignore_fingerprint = false;
};

void run_command(const Opts& o) {
  exec::RunOptions ro;
  ro.kernel = o.kernel == "synthetic" ? exec::KernelMode::kSynthetic
              : o.kernel == "builtin" ? exec::KernelMode::kBuiltin
              : o.kernel == "command" ? exec::KernelMode::kCommand
                                      : exec::KernelMode::kAuto;
  ro.outputs_dir = o.outputs;
  ro.check = o.check;
  if (!o.redis.empty()) ro.redis = exec::parse_redis_address(o.redis, "--redis");
  if (!o.password_file.empty()) {
    if (o.redis.empty()) throw UsageError("--password-file goes with --redis");
    std::string text = read_text_file(o.password_file);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (text.empty())
      throw InputError(o.password_file, "", "expected a password on its first line");
    ro.password = text;
  }
  ro.timeout_s = o.timeout_s;
  ro.max_workers = o.max_workers;
  ro.max_attempts = o.max_attempts;
  ro.launch = o.launch;
  ro.limits = o.limits;
  if (!ro.launch.empty() && ro.launch.find("{worker_args}") == std::string::npos)
    throw UsageError("--launch: the template must contain {worker_args}");
  ro.worker_binary = worker_binary();
  if (ro.launch.empty() && access(ro.worker_binary.c_str(), X_OK) != 0)
    throw Error(fmt::format("the worker binary {} is missing or not executable", ro.worker_binary));
  Progress progress("dagrun", o.quiet);
  progress.step("reading " + o.plan);
  PlanInputs in = load_plan_inputs(o.plan, o.workflow, o.platform, o.profile, o.ignore_fingerprint);
  ExecutionModel model(in.inputs.workflow, in.inputs.platform,
                       in.inputs.profile ? &*in.inputs.profile : nullptr);
  progress.step("predicting");
  Prediction predicted = predict(model, in.plan);
  std::string workflow_json = write_workflow(in.inputs.workflow);
  std::string platform_json = write_platform(in.inputs.platform);
  std::string plan_json = write_plan(in.plan, in.inputs.workflow, in.inputs.platform);
  ro.progress = [&](std::size_t done, std::size_t total) {
    progress.step("tasks done", done, total);
  };
  // The trace's output is checked before the run, not after it: a run can take long, and its
  // trace cannot be made again; a run killed meanwhile leaves no temporary file.
  std::vector<std::string> trace_inputs = in.files();
  trace_inputs.push_back(o.password_file);
  if (!o.trace.empty()) check_output_file(o.trace, trace_inputs);
  progress.step("starting");
  exec::RunReport r = exec::run_plan(model, in.plan, workflow_json, platform_json, plan_json, ro);
  progress.finish();
  if (!r.ok) throw Error(fmt::format("the run failed: {}", r.failure));
  if (!o.trace.empty()) write_file_atomic(o.trace, sim::write_trace(r.trace), trace_inputs);
  double error = predicted.makespan_us > 0 && r.makespan_us > 0
                     ? static_cast<double>(predicted.makespan_us - r.makespan_us) /
                           static_cast<double>(r.makespan_us)
                     : 0.0;
  if (o.format == "json") {
    nlohmann::ordered_json j = {
        {"run", r.run_id},
        {"workflow", in.inputs.workflow.name()},
        {"tasks", in.inputs.workflow.task_count()},
        {"planner", in.plan.planner},
        {"platform", in.inputs.platform.name},
        {"redis", r.redis},
        {"embedded_redis", r.embedded_redis},
        {"makespan_s",
         {{"measured", us_to_seconds(r.makespan_us)},
          {"predicted", us_to_seconds(predicted.makespan_us)},
          {"relative_error", error}}},
        {"cost_usd", {{"measured", r.cost_usd}, {"predicted", predicted.cost.total()}}},
        {"instances", r.instances},
        {"cold_starts", r.cold_starts},
        {"warm_starts", r.warm_starts},
        {"processes", r.processes},
        {"max_workers", r.max_workers},
        {"limits", r.limits_method},
        {"attempts", r.attempts},
        {"failed_attempts", r.failed_attempts},
        {"real_kernel_tasks", r.real_kernel_tasks},
        {"checked_outputs", r.checked_outputs},
        {"crashes", r.crashes},
        {"steps_aside", r.steps_aside},
        {"bytes_uploaded", r.bytes_uploaded},
        {"bytes_downloaded", r.bytes_downloaded},
        {"wall_s", r.wall_s}};
    fmt::print("{}\n", j.dump(2));
    return;
  }
  fmt::print("ran plan '{}' for workflow '{}' ({} tasks) on '{}': run {}, {} redis {}\n",
             in.plan.planner, in.inputs.workflow.name(), in.inputs.workflow.task_count(),
             in.inputs.platform.name, r.run_id, r.embedded_redis ? "private" : "given", r.redis);
  fmt::print("  makespan       measured {:>12}   predicted {:>12}  ({:+.1f}% off)\n",
             human_seconds(us_to_seconds(r.makespan_us)),
             human_seconds(us_to_seconds(predicted.makespan_us)), 100 * error);
  fmt::print("  cost           measured {:>12}   predicted {:>12}  (the model's prices)\n",
             human_dollars(r.cost_usd), human_dollars(predicted.cost.total()));
  fmt::print(
      "  instances      {} ({} cold starts, {} warm); {} worker processes, at most {} busy\n",
      r.instances, r.cold_starts, r.warm_starts, r.processes, r.max_workers);
  fmt::print("  limits         {}\n", r.limits_method == "cgroup2"
                                          ? "cgroup2 (cpu.max and memory.max per worker process)"
                                      : r.limits_method == "rlimit"
                                          ? "rlimit (CPU affinity and RLIMIT_AS per worker process)"
                                          : "none");
  if (r.steps_aside > 0)
    fmt::print("  steps aside    {} (idle strict workers left their place under the limit)\n",
               r.steps_aside);
  fmt::print("  through Redis  {} up, {} down\n",
             human_bytes(static_cast<double>(r.bytes_uploaded)),
             human_bytes(static_cast<double>(r.bytes_downloaded)));
  fmt::print("  attempts       {}{}\n", r.attempts,
             r.crashes == 0
                 ? std::string()
                 : fmt::format(" ({} worker process{} died and {} restarted)", r.crashes,
                               r.crashes == 1 ? "" : "es", r.crashes == 1 ? "was" : "were"));
  if (r.failed_attempts > 0)
    fmt::print("  failed         {} task attempt{} (kernel errors, tried again)\n",
               r.failed_attempts, r.failed_attempts == 1 ? "" : "s");
  if (o.check)
    fmt::print("  check          {} sink output{} equal to the local evaluation\n",
               r.checked_outputs, r.checked_outputs == 1 ? "" : "s");
  if (!o.outputs.empty()) fmt::print("  outputs        {}\n", o.outputs);
  fmt::print("  wall time      {} (set-up and clean-up included)\n", human_seconds(r.wall_s));
  if (!o.trace.empty()) fmt::print("  trace          {}\n", o.trace);
}

}  // namespace
}  // namespace dagplan::cli

int main(int argc, char** argv) {
  using namespace dagplan::cli;
  CLI::App app{
      "dagrun - run a plan for real: worker processes, Redis, a trace, measured against the "
      "prediction",
      "dagrun"};
  app.set_version_flag("--version", "dagrun 0.1.0");
  auto o = std::make_shared<Opts>();
  app.add_option("plan", o->plan, "Plan file (dagplan-plan/1)")->required();
  app.add_option("--workflow", o->workflow, "Use this workflow instead of the plan's");
  app.add_option("--platform", o->platform, "Use this platform instead of the plan's")
      ->check(non_empty_value());
  app.add_option("--profile", o->profile,
                 "Calibrated profile (dagplan-profile/1) applied to the platform and the "
                 "prediction. Its functions[].code_bytes are stored in Redis once per run (one "
                 "key per function), and every new worker process (a cold start) fetches its "
                 "configuration's code package - the code of each function the plan runs on that "
                 "configuration - before it serves; a reused (warm) process fetches none");
  app.add_option("--redis", o->redis,
                 "Use this Redis server (HOST:PORT); default: a private redis-server on loopback");
  app.add_option("--password-file", o->password_file, "With --redis: AUTH with this password");
  app.add_option("--trace", o->trace, "Write the run's trace (dagplan-trace/1) here")
      ->check(non_empty_value());
  app.add_option("--timeout", o->timeout_s, "Give the run up after this many seconds")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 1e6));
  app.add_option("--max-workers", o->max_workers,
                 "At most this many worker processes busy at once (default: the platform's limit)")
      ->check(CLI::Range(1u, 1000000u));
  app.add_option("--max-attempts", o->max_attempts,
                 "A worker whose process dies is restarted (lost outputs made again) until it "
                 "died this many times; a task whose kernel fails is tried this many times")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1000u));
  app.add_option("--launch", o->launch,
                 "How to start a worker: a shell command containing {worker_args} (e.g. 'ssh "
                 "host dagworker {worker_args}'); default: dagworker beside dagrun");
  app.add_option("--limits", o->limits,
                 "vCPU and memory limits of each worker process from its configuration: cgroup2 "
                 "(cpu.max, memory.max), rlimit (CPU affinity, RLIMIT_AS: virtual memory), none, "
                 "or auto (cgroup2 where the machine allows it, else rlimit; none in a sanitizer "
                 "build)")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "cgroup2", "rlimit", "none"}));
  app.add_option("--kernel", o->kernel,
                 "Task kernels: auto (each task's own kernel or command, synthetic where it "
                 "names none), synthetic (CPU work and output sizes from the model for every "
                 "task), builtin or command (each task's own; every task must name a builtin "
                 "kernel, or a command)")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "synthetic", "builtin", "command"}));
  app.add_option("--outputs", o->outputs, "Write each sink's output to this folder")
      ->check(non_empty_value());
  app.add_flag("--check", o->check,
               "Compare each sink's output with the workflow evaluated in dagrun, task after "
               "task; a difference fails the run");
  app.add_option("--format", o->format, "Output format")->check(CLI::IsMember({"text", "json"}));
  app.add_flag("--ignore-fingerprint", o->ignore_fingerprint, kIgnoreFingerprintHelp);
  add_quiet_flag(&app, o->quiet);
  app.callback([o] { run_command(*o); });
  return run(app, argc, argv);
}
