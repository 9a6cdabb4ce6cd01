#include "dagplan/exec/kernel.hpp"

#include <algorithm>
#include <chrono>

namespace dagplan::exec {

std::uint64_t synthetic_work(std::uint64_t loops) {
  // xorshift64: a dependent chain of integer operations the compiler cannot fold.
  std::uint64_t x = 0x9e3779b97f4a7c15ull ^ loops;
  for (std::uint64_t i = 0; i < loops; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
  }
  return x;
}

double measure_loops_per_second() {
  constexpr std::uint64_t kLoops = 5'000'000;
  double best = 0;
  volatile std::uint64_t sink = 0;
  for (int k = 0; k < 5; ++k) {
    auto t0 = std::chrono::steady_clock::now();
    sink = sink + synthetic_work(kLoops + static_cast<std::uint64_t>(k));
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (s > 0) best = std::max(best, static_cast<double>(kLoops) / s);
  }
  return best > 0 ? best : 1e8;
}

}  // namespace dagplan::exec
