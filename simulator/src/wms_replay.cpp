// Replay of a WfCommons run through a model of its workflow system, and leave-one-out
// calibration of that model per application (docs/calibration.md, docs/decisions/0009).
//
// The replay is a list schedule of one FIFO dispatcher over pooled slots, the way DAGMan (or
// Makeflow) hands ready jobs to HTCondor (or Work Queue): a task is released `latency` after its
// last parent ends, waits for the dispatcher (one start per `dispatch interval`), for its
// recorded machine (one start there per `machine interval`) and a free core, stages its bytes
// through one shared data server (one transfer at a time), then runs for its recorded runtime.
// While other recorded runs shared its machines (busy windows), both intervals stretch by 1 + k.
// Tasks are taken in order of release (ties by id); starts never go back in time, so one pass over
// a heap of released tasks is exact.
//
// Calibration minimises the squared log-ratio of simulated to recorded makespans by coordinate
// descent in log space. The makespan is monotone in every parameter, piecewise linear between
// the points where the critical chain changes; a derivative-free search is robust to the kinks
// where a Gauss-Newton step on the critical chain's counts is not (tried first: it oscillates
// between chains on blast and seismology).
#include "dagplan/sim/wms_replay.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <map>
#include <mutex>
#include <numeric>
#include <thread>

#include "dagplan/analysis.hpp"
#include "dagplan/error.hpp"
#include "dagplan/files.hpp"
#include "stats.hpp"

