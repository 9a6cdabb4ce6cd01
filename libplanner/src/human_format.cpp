#include "dagplan/human_format.hpp"

#include <fmt/format.h>

#include <cmath>

namespace dagplan {

std::string human_bytes(double bytes) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  int u = 0;
  while (std::fabs(bytes) >= 1000 && u < 5) {
    bytes /= 1000;
    ++u;
  }
  return u == 0 ? fmt::format("{:.0f} B", bytes) : fmt::format("{:.2f} {}", bytes, units[u]);
}

std::string human_dollars(double d) {
  if (d == 0) return "$0";
  if (std::fabs(d) >= 0.01) return fmt::format("${:.4f}", d);
  if (std::fabs(d) >= 1e-4) return fmt::format("${:.6f}", d);
  return fmt::format("${:.3g}", d);
}

std::string human_seconds(double s) {
  if (s >= 120) {
    double m = std::floor(s / 60);
    return fmt::format("{:.0f} min {:.1f} s", m, s - 60 * m);
  }
  if (s >= 1 || s == 0) return fmt::format("{:.3f} s", s);
  if (s >= 1e-3) return fmt::format("{:.1f} ms", s * 1e3);
  return fmt::format("{:.0f} us", s * 1e6);
}

}  // namespace dagplan
