#pragma once
// Small statistics the simulator's fitting code shares (calibrate.cpp, wms_replay.cpp).

#include <algorithm>
#include <cstddef>
#include <vector>

namespace dagplan::sim {

/// Median (the mean of the two middle values for an even count); 0 for an empty sample.
inline double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  double m = *mid;
  if (v.size() % 2 == 0) m = (m + *std::max_element(v.begin(), mid)) / 2.0;
  return m;
}

}  // namespace dagplan::sim