namespace dagplan::sim {

double& WmsParams::operator[](std::size_t i) {
  switch (i) {
    case 0: return latency_s;
    case 1: return dispatch_interval_s;
    case 2: return staging_s_per_gb;
    default: return machine_interval_s;
  }
}

double WmsParams::operator[](std::size_t i) const {
  return const_cast<WmsParams&>(*this)[i];
}

const char* wms_param_name(std::size_t i) {
  static constexpr const char* kNames[] = {"latency", "dispatch", "staging", "machine"};
  return kNames[std::min<std::size_t>(i, 3)];
}

namespace {

constexpr double kGb = 1e9;

// Softening scale of the shrinkage and of the search steps: a parameter's size is judged by
// log(1 + p / kScale) (1 s, or 1 s per GB: below that a parameter hardly moves a makespan).
constexpr double kScale = 1.0;

// Where every fit starts: a generic WMS (not fitted on anything, so that no held-out run leaks
// in through the starting point).
constexpr WmsParams kStart{30.0, 2.0, 10.0, 1.0};

}  // namespace

WmsRun wms_run(const WfCommonsInstance& instance, const std::string& file) {
  const Workflow& w = instance.workflow;
  if (!(instance.makespan_s > 0))
    throw InputError(file,
                     instance.schema_version == "1.4" ? "$.workflow.makespanInSeconds"
                                                      : "$.workflow.execution.makespanInSeconds",
                     "expected a recorded makespan > 0 to replay this run");
  WmsRun r;
  r.file = file;
  std::string stem = std::filesystem::path(file).filename().string();
  r.label = stem.substr(0, std::min(stem.find('-'), stem.find('.')));
  r.tasks = static_cast<std::uint32_t>(w.task_count());
  r.recorded_makespan_s = instance.makespan_s;
  r.fingerprint = w.fingerprint();
  r.machines = std::max<std::uint32_t>(1, static_cast<std::uint32_t>(instance.machines.size()));
  std::uint64_t cores = 0;
  for (const WfCommonsMachine& m : instance.machines) cores += std::max<std::uint32_t>(1, m.cores);
  r.slots = instance.machines.empty() ? widest_level(w)
                                      : static_cast<std::uint32_t>(std::min<std::uint64_t>(
                                            cores, std::numeric_limits<std::uint32_t>::max()));
  r.critical_path_s = critical_path_work_s(w);
  for (const WfCommonsMachine& m : instance.machines) r.machine_names.push_back(m.name);
  r.runtime_s.resize(r.tasks);
  r.io_gb_per_task.resize(r.tasks);
  r.pred_count.resize(r.tasks);
  r.machine.resize(r.tasks);
  r.succ_offset.assign(r.tasks + 1, 0);
  for (std::uint32_t t = 0; t < r.tasks; ++t) {
    TaskId id{t};
    r.runtime_s[t] = instance.runtime_s[t];  // 0 when not recorded
    r.machine[t] = t < instance.machine.size() && instance.machine[t] >= 0
                       ? static_cast<std::uint32_t>(instance.machine[t])
                       : r.machines;
    // Measured bytes where recorded; else each file once, shared among the tasks touching it:
    // the nominal per-task sizes count a shared read-only input once per reader (blast's 5.1 GB
    // database 300 times, 1000genome's chromosome files 25 times), which were not transferred.
    double bytes = t < instance.io_bytes.size() && instance.io_bytes[t] >= 0
                       ? instance.io_bytes[t]
                       : instance.file_share_bytes[t];
    r.io_gb_per_task[t] = bytes / kGb;
    r.io_gb += bytes / kGb;
    r.pred_count[t] = static_cast<std::uint32_t>(w.predecessors(id).size());
    r.succ_offset[t + 1] = r.succ_offset[t] + static_cast<std::uint32_t>(w.successors(id).size());
  }
  r.succ.reserve(r.succ_offset.back());
  for (std::uint32_t t = 0; t < r.tasks; ++t)
    for (TaskId s : w.successors(TaskId{t})) r.succ.push_back(index(s));
  // Each machine's cores, for a replay that chooses the machines (only when every task's
  // recorded machine is known: the run then says which machines there were).
  if (!instance.machines.empty() && std::all_of(r.machine.begin(), r.machine.end(),
                                                [&](std::uint32_t m) { return m < r.machines; }))
    for (const WfCommonsMachine& m : instance.machines)
      r.machine_cores.push_back(std::max<std::uint32_t>(1, m.cores));
  for (std::size_t f = 0; f < w.function_count(); ++f)
    r.functions.emplace_back(w.function_name(FunctionId{static_cast<std::uint32_t>(f)}));
  std::sort(r.functions.begin(), r.functions.end());
  r.functions.erase(std::unique(r.functions.begin(), r.functions.end()), r.functions.end());
  return r;
}

namespace {

// Days from 1970-01-01 to year-month-day (proleptic Gregorian; H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

double wms_parse_time(std::string_view text) {
  constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
  // Digit groups and the separators between them.
  std::vector<std::string_view> digits;
  std::size_t i = 0;
  auto number = [](std::string_view d) {
    int v = 0;
    for (char c : d) v = v * 10 + (c - '0');
    return v;
  };
  std::size_t tz = std::string_view::npos;  // where the zone starts (after the seconds)
  while (i < text.size() && tz == std::string_view::npos) {
    if (std::isdigit(static_cast<unsigned char>(text[i]))) {
      std::size_t j = i;
      while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
      digits.push_back(text.substr(i, j - i));
      i = j;
      // The zone follows the seconds: the third group after 'T', or the second compact group.
      if ((digits.size() == 6 || (digits.size() == 2 && digits[0].size() == 8)) && i < text.size())
        tz = i;
    } else {
      ++i;
    }
  }
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (digits.size() == 2 && digits[0].size() == 8 && digits[1].size() == 6) {  // 20200415T184122
    year = number(digits[0].substr(0, 4));
    month = number(digits[0].substr(4, 2));
    day = number(digits[0].substr(6, 2));
    hour = number(digits[1].substr(0, 2));
    minute = number(digits[1].substr(2, 2));
    second = number(digits[1].substr(4, 2));
  } else if (digits.size() == 6 && digits[0].size() == 4) {  // 2020-12-27T18:23:37
    year = number(digits[0]);
    month = number(digits[1]);
    day = number(digits[2]);
    hour = number(digits[3]);
    minute = number(digits[4]);
    second = number(digits[5]);
  } else if (digits.size() == 6 && digits[2].size() == 2) {  // 03-23-21T05:57:15 (month first)
    month = number(digits[0]);
    day = number(digits[1]);
    year = 2000 + number(digits[2]);
    hour = number(digits[3]);
    minute = number(digits[4]);
    second = number(digits[5]);
  } else {
    return kNone;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return kNone;
  // The zone: "Z", "+0000", "+00:00", "-10:00"; nothing means UTC.
  int offset_min = 0;
  if (tz != std::string_view::npos) {
    std::string_view z = text.substr(tz);
    if (z != "Z") {
      std::string hhmm;
      for (char c : z.substr(1))
        if (std::isdigit(static_cast<unsigned char>(c))) hhmm += c;
      if ((z[0] != '+' && z[0] != '-') || hhmm.size() != 4) return kNone;
      offset_min = number(hhmm.substr(0, 2)) * 60 + number(hhmm.substr(2, 2));
      if (z[0] == '-') offset_min = -offset_min;
    }
  }
  return static_cast<double>(
             days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day))) *
             86400.0 +
         hour * 3600.0 + minute * 60.0 + second - offset_min * 60.0;
}

WmsRun read_wms_run(const std::string& file) {
  const WfCommonsInstance instance = read_wfcommons(read_text_file(file), file);
  WmsRun r = wms_run(instance, file);
  r.started_at_s = wms_parse_time(instance.executed_at);
  return r;
}

std::vector<std::size_t> wms_primary(const std::vector<WmsRun>& runs) {
  std::vector<std::size_t> primary(runs.size());
  for (std::size_t r = 0; r < runs.size(); ++r) {
    primary[r] = r;
    for (std::size_t q = 0; q < r; ++q)
      if (primary[q] == q && runs[q].fingerprint == runs[r].fingerprint &&
          runs[q].recorded_makespan_s == runs[r].recorded_makespan_s) {
        primary[r] = q;
        break;
      }
  }
  return primary;
}

namespace {

// The windows during which the other runs busied run r (see wms_concurrency), those that opened
// before `until` seconds of r's clock.
std::vector<WmsBusy> busy_windows(std::size_t r, const std::vector<WmsRun>& runs,
                                  const std::vector<std::size_t>& primary, double until) {
  std::vector<WmsBusy> out;
  const WmsRun& run = runs[r];
  if (std::isnan(run.started_at_s)) return out;
  for (std::size_t q = 0; q < runs.size(); ++q) {
    const WmsRun& other = runs[q];
    if (primary[q] != q || primary[q] == primary[r] || std::isnan(other.started_at_s)) continue;
    bool shared = false;
    for (const std::string& m : run.machine_names)
      shared |= !m.empty() && std::find(other.machine_names.begin(), other.machine_names.end(),
                                        m) != other.machine_names.end();
    double from = other.started_at_s - run.started_at_s;
    double to = from + other.recorded_makespan_s;
    if (shared && to > 0 && from < until) out.push_back({std::max(0.0, from), to, q});
  }
  return out;
}

}  // namespace

void wms_concurrency(std::vector<WmsRun>& runs) {
  std::vector<std::size_t> primary = wms_primary(runs);
  for (std::size_t r = 0; r < runs.size(); ++r)
    runs[r].busy = busy_windows(r, runs, primary, runs[r].recorded_makespan_s);
}

double wms_makespan_s(const WmsRun& run, const WmsParams& p) {
  const std::uint32_t n = run.tasks;
  using Item = std::pair<double, std::uint32_t>;  // (release time, task): smallest first
  // Calibration replays each run thousands of times: the buffers are kept per thread. Both
  // heaps are min-heaps (std::greater): released tasks by release time, then id; slots' free
  // times (all free at 0), one heap for all machines, or one per machine (slot_offset[m] to
  // slot_offset[m + 1]) when the replay chooses the machines.
  thread_local std::vector<Item> released;
  thread_local std::vector<double> release, slots, machine_last;
  thread_local std::vector<std::uint32_t> waiting, slot_offset;
  const std::greater<> later;
  released.clear();
  release.assign(n, p.latency_s);
  waiting.assign(run.pred_count.begin(), run.pred_count.end());
  for (std::uint32_t t = 0; t < n; ++t)
    if (waiting[t] == 0) released.emplace_back(release[t], t);
  std::make_heap(released.begin(), released.end(), later);
  const bool choose = run.pooled_machines && !run.machine_cores.empty();
  slot_offset.assign(1, 0);
  if (choose) {
    slots.clear();
    for (std::uint32_t c : run.machine_cores) {
      slots.insert(slots.end(), std::min(c, n), 0.0);
      slot_offset.push_back(static_cast<std::uint32_t>(slots.size()));
    }
  } else {
    slots.assign(std::min(run.slots, n), 0.0);
    slot_offset.push_back(static_cast<std::uint32_t>(slots.size()));
  }
  machine_last.assign(run.machines + 1, -p.machine_interval_s);
  double last_start = -p.dispatch_interval_s, server_free = 0, makespan = 0;
  // How many other workflows share the system at time x: the intervals scale by 1 + that.
  auto sharing = [&run](double x) {
    double k = 1;
    for (const WmsBusy& b : run.busy) k += b.from_s <= x && x < b.to_s ? 1 : 0;
    return k;
  };
  // When machine m can start its next task: its interval since its last start, a free core.
  auto machine_ready = [&](std::uint32_t m) {
    return std::max(machine_last[m] + p.machine_interval_s * sharing(machine_last[m]),
                    slots[slot_offset[m]]);
  };
  while (!released.empty()) {
    std::pop_heap(released.begin(), released.end(), later);
    auto [ready, t] = released.back();
    released.pop_back();
    // The task's machine: the recorded one, or (choosing) the one that can start it first, the
    // first such machine on a tie - the matchmaker hands an idle job to any free slot.
    std::uint32_t m = run.machine[t];
    if (choose) {
      m = 0;
      double first = machine_ready(0);
      for (std::uint32_t k = 1; k < run.machine_cores.size(); ++k)
        if (double at = machine_ready(k); at < first) {
          first = at;
          m = k;
        }
    }
    double& on_machine = machine_last[m];
    double* const heap_begin = slots.data() + slot_offset[choose ? m : 0];
    double* const heap_end = slots.data() + slot_offset[choose ? m + 1 : 1];
    std::pop_heap(heap_begin, heap_end, later);
    // The dispatcher hands the task over; with head-of-line blocking it hands over nothing else
    // until the task has started on its machine.
    const double dispatched =
        std::max(ready, last_start + p.dispatch_interval_s * sharing(last_start));
    const double start = std::max(
        {dispatched, on_machine + p.machine_interval_s * sharing(on_machine), heap_end[-1]});
    last_start = run.head_of_line ? start : dispatched;
    on_machine = start;
    double staged = start;
    if (run.io_gb_per_task[t] > 0 && p.staging_s_per_gb > 0) {
      staged = std::max(start, server_free) + run.io_gb_per_task[t] * p.staging_s_per_gb;
      server_free = staged;
    }
    double end = staged + run.runtime_s[t];
    heap_end[-1] = end;
    std::push_heap(heap_begin, heap_end, later);
    makespan = std::max(makespan, end);
    for (std::uint32_t k = run.succ_offset[t]; k < run.succ_offset[t + 1]; ++k) {
      std::uint32_t c = run.succ[k];
      release[c] = std::max(release[c], end + p.latency_s);
      if (--waiting[c] == 0) {
        released.emplace_back(release[c], c);
        std::push_heap(released.begin(), released.end(), later);
      }
    }
  }
  // The workflow system notices the last task's end one latency later, as it notices every
  // other end (Pegasus then runs its stage-out and clean-up jobs; Makeflow polls its log).
  return makespan + p.latency_s;
}

double wms_loss(const std::vector<const WmsRun*>& runs, const WmsParams& params) {
  double loss = 0;
  for (const WmsRun* r : runs) {
    double ratio = wms_makespan_s(*r, params) / r->recorded_makespan_s;
    double l = std::log(std::max(ratio, 1e-9));
    loss += l * l;
  }
  return loss;
}

namespace {

// Coordinate descent in log space on the parameters `moved` of `start`, minimising `objective`:
// each round tries every moved parameter at p' = (p + kScale) e^{+-step} - kScale (and, while the
// step is the first one, at 0 and at factors 1/16 .. 16 of p + kScale), keeps each improving
// move, and divides the step by 3 after a round without one, from 0.2 down to 10^-4 (at most 200
// rounds). The other parameters keep their start value.
template <typename Objective>
WmsParams descend(const WmsParams& start, const std::array<bool, WmsParams::kCount>& moved,
                  Objective objective) {
  WmsParams best = start;
  double best_value = objective(best);
  static constexpr double kCoarse[] = {1.0 / 16, 0.25, 0.5, 2.0, 4.0, 16.0};
  auto improve = [&](std::size_t i, auto each_candidate) {
    WmsParams round_best = best;
    double round_value = best_value;
    each_candidate([&](double v) {
      WmsParams c = best;
      c[i] = std::max(0.0, v);
      double value = objective(c);
      if (value < round_value - 1e-12) {
        round_value = value;
        round_best = c;
      }
    });
    if (round_value >= best_value) return false;
    best = round_best;
    best_value = round_value;
    return true;
  };
  int rounds = 0;
  for (double step = 0.2; step > 1e-4 && rounds < 200; ++rounds) {
    bool moved_one = false;
    for (std::size_t i = 0; i < WmsParams::kCount; ++i) {
      if (!moved[i]) continue;
      const double base = best[i] + kScale;
      moved_one |= improve(i, [&](auto consider) {
        if (step == 0.2) {
          consider(0);
          for (double f : kCoarse) consider(base * f - kScale);
        }
        consider(base * std::exp(step) - kScale);
        consider(base * std::exp(-step) - kScale);
      });
    }
    if (!moved_one) step /= 3;
  }
  return best;
}

}  // namespace

double wms_fit_objective(const std::vector<const WmsRun*>& runs, const WmsParams& params,
                         const WmsParams* prior, const WmsFitOptions& options) {
  double s = 0;
  if (prior && options.shrinkage > 0)
    for (std::size_t i = 0; i < WmsParams::kCount; ++i) {
      if (!options.fitted[i]) continue;
      double d = std::log((1 + params[i] / kScale) / (1 + (*prior)[i] / kScale));
      s += options.shrinkage * d * d;
    }
  return wms_loss(runs, params) + s;
}

WmsParams fit_wms(const std::vector<const WmsRun*>& runs, const WmsParams& start,
                  const WmsParams* prior, const WmsFitOptions& options) {
  auto objective = [&](const WmsParams& p) { return wms_fit_objective(runs, p, prior, options); };
  WmsParams best = descend(start, options.fitted, objective);
  if (options.exchange_start && options.fitted[1] && options.fitted[3]) {
    // The two intervals can explain the same makespans (on one machine, exactly): descend also
    // from the start with them exchanged, and keep the better end.
    WmsParams other = start;
    std::swap(other.dispatch_interval_s, other.machine_interval_s);
    WmsParams alt = descend(other, options.fitted, objective);
    if (objective(alt) < objective(best) - 1e-12) best = alt;
  }
  return best;
}

WmsParams wms_typical(const std::map<std::uint32_t, WmsParams>& applications) {
  WmsParams typical;
  for (const auto& [g, p] : applications)
    for (std::size_t i = 0; i < WmsParams::kCount; ++i) typical[i] += std::log1p(p[i] / kScale);
  for (std::size_t i = 0; i < WmsParams::kCount; ++i)
    typical[i] = applications.empty()
                     ? 0
                     : kScale * std::expm1(typical[i] / static_cast<double>(applications.size()));
  return typical;
}

WmsParams wms_scale_fit(const std::vector<const WmsRun*>& runs, const WmsParams& shared,
                        const std::array<bool, WmsParams::kCount>& which) {
  // One factor on the parameters `which`: golden-section search on log(factor) in [1/64, 64].
  auto scaled = [&](double log_factor) {
    WmsParams p = shared;
    for (std::size_t i = 0; i < WmsParams::kCount; ++i)
      if (which[i]) p[i] *= std::exp(log_factor);
    return p;
  };
  double lo = std::log(1.0 / 64), hi = std::log(64.0);
  const double g = (std::sqrt(5.0) - 1) / 2;
  double a = hi - g * (hi - lo), b = lo + g * (hi - lo);
  double fa = wms_loss(runs, scaled(a)), fb = wms_loss(runs, scaled(b));
  while (hi - lo > 1e-4) {
    if (fa <= fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - g * (hi - lo);
      fa = wms_loss(runs, scaled(a));
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + g * (hi - lo);
      fb = wms_loss(runs, scaled(b));
    }
  }
  return scaled((lo + hi) / 2);
}

std::vector<std::uint32_t> wms_application_groups(const std::vector<WmsRun>& runs) {
  std::vector<std::size_t> parent(runs.size());
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](std::size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (std::size_t a = 0; a < runs.size(); ++a) {
    for (std::size_t b = a + 1; b < runs.size(); ++b) {
      const auto &fa = runs[a].functions, &fb = runs[b].functions;
      std::vector<std::string> common;
      std::set_intersection(fa.begin(), fa.end(), fb.begin(), fb.end(), std::back_inserter(common));
      std::size_t all = fa.size() + fb.size() - common.size();
      if (all > 0 && 2 * common.size() >= all)
        parent[std::max(find(a), find(b))] = std::min(find(a), find(b));
    }
  }
  std::vector<std::uint32_t> group(runs.size());
  std::map<std::size_t, std::uint32_t> number;
  for (std::size_t r = 0; r < runs.size(); ++r) {
    auto [it, fresh] = number.emplace(find(r), static_cast<std::uint32_t>(number.size()));
    group[r] = it->second;
  }
  return group;
}

namespace {

// Runs `work(i)` for i in [0, count) on up to `threads` threads; each i exactly once.
template <typename Work>
void parallel_for(std::size_t count, unsigned threads, Work work) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(1, count)));
  std::atomic<std::size_t> next{0};
  auto loop = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < count;) work(i);
  };
  std::vector<std::thread> pool;
  for (unsigned k = 1; k < threads; ++k) pool.emplace_back(loop);
  loop();
  for (std::thread& t : pool) t.join();
}

}  // namespace

