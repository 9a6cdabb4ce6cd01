// Calibration: the execution model's parameters fitted to traces (DESIGN.md section 2: "every
// one of these costs is a parameter that calibration can fit from traces").
//
// What is identifiable from a trace, and how each parameter is fitted (the simulator generates
// each duration from exactly these terms, simulator.cpp):
// - Execution (rule 5): an attempt's exec span = ref_s x slowdown(config) x noise, with
//   ref_s = work_scale * work_s + base_s + per_byte_s * input_bytes. The span is divided by the
//   configuration's slowdown from the trace's platform with the default vCPU model (exponent 1,
//   max_parallelism 1: 1 / (speed * min(vcpus, 1))), then the three coefficients are fitted by
//   relative least squares (rows weighted by 1 / span, so that multiplicative noise weighs every
//   sample alike), solved by column-pivoting Householder QR on unit-norm columns (Eigen). The
//   coefficients are then scaled so that the median log ratio actual / fitted is 0: the noise is
//   lognormal with median 1, and relative least squares alone would be biased low by about
//   exp(-1.5 sigma^2). noise_sigma is the scaled MAD of the log ratios (1.4826 x median absolute
//   deviation: the standard deviation for normal data, Rousseeuw & Croux, JASA 1993).
// - Transfers (rules 4 and 6): span = storage latency + bytes / bandwidth(config). All download
//   and upload spans of all configurations are fitted jointly by ordinary least squares with
//   one shared intercept (the platform-wide latency) and one slope per configuration
//   (1 / bandwidth). Inputs of one attempt that share one span are one batched transfer (the
//   simulator downloads them in one flow). A transfer that overlapped another one on the same
//   instance shared its bandwidth and is left out.
// - Storage latency: the counter update after an upload (finish - upload_end) is exactly one
//   storage operation in the model; their median is preferred to the transfers' intercept, which
//   estimates the mean rather than the median of noisy latencies.
// - Start-up (rule 2): ready - start per instance, minus the DAG fetch when the DAG exceeded the
//   platform's dag_inline_bytes (rule 12); median per configuration, cold and warm apart.
// - Invoke latency (rule 1): start - invoked, over instances that cannot have waited for the
//   concurrency limit; median.
// Outliers: a sample whose residual is more than CalibrationOptions::outlier_mads scaled MADs
// from the median residual is left out and the fit is redone once (the median-absolute-deviation
// rule of Leys et al., J. Exp. Soc. Psychol. 49(4), 2013). Because the outliers pulled the first
// fit, every sample is then judged again against the refit, and the fit is redone a second time
// only if that changes the set (otherwise a 50x outlier can drag a good sample out with it).
// The scale has a floor (the clock's resolution, or 1e-4 in log ratio) so that noise-free traces
// do not make every rounding an outlier. Medians (start-ups, latencies) need no refit.
//
// Left out, and counted in the notes: failed attempts; executions that overlapped more others
// on their instance than it has vCPUs (shared CPU); transfers that overlapped another on their
// instance (shared bandwidth) or ran while the platform's storage aggregate bandwidth was
// oversubscribed; downloads of pre-loaded tasks (fetched in the background) and of
// retried attempts (their recorded span covers the failed attempt); streamed inputs; instances
// that may have waited for the concurrency limit (for the invoke latency only).
// Not fitted: a configuration's speed (indistinguishable from the function coefficients unless
// one function runs on configurations of different speeds: taken from the platform), the storage
// aggregate bandwidth (contention only) and the cluster dispatch overhead.
#include "dagplan/sim/calibrate.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <utility>

#include "dagplan/error.hpp"
#include "dagplan/limits.hpp"
#include "dagplan/model.hpp"
#include "dagplan/plan.hpp"
#include "dagplan/workflow_io.hpp"
#include "stats.hpp"

