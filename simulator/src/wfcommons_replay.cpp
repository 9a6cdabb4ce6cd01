// Replay and leave-one-out calibration of WfCommons instances (docs/calibration.md).
//
// The workflow system is modelled with what the cluster platform kind offers (DESIGN.md
// section 2): every task pays Platform::dispatch_overhead_us on its slot before it executes, and
// at most `slots` tasks are in flight (one pooled configuration of `slots` cores). The plan is
// the `wukong` planner's (every task flexible): the run engine starts a ready task as soon as a
// slot is free, first come first served, which is what a WMS does with ready jobs (DAGMan submits
// them to HTCondor's queue; Makeflow and Nextflow to their executors). One deviation from a
// strict FIFO queue: a task whose last input was produced on a slot that has just been freed
// takes that slot at once (WUKONG's "continue on the same worker"), as HTCondor reuses a claimed
// slot for the next idle job. The planner is an option: heft and dask plans (strict workers,
// one per core) give the same or slightly larger errors (docs/calibration.md), and a WMS makes no
// such plan.
//
// Calibration is by bisection on the overhead (the makespan does not decrease as it grows) and,
// for the slot count, by a grid search scored by leave-one-out errors on other applications.
// With every task paying the same overhead, tasks of one level move in waves of `slots`, so the
// makespan (and every error) is a step function of the slot count: see the sweep in
// docs/calibration.md before trusting any single slot count.
#include "dagplan/sim/wfcommons_replay.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>

#include "dagplan/analysis.hpp"
#include "dagplan/error.hpp"
#include "dagplan/files.hpp"
#include "dagplan/model.hpp"
#include "dagplan/planner.hpp"
#include "dagplan/sim/simulator.hpp"

