#pragma once
// Measuring helpers shared by the benchmark programs: wall time and peak resident memory per step.

#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace dagplan::bench {

/// Resets the kernel's resident-set high-water mark (VmHWM) to the current RSS, so that the next
/// peak_rss_bytes() reads the peak of the step in between. Linux >= 4.0; a no-op elsewhere.
inline void reset_peak_rss() {
  std::ofstream f("/proc/self/clear_refs");
  if (f) f << "5";
}

/// Reads a "VmXXX:  N kB" line of /proc/self/status, in bytes (0 when unavailable).
inline std::uint64_t proc_status_bytes(const std::string& key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind(key + ":", 0) == 0) return std::stoull(line.substr(key.size() + 1)) * 1024;
  }
  return 0;
}

/// Peak resident memory since the last reset_peak_rss() (or process start).
inline std::uint64_t peak_rss_bytes() {
  return proc_status_bytes("VmHWM");
}
inline std::uint64_t rss_bytes() {
  return proc_status_bytes("VmRSS");
}

/// Processor time the process (all its threads) has spent in the kernel: page faults, mostly.
inline double kernel_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_stime.tv_sec) + static_cast<double>(u.ru_stime.tv_usec) * 1e-6;
}

/// Processor time the process (all its threads) has spent in user mode: on a loaded machine, what
/// a step cost whatever else ran.
inline double user_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec) + static_cast<double>(u.ru_utime.tv_usec) * 1e-6;
}

/// "a,b,,c" -> {"a", "b", "c"}: a comma-separated command-line list.
inline std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

/// "1000,10000" -> {1000, 10000}.
inline std::vector<std::size_t> split_sizes(const std::string& text) {
  std::vector<std::size_t> out;
  for (const std::string& item : split_list(text)) out.push_back(std::stoull(item));
  return out;
}

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

}  // namespace dagplan::bench
