#include "dagplan/exec/process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

#include "dagplan/error.hpp"

namespace dagplan::exec {

#if defined(__SANITIZE_ADDRESS__)
#define DAGPLAN_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DAGPLAN_ASAN 1
#endif
#endif

bool sanitizer_build() {
#ifdef DAGPLAN_ASAN
  return true;
#else
  return false;
#endif
}

const char* limit_method_name(LimitMethod method) {
  switch (method) {
    case LimitMethod::kCgroup2: return "cgroup2";
    case LimitMethod::kRlimit: return "rlimit";
    case LimitMethod::kNone: break;
  }
  return "none";
}

namespace {

std::optional<std::string> read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Writes `text` to a (cgroup) file in one write(). Returns 0 or errno.
int write_small_file(const std::string& path, const std::string& text) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  ssize_t n = write(fd, text.data(), text.size());
  int e = n == static_cast<ssize_t>(text.size()) ? 0 : (n < 0 ? errno : EIO);
  close(fd);
  return e;
}

bool has_word(const std::string& text, const std::string& word) {
  std::istringstream in(text);
  for (std::string w; in >> w;)
    if (w == word) return true;
  return false;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// rmdir a cgroup, which the kernel may still count busy for a moment after its last process
// was reaped; whatever is still in it is killed (cgroup.kill, Linux 5.14+) after a while.
bool remove_cgroup(const std::string& dir, double wait_s) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(wait_s);
  bool killed = false;
  for (;;) {
    if (rmdir(dir.c_str()) == 0 || errno == ENOENT) return true;
    if (errno != EBUSY) return false;
    auto now = std::chrono::steady_clock::now();
    if (!killed && now > deadline - std::chrono::duration<double>(wait_s / 2)) {
      write_small_file(dir + "/cgroup.kill", "1");
      killed = true;
    }
    if (now > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// The cgroup v2 folder of this process, or why there is none.
std::string own_cgroup2_dir(std::string& why, std::string& mount) {
  std::optional<std::string> mounts = read_small_file("/proc/self/mounts");
  if (mounts) {
    std::istringstream in(*mounts);
    for (std::string line; std::getline(in, line);) {
      std::istringstream fields(line);
      std::string dev, dir, type;
      fields >> dev >> dir >> type;
      if (type == "cgroup2") {
        mount = dir;
        break;
      }
    }
  }
  if (mount.empty()) {
    why = "no cgroup2 file system is mounted (/proc/self/mounts)";
    return "";
  }
  std::optional<std::string> groups = read_small_file("/proc/self/cgroup");
  std::string path;
  bool found = false;
  if (groups) {
    std::istringstream in(*groups);
    for (std::string line; std::getline(in, line);)
      if (line.rfind("0::", 0) == 0) {
        path = line.substr(3);
        found = true;
      }
  }
  if (!found || path.empty() || path[0] != '/' || path.find("/..") != std::string::npos) {
    why = "this process has no cgroup v2 of its own (/proc/self/cgroup has no usable '0::' line)";
    return "";
  }
  while (mount.size() > 1 && mount.back() == '/') mount.pop_back();
  std::string dir = path == "/" ? mount : mount + path;
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    why = fmt::format("its cgroup folder {} is not there", dir);
    return "";
  }
  return dir;
}

// Whether a child cgroup of `dir` with cpu and memory limits can be made and joined: tried with
// a probe cgroup, removed. "" when it works, else why not.
std::string probe_cgroup2(const std::string& dir) {
  std::string controllers = trimmed(read_small_file(dir + "/cgroup.controllers").value_or(""));
  if (!has_word(controllers, "cpu") || !has_word(controllers, "memory"))
    return fmt::format(
        "its cgroup {} does not offer the cpu and memory controllers "
        "(cgroup.controllers: '{}')",
        dir, controllers);
  std::string subtree = read_small_file(dir + "/cgroup.subtree_control").value_or("");
  if (!has_word(subtree, "cpu") || !has_word(subtree, "memory")) {
    if (int e = write_small_file(dir + "/cgroup.subtree_control", "+cpu +memory"); e != 0)
      return fmt::format(
          "cannot enable cpu and memory for child cgroups in {}/"
          "cgroup.subtree_control: {}",
          dir, std::strerror(e));
  }
  const std::string probe = fmt::format("{}/dagrun-probe-{}", dir, getpid());
  const std::string leaf = probe + "/p";
  if (mkdir(probe.c_str(), 0755) != 0)
    return fmt::format("cannot create a cgroup in {}: {}", dir, std::strerror(errno));
  std::string why;
  if (int e = write_small_file(probe + "/cgroup.subtree_control", "+cpu +memory"); e != 0) {
    why = fmt::format("cannot enable cpu and memory in a child cgroup: {}", std::strerror(e));
  } else if (mkdir(leaf.c_str(), 0755) != 0) {
    why = fmt::format("cannot create a nested cgroup: {}", std::strerror(errno));
  } else if (int e1 = write_small_file(leaf + "/cpu.max", "max 100000"); e1 != 0) {
    why = fmt::format("cannot write cpu.max: {}", std::strerror(e1));
  } else if (int e2 = write_small_file(leaf + "/memory.max", "max"); e2 != 0) {
    why = fmt::format("cannot write memory.max: {}", std::strerror(e2));
  } else {
    // A process joins it (as a worker will between fork and exec).
    int fd = open((leaf + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
      why = fmt::format("cannot open cgroup.procs: {}", std::strerror(errno));
    } else {
      pid_t pid = fork();
      if (pid == 0) {
        _exit(write(fd, "0", 1) == 1 ? 0 : (errno & 0xff));
      }
      close(fd);
      int status = 0;
      if (pid < 0)
        why = fmt::format("fork: {}", std::strerror(errno));
      else if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        why = "the probe process did not exit";
      else if (WEXITSTATUS(status) != 0)
        why = fmt::format("a process cannot join a child cgroup: {}",
                          std::strerror(WEXITSTATUS(status)));
    }
  }
  remove_cgroup(leaf, 1.0);
  if (!remove_cgroup(probe, 1.0) && why.empty())
    why = fmt::format("cannot remove the probe cgroup {}: {}", probe, std::strerror(errno));
  return why;
}

}  // namespace

LimitSupport detect_limit_support() {
  LimitSupport s;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0)
    for (std::size_t c = 0; c < static_cast<std::size_t>(CPU_SETSIZE); ++c)
      if (CPU_ISSET(c, &set)) s.cpus.push_back(c);
  try {
    std::string mount;
    std::string dir = own_cgroup2_dir(s.no_cgroup2, mount);
    if (!dir.empty()) {
      // Under its own cgroup, which works where that is the root or holds no process (the
      // kernel's no-internal-process rule); else beside it, under its parent (which offers cpu
      // and memory when its own cgroup lists them), where this process may write there.
      s.no_cgroup2 = probe_cgroup2(dir);
      if (s.no_cgroup2.empty()) {
        s.cgroup_dir = dir;
      } else if (dir != mount) {
        std::string parent = dir.substr(0, dir.rfind('/'));
        std::string beside = probe_cgroup2(parent);
        if (beside.empty()) {
          s.no_cgroup2.clear();
          s.cgroup_dir = parent;
        } else {
          s.no_cgroup2 += "; beside it: " + beside;
        }
      }
    }
  } catch (const std::exception& e) {  // any failure: the fallback
    s.no_cgroup2 = e.what();
    s.cgroup_dir.clear();
  }
  s.best = sanitizer_build()      ? LimitMethod::kNone
           : s.no_cgroup2.empty() ? LimitMethod::kCgroup2
                                  : LimitMethod::kRlimit;
  return s;
}

ProcessLimiter::ProcessLimiter(LimitMethod method, const LimitSupport& support,
                               const std::string& run_id)
    : method_(method), cpus_(support.cpus), load_(support.cpus.size(), 0) {
  if (method_ != LimitMethod::kCgroup2) return;
  if (support.cgroup_dir.empty())
    throw Error(fmt::format("--limits cgroup2: not on this machine: {}", support.no_cgroup2));
  run_dir_ = fmt::format("{}/dagrun-{}", support.cgroup_dir, run_id);
  if (mkdir(run_dir_.c_str(), 0755) != 0)
    throw Error(
        fmt::format("cannot create the run's cgroup {}: {}", run_dir_, std::strerror(errno)));
  if (int e = write_small_file(run_dir_ + "/cgroup.subtree_control", "+cpu +memory"); e != 0) {
    remove_cgroup(run_dir_, 1.0);
    throw Error(fmt::format("cannot enable cpu and memory in the run's cgroup {}: {}", run_dir_,
                            std::strerror(e)));
  }
}

ProcessLimiter::~ProcessLimiter() {
  if (method_ != LimitMethod::kCgroup2) return;
  for (const std::string& name : made_) remove_cgroup(run_dir_ + "/" + name, 1.0);
  remove_cgroup(run_dir_, 1.0);
}

AppliedLimits ProcessLimiter::prepare(const Limits& limits, const std::string& name) {
  AppliedLimits a;
  a.method = method_;
  a.limits = limits;
  if (method_ == LimitMethod::kRlimit && limits.vcpus > 0 && !cpus_.empty()) {
    // ceil(vcpus) cores, round-robin over the allowed ones so that processes spread: the cores
    // with the fewest live processes, ties from where the last choice ended.
    const std::size_t n = cpus_.size();
    const auto k = std::min(n, static_cast<std::size_t>(std::ceil(limits.vcpus)));
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = (next_cpu_ + i) % n;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t x, std::size_t y) { return load_[x] < load_[y]; });
    order.resize(k);
    CPU_ZERO(&a.cpus);
    for (std::size_t i : order) {
      CPU_SET(cpus_[i], &a.cpus);
      ++load_[i];
    }
    next_cpu_ = (order.back() + 1) % n;
    held_[name] = std::move(order);
    a.set_cpus = true;
  } else if (method_ == LimitMethod::kCgroup2) {
    std::string dir = run_dir_ + "/" + name;
    if (mkdir(dir.c_str(), 0755) != 0)
      throw Error(fmt::format("cannot create the cgroup {}: {}", dir, std::strerror(errno)));
    made_.push_back(name);
    auto check = [&](const std::string& file, const std::string& value, bool optional) {
      int e = write_small_file(dir + "/" + file, value);
      if (e != 0 && !(optional && e == ENOENT))
        throw Error(fmt::format("cannot set {}/{} to {}: {}", dir, file, value, std::strerror(e)));
    };
    if (limits.vcpus > 0) {
      // The kernel's smallest quota is 1 ms.
      auto quota = std::max<long long>(1000, std::llround(limits.vcpus * 100000));
      check("cpu.max", fmt::format("{} 100000", quota), false);
    }
    if (limits.memory_bytes > 0) {
      check("memory.max", std::to_string(limits.memory_bytes), false);
      check("memory.swap.max", "0", true);  // absent without swap accounting
    }
    a.cgroup = dir;
  }
  return a;
}

