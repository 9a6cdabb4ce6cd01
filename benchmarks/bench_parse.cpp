// bench_parse: time and memory to read a large workflow file (DESIGN.md section 6: "JSON parsing
// not the bottleneck"). Generates a random-layered workflow, writes it to a file, then reads the
// file back and parses + validates it the way every dagplan command does, measuring each step.
//
// Target: 10^6 tasks with ~4 dependencies each parsed and validated in under 3 s, with a peak
// resident set below 1 GB while reading.

#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "dagplan/error.hpp"
#include "dagplan/files.hpp"
#include "dagplan/generators.hpp"
#include "dagplan/large_vector.hpp"
#include "dagplan/workflow_io.hpp"

namespace {

constexpr double kMiB = 1024.0 * 1024.0;

/// VmRSS and VmHWM of this process from /proc/self/status, in bytes (0 when unavailable).
struct ProcStatus {
  std::uint64_t rss_bytes = 0;
  std::uint64_t hwm_bytes = 0;
};

ProcStatus read_proc_status() {
  ProcStatus s;
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    auto field = [&](std::string_view name, std::uint64_t& out) {
      if (line.compare(0, name.size(), name) == 0)
        out = std::stoull(line.substr(name.size())) * 1024;  // "VmRSS:   1234 kB"
    };
    field("VmRSS:", s.rss_bytes);
    field("VmHWM:", s.hwm_bytes);
  }
  return s;
}

/// getrusage(RUSAGE_SELF).ru_maxrss in bytes (Linux reports kilobytes).
std::uint64_t max_rss_bytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<std::uint64_t>(u.ru_maxrss) * 1024;
}

/// Resets VmHWM to the current RSS (Linux >= 4.0: write "5" to /proc/self/clear_refs), so that
/// VmHWM afterwards is the peak of the step alone. Returns false when the kernel refuses.
bool reset_peak() {
  std::FILE* f = std::fopen("/proc/self/clear_refs", "w");
  if (!f) return false;
  bool ok = std::fputs("5", f) >= 0;
  ok = std::fclose(f) == 0 && ok;
  return ok;
}

struct Step {
  std::string name;
  double wall_s = 0;
  std::uint64_t rss_before = 0;    // VmRSS when the step started
  std::uint64_t rss_after = 0;     // VmRSS when it ended
  std::uint64_t step_peak = 0;     // VmHWM at the end, reset at the start when possible
  std::uint64_t max_rss = 0;       // ru_maxrss at the end
  std::uint64_t process_peak = 0;  // the highest RSS since the process started
  bool peak_reset = false;         // step_peak is the step's own peak (else the process's)
};

/// Runs `f` as one measured step.
template <class F>
void measure(std::vector<Step>& steps, std::string name, F&& f) {
  Step s;
  s.name = std::move(name);
  dagplan::release_cached_memory();  // the peak counts all the memory the step takes
  s.peak_reset = reset_peak();
  s.rss_before = read_proc_status().rss_bytes;
  auto start = std::chrono::steady_clock::now();
  f();
  s.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ProcStatus after = read_proc_status();
  s.rss_after = after.rss_bytes;
  s.step_peak = after.hwm_bytes;
  s.max_rss = max_rss_bytes();
  // Resetting VmHWM also resets ru_maxrss (both read the same kernel high-water mark), so the
  // peak since the start is the running maximum over the steps.
  s.process_peak = std::max(s.max_rss, steps.empty() ? 0 : steps.back().process_peak);
  steps.push_back(s);
}

/// Deletes the temporary file however the program ends.
struct RemoveFile {
  std::string path;
  ~RemoveFile() {
    if (!path.empty()) {
      std::error_code ec;
      std::filesystem::remove(path, ec);
    }
  }
};

