#pragma once
// Loading what a command works on: a workflow, a platform (built-in name or file), an optional
// profile applied to the platform, and plans with the files they refer to.

#include <optional>
#include <string>
#include <vector>

#include "dagplan/plan.hpp"
#include "dagplan/platform.hpp"
#include "dagplan/profile.hpp"
#include "dagplan/workflow.hpp"

namespace dagplan::cli {

struct Inputs {
  Workflow workflow;
  Platform platform;  ///< with the profile applied
  std::optional<Profile> profile;
  std::string workflow_path;
  std::string platform_arg;  ///< a built-in name or a file path
  std::string profile_path;  ///< empty: no profile

  /// The files read (a built-in platform's name too, which names no file): what an output of
  /// the command must not overwrite (OutputFile's `inputs`).
  std::vector<std::string> files() const { return {workflow_path, platform_arg, profile_path}; }
};

/// `platform_arg` empty: the default built-in platform. `profile_path` empty: no profile.
Inputs load_inputs(const std::string& workflow_path, const std::string& platform_arg,
                   const std::string& profile_path);

struct PlanInputs {
  Inputs inputs;
  Plan plan;
  std::string plan_path;

  /// The plan file and every file it led to (the workflow it names, relative to it, included):
  /// an output onto any of them is refused, not only onto the files named on the command line.
  std::vector<std::string> files() const {
    std::vector<std::string> out = inputs.files();
    out.push_back(plan_path);
    return out;
  }
};

/// Reads a plan and the workflow and platform it refers to (paths relative to the plan file),
/// unless overridden. A document that is not a plan (a workflow, a trace...) is refused saying
/// what it is and which command takes it. A plan whose workflow fingerprint is missing or not
/// the workflow's is refused, unless `ignore_fingerprint`: then a warning on stderr.
PlanInputs load_plan_inputs(const std::string& plan_path, const std::string& workflow_override,
                            const std::string& platform_override, const std::string& profile_path,
                            bool ignore_fingerprint = false);

/// The help text of `--ignore-fingerprint`, shared by the commands that read plans.
inline constexpr const char* kIgnoreFingerprintHelp =
    "Use the plan even if its workflow fingerprint is missing or another workflow's (a warning "
    "instead of an error)";

/// `path` as written inside a file at `from_file`: relative to that file's folder.
std::string path_relative_to_file(const std::string& path, const std::string& from_file);
/// `path` (relative to the working directory) as seen from a file that will be at `to_file`.
std::string path_for_file(const std::string& path, const std::string& to_file);

}  // namespace dagplan::cli
