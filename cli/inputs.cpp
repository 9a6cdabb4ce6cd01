#include "inputs.hpp"

#include <filesystem>

#include "dagplan/error.hpp"
#include "dagplan/files.hpp"
#include "dagplan/workflow_io.hpp"

namespace dagplan::cli {

namespace fs = std::filesystem;

std::string path_relative_to_file(const std::string& path, const std::string& from_file) {
  if (path.empty() || fs::path(path).is_absolute() || from_file == "-") return path;
  return (fs::path(from_file).parent_path() / path).lexically_normal().string();
}

std::string path_for_file(const std::string& path, const std::string& to_file) {
  if (path.empty() || path == "-" || to_file == "-") return path;
  fs::path dir = fs::absolute(fs::path(to_file)).parent_path();
  return fs::absolute(fs::path(path)).lexically_normal().lexically_relative(dir).string();
}

Inputs load_inputs(const std::string& workflow_path, const std::string& platform_arg,
                   const std::string& profile_path) {
  Inputs in;
  in.workflow_path = workflow_path;
  in.platform_arg =
      platform_arg.empty() ? std::string(builtin_platform_names().front()) : platform_arg;
  in.workflow = load_workflow(workflow_path);
  Platform base = load_platform(in.platform_arg);
  if (!profile_path.empty()) {
    std::string text = read_text_file(profile_path);
    in.profile = read_profile(text, profile_path);
    in.platform = apply_profile(base, *in.profile, profile_path);
  } else {
    in.platform = std::move(base);
  }
  return in;
}

PlanInputs load_plan_inputs(const std::string& plan_path, const std::string& workflow_override,
                            const std::string& platform_override, const std::string& profile_path) {
  std::string text = read_text_file(plan_path);
  std::string name = plan_path == "-" ? "<stdin>" : plan_path;
  PlanReferences refs = read_plan_references(text, name);
  std::string workflow = workflow_override;
  if (workflow.empty()) {
    if (refs.workflow_file.empty())
      throw InputError(name, "$.workflow.file",
                       "the plan names no workflow file; give one with --workflow");
    workflow = path_relative_to_file(refs.workflow_file, plan_path);
  }
  std::string platform = platform_override;
  if (platform.empty())
    platform = refs.platform_file.empty() ? refs.platform_name
                                          : path_relative_to_file(refs.platform_file, plan_path);
  PlanInputs out{load_inputs(workflow, platform, profile_path), Plan{}};
  out.plan = read_plan(text, name, out.inputs.workflow, out.inputs.platform);
  check_plan(out.plan, out.inputs.workflow, out.inputs.platform);
  // Keep the references as the plan had them (they are relative to the plan file).
  out.plan.workflow_file = workflow_override.empty() ? refs.workflow_file : workflow_override;
  out.plan.platform_file = platform_override.empty() ? refs.platform_file : platform_override;
  return out;
}

}  // namespace dagplan::cli