namespace dagplan::sim {
namespace {

/// MAD x 1.4826 estimates the standard deviation of normally distributed data.
constexpr double kMadToSigma = 1.4826;
/// Floors of the outlier scale: the trace clock's resolution for times in seconds, and a
/// relative 1e-4 for log ratios (microsecond rounding of spans of 10 ms and more).
constexpr double kTimeScaleFloorSeconds = 2e-6;
constexpr double kLogScaleFloor = 1e-4;
constexpr double kInf = std::numeric_limits<double>::infinity();
/// A fit whose median relative error exceeds this is reported as poor.
constexpr double kPoorFit = 0.25;

/// Median absolute deviation from `center`.
double mad(const std::vector<double>& v, double center) {
  std::vector<double> d;
  d.reserve(v.size());
  for (double x : v) d.push_back(std::fabs(x - center));
  return median(std::move(d));
}

/// Indices of the samples whose residual lies within `k` scaled MADs of the median residual.
std::vector<std::size_t> inliers(const std::vector<double>& residuals, double k, double floor) {
  double center = median(residuals);
  double scale = std::max(kMadToSigma * mad(residuals, center), floor);
  std::vector<std::size_t> keep;
  for (std::size_t i = 0; i < residuals.size(); ++i)
    if (std::fabs(residuals[i] - center) <= k * scale) keep.push_back(i);
  return keep;
}

template <typename T>
std::vector<T> select(const std::vector<T>& v, const std::vector<std::size_t>& idx) {
  std::vector<T> out;
  out.reserve(idx.size());
  for (std::size_t i : idx) out.push_back(v[i]);
  return out;
}

std::string plural(std::size_t n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

/// Weighted least squares min || diag(w) (X b - y) ||, by column-pivoting Householder QR on
/// columns scaled to unit norm (bytes and seconds differ by seven orders of magnitude).
struct LeastSquares {
  Eigen::VectorXd coef;
  Eigen::Index rank = 0;
};
LeastSquares least_squares(const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                           const Eigen::VectorXd& w) {
  Eigen::MatrixXd a = w.asDiagonal() * x;
  Eigen::VectorXd norms(a.cols());
  for (Eigen::Index c = 0; c < a.cols(); ++c) {
    norms(c) = a.col(c).norm();
    if (norms(c) > 0) a.col(c) /= norms(c);
  }
  Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(a);
  qr.setThreshold(1e-10);
  LeastSquares out;
  out.rank = qr.rank();
  out.coef = qr.solve(Eigen::VectorXd(w.cwiseProduct(y)));
  for (Eigen::Index c = 0; c < a.cols(); ++c)
    if (norms(c) > 0) out.coef(c) /= norms(c);
  return out;
}

// --- Evidence gathered from the traces --------------------------------------------------------

/// One successful execution, its span brought to one reference vCPU.
struct ExecSample {
  double ref_s = 0;  ///< exec span / the configuration's default slowdown
  double work_s = 0;
  double bytes = 0;  ///< input bytes as the model counts them (literal + predecessors')
  double vcpus = 1;  ///< of its configuration; 1 on a cluster
};

/// One storage transfer (a batched download or an upload).
struct TransferSample {
  std::size_t config = 0;  ///< index into Evidence::configs
  double bytes = 0;
  double span_s = 0;
};

struct ConfigEvidence {
  std::string name;
  std::vector<double> cold_s, warm_s;
};

struct Evidence {
  std::map<std::string, std::vector<ExecSample>> exec;  // by function name: deterministic order
  std::vector<ConfigEvidence> configs;                  // first trace's order, then first seen
  std::vector<TransferSample> transfers;
  std::vector<double> invoke_s;
  std::vector<double> counter_op_s;
  std::string platform;
  std::size_t attempts_used = 0;
  // What was left out, for the notes.
  std::size_t failed_attempts = 0, shared_cpu = 0, shared_bandwidth = 0, preloaded = 0,
              streamed = 0, retried = 0, zero_exec = 0, storage_bound = 0, queued = 0,
              negative_startup = 0, other_platforms = 0;
  bool dag_fetch_subtracted = false;

  std::size_t config_index(const std::string& name) {
    for (std::size_t i = 0; i < configs.size(); ++i)
      if (configs[i].name == name) return i;
    configs.push_back(ConfigEvidence{name, {}, {}});
    return configs.size() - 1;
  }
};

/// A time interval on one instance; `id` indexes the caller's list.
struct Span {
  std::int64_t start_us, end_us;
  std::size_t id;
};

/// Adds to counts[id] how many other spans of `spans` (one instance's) overlap span `id`.
/// O(n log n + overlapping pairs).
void count_overlaps(std::vector<Span>& spans, std::vector<std::size_t>& counts) {
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
    return a.start_us != b.start_us ? a.start_us < b.start_us : a.id < b.id;
  });
  for (std::size_t i = 0; i < spans.size(); ++i)
    for (std::size_t j = i + 1; j < spans.size() && spans[j].start_us < spans[i].end_us; ++j) {
      ++counts[spans[i].id];
      ++counts[spans[j].id];
    }
}

/// For each span (all instances together), whether at some moment during it more than
/// `limit[id]` spans were in flight. A sweep over the sorted ends gives the number in flight
/// between consecutive event times; one prefix count of the crowded intervals per distinct limit
/// answers each span in O(log n). O(n log n) in all.
std::vector<bool> crowded(const std::vector<Span>& spans, const std::vector<double>& limit) {
  std::vector<std::pair<std::int64_t, int>> events;  // (time, +1 start / -1 end); ends first
  events.reserve(2 * spans.size());
  for (const Span& sp : spans) {
    events.emplace_back(sp.start_us, +1);
    events.emplace_back(sp.end_us, -1);
  }
  std::sort(events.begin(), events.end());
  std::vector<std::int64_t> times;
  std::vector<std::int64_t> level;  // in flight from times[j] to times[j + 1]
  std::int64_t now = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    now += events[i].second;
    if (i + 1 == events.size() || events[i + 1].first != events[i].first) {
      times.push_back(events[i].first);
      level.push_back(now);
    }
  }
  std::map<double, std::vector<std::uint32_t>> prefix;
  for (double l : limit) {
    auto [it, fresh] = prefix.try_emplace(l);
    if (!fresh) continue;
    it->second.assign(level.size() + 1, 0);
    for (std::size_t j = 0; j < level.size(); ++j)
      it->second[j + 1] = it->second[j] + (static_cast<double>(level[j]) > l + 1e-9 ? 1u : 0u);
  }
  std::vector<bool> out(spans.size(), false);
  for (const Span& sp : spans) {
    auto lo = std::lower_bound(times.begin(), times.end(), sp.start_us) - times.begin();
    auto hi = std::lower_bound(times.begin(), times.end(), sp.end_us) - times.begin();
    const std::vector<std::uint32_t>& p = prefix[limit[sp.id]];
    out[sp.id] = p[static_cast<std::size_t>(hi)] > p[static_cast<std::size_t>(lo)];
  }
  return out;
}

/// Instances that may have waited for the concurrency limit: at the microsecond before they
/// started, the other instances running already filled it (the engine starts a queued instance
/// exactly when another exits, so the exiting one still counts then).
// Instances that may have waited for the concurrency limit: at some moment between their
// invocation and their start, `limit` instances were running. (Checking only the moment of the
// start misses the common case where the start follows another instance's exit.) The running
// count is a step function over the start and exit times; the largest value over each
// [invoked, start) interval comes from a sparse table of maxima: O(n log n).
std::vector<bool> maybe_queued(const Trace& trace, std::uint64_t limit) {
  std::vector<std::pair<std::int64_t, int>> events;  // (time, +1 start / -1 exit)
  for (const TraceInstance& in : trace.instances) {
    events.emplace_back(in.start_us, +1);
    events.emplace_back(in.exited_us, -1);
  }
  std::sort(events.begin(), events.end());
  // times[k]: the k-th distinct event time; running[k]: instances running just after it.
  std::vector<std::int64_t> times;
  std::vector<std::int64_t> running;
  std::int64_t count = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    count += events[i].second;
    if (i + 1 < events.size() && events[i + 1].first == events[i].first) continue;
    times.push_back(events[i].first);
    running.push_back(count);
  }
  const std::size_t n = times.size();
  std::vector<std::vector<std::int64_t>> table{running};
  for (std::size_t len = 2; len <= n; len *= 2) {
    const std::vector<std::int64_t>& prev = table.back();
    std::vector<std::int64_t> next(n - len + 1);
    for (std::size_t i = 0; i + len <= n; ++i) next[i] = std::max(prev[i], prev[i + len / 2]);
    table.push_back(std::move(next));
  }
  auto range_max = [&](std::size_t lo, std::size_t hi) {  // max of running[lo, hi), lo < hi
    std::size_t level = 0;
    while ((std::size_t{2} << level) <= hi - lo) ++level;
    return std::max(table[level][lo], table[level][hi - (std::size_t{1} << level)]);
  };
  std::vector<bool> out;
  out.reserve(trace.instances.size());
  for (const TraceInstance& in : trace.instances) {
    std::int64_t a = in.invoked_us, b = in.start_us;
    if (a >= b) {
      out.push_back(false);
      continue;
    }
    // Running at `a` (after the events at or before it), then at every event time in (a, b).
    std::size_t first_after =
        static_cast<std::size_t>(std::upper_bound(times.begin(), times.end(), a) - times.begin());
    std::size_t first_at_b =
        static_cast<std::size_t>(std::lower_bound(times.begin(), times.end(), b) - times.begin());
    std::int64_t peak = first_after > 0 ? running[first_after - 1] : 0;
    if (first_after < first_at_b) peak = std::max(peak, range_max(first_after, first_at_b));
    out.push_back(peak >= 0 && static_cast<std::uint64_t>(peak) >= limit);
  }
  return out;
}

