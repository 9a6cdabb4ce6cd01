// Numbers out of their ranges (dagplan/limits.hpp, docs/decisions/0006-numeric-ranges.md): every
// input that once crashed `dagplan plan` (../shared/data/hostile/crash) is refused with one clear
// error; values derived from in-range inputs are refused when they leave their ranges; and the
// in-range extremes next to them still plan, predict, simulate and write finite JSON.
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "dagplan/error.hpp"
#include "dagplan/files.hpp"
#include "dagplan/json_reader.hpp"
#include "dagplan/json_writer.hpp"
#include "dagplan/limits.hpp"
#include "dagplan/model.hpp"
#include "dagplan/plan.hpp"
#include "dagplan/planner.hpp"
#include "dagplan/platform.hpp"
#include "dagplan/predictor.hpp"
#include "dagplan/profile.hpp"
#include "dagplan/sim/simulator.hpp"
#include "dagplan/sim/trace.hpp"
#include "dagplan/workflow_io.hpp"
#include "test_util.hpp"

using namespace dagplan;

namespace {

// What `dagplan plan WORKFLOW --platform P [--profile F] -o plan.json` does, through the
// library: load, model, plan, predict, and serialise the plan with its predictions (the text
// the command would write).
std::string plan_files(const std::string& workflow_file, const std::string& platform_arg,
                       const std::string& profile_file = "") {
  Workflow w = load_workflow(workflow_file);
  Platform platform = load_platform(platform_arg);
  std::optional<Profile> profile;
  if (!profile_file.empty()) {
    profile = read_profile(read_text_file(profile_file), profile_file);
    platform = apply_profile(platform, *profile, profile_file);
  }
  ExecutionModel model(w, platform, profile ? &*profile : nullptr);
  PlanResult r =
      run_planner(*planner_registry().create(default_planner_name()), model, PlannerOptions{});
  Prediction p = predict(model, r.plan);
  r.plan.predictions_json = prediction_json(p, model, true);
  return write_plan(r.plan, w, platform);
}

// Every planner plans, predicts and simulates (with noise) `w` on `platform`, and every number
// written is finite (the writer refuses any other).
void plan_with_every_planner(const Workflow& w, const Platform& platform) {
  ExecutionModel model(w, platform);
  CHECK(model.run_bound_us() <= limits::kHorizonUs);
  for (const PlannerInfo& info : planner_registry().planners()) {
    INFO("planner " << info.name);
    PlanResult r = run_planner(*info.create(), model, PlannerOptions{});
    Prediction p = predict(model, r.plan);
    CHECK(p.makespan_us > 0);
    CHECK(p.makespan_us <= model.run_bound_us());
    CHECK(p.makespan_us >= p.bounds.critical_path_us);
    CHECK(std::isfinite(p.cost.total()));
    r.plan.predictions_json = prediction_json(p, model, true);
    std::string text = write_plan(r.plan, w, platform);
    CHECK(read_plan(text, "plan.json", w, platform).task_worker == r.plan.task_worker);
    sim::SimOptions o;
    o.noise.enabled = true;
    for (std::uint64_t seed : {1u, 2u, 3u}) {
      o.seed = seed;
      sim::SimResult s = sim::simulate(model, r.plan, o);
      CHECK_FALSE(s.failed);
      CHECK(s.timeline.makespan_us > 0);
      CHECK(std::isfinite(s.timeline.cost.total()));
    }
  }
}

Workflow workflow(const std::string& tasks, const std::string& file = "w.json") {
  return read_workflow(R"({"format": "dagplan-workflow/1", "name": "t", "tasks": [)" + tasks + "]}",
                       file);
}

// `n` independent tasks of `work_s` each.
Workflow independent_tasks(std::size_t n, double work_s) {
  std::string tasks;
  for (std::size_t i = 0; i < n; ++i)
    tasks += fmt::format(R"({}{{"id": "t{}", "function": "f", "work_s": {}}})", i ? ", " : "", i,
                         work_s);
  return workflow(tasks);
}

// One producer of `bytes` and `consumers` consumers of its output.
std::string fan_out(std::uint64_t bytes, std::size_t consumers) {
  std::string tasks = fmt::format(R"({{"id": "p", "work_s": 1, "output_bytes": {}}})", bytes);
  for (std::size_t i = 0; i < consumers; ++i)
    tasks += fmt::format(R"(, {{"id": "c{}", "work_s": 1, "deps": ["p"]}})", i);
  return tasks;
}

// A serverless platform with every number at an end of its range (and one configuration at the
// other end), named "extreme".
constexpr const char* kExtremePlatform = R"({"format": "dagplan-platform/1", "kind": "serverless",
  "name": "extreme",
  "configs": [
    {"name": "wide", "memory_mb": 1073741824, "vcpus": 1e6, "speed": 1e6,
     "bandwidth_bytes_per_s": 1e18, "cold_start_s": 1e9, "warm_start_s": 1e9},
    {"name": "slow", "memory_mb": 1, "vcpus": 1e-4, "speed": 1e-6, "bandwidth_bytes_per_s": 1,
     "slots": 1024}],
  "invoke_latency_s": 1e9, "storage": {"latency_s": 1e9, "bandwidth_bytes_per_s": 1},
  "keep_alive_s": 1e9, "max_concurrency": 100000000, "dag_inline_bytes": 18446744073709551615,
  "billing_granularity_s": 1e9,
  "prices": {"per_gb_s": 1e6, "per_invocation": 1e6, "per_storage_gb_s": 1e6,
             "currency": "USD"}})";

