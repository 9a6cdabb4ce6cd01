#include "dagplan/platform.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_set>

#include "builtin_platforms.hpp"
#include "dagplan/error.hpp"
#include "dagplan/files.hpp"
#include "dagplan/json_reader.hpp"
#include "dagplan/json_writer.hpp"
#include "dagplan/limits.hpp"
#include "dagplan/model.hpp"
#include "dagplan/suggest.hpp"

namespace dagplan {

double default_vcpus(std::uint32_t memory_mb) {
  return std::min(static_cast<double>(memory_mb) / 1792.0, 6.0);
}

std::optional<ConfigId> Platform::find_config(std::string_view config_name) const {
  for (std::size_t i = 0; i < configs.size(); ++i)
    if (configs[i].name == config_name) return ConfigId{static_cast<std::uint16_t>(i)};
  return std::nullopt;
}

std::string Platform::config_names() const {
  std::string out;
  for (const ResourceConfig& c : configs) {
    if (!out.empty()) out += ", ";
    out += c.name;
  }
  return out;
}

namespace {

// Numbers in their ranges (dagplan/limits.hpp).
double bandwidth(JsonReader& r) {
  return r.number_in(limits::kMinBandwidth, limits::kMaxBandwidth, "bandwidth", "bytes/s");
}

double price(JsonReader& r) {
  return r.number_in(0, limits::kMaxPriceUsd, "a price", "USD");
}

// Members shared by serverless configurations and cluster machines.
ResourceConfig read_config(JsonReader& r, bool cluster, double default_bandwidth) {
  ResourceConfig c;
  c.bandwidth_bytes_per_s = default_bandwidth;
  std::string at = r.path();
  bool has_name = false, has_vcpus = false, has_memory = false;
  r.object([&](std::string_view key) {
    if (key == "name") {
      c.name = std::string(r.string());
      if (c.name.empty()) r.fail("expected a non-empty name");
      has_name = true;
    } else if (key == "memory_mb") {
      c.memory_mb = static_cast<std::uint32_t>(r.integer(1, limits::kMaxMemoryMb));
      has_memory = true;
    } else if (key == (cluster ? "cores" : "vcpus")) {
      c.vcpus = r.number_in(limits::kMinVcpus, limits::kMaxVcpus, key);
      has_vcpus = true;
    } else if (key == "speed") {
      c.speed = r.number_in(limits::kMinSpeed, limits::kMaxSpeed, "speed");
    } else if (key == "bandwidth_bytes_per_s") {
      c.bandwidth_bytes_per_s = bandwidth(r);
    } else if (!cluster && key == "slots") {
      c.slots = static_cast<std::uint32_t>(r.integer(1, limits::kMaxSlots));
    } else if (!cluster && key == "cold_start_s") {
      c.cold_start_us = read_seconds_as_us(r);
    } else if (!cluster && key == "warm_start_s") {
      c.warm_start_us = read_seconds_as_us(r);
    } else if (cluster && key == "count") {
      c.count = static_cast<std::uint32_t>(r.integer(1, limits::kMaxMachineCount));
    } else if (key == "description") {
      r.string();
    } else if (cluster) {
      fail_unknown_member(
          r, key,
          {"name", "cores", "memory_mb", "speed", "count", "bandwidth_bytes_per_s", "description"});
    } else {
      fail_unknown_member(r, key,
                          {"name", "memory_mb", "vcpus", "slots", "speed", "bandwidth_bytes_per_s",
                           "cold_start_s", "warm_start_s", "description"});
    }
  });
  if (!has_name) r.fail_at(at, "missing member 'name'");
  if (cluster) {
    if (!has_vcpus) r.fail_at(at, "missing member 'cores'");
    if (c.count == 0) c.count = 1;
  } else {
    if (!has_memory) r.fail_at(at, "missing member 'memory_mb'");
    if (!has_vcpus) c.vcpus = default_vcpus(c.memory_mb);
  }
  if (!(c.bandwidth_bytes_per_s > 0))
    r.fail_at(at,
              "missing member 'bandwidth_bytes_per_s' (and no platform-wide "
              "'network_bandwidth_bytes_per_s')");
  return c;
}

}  // namespace

Platform read_platform(std::string_view text, const std::string& file) {
  JsonReader r(text, file);
  Platform p;
  bool has_format = false, has_kind = false, has_keep_alive = false;
  double network_bandwidth = 0;
  // Configurations are read in a second pass, since 'kind' and the platform-wide bandwidth may
  // come after them in the object.
  std::string configs_path;
  std::string_view configs_key;
  bool has_storage = false;
  std::string transfers_path, links_path, latency_path;  // where they were given, if they were
  if (r.peek() != JsonReader::Kind::kObject) r.fail_expected("a platform object");
  std::vector<ResourceConfig> parsed;
  // First pass: every member but the configuration list, which is only skipped.
  r.object([&](std::string_view key) {
    if (key == "format") {
      read_format(r, "dagplan-platform", 1);
      has_format = true;
    } else if (key == "kind") {
      std::string_view k = r.string();
      if (k == "serverless")
        p.kind = PlatformKind::kServerless;
      else if (k == "cluster")
        p.kind = PlatformKind::kCluster;
      else
        r.fail(fmt::format("expected \"serverless\" or \"cluster\", got \"{}\"", k));
      has_kind = true;
    } else if (key == "name") {
      p.name = std::string(r.string());
    } else if (key == "description") {
      r.string();
    } else if (key == "configs" || key == "machines") {
      if (!configs_key.empty())
        r.fail("give either 'configs' (serverless) or 'machines' (cluster), not both");
      configs_key = key == "configs" ? "configs" : "machines";
      configs_path = r.path();
      r.skip();  // read below, once kind and bandwidth are known
    } else if (key == "network_bandwidth_bytes_per_s") {
      network_bandwidth = bandwidth(r);
    } else if (key == "invoke_latency_s") {
      p.invoke_latency_us = read_seconds_as_us(r);
    } else if (key == "storage") {
      has_storage = true;
      r.object([&](std::string_view k) {
        if (k == "latency_s")
          p.storage_latency_us = read_seconds_as_us(r);
        else if (k == "bandwidth_bytes_per_s")
          p.storage_bandwidth_bytes_per_s = bandwidth(r);
        else if (k == "description")
          r.string();
        else
          fail_unknown_member(r, k, {"latency_s", "bandwidth_bytes_per_s", "description"});
      });
    } else if (key == "keep_alive_s") {
      p.keep_alive_us = read_seconds_as_us(r);
      has_keep_alive = true;
    } else if (key == "max_concurrency") {
      p.max_concurrency = static_cast<std::uint32_t>(r.integer(1, limits::kMaxConcurrency));
    } else if (key == "dag_inline_bytes") {
      p.dag_inline_bytes = r.uint64();
    } else if (key == "bill_startup") {
      p.bill_startup = r.boolean();
    } else if (key == "billing_granularity_s") {
      p.billing_granularity_us = std::max<std::int64_t>(1, read_seconds_as_us(r));
    } else if (key == "dispatch_overhead_s") {
      p.dispatch_overhead_us = read_seconds_as_us(r);
    } else if (key == "transfers") {
      transfers_path = r.path();
      std::string_view v = r.string();
      if (v == "storage")
        p.transfers = TransferMode::kStorage;
      else if (v == "direct")
        p.transfers = TransferMode::kDirect;
      else
        r.fail(fmt::format("expected \"storage\" or \"direct\", got \"{}\"", v));
    } else if (key == "links") {
      links_path = r.path();
      std::string_view v = r.string();
      if (v == "shared")
        p.links = LinkSharing::kShared;
      else if (v == "independent")
        p.links = LinkSharing::kIndependent;
      else
        r.fail(fmt::format("expected \"shared\" or \"independent\", got \"{}\"", v));
    } else if (key == "receive_cpu_s_per_gb") {
      p.receive_cpu_s_per_gb =
          r.number_in(0, limits::kMaxReceiveCpuSPerGb, "a CPU time per GB received", "s/GB");
    } else if (key == "network_latency_s") {
      latency_path = r.path();
      p.network_latency_us = read_seconds_as_us(r);
    } else if (key == "prices") {
      r.object([&](std::string_view k) {
        if (k == "per_gb_s")
          p.prices.per_gb_s = price(r);
        else if (k == "per_invocation")
          p.prices.per_invocation = price(r);
        else if (k == "per_storage_gb_s")
          p.prices.per_storage_gb_s = price(r);
        else if (k == "per_core_hour")
          p.prices.per_core_hour = price(r);
        else if (k == "currency") {
          if (r.string() != "USD") r.fail("expected \"USD\"");
        } else
          fail_unknown_member(
              r, k,
              {"per_gb_s", "per_invocation", "per_storage_gb_s", "per_core_hour", "currency"});
      });
    } else {
      fail_unknown_member(r, key,
                          {"format",
                           "kind",
                           "name",
                           "description",
                           "configs",
                           "machines",
                           "network_bandwidth_bytes_per_s",
                           "invoke_latency_s",
                           "storage",
                           "keep_alive_s",
                           "max_concurrency",
                           "dag_inline_bytes",
                           "bill_startup",
                           "billing_granularity_s",
                           "dispatch_overhead_s",
                           "transfers",
                           "links",
                           "network_latency_s",
                           "receive_cpu_s_per_gb",
                           "prices"});
    }
  });
  r.finish();
  if (!has_format) r.fail_at("$", "missing member 'format' (expected \"dagplan-platform/1\")");
  if (!has_kind) r.fail_at("$", "missing member 'kind' (expected \"serverless\" or \"cluster\")");
  bool cluster = p.kind == PlatformKind::kCluster;
  if (configs_key.empty())
    r.fail_at("$", cluster ? "missing member 'machines'" : "missing member 'configs'");
  if (cluster != (configs_key == "machines"))
    r.fail_at(configs_path, cluster ? "a cluster platform lists 'machines', not 'configs'"
                                    : "a serverless platform lists 'configs', not 'machines'");
  if (!has_storage && !cluster) r.fail_at("$", "missing member 'storage'");
  if (!cluster && p.transfers == TransferMode::kDirect)
    r.fail_at(transfers_path,
              "point-to-point transfers need a cluster platform (kind \"cluster\"); a serverless "
              "platform moves data through storage");
  if (p.transfers != TransferMode::kDirect && !links_path.empty())
    r.fail_at(links_path, "'links' applies to \"transfers\": \"direct\" only");
  if (p.transfers != TransferMode::kDirect && !latency_path.empty())
    r.fail_at(latency_path, "'network_latency_s' applies to \"transfers\": \"direct\" only");
  if (cluster && !has_keep_alive) p.keep_alive_us = 0;

  // Second pass over the same text for the configuration list, now that kind is known.
  JsonReader r2(text, file);
  r2.object([&](std::string_view key) {
    if (key != configs_key) return r2.skip();
    // Names seen so far (a set: a linear search per configuration took 5 s for 65,535).
    std::unordered_set<std::string> names;
    r2.array([&](std::size_t) {
      ResourceConfig c = read_config(r2, cluster, network_bandwidth);
      if (!names.insert(c.name).second)
        r2.fail_at(r2.path(), fmt::format("duplicate configuration name '{}'", c.name));
      parsed.push_back(std::move(c));
    });
  });
  if (parsed.empty()) r.fail_at(configs_path, "expected at least one configuration");
  if (parsed.size() > 65535) r.fail_at(configs_path, "expected at most 65535 configurations");
  std::int64_t machines = 0;
  for (const ResourceConfig& c : parsed) machines += cluster ? c.count : 0;
  if (machines > limits::kMaxMachineCount)
    r.fail_at(configs_path, fmt::format("expected at most {} machines in all, got {}",
                                        limits::kMaxMachineCount, machines));
  p.configs = std::move(parsed);
  if (!cluster && p.storage_bandwidth_bytes_per_s <= 0)
    r.fail_at("$.storage", "missing member 'bandwidth_bytes_per_s'");
  if (cluster && p.storage_bandwidth_bytes_per_s <= 0) p.storage_bandwidth_bytes_per_s = 1e12;
  return p;
}

std::string write_platform(const Platform& p) {
  std::string out;
  JsonWriter w(out);
  bool cluster = p.kind == PlatformKind::kCluster;
  w.begin_object();
  w.member("format", "dagplan-platform/1");
  w.member("kind", cluster ? "cluster" : "serverless");
  w.member("name", p.name);
  w.key(cluster ? "machines" : "configs");
  w.begin_array();
  for (const ResourceConfig& c : p.configs) {
    w.begin_object(true);
    w.member("name", c.name);
    if (c.memory_mb) {
      w.member("memory_mb", c.memory_mb);
    }
    w.member(cluster ? "cores" : "vcpus", c.vcpus);
    w.member("speed", c.speed);
    w.member("bandwidth_bytes_per_s", c.bandwidth_bytes_per_s);
    if (cluster) {
      w.member("count", c.count);
    } else {
      if (c.slots) {
        w.member("slots", c.slots);
      }
      w.member("cold_start_s", us_to_seconds(c.cold_start_us));
      w.member("warm_start_s", us_to_seconds(c.warm_start_us));
    }
    w.end_object();
  }
  w.end_array();
  w.member("invoke_latency_s", us_to_seconds(p.invoke_latency_us));
  w.key("storage");
  w.begin_object(true);
  w.member("latency_s", us_to_seconds(p.storage_latency_us));
  w.member("bandwidth_bytes_per_s", p.storage_bandwidth_bytes_per_s);
  w.end_object();
  w.member("keep_alive_s", us_to_seconds(p.keep_alive_us));
  w.member("max_concurrency", p.max_concurrency);
  w.member("dag_inline_bytes", p.dag_inline_bytes);
  w.member("bill_startup", p.bill_startup);
  w.member("billing_granularity_s", us_to_seconds(p.billing_granularity_us));
  w.member("dispatch_overhead_s", us_to_seconds(p.dispatch_overhead_us));
  if (p.transfers == TransferMode::kDirect) {
    w.member("transfers", "direct");
    w.member("links", p.links == LinkSharing::kShared ? "shared" : "independent");
    w.member("network_latency_s", us_to_seconds(p.network_latency_us));
  }
  if (p.receive_cpu_s_per_gb > 0) w.member("receive_cpu_s_per_gb", p.receive_cpu_s_per_gb);
  w.key("prices");
  w.begin_object(true);
  w.member("per_gb_s", p.prices.per_gb_s);
  w.member("per_invocation", p.prices.per_invocation);
  w.member("per_storage_gb_s", p.prices.per_storage_gb_s);
  w.member("per_core_hour", p.prices.per_core_hour);
  w.end_object();
  w.end_object();
  return out;
}

std::vector<std::string_view> builtin_platform_names() {
  std::vector<std::string_view> names;
  for (const detail::BuiltinPlatform& b : detail::builtin_platforms()) names.push_back(b.name);
  return names;
}

Platform load_platform(const std::string& name_or_path) {
  bool is_path = name_or_path.find('/') != std::string::npos ||
                 (name_or_path.size() > 5 && name_or_path.ends_with(".json")) ||
                 name_or_path == "-";
  if (!is_path) {
    for (const detail::BuiltinPlatform& b : detail::builtin_platforms())
      if (b.name == name_or_path)
        return read_platform(b.json, fmt::format("<built-in platform {}>", b.name));
    // Plans record a platform by the name inside it, which may differ from its file name.
    for (const detail::BuiltinPlatform& b : detail::builtin_platforms()) {
      Platform p = read_platform(b.json, fmt::format("<built-in platform {}>", b.name));
      if (p.name == name_or_path) return p;
    }
    std::vector<std::string_view> names = builtin_platform_names();
    throw UsageError(unknown_name_message("platform", name_or_path, names) +
                     " - or give the path of a platform file");
  }
  std::string text = read_text_file(name_or_path);
  return read_platform(text, name_or_path == "-" ? "<stdin>" : name_or_path);
}

}  // namespace dagplan