void gather(const Trace& trace, std::size_t number, Evidence& ev) {
  const std::string file = fmt::format("<trace {}>", number);
  Workflow w = read_workflow(trace.workflow_json, file + " (embedded workflow)");
  Platform platform = read_platform(trace.platform_json, file + " (embedded platform)");
  Plan plan = read_plan(trace.plan_json, file + " (embedded plan)", w, platform);
  ExecutionModel model(w, platform);
  // A worker's vCPUs as the configuration states them (one core on a cluster).
  auto stated_vcpus = [&](ConfigId c) {
    return model.fixed_machines() ? 1.0 : platform.configs[index(c)].vcpus;
  };
  if (number == 0) {
    ev.platform = platform.name;
    for (const ResourceConfig& c : platform.configs) ev.config_index(c.name);
  } else if (platform.name != ev.platform) {
    ++ev.other_platforms;
  }
  auto config_of = [&](std::uint32_t instance) -> std::optional<ConfigId> {
    if (instance >= trace.instances.size()) return std::nullopt;
    return platform.find_config(trace.instances[instance].config);
  };

  // Start-up and invocation, per instance.
  std::vector<bool> queued = maybe_queued(trace, model.max_workers());
  for (std::size_t i = 0; i < trace.instances.size(); ++i) {
    const TraceInstance& in = trace.instances[i];
    std::optional<ConfigId> c = platform.find_config(in.config);
    if (!c) continue;
    // The model's fetch, where the instance fetched the DAG: dagrun's traces say so per instance
    // (a warm process that already held it, or one given its part, fetched nothing: decisions
    // 0025 and 0035); other traces do not, and the model's rule stands.
    const bool fetched = in.dag_fetched_bytes != 0;
    std::int64_t fetch = fetched ? model.dag_fetch_us(*c) : 0;
    if (fetch > 0) ev.dag_fetch_subtracted = true;
    std::int64_t startup = in.ready_us - in.start_us - fetch;
    ConfigEvidence& ce = ev.configs[ev.config_index(in.config)];
    if (startup < 0) {
      ++ev.negative_startup;
    } else {
      (in.warm ? ce.warm_s : ce.cold_s).push_back(us_to_seconds(startup));
    }
    if (queued[i]) {
      ++ev.queued;
    } else {
      ev.invoke_s.push_back(us_to_seconds(in.start_us - in.invoked_us));
    }
  }

  // Spans per instance, every attempt included (a failed attempt's transfer still shared the
  // bandwidth), to find the samples that shared bandwidth or vCPUs.
  struct PendingTransfer {
    std::uint32_t instance;
    TransferSample sample;
    std::int64_t start_us, end_us;
    bool usable;
  };
  struct PendingExec {
    std::uint32_t instance;
    std::string function;
    ExecSample sample;
    std::int64_t start_us, end_us;
    bool usable;
  };
  std::vector<PendingTransfer> transfers;
  std::vector<PendingExec> execs;
  std::vector<bool> attempt_used;
  std::vector<std::size_t> transfer_attempt, exec_attempt;
  std::size_t attempt_no = 0;
  for (const TraceTask& task : trace.tasks) {
    std::optional<TaskId> t = w.find(task.id);
    if (!t) continue;
    const bool preload = index(*t) < plan.preload.size() && plan.preload[index(*t)] != 0;
    std::int64_t previous_end_us = std::numeric_limits<std::int64_t>::min();
    for (const TraceAttempt& a : task.attempts) {
      const std::size_t this_attempt = attempt_no++;
      // A retry on the same worker does not download again: an input span that began before
      // the previous attempt ended is that attempt's download, stretched over its failure.
      const std::int64_t retry_after_us = previous_end_us;
      previous_end_us = std::max(previous_end_us, a.exec_end_us);
      attempt_used.push_back(false);
      std::optional<ConfigId> c = config_of(a.instance);
      if (!c) continue;
      if (!a.ok) ++ev.failed_attempts;
      const std::size_t ci = ev.config_index(platform.configs[index(*c)].name);
      // Downloads: the inputs that share one span are one batched transfer.
      std::vector<std::pair<std::pair<std::int64_t, std::int64_t>, std::uint64_t>> groups;
      for (const TraceInput& in : a.inputs) {
        if (in.source == TraceInput::Source::kStream) {
          if (a.ok) ++ev.streamed;
          continue;
        }
        // Storage downloads only: point-to-point transfers do not go through storage.
        if (in.source == TraceInput::Source::kLocal || in.source == TraceInput::Source::kDirect ||
            in.end_us <= in.start_us)
          continue;
        auto key = std::make_pair(in.start_us, in.end_us);
        auto g = std::find_if(groups.begin(), groups.end(),
                              [&](const auto& x) { return x.first == key; });
        if (g == groups.end())
          groups.emplace_back(key, in.bytes);
        else
          g->second += in.bytes;
      }
      for (const auto& [span, bytes] : groups) {
        if (span.first < retry_after_us) {
          if (a.ok) ++ev.retried;
          continue;
        }
        std::int64_t end = span.second;
        // On a cluster the simulator records the download's end at exec start, after the
        // scheduler's dispatch overhead.
        if (end == a.exec_start_us) end -= std::min(model.dispatch_us(), end - span.first);
        bool usable = a.ok && !preload;
        if (a.ok && preload) ++ev.preloaded;
        transfers.push_back({a.instance,
                             {ci, static_cast<double>(bytes), us_to_seconds(end - span.first)},
                             span.first,
                             span.second,
                             usable});
        transfer_attempt.push_back(this_attempt);
      }
      if (a.upload_end_us > a.upload_start_us) {
        transfers.push_back({a.instance,
                             {ci, static_cast<double>(task.output_bytes),
                              us_to_seconds(a.upload_end_us - a.upload_start_us)},
                             a.upload_start_us,
                             a.upload_end_us,
                             a.ok});
        transfer_attempt.push_back(this_attempt);
      }
      if (a.ok && a.exec_end_us <= a.exec_start_us) ++ev.zero_exec;
      if (a.exec_end_us > a.exec_start_us) {
        ExecSample s;
        s.ref_s = us_to_seconds(a.exec_end_us - a.exec_start_us) / model.slowdown(*t, *c);
        s.work_s = w.work_s(*t);
        s.bytes = static_cast<double>(model.input_bytes(*t));
        s.vcpus = stated_vcpus(*c);
        execs.push_back({a.instance, std::string(w.function_name(w.function(*t))), s,
                         a.exec_start_us, a.exec_end_us, a.ok});
        exec_attempt.push_back(this_attempt);
      }
      if (a.ok && a.finish_us >= a.upload_end_us) {
        ev.counter_op_s.push_back(us_to_seconds(a.finish_us - a.upload_end_us));
        attempt_used[this_attempt] = true;
      }
    }
  }

  // Transfers that overlapped another on the same instance shared its bandwidth.
  std::vector<std::vector<Span>> by_instance(trace.instances.size());
  for (std::size_t i = 0; i < transfers.size(); ++i)
    by_instance[transfers[i].instance].push_back({transfers[i].start_us, transfers[i].end_us, i});
  std::vector<std::size_t> shared(transfers.size(), 0);
  for (auto& spans : by_instance) count_overlaps(spans, shared);
  // Transfers while more were in flight platform-wide than the storage's aggregate bandwidth
  // serves at full speed (storage bandwidth / the configuration's, by the platform file's
  // numbers): the storage's share bound them.
  std::vector<bool> storage_bound(transfers.size(), false);
  if (platform.storage_bandwidth_bytes_per_s > 0 && !transfers.empty()) {
    std::vector<Span> all;
    std::vector<double> full_speed;  // transfers the storage serves at full speed at once
    all.reserve(transfers.size());
    full_speed.reserve(transfers.size());
    for (std::size_t i = 0; i < transfers.size(); ++i) {
      all.push_back({transfers[i].start_us, transfers[i].end_us, i});
      double bw = platform.configs[index(*config_of(transfers[i].instance))].bandwidth_bytes_per_s;
      full_speed.push_back(platform.storage_bandwidth_bytes_per_s / bw);
    }
    storage_bound = crowded(all, full_speed);
  }
  for (std::size_t i = 0; i < transfers.size(); ++i) {
    if (!transfers[i].usable) continue;
    if (shared[i] > 0) {
      ++ev.shared_bandwidth;
      continue;
    }
    if (storage_bound[i]) {
      ++ev.storage_bound;
      continue;
    }
    ev.transfers.push_back(transfers[i].sample);
    attempt_used[transfer_attempt[i]] = true;
  }

  // Executions beyond the instance's vCPUs ran at a share of full speed (the simulator's and a
  // real kernel's processor sharing): left out.
  for (auto& spans : by_instance) spans.clear();
  for (std::size_t i = 0; i < execs.size(); ++i)
    by_instance[execs[i].instance].push_back({execs[i].start_us, execs[i].end_us, i});
  std::vector<std::size_t> others(execs.size(), 0);
  for (auto& spans : by_instance) count_overlaps(spans, others);
  for (std::size_t i = 0; i < execs.size(); ++i) {
    if (!execs[i].usable) continue;
    std::optional<ConfigId> c = config_of(execs[i].instance);
    double capacity = model.worker_vcpus(*c);
    if (static_cast<double>(others[i] + 1) > capacity + 1e-9) {
      ++ev.shared_cpu;
      continue;
    }
    ev.exec[execs[i].function].push_back(execs[i].sample);
    attempt_used[exec_attempt[i]] = true;
  }
  ev.attempts_used +=
      static_cast<std::size_t>(std::count(attempt_used.begin(), attempt_used.end(), true));
}