// A cluster of one single-core machine of speed 1.
Platform one_core() {
  return read_platform(R"({"format": "dagplan-platform/1", "kind": "cluster", "name": "one",
    "machines": [{"name": "m", "cores": 1, "speed": 1, "count": 1}],
    "network_bandwidth_bytes_per_s": 1e9, "storage": {"latency_s": 0, "bandwidth_bytes_per_s": 1e9},
    "dispatch_overhead_s": 0, "prices": {"per_core_hour": 1e6}})",
                       "one.json");
}

}  // namespace

TEST_CASE("every input that crashed `dagplan plan` gets one clear error instead",
          "[ranges][hostile]") {
  const std::string shared = test::shared_data_dir();
  if (shared.empty() || !std::filesystem::is_directory(shared + "/hostile/crash"))
    DAGPLAN_SKIP_TEST("../shared/data/hostile/crash is absent: the hostile inputs are not checked");
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(shared + "/hostile/crash"))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() == 74);  // hostile/README.md
  const std::string diamond = test::source_dir() + "/examples/workflows/diamond.json";
  for (const std::filesystem::path& path : files) {
    const std::string name = path.filename().string();
    const std::string file = path.string();
    DYNAMIC_SECTION(name) {
      // hostile/README.md: the prefix says how the file was used.
      std::string wf = diamond, platform = "aws-lambda", profile;
      if (name.starts_with("workflow__") || name.starts_with("wfcommons__")) {
        wf = file;
      } else if (name.starts_with("platform__")) {
        platform = file;
      } else {
        REQUIRE(name.starts_with("profile__"));
        profile = file;
      }
      std::string what;
      try {
        plan_files(wf, platform, profile);
      } catch (const Error& e) {
        what = e.what();
      }
      INFO("error: " << what);
      REQUIRE_FALSE(what.empty());  // refused, not planned
      // One line naming the file, with what was expected.
      CHECK(what.find('\n') == std::string::npos);
      CHECK_THAT(what, Catch::StartsWith(file + ": $."));
      CHECK_THAT(what, Catch::Contains("expected"));
    }
  }
}

