// libFuzzer target: the dagplan-profile/1 reader (read_profile), then write, read back, write
// again (identical), the profile applied to aws-lambda and the execution model of
// examples/workflows/diamond.json with it.
#include "dagplan/model.hpp"
#include "dagplan/profile.hpp"
#include "fuzz_common.hpp"

using namespace dagplan;

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer calls it by this name.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::refused_or_accepted([&] {
    Profile profile = read_profile(fuzz::as_text(data, size), "fuzz.json");
    std::string written = write_profile(profile);
    fuzz::must_accept("the written profile", [&] {
      fuzz::require(write_profile(read_profile(written, "written.json")) == written,
                    "profile: write(read(write(p))) != write(p)");
    });
    Platform platform = apply_profile(fuzz::builtin_platform("aws-lambda"), profile, "fuzz.json");
    ExecutionModel model(fuzz::diamond(), platform, &profile);
    (void)model.run_bound_us();
  });
  return 0;
}