// --- Fits -------------------------------------------------------------------------------------

/// The median of a positive quantity, with outliers left out once; nullopt (and a note) below
/// min_samples.
std::optional<Measured> fit_median(const std::vector<double>& x, const std::string& what,
                                   const CalibrationOptions& o, std::vector<std::string>& notes) {
  if (x.size() < o.min_samples) {
    notes.push_back(fmt::format("{}: not fitted: {}, fewer than {}", what,
                                plural(x.size(), "sample", "samples"), o.min_samples));
    return std::nullopt;
  }
  std::vector<double> dev;
  dev.reserve(x.size());
  double m0 = median(x);
  for (double v : x) dev.push_back(v - m0);
  std::vector<double> kept = select(x, inliers(dev, o.outlier_mads, kTimeScaleFloorSeconds));
  if (kept.size() < x.size())
    notes.push_back(
        fmt::format("{}: {} of {} left out as outliers (beyond {} scaled MADs of the median)", what,
                    plural(x.size() - kept.size(), "sample", "samples"), x.size(), o.outlier_mads));
  if (kept.size() < o.min_samples) {
    notes.push_back(fmt::format("{}: not fitted: {} left after outliers, fewer than {}", what,
                                plural(kept.size(), "sample", "samples"), o.min_samples));
    return std::nullopt;
  }
  Measured m;
  m.value = median(kept);
  m.samples = static_cast<std::uint32_t>(kept.size());
  if (m.value > 0) {
    std::vector<double> rel;
    rel.reserve(kept.size());
    for (double v : kept) rel.push_back(std::fabs(v - m.value) / m.value);
    m.fit_error = median(std::move(rel));
  }
  return m;
}

/// Columns of the execution fit: ref_s = work_scale * work_s + base_s + per_byte_s * bytes.
enum Column : std::size_t { kWork = 0, kBase = 1, kBytes = 2 };
constexpr const char* kColumnName[] = {"work_scale", "base_s", "per_byte_s"};

struct ExecFit {
  double coef[3] = {0, 0, 0};
  std::vector<double> log_ratio;  ///< log(actual / fitted) per sample (0 where undefined)
};

double fitted(const ExecFit& f, const ExecSample& s, double speedup) {
  return (f.coef[kWork] * s.work_s + f.coef[kBase] + f.coef[kBytes] * s.bytes) / speedup;
}

/// log(actual / fitted) per sample (0 where either is not positive).
std::vector<double> log_ratios(const ExecFit& fit, const std::vector<ExecSample>& s,
                               const std::vector<double>& speedup) {
  std::vector<double> r;
  r.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    double f = fitted(fit, s[i], speedup[i]);
    r.push_back(f > 0 && s[i].ref_s > 0 ? std::log(s[i].ref_s / f) : 0.0);
  }
  return r;
}

