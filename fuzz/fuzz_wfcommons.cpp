// libFuzzer target: the WfCommons reader (read_wfcommons, WfFormat 1.4 and 1.5), then the
// imported workflow written as dagplan-workflow/1, read back, and modelled on aws-lambda.
#include "dagplan/model.hpp"
#include "dagplan/wfcommons.hpp"
#include "fuzz_common.hpp"

using namespace dagplan;

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer calls it by this name.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::refused_or_accepted([&] {
    WfCommonsInstance instance = read_wfcommons(fuzz::as_text(data, size), "fuzz.json");
    fuzz::check_workflow(instance.workflow);
  });
  return 0;
}
