#pragma once
// Helpers shared by the tests: where the shared WfCommons data is, inline workflows, and
// expecting errors.

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include "dagplan/error.hpp"
#include "dagplan/generators.hpp"
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