/// Relative least squares over the active columns, then the median log ratio scaled to 0.
/// Columns that are collinear or come out negative are dropped (notes say which).
ExecFit solve_exec(const std::vector<ExecSample>& s, const std::vector<double>& speedup,
                   bool active[3], const std::string& name, std::vector<std::string>& notes) {
  ExecFit fit;
  const auto n = static_cast<Eigen::Index>(s.size());
  for (int round = 0;; ++round) {
    std::vector<std::size_t> cols;
    for (std::size_t c = 0; c < 3; ++c)
      if (active[c]) cols.push_back(c);
    Eigen::MatrixXd x(n, static_cast<Eigen::Index>(cols.size()));
    Eigen::VectorXd y(n), wt(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      const ExecSample& e = s[static_cast<std::size_t>(i)];
      double v[3] = {e.work_s, 1.0, e.bytes};
      for (std::size_t k = 0; k < cols.size(); ++k) x(i, static_cast<Eigen::Index>(k)) = v[cols[k]];
      y(i) = e.ref_s * speedup[static_cast<std::size_t>(i)];
      wt(i) = 1.0 / std::max(y(i), 1e-6);
    }
    LeastSquares ls = least_squares(x, y, wt);
    const bool may_drop = round < 3 && cols.size() > 1;
    if (may_drop && ls.rank < static_cast<Eigen::Index>(cols.size())) {
      // Collinear columns (e.g. work proportional to input bytes): keep the simpler model.
      std::size_t drop = active[kBytes] ? kBytes : kWork;
      active[drop] = false;
      notes.push_back(
          fmt::format("function '{}': {} not identifiable (collinear with the other terms): "
                      "set to 0",
                      name, kColumnName[drop]));
      continue;
    }
    std::fill(std::begin(fit.coef), std::end(fit.coef), 0.0);
    for (std::size_t k = 0; k < cols.size(); ++k)
      fit.coef[cols[k]] = ls.coef(static_cast<Eigen::Index>(k));
    // A negative coefficient is noise around a term that is really ~0: drop it and refit
    // (one step of an active-set non-negative least squares).
    std::size_t worst = 3;
    for (std::size_t c : cols)
      if (fit.coef[c] < 0 && (worst == 3 || fit.coef[c] < fit.coef[worst])) worst = c;
    if (may_drop && worst != 3) {
      active[worst] = false;
      notes.push_back(
          fmt::format("function '{}': {} came out negative ({:.3g}): set to 0 and refitted", name,
                      kColumnName[worst], fit.coef[worst]));
      continue;
    }
    break;
  }
  // Median-unbiased scale under lognormal noise (see the file comment).
  std::vector<double> r;
  for (std::size_t i = 0; i < s.size(); ++i) {
    double f = fitted(fit, s[i], speedup[i]);
    if (f > 0 && s[i].ref_s > 0) r.push_back(std::log(s[i].ref_s / f));
  }
  if (!r.empty()) {
    double k = std::exp(median(r));
    for (double& c : fit.coef) c *= k;
  }
  fit.log_ratio = log_ratios(fit, s, speedup);
  return fit;
}

/// Least-squares slope of log ratios on log(max(1, vcpus)), and its standard error.
std::pair<double, double> log_vcpu_slope(const std::vector<ExecSample>& s,
                                         const std::vector<double>& log_ratio) {
  const auto n = static_cast<Eigen::Index>(s.size());
  Eigen::MatrixXd x(n, 2);
  Eigen::VectorXd y(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    x(i, 0) = 1.0;
    x(i, 1) = std::log(std::max(1.0, s[static_cast<std::size_t>(i)].vcpus));
    y(i) = log_ratio[static_cast<std::size_t>(i)];
  }
  Eigen::VectorXd coef = least_squares(x, y, Eigen::VectorXd::Ones(n)).coef;
  Eigen::VectorXd res = y - x * coef;
  double sxx = (x.col(1).array() - x.col(1).mean()).square().sum();
  double se =
      n > 2 && sxx > 0 ? std::sqrt(res.squaredNorm() / static_cast<double>(n - 2) / sxx) : kInf;
  return {coef(1), se};
}

std::optional<FunctionProfile> fit_function(const std::string& name, std::vector<ExecSample> s,
                                            const CalibrationOptions& o,
                                            std::vector<std::string>& notes) {
  if (s.size() < o.min_samples) {
    notes.push_back(fmt::format("function '{}': not fitted: {}, fewer than {}", name,
                                plural(s.size(), "successful execution", "successful executions"),
                                o.min_samples));
    return std::nullopt;
  }
  FunctionProfile p;
  p.name = name;
  bool active[3] = {true, true, true};
  auto [wmin, wmax] =
      std::minmax_element(s.begin(), s.end(), [](auto& a, auto& b) { return a.work_s < b.work_s; });
  auto [bmin, bmax] =
      std::minmax_element(s.begin(), s.end(), [](auto& a, auto& b) { return a.bytes < b.bytes; });
  if (!(wmax->work_s > wmin->work_s * (1 + 1e-9))) {
    active[kWork] = false;
    if (wmax->work_s > 0) {
      // Equal work everywhere: its term cannot be told from base_s.
      p.work_scale = 0.0;
      notes.push_back(
          fmt::format("function '{}': every task has work {} s: work_scale not identifiable, "
                      "folded into base_s (work_scale 0)",
                      name, wmax->work_s));
    } else {
      notes.push_back(
          fmt::format("function '{}': no task has a work estimate: work_scale left at 1", name));
    }
  }
  if (!(bmax->bytes > bmin->bytes)) {
    active[kBytes] = false;
    notes.push_back(
        fmt::format("function '{}': every task reads {} bytes: per_byte_s not identifiable, "
                    "folded into base_s (per_byte_s 0)",
                    name, bmax->bytes));
  }
  std::vector<double> speedup(s.size(), 1.0);
  ExecFit fit = solve_exec(s, speedup, active, name, notes);
  std::vector<std::size_t> keep = inliers(fit.log_ratio, o.outlier_mads, kLogScaleFloor);
  if (keep.size() < s.size()) {
    // The outliers pulled the first fit, which can make good samples look like outliers too
    // (swamping): every sample is judged again against the fit without the first ones, and the
    // fit is redone on the final set only if that changed it.
    std::vector<double> ones(keep.size(), 1.0);
    fit = solve_exec(select(s, keep), ones, active, name, notes);
    std::vector<std::size_t> again =
        inliers(log_ratios(fit, s, speedup), o.outlier_mads, kLogScaleFloor);
    if (again != keep) {
      keep = std::move(again);
      ones.assign(keep.size(), 1.0);
      fit = solve_exec(select(s, keep), ones, active, name, notes);
    }
    if (keep.size() < s.size())
      notes.push_back(fmt::format(
          "function '{}': {} of {} left out as outliers (log ratio beyond {} scaled MADs), fit "
          "redone",
          name, plural(s.size() - keep.size(), "execution", "executions"), s.size(),
          o.outlier_mads));
    s = select(s, keep);
    speedup.assign(s.size(), 1.0);
    if (s.size() < o.min_samples) {
      notes.push_back(
          fmt::format("function '{}': not fitted: {} left after outliers", name, s.size()));
      return std::nullopt;
    }
  }

  // vCPU speed-up (FunctionProfile::vcpu_exponent): only identifiable from executions on
  // configurations with different vCPU counts >= 1. Log-linear: log ratio = c - e log(vcpus).
  std::vector<double> levels;
  for (const ExecSample& e : s)
    if (e.vcpus >= 1.0 && std::find(levels.begin(), levels.end(), e.vcpus) == levels.end())
      levels.push_back(e.vcpus);
  if (levels.size() < 2) {
    notes.push_back(
        fmt::format("function '{}': vcpu_exponent and max_parallelism kept at defaults (no "
                    "executions on two configurations with different vCPUs >= 1)",
                    name));
  } else {
    auto [slope, se] = log_vcpu_slope(s, fit.log_ratio);
    const double top = *std::max_element(levels.begin(), levels.end());
    double e = -slope;
    if (e > 0.05 && e > 2 * se) {
      // The first fit averaged over the configurations; alternate between a refit with the
      // speed-up and the residual slope until the slope vanishes.
      for (int iter = 0; iter < 10; ++iter) {
        e = std::clamp(e, 0.0, 1.0);
        for (std::size_t i = 0; i < s.size(); ++i)
          speedup[i] = std::pow(std::clamp(s[i].vcpus, 1.0, top), e);
        fit = solve_exec(s, speedup, active, name, notes);
        double residual_slope = log_vcpu_slope(s, fit.log_ratio).first;
        if (std::fabs(residual_slope) < 1e-4) break;
        e -= residual_slope;
      }
      p.vcpu_exponent = e;
      p.max_parallelism = top;
      notes.push_back(fmt::format(
          "function '{}': vcpu_exponent {:.3f} (first estimate +- {:.3f}) fitted over vCPUs up "
          "to {}; max_parallelism set to the largest observed",
          name, e, se, top));
    } else {
      notes.push_back(fmt::format(
          "function '{}': no speed-up from more vCPUs measured (exponent {:.3f} +- {:.3f}): "
          "vcpu_exponent and max_parallelism kept at defaults",
          name, e, se));
    }
  }

  // A work term left out (constant, collinear or negative) is 0; with no work at all it is moot
  // and keeps the default.
  if (active[kWork] || wmax->work_s > 0) p.work_scale = fit.coef[kWork];
  p.base_s = fit.coef[kBase];
  p.per_byte_s = fit.coef[kBytes];
  p.samples = static_cast<std::uint32_t>(s.size());
  std::vector<double> rel;
  for (std::size_t i = 0; i < s.size(); ++i) {
    double f = fitted(fit, s[i], speedup[i]);
    if (s[i].ref_s > 0) rel.push_back(std::fabs(f - s[i].ref_s) / s[i].ref_s);
  }
  p.fit_error = median(std::move(rel));
  p.noise_sigma = kMadToSigma * mad(fit.log_ratio, median(fit.log_ratio));
  if (p.fit_error > kPoorFit)
    notes.push_back(fmt::format("function '{}': poor fit (median relative error {:.0f}%)", name,
                                100 * p.fit_error));
  return p;
}

