#include "dagplan/sim/runs.hpp"

#include <chrono>

namespace dagplan::sim {

RunStatistics simulate_runs(const ExecutionModel& model, const Plan& plan,
                            const SimOptions& options, std::uint32_t runs,
                            const std::function<void(std::uint32_t done)>& progress) {
  RunStatistics out;
  out.runs.reserve(runs);
  std::vector<double> makespans, costs;
  makespans.reserve(runs);
  costs.reserve(runs);
  SimOptions o = options;
  for (std::uint32_t k = 0; k < runs; ++k) {
    o.seed = options.seed + k;
    o.record_trace = k == 0 && options.record_trace;
    auto t0 = std::chrono::steady_clock::now();
    SimResult r = simulate(model, plan, o);
    out.simulate_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    out.events += r.events;
    out.failed_runs += r.failed ? 1 : 0;
    if (!r.failed) {
      makespans.push_back(static_cast<double>(r.timeline.makespan_us) / 1e6);
      costs.push_back(r.timeline.cost.total());
    }
    out.runs.push_back({o.seed, r.timeline.makespan_us, r.timeline.cost.total(), r.events, r.failed,
                        std::move(r.failure)});
    if (o.record_trace) out.first_trace = std::move(r.trace);
    if (progress) progress(k + 1);
  }
  out.makespan_s = distribution(std::move(makespans));
  out.cost_usd = distribution(std::move(costs));
  return out;
}

}  // namespace dagplan::sim