namespace dagplan::sim {
namespace {

// Tasks at the most populated depth (depth = longest path from a root, in tasks).
std::uint32_t widest_level(const Workflow& w) {
  std::vector<std::uint32_t> depth(w.task_count(), 0);
  std::vector<std::uint32_t> count(w.task_count() + 1, 0);
  for (TaskId t : w.topological_order()) {
    std::uint32_t d = 0;
    for (TaskId p : w.predecessors(t)) d = std::max(d, depth[index(p)] + 1);
    depth[index(t)] = d;
    ++count[d];
  }
  return *std::max_element(count.begin(), count.end());
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

void require_makespan(const WfCommonsInstance& instance, const std::string& file) {
  if (!(instance.makespan_s > 0))
    throw InputError(file,
                     instance.schema_version == "1.4" ? "$.workflow.makespanInSeconds"
                                                      : "$.workflow.execution.makespanInSeconds",
                     "expected a recorded makespan > 0 to calibrate on this instance");
}

double relative(std::int64_t simulated_us, double recorded_s) {
  return (static_cast<double>(simulated_us) / 1e6 - recorded_s) / recorded_s;
}

std::string percent(double x) {
  return fmt::format("{:+.1f}%", 100.0 * x);
}
std::string seconds(std::int64_t us) {
  return fmt::format("{:.2f}", static_cast<double>(us) / 1e6);
}

}  // namespace

Platform wfcommons_cluster_platform(const WfCommonsInstance& instance,
                                    const WfCommonsReplayOptions& options) {
  Platform p;
  p.kind = PlatformKind::kCluster;
  p.name = "wfcommons-" +
           (instance.application.empty() ? std::string("instance") : instance.application);
  auto add = [&](std::string name, std::uint32_t cores) {
    ResourceConfig c;
    c.name = std::move(name);
    c.vcpus = cores;
    c.speed = 1.0;  // every runtime was measured on the machine the task ran on
    c.count = 1;
    c.bandwidth_bytes_per_s = options.machine_bandwidth_bytes_per_s;
    p.configs.push_back(std::move(c));
  };
  for (std::size_t i = 0; i < instance.machines.size(); ++i) {
    const WfCommonsMachine& m = instance.machines[i];
    std::uint32_t cores =
        m.cores > 0 ? m.cores : std::max<std::uint32_t>(1, options.unknown_machine_cores);
    // Configuration names must be unique: a repeated or missing nodeName gets its index.
    std::string name =
        m.name.empty() || p.find_config(m.name) ? fmt::format("machine-{}", i) : m.name;
    add(std::move(name), cores);
  }
  if (p.configs.empty()) add("default", widest_level(instance.workflow));
  p.invoke_latency_us = 0;
  p.storage_latency_us = options.storage_latency_us;
  p.storage_bandwidth_bytes_per_s = options.storage_bandwidth_bytes_per_s;
  p.max_concurrency = std::numeric_limits<std::uint32_t>::max();
  p.dag_inline_bytes = std::numeric_limits<std::uint64_t>::max();  // nothing to fetch at start-up
  p.bill_startup = false;
  p.dispatch_overhead_us = 0;
  return p;
}

std::uint32_t wfcommons_cores(const WfCommonsInstance& instance,
                              const WfCommonsReplayOptions& options) {
  double cores = 0;
  for (const ResourceConfig& c : wfcommons_cluster_platform(instance, options).configs)
    cores += c.vcpus * c.count;
  return static_cast<std::uint32_t>(std::llround(cores));
}

Platform wfcommons_replay_platform(const WfCommonsInstance& instance, std::uint32_t slots,
                                   std::int64_t dispatch_overhead_us,
                                   const WfCommonsReplayOptions& options) {
  Platform p = wfcommons_cluster_platform(instance, options);
  std::uint32_t cores = wfcommons_cores(instance, options);
  ResourceConfig pooled = p.configs.front();
  pooled.name = "wms-slots";
  pooled.vcpus = std::clamp<std::uint32_t>(slots, 1, std::max<std::uint32_t>(1, cores));
  pooled.count = 1;
  p.configs.assign(1, pooled);
  p.dispatch_overhead_us = dispatch_overhead_us;
  return p;
}

WfCommonsReplay replay_wfcommons(const WfCommonsInstance& instance, std::uint32_t slots,
                                 std::int64_t dispatch_overhead_us,
                                 const WfCommonsReplayOptions& options) {
  const Workflow& w = instance.workflow;
  Platform platform = wfcommons_replay_platform(instance, slots, dispatch_overhead_us, options);
  ExecutionModel model(w, platform);
  Plan plan = planner_registry().create(options.planner)->plan(model, PlannerOptions{});
  SimOptions sim;
  sim.contention = true;
  sim.noise.enabled = false;
  SimResult r = simulate(model, plan, sim);
  WfCommonsReplay out;
  out.makespan_us = r.timeline.makespan_us;
  out.slots = static_cast<std::uint32_t>(platform.configs.front().vcpus);
  out.critical_path_s = critical_path_work_s(w);
  for (std::uint32_t t = 0; t < w.task_count(); ++t) {
    const TaskPrediction& tp = r.timeline.tasks[t];
    std::int64_t simulated = tp.exec_end_us - tp.exec_start_us;
    std::int64_t recorded = seconds_to_us(instance.runtime_s[t]);
    out.max_exec_error_us = std::max(out.max_exec_error_us, std::abs(simulated - recorded));
  }
  return out;
}

WfCommonsOverheadFit fit_wfcommons_overhead(const WfCommonsInstance& instance, std::uint32_t slots,
                                            const WfCommonsReplayOptions& options) {
  require_makespan(instance, instance.workflow.name());
  const std::int64_t recorded = seconds_to_us(instance.makespan_s);
  WfCommonsOverheadFit fit;
  auto makespan = [&](std::int64_t overhead) {
    ++fit.simulations;
    WfCommonsReplay r = replay_wfcommons(instance, slots, overhead, options);
    fit.slots = r.slots;
    return r.makespan_us;
  };
  auto error = [&](std::int64_t m) {
    return static_cast<double>(m - recorded) / static_cast<double>(recorded);
  };
  // Invariant: makespan(lo) < recorded <= makespan(hi). Every task pays the overhead, so an
  // overhead as long as the whole recorded makespan overshoots.
  std::int64_t lo = 0, hi = recorded;
  std::int64_t m_lo = makespan(lo);
  if (m_lo >= recorded) {
    fit.bracketed = m_lo == recorded;
    fit.dispatch_overhead_us = 0;
    fit.simulated_makespan_us = m_lo;
    fit.relative_error = error(m_lo);
    return fit;
  }
  std::int64_t m_hi = makespan(hi);
  while (hi - lo > 1 && std::abs(error(m_hi)) > options.tolerance &&
         std::abs(error(m_lo)) > options.tolerance) {
    std::int64_t mid = lo + (hi - lo) / 2;
    std::int64_t m = makespan(mid);
    if (m < recorded) {
      lo = mid;
      m_lo = m;
    } else {
      hi = mid;
      m_hi = m;
    }
  }
  bool take_lo = std::abs(error(m_lo)) < std::abs(error(m_hi));
  fit.dispatch_overhead_us = take_lo ? lo : hi;
  fit.simulated_makespan_us = take_lo ? m_lo : m_hi;
  fit.relative_error = error(fit.simulated_makespan_us);
  return fit;
}

std::string wfcommons_application(const std::string& file) {
  std::string stem = std::filesystem::path(file).filename().string();
  std::size_t end = stem.find('-');
  if (end == std::string::npos) end = stem.find('.');
  return stem.substr(0, end);
}

namespace {

// The state of one leave-one-out computation: the instances, and every overhead fit made so far
// (by instance and slot count before the cap; a fit costs about 15 simulations).
class LeaveOneOut {
 public:
  struct Run {
    WfCommonsInstance instance;
    WfCommonsCalibrationRow row;
    std::uint64_t fingerprint = 0;
    std::map<std::uint32_t, WfCommonsOverheadFit> fits;
  };

