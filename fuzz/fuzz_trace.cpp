// libFuzzer target: the dagplan-trace/1 reader (read_trace, with its embedded workflow, platform
// and plan), then write, read back, write again (identical).
#include "dagplan/sim/trace.hpp"
#include "fuzz_common.hpp"

using namespace dagplan;

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer calls it by this name.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::refused_or_accepted([&] {
    sim::Trace trace = sim::read_trace(fuzz::as_text(data, size), "fuzz.json");
    std::string written = sim::write_trace(trace);
    fuzz::must_accept("the written trace", [&] {
      fuzz::require(sim::write_trace(sim::read_trace(written, "written.json")) == written,
                    "trace: write(read(write(t))) != write(t)");
    });
  });
  return 0;
}
