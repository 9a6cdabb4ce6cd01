// wukong: every task flexible on one configuration (Carver et al., "WUKONG: a scalable and
// locality-enhanced framework for serverless parallel computing", SoCC 2020). The worker that
// completes a task's last dependency runs it (the first such child) or invokes a new worker.
#include <fmt/format.h>

#include "dagplan/planner.hpp"

namespace dagplan {
namespace {

class WukongPlanner final : public Planner {
 public:
  std::string_view name() const override { return "wukong"; }
  Plan plan(const ExecutionModel& model, const PlannerOptions& options) const override {
    ConfigId c = options.config.value_or(model.fastest_config());
    Plan p = make_flexible_plan(model.workflow(), c);
    stamp_plan(p, model, name(), fmt::format(R"({{"config": "{}"}})", model.config(c).name));
    return p;
  }
};

}  // namespace

std::unique_ptr<Planner> make_wukong_planner() {
  return std::make_unique<WukongPlanner>();
}

}  // namespace dagplan