/// Joint transfer fit: span = latency + bytes * inv_bw[config], over the configurations with
/// several sizes (`column`: their design columns). Fills bandwidths into `configs` and returns
/// the shared intercept.
std::optional<Measured> fit_joint_transfers(const Evidence& ev, const CalibrationOptions& o,
                                            std::vector<ConfigProfile>& configs,
                                            std::vector<std::string>& notes,
                                            const std::vector<std::size_t>& column,
                                            const std::vector<std::size_t>& count, std::size_t cols,
                                            std::vector<TransferSample> s) {
  auto design = [&](const std::vector<TransferSample>& v) {
    const auto n = static_cast<Eigen::Index>(v.size());
    Eigen::MatrixXd x = Eigen::MatrixXd::Zero(n, static_cast<Eigen::Index>(cols));
    Eigen::VectorXd y(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      const TransferSample& t = v[static_cast<std::size_t>(i)];
      x(i, 0) = 1.0;
      x(i, static_cast<Eigen::Index>(column[t.config])) = t.bytes;
      y(i) = t.span_s;
    }
    return std::make_pair(x, y);
  };
  auto solve = [&](const std::vector<TransferSample>& v) {
    auto [x, y] = design(v);
    return least_squares(x, y, Eigen::VectorXd::Ones(x.rows())).coef;
  };
  auto residuals = [&](const std::vector<TransferSample>& v, const Eigen::VectorXd& coef) {
    auto [x, y] = design(v);
    Eigen::VectorXd r = y - x * coef;
    return std::vector<double>(r.data(), r.data() + r.size());
  };
  // Per configuration, the largest transfer and the longest span before outliers are left out.
  std::vector<double> all_hi(ev.configs.size(), -kInf), all_span(ev.configs.size(), 0);
  for (const TransferSample& t : s) {
    all_hi[t.config] = std::max(all_hi[t.config], t.bytes);
    all_span[t.config] = std::max(all_span[t.config], t.span_s);
  }
  Eigen::VectorXd coef = solve(s);
  std::vector<std::size_t> keep =
      inliers(residuals(s, coef), o.outlier_mads, kTimeScaleFloorSeconds);
  if (keep.size() < s.size()) {
    // As for executions: judged again against the fit without the first outliers (swamping).
    coef = solve(select(s, keep));
    std::vector<std::size_t> again =
        inliers(residuals(s, coef), o.outlier_mads, kTimeScaleFloorSeconds);
    if (again != keep) {
      keep = std::move(again);
      coef = solve(select(s, keep));
    }
    std::vector<std::size_t> dropped(ev.configs.size(), 0);
    std::vector<bool> kept(s.size(), false);
    for (std::size_t i : keep) kept[i] = true;
    for (std::size_t i = 0; i < s.size(); ++i)
      if (!kept[i]) ++dropped[s[i].config];
    for (std::size_t c = 0; c < ev.configs.size(); ++c)
      if (dropped[c] > 0)
        notes.push_back(
            fmt::format("configuration '{}': {} of {} left out as outliers (residual beyond {} "
                        "scaled MADs), transfer fit redone",
                        ev.configs[c].name, plural(dropped[c], "transfer", "transfers"), count[c],
                        o.outlier_mads));
    s = select(s, keep);
  }
  std::vector<double> residual = residuals(s, coef);

  for (std::size_t c = 0; c < ev.configs.size(); ++c) {
    if (column[c] == 0) continue;
    double slope = coef(static_cast<Eigen::Index>(column[c]));
    std::vector<double> rel;
    double kept_lo = kInf, kept_hi = -kInf, kept_span = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i].config != c) continue;
      kept_lo = std::min(kept_lo, s[i].bytes);
      kept_hi = std::max(kept_hi, s[i].bytes);
      kept_span = std::max(kept_span, s[i].span_s);
      if (s[i].span_s > 0) rel.push_back(std::fabs(residual[i]) / s[i].span_s);
    }
    // The outliers left out may leave one size (the slope then fits noise), and a slope that
    // makes the largest transfer kept take ten times the longest span measured is not a fit.
    // Nor is one that makes the largest transfer of all (outliers included: they are judged by
    // absolute residuals, so the few large transfers among many small ones can all be left out)
    // take ten times the longest span of all.
    if (!(kept_hi > kept_lo) || !(slope * kept_hi <= 10 * kept_span) ||
        !(slope * all_hi[c] <= 10 * all_span[c])) {
      notes.push_back(fmt::format(
          "configuration '{}': bandwidth not fitted (the transfers kept range from {} to {} bytes, "
          "the longest took {:.3g} s; slope {:.3g} s/B would take {:.3g} s for the largest "
          "transfer, {} bytes, measured at most {:.3g} s)",
          ev.configs[c].name, kept_lo, kept_hi, kept_span, slope, slope * all_hi[c], all_hi[c],
          all_span[c]));
      continue;
    }
    if (rel.size() < o.min_samples || !(slope > 0)) {
      notes.push_back(fmt::format(
          "configuration '{}': bandwidth not fitted ({} after outliers, slope {:.3g} s/B)",
          ev.configs[c].name, plural(rel.size(), "transfer", "transfers"), slope));
      continue;
    }
    Measured m{1.0 / slope, static_cast<std::uint32_t>(rel.size()), median(rel)};
    if (m.fit_error > kPoorFit)
      notes.push_back(
          fmt::format("configuration '{}': poor bandwidth fit (median relative error {:.0f}%)",
                      ev.configs[c].name, 100 * m.fit_error));
    configs[c].bandwidth_bytes_per_s = m;
  }
  std::vector<double> rel;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s[i].span_s > 0) rel.push_back(std::fabs(residual[i]) / s[i].span_s);
  return Measured{std::max(0.0, coef(0)), static_cast<std::uint32_t>(s.size()),
                  median(std::move(rel))};
}

