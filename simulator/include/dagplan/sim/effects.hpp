#pragma once
/// \file
/// Which effect costs what: the makespan of one plan as the simulator adds, one at a time, what
/// the predictor leaves out - contention, then noise, then faults. `dagsim simulate --explain`
/// prints it.

#include <cstdint>
#include <string_view>
#include <vector>

#include "dagplan/model.hpp"
#include "dagplan/plan.hpp"
#include "dagplan/sim/simulator.hpp"

namespace dagplan::sim {

/// What the simulator adds to the predictor, in the order attribute_effects() adds them.
enum class Effect : std::uint8_t {
  kContention,  ///< transfers share bandwidth, tasks share vCPUs
  kNoise,       ///< seeded noise on execution, start-up and latency
  kFaults,      ///< task failures and worker crashes, with retries
};

/// "shared bandwidth and vCPUs", "noise", "faults and retries".
std::string_view effect_name(Effect effect);

struct EffectStep {
  Effect effect = Effect::kContention;
  std::int64_t makespan_us = 0;  ///< with this effect and every one before it
  std::int64_t added_us = 0;     ///< makespan_us minus the makespan without this effect
};

struct EffectAttribution {
  std::int64_t predicted_makespan_us = 0;  ///< predict_contention_free(): no noise or faults
  /// simulate() under the predictor's assumptions: equal to the prediction when predictor and
  /// simulator agree, as docs/decisions/0004 requires (the [agreement] tests check it).
  std::int64_t simulated_makespan_us = 0;
  /// The effects `options` enables, in Effect order, each added to the ones before.
  std::vector<EffectStep> steps;
};

/// Predicts `plan`, simulates it without contention, noise or faults, then once more per effect
/// that `options` enables, adding that effect (with options' parameters and seed) to the ones
/// before. One prediction and up to four simulations; options.record_trace is ignored.
EffectAttribution attribute_effects(const ExecutionModel& model, const Plan& plan,
                                    const SimOptions& options);

}  // namespace dagplan::sim