TEST_CASE("the in-range extremes still plan, predict, simulate and write finite numbers",
          "[ranges]") {
  SECTION("every platform number at an end of its range") {
    Platform extreme = read_platform(kExtremePlatform, "extreme.json");
    plan_with_every_planner(workflow(R"({"id": "a", "work_s": 1e-10, "output_bytes": 10},
                    {"id": "b", "work_s": 0, "deps": ["a"]})"),
                            extreme);
  }
  SECTION("work and sizes next to their limits on aws-lambda") {
    // 5e7 s on the smallest configuration (1/14 of a vCPU) is 7e8 s; 2^53 bytes over its 20 MB/s
    // is 4.5e8 s: both below 1e9 s.
    plan_with_every_planner(workflow(R"({"id": "a", "work_s": 5e7, "input_bytes": 9007199254740992,
                     "output_bytes": 9007199254740992},
                    {"id": "b", "work_s": 5e7, "deps": ["a"], "output_bytes": 9007199254740992})"),
                            load_platform("aws-lambda"));
  }
  SECTION("a run just within the horizon") {
    // 2000 x 1e9 s on one core: 2e12 s, below 2^61 us (2.3e12 s).
    Workflow w = independent_tasks(2000, 1e9);
    ExecutionModel model(w, one_core());
    Prediction p = predict(
        model, run_planner(*planner_registry().create("heft"), model, PlannerOptions{}).plan);
    CHECK(p.makespan_us == 2000 * limits::kMaxDurationUs);
    CHECK(std::isfinite(p.cost.total()));
  }
  SECTION("a workflow that moves exactly 2^60 bytes") {
    // 2^53 bytes uploaded once and downloaded by 127 consumers: 128 x 2^53 = 2^60.
    Workflow w = workflow(fan_out(limits::kMaxBytes, 127));
    ExecutionModel model(w, load_platform("aws-lambda"));
    CHECK(model.input_bytes(*w.find("c0")) == limits::kMaxBytes);
  }
}

TEST_CASE("values derived from in-range inputs are refused when they leave their range",
          "[ranges]") {
  SECTION("an execution on the slowest configuration") {
    // 1e9 s of work on aws-lambda's 128 MB configuration (1/14 of a vCPU) is 1.4e10 s.
    Workflow w = workflow(R"({"id": "a", "work_s": 1e9})", "w.json");
    REQUIRE_INPUT_ERROR(ExecutionModel(w, load_platform("aws-lambda")), "w.json: ", "task 'a'",
                        "configuration '128MB' of platform 'aws-lambda'",
                        "expected at most 1e+09 s");
  }
  SECTION("a profile's reference time") {
    Workflow w = workflow(R"({"id": "a", "function": "f", "work_s": 1e4})", "w.json");
    Profile profile = read_profile(R"({"format": "dagplan-profile/1",
      "functions": [{"name": "g"}, {"name": "f", "work_scale": 1e6, "base_s": 1}]})",
                                   "p.json");
    REQUIRE_INPUT_ERROR(ExecutionModel(w, load_platform("cluster"), &profile),
                        "p.json: $.functions[1]: function 'f'", "task 'a' of w.json",
                        "expected at most 1e+09 s");
  }
  SECTION("a transfer over the lowest bandwidth") {
    Platform extreme = read_platform(kExtremePlatform, "extreme.json");
    REQUIRE_INPUT_ERROR(ExecutionModel(workflow(R"({"id": "a", "output_bytes": 1e10})"), extreme),
                        "w.json: ", "writing the output of task 'a' (10000000000 bytes)",
                        "configuration 'slow' of platform 'extreme'");
    REQUIRE_INPUT_ERROR(
        ExecutionModel(workflow(R"({"id": "a", "output_bytes": 1000}, {"id": "b", "deps": ["a"],
                                    "input_bytes": 9999999000})"),
                       extreme),
        "reading the inputs of task 'b' (10000000000 bytes)");
  }
  SECTION("a run beyond the horizon") {
    // 2400 x 1e9 s on one core: 2.4e12 s, beyond 2^61 us; the message names the largest part.
    REQUIRE_INPUT_ERROR(ExecutionModel(independent_tasks(2400, 1e9), one_core()),
                        "w.json: ", "could last up to 2.4e+12 s", "horizon of 2^61 us",
                        "task 't0'");
  }
  SECTION("a workflow that moves more than 2^60 bytes") {
    REQUIRE_INPUT_ERROR(workflow(fan_out(limits::kMaxBytes, 128)),
                        "w.json: $.tasks: ", "at most 2^60 bytes", "task 'p'");
  }
  SECTION("a platform or profile made in code") {
    Workflow w = workflow(R"({"id": "a", "function": "f", "work_s": 1})");
    Platform p = load_platform("aws-lambda");
    p.configs[1].bandwidth_bytes_per_s = 0;
    REQUIRE_INPUT_ERROR(ExecutionModel(w, p), "platform 'aws-lambda': $.configs[1].bandwidth");
    p = load_platform("aws-lambda");
    p.prices.per_gb_s = 1e300;
    REQUIRE_INPUT_ERROR(ExecutionModel(w, p), "$.prices.per_gb_s", "[0, 1e+06]");
    Profile profile;
    profile.functions.push_back(FunctionProfile{});
    profile.functions[0].name = "f";
    profile.functions[0].noise_sigma = 1e300;
    REQUIRE_INPUT_ERROR(ExecutionModel(w, load_platform("aws-lambda"), &profile),
                        "<profile>: $.functions[0].noise_sigma");
    Profile measured;
    measured.invoke_latency_s = Measured{1e300, 1, 0};
    REQUIRE_INPUT_ERROR(apply_profile(load_platform("aws-lambda"), measured, "m.json"),
                        "m.json: $.invoke_latency_s.value", "[0, 1e+09]");
  }
}