  explicit LeaveOneOut(const WfCommonsReplayOptions& options) : options_(options) {}

  void add(const std::string& file) {
    auto run = std::make_unique<Run>();
    run->instance = read_wfcommons(read_text_file(file), file);
    require_makespan(run->instance, file);
    WfCommonsCalibrationRow& r = run->row;
    r.file = file;
    r.application = wfcommons_application(file);
    r.schema_version = run->instance.schema_version;
    r.tasks = run->instance.workflow.task_count();
    r.machines = run->instance.machines.size();
    r.cores = wfcommons_cores(run->instance, options_);
    r.recorded_makespan_s = run->instance.makespan_s;
    run->fingerprint = run->instance.workflow.fingerprint();
    // A second file of one run (the WfFormat 1.4 copy of a 1.5 file) is not another run.
    for (const auto& prior : runs_) {
      if (prior->row.copy_of.empty() && prior->row.application == r.application &&
          prior->fingerprint == run->fingerprint &&
          prior->row.recorded_makespan_s == r.recorded_makespan_s) {
        r.copy_of = prior->row.file;
        break;
      }
    }
    runs_.push_back(std::move(run));
  }

  std::vector<std::unique_ptr<Run>>& runs() { return runs_; }
  std::uint64_t simulations() const { return simulations_; }

  const WfCommonsOverheadFit& fit(Run& run, std::uint32_t slots) {
    auto it = run.fits.find(slots);
    if (it == run.fits.end()) {
      it = run.fits.emplace(slots, fit_wfcommons_overhead(run.instance, slots, options_)).first;
      simulations_ += it->second.simulations;
    }
    return it->second;
  }

  // Distinct runs of `run`'s application other than `run` and `excluded`.
  std::vector<Run*> others(const Run& run, const Run* excluded) {
    std::vector<Run*> out;
    for (auto& o : runs_)
      if (o.get() != &run && o.get() != excluded && o->row.copy_of.empty() &&
          o->row.application == run.row.application)
        out.push_back(o.get());
    return out;
  }

  // The overhead calibrated on `from` (median of their fits at `slots`).
  std::int64_t calibrated_overhead(const std::vector<Run*>& from, std::uint32_t slots) {
    std::vector<double> overheads;
    overheads.reserve(from.size());
    for (Run* o : from)
      overheads.push_back(static_cast<double>(fit(*o, slots).dispatch_overhead_us));
    return std::llround(median(overheads));
  }

  // Leave-one-out error of `run` at `slots`, calibrated on its application's other runs except
  // `excluded`; empty when there are none.
  std::optional<double> loo_error(Run& run, std::uint32_t slots, const Run* excluded) {
    std::vector<Run*> from = others(run, excluded);
    if (from.empty()) return std::nullopt;
    std::int64_t overhead = calibrated_overhead(from, slots);
    ++simulations_;
    return relative(replay_wfcommons(run.instance, slots, overhead, options_).makespan_us,
                    run.row.recorded_makespan_s);
  }