WmsTable wms_leave_one_out(std::vector<WmsRun> runs, const WmsFitOptions& options,
                           const WmsProgress& progress) {
  WmsTable table;
  table.options = options;
  table.runs = std::move(runs);
  const std::vector<WmsRun>& all = table.runs;
  std::vector<std::uint32_t> group = wms_application_groups(all);
  table.rows.resize(all.size());
  // Copies: the same workflow with the same recorded makespan (a 1.4 and a 1.5 file).
  std::vector<std::size_t> primary = wms_primary(all);
  // Runs that shared machines at the same time busied each other.
  for (WmsRun& r : table.runs) {
    r.head_of_line = options.head_of_line;
    r.pooled_machines = options.pooled_machines;
  }
  if (options.contention) {
    wms_concurrency(table.runs);
  } else {
    for (WmsRun& r : table.runs) r.busy.clear();
  }
  // Which copy of each run the fits see: all[q] itself, except in a held-out fit, where the
  // runs the held-out run busied see it no more (its end is its recorded makespan).
  using View = std::vector<const WmsRun*>;
  View own_view(all.size());
  for (std::size_t q = 0; q < all.size(); ++q) own_view[q] = &all[q];
  auto distinct = [&](const View& view, auto keep) {
    std::vector<const WmsRun*> out;
    for (std::size_t q = 0; q < all.size(); ++q)
      if (primary[q] == q && keep(q)) out.push_back(view[q]);
    return out;
  };
  // Where every fit starts: the generic WMS, without the parameters not fitted.
  WmsParams start = kStart;
  for (std::size_t i = 0; i < WmsParams::kCount; ++i)
    if (!options.fitted[i]) start[i] = 0;
  // An application's parameters from its runs and a prior: first the one factor a single run
  // can pin down, then every parameter, shrunk towards the scaled prior: what the application's
  // runs cannot tell apart stays in the prior's proportions.
  // The staging time per GB is pulled towards the prior's own value, not the scaled one: it is
  // the platform's storage, which a slower workflow system does not slow down.
  auto fit_application = [&](const std::vector<const WmsRun*>& own, const WmsParams& prior) {
    WmsParams scaled = wms_scale_fit(own, prior);
    if (!options.refine) return scaled;
    WmsParams anchor = scaled;
    if (!options.platform_staging) return fit_wms(own, scaled, &anchor, options);
    anchor.staging_s_per_gb = prior.staging_s_per_gb;
    // Two descents, kept the better: from every parameter scaled, and from the platform's
    // staging with the other three scaled (each stops where moving one parameter no longer
    // helps; with one or two runs the two ends differ).
    WmsParams a = fit_wms(own, scaled, &anchor, options);
    WmsParams b =
        fit_wms(own, wms_scale_fit(own, prior, {true, true, false, true}), &anchor, options);
    return wms_fit_objective(own, b, &anchor, options) <
                   wms_fit_objective(own, a, &anchor, options) - 1e-12
               ? b
               : a;
  };
  // The model fitted on the runs `keep` accepts, for the applications `wanted` accepts: the
  // parameters shared by all those runs, and each wanted application's.
  struct Model {
    WmsParams shared;
    std::map<std::uint32_t, WmsParams> application;
  };
  auto fit_model = [&](const View& view, auto keep, auto wanted) {
    Model m;
    m.shared = fit_wms(distinct(view, keep), start, nullptr, options);
    std::map<std::uint32_t, std::vector<const WmsRun*>> by_group;
    for (std::size_t q = 0; q < all.size(); ++q)
      if (primary[q] == q && keep(q)) by_group[group[q]].push_back(view[q]);
    if (!options.per_application) {
      for (const auto& [g, runs_g] : by_group) m.application[g] = m.shared;
      return m;
    }
    // First pass: each application shrunk towards the shared parameters (with the typical
    // prior, every application: the typical one is made of them).
    const bool typical = options.typical_prior && by_group.size() >= 2;
    std::map<std::uint32_t, WmsParams> first;
    // With `free_typical`, the typical application is made of each application's own fit (from
    // the generic start, no prior), not of fits pulled towards the shared parameters.
    for (const auto& [g, runs_g] : by_group)
      if (typical || wanted(g))
        first[g] = typical && options.free_typical ? fit_wms(runs_g, start, nullptr, options)
                                                   : fit_application(runs_g, m.shared);
    if (!typical) {
      m.application = std::move(first);
      return m;
    }
    // Second pass: each application scaled from, and shrunk towards, the typical application.
    const WmsParams prior = wms_typical(first);
    for (const auto& [g, runs_g] : by_group)
      if (wanted(g)) m.application[g] = fit_application(runs_g, prior);
    return m;
  };

  // Whether run q may be fitted when run h is held out: any other run, or with
  // `across_folders`, any run of another folder (the held-out one's whole folder is left out).
  auto trains = [&](std::size_t q, std::size_t h) {
    return q != h && (!options.across_folders || all[q].folder != all[h].folder);
  };

  // Every run, and each application's in-sample fit.
  Model everything = fit_model(
      own_view, [](std::size_t) { return true; }, [](std::uint32_t) { return true; });
  table.shared = everything.shared;
  for (std::size_t r = 0; r < all.size(); ++r) {
    WmsRow& row = table.rows[r];
    row.run = r;
    row.group = group[r];
    if (primary[r] != r) row.copy_of = all[primary[r]].file;
    row.other_runs = distinct(own_view, [&](std::size_t q) {
                       return q != primary[r] && group[q] == group[r] && trains(q, r);
                     }).size();
    row.has_loo = primary[r] == r && row.other_runs > 0;
    row.in_sample = everything.application.at(group[r]);
    row.in_sample_error = wms_makespan_s(all[r], row.in_sample) / all[r].recorded_makespan_s - 1;
  }

  std::vector<std::size_t> held_out;
  for (std::size_t r = 0; r < all.size(); ++r)
    if (table.rows[r].has_loo) held_out.push_back(r);
  std::mutex report;
  std::size_t done = 0;
  parallel_for(held_out.size(), options.threads, [&](std::size_t k) {
    std::size_t h = held_out[k];
    // The runs h busied see it no more: its end is its recorded makespan.
    View view = own_view;
    std::vector<WmsRun> blind;
    blind.reserve(all.size());
    // With `across_folders`, neither do they see the other runs of its folder, whose ends are
    // as unknown as its own.
    auto from_h = [&](const WmsBusy& b) { return !trains(b.source, h); };
    for (std::size_t q = 0; q < all.size(); ++q) {
      if (q == h || std::none_of(all[q].busy.begin(), all[q].busy.end(), from_h)) continue;
      blind.push_back(all[q]);
      std::erase_if(blind.back().busy, from_h);
      view[q] = &blind.back();
    }
    Model m = fit_model(
        view, [&](std::size_t q) { return trains(q, h); },
        [&](std::uint32_t g) { return g == group[h]; });
    const WmsParams& own = m.application.at(group[h]);
    // The held-out run sees every run that started after it on its machines: when it ended is
    // what it does not know.
    WmsRun held = all[h];
    if (options.contention)
      held.busy = busy_windows(h, all, primary, std::numeric_limits<double>::infinity());
    std::erase_if(held.busy, [&](const WmsBusy& b) { return !trains(b.source, h); });
    WmsRow& row = table.rows[h];
    row.loo = own;
    row.loo_error = wms_makespan_s(held, own) / all[h].recorded_makespan_s - 1;
    std::lock_guard<std::mutex> lock(report);
    ++done;
    if (progress) progress(done, held_out.size());
  });

  std::vector<double> abs_loo;
  for (const WmsRow& row : table.rows)
    if (row.has_loo) abs_loo.push_back(std::abs(row.loo_error));
  table.loo_rows = abs_loo.size();
  if (!abs_loo.empty()) {
    table.median_abs_loo_error = median(abs_loo);
    table.max_abs_loo_error = *std::max_element(abs_loo.begin(), abs_loo.end());
  }
  std::stable_sort(table.rows.begin(), table.rows.end(), [&](const WmsRow& a, const WmsRow& b) {
    return std::tie(all[a.run].label, all[a.run].file) <
           std::tie(all[b.run].label, all[b.run].file);
  });
  return table;
}