bool ProcessLimiter::oom_killed(const std::string& name) const {
  if (method_ != LimitMethod::kCgroup2) return false;
  std::istringstream in(read_small_file(run_dir_ + "/" + name + "/memory.events").value_or(""));
  for (std::string key; in >> key;) {
    long long n = 0;
    in >> n;
    if (key == "oom_kill" && n > 0) return true;
  }
  return false;
}

void ProcessLimiter::release(const std::string& name) {
  if (auto it = held_.find(name); it != held_.end()) {
    for (std::size_t i : it->second) --load_[i];
    held_.erase(it);
  }
  if (method_ != LimitMethod::kCgroup2) return;
  if (remove_cgroup(run_dir_ + "/" + name, 0.2))
    made_.erase(std::remove(made_.begin(), made_.end(), name), made_.end());
}

namespace {

// What failed in the child before exec (written to the parent with errno).
enum ChildStep : int { kStepExec = 1, kStepCgroup, kStepAffinity, kStepRlimit };

}  // namespace

pid_t spawn(const std::vector<std::string>& argv, const std::string& log_file,
            const AppliedLimits& limits) {
  if (argv.empty()) throw Error("spawn: empty command");
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = getpid();
  // The cgroup to join, opened here: the child only writes to it.
  int cgroup_fd = -1;
  if (limits.method == LimitMethod::kCgroup2 && !limits.cgroup.empty()) {
    cgroup_fd = open((limits.cgroup + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
    if (cgroup_fd < 0)
      throw Error(fmt::format("spawn {}: cannot open {}/cgroup.procs: {}", argv[0], limits.cgroup,
                              std::strerror(errno)));
  }
  // A pipe closed on exec: the child writes what failed and errno into it.
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    if (cgroup_fd >= 0) close(cgroup_fd);
    throw Error(fmt::format("spawn: pipe: {}", std::strerror(errno)));
  }
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(fds[0]);
    close(fds[1]);
    if (cgroup_fd >= 0) close(cgroup_fd);
    throw Error(fmt::format("spawn {}: fork: {}", argv[0], std::strerror(e)));
  }
  if (pid == 0) {
    // The child (async-signal-safe calls only): report a failed step and stop.
    auto fail = [&](int step) {
      int report[2] = {step, errno};
      ssize_t ignored = write(fds[1], report, sizeof report);
      (void)ignored;
      _exit(127);
    };
    // Die with the parent (and if it is already gone, now).
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    setpgid(0, 0);  // its own process group: a terminal's Ctrl-C goes to dagrun, which stops it
    close(fds[0]);
    if (cgroup_fd >= 0 && write(cgroup_fd, "0", 1) != 1) fail(kStepCgroup);
    if (limits.method == LimitMethod::kRlimit) {
      if (limits.set_cpus && sched_setaffinity(0, sizeof limits.cpus, &limits.cpus) != 0)
        fail(kStepAffinity);
      if (limits.limits.memory_bytes > 0) {
        // RLIMIT_AS bounds virtual memory (stricter than the resident memory a platform bills).
        rlimit old{};
        if (getrlimit(RLIMIT_AS, &old) != 0) fail(kStepRlimit);
        rlimit lim{};
        lim.rlim_max = std::min<rlim_t>(old.rlim_max, limits.limits.memory_bytes);
        lim.rlim_cur = lim.rlim_max;
        if (setrlimit(RLIMIT_AS, &lim) != 0) fail(kStepRlimit);
      }
    }
    int in = open("/dev/null", O_RDONLY);
    int out = open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (in >= 0) dup2(in, 0);
    if (out >= 0) {
      dup2(out, 1);
      dup2(out, 2);
    }
    execvp(args[0], args.data());
    fail(kStepExec);
  }
  close(fds[1]);
  if (cgroup_fd >= 0) close(cgroup_fd);
  int report[2] = {0, 0};
  ssize_t got = read(fds[0], report, sizeof report);
  close(fds[0]);
  if (got == static_cast<ssize_t>(sizeof report)) {
    waitpid(pid, nullptr, 0);
    const char* why = std::strerror(report[1]);
    switch (report[0]) {
      case kStepCgroup:
        throw Error(fmt::format("cannot start '{}': cannot join the cgroup {}: {}", argv[0],
                                limits.cgroup, why));
      case kStepAffinity:
        throw Error(fmt::format("cannot start '{}': cannot set its CPU affinity ({} cores): {}",
                                argv[0], CPU_COUNT(&limits.cpus), why));
      case kStepRlimit:
        throw Error(fmt::format("cannot start '{}': cannot set RLIMIT_AS to {} bytes: {}", argv[0],
                                limits.limits.memory_bytes, why));
      default: throw Error(fmt::format("cannot start '{}': {}", argv[0], why));
    }
  }
  return pid;
}

