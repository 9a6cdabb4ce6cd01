#pragma once
// What every fuzz target shares: the bytes as text, the one accepted failure (dagplan::Error),
// and checks that abort with a message (a finding) when something that should hold does not.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dagplan/error.hpp"
#include "dagplan/model.hpp"
#include "dagplan/platform.hpp"
#include "dagplan/workflow.hpp"
#include "dagplan/workflow_io.hpp"

namespace dagplan::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// Runs `body`; a dagplan::Error is an accepted outcome (the input was refused with a message).
/// Any other exception escapes to libFuzzer, which reports it as a crash.
template <typename Body>
void refused_or_accepted(Body&& body) {
  try {
    body();
  } catch (const Error&) {
  }
}

/// Aborts (a finding) when `ok` is false, printing what did not hold.
inline void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz: %s\n", what);
    std::abort();
  }
}

/// Runs `body` on text the library itself wrote: it must not be refused.
template <typename Body>
void must_accept(const char* what, Body&& body) {
  try {
    body();
  } catch (const Error& e) {
    std::fprintf(stderr, "fuzz: %s refused: %s\n", what, e.what());
    std::abort();
  }
}

/// The built-in platform `name` when there is one, else aws-lambda (built once).
inline const Platform& builtin_platform(std::string_view name) {
  static const Platform kAws = load_platform("aws-lambda");
  static const Platform kLocal = load_platform("local");
  static const Platform kCluster = load_platform("cluster");
  if (name == "local") return kLocal;
  if (name == "cluster") return kCluster;
  return kAws;
}

/// examples/workflows/diamond.json, for the targets that need a workflow.
inline const Workflow& diamond() {
  static const Workflow kDiamond = read_workflow(R"({
  "format": "dagplan-workflow/1",
  "name": "diamond",
  "description": "The smallest interesting DAG: one split, two parallel branches, one join.",
  "tasks": [
    {"id": "split", "function": "split", "work_s": 0.2, "input_bytes": 10000000, "output_bytes": 8000000, "deps": []},
    {"id": "left", "function": "transform", "work_s": 1.5, "output_bytes": 4000000, "deps": ["split"]},
    {"id": "right", "function": "transform", "work_s": 1.1, "output_bytes": 4000000, "deps": ["split"]},
    {"id": "join", "function": "join", "work_s": 0.4, "output_bytes": 1000000, "deps": ["left", "right"]}
  ]
})",
                                                 "diamond.json");
  return kDiamond;
}

/// What follows an accepted workflow: written, read back and written again (identical), and
/// modelled on aws-lambda (the model may refuse values it derives, with an Error).
inline void check_workflow(const Workflow& workflow) {
  std::string written = write_workflow(workflow);
  must_accept("the written workflow", [&] {
    require(write_workflow(read_workflow(written, "written.json")) == written,
            "workflow: write(read(write(w))) != write(w)");
  });
  ExecutionModel model(workflow, builtin_platform("aws-lambda"));
  (void)model.run_bound_us();
}

}  // namespace dagplan::fuzz
