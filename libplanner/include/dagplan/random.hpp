#pragma once
/// \file
/// Seeded random numbers that are identical on every platform and standard library: the raw
/// output of std::mt19937_64 (fully specified by the standard) turned into uniform, normal and
/// lognormal draws by formulas written here (std::normal_distribution is implementation-specific).

#include <cmath>
#include <cstdint>
#include <random>

namespace dagplan {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}
  std::uint64_t next() { return engine_(); }
  /// Uniform in [0, 1), 53 bits.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  /// Standard normal by Box-Muller (one draw per call; the second value is discarded so that
  /// the sequence does not depend on call parity).
  double normal() {
    double u1 = uniform();
    double u2 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  /// exp(sigma * N(0,1)): median 1.
  double lognormal(double sigma) { return sigma > 0 ? std::exp(sigma * normal()) : 1.0; }

 private:
  std::mt19937_64 engine_;
};

}  // namespace dagplan
