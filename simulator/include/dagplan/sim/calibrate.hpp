#pragma once
/// \file
/// Calibration: fits the execution model's parameters to traces by least squares (Eigen) and
/// writes them as a profile (`dagplan-profile/1`): per function, execution time as a function of
/// input bytes, work and configuration; per configuration, bandwidth, cold and warm start;
/// platform-wide, invoke and storage latencies; and the noise around each fit. Every parameter
/// comes with its sample count and fit error; a parameter with too few samples is not fitted
/// (and the report says so); outliers are left out by a stated rule.

#include <cstdint>
#include <string>
#include <vector>

#include "dagplan/profile.hpp"
#include "dagplan/sim/trace.hpp"

namespace dagplan::sim {

struct CalibrationOptions {
  /// Fewest samples for a parameter to be fitted (counted after outliers are left out).
  std::uint32_t min_samples = 5;
  /// A sample whose residual is more than this many scaled median absolute deviations (MAD x
  /// 1.4826) from the median residual is an outlier: left out, and the fit is redone without it
  /// (then every sample is judged once more against that refit, so that the outliers' pull on
  /// the first fit cannot drag good samples out with them).
  double outlier_mads = 5.0;
};

struct CalibrationReport {
  Profile profile;
  /// One line per decision worth knowing: parameters not fitted for lack of samples, outliers
  /// left out, fits that are poor.
  std::vector<std::string> notes;
  std::size_t traces = 0;
  /// Successful task attempts that gave at least one sample (execution, transfer or counter
  /// update).
  std::size_t attempts_used = 0;
};

/// Fits a profile to `traces` (all on platforms with the same configuration names; matched by
/// name). Per function (tasks grouped by function name): work_scale, base_s, per_byte_s by
/// relative least squares on execution spans divided by each configuration's slowdown, the
/// lognormal noise_sigma, and vcpu_exponent / max_parallelism only when executions ran on
/// configurations with different vCPUs >= 1. Per configuration: bandwidth (joint least squares
/// of transfer spans, latency shared; a configuration whose transfers all moved one size: that
/// size over their median span less the storage latency of the counter updates), cold and warm
/// start (medians, DAG fetch subtracted; a configuration with too few of its own: the median of
/// every configuration's, when those are enough).
/// Platform-wide: invoke latency and storage latency (medians). Only successful attempts are
/// used; src/calibrate.cpp lists what else is left out and why. Near-linear in trace size.
/// Throws InputError("<traces>", ...) when no trace has a usable successful attempt, and the
/// InputError of an embedded document that does not read ("<trace N> (embedded workflow)").
CalibrationReport calibrate(const std::vector<Trace>& traces,
                            const CalibrationOptions& options = {});

}  // namespace dagplan::sim