TEST_CASE("numbers too large for a double are errors, whatever their notation", "[ranges][json]") {
  const std::string digits400(400, '7');
  SECTION("a 400-digit integer is not read as 0") {
    REQUIRE_INPUT_ERROR(workflow(R"({"id": "a", "work_s": )" + digits400 + "}"),
                        "$.tasks[0].work_s", "out of range", "(400 characters)");
    REQUIRE_INPUT_ERROR(workflow(R"({"id": "a", "work_s": -)" + digits400 + "}"),
                        "$.tasks[0].work_s", "out of range");
    REQUIRE_INPUT_ERROR(workflow(R"({"id": "a", "output_bytes": )" + digits400 + "}"),
                        "$.tasks[0].output_bytes", "overflows");
    REQUIRE_INPUT_ERROR(workflow(R"({"id": "a", "work_s": 0.)" + digits400 + "e400}"),
                        "$.tasks[0].work_s", "out of range");
  }
  SECTION("a number too small for a double is 0") {
    CHECK(workflow(R"({"id": "a", "work_s": 1e-400})").work_s(TaskId{0}) == 0);
    CHECK(
        workflow(R"({"id": "a", "work_s": 0.)" + std::string(400, '0') + "1}").work_s(TaskId{0}) ==
        0);
    CHECK(workflow(R"({"id": "a", "work_s": )" + digits400 + "e-800}").work_s(TaskId{0}) == 0);
  }
  SECTION("the writer refuses what JSON cannot hold") {
    std::string out;
    JsonWriter j(out);
    j.begin_array();
    CHECK_THROWS_AS(j.value(std::numeric_limits<double>::infinity()), Error);
    CHECK_THROWS_AS(j.value(std::numeric_limits<double>::quiet_NaN()), Error);
  }
}

