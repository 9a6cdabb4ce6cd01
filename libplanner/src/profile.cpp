#include "dagplan/profile.hpp"

#include <fmt/format.h>

#include "dagplan/error.hpp"
#include "dagplan/json_reader.hpp"
#include "dagplan/json_writer.hpp"
#include "dagplan/model.hpp"

namespace dagplan {

const FunctionProfile* Profile::find_function(std::string_view name) const {
  for (const FunctionProfile& f : functions)
    if (f.name == name) return &f;
  return nullptr;
}

Platform apply_profile(const Platform& platform, const Profile& profile,
                       const std::string& profile_file) {
  Platform p = platform;
  if (profile.invoke_latency_s)
    p.invoke_latency_us = seconds_to_us(profile.invoke_latency_s->value);
  if (profile.storage_latency_s)
    p.storage_latency_us = seconds_to_us(profile.storage_latency_s->value);
  if (profile.storage_bandwidth_bytes_per_s)
    p.storage_bandwidth_bytes_per_s = profile.storage_bandwidth_bytes_per_s->value;
  if (profile.dispatch_overhead_s)
    p.dispatch_overhead_us = seconds_to_us(profile.dispatch_overhead_s->value);
  for (std::size_t i = 0; i < profile.configs.size(); ++i) {
    const ConfigProfile& cp = profile.configs[i];
    auto id = p.find_config(cp.name);
    if (!id)
      throw InputError(profile_file, fmt::format("$.configs[{}].name", i),
                       fmt::format("configuration '{}' is not on platform '{}' ({})", cp.name,
                                   p.name, p.config_names()));
    ResourceConfig& c = p.configs[index(*id)];
    if (cp.speed) c.speed = cp.speed->value;
    if (cp.bandwidth_bytes_per_s) c.bandwidth_bytes_per_s = cp.bandwidth_bytes_per_s->value;
    if (cp.cold_start_s) c.cold_start_us = seconds_to_us(cp.cold_start_s->value);
    if (cp.warm_start_s) c.warm_start_us = seconds_to_us(cp.warm_start_s->value);
  }
  return p;
}

namespace {
Measured read_measured(JsonReader& r, bool positive) {
  Measured m;
  bool has_value = false;
  std::string at = r.path();
  r.object([&](std::string_view k) {
    if (k == "value") {
      m.value = r.non_negative();
      if (positive && !(m.value > 0)) r.fail(fmt::format("expected a value > 0, got {}", m.value));
      has_value = true;
    } else if (k == "samples") {
      m.samples = static_cast<std::uint32_t>(r.integer(0, 4'000'000'000));
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
            f.work_scale = r.non_negative();
          else if (k == "base_s")
            f.base_s = r.number();
          else if (k == "per_byte_s")
            f.per_byte_s = r.number();
          else if (k == "vcpu_exponent")
            f.vcpu_exponent = r.non_negative();
          else if (k == "max_parallelism") {
            f.max_parallelism = r.number();
            if (f.max_parallelism < 1)
              r.fail(fmt::format("expected max_parallelism >= 1, got {}", f.max_parallelism));
          } else if (k == "noise_sigma")
            f.noise_sigma = r.non_negative();
          else if (k == "samples")
            f.samples = static_cast<std::uint32_t>(r.integer(0, 4'000'000'000));
          else if (k == "fit_error")
            f.fit_error = r.non_negative();
          else
            fail_unknown_member(r, k,
                                {"name", "work_scale", "base_s", "per_byte_s", "vcpu_exponent",
                                 "max_parallelism", "noise_sigma", "samples", "fit_error"});
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
            c.speed = read_measured(r, true);
          else if (k == "bandwidth_bytes_per_s")
            c.bandwidth_bytes_per_s = read_measured(r, true);
          else if (k == "cold_start_s")
            c.cold_start_s = read_measured(r, false);
          else if (k == "warm_start_s")
            c.warm_start_s = read_measured(r, false);
          else
            fail_unknown_member(
                r, k, {"name", "speed", "bandwidth_bytes_per_s", "cold_start_s", "warm_start_s"});
        });
        if (c.name.empty()) r.fail_at(at, "missing member 'name'");
        p.configs.push_back(std::move(c));
      });
    } else if (key == "invoke_latency_s") {
      p.invoke_latency_s = read_measured(r, false);
    } else if (key == "storage_latency_s") {
      p.storage_latency_s = read_measured(r, false);
    } else if (key == "storage_bandwidth_bytes_per_s") {
      p.storage_bandwidth_bytes_per_s = read_measured(r, true);
    } else if (key == "dispatch_overhead_s") {
      p.dispatch_overhead_s = read_measured(r, false);
    } else if (key == "slots") {
      p.slots = read_measured(r, true);
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
