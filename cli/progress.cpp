#include "progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace dagplan::cli {

void add_quiet_flag(CLI::App* cmd, bool& quiet) {
  cmd->add_flag("-q,--quiet", quiet, "No progress on stderr (shown only on a terminal)");
}

Progress::Progress(std::string command, bool quiet)
    : Progress(std::move(command), quiet, isatty(STDERR_FILENO) != 0) {}

Progress::Progress(std::string command, bool quiet, bool show)
    : command_(std::move(command)),
      show_(show && !quiet),
      start_(std::chrono::steady_clock::now()) {
  if (!show_) return;
  ticker_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stop_) {
      wake_.wait_for(lock, std::chrono::milliseconds(250));
      if (!stop_ && !what_.empty()) draw_locked();
    }
  });
}

Progress::~Progress() {
  finish();
}

void Progress::draw_locked() {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  // \r and "erase to end of line": the previous, possibly longer, text disappears.
  fmt::print(stderr, "\r\033[K{}: {} ({:.1f} s)", command_, what_, elapsed);
  std::fflush(stderr);
  drawn_ = true;
  last_draw_ = std::chrono::steady_clock::now();
}

void Progress::step(std::string_view what) {
  if (!show_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  what_ = what;
  draw_locked();
}

void Progress::step(std::string_view what, std::size_t done, std::size_t total) {
  if (!show_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  what_ = fmt::format("{} {}/{}", what, done, total);
  // Counts can come thousands of times a second: at most ten lines a second (and the last).
  if (!drawn_ || done == total ||
      std::chrono::steady_clock::now() - last_draw_ > std::chrono::milliseconds(100))
    draw_locked();
}

void Progress::finish() {
  if (!show_) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stop_) return;
    stop_ = true;
    if (drawn_) {
      fmt::print(stderr, "\r\033[K");
      std::fflush(stderr);
    }
  }
  wake_.notify_all();
  if (ticker_.joinable()) ticker_.join();
}

}  // namespace dagplan::cli