int run(std::size_t tasks, std::uint64_t seed, double edges_per_task, const std::string& keep) {
  using dagplan::Workflow;
  std::string path = keep;
  RemoveFile cleanup;
  if (path.empty()) {
    path = (std::filesystem::temp_directory_path() / fmt::format("bench_parse-{}.json", ::getpid()))
               .string();
    cleanup.path = path;
  }

  std::vector<Step> steps;
  std::size_t edges = 0, file_bytes = 0;
  {
    Workflow generated;
    std::string text;
    measure(steps, "generate", [&] {
      dagplan::GeneratorOptions o;
      o.tasks = tasks;
      o.seed = seed;
      o.edges_per_task = edges_per_task;
      generated = dagplan::generate_workflow("random-layered", o);
    });
    edges = generated.edge_count();
    measure(steps, "serialise", [&] { text = dagplan::write_workflow(generated); });
    file_bytes = text.size();
    measure(steps, "write file", [&] { dagplan::write_file_atomic(path, text); });
  }
  // Give the memory of the preparation back to the system, so that the reading steps start from
  // the state of a fresh `dagplan` process (glibc keeps freed heap otherwise).
  ::malloc_trim(0);

  std::string text;
  Workflow parsed;
  measure(steps, "read file", [&] { text = dagplan::read_text_file(path); });
  measure(steps, "parse+validate", [&] { parsed = dagplan::read_workflow(text, path); });
  if (parsed.task_count() != tasks || parsed.edge_count() != edges) {
    fmt::print(stderr, "bench_parse: read back {} tasks and {} edges, wrote {} and {}\n",
               parsed.task_count(), parsed.edge_count(), tasks, edges);
    return 1;
  }

  // The table.
  fmt::print("bench_parse: random-layered workflow, {} tasks, {} edges, seed {}\n", tasks, edges,
             seed);
  fmt::print("file: {} ({:.1f} MiB, {:.0f} bytes per task){}\n", path,
             static_cast<double>(file_bytes) / kMiB,
             static_cast<double>(file_bytes) / static_cast<double>(tasks),
             keep.empty() ? ", deleted at exit" : "");
  fmt::print("\n{:<16} {:>9} {:>12} {:>12} {:>12} {:>14} {:>12} {:>13}\n", "step", "wall s",
             "RSS before", "RSS after", "step peak", "peak increase", "ru_maxrss", "process peak");
  for (const Step& s : steps) {
    auto mib = [](std::uint64_t b) {
      return fmt::format("{:.1f} MiB", static_cast<double>(b) / kMiB);
    };
    std::uint64_t increase = s.step_peak > s.rss_before ? s.step_peak - s.rss_before : 0;
    fmt::print("{:<16} {:>9.3f} {:>12} {:>12} {:>12} {:>14} {:>12} {:>13}\n", s.name, s.wall_s,
               mib(s.rss_before), mib(s.rss_after), mib(s.step_peak), mib(increase), mib(s.max_rss),
               mib(s.process_peak));
  }
  const Step& read = steps[3];
  const Step& parse = steps[4];
  bool resets = read.peak_reset && parse.peak_reset;
  fmt::print(
      "\nRSS is the resident set (physical memory in use) from /proc/self/status. 'step peak' is\n"
      "VmHWM, the highest RSS reached during the step: the kernel's high-water mark is reset\n"
      "(/proc/self/clear_refs) when the step starts{}. 'peak increase' = step peak - RSS before,\n"
      "the extra memory the step needed at its worst moment. 'ru_maxrss' is getrusage's peak,\n"
      "which Linux resets together with VmHWM, so 'process peak' - the highest RSS since the\n"
      "process started - is the running maximum of the step peaks. Between 'write file' and\n"
      "'read file' the generated workflow and its text are freed and malloc_trim() gives the\n"
      "memory back, so the reading steps start as a fresh `dagplan` process would.\n",
      resets ? "" : " - NOT AVAILABLE here, so it is the peak since the process started");
  double parse_total_s = read.wall_s + parse.wall_s;
  std::uint64_t read_peak = std::max(read.step_peak, parse.step_peak);
  fmt::print(
      "\nreading {} tasks: {:.3f} s (file {:.3f} s + parse+validate {:.3f} s, {:.0f} MB/s, {:.2f} "
      "M tasks/s), peak RSS {:.1f} MiB\n",
      tasks, parse_total_s, read.wall_s, parse.wall_s,
      static_cast<double>(file_bytes) / 1e6 / parse.wall_s,
      static_cast<double>(tasks) / 1e6 / parse.wall_s, static_cast<double>(read_peak) / kMiB);
  if (tasks == 1'000'000) {
    fmt::print("target (parse+validate < 3 s, peak < 1 GB): {}\n",
               parse.wall_s < 3.0 && static_cast<double>(read_peak) < 1e9 ? "met" : "NOT met");
  }

  // One JSON line for scripts.
  std::string json = fmt::format(
      "{{\"benchmark\": \"bench_parse\", \"tasks\": {}, \"edges\": {}, \"seed\": {}, "
      "\"file_bytes\": {}, \"peak_reset\": {}, \"steps\": [",
      tasks, edges, seed, file_bytes, resets ? "true" : "false");
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const Step& s = steps[i];
    json += fmt::format(
        "{}{{\"name\": \"{}\", \"wall_s\": {:.4f}, \"rss_before_bytes\": {}, "
        "\"rss_after_bytes\": {}, \"step_peak_bytes\": {}, \"ru_maxrss_bytes\": {}, "
        "\"process_peak_bytes\": {}}}",
        i ? ", " : "", s.name, s.wall_s, s.rss_before, s.rss_after, s.step_peak, s.max_rss,
        s.process_peak);
  }
  json += fmt::format("], \"read_total_s\": {:.4f}, \"read_peak_bytes\": {}}}", parse_total_s,
                      read_peak);
  fmt::print("{}\n", json);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Measures writing, reading and parsing + validating a large workflow file"};
  std::size_t tasks = 1'000'000;
  std::uint64_t seed = 1;
  double edges_per_task = 4.0;
  std::string keep;
  app.add_option("--tasks", tasks, "Number of tasks")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{100'000'000}));
  app.add_option("--seed", seed, "Generator seed")->capture_default_str();
  app.add_option("--edges-per-task", edges_per_task, "Mean dependencies per task")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 100.0));
  app.add_option("--keep", keep,
                 "Write the workflow to FILE and keep it (default: a temporary "
                 "file, deleted at exit)");
  CLI11_PARSE(app, argc, argv);
  try {
    return run(tasks, seed, edges_per_task, keep);
  } catch (const std::exception& e) {
    fmt::print(stderr, "bench_parse: {}\n", e.what());
    return 1;
  }
}
