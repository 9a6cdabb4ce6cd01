// libFuzzer target: the dagplan-workflow/1 reader (read_workflow), then what follows an accepted
// workflow: write, read back, write again (identical), and the execution model on aws-lambda.
#include "dagplan/model.hpp"
#include "fuzz_common.hpp"

using namespace dagplan;

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer calls it by this name.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::refused_or_accepted([&] {
    Workflow workflow = read_workflow(fuzz::as_text(data, size), "fuzz.json");
    fuzz::check_workflow(workflow);
  });
  return 0;
}
