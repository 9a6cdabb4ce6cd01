#pragma once
/// \file
/// Calibrated performance profiles (`dagplan-profile/1`): per function, how execution time
/// depends on input bytes and vCPUs; per configuration and platform-wide, measured latencies and
/// bandwidths that override the platform file. Every number carries the sample count and fit
/// error behind it. Produced by `dagsim calibrate`, read by every planner and the predictor.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dagplan/platform.hpp"

namespace dagplan {

/// Reference execution time of one task of a function on one reference vCPU:
///   ref_s = work_scale * work_s + base_s + per_byte_s * input_bytes
/// and on a configuration with `vcpus` of relative `speed`:
///   exec_s = ref_s / (speed * min(vcpus, 1) * clamp(vcpus, 1, max_parallelism)^vcpu_exponent)
/// A fraction of a vCPU slows a task proportionally (a CPU share, as on AWS Lambda); more than one
/// helps only a function that can use them (max_parallelism > 1), with diminishing returns when
/// vcpu_exponent < 1.
struct FunctionProfile {
  std::string name;
  double work_scale = 1.0;
  double base_s = 0.0;
  double per_byte_s = 0.0;
  double vcpu_exponent = 1.0;
  double max_parallelism = 1.0;
  /// Multiplicative noise of measured times around the fit: lognormal sigma (0 = none).
  double noise_sigma = 0.0;
  /// Rule 12: the size of its code (0: none counted). Stored once per function for the run; a
  /// cold start fetches the code of every function the plan runs on its configuration
  /// (decision 0021).
  std::uint64_t code_bytes = 0;
  std::uint32_t samples = 0;
  double fit_error = 0.0;  ///< median relative error of the fit on its samples
};

/// A measured value with the evidence behind it.
struct Measured {
  double value = 0.0;
  std::uint32_t samples = 0;
  double fit_error = 0.0;
};

/// Per-configuration overrides (by configuration name); absent values keep the platform's.
struct ConfigProfile {
  std::string name;
  std::optional<Measured> speed;
  std::optional<Measured> bandwidth_bytes_per_s;
  std::optional<Measured> cold_start_s;
  std::optional<Measured> warm_start_s;
};

struct Profile {
  /// The file it was read from (read_profile() sets it), for error messages; empty when the
  /// profile was made in code.
  std::string file;
  std::string platform;  ///< name of the platform it was calibrated on (informative)
  std::vector<FunctionProfile> functions;
  std::vector<ConfigProfile> configs;
  std::optional<Measured> invoke_latency_s;
  std::optional<Measured> storage_latency_s;
  std::optional<Measured> storage_bandwidth_bytes_per_s;
  std::optional<Measured> dispatch_overhead_s;
  /// Cluster replays: how many tasks ran at once at most (slots), when calibrated.
  std::optional<Measured> slots;

  const FunctionProfile* find_function(std::string_view name) const;
};

/// Returns `platform` with every measured value of `profile` applied. Configurations the profile
/// names but the platform lacks, and values out of their ranges (dagplan/limits.hpp; possible
/// only in a profile made in code), are an InputError naming `profile_file`.
Platform apply_profile(const Platform& platform, const Profile& profile,
                       const std::string& profile_file = "<profile>");

/// Reads a `dagplan-profile/1` document; throws InputError naming `file` and the JSON path.
Profile read_profile(std::string_view text, const std::string& file);
/// Serialises as `dagplan-profile/1`.
std::string write_profile(const Profile& profile);

}  // namespace dagplan
