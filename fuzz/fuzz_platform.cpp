// libFuzzer target: the dagplan-platform/1 reader (read_platform), then write, read back, write
// again (identical), and the execution model of examples/workflows/diamond.json on it.
#include "dagplan/model.hpp"
#include "fuzz_common.hpp"

using namespace dagplan;

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer calls it by this name.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::refused_or_accepted([&] {
    Platform platform = read_platform(fuzz::as_text(data, size), "fuzz.json");
    std::string written = write_platform(platform);
    fuzz::must_accept("the written platform", [&] {
      fuzz::require(write_platform(read_platform(written, "written.json")) == written,
                    "platform: write(read(write(p))) != write(p)");
    });
    ExecutionModel model(fuzz::diamond(), platform);
    (void)model.run_bound_us();
  });
  return 0;
}
