// bench_end_to_end: what `dagplan plan W --planner heft -o plan.json` costs at 10^6 tasks, phase
// by phase (issue 14). Generates a random-layered workflow file (aws-lambda), then times, in
// this process, the command's phases as the command runs them:
//   read + validate  load_workflow() and the platform (the file is in the page cache: it was
//                    just written, and is read once before timing)
//   plan             run_planner() with heft
//   predict          predict() with the contention-free run beside it, as the command asks
//   write            append_plan() and append_prediction_json() with the timelines, streamed to
//                    the file through OutputFile in 1 MiB chunks, as `dagplan plan` writes
// and then the whole command as a child process, with its wall time and peak resident set
// (wait4's rusage, as /usr/bin/time reports them). A program, not a test: it prints a table,
// the targets, and one JSON line.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "dagplan/files.hpp"
#include "dagplan/generators.hpp"
#include "dagplan/large_vector.hpp"
#include "dagplan/plan.hpp"
#include "dagplan/planner.hpp"
#include "dagplan/predictor.hpp"
#include "dagplan/workflow_io.hpp"

using namespace dagplan;

namespace {

struct Phase {
  const char* name;
  double seconds = 0;
  double cpu_s = 0;    // processor time of this process (user + system, both threads)
  double peak_mb = 0;  // the resident set's high-water mark at the end of the phase
  double target_s = 0;
};

struct ChildRun {
  double wall_s = 0;
  double user_s = 0;
  double sys_s = 0;
  double peak_mb = 0;
  int status = -1;
};

// Runs argv as a child process (its output to /dev/null) and waits for it, /usr/bin/time-like.
ChildRun run_child(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ChildRun r;
  std::fflush(stdout);  // the child must not write this process's buffered output again
  bench::Stopwatch clock;
  pid_t pid = fork();
  if (pid < 0) return r;
  if (pid == 0) {
    if (std::freopen("/dev/null", "w", stdout) == nullptr) _exit(126);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  rusage u{};
  if (wait4(pid, &status, 0, &u) < 0) return r;
  r.wall_s = clock.seconds();
  r.user_s = static_cast<double>(u.ru_utime.tv_sec) + static_cast<double>(u.ru_utime.tv_usec) / 1e6;
  r.sys_s = static_cast<double>(u.ru_stime.tv_sec) + static_cast<double>(u.ru_stime.tv_usec) / 1e6;
  r.peak_mb = static_cast<double>(u.ru_maxrss) * 1024.0 / 1e6;  // kilobytes on Linux
  r.status = status;
  return r;
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double mb(std::uint64_t bytes) {
  return static_cast<double>(bytes) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_end_to_end - dagplan plan at 10^6 tasks, phase by phase"};
  std::size_t tasks = 1000000;
  std::uint64_t seed = 1;
  std::string dagplan_exe = DAGPLAN_EXE;
  std::string dir;
  int runs = 1;
  app.add_option("--tasks", tasks, "Tasks in the generated workflow")->capture_default_str();
  app.add_option("--seed", seed, "Generator seed")->capture_default_str();
  app.add_option("--dagplan", dagplan_exe, "The dagplan executable timed as a whole command")
      ->capture_default_str();
  app.add_option("--dir", dir, "Folder for the workflow and plan files (default: a temporary one)");
  app.add_option("--runs", runs, "Runs of the phases and of the command (the best is printed)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  CLI11_PARSE(app, argc, argv);

  namespace fs = std::filesystem;
  const bool own_dir = dir.empty();
  if (own_dir) {
    std::string tmpl = (fs::temp_directory_path() / "dagplan-e2e-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      fmt::print(stderr, "bench_end_to_end: cannot create a temporary folder\n");
      return 1;
    }
    dir = tmpl;
  }
  const std::string workflow_file = (fs::path(dir) / "workflow.json").string();
  const std::string plan_file = (fs::path(dir) / "plan.json").string();
  {
    GeneratorOptions g;
    g.tasks = tasks;
    g.seed = seed;
    Workflow w = generate_workflow("random-layered", g);
    write_file_atomic(workflow_file, write_workflow(w));
  }
  release_cached_memory();
  (void)read_text_file(workflow_file);  // into the page cache
  const double file_mb = mb(fs::file_size(workflow_file));
  fmt::print(
      "random-layered workflow, {} tasks, seed {}, {:.1f} MB of JSON; platform aws-lambda, "
      "planner heft\n",
      tasks, seed, file_mb);

  std::vector<Phase> best = {{"read + validate", 0, 0, 0, 0.6},
                             {"plan", 0, 0, 0, 1.2},
                             {"predict", 0, 0, 0, 0.8},
                             {"write", 0, 0, 0, 0.4}};
  double plan_mb = 0;
  for (int run = 0; run < runs; ++run) {
    std::vector<Phase> phases = best;
    bench::reset_peak_rss();
    bench::Stopwatch clock;
    double cpu = cpu_seconds();
    auto end_phase = [&](Phase& ph) {
      ph.seconds = clock.seconds();
      ph.cpu_s = cpu_seconds() - cpu;
      ph.peak_mb = mb(bench::peak_rss_bytes());
      clock = bench::Stopwatch();
      cpu = cpu_seconds();
    };
    Workflow w = load_workflow(workflow_file);
    Platform platform = load_platform("aws-lambda");
    ExecutionModel model(w, platform);
    end_phase(phases[0]);
    PlanResult r = run_planner(*planner_registry().create("heft"), model, PlannerOptions{});
    end_phase(phases[1]);
    PredictOptions po;
    po.also_contention_free = true;
    Prediction p = predict(model, r.plan, po);
    end_phase(phases[2]);
    r.plan.workflow_file = "workflow.json";
    bench::Stopwatch part;
    {
      // As the command writes it: the plan and its predictions streamed to the temporary file
      // in chunks, then renamed.
      OutputFile file(plan_file, {workflow_file});
      auto flush = [&file] { file.flush(); };
      append_plan(file.buffer(), r.plan, w, platform, flush, OutputFile::kChunk, [&] {
        append_prediction_json(file.buffer(), p, model, true, flush, OutputFile::kChunk);
      });
      const double text_s = part.seconds();
      part = bench::Stopwatch();
      file.commit();
      fmt::print("run {}: write = text and chunks {:.3f} s + last chunk, close, rename {:.3f} s\n",
                 run + 1, text_s, part.seconds());
    }
    end_phase(phases[3]);
    plan_mb = mb(fs::file_size(plan_file));
    for (std::size_t i = 0; i < phases.size(); ++i)
      if (run == 0 || phases[i].seconds < best[i].seconds) best[i] = phases[i];
    r = PlanResult{};
    p = Prediction{};
    release_cached_memory();
  }

  ChildRun command;
  for (int run = 0; run < runs; ++run) {
    ChildRun c = run_child(
        {dagplan_exe, "plan", workflow_file, "--planner", "heft", "-o", plan_file, "--quiet"});
    if (!WIFEXITED(c.status) || WEXITSTATUS(c.status) != 0) {
      fmt::print(stderr, "bench_end_to_end: '{} plan' failed (status {})\n", dagplan_exe, c.status);
      return 1;
    }
    if (run == 0 || c.wall_s < command.wall_s) command = c;
  }

  fmt::print(
      "plan file {:.1f} MB; best of {} run(s); peak = the resident set's high-water mark "
      "at the end of the phase (this process)\n\n",
      plan_mb, runs);
  fmt::print("{:<18} {:>10} {:>10} {:>10} {:>10}  {}\n", "phase", "wall (s)", "cpu (s)",
             "target (s)", "peak (MB)", "(wall)");
  double sum = 0, sum_cpu = 0;
  for (const Phase& ph : best) {
    sum += ph.seconds;
    sum_cpu += ph.cpu_s;
    fmt::print("{:<18} {:>10.3f} {:>10.3f} {:>10.1f} {:>10.0f}  {}\n", ph.name, ph.seconds,
               ph.cpu_s, ph.target_s, ph.peak_mb, ph.seconds <= ph.target_s ? "met" : "NOT met");
  }
  fmt::print("{:<18} {:>10.3f} {:>10.3f}\n", "sum of phases", sum, sum_cpu);
  fmt::print(
      "{:<18} {:>10.3f} {:>10.3f} {:>10.1f} {:>10.0f}  {} (of which sys {:.3f} s; peak "
      "target < 1000 MB: {})\n",
      "whole command", command.wall_s, command.user_s + command.sys_s, 3.0, command.peak_mb,
      command.wall_s <= 3.0 ? "met" : "NOT met", command.sys_s,
      command.peak_mb < 1000 ? "met" : "NOT met");
  fmt::print(
      stderr,
      "{{\"bench\": \"end_to_end\", \"tasks\": {}, \"workflow_mb\": {:.1f}, \"plan_mb\": "
      "{:.1f}, \"read_validate_s\": {:.6f}, \"plan_s\": {:.6f}, \"predict_s\": {:.6f}, "
      "\"write_s\": {:.6f}, \"phases_cpu_s\": {:.6f}, \"command_wall_s\": {:.6f}, "
      "\"command_user_s\": {:.6f}, \"command_sys_s\": {:.6f}, \"command_peak_mb\": {:.1f}}}\n",
      tasks, file_mb, plan_mb, best[0].seconds, best[1].seconds, best[2].seconds, best[3].seconds,
      sum_cpu, command.wall_s, command.user_s, command.sys_s, command.peak_mb);
  if (own_dir) {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  return 0;
}