TEST_CASE("a trace's times and sizes stay within their ranges", "[ranges][trace]") {
  Workflow w = workflow(R"({"id": "a", "work_s": 1, "output_bytes": 10},
                           {"id": "b", "work_s": 1, "deps": ["a"]})");
  Platform platform = load_platform("aws-lambda");
  ExecutionModel model(w, platform);
  Plan plan = planner_registry().create("wukong")->plan(model, PlannerOptions{});
  sim::SimOptions o;
  o.record_trace = true;
  sim::SimResult s = sim::simulate(model, plan, o);
  s.trace.workflow_json = write_workflow(w);
  s.trace.platform_json = write_platform(platform);
  s.trace.plan_json = write_plan(plan, w, platform);
  const std::string text = sim::write_trace(s.trace);
  REQUIRE(sim::read_trace(text, "t.json").tasks.size() == 2);
  const std::string makespan = fmt::format("\"makespan_us\": {},", s.trace.makespan_us);
  REQUIRE(text.find(makespan) != std::string::npos);
  std::string beyond = text;
  beyond.replace(beyond.find(makespan), makespan.size(),
                 fmt::format("\"makespan_us\": {},", limits::kHorizonUs + 1));
  REQUIRE_INPUT_ERROR(sim::read_trace(beyond, "t.json"), "t.json: $.makespan_us",
                      "expected an integer in [0, 2305843009213693952]");
}

TEST_CASE("negative profile terms are refused with their path (issue 14)", "[ranges][profile]") {
  // They gave tasks zero execution time (the model clamps a negative reference time to 0).
  auto profile = [](const std::string& function) {
    return R"({"format": "dagplan-profile/1", "functions": [{"name": "f"}, )" + function + "]}";
  };
  REQUIRE_INPUT_ERROR(read_profile(profile(R"({"name": "g", "base_s": -1})"), "p.json"),
                      "p.json: $.functions[1].base_s", "expected a number >= 0, got -1");
  REQUIRE_INPUT_ERROR(read_profile(profile(R"({"name": "g", "per_byte_s": -1e-9})"), "p.json"),
                      "p.json: $.functions[1].per_byte_s", "expected a number >= 0, got -1e-9");
  CHECK(read_profile(profile(R"({"name": "g", "base_s": 0, "per_byte_s": 0})"), "p.json")
            .functions.size() == 2);
  // A profile made in code is checked by the model.
  Profile p;
  p.functions.push_back(FunctionProfile{});
  p.functions[0].name = "f";
  p.functions[0].base_s = -1;
  REQUIRE_INPUT_ERROR(ExecutionModel(workflow(R"({"id": "a", "function": "f", "work_s": 1})"),
                                     load_platform("aws-lambda"), &p),
                      "$.functions[0].base_s", "expected base_s in [0, 1e+09]");
}

TEST_CASE("inputs have a size limit and must be text (issue 14)", "[ranges][files]") {
  if (std::filesystem::exists("/dev/zero"))
    REQUIRE_INPUT_ERROR(read_text_file("/dev/zero"),
                        "/dev/zero: ", "expected text, got a NUL byte at offset 0");
  const std::string path =
      (std::filesystem::temp_directory_path() / "dagplan-size-limit-test.json").string();
  write_file_atomic(path, R"({"format": "dagplan-workflow/1", "tasks": []})");
  CHECK(read_text_file(path, 64).size() == 45);
  REQUIRE_INPUT_ERROR(read_text_file(path, 44),
                      "dagplan-size-limit-test.json: 45 bytes: more than 44 bytes",
                      "the largest input dagplan reads");
  std::filesystem::remove(path);
  CHECK(limits::kMaxInputBytes == std::uint64_t{4} << 30);
}

TEST_CASE("a text file read in place makes the checks read_text_file makes", "[ranges][files]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "dagplan-text-file-test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "w.json").string();
  const std::string text = R"({"format": "dagplan-workflow/1", "tasks": []})";
  write_file_atomic(path, text);
  CHECK(TextFile(path).text() == text);  // mapped
  CHECK(TextFile(path, 45).text() == read_text_file(path, 45));
  REQUIRE_INPUT_ERROR(TextFile(path, 44), "w.json: 45 bytes: more than 44 bytes",
                      "the largest input dagplan reads");
  write_file_atomic(path, "");
  CHECK(TextFile(path).text().empty());  // an empty file cannot be mapped: read
  write_file_atomic(path, std::string("{\"a\"") + '\0' + "}");
  REQUIRE_INPUT_ERROR(TextFile(path), "w.json: ", "expected text, got a NUL byte at offset 4");
  REQUIRE_INPUT_ERROR(TextFile((dir / "none.json").string()), "none.json: ", "cannot open");
  REQUIRE_INPUT_ERROR(TextFile(dir.string()), "expected a file, got a directory");
  if (fs::exists("/dev/zero"))  // a device: read, and refused at its first byte
    REQUIRE_INPUT_ERROR(TextFile("/dev/zero"),
                        "/dev/zero: ", "expected text, got a NUL byte at offset 0");
  fs::remove_all(dir);
}