int stop_process(pid_t pid, double grace_s) {
  int status = 0;
  if (pid <= 0) return 0;
  if (waitpid(pid, &status, WNOHANG) == pid) return status;
  kill(pid, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(grace_s);
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid, &status, WNOHANG) == pid) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return status;
}

std::string tail_of_file(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  auto size = static_cast<std::size_t>(in.tellg());
  std::size_t from = size > max_bytes ? size - max_bytes : 0;
  in.seekg(static_cast<std::streamoff>(from));
  std::string text(size - from, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

TempDir::TempDir(const std::string& prefix) {
  std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr)
    throw Error(
        fmt::format("cannot create a temporary folder {}: {}", pattern, std::strerror(errno)));
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

namespace {

// A loopback port nobody listens on right now (the kernel's choice for port 0).
int free_loopback_port() {
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) throw Error(fmt::format("socket: {}", std::strerror(errno)));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    close(s);
    throw Error(fmt::format("cannot find a free loopback port: {}", std::strerror(errno)));
  }
  int port = ntohs(a.sin_port);
  close(s);
  return port;
}

}  // namespace

EmbeddedRedis::EmbeddedRedis(const std::string& work_dir) : log_(work_dir + "/redis.log") {
  // The port is free when chosen; another process may take it before redis-server binds it, so
  // a server that exits at once is retried on another port.
  for (int attempt = 0; attempt < 5; ++attempt) {
    address_.host = "127.0.0.1";
    address_.port = free_loopback_port();
    pid_ = spawn({"redis-server", "--port", std::to_string(address_.port), "--bind", "127.0.0.1",
                  "--save", "", "--appendonly", "no", "--dir", work_dir, "--protected-mode", "yes",
                  "--daemonize", "no", "--loglevel", "warning", "--databases", "1",
                  // Output streaming (Plan::stream) publishes whole outputs to a subscriber that
                  // may read them slower than they come: Redis's default limit (32 MB behind)
                  // would disconnect it.
                  "--client-output-buffer-limit", "pubsub 0 0 0"},
                 log_);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;  // exited: try another port
      }
      try {
        Redis probe(address_, "", 0.5);
        if (probe.command({"PING"}).str == "PONG") return;
      } catch (const Error&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    if (pid_ > 0) {
      stop_process(pid_, 1.0);
      pid_ = -1;
    }
  }
  throw Error(fmt::format("the embedded redis-server did not start: {}", tail_of_file(log_, 400)));
}

EmbeddedRedis::~EmbeddedRedis() {
  stop();
}

void EmbeddedRedis::stop() {
  if (pid_ > 0) stop_process(pid_, 2.0);
  pid_ = -1;
}

}  // namespace dagplan::exec
