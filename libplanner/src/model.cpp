#include "dagplan/model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "dagplan/error.hpp"

namespace dagplan {

std::int64_t seconds_to_us(double seconds) {
  // Round half away from zero, like llround, without its call overhead on the hot path: the
  // truncation, plus or minus one where the fraction (exact below 2^52 us) reaches a half. (Adding
  // 0.5 before truncating gives the same for every product of seconds by 1e6 in range, but not
  // for every double: clang-tidy's bugprone-incorrect-roundings.)
  double us = seconds * 1e6;
  auto whole = static_cast<std::int64_t>(us);
  double fraction = us - static_cast<double>(whole);
  return whole + (fraction >= 0.5 ? 1 : 0) - (fraction <= -0.5 ? 1 : 0);
}

namespace {
// 1 / (speed * min(vcpus, 1) * clamp(vcpus, 1, max_parallelism)^exponent): see FunctionProfile.
double config_slowdown(const ResourceConfig& c, double max_parallelism, double exponent,
                       bool cluster) {
  double vcpus = cluster ? 1.0 : c.vcpus;  // a cluster worker is one core
  double share = std::min(vcpus, 1.0);
  double parallel = std::clamp(vcpus, 1.0, std::max(1.0, max_parallelism));
  return 1.0 / (c.speed * share * std::pow(parallel, exponent));
}

std::uint32_t slots_of(const ResourceConfig& c, bool cluster) {
  if (cluster) return 1;
  if (c.slots > 0) return c.slots;
  double v = std::floor(c.vcpus + 1e-9);
  return v < 1 ? 1u : static_cast<std::uint32_t>(v);
}
}  // namespace

ExecutionModel::ExecutionModel(const Workflow& w, const Platform& platform, const Profile* profile)
    : workflow_(&w), platform_(platform) {
  const std::size_t n = w.task_count();
  total_input_bytes_.resize(n);
  std::uint64_t dag = 64;
  for (std::uint32_t i = 0; i < n; ++i) {
    TaskId t{i};
    std::uint64_t in = w.input_bytes(t);
    for (TaskId p : w.predecessors(t)) in += w.output_bytes(p);
    total_input_bytes_[i] = in;
    // What a worker needs per task: id, function, sizes, work and dependency ids (JSON-like).
    dag += w.id(t).size() + 48 + std::uint64_t{4} * w.in_degree(t);
    for (TaskId p : w.predecessors(t)) dag += w.id(p).size();
  }
  dag_bytes_ = dag;
  // Groups of functions that share a slowdown table: group 0 is "no profile" (work estimates),
  // group k+1 is profile k. exec_us(t, c) = ref_s(t) x factor(group, c), rounded.
  function_group_.assign(w.function_count(), 0);
  std::vector<FunctionProfile> profiles;
  if (profile) {
    profiles = profile->functions;
    for (std::uint32_t f = 0; f < w.function_count(); ++f) {
      std::string_view name = w.function_name(FunctionId{f});
      for (std::size_t k = 0; k < profiles.size(); ++k)
        if (profiles[k].name == name) function_group_[f] = static_cast<std::uint32_t>(k + 1);
      if (function_group_[f] == 0) unprofiled_.emplace_back(name);
    }
  }
  const bool cluster = platform_.kind == PlatformKind::kCluster;
  const std::size_t configs = platform_.configs.size();
  const std::size_t groups = profiles.size() + 1;
  factor_.resize(groups * configs);
  min_factor_.assign(groups, std::numeric_limits<double>::infinity());
  group_sigma_.assign(groups, 0.0);
  for (std::size_t g = 1; g < groups; ++g) group_sigma_[g] = profiles[g - 1].noise_sigma;
  slots_.resize(configs);
  for (std::size_t c = 0; c < configs; ++c) slots_[c] = slots_of(platform_.configs[c], cluster);
  // The kind's capacity rules. A cluster worker is one core: a machine runs cores_ workers, a
  // configuration count x cores_, the cluster their sum. A serverless platform limits
  // concurrent workers of any configuration.
  worker_vcpus_.resize(configs);
  capacity_.resize(configs);
  cores_.assign(configs, 0);
  if (cluster) machine_begin_.assign(configs + 1, 0);
  max_workers_ = cluster ? 0 : platform_.max_concurrency;
  for (std::size_t c = 0; c < configs; ++c) {
    const ResourceConfig& rc = platform_.configs[c];
    worker_vcpus_[c] = cluster ? 1.0 : std::max(1.0, rc.vcpus);
    if (cluster) {
      cores_[c] = static_cast<std::uint32_t>(std::max(1.0, rc.vcpus));
      capacity_[c] = std::uint64_t{rc.count} * cores_[c];
      max_workers_ += capacity_[c];
      std::uint64_t end = std::uint64_t{machine_begin_[c]} + rc.count;
      if (end > kMaxMachines)
        throw Error(fmt::format(
            "platform '{}': more than {} machines in all (configuration '{}' brings them to {})",
            platform_.name, kMaxMachines, rc.name, end));
      machine_begin_[c + 1] = static_cast<std::uint32_t>(end);
    } else {
      capacity_[c] = platform_.max_concurrency;
    }
  }
  for (std::size_t g = 0; g < groups; ++g) {
    for (std::size_t c = 0; c < configs; ++c) {
      double f = g == 0 ? config_slowdown(platform_.configs[c], 1.0, 1.0, cluster)
                        : config_slowdown(platform_.configs[c], profiles[g - 1].max_parallelism,
                                          profiles[g - 1].vcpu_exponent, cluster);
      factor_[g * configs + c] = f;
      min_factor_[g] = std::min(min_factor_[g], f);
    }
  }
  ref_s_.resize(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    TaskId t{i};
    std::uint32_t g = function_group_[index(w.function(t))];
    if (g == 0) {
      ref_s_[i] = w.work_s(t);
      if (!w.has_work(t)) ++missing_work_;
    } else {
      const FunctionProfile& f = profiles[g - 1];
      ref_s_[i] = std::max(0.0, f.work_scale * w.work_s(t) + f.base_s +
                                    f.per_byte_s * static_cast<double>(total_input_bytes_[i]));
    }
  }
  // Fastest: the configuration with the smallest slowdown for unprofiled work (ties: lower id).
  for (std::size_t c = 1; c < configs; ++c)
    if (factor_[c] < factor_[index(fastest_)]) fastest_ = ConfigId{static_cast<std::uint16_t>(c)};
}

std::int64_t ExecutionModel::exec_us(TaskId t, ConfigId c) const {
  std::uint32_t g = function_group_[index(workflow_->function(t))];
  return seconds_to_us(ref_s_[index(t)] * factor_[g * config_count() + index(c)]);
}

std::int64_t ExecutionModel::min_exec_us(TaskId t) const {
  // Rounding is monotone, so the rounded minimum is the minimum of the rounded values.
  return seconds_to_us(ref_s_[index(t)] *
                       min_factor_[function_group_[index(workflow_->function(t))]]);
}

std::int64_t ExecutionModel::stream_us(std::uint64_t bytes, ConfigId c) const {
  if (bytes == 0) return 0;
  double bw = config(c).bandwidth_bytes_per_s;
  return seconds_to_us(static_cast<double>(bytes) / bw);
}

std::int64_t ExecutionModel::transfer_us(std::uint64_t bytes, ConfigId c) const {
  return platform_.storage_latency_us + stream_us(bytes, c);
}

std::int64_t ExecutionModel::startup_us(ConfigId c, bool warm) const {
  return warm ? config(c).warm_start_us : config(c).cold_start_us;
}

std::int64_t ExecutionModel::dag_fetch_us(ConfigId c) const {
  return dag_bytes_ > platform_.dag_inline_bytes ? transfer_us(dag_bytes_, c) : 0;
}

double ExecutionModel::instance_cost(ConfigId c, std::int64_t billed_us) const {
  if (fixed_machines()) return 0.0;  // a cluster is paid by the makespan
  std::int64_t g = std::max<std::int64_t>(1, platform_.billing_granularity_us);
  std::int64_t rounded = (std::max<std::int64_t>(0, billed_us) + g - 1) / g * g;
  double gb = config(c).memory_mb / 1024.0;
  return static_cast<double>(rounded) / 1e6 * gb * platform_.prices.per_gb_s;
}

double ExecutionModel::invocation_cost(std::uint64_t count) const {
  return fixed_machines() ? 0.0 : static_cast<double>(count) * platform_.prices.per_invocation;
}

double ExecutionModel::storage_cost(std::uint64_t bytes, std::int64_t held_us) const {
  return static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0) * static_cast<double>(held_us) /
         1e6 * platform_.prices.per_storage_gb_s;
}

