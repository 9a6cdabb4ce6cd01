// Replay of WfCommons instances on the cluster model: each recorded runtime reproduced exactly,
// the workflow system as slots and a dispatch overhead. The calibration that generalises across
// runs is wms_replay.cpp's (docs/calibration.md); this replay remains for the per-task checks.
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
// The overhead is fitted by bisection (the makespan does not decrease as it grows).
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

void require_makespan(const WfCommonsInstance& instance, const std::string& file) {
  if (!(instance.makespan_s > 0))
    throw InputError(file,
                     instance.schema_version == "1.4" ? "$.workflow.makespanInSeconds"
                                                      : "$.workflow.execution.makespanInSeconds",
                     "expected a recorded makespan > 0 to calibrate on this instance");
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
  if (p.configs.empty()) {
    // No machine recorded: as many cores as the widest level of the DAG has tasks.
    add("default", widest_level(instance.workflow));
  }
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

}  // namespace dagplan::sim