/// A configuration whose transfers all moved one size gets its bandwidth from that size and the
/// storage latency measured apart (`latency_s`, from counter updates, else the joint fit's
/// intercept): bandwidth = bytes / (median span - latency).
std::optional<Measured> fit_transfers(const Evidence& ev, const CalibrationOptions& o,
                                      std::vector<ConfigProfile>& configs,
                                      std::vector<std::string>& notes,
                                      std::optional<double> latency_s) {
  // Configurations with enough transfers of more than one size.
  std::vector<std::size_t> column(ev.configs.size(), 0);  // 0: not fitted, else column index
  std::vector<std::size_t> count(ev.configs.size(), 0);
  std::vector<double> lo(ev.configs.size(), kInf), hi(ev.configs.size(), -kInf);
  std::vector<std::size_t> one_size;  // enough transfers, all of one size
  for (const TransferSample& t : ev.transfers) {
    ++count[t.config];
    lo[t.config] = std::min(lo[t.config], t.bytes);
    hi[t.config] = std::max(hi[t.config], t.bytes);
  }
  std::size_t cols = 1;
  for (std::size_t c = 0; c < ev.configs.size(); ++c) {
    if (count[c] == 0) continue;
    if (count[c] < o.min_samples) {
      notes.push_back(fmt::format("configuration '{}': bandwidth not fitted: {}, fewer than {}",
                                  ev.configs[c].name, plural(count[c], "transfer", "transfers"),
                                  o.min_samples));
    } else if (!(hi[c] > lo[c])) {
      one_size.push_back(c);
    } else {
      column[c] = cols++;
    }
  }
  std::vector<TransferSample> s;
  for (const TransferSample& t : ev.transfers)
    if (column[t.config] != 0) s.push_back(t);
  std::optional<Measured> intercept;
  if (cols > 1) intercept = fit_joint_transfers(ev, o, configs, notes, column, count, cols, s);
  if (!latency_s && intercept) latency_s = intercept->value;
  for (std::size_t c : one_size) {
    std::vector<double> span;
    for (const TransferSample& t : ev.transfers)
      if (t.config == c) span.push_back(t.span_s);
    const double mid = median(span);
    double net = latency_s ? mid - *latency_s : 0.0;
    // Transfers so small that the latency is most of their span say nothing of the bandwidth.
    if (!latency_s || !(net >= *latency_s)) {
      notes.push_back(fmt::format(
          "configuration '{}': bandwidth not identifiable: every transfer moved {} bytes{}",
          ev.configs[c].name, hi[c],
          latency_s ? ", in less than twice the storage latency"
                    : ", and no storage latency is known"));
      continue;
    }
    std::vector<double> rel;
    rel.reserve(span.size());
    for (double v : span) rel.push_back(std::fabs(v - mid) / mid);
    Measured m{hi[c] / net, static_cast<std::uint32_t>(span.size()), median(std::move(rel))};
    notes.push_back(fmt::format(
        "configuration '{}': every transfer moved {} bytes: bandwidth from their median span less "
        "the storage latency ({:.3f} ms)",
        ev.configs[c].name, hi[c], 1e3 * *latency_s));
    configs[c].bandwidth_bytes_per_s = m;
  }
  return intercept;
}

}  // namespace

namespace {
/// A fit can leave the range a profile may hold (dagplan/limits.hpp; a trace's times reach the
/// horizon, far beyond one duration's range): such a value is brought to the nearest end of its
/// range, with a note, so that the profile written reads back.
void keep_in_ranges(Profile& p, std::vector<std::string>& notes) {
  auto clamp = [&](double& v, double lo, double hi, const std::string& what) {
    if (v >= lo && v <= hi) return;
    double was = v;
    v = std::isnan(v) ? lo : std::clamp(v, lo, hi);
    notes.push_back(
        fmt::format("{}: fitted {:g}, beyond the range of a profile [{:g}, {:g}]: "
                    "kept at {:g}",
                    what, was, lo, hi, v));
  };
  auto measured = [&](std::optional<Measured>& m, double lo, double hi, const std::string& what) {
    if (m) clamp(m->value, lo, hi, what);
  };
  for (FunctionProfile& f : p.functions) {
    const std::string fn = fmt::format("function '{}': ", f.name);
    clamp(f.work_scale, 0, limits::kMaxWorkScale, fn + "work_scale");
    // Negative terms are refused by the reader (they made executions of zero time): a fit that
    // ends below 0 despite the active set of solve_exec() keeps 0.
    clamp(f.base_s, 0, limits::kMaxDurationS, fn + "base_s");
    clamp(f.per_byte_s, 0, limits::kMaxPerByteS, fn + "per_byte_s");
    clamp(f.vcpu_exponent, 0, limits::kMaxVcpuExponent, fn + "vcpu_exponent");
    clamp(f.max_parallelism, 1, limits::kMaxVcpus, fn + "max_parallelism");
    clamp(f.noise_sigma, 0, limits::kMaxNoiseSigma, fn + "noise_sigma");
  }
  for (ConfigProfile& c : p.configs) {
    const std::string cfg = fmt::format("configuration '{}': ", c.name);
    measured(c.bandwidth_bytes_per_s, limits::kMinBandwidth, limits::kMaxBandwidth,
             cfg + "bandwidth");
    measured(c.cold_start_s, 0, limits::kMaxDurationS, cfg + "cold start");
    measured(c.warm_start_s, 0, limits::kMaxDurationS, cfg + "warm start");
  }
  measured(p.invoke_latency_s, 0, limits::kMaxDurationS, "invoke latency");
  measured(p.storage_latency_s, 0, limits::kMaxDurationS, "storage latency");
}
}  // namespace

