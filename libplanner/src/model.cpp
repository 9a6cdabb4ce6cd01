#include "dagplan/model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

#include "dagplan/error.hpp"
#include "dagplan/limits.hpp"
#include "dagplan/plan.hpp"

namespace dagplan {

std::int64_t seconds_to_us(double seconds) {
  // Round half away from zero, like llround, without its call overhead on the hot path: the
  // truncation, plus or minus one where the fraction (exact below 2^52 us) reaches a half. (Adding
  // 0.5 before truncating gives the same for every product of seconds by 1e6 in range, but not
  // for every double: clang-tidy's bugprone-incorrect-roundings.)
  double us = seconds * 1e6;
  // The model's checks keep every duration within the horizon (dagplan/limits.hpp); beyond it
  // the conversion below would be undefined.
  assert(std::fabs(us) <= static_cast<double>(limits::kHorizonUs));
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

// The platform's numbers in their ranges (dagplan/limits.hpp). read_platform() and
// apply_profile() check every value they read; this catches a platform made or changed in code,
// before a division by a zero bandwidth or a conversion of an infinite time.
void check_platform(const Platform& p) {
  const std::string file = fmt::format("platform '{}'", p.name);
  auto in = [&](double v, double min, double max, const std::string& path, std::string_view what) {
    if (!(v >= min && v <= max))
      throw InputError(file, path,
                       fmt::format("expected {} in [{:g}, {:g}], got {}", what, min, max, v));
  };
  auto time = [&](std::int64_t us, const std::string& path) {
    if (us < 0 || us > limits::kMaxDurationUs)
      throw InputError(
          file, path,
          fmt::format("expected a duration in [0, {}] us, got {} us", limits::kMaxDurationUs, us));
  };
  const bool cluster = p.kind == PlatformKind::kCluster;
  const char* list = cluster ? "$.machines" : "$.configs";
  if (p.configs.empty()) throw InputError(file, list, "expected at least one configuration");
  if (p.configs.size() > static_cast<std::size_t>(limits::kMaxConfigs))
    throw InputError(file, list, "expected at most 65535 configurations");
  for (std::size_t i = 0; i < p.configs.size(); ++i) {
    const ResourceConfig& c = p.configs[i];
    const std::string at = fmt::format("$.{}[{}]", cluster ? "machines" : "configs", i);
    in(c.vcpus, limits::kMinVcpus, limits::kMaxVcpus, at + (cluster ? ".cores" : ".vcpus"),
       cluster ? "cores" : "vCPUs");
    in(c.speed, limits::kMinSpeed, limits::kMaxSpeed, at + ".speed", "a speed");
    in(c.bandwidth_bytes_per_s, limits::kMinBandwidth, limits::kMaxBandwidth,
       at + ".bandwidth_bytes_per_s", "a bandwidth in bytes/s");
    in(c.memory_mb, 0, static_cast<double>(limits::kMaxMemoryMb), at + ".memory_mb",
       "a memory size in MB");
    time(c.cold_start_us, at + ".cold_start_s");
    time(c.warm_start_us, at + ".warm_start_s");
  }
  time(p.invoke_latency_us, "$.invoke_latency_s");
  time(p.storage_latency_us, "$.storage.latency_s");
  time(p.keep_alive_us, "$.keep_alive_s");
  time(p.billing_granularity_us, "$.billing_granularity_s");
  time(p.dispatch_overhead_us, "$.dispatch_overhead_s");
  in(p.storage_bandwidth_bytes_per_s, limits::kMinBandwidth, limits::kMaxBandwidth,
     "$.storage.bandwidth_bytes_per_s", "a bandwidth in bytes/s");
  in(p.receive_cpu_s_per_gb, 0, limits::kMaxReceiveCpuSPerGb, "$.receive_cpu_s_per_gb",
     "a CPU time per GB received in s/GB");
  const std::pair<double, const char*> prices[] = {
      {p.prices.per_gb_s, "$.prices.per_gb_s"},
      {p.prices.per_invocation, "$.prices.per_invocation"},
      {p.prices.per_storage_gb_s, "$.prices.per_storage_gb_s"},
      {p.prices.per_core_hour, "$.prices.per_core_hour"}};
  for (const auto& [v, path] : prices) in(v, 0, limits::kMaxPriceUsd, path, "a price in USD");
}

// A profile made in code skipped read_profile()'s checks: its coefficients, in their ranges.
void check_profile(const std::vector<FunctionProfile>& profiles, const std::string& file) {
  for (std::size_t k = 0; k < profiles.size(); ++k) {
    const FunctionProfile& f = profiles[k];
    const std::pair<double, double> range[] = {
        {0, limits::kMaxWorkScale},    {0, limits::kMaxDurationS}, {0, limits::kMaxPerByteS},
        {0, limits::kMaxVcpuExponent}, {1, limits::kMaxVcpus},     {0, limits::kMaxNoiseSigma}};
    const double value[] = {f.work_scale,    f.base_s,          f.per_byte_s,
                            f.vcpu_exponent, f.max_parallelism, f.noise_sigma};
    const char* name[] = {"work_scale",    "base_s",          "per_byte_s",
                          "vcpu_exponent", "max_parallelism", "noise_sigma"};
    for (std::size_t j = 0; j < 6; ++j)
      if (!(value[j] >= range[j].first && value[j] <= range[j].second))
        throw InputError(file, fmt::format("$.functions[{}].{}", k, name[j]),
                         fmt::format("expected {} in [{:g}, {:g}], got {}", name[j], range[j].first,
                                     range[j].second, value[j]));
  }
}

constexpr double kSecondsPerYear = 365.25 * 86400;
}  // namespace

std::uint64_t dag_task_bytes(const Workflow& w, TaskId t) {
  // What a worker needs per task: id, function, sizes, work and dependency ids (JSON-like).
  std::uint64_t bytes = w.id(t).size() + 48 + std::uint64_t{4} * w.in_degree(t);
  for (TaskId p : w.predecessors(t)) bytes += w.id(p).size();
  return bytes;
}

DagPart dag_part(const Workflow& w, const Plan& plan, std::span<const TaskId> tasks) {
  DagPart part;
  part.tasks.assign(tasks.begin(), tasks.end());
  auto mine = [&](TaskId t) { return std::binary_search(tasks.begin(), tasks.end(), t); };
  std::vector<std::pair<TaskId, std::uint32_t>> edges;  // (other, index of the task in the part)
  for (std::uint32_t k = 0; k < tasks.size(); ++k) {
    for (TaskId q : w.predecessors(tasks[k]))
      if (!mine(q)) edges.emplace_back(q, k);
    for (TaskId q : w.successors(tasks[k]))
      if (!mine(q)) edges.emplace_back(q, k);
  }
  // The second hops (decision 0034), as (producer, consumer) edges between two others; the
  // producers the worker runs as duplicates.
  std::vector<std::pair<TaskId, TaskId>> hops;
  std::vector<TaskId> runs;
  if (!plan.dup.empty()) {
    for (TaskId t : tasks) {
      // Rule 9, the consumer's side: the duplicate's inputs (run_inputs()). A producer of the
      // worker's own has its edge to it as a link already.
      const std::uint32_t d = plan.duplicate(index(t));
      if (d == kNoDup || mine(TaskId{d})) continue;
      runs.push_back(TaskId{d});
      for (TaskId q : w.predecessors(TaskId{d}))
        if (!mine(q)) hops.emplace_back(q, TaskId{d});
    }
    for (TaskId p : tasks)
      for (TaskId s : w.successors(p)) {
        if (mine(s)) continue;  // then s -> c is a link of c's, or c is the worker's
        // Rule 9, the producer's side: a task that duplicates a successor of p is counted by p
        // (counted_children()), found through the edge from the task it duplicates.
        for (TaskId c : w.successors(s))
          if (plan.duplicate(index(c)) == index(s) && !mine(c)) hops.emplace_back(s, c);
      }
  }
  if (!plan.delay_io.empty())
    for (TaskId p : tasks)
      for (TaskId s : w.successors(p)) {
        if (mine(s)) continue;
        // Rule 11: the producer that delays its I/O for fan-in s (at most one, check_plan()),
        // which waits for the others' counts (delayed_producers()).
        for (TaskId h : w.predecessors(s))
          if (h != p && !mine(h) && plan.delayed_io(index(h)) != kNoDelay) hops.emplace_back(h, s);
      }
  // The others: each once, sorted, with their links.
  std::vector<TaskId> all;
  all.reserve(edges.size() + 2 * hops.size());
  for (const auto& e : edges) all.push_back(e.first);
  for (const auto& [q, c] : hops) all.insert(all.end(), {q, c});
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  part.others = std::move(all);
  part.links.resize(part.others.size());
  auto other = [&](TaskId q) {
    return static_cast<std::uint32_t>(std::lower_bound(part.others.begin(), part.others.end(), q) -
                                      part.others.begin());
  };
  std::sort(edges.begin(), edges.end());
  for (const auto& [q, k] : edges) part.links[other(q)].push_back(k);
  part.hops.reserve(hops.size());
  for (const auto& [q, c] : hops) part.hops.emplace_back(other(q), other(c));
  std::sort(part.hops.begin(), part.hops.end());
  part.hops.erase(std::unique(part.hops.begin(), part.hops.end()), part.hops.end());
  for (TaskId d : runs) part.runs.push_back(other(d));
  std::sort(part.runs.begin(), part.runs.end());
  part.runs.erase(std::unique(part.runs.begin(), part.runs.end()), part.runs.end());
  return part;
}

std::uint64_t dag_part_bytes(const Workflow& w, const DagPart& part) {
  std::uint64_t bytes = 64;
  for (TaskId t : part.tasks) bytes += dag_task_bytes(w, t);
  for (std::size_t i = 0; i < part.others.size(); ++i)
    bytes += w.id(part.others[i]).size() + 20 + std::uint64_t{4} * part.links[i].size();
  return bytes + std::uint64_t{8} * part.hops.size() + std::uint64_t{28} * part.runs.size();
}

std::uint64_t dag_part_bytes(const Workflow& w, const Plan& plan, std::span<const TaskId> tasks) {
  return dag_part_bytes(w, dag_part(w, plan, tasks));
}

std::vector<CodePackage> code_packages(const ExecutionModel& m, const Plan& plan) {
  std::vector<CodePackage> out;
  if (!m.counts_code()) return out;
  const Workflow& w = m.workflow();
  // (configuration, function) pairs the plan runs, each once.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> runs;
  for (std::uint32_t t = 0; t < w.task_count(); ++t) {
    const FunctionId f = w.function(TaskId{t});
    if (m.code_bytes(f) > 0) runs.emplace_back(index(plan.task_config[t]), index(f));
  }
  std::sort(runs.begin(), runs.end());
  runs.erase(std::unique(runs.begin(), runs.end()), runs.end());
  if (runs.empty()) return out;
  out.resize(m.config_count());
  for (const auto& [c, f] : runs) {
    out[c].functions.push_back(FunctionId{f});
    out[c].bytes += m.code_bytes(FunctionId{f});
  }
  return out;
}

ExecutionModel::ExecutionModel(const Workflow& w, const Platform& platform, const Profile* profile)
    : workflow_(&w), platform_(platform) {
  check_platform(platform_);
  const std::size_t n = w.task_count();
  total_input_bytes_.resize(n);
  std::uint64_t dag = 64;
  // For the range checks: the largest inputs and output, and all the bytes a run moves at most
  // (at most 2^60 each: WorkflowBuilder::build() saw to it, so the sums cannot overflow).
  RunTotals totals;
  for (std::uint32_t i = 0; i < n; ++i) {
    TaskId t{i};
    std::uint64_t in = w.input_bytes(t);
    for (TaskId p : w.predecessors(t)) in += w.output_bytes(p);
    total_input_bytes_[i] = in;
    totals.max_input_bytes = std::max(totals.max_input_bytes, in);
    totals.max_output_bytes = std::max(totals.max_output_bytes, w.output_bytes(t));
    totals.bytes += in + w.output_bytes(t);
    dag += dag_task_bytes(w, t);
  }
  dag_bytes_ = dag;
  // Groups of functions that share a slowdown table: group 0 is "no profile" (work estimates),
  // group k+1 is profile k. exec_us(t, c) = ref_s(t) x factor(group, c), rounded.
  function_group_.assign(w.function_count(), 0);
  std::vector<FunctionProfile> profiles;
  const std::string profile_file =
      profile && !profile->file.empty() ? profile->file : std::string("<profile>");
  if (profile) {
    profiles = profile->functions;
    check_profile(profiles, profile_file);
    for (std::uint32_t f = 0; f < w.function_count(); ++f) {
      std::string_view name = w.function_name(FunctionId{f});
      for (std::size_t k = 0; k < profiles.size(); ++k)
        if (profiles[k].name == name) function_group_[f] = static_cast<std::uint32_t>(k + 1);
      if (function_group_[f] == 0) unprofiled_.emplace_back(name);
      if (function_group_[f] != 0 && profiles[function_group_[f] - 1].code_bytes > 0) {
        if (code_bytes_.empty()) code_bytes_.assign(w.function_count(), 0);
        code_bytes_[f] = profiles[function_group_[f] - 1].code_bytes;
      }
    }
  }
  const bool cluster = platform_.kind == PlatformKind::kCluster;
  const std::size_t configs = platform_.configs.size();
  const std::size_t groups = profiles.size() + 1;
  factor_.resize(groups * configs);
  min_factor_.assign(groups, std::numeric_limits<double>::infinity());
  totals.slowest.assign(groups, 0);
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
      if (f > factor_[g * configs + totals.slowest[g]]) totals.slowest[g] = c;
    }
  }
  std::vector<double> max_factor(groups);
  for (std::size_t g = 0; g < groups; ++g) max_factor[g] = factor_[g * configs + totals.slowest[g]];
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
    // The task's longest execution, and its reference time, in range (limits.hpp).
    const double longest_s = ref_s_[i] * max_factor[g];
    totals.exec_s += longest_s;
    if (!(longest_s <= limits::kMaxDurationS && ref_s_[i] <= limits::kMaxDurationS))
      fail_execution(t, g, profiles, profile_file, totals);
  }
  // Fastest: the configuration with the smallest slowdown for unprofiled work (ties: lower id).
  for (std::size_t c = 1; c < configs; ++c)
    if (factor_[c] < factor_[index(fastest_)]) fastest_ = ConfigId{static_cast<std::uint16_t>(c)};
  check_run(totals);
}

