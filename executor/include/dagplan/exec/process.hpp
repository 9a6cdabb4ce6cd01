#pragma once
/// \file
/// Child processes of the real backend: started with a parent-death signal (they die with the
/// process that started them, even when it is killed), stdout and stderr to a file, and stopped
/// with SIGTERM then SIGKILL. The embedded Redis server is one of them.

#include <sys/types.h>

#include <string>
#include <vector>

#include "dagplan/exec/redis.hpp"

namespace dagplan::exec {

/// Starts `argv` (argv[0] looked up on PATH when it has no '/') with stdin from /dev/null and
/// stdout and stderr appended to `log_file`; the child gets SIGKILL when this process dies.
/// Throws Error when it cannot be started.
pid_t spawn(const std::vector<std::string>& argv, const std::string& log_file);

/// Sends SIGTERM, waits up to `grace_s`, then SIGKILL, and reaps it. Returns its wait status.
int stop_process(pid_t pid, double grace_s);

/// The last `max_bytes` of a file (an error excerpt), "" when it cannot be read.
std::string tail_of_file(const std::string& path, std::size_t max_bytes);

/// `s` quoted for /bin/sh: in single quotes, each single quote written '\''.
std::string shell_quote(const std::string& s);

/// A private temporary folder, removed with its contents by the destructor.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// A private redis-server on a free loopback port, without persistence, for one run: started by
/// the constructor (which waits until it answers PING, within a few seconds), stopped by the
/// destructor. Throws Error naming what failed (redis-server missing, not answering).
class EmbeddedRedis {
 public:
  explicit EmbeddedRedis(const std::string& work_dir);
  ~EmbeddedRedis();
  EmbeddedRedis(const EmbeddedRedis&) = delete;
  EmbeddedRedis& operator=(const EmbeddedRedis&) = delete;
  const RedisAddress& address() const { return address_; }
  pid_t pid() const { return pid_; }
  /// Stops it now (idempotent).
  void stop();

 private:
  RedisAddress address_;
  pid_t pid_ = -1;
  std::string log_;
};

}  // namespace dagplan::exec
