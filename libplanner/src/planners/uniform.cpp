// uniform: one configuration for every worker; tasks grouped into strict workers by the rules in
// grouping.cpp (1->1 keeps the worker, fan-outs split by predicted time and output size, fan-ins
// go where most input bytes are). DESIGN.md section 3.
#include <fmt/format.h>

#include <vector>

#include "dagplan/json_writer.hpp"
#include "dagplan/planner.hpp"
#include "grouping.hpp"

namespace dagplan {
namespace {

class UniformPlanner final : public Planner {
 public:
  std::string_view name() const override { return "uniform"; }
  Plan plan(const ExecutionModel& model, const PlannerOptions& options) const override {
    const ConfigId c = options.config.value_or(model.fastest_config());
    planners::Grouping g = planners::group_tasks(model, c);
    std::vector<ConfigId> configs(g.worker_count, c);
    Plan p = planners::make_grouped_plan(model.workflow(), g, configs);
    std::string params;
    JsonWriter j(params);
    j.begin_object(true);
    j.member("config", model.config(c).name);
    j.member("workers", g.worker_count);
    j.member("fan_outs_split", g.fan_outs);
    j.member("fan_ins_placed", g.fan_ins);
    j.member("fan_ins_on_fresh_workers", g.fan_ins_fresh);
    j.member("kept_on_producer", static_cast<std::uint64_t>(planners::kKeptOnProducer));
    j.member("short_per_long", static_cast<std::uint64_t>(planners::kShortPerLong));
    j.end_object();
    if (!params.empty() && params.back() == '\n') params.pop_back();
    stamp_plan(p, model, name(), std::move(params));
    return p;
  }
};

}  // namespace

std::unique_ptr<Planner> make_uniform_planner() {
  return std::make_unique<UniformPlanner>();
}

}  // namespace dagplan
