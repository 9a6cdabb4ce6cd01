#include "dagplan/profile.hpp"

#include <fmt/format.h>

#include "dagplan/error.hpp"
#include "dagplan/json_reader.hpp"
#include "dagplan/json_writer.hpp"
#include "dagplan/limits.hpp"
#include "dagplan/model.hpp"

namespace dagplan {

const FunctionProfile* Profile::find_function(std::string_view name) const {
  for (const FunctionProfile& f : functions)
    if (f.name == name) return &f;
  return nullptr;
}

namespace {
// A measured value of a profile made in code (read_profile checks the values it reads) must be
// in its range (dagplan/limits.hpp) before it reaches the platform.
double checked(const std::optional<Measured>& m, double min, double max, const std::string& file,
               const std::string& path) {
  double v = m->value;
  if (!(v >= min && v <= max))
    throw InputError(file, path + ".value",
                     fmt::format("expected a value in [{:g}, {:g}], got {}", min, max, v));
  return v;
}

std::int64_t checked_us(const std::optional<Measured>& m, const std::string& file,
                        const std::string& path) {
  return seconds_to_us(checked(m, 0, limits::kMaxDurationS, file, path));
}
}  // namespace

Platform apply_profile(const Platform& platform, const Profile& profile,
                       const std::string& profile_file) {
  Platform p = platform;
  const std::string& f = profile_file;
  if (profile.invoke_latency_s)
    p.invoke_latency_us = checked_us(profile.invoke_latency_s, f, "$.invoke_latency_s");
  if (profile.storage_latency_s)
    p.storage_latency_us = checked_us(profile.storage_latency_s, f, "$.storage_latency_s");
  if (profile.storage_bandwidth_bytes_per_s)
    p.storage_bandwidth_bytes_per_s =
        checked(profile.storage_bandwidth_bytes_per_s, limits::kMinBandwidth, limits::kMaxBandwidth,
                f, "$.storage_bandwidth_bytes_per_s");
  if (profile.dispatch_overhead_s)
    p.dispatch_overhead_us = checked_us(profile.dispatch_overhead_s, f, "$.dispatch_overhead_s");
  for (std::size_t i = 0; i < profile.configs.size(); ++i) {
    const ConfigProfile& cp = profile.configs[i];
    auto id = p.find_config(cp.name);
    if (!id)
      throw InputError(profile_file, fmt::format("$.configs[{}].name", i),
                       fmt::format("configuration '{}' is not on platform '{}' ({})", cp.name,
                                   p.name, p.config_names()));
    ResourceConfig& c = p.configs[index(*id)];
    std::string at = fmt::format("$.configs[{}]", i);
    if (cp.speed)
      c.speed = checked(cp.speed, limits::kMinSpeed, limits::kMaxSpeed, f, at + ".speed");
    if (cp.bandwidth_bytes_per_s)
      c.bandwidth_bytes_per_s = checked(cp.bandwidth_bytes_per_s, limits::kMinBandwidth,
                                        limits::kMaxBandwidth, f, at + ".bandwidth_bytes_per_s");
    if (cp.cold_start_s) c.cold_start_us = checked_us(cp.cold_start_s, f, at + ".cold_start_s");
    if (cp.warm_start_s) c.warm_start_us = checked_us(cp.warm_start_s, f, at + ".warm_start_s");
  }
  return p;
}

namespace {
// What a measured value is, for its range (dagplan/limits.hpp).
enum class Quantity { kDuration, kBandwidth, kSpeed, kSlots };

double read_quantity(JsonReader& r, Quantity q) {
  switch (q) {
    case Quantity::kDuration: return read_seconds(r);
    case Quantity::kBandwidth:
      return r.number_in(limits::kMinBandwidth, limits::kMaxBandwidth, "a bandwidth", "bytes/s");
    case Quantity::kSpeed: return r.number_in(limits::kMinSpeed, limits::kMaxSpeed, "a speed");
    case Quantity::kSlots: return r.number_in(1, limits::kMaxVcpus, "a number of slots");
  }
  return 0;
}

Measured read_measured(JsonReader& r, Quantity q) {
  Measured m;
  bool has_value = false;
  std::string at = r.path();
  r.object([&](std::string_view k) {
    if (k == "value") {
      m.value = read_quantity(r, q);
      has_value = true;
    } else if (k == "samples") {
      m.samples = static_cast<std::uint32_t>(r.integer(0, limits::kMaxCount32));
    } else if (k == "fit_error") {
      m.fit_error = r.non_negative();
    } else {
      fail_unknown_member(r, k, {"value", "samples", "fit_error"});
    }
  });
  if (!has_value) r.fail_at(at, "missing member 'value'");
  return m;
}

void write_measured(JsonWriter& w, std::string_view key, const std::optional<Measured>& m) {
  if (!m) return;
  w.key(key);
  w.begin_object(true);
  w.member("value", m->value);
  w.member("samples", m->samples);
  w.member("fit_error", m->fit_error);
  w.end_object();
}
}  // namespace

Profile read_profile(std::string_view text, const std::string& file) {
  JsonReader r(text, file);
  Profile p;
  p.file = file;
  bool has_format = false;
  if (r.peek() != JsonReader::Kind::kObject) r.fail_expected("a profile object");
  r.object([&](std::string_view key) {
    if (key == "format") {
      read_format(r, "dagplan-profile", 1);
      has_format = true;
    } else if (key == "platform") {
      p.platform = r.string();
    } else if (key == "description") {
      r.string();
    } else if (key == "functions") {
      r.array([&](std::size_t) {
        FunctionProfile f;
        std::string at = r.path();
        r.object([&](std::string_view k) {
          if (k == "name")
            f.name = r.string();
          else if (k == "work_scale")
            f.work_scale = r.number_in(0, limits::kMaxWorkScale, "work_scale");
          else if (k == "base_s")
            f.base_s = r.number_in(0, limits::kMaxDurationS, "base_s", "s");
          else if (k == "per_byte_s")
            f.per_byte_s = r.number_in(0, limits::kMaxPerByteS, "per_byte_s", "s per byte");
          else if (k == "vcpu_exponent")
            f.vcpu_exponent = r.number_in(0, limits::kMaxVcpuExponent, "vcpu_exponent");
          else if (k == "max_parallelism")
            f.max_parallelism = r.number_in(1, limits::kMaxVcpus, "max_parallelism");
          else if (k == "noise_sigma")
            f.noise_sigma = r.number_in(0, limits::kMaxNoiseSigma, "noise_sigma");
          else if (k == "code_bytes")
            f.code_bytes = static_cast<std::uint64_t>(
                r.integer(0, static_cast<std::int64_t>(limits::kMaxBytes)));
          else if (k == "samples")
            f.samples = static_cast<std::uint32_t>(r.integer(0, limits::kMaxCount32));
          else if (k == "fit_error")
            f.fit_error = r.non_negative();
          else
            fail_unknown_member(
                r, k,
                {"name", "work_scale", "base_s", "per_byte_s", "vcpu_exponent", "max_parallelism",
                 "noise_sigma", "code_bytes", "samples", "fit_error"});
        });
        if (f.name.empty()) r.fail_at(at, "missing member 'name'");
        if (p.find_function(f.name))
          r.fail_at(at + ".name", fmt::format("duplicate function '{}'", f.name));
        p.functions.push_back(std::move(f));
      });
    } else if (key == "configs") {
      r.array([&](std::size_t) {
        ConfigProfile c;
        std::string at = r.path();
        r.object([&](std::string_view k) {
          if (k == "name")
            c.name = r.string();
          else if (k == "speed")
            c.speed = read_measured(r, Quantity::kSpeed);
          else if (k == "bandwidth_bytes_per_s")
            c.bandwidth_bytes_per_s = read_measured(r, Quantity::kBandwidth);
          else if (k == "cold_start_s")
            c.cold_start_s = read_measured(r, Quantity::kDuration);
          else if (k == "warm_start_s")
            c.warm_start_s = read_measured(r, Quantity::kDuration);
          else
            fail_unknown_member(
                r, k, {"name", "speed", "bandwidth_bytes_per_s", "cold_start_s", "warm_start_s"});
        });
        if (c.name.empty()) r.fail_at(at, "missing member 'name'");
        p.configs.push_back(std::move(c));
      });
    } else if (key == "invoke_latency_s") {
      p.invoke_latency_s = read_measured(r, Quantity::kDuration);
    } else if (key == "storage_latency_s") {
      p.storage_latency_s = read_measured(r, Quantity::kDuration);
    } else if (key == "storage_bandwidth_bytes_per_s") {
      p.storage_bandwidth_bytes_per_s = read_measured(r, Quantity::kBandwidth);
    } else if (key == "dispatch_overhead_s") {
      p.dispatch_overhead_s = read_measured(r, Quantity::kDuration);
    } else if (key == "slots") {
      p.slots = read_measured(r, Quantity::kSlots);
    } else {
      fail_unknown_member(
          r, key,
          {"format", "platform", "description", "functions", "configs", "invoke_latency_s",
           "storage_latency_s", "storage_bandwidth_bytes_per_s", "dispatch_overhead_s", "slots"});
    }
  });
  r.finish();
  if (!has_format) r.fail_at("$", "missing member 'format' (expected \"dagplan-profile/1\")");
  return p;
}

std::string write_profile(const Profile& p) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.member("format", "dagplan-profile/1");
  w.member("platform", p.platform);
  w.key("functions");
  w.begin_array();
  for (const FunctionProfile& f : p.functions) {
    w.begin_object(true);
    w.member("name", f.name);
    w.member("work_scale", f.work_scale);
    w.member("base_s", f.base_s);
    w.member("per_byte_s", f.per_byte_s);
    w.member("vcpu_exponent", f.vcpu_exponent);
    w.member("max_parallelism", f.max_parallelism);
    w.member("noise_sigma", f.noise_sigma);
    if (f.code_bytes > 0) w.member("code_bytes", f.code_bytes);
    w.member("samples", f.samples);
    w.member("fit_error", f.fit_error);
    w.end_object();
  }
  w.end_array();
  w.key("configs");
  w.begin_array();
  for (const ConfigProfile& c : p.configs) {
    w.begin_object(true);
    w.member("name", c.name);
    write_measured(w, "speed", c.speed);
    write_measured(w, "bandwidth_bytes_per_s", c.bandwidth_bytes_per_s);
    write_measured(w, "cold_start_s", c.cold_start_s);
    write_measured(w, "warm_start_s", c.warm_start_s);
    w.end_object();
  }
  w.end_array();
  write_measured(w, "invoke_latency_s", p.invoke_latency_s);
  write_measured(w, "storage_latency_s", p.storage_latency_s);
  write_measured(w, "storage_bandwidth_bytes_per_s", p.storage_bandwidth_bytes_per_s);
  write_measured(w, "dispatch_overhead_s", p.dispatch_overhead_s);
  write_measured(w, "slots", p.slots);
  w.end_object();
  return out;
}

}  // namespace dagplan
