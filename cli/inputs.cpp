#include "inputs.hpp"

#include <fmt/format.h>

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
  in.profile_path = profile_path;
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

namespace {
// "X is a workflow, not a plan: ..." for a document of another kind given where a plan is read.
void require_plan_document(std::string_view text, const std::string& name) {
  DocumentKind kind = detect_document(text, name);
  std::string hint;
  switch (kind) {
    case DocumentKind::kPlan: return;
    case DocumentKind::kWorkflow:
    case DocumentKind::kWfCommons:
      hint = fmt::format("`dagplan plan {} -o plan.json` makes one", name);
      break;
    case DocumentKind::kTrace:
      hint = fmt::format("`dagsim replay {}` reads a trace (its plan is embedded in it)", name);
      break;
    case DocumentKind::kPlatform:
      hint =
          "give it with --platform; `dagplan plan WORKFLOW --platform FILE -o plan.json` makes "
          "a plan";
      break;
    case DocumentKind::kProfile: hint = "give it with --profile"; break;
    case DocumentKind::kUnknown:
      throw InputError(name, "$", "expected a plan (\"format\": \"dagplan-plan/1\")");
  }
  throw InputError(name, "",
                   fmt::format("this is a {}, not a plan: {}", document_kind_name(kind), hint));
}
}  // namespace

PlanInputs load_plan_inputs(const std::string& plan_path, const std::string& workflow_override,
                            const std::string& platform_override, const std::string& profile_path,
                            bool ignore_fingerprint) {
  std::string text = read_text_file(plan_path);
  std::string name = plan_path == "-" ? "<stdin>" : plan_path;
  require_plan_document(text, name);
  PlanReferences refs = read_plan_references(text, name);
  std::string workflow = workflow_override;
  if (workflow.empty()) {
    if (refs.workflow_file.empty())
      throw InputError(name, "$.workflow.file",
                       "the plan names no workflow file; give one with --workflow");
    workflow = path_relative_to_file(refs.workflow_file, plan_path);
  }
  std::string platform = platform_override;
  if (platform.empty()) {
    platform = refs.platform_file.empty() ? refs.platform_name
                                          : path_relative_to_file(refs.platform_file, plan_path);
    if (platform.empty())  // never the default platform in silence
      throw InputError(name, "$.platform",
                       "the plan names no platform (no 'file' nor 'name'); give one with "
                       "--platform");
  }
  PlanInputs out{load_inputs(workflow, platform, profile_path), Plan{}, plan_path};
  if (ignore_fingerprint) {
    std::string problem = fingerprint_problem(refs, out.inputs.workflow);
    if (!problem.empty())
      fmt::print(stderr,
                 "warning: {}: $.workflow.fingerprint: {}; used anyway "
                 "(--ignore-fingerprint)\n",
                 name, problem);
  }
  out.plan = read_plan(text, name, out.inputs.workflow, out.inputs.platform,
                       ignore_fingerprint ? FingerprintCheck::kIgnore : FingerprintCheck::kRequire);
  check_plan(out.plan, out.inputs.workflow, out.inputs.platform);
  // Keep the references as the plan had them (they are relative to the plan file).
  out.plan.workflow_file = workflow_override.empty() ? refs.workflow_file : workflow_override;
  out.plan.platform_file = platform_override.empty() ? refs.platform_file : platform_override;
  return out;
}

}  // namespace dagplan::cli
