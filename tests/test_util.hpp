#pragma once
// Helpers shared by the tests: where the shared WfCommons data is, inline workflows, and
// expecting errors.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "dagplan/error.hpp"
#include "dagplan/generators.hpp"
#include "dagplan/model.hpp"
#include "dagplan/plan.hpp"
#include "dagplan/planner.hpp"
#include "dagplan/platform.hpp"
#include "dagplan/workflow_io.hpp"

namespace dagplan::test {

/// $DAGPLAN_SHARED_DATA when set, else ../shared/data next to the checkout. Empty when that
/// folder does not exist (DAGPLAN_SHARED_DATA=/nonexistent runs the tests as without the data).
inline std::string shared_data_dir() {
  const char* env = std::getenv("DAGPLAN_SHARED_DATA");
  std::string dir = env ? env : DAGPLAN_SHARED_DATA_DEFAULT;
  return !dir.empty() && std::filesystem::is_directory(dir) ? dir : std::string();
}

/// Prints the line that makes ctest report the test as skipped rather than passed
/// (SKIP_REGULAR_EXPRESSION "DAGPLAN_SKIP" in tests/CMakeLists.txt). Use DAGPLAN_SKIP_TEST,
/// which returns from the test case right after: a skipped test checks nothing.
inline void print_skip(const std::string& reason) {
  std::cout << "DAGPLAN_SKIP: " << reason << std::endl;
}

inline std::string source_dir() {
  return DAGPLAN_SOURCE_DIR;
}

/// A workflow named "t" from the inside of its `tasks` array (inline JSON in a test).
inline Workflow wf(const std::string& tasks) {
  return read_workflow(R"({"format": "dagplan-workflow/1", "name": "t", "tasks": [)" + tasks + "]}",
                       "t.json");
}

/// A generated workflow of `shape` with `tasks` tasks and `seed` (other options as default).
inline Workflow generated(std::string_view shape, std::size_t tasks, std::uint64_t seed) {
  GeneratorOptions options;
  options.tasks = tasks;
  options.seed = seed;
  return generate_workflow(shape, options);
}

/// The predictor tests' platform: 1 GB workers with 1 vCPU, 1 MB/s to storage (1 byte = 1 us),
/// cold start 0.5 s, warm 0.1 s, invoke 10 ms, storage operations 1 ms, $1 per GB-s and $0.5
/// per invocation, billed to the microsecond.
inline Platform test_platform(int max_concurrency = 10) {
  return read_platform(R"({"format": "dagplan-platform/1", "kind": "serverless", "name": "test",
    "configs": [{"name": "c1", "memory_mb": 1024, "vcpus": 1, "bandwidth_bytes_per_s": 1e6,
                 "cold_start_s": 0.5, "warm_start_s": 0.1}],
    "invoke_latency_s": 0.01, "storage": {"latency_s": 0.001, "bandwidth_bytes_per_s": 1e9},
    "keep_alive_s": 7, "max_concurrency": )" +
                           std::to_string(max_concurrency) + R"(,
    "dag_inline_bytes": 1000000000, "billing_granularity_s": 0.000001,
    "prices": {"per_gb_s": 1.0, "per_invocation": 0.5, "per_storage_gb_s": 0}})",
                       "test-platform");
}

/// Strict workers from a list of (task id, worker name); every worker on configuration 0.
inline Plan strict_plan(const Workflow& w,
                        const std::vector<std::pair<std::string, std::string>>& assign) {
  Plan p = make_flexible_plan(w, ConfigId{0});
  for (const auto& [task, worker] : assign) {
    std::uint32_t k = 0;
    while (k < p.worker_names.size() && p.worker_names[k] != worker) ++k;
    if (k == p.worker_names.size()) {
      p.worker_names.push_back(worker);
      p.worker_config.push_back(ConfigId{0});
    }
    p.task_worker[index(*w.find(task))] = k;
  }
  return p;
}

/// The pre-load case of the predictor's and the pre-load pass's tests: a (3 s) and big (1 MB
/// output) both feed c; preload_case_plan() puts a and c on w0, big on w1.
inline Workflow preload_case() {
  return wf(R"({"id": "a", "work_s": 3}, {"id": "big", "work_s": 1, "output_bytes": 1000000},
               {"id": "c", "work_s": 1, "deps": ["a", "big"]})");
}
inline Plan preload_case_plan(const Workflow& w) {
  return strict_plan(w, {{"a", "w0"}, {"c", "w0"}, {"big", "w1"}});
}

/// The public WfCommons instances (`shared`/wfcommons/*.json), sorted by path.
inline std::vector<std::filesystem::path> wfcommons_files(const std::string& shared) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(shared + "/wfcommons"))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

/// The plan a registered planner makes for a model.
inline Plan plan_with(const char* planner, const ExecutionModel& m, PlannerOptions options = {}) {
  return run_planner(*planner_registry().create(planner), m, options).plan;
}

/// The tasks of each worker, as sets of ids, in worker order.
using Groups = std::vector<std::set<std::string>>;
inline Groups groups(const Plan& p, const Workflow& w) {
  Groups out(p.worker_count());
  for (std::uint32_t t = 0; t < w.task_count(); ++t)
    out[p.task_worker[t]].insert(std::string(w.id(TaskId{t})));
  return out;
}

}  // namespace dagplan::test

/// Requires that `expr` throws `error_type` whose what() contains every given substring.
#define REQUIRE_ERROR_CONTAINING(error_type, expr, ...)                                  \
  do {                                                                                   \
    bool thrown_ = false;                                                                \
    try {                                                                                \
      (void)(expr);                                                                      \
    } catch (const error_type& e_) {                                                     \
      thrown_ = true;                                                                    \
      std::string what_ = e_.what();                                                     \
      INFO("error: " << what_);                                                          \
      for (const char* part_ : {__VA_ARGS__}) CHECK_THAT(what_, Catch::Contains(part_)); \
    }                                                                                    \
    CHECK(thrown_);                                                                      \
  } while (0)

/// Requires that `expr` throws InputError whose what() contains every given substring.
#define REQUIRE_INPUT_ERROR(expr, ...) \
  REQUIRE_ERROR_CONTAINING(dagplan::InputError, expr, __VA_ARGS__)
/// Requires that `expr` throws UsageError whose what() contains every given substring.
#define REQUIRE_USAGE_ERROR(expr, ...) \
  REQUIRE_ERROR_CONTAINING(dagplan::UsageError, expr, __VA_ARGS__)

/// Skips the rest of the test case, and says so in the form ctest reports as "Skipped".
#define DAGPLAN_SKIP_TEST(reason)        \
  do {                                   \
    ::dagplan::test::print_skip(reason); \
    return;                              \
  } while (0)
