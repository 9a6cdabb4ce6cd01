#include "dagplan/exec/process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "dagplan/error.hpp"

namespace dagplan::exec {

pid_t spawn(const std::vector<std::string>& argv, const std::string& log_file) {
  if (argv.empty()) throw Error("spawn: empty command");
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = getpid();
  // A pipe closed on exec: the child writes errno into it when exec fails.
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw Error(fmt::format("spawn: pipe: {}", std::strerror(errno)));
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    throw Error(fmt::format("spawn {}: fork: {}", argv[0], std::strerror(errno)));
  }
  if (pid == 0) {
    // The child: die with the parent (and if it is already gone, now).
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    setpgid(0, 0);  // its own process group: a terminal's Ctrl-C goes to dagrun, which stops it
    int in = open("/dev/null", O_RDONLY);
    int out = open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (in >= 0) dup2(in, 0);
    if (out >= 0) {
      dup2(out, 1);
      dup2(out, 2);
    }
    close(fds[0]);
    execvp(args[0], args.data());
    int e = errno;
    ssize_t ignored = write(fds[1], &e, sizeof e);
    (void)ignored;
    _exit(127);
  }
  close(fds[1]);
  int child_errno = 0;
  ssize_t got = read(fds[0], &child_errno, sizeof child_errno);
  close(fds[0]);
  if (got == static_cast<ssize_t>(sizeof child_errno)) {
    waitpid(pid, nullptr, 0);
    throw Error(fmt::format("cannot start '{}': {}", argv[0], std::strerror(child_errno)));
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
                  "--daemonize", "no", "--loglevel", "warning", "--databases", "1"},
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