namespace {

std::string percent(double x) {
  return fmt::format("{:+.1f}%", 100.0 * x);
}

std::string params_text(const WmsParams& p) {
  return fmt::format("{:.1f} / {:.2f} / {:.1f} / {:.2f}", p.latency_s, p.dispatch_interval_s,
                     p.staging_s_per_gb, p.machine_interval_s);
}

// The file name below the folder all runs share (the last two path parts at most).
std::string short_name(const std::string& file) {
  std::filesystem::path p(file);
  std::string parent = p.parent_path().filename().string();
  return parent.empty() ? p.filename().string() : parent + "/" + p.filename().string();
}

}  // namespace

std::string wms_table_markdown(const WmsTable& table) {
  std::string out =
      "| application | file | tasks | machines (cores) | GB staged | critical path (s) | "
      "recorded makespan (s) | in-sample error | leave-one-out parameters (latency s / "
      "dispatch s / staging s per GB / machine interval s) | leave-one-out error |\n"
      "|---|---|---:|---:|---:|---:|---:|---:|---|---:|\n";
  for (const WmsRow& row : table.rows) {
    const WmsRun& r = table.runs[row.run];
    std::string loo_params = "-", loo_error;
    if (row.has_loo) {
      loo_params = params_text(row.loo);
      loo_error = percent(row.loo_error);
    } else if (!row.copy_of.empty()) {
      loo_error = "n/a: copy of " + short_name(row.copy_of);
    } else {
      loo_error = "n/a: only run";
    }
    out += fmt::format("| {} | {} | {} | {} ({}) | {:.1f} | {:.1f} | {:.0f} | {} | {} | {} |\n",
                       r.label, short_name(r.file), r.tasks, r.machines, r.slots, r.io_gb,
                       r.critical_path_s, r.recorded_makespan_s, percent(row.in_sample_error),
                       loo_params, loo_error);
  }
  out += fmt::format(
      "\nLeave-one-out over {} runs: median |error| {:.1f}%, largest {:.1f}%. Shared parameters "
      "(all runs): {} (latency s / dispatch s / staging s per GB / machine interval s).\n",
      table.loo_rows, 100 * table.median_abs_loo_error, 100 * table.max_abs_loo_error,
      params_text(table.shared));
  return out;
}

