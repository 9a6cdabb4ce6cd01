#pragma once
/// \file
/// Child processes of the real backend: started with a parent-death signal (they die with the
/// process that started them, even when it is killed), stdout and stderr to a file, and stopped
/// with SIGTERM then SIGKILL. The embedded Redis server is one of them. Worker processes get a
/// configuration's vCPU and memory limits (cgroup v2 where the machine allows it, else CPU
/// affinity and RLIMIT_AS).

#include <sched.h>
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "dagplan/exec/redis.hpp"

namespace dagplan::exec {

/// A worker's limits: its configuration's vCPUs (may be fractional) and memory. 0: none.
struct Limits {
  double vcpus = 0;
  std::uint64_t memory_bytes = 0;
};

/// How limits are applied.
/// - kCgroup2: a cgroup v2 per process, `cpu.max` (vcpus x 100 ms per 100 ms) and `memory.max`
///   (resident memory; `memory.swap.max` 0); over its memory the kernel OOM-kills it (SIGKILL).
/// - kRlimit (the fallback): CPU affinity to ceil(vcpus) cores and RLIMIT_AS = memory. RLIMIT_AS
///   bounds *virtual* memory, a stricter bound than the resident memory a platform bills: an
///   allocation past it fails (std::bad_alloc).
/// - kNone: no limits (asked for, or a sanitizer build: ASan reserves terabytes of virtual
///   memory, which any RLIMIT_AS would refuse).
enum class LimitMethod { kNone, kRlimit, kCgroup2 };
/// "none", "rlimit", "cgroup2".
const char* limit_method_name(LimitMethod method);

/// True in an AddressSanitizer build.
bool sanitizer_build();

/// What this machine allows, probed once (per run): cgroup2 when a child cgroup with `cpu` and
/// `memory` enabled can be made, under this process's own cgroup v2 or else beside it (under its
/// parent), and a new process can join it (tried with a probe cgroup, removed); rlimit
/// otherwise; none in a sanitizer build. Never throws.
struct LimitSupport {
  LimitMethod best = LimitMethod::kRlimit;
  /// With cgroup2: the cgroup under which the run's cgroup is made (this process's or its
  /// parent, under the cgroup2 mount).
  std::string cgroup_dir;
  std::string no_cgroup2;         ///< why cgroup2 cannot be used ("" when it can)
  std::vector<std::size_t> cpus;  ///< the CPUs this process may run on (sched_getaffinity)
};
LimitSupport detect_limit_support();

/// The limits spawn() applies to one child, prepared by ProcessLimiter::prepare.
struct AppliedLimits {
  LimitMethod method = LimitMethod::kNone;
  Limits limits;
  cpu_set_t cpus{};       ///< kRlimit with vcpus > 0: the child's affinity
  bool set_cpus = false;  ///< kRlimit: cpus is set
  std::string cgroup;     ///< kCgroup2: the folder the child joins (its cgroup.procs)
};

/// The limits of one run's worker processes: with cgroup2 a cgroup `dagrun-<run id>` under this
/// process's cgroup and one sub-cgroup per process, all removed by the destructor (and by
/// release() as processes end); with rlimit the CPUs handed out round-robin over the allowed
/// ones so that processes spread (the cores with the fewest live processes first).
class ProcessLimiter {
 public:
  /// Throws Error when `method` is kCgroup2 and the run's cgroup cannot be made.
  ProcessLimiter(LimitMethod method, const LimitSupport& support, const std::string& run_id);
  ~ProcessLimiter();
  ProcessLimiter(const ProcessLimiter&) = delete;
  ProcessLimiter& operator=(const ProcessLimiter&) = delete;
  LimitMethod method() const { return method_; }
  /// The limits for a new process called `name` (unique in the run). Throws Error when its
  /// cgroup cannot be made.
  AppliedLimits prepare(const Limits& limits, const std::string& name);
  /// With cgroup2: whether the kernel OOM-killed a process of `name`'s cgroup (memory.events).
  bool oom_killed(const std::string& name) const;
  /// `name`'s process was reaped: its cores are free again; with cgroup2 its cgroup is removed
  /// (best effort).
  void release(const std::string& name);

 private:
  LimitMethod method_;
  std::vector<std::size_t> cpus_;
  std::vector<std::uint32_t> load_;  // rlimit: live processes per core (index into cpus_)
  std::map<std::string, std::vector<std::size_t>> held_;  // rlimit: the cores of each process
  std::size_t next_cpu_ = 0;
  std::string run_dir_;  // cgroup2: the run's cgroup
  std::vector<std::string> made_;
};

/// Starts `argv` (argv[0] looked up on PATH when it has no '/') with stdin from /dev/null and
/// stdout and stderr appended to `log_file`; the child gets SIGKILL when this process dies.
/// `limits` are applied in the child before exec (a failure to apply one fails the start).
/// Throws Error when it cannot be started.
pid_t spawn(const std::vector<std::string>& argv, const std::string& log_file,
            const AppliedLimits& limits = {});

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
