#pragma once
// Private to libplanner: the predictor's run, with its closed-form runner compiled beside the
// engine (run_engine.cpp) so that the runner's calls into the engine are inlined.

#include "dagplan/model.hpp"
#include "dagplan/plan.hpp"
#include "dagplan/predictor.hpp"

namespace dagplan::detail {

/// The rules of a run with every phase in closed form, without contention (predict() adds the
/// lower bounds). Throws Error when the plan cannot complete.
Prediction run_closed_form(const ExecutionModel& model, const Plan& plan,
                           const PredictOptions& options);

}  // namespace dagplan::detail
