#include "dagplan/sim/effects.hpp"

#include "dagplan/predictor.hpp"

namespace dagplan::sim {

std::string_view effect_name(Effect effect) {
  switch (effect) {
    case Effect::kContention: return "shared bandwidth and vCPUs";
    case Effect::kNoise: return "noise";
    case Effect::kFaults: return "faults and retries";
  }
  return "";
}

EffectAttribution attribute_effects(const ExecutionModel& model, const Plan& plan,
                                    const SimOptions& options) {
  EffectAttribution out;
  out.predicted_makespan_us = predict_contention_free(model, plan).makespan_us;
  SimOptions o = options;
  o.record_trace = false;
  o.contention = false;
  o.noise.enabled = false;
  o.faults = FaultOptions{};
  out.simulated_makespan_us = simulate(model, plan, o).timeline.makespan_us;
  std::int64_t previous = out.simulated_makespan_us;
  auto add = [&](Effect effect) {
    std::int64_t now = simulate(model, plan, o).timeline.makespan_us;
    out.steps.push_back({effect, now, now - previous});
    previous = now;
  };
  if (options.contention) {
    o.contention = true;
    add(Effect::kContention);
  }
  if (options.noise.enabled) {
    o.noise = options.noise;
    add(Effect::kNoise);
  }
  if (options.faults.task_failure > 0 || options.faults.worker_crash > 0) {
    o.faults = options.faults;
    add(Effect::kFaults);
  }
  return out;
}

}  // namespace dagplan::sim
