#include "dagplan/files.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <mutex>

#include "dagplan/error.hpp"

namespace dagplan {

namespace {

[[noreturn]] void nul_byte(const std::string& name, std::size_t offset) {
  throw InputError(name, "",
                   fmt::format("expected text, got a NUL byte at offset {} (a binary file or a "
                               "device?)",
                               offset));
}

// A mapped file truncated by another process while it is read: the pages past its new end raise
// SIGBUS. A handler turns that into the one error line every bad input gets, naming the file,
// and exit status 1 (nothing has been written: the readers run before any output is opened).
// The mappings being read are registered in fixed slots the handler scans (async-signal-safe:
// atomics, write(2), _exit); a SIGBUS elsewhere goes to the handler that was there before.
struct MappedSlot {
  std::atomic<const char*> begin{nullptr};
  std::size_t size = 0;
  std::array<char, 512> message{};  // "PROGRAM: error: PATH: ...\n", as cli_common.cpp prints
  std::size_t length = 0;
};
std::array<MappedSlot, 8> g_mapped;
struct sigaction g_previous_sigbus {};

void on_sigbus(int sig, siginfo_t* info, void* context) {
  const auto* at = static_cast<const char*>(info->si_addr);
  for (MappedSlot& slot : g_mapped) {
    const char* begin = slot.begin.load(std::memory_order_acquire);
    if (begin != nullptr && at >= begin && at < begin + slot.size) {
      (void)!::write(STDERR_FILENO, slot.message.data(), slot.length);
      ::_exit(1);
    }
  }
  // Not ours: the previous disposition, by re-raising through it.
  if ((g_previous_sigbus.sa_flags & SA_SIGINFO) != 0 && g_previous_sigbus.sa_sigaction != nullptr) {
    g_previous_sigbus.sa_sigaction(sig, info, context);
    return;
  }
  if (g_previous_sigbus.sa_handler != SIG_DFL && g_previous_sigbus.sa_handler != SIG_IGN &&
      g_previous_sigbus.sa_handler != nullptr) {
    g_previous_sigbus.sa_handler(sig);
    return;
  }
  ::signal(SIGBUS, SIG_DFL);  // the fault repeats on return and ends the process as it would have
}

// Registers [begin, begin + size) as `path`'s mapping; -1 when every slot is taken (the mapping
// is then not used).
int register_mapping(const std::string& path, const char* begin, std::size_t size) {
  static std::once_flag installed;
  std::call_once(installed, [] {
    struct sigaction action {};
    action.sa_sigaction = on_sigbus;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGBUS, &action, &g_previous_sigbus);
  });
  static std::mutex mutex;
  const std::lock_guard<std::mutex> lock(mutex);
  for (std::size_t i = 0; i < g_mapped.size(); ++i) {
    MappedSlot& slot = g_mapped[i];
    if (slot.begin.load(std::memory_order_relaxed) != nullptr) continue;
    const std::string text = fmt::format(
        "{}: error: {}: the file changed while it was read (another process truncated it)\n",
        program_invocation_short_name, path.size() > 400 ? path.substr(0, 400) + "..." : path);
    slot.length = std::min(text.size(), slot.message.size());
    std::memcpy(slot.message.data(), text.data(), slot.length);
    slot.size = size;
    slot.begin.store(begin, std::memory_order_release);
    return static_cast<int>(i);
  }
  return -1;
}

void unregister_mapping(int slot) {
  if (slot >= 0)
    g_mapped[static_cast<std::size_t>(slot)].begin.store(nullptr, std::memory_order_release);
}
}  // namespace

std::string read_text_file(const std::string& path, std::uint64_t max_bytes) {
  const std::string name = path == "-" ? "<stdin>" : path;
  auto too_large = [&](const std::string& how) {
    throw InputError(
        name, "",
        fmt::format("{}more than {} bytes, the largest input dagplan reads", how, max_bytes));
  };
  std::error_code ec;
  if (path != "-" && std::filesystem::is_directory(path, ec))
    throw InputError(path, "", "expected a file, got a directory");
  std::FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (!f) throw InputError(path, "", fmt::format("cannot open: {}", std::strerror(errno)));
  std::string out;
  struct stat st {};
  if (path != "-" && ::fstat(::fileno(f), &st) == 0 && S_ISREG(st.st_mode)) {
    if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
      std::fclose(f);
      too_large(fmt::format("{} bytes: ", st.st_size));
    }
    out.reserve(static_cast<std::size_t>(st.st_size));
  }
  char buf[1 << 16];
  std::size_t n;
  bool first = true;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    if (first) {
      first = false;
      if (const void* nul = std::memchr(buf, 0, n)) {
        if (f != stdin) std::fclose(f);
        nul_byte(name, static_cast<std::size_t>(static_cast<const char*>(nul) - buf));
      }
    }
    if (out.size() + n > max_bytes) {
      if (f != stdin) std::fclose(f);
      too_large("");
    }
    out.append(buf, n);
  }
  bool failed = std::ferror(f) != 0;
  if (f != stdin) std::fclose(f);
  if (failed) throw InputError(name, "", "read error");
  return out;
}

