// libFuzzer target: the dagplan-plan/1 reader (read_plan) with its workflow. The input is
// WORKFLOW '\0' PLAN (the workflow in either format), or a plan alone for
// examples/workflows/diamond.json; the platform is the built-in one the plan names (aws-lambda
// when it names another). An accepted plan is written, read back and written again (identical).
#include <algorithm>
#include <optional>

#include "dagplan/plan.hpp"
#include "fuzz_common.hpp"

using namespace dagplan;

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer calls it by this name.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  fuzz::refused_or_accepted([&] {
    std::optional<Workflow> own;
    std::size_t nul = text.find('\0');
    if (nul != std::string_view::npos) {
      own = read_any_workflow(text.substr(0, nul), "workflow.json");
      text = text.substr(nul + 1);
    }
    const Workflow& workflow = own ? *own : fuzz::diamond();
    PlanReferences refs = read_plan_references(text, "fuzz.json");
    const Platform& platform = fuzz::builtin_platform(refs.platform_name);
    Plan plan = read_plan(text, "fuzz.json", workflow, platform);
    std::string written = write_plan(plan, workflow, platform);
    fuzz::must_accept("the written plan", [&] {
      Plan again = read_plan(written, "written.json", workflow, platform);
      fuzz::require(write_plan(again, workflow, platform) == written,
                    "plan: write(read(write(p))) != write(p)");
    });
  });
  return 0;
}