TEST_CASE("a mapped file truncated while it is read gives one error line, not a crash", "[files]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "dagplan-text-file-sigbus-test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "w.json").string();
  write_file_atomic(path, std::string(3 * 4096 + 10, ' '));
  int err[2];
  REQUIRE(::pipe(err) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {  // reads past the end another process truncated: SIGBUS, then the handler
    ::dup2(err[1], STDERR_FILENO);
    const TextFile file(path);
    if (::truncate(path.c_str(), 0) != 0) ::_exit(3);
    const volatile char last = file.text().back();
    (void)last;
    ::_exit(2);  // not reached when the page is gone
  }
  ::close(err[1]);
  std::string said;
  char buffer[512];
  for (ssize_t n; (n = ::read(err[0], buffer, sizeof buffer)) > 0;)
    said.append(buffer, static_cast<std::size_t>(n));
  ::close(err[0]);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  INFO(said);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 1);
  CHECK(said.find("error: " + path + ": the file changed while it was read") != std::string::npos);
  CHECK(std::count(said.begin(), said.end(), '\n') == 1);
  fs::remove_all(dir);
}

TEST_CASE("an output made in chunks leaves nothing partial behind (issue 14)", "[files]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "dagplan-output-file-test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "plan.json").string();
  write_file_atomic(path, "old");
  auto leftovers = [&] {
    std::size_t n = 0;
    for (const auto& e : fs::directory_iterator(dir)) n += e.path().filename() != "plan.json";
    return n;
  };
  auto read = [&] { return read_text_file(path); };
  const std::string chunk(OutputFile::kChunk / 2 + 7, 'x');
  SECTION("given up before commit: the old file stays, the temporary file goes") {
    {
      OutputFile out(path);
      for (int i = 0; i < 5; ++i) {
        out.buffer() += chunk;
        out.flush();
        CHECK(out.buffer().size() < OutputFile::kChunk);  // written to the temporary file
      }
      CHECK(leftovers() == 1);
      CHECK(read() == "old");
    }
    CHECK(leftovers() == 0);
    CHECK(read() == "old");
  }
  SECTION("committed: the whole text, in place") {
    OutputFile out(path);
    std::string whole;
    for (int i = 0; i < 5; ++i) {
      out.buffer() += chunk;
      whole += chunk;
      out.flush();
    }
    out.buffer() += "end";
    out.commit("tail");
    CHECK(read() == whole + "endtail");
    CHECK(leftovers() == 0);
  }
  SECTION("refused before anything is written: an input, a folder, ''") {
    REQUIRE_ERROR_CONTAINING(Error, OutputFile(path, {path}), "refusing to write over an input");
    REQUIRE_ERROR_CONTAINING(Error, OutputFile(dir.string()), "it is a folder");
    REQUIRE_USAGE_ERROR(OutputFile(""), "an output path cannot be empty");
    CHECK(leftovers() == 0);
  }
  SECTION("a device gets the whole text at commit(), nothing before") {
    if (!fs::exists("/dev/null")) DAGPLAN_SKIP_TEST("no /dev/null");
    OutputFile out("/dev/null");
    out.buffer() += chunk;
    out.buffer() += chunk;
    out.flush();
    CHECK(out.buffer().size() == 2 * chunk.size());  // kept: what a device gets is not taken back
    out.commit();
    CHECK(leftovers() == 0);
  }
  fs::remove_all(dir);
}