  // Distinct runs whose application has another distinct run: the ones that can be left out.
  std::vector<Run*> pair_runs() {
    std::vector<Run*> out;
    for (auto& r : runs_)
      if (r->row.copy_of.empty() && !others(*r, nullptr).empty()) out.push_back(r.get());
    return out;
  }

  struct SlotChoice {
    std::uint32_t slots = 0;
    std::string from;  // applications that chose it
  };

  // The slot count in 1..max_slots whose largest |leave-one-out error| over the runs that can be
  // left out, other than those of `excluded`'s application, is smallest; ties: fewer slots.
  // Fixed slots when the options fix them; empty when no run can score a choice.
  std::optional<SlotChoice> choose_slots(const Run* excluded) {
    if (options_.slots != 0) return SlotChoice{options_.slots, "fixed"};
    std::vector<Run*> judges;
    for (Run* r : pair_runs())
      if (!excluded || (r != excluded && r->row.application != excluded->row.application))
        judges.push_back(r);
    if (judges.empty()) return std::nullopt;
    SlotChoice best;
    double best_score = 0;
    for (std::uint32_t s = 1; s <= std::max<std::uint32_t>(1, options_.max_slots); ++s) {
      double score = 0;
      for (Run* j : judges) score = std::max(score, std::abs(loo_error(*j, s, excluded).value()));
      if (best.slots == 0 || score < best_score) {
        best.slots = s;
        best_score = score;
      }
    }
    std::vector<std::string> apps;
    for (Run* j : judges)
      if (std::find(apps.begin(), apps.end(), j->row.application) == apps.end())
        apps.push_back(j->row.application);
    for (std::size_t i = 0; i < apps.size(); ++i) best.from += (i ? ", " : "") + apps[i];
    return best;
  }