std::string ExecutionModel::workflow_file() const {
  return workflow_->file().empty() ? std::string("<workflow>") : workflow_->file();
}

std::string ExecutionModel::config_description(std::size_t c) const {
  return fmt::format("configuration '{}' of platform '{}'", platform_.configs[c].name,
                     platform_.name);
}

void ExecutionModel::fail_execution(TaskId t, std::uint32_t g,
                                    const std::vector<FunctionProfile>& profiles,
                                    const std::string& profile_file,
                                    const RunTotals& totals) const {
  const Workflow& w = *workflow_;
  const double ref = ref_s_[index(t)];
  if (g > 0 && !(ref <= limits::kMaxDurationS)) {
    const FunctionProfile& f = profiles[g - 1];
    throw InputError(
        profile_file, fmt::format("$.functions[{}]", g - 1),
        fmt::format("function '{}': work_scale x work_s + base_s + per_byte_s x input bytes = "
                    "{:g} x {:g} + {:g} + {:g} x {} = {:.4g} s for task '{}' of {}, expected at "
                    "most {:g} s (about 31.7 years)",
                    f.name, f.work_scale, w.work_s(t), f.base_s, f.per_byte_s,
                    total_input_bytes_[index(t)], ref, w.id(t), workflow_file(),
                    limits::kMaxDurationS));
  }
  const std::size_t c = totals.slowest[g];
  const ResourceConfig& rc = platform_.configs[c];
  throw InputError(
      workflow_file(), "",
      fmt::format(
          "task '{}' would execute for {:.4g} s on {} ({:.4g} s of reference work{} at "
          "speed {:g} with {:.3g} vCPUs), expected at most {:g} s (about 31.7 years)",
          w.id(t), ref * factor_[g * platform_.configs.size() + c], config_description(c), ref,
          g > 0
              ? fmt::format(" from function '{}' of profile {}", profiles[g - 1].name, profile_file)
              : std::string(),
          rc.speed, rc.vcpus, limits::kMaxDurationS));
}