TextFile::TextFile(const std::string& path, std::uint64_t max_bytes) {
  std::error_code ec;
  if (path == "-" || std::filesystem::is_directory(path, ec)) {
    read_ = read_text_file(path, max_bytes);
    return;
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw InputError(path, "", fmt::format("cannot open: {}", std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
    ::close(fd);
    read_ = read_text_file(path, max_bytes);  // a FIFO, a device, an empty file
    return;
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > max_bytes) {
    ::close(fd);
    throw InputError(path, "",
                     fmt::format("{} bytes: more than {} bytes, the largest input dagplan reads",
                                 size, max_bytes));
  }
  // MAP_POPULATE: the page tables are filled at once from the page cache, not a fault a page.
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) {
    read_ = read_text_file(path, max_bytes);
    return;
  }
  slot_ = register_mapping(path, static_cast<const char*>(map), static_cast<std::size_t>(size));
  if (slot_ < 0) {  // more files mapped at once than the SIGBUS guard follows: a copy
    ::munmap(map, size);
    read_ = read_text_file(path, max_bytes);
    return;
  }
  map_ = static_cast<const char*>(map);
  size_ = static_cast<std::size_t>(size);
  const std::size_t head = std::min<std::size_t>(size_, std::size_t{1} << 16);
  if (const void* nul = std::memchr(map_, 0, head)) {
    const auto offset = static_cast<std::size_t>(static_cast<const char*>(nul) - map_);
    unregister_mapping(slot_);
    ::munmap(const_cast<char*>(map_), size_);
    map_ = nullptr;
    nul_byte(path, offset);
  }
}

TextFile::~TextFile() {
  if (map_ == nullptr) return;
  unregister_mapping(slot_);
  ::munmap(const_cast<char*>(map_), size_);
}

namespace {

// Writes all of `content` to `fd`; false (errno set) on an error.
bool write_all(int fd, std::string_view content) {
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t w = ::write(fd, content.data() + done, content.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<std::size_t>(w);
  }
  return true;
}

[[noreturn]] void cannot_write(const std::string& path, int e) {
  throw Error(fmt::format("{}: cannot write: {}", path, std::strerror(e)));
}

}  // namespace

OutputFile::OutputFile(const std::string& path, const std::vector<std::string>& inputs)
    : path_(path) {
  if (path.empty()) throw UsageError("an output path cannot be empty ('-' is standard output)");
  if (path == "-") return;
  namespace fs = std::filesystem;
  std::error_code ec;
  // Through a symbolic link (or a chain of them, even to a file not yet made): its target, so
  // that the link stays a link.
  fs::path target = path;
  for (int hops = 0; hops < 40 && fs::is_symlink(target, ec); ++hops) {
    fs::path next = fs::read_symlink(target, ec);
    if (ec) break;
    target = next.is_absolute() ? next : target.parent_path() / next;
  }
  target_ = target.string();
  struct stat st {};
  const bool exists = ::stat(target.c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode))
    throw Error(fmt::format("{}: cannot write: it is a folder", path));
  for (const std::string& in : inputs) {
    struct stat is {};
    if (exists && in != "-" && !in.empty() && ::stat(in.c_str(), &is) == 0 &&
        is.st_dev == st.st_dev && is.st_ino == st.st_ino)
      throw Error(
          fmt::format("{}: refusing to write over an input of this command ({})", path, in));
  }
  // A device, FIFO or socket: written directly at commit(), never replaced by a file.
  if (exists && !S_ISREG(st.st_mode)) return;
  fs::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  std::string tmpl = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
  fd_ = ::mkstemp(tmpl.data());
  if (fd_ < 0) cannot_write(path, errno);
  temp_ = std::move(tmpl);
  streaming_ = true;
  buffer_.reserve(kChunk + kChunk / 4);
}

OutputFile::~OutputFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!temp_.empty()) ::unlink(temp_.c_str());
}

void OutputFile::fail(int error) {
  if (fd_ >= 0 && fd_ != STDOUT_FILENO) ::close(fd_);
  fd_ = -1;
  if (!temp_.empty()) ::unlink(temp_.c_str());
  temp_.clear();
  cannot_write(path_ == "-" ? "standard output" : path_, error);
}

void OutputFile::write_buffer() {
  if (!write_all(fd_, buffer_)) fail(errno);
  buffer_.clear();
}

void OutputFile::flush() {
  if (streaming_ && buffer_.size() >= kChunk) write_buffer();
}

void OutputFile::finish(std::string_view tail) {
  if (finished_) return;
  finished_ = true;
  if (path_ == "-") {
    std::fflush(stdout);
    if (!write_all(STDOUT_FILENO, buffer_) || !write_all(STDOUT_FILENO, tail))
      cannot_write("standard output", errno);
    return;
  }
  if (!streaming_) {
    fd_ = ::open(target_.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd_ < 0) cannot_write(path_, errno);
  }
  write_buffer();
  if (!write_all(fd_, tail)) fail(errno);
  if (streaming_) ::fchmod(fd_, 0644);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail(errno);
}

void OutputFile::commit(std::string_view tail) {
  finish(tail);
  if (streaming_ && !temp_.empty()) {
    if (std::rename(temp_.c_str(), target_.c_str()) != 0) fail(errno);
    temp_.clear();
  }
}

void write_file_atomic(const std::string& path, std::string_view content,
                       const std::vector<std::string>& inputs) {
  OutputFile out(path, inputs);
  out.commit(content);
}

void check_output_file(const std::string& path, const std::vector<std::string>& inputs) {
  const OutputFile out(path, inputs);  // its temporary file goes with it
}

}  // namespace dagplan