 private:
  WfCommonsReplayOptions options_;
  std::vector<std::unique_ptr<Run>> runs_;
  std::uint64_t simulations_ = 0;
};

}  // namespace

WfCommonsCalibrationTable wfcommons_leave_one_out(const std::vector<std::string>& files,
                                                  const WfCommonsReplayOptions& options) {
  WfCommonsCalibrationTable table;
  table.options = options;
  LeaveOneOut loo(options);
  for (const std::string& file : files) loo.add(file);

  // The global slot count, from every run that can be left out; without any, every core.
  std::optional<LeaveOneOut::SlotChoice> global = loo.choose_slots(nullptr);
  table.slots = global ? global->slots : kWfCommonsAllCores;
  table.slots_from = global ? global->from : "none: no application has two runs; every core";

  std::vector<LeaveOneOut::Run*> pairs = loo.pair_runs();
  for (LeaveOneOut::Run* r : pairs) table.sweep_files.push_back(r->row.file);
  if (options.slots == 0) {
    for (std::uint32_t s = 1; s <= std::max<std::uint32_t>(1, options.max_slots); ++s) {
      WfCommonsSlotSweepPoint point;
      point.slots = s;
      for (LeaveOneOut::Run* r : pairs)
        point.loo_error.push_back(loo.loo_error(*r, s, nullptr).value());
      table.sweep.push_back(std::move(point));
    }
  }

  for (auto& run : loo.runs()) {
    WfCommonsCalibrationRow& r = run->row;
    std::uint32_t slots = table.slots;
    r.slots_from = table.slots_from;
    bool left_out = std::find(pairs.begin(), pairs.end(), run.get()) != pairs.end();
    if (left_out) {
      // The slot count is calibrated without this run's application (it would otherwise see the
      // held-out run through its partner); without other applications to judge, every core.
      std::optional<LeaveOneOut::SlotChoice> own = loo.choose_slots(run.get());
      slots = own ? own->slots : kWfCommonsAllCores;
      r.slots_from = own ? own->from : "none: no other application has two runs; every core";
      std::vector<LeaveOneOut::Run*> from = loo.others(*run, nullptr);
      r.loo_runs = from.size();
      r.loo_overhead_us = loo.calibrated_overhead(from, slots);
      r.loo_error = loo.loo_error(*run, slots, nullptr);
    }
    r.fit = loo.fit(*run, slots);
    r.slots = r.fit.slots;
    WfCommonsReplay check =
        replay_wfcommons(run->instance, slots, r.fit.dispatch_overhead_us, options);
    r.critical_path_s = check.critical_path_s;
    r.max_exec_error_us = check.max_exec_error_us;
  }

  std::vector<std::unique_ptr<LeaveOneOut::Run>>& runs = loo.runs();
  std::stable_sort(runs.begin(), runs.end(), [](const auto& a, const auto& b) {
    return a->row.application < b->row.application;
  });
  std::vector<double> abs_loo;
  for (auto& run : runs) {
    if (run->row.loo_error) abs_loo.push_back(std::abs(*run->row.loo_error));
    table.rows.push_back(run->row);
  }
  table.loo_rows = abs_loo.size();
  if (!abs_loo.empty()) {
    table.median_abs_loo_error = median(abs_loo);
    table.max_abs_loo_error = *std::max_element(abs_loo.begin(), abs_loo.end());
  }
  table.simulations = loo.simulations();
  return table;
}

std::vector<std::string> wfcommons_files(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw InputError(dir, "", "expected a folder of WfCommons instances (*.json)");
  std::vector<std::string> out;
  for (const fs::directory_entry& d : fs::recursive_directory_iterator(dir))
    if (d.is_regular_file() && d.path().extension() == ".json") out.push_back(d.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

// The folder every row's file is in (possibly through subfolders); empty when none is shared.
std::string common_folder(const WfCommonsCalibrationTable& table) {
  std::string common;
  if (!table.rows.empty()) {
    common = std::filesystem::path(table.rows.front().file).parent_path().string();
    for (const WfCommonsCalibrationRow& r : table.rows)
      while (!common.empty() && r.file.rfind(common + "/", 0) != 0)
        common = std::filesystem::path(common).parent_path().string();
  }
  return common;
}

std::string relative_to(const std::string& common, const std::string& file) {
  return common.empty() ? file : file.substr(common.size() + 1);
}

}  // namespace

std::string wfcommons_calibration_markdown(const WfCommonsCalibrationTable& table) {
  const std::string common = common_folder(table);
  auto name = [&](const std::string& f) { return relative_to(common, f); };
  std::string out =
      "| application | file | tasks | machines (cores) | critical path (s) | recorded makespan "
      "(s) | slots | fitted overhead (s) | in-sample error | leave-one-out overhead (s) | "
      "leave-one-out error | task runtimes |\n"
      "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n";
  for (const WfCommonsCalibrationRow& r : table.rows) {
    std::string loo_overhead = "-", loo_error;
    if (r.loo_error) {
      loo_overhead = seconds(*r.loo_overhead_us);
      loo_error = percent(*r.loo_error);
    } else if (!r.copy_of.empty()) {
      loo_error = fmt::format("n/a: same run as {} (in-sample only)", name(r.copy_of));
    } else {
      loo_error = "n/a: only run (in-sample only)";
    }
    std::string fitted = seconds(r.fit.dispatch_overhead_us);
    if (!r.fit.bracketed) fitted += " (0 overshoots)";
    out += fmt::format(
        "| {} | {} | {} | {} ({}) | {:.1f} | {:.0f} | {} | {} | {} | {} | {} | {} |\n",
        r.application, name(r.file), r.tasks, r.machines, r.cores, r.critical_path_s,
        r.recorded_makespan_s, r.slots, fitted, percent(r.fit.relative_error), loo_overhead,
        loo_error,
        r.max_exec_error_us == 0 ? std::string("exact")
                                 : fmt::format("off by up to {} us", r.max_exec_error_us));
  }
  out += fmt::format(
      "\nLeave-one-out over {} runs: median absolute error {:.1f}%, largest {:.1f}%. Global slot "
      "count {} (chosen on: {}). {} simulations.\n",
      table.loo_rows, 100.0 * table.median_abs_loo_error, 100.0 * table.max_abs_loo_error,
      table.slots == kWfCommonsAllCores ? std::string("every core") : std::to_string(table.slots),
      table.slots_from, table.simulations);
  if (!table.sweep.empty()) {
    // Leave-one-out errors against the slot count (the same for every run): every count from 24
    // to 64, where the chosen ones lie, every 8th elsewhere, the chosen ones in bold.
    std::vector<std::uint32_t> chosen = {table.slots};
    for (const WfCommonsCalibrationRow& r : table.rows)
      if (r.loo_error) chosen.push_back(r.slots);
    out +=
        "\nLeave-one-out errors at each slot count, the same for every run (bold: the counts "
        "chosen above):\n\n| slots |";
    for (const std::string& f : table.sweep_files) out += " " + name(f) + " |";
    out += "\n|---:|";
    for (std::size_t i = 0; i < table.sweep_files.size(); ++i) out += "---:|";
    out += "\n";
    for (const WfCommonsSlotSweepPoint& p : table.sweep) {
      bool picked = std::find(chosen.begin(), chosen.end(), p.slots) != chosen.end();
      if (p.slots != 1 && p.slots % 8 != 0 && !picked && (p.slots < 24 || p.slots > 64)) continue;
      out += picked ? fmt::format("| **{}** |", p.slots) : fmt::format("| {} |", p.slots);
      for (double e : p.loo_error) out += " " + percent(e) + " |";
      out += "\n";
    }
  }
  return out;
}

std::vector<WfCommonsVariant> wfcommons_variants(const WfCommonsReplayOptions& base,
                                                 const WfCommonsCalibrationTable& base_table) {
  std::vector<WfCommonsVariant> out;
  auto add = [&](std::string name, auto change) {
    WfCommonsVariant v{std::move(name), base};
    change(v.options);
    out.push_back(std::move(v));
  };
  if (base.slots == 0 && base_table.slots != kWfCommonsAllCores)
    add(fmt::format("slots fixed at {} (the global count, chosen with the held-out runs: "
                    "optimistic)",
                    base_table.slots),
        [&](WfCommonsReplayOptions& o) { o.slots = base_table.slots; });
  add("every nominal byte through a 1.25 GB/s shared file system", [](WfCommonsReplayOptions& o) {
    o.storage_bandwidth_bytes_per_s = 1.25e9;
    o.machine_bandwidth_bytes_per_s = 1.25e9;
  });
  add("planner heft", [](WfCommonsReplayOptions& o) { o.planner = "heft"; });
  add("planner dask", [](WfCommonsReplayOptions& o) { o.planner = "dask"; });
  add("slots = every core", [](WfCommonsReplayOptions& o) { o.slots = kWfCommonsAllCores; });
  add("slots = 1 (a serial dispatcher)", [](WfCommonsReplayOptions& o) { o.slots = 1; });
  return out;
}

std::string wfcommons_variants_markdown(
    const std::vector<std::pair<WfCommonsVariant, WfCommonsCalibrationTable>>& variants) {
  if (variants.empty()) return "";
  const WfCommonsCalibrationTable& first = variants.front().second;
  const std::string common = common_folder(first);
  std::string out = "| variant |";
  for (const std::string& f : first.sweep_files) out += " " + relative_to(common, f) + " |";
  out += " median abs error | largest abs error |\n|---|";
  for (std::size_t i = 0; i < first.sweep_files.size(); ++i) out += "---:|";
  out += "---:|---:|\n";
  for (const auto& [variant, table] : variants) {
    out += "| " + variant.name + " |";
    for (const std::string& f : first.sweep_files) {
      auto row = std::find_if(table.rows.begin(), table.rows.end(),
                              [&](const WfCommonsCalibrationRow& r) { return r.file == f; });
      if (row == table.rows.end() || !row->loo_error) {
        out += " - |";
      } else {
        out += fmt::format(" {} ({} slot{}) |", percent(*row->loo_error), row->slots,
                           row->slots == 1 ? "" : "s");
      }
    }
    out += fmt::format(" {:.1f}% | {:.1f}% |\n", 100.0 * table.median_abs_loo_error,
                       100.0 * table.max_abs_loo_error);
  }
  return out;
}

std::string wfcommons_calibration_report(const std::vector<std::string>& files,
                                         const WfCommonsReplayOptions& options) {
  WfCommonsCalibrationTable table = wfcommons_leave_one_out(files, options);
  std::vector<std::pair<WfCommonsVariant, WfCommonsCalibrationTable>> variants;
  variants.emplace_back(WfCommonsVariant{"as above", options}, table);
  for (WfCommonsVariant& v : wfcommons_variants(options, table)) {
    WfCommonsCalibrationTable t = wfcommons_leave_one_out(files, v.options);
    variants.emplace_back(std::move(v), std::move(t));
  }
  return "### Per instance\n\n" + wfcommons_calibration_markdown(table) +
         "\n### Leave-one-out errors under other models\n\n" +
         wfcommons_variants_markdown(variants);
}

}  // namespace dagplan::sim