std::vector<WmsVariant> wms_variants(const WmsFitOptions& base) {
  std::vector<WmsVariant> out;
  out.push_back({"the model above", base});
  for (std::size_t i = 0; i < WmsParams::kCount; ++i) {
    WmsVariant v{fmt::format("without {}", wms_param_name(i)), base};
    v.options.fitted[i] = false;
    out.push_back(v);
  }
  for (std::size_t i = 0; i < WmsParams::kCount; ++i) {
    WmsVariant v{fmt::format("{} alone", wms_param_name(i)), base};
    v.options.fitted = {false, false, false, false};
    v.options.fitted[i] = true;
    out.push_back(v);
  }
  WmsVariant shared{"shared parameters only (no per-application fit)", base};
  shared.options.per_application = false;
  out.push_back(shared);
  WmsVariant prior{"prior: the parameters shared by all runs, not the typical application", base};
  prior.options.typical_prior = false;
  out.push_back(prior);
  WmsVariant scale{"per application only a factor on the prior", base};
  scale.options.refine = false;
  out.push_back(scale);
  WmsVariant alone{
      "without contention (runs that overlapped in time on shared machines replayed "
      "alone)",
      base};
  alone.options.contention = false;
  out.push_back(alone);
  WmsVariant exchange{
      "every fit also descends from its start with the two intervals exchanged (better in "
      "sample)",
      base};
  exchange.options.exchange_start = true;
  out.push_back(exchange);
  WmsVariant storage{
      "staging shrunk towards the prior scaled by the application's factor, as the other three "
      "(not towards the platform's value)",
      base};
  storage.options.platform_staging = false;
  out.push_back(storage);
  WmsVariant free{
      "no head-of-line blocking (a task waiting for its machine does not hold up the "
      "dispatcher)",
      base};
  free.options.head_of_line = false;
  out.push_back(free);
  WmsVariant pooled{
      "machines chosen by the replay (a task starts on whichever machine can start it first), "
      "without head-of-line blocking",
      base};
  pooled.options.pooled_machines = true;
  pooled.options.head_of_line = false;
  out.push_back(pooled);
  WmsVariant free_typical{
      "typical application from each application's own fit (no pull towards the shared "
      "parameters)",
      base};
  free_typical.options.free_typical = true;
  out.push_back(free_typical);
  WmsVariant own{"no shrinkage (after the factor, each application on its own runs)", base};
  own.options.shrinkage = 0;
  out.push_back(own);
  return out;
}

std::string wms_variants_markdown(const std::vector<WmsRun>& runs,
                                  const std::vector<WmsVariant>& variants,
                                  const WmsProgress& progress) {
  std::string out =
      "| model variant | median abs leave-one-out error | largest |\n|---|---:|---:|\n";
  for (const WmsVariant& v : variants) {
    WmsTable t = wms_leave_one_out(runs, v.options, progress);
    out += fmt::format("| {} | {:.1f}% | {:.1f}% |\n", v.name, 100 * t.median_abs_loo_error,
                       100 * t.max_abs_loo_error);
  }
  return out;
}

}  // namespace dagplan::sim
