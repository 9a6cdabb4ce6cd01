#pragma once
/// \file
/// The platform model: what workers can be (resource configurations), what starting, invoking,
/// storing and moving data costs in time and money. Two kinds share one representation:
/// `serverless` (containers of a chosen memory size, cold/warm starts, keep-alive) and `cluster`
/// (a fixed set of machines with cores, a per-task dispatch overhead, no start-up).
/// All times inside the library are integer microseconds (`_us`).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dagplan {

/// Index of a resource configuration in Platform::configs.
enum class ConfigId : std::uint16_t {};
constexpr std::uint16_t index(ConfigId c) {
  return static_cast<std::uint16_t>(c);
}

enum class PlatformKind { kServerless, kCluster };

/// How a task's output reaches a consumer on another worker (docs/decisions/0007).
enum class TransferMode {
  /// Through the shared storage: the producer uploads, the consumer downloads; both transfers
  /// occupy the worker (serverless platforms, and clusters with a shared file system).
  kStorage,
  /// Point to point between machines (cluster only): bytes over the network, started when the
  /// producer is done and the consumer's machine is known, occupying neither core; free on the
  /// same machine. Outputs stay on the machine that made them.
  kDirect,
};

/// Whether concurrent point-to-point transfers share a machine's network link.
enum class LinkSharing {
  /// One link per machine, full duplex: transfers leaving a machine share its bandwidth, and so
  /// do transfers arriving (the simulator; the predictor is contention-free).
  kShared,
  /// Every transfer has the full bandwidth of the slower end (the textbook model of HEFT).
  kIndependent,
};

/// One kind of worker: a memory size on a serverless platform, a machine type on a cluster.
struct ResourceConfig {
  std::string name;
  std::uint32_t memory_mb = 0;
  /// vCPUs (cores on a cluster). Serverless default: min(memory_mb / 1792, 6) as on AWS Lambda.
  double vcpus = 1.0;
  /// Speed of one vCPU relative to the reference vCPU that work estimates are given for.
  double speed = 1.0;
  /// Network bandwidth of one worker to storage, bytes per second.
  double bandwidth_bytes_per_s = 0;
  std::int64_t cold_start_us = 0;
  std::int64_t warm_start_us = 0;
  /// Cluster: how many machines of this type exist. Serverless: 0 (limited by max_concurrency).
  std::uint32_t count = 0;
  /// Tasks a worker runs at once; 0 = max(1, floor(vcpus)). More slots than vCPUs make tasks
  /// share the vCPUs (the simulator models it; the predictor assumes each task has a full vCPU).
  std::uint32_t slots = 0;
};

/// Prices in US dollars.
struct Prices {
  double per_gb_s = 0;          ///< per GB of memory per second of billed worker time
  double per_invocation = 0;    ///< per invocation (pre-warms included)
  double per_storage_gb_s = 0;  ///< per GB held in storage per second
  double per_core_hour = 0;     ///< cluster: per core per hour of the run's makespan
};

struct Platform {
  PlatformKind kind = PlatformKind::kServerless;
  std::string name;
  std::vector<ResourceConfig> configs;
  std::int64_t invoke_latency_us = 0;           ///< client or worker -> new worker invocation
  std::int64_t storage_latency_us = 0;          ///< one storage operation (GET, SET, INCR, PUBLISH)
  double storage_bandwidth_bytes_per_s = 0;     ///< aggregate storage bandwidth, shared by all
  std::int64_t keep_alive_us = 7'000'000;       ///< how long an idle container stays warm
  std::uint32_t max_concurrency = 1000;         ///< workers running at once
  std::uint64_t dag_inline_bytes = 256u << 10;  ///< the DAG travels in the invocation below this
  bool bill_startup = true;                     ///< billed time includes cold/warm start
  std::int64_t billing_granularity_us = 1000;   ///< billed time rounds up to a multiple of this
  std::int64_t dispatch_overhead_us = 0;        ///< cluster: scheduler overhead per task
  TransferMode transfers = TransferMode::kStorage;  ///< how outputs reach other workers
  LinkSharing links = LinkSharing::kShared;         ///< direct transfers: shared machine links?
  std::int64_t network_latency_us = 0;              ///< direct transfers: latency of one transfer
  /// Pre-load: CPU seconds a worker spends receiving 1 GB, taken from a task computing on the
  /// same vCPU (ExecutionModel::receive_cpu_us()); 0: receiving is free (decision 0028).
  double receive_cpu_s_per_gb = 0;
  Prices prices;

  /// Whether its configurations are machines that workers can be pinned to (a cluster).
  bool has_machines() const { return kind == PlatformKind::kCluster; }
  /// Looks a configuration up by name.
  std::optional<ConfigId> find_config(std::string_view name) const;
  /// Names of all configurations, comma-separated (for error messages).
  std::string config_names() const;
};

/// Default vCPUs of a serverless configuration: min(memory_mb / 1792, 6).
double default_vcpus(std::uint32_t memory_mb);

/// Names of the platforms built into the library: copies of examples/platforms/*.json
/// ("aws-lambda", "local", "cluster"). The first is the default.
std::vector<std::string_view> builtin_platform_names();

/// A built-in platform by name, or a platform file by path (anything containing '/' or ending
/// in ".json" is a path). Throws InputError for a bad file, UsageError for an unknown name.
Platform load_platform(const std::string& name_or_path);

/// Reads a `dagplan-platform/1` document. Throws InputError naming `file` and the JSON path.
Platform read_platform(std::string_view text, const std::string& file);
/// Serialises a platform as a `dagplan-platform/1` document.
std::string write_platform(const Platform& platform);

}  // namespace dagplan