void ExecutionModel::check_run(const RunTotals& totals) {
  // Every value that entered is in its range (the readers and check_platform() saw to it), and
  // so is each task's execution (checked as it was computed). Left: the transfers (a task's
  // bytes over the lowest bandwidth) and the length of a whole run, both in doubles, which the
  // input ranges keep finite.
  const Workflow& w = *workflow_;
  std::size_t narrowest = 0;
  std::int64_t startup_us = 0;
  for (std::size_t c = 0; c < platform_.configs.size(); ++c) {
    const ResourceConfig& rc = platform_.configs[c];
    if (rc.bandwidth_bytes_per_s < platform_.configs[narrowest].bandwidth_bytes_per_s)
      narrowest = c;
    startup_us = std::max({startup_us, rc.cold_start_us, rc.warm_start_us});
  }
  const double min_bandwidth = platform_.configs[narrowest].bandwidth_bytes_per_s;
  auto check_transfer = [&](std::uint64_t bytes, const std::string& what) {
    double s = static_cast<double>(bytes) / min_bandwidth;
    if (s > limits::kMaxDurationS)
      throw InputError(
          workflow_file(), "",
          fmt::format("{} ({} bytes) over the bandwidth of {} ({:g} bytes/s) would take {:.4g} s, "
                      "expected at most {:g} s (about 31.7 years)",
                      what, bytes, config_description(narrowest), min_bandwidth, s,
                      limits::kMaxDurationS));
  };
  const std::uint64_t dag_fetch_bytes = dag_bytes_ > platform_.dag_inline_bytes ? dag_bytes_ : 0;
  check_transfer(dag_fetch_bytes, "fetching the DAG at start-up");
  // Rule 12: a cold start fetches at most every function's code.
  std::uint64_t code_fetch_bytes = 0;
  for (std::uint64_t b : code_bytes_)
    code_fetch_bytes = std::min(code_fetch_bytes + b, limits::kMaxTotalBytes);
  check_transfer(code_fetch_bytes, "fetching the functions' code at start-up");
  // The task with the largest inputs or output, found again only when they are too large.
  if (static_cast<double>(std::max(totals.max_input_bytes, totals.max_output_bytes)) /
          min_bandwidth >
      limits::kMaxDurationS) {
    for (std::uint32_t i = 0; i < w.task_count(); ++i) {
      TaskId t{i};
      check_transfer(total_input_bytes_[i],
                     fmt::format("reading the inputs of task '{}'", w.id(t)));
      check_transfer(w.output_bytes(t), fmt::format("writing the output of task '{}'", w.id(t)));
    }
  }

  // The bound of a run's length: per task, its longest execution, its bytes at the lowest
  // bandwidth of a configuration or the storage (the simulator shares the storage's too), an
  // invocation, the longest start-up, a DAG fetch, a dispatch and four storage operations
  // (download, upload, counter updates, ready events); per edge, a storage operation and an
  // invocation (and a point-to-point transfer's latency); once, a keep-alive and a billing
  // granularity.
  const double run_bandwidth = std::min(min_bandwidth, platform_.storage_bandwidth_bytes_per_s);
  const double storage_us = static_cast<double>(platform_.storage_latency_us);
  const double per_edge_us = storage_us + static_cast<double>(platform_.invoke_latency_us) +
                             static_cast<double>(platform_.network_latency_us);
  const double per_task_us =
      static_cast<double>(platform_.invoke_latency_us) + static_cast<double>(startup_us) +
      static_cast<double>(platform_.dispatch_overhead_us) + 4 * storage_us +
      (dag_fetch_bytes > 0 ? storage_us + static_cast<double>(dag_fetch_bytes) / min_bandwidth * 1e6
                           : 0.0) +
      (code_fetch_bytes > 0
           ? storage_us + static_cast<double>(code_fetch_bytes) / min_bandwidth * 1e6
           : 0.0);
  const double bound_us = totals.exec_s * 1e6 +
                          static_cast<double>(totals.bytes) / run_bandwidth * 1e6 +
                          per_task_us * static_cast<double>(w.task_count()) +
                          per_edge_us * static_cast<double>(w.edge_count()) +
                          static_cast<double>(platform_.keep_alive_us) +
                          static_cast<double>(platform_.billing_granularity_us);
  if (!(bound_us <= static_cast<double>(limits::kHorizonUs))) {
    // Name the task with the largest part.
    const std::size_t configs = platform_.configs.size();
    double largest_us = -1;
    std::uint32_t largest = 0;
    for (std::uint32_t i = 0; i < w.task_count(); ++i) {
      TaskId t{i};
      std::uint32_t g = function_group_[index(w.function(t))];
      double task_us =
          ref_s_[i] * factor_[g * configs + totals.slowest[g]] * 1e6 +
          static_cast<double>(total_input_bytes_[i] + w.output_bytes(t)) / run_bandwidth * 1e6 +
          per_task_us + per_edge_us * w.out_degree(t);
      if (task_us > largest_us) {
        largest_us = task_us;
        largest = i;
      }
    }
    throw InputError(
        workflow_file(), "",
        fmt::format("a run of workflow '{}' on platform '{}' could last up to {:.4g} s (about "
                    "{:.3g} years: per task, its longest execution, its transfers at the lowest "
                    "bandwidth, a start-up and its latencies), beyond the horizon of 2^61 us "
                    "(about 73,000 years) that every time of a run must stay within; the largest "
                    "part is task '{}' ({:.4g} s)",
                    w.name(), platform_.name, bound_us / 1e6, bound_us / 1e6 / kSecondsPerYear,
                    w.id(TaskId{largest}), largest_us / 1e6));
  }
  run_bound_us_ = static_cast<std::int64_t>(bound_us);
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

bool ExecutionModel::receive_takes_cpu(ConfigId c) const {
  return platform_.receive_cpu_s_per_gb > 0 && slots(c) == 1 && worker_vcpus(c) < 2;
}

std::int64_t ExecutionModel::receive_cpu_us(std::uint64_t bytes, ConfigId c) const {
  if (!receive_takes_cpu(c)) return 0;
  return seconds_to_us(static_cast<double>(bytes) * 1e-9 * platform_.receive_cpu_s_per_gb);
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
