#pragma once
// Progress on stderr for commands that can run longer than a few seconds: one line, rewritten in
// place, naming the step and the time since the command started; only when stderr is a terminal
// and the user did not ask for --quiet. The line is cleared when the command ends, so that what
// remains on the terminal is the command's output and its errors.

#include <CLI/CLI.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace dagplan::cli {

/// Adds `-q,--quiet` ("no progress on stderr") to `cmd`.
void add_quiet_flag(CLI::App* cmd, bool& quiet);

class Progress {
 public:
  /// Shown when !quiet and stderr is a terminal. `command` prefixes the line ("plan").
  Progress(std::string command, bool quiet);
  /// Shown when `show` is true (tests and callers that decided themselves).
  Progress(std::string command, bool quiet, bool show);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  bool shown() const { return show_; }
  /// The current step ("planning with heft"); the line is refreshed every 0.25 s while it runs.
  void step(std::string_view what);
  /// A step with a count ("simulating", 3, 10 -> "simulating 3/10").
  void step(std::string_view what, std::size_t done, std::size_t total);
  /// Clears the line and stops refreshing (also done by the destructor).
  void finish();

 private:
  void draw_locked();
  std::string command_;
  bool show_ = false;
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::string what_;
  std::chrono::steady_clock::time_point last_draw_;
  bool drawn_ = false, stop_ = false;
  std::thread ticker_;
};

}  // namespace dagplan::cli