CalibrationReport calibrate(const std::vector<Trace>& traces, const CalibrationOptions& options) {
  Evidence ev;
  for (std::size_t i = 0; i < traces.size(); ++i) gather(traces[i], i, ev);
  if (ev.attempts_used == 0)
    throw InputError("<traces>", "",
                     fmt::format("no successful task attempt to calibrate from in {}",
                                 plural(traces.size(), "trace", "traces")));

  CalibrationReport r;
  r.traces = traces.size();
  r.attempts_used = ev.attempts_used;
  std::vector<std::string>& notes = r.notes;
  Profile& p = r.profile;
  p.platform = ev.platform;
  if (ev.other_platforms > 0)
    notes.push_back(fmt::format("{} on other platforms than '{}': configurations matched by name",
                                plural(ev.other_platforms, "trace", "traces"), ev.platform));
  if (ev.failed_attempts > 0)
    notes.push_back(fmt::format("{} left out (only successful attempts are fitted)",
                                plural(ev.failed_attempts, "failed attempt", "failed attempts")));
  if (ev.shared_cpu > 0)
    notes.push_back(
        fmt::format("{} left out: they shared their worker's vCPUs with other executions",
                    plural(ev.shared_cpu, "execution", "executions")));
  if (ev.shared_bandwidth > 0)
    notes.push_back(
        fmt::format("{} left out: they overlapped another transfer on the same worker "
                    "(shared bandwidth)",
                    plural(ev.shared_bandwidth, "transfer", "transfers")));
  if (ev.storage_bound > 0)
    notes.push_back(fmt::format(
        "{} left out: more transfers were in flight than the storage's aggregate bandwidth "
        "serves at full speed",
        plural(ev.storage_bound, "transfer", "transfers")));
  if (ev.preloaded > 0)
    notes.push_back(fmt::format("{} of pre-loaded tasks left out (fetched in the background)",
                                plural(ev.preloaded, "download", "downloads")));
  if (ev.zero_exec > 0)
    notes.push_back(
        fmt::format("{} left out (no time to fit a ratio to)",
                    plural(ev.zero_exec, "zero-length execution", "zero-length executions")));
  if (ev.retried > 0)
    notes.push_back(fmt::format("{} of retried attempts left out (they span the failed attempt)",
                                plural(ev.retried, "download", "downloads")));
  if (ev.streamed > 0)
    notes.push_back(fmt::format("{} left out (stream spans are not storage transfers)",
                                plural(ev.streamed, "streamed input", "streamed inputs")));
  if (ev.negative_startup > 0)
    notes.push_back(fmt::format("{} left out: start-up shorter than the model's DAG fetch",
                                plural(ev.negative_startup, "instance", "instances")));
  if (ev.dag_fetch_subtracted)
    notes.push_back(
        "start-ups: the DAG exceeded dag_inline_bytes; the model's DAG fetch was subtracted");

  for (auto& [name, samples] : ev.exec)
    if (std::optional<FunctionProfile> f = fit_function(name, std::move(samples), options, notes))
      p.functions.push_back(std::move(*f));

  std::vector<ConfigProfile> configs(ev.configs.size());
  std::vector<std::string> unused;
  for (std::size_t c = 0; c < ev.configs.size(); ++c) {
    configs[c].name = ev.configs[c].name;
    if (ev.configs[c].cold_s.empty() && ev.configs[c].warm_s.empty()) {
      unused.push_back(ev.configs[c].name);
      continue;
    }
    const std::string what = fmt::format("configuration '{}': ", ev.configs[c].name);
    configs[c].cold_start_s = fit_median(ev.configs[c].cold_s, what + "cold start", options, notes);
    configs[c].warm_start_s = fit_median(ev.configs[c].warm_s, what + "warm start", options, notes);
  }
  if (!unused.empty())
    notes.push_back(fmt::format("configurations without any instance in the traces: {}",
                                fmt::join(unused, ", ")));
  // A configuration with too few start-ups of its own, where all of them together are enough
  // (configurations that started on one machine, or a few starts each): the median of all.
  for (bool warm : {false, true}) {
    std::vector<double> all;
    for (const ConfigEvidence& c : ev.configs)
      all.insert(all.end(), (warm ? c.warm_s : c.cold_s).begin(),
                 (warm ? c.warm_s : c.cold_s).end());
    std::vector<std::string> quiet_pool;
    std::optional<Measured> pooled =
        fit_median(all, warm ? "warm start" : "cold start", options, quiet_pool);
    if (!pooled) continue;
    for (std::size_t c = 0; c < ev.configs.size(); ++c) {
      std::optional<Measured>& own = warm ? configs[c].warm_start_s : configs[c].cold_start_s;
      const std::vector<double>& mine = warm ? ev.configs[c].warm_s : ev.configs[c].cold_s;
      if (own || (ev.configs[c].cold_s.empty() && ev.configs[c].warm_s.empty())) continue;
      own = pooled;
      notes.push_back(fmt::format(
          "configuration '{}': {} start: {} of its own: the median of every configuration's {} "
          "{} starts, {:.3f} ms",
          ev.configs[c].name, warm ? "warm" : "cold", plural(mine.size(), "sample", "samples"),
          all.size(), warm ? "warm" : "cold", 1e3 * pooled->value));
    }
  }
  std::vector<std::string> quiet_latency;  // its notes matter only when nothing else gives it
  std::optional<Measured> counter_latency =
      fit_median(ev.counter_op_s, "storage latency (counter updates)", options, quiet_latency);
  std::optional<Measured> intercept =
      fit_transfers(ev, options, configs, notes,
                    counter_latency ? std::optional<double>(counter_latency->value) : std::nullopt);
  for (ConfigProfile& c : configs)
    if (c.bandwidth_bytes_per_s || c.cold_start_s || c.warm_start_s)
      p.configs.push_back(std::move(c));

  if (ev.queued > 0)
    notes.push_back(
        fmt::format("invoke latency: {} left out (may have waited for the concurrency limit)",
                    plural(ev.queued, "instance", "instances")));
  p.invoke_latency_s = fit_median(ev.invoke_s, "invoke latency", options, notes);

  p.storage_latency_s = counter_latency;
  if (p.storage_latency_s) {
    if (intercept)
      notes.push_back(fmt::format(
          "storage latency: {:.3f} ms, median of {} counter updates (one storage "
          "operation each); the transfers' intercept gives {:.3f} ms (their mean)",
          1e3 * p.storage_latency_s->value, p.storage_latency_s->samples, 1e3 * intercept->value));
  } else if (intercept) {
    p.storage_latency_s = intercept;
    notes.push_back(
        fmt::format("storage latency: from the transfers' intercept ({} transfers); too few "
                    "counter updates",
                    intercept->samples));
  } else {
    notes.insert(notes.end(), quiet_latency.begin(), quiet_latency.end());
    notes.push_back("storage latency: not fitted (no counter updates and no transfer fit)");
  }
  notes.push_back(
      "not fitted from traces: configuration speed (taken from the platform), storage "
      "aggregate bandwidth, cluster dispatch overhead");
  keep_in_ranges(p, notes);
  return r;
}

}  // namespace dagplan::sim