double ExecutionModel::makespan_cost(std::int64_t makespan_us) const {
  if (!fixed_machines()) return 0.0;
  double cores = 0;
  for (const ResourceConfig& c : platform_.configs) cores += c.vcpus * c.count;
  return cores * static_cast<double>(makespan_us) / 3.6e9 * platform_.prices.per_core_hour;
}

ConfigId ExecutionModel::machine_config(std::uint32_t machine) const {
  auto it = std::upper_bound(machine_begin_.begin(), machine_begin_.end(), machine);
  return ConfigId{static_cast<std::uint16_t>(it - machine_begin_.begin() - 1)};
}

std::string ExecutionModel::machine_name(std::uint32_t machine) const {
  ConfigId c = machine_config(machine);
  if (config(c).count <= 1) return config(c).name;
  return config(c).name + "#" + std::to_string(machine - machine_begin(c));
}

std::int64_t ExecutionModel::direct_stream_us(std::uint64_t bytes, ConfigId from,
                                              ConfigId to) const {
  if (bytes == 0) return 0;
  double bw = std::min(config(from).bandwidth_bytes_per_s, config(to).bandwidth_bytes_per_s);
  return seconds_to_us(static_cast<double>(bytes) / bw);
}

double ExecutionModel::direct_rate(ConfigId from, ConfigId to, std::size_t leaving,
                                   std::size_t arriving) const {
  double out = config(from).bandwidth_bytes_per_s, in = config(to).bandwidth_bytes_per_s;
  if (platform_.links == LinkSharing::kShared) {
    out /= static_cast<double>(std::max<std::size_t>(1, leaving));
    in /= static_cast<double>(std::max<std::size_t>(1, arriving));
  }
  return std::min(out, in);
}

double ExecutionModel::storage_rate(ConfigId c, std::size_t of_worker, std::size_t in_all) const {
  double worker =
      config(c).bandwidth_bytes_per_s / static_cast<double>(std::max<std::size_t>(1, of_worker));
  double storage = platform_.storage_bandwidth_bytes_per_s /
                   static_cast<double>(std::max<std::size_t>(1, in_all));
  return std::min(worker, storage);
}

}  // namespace dagplan
