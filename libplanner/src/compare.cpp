#include "dagplan/compare.hpp"

#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <type_traits>

#include "dagplan/error.hpp"

namespace dagplan {
double makespan_over_bound(std::int64_t makespan_us, const LowerBounds& bounds) {
  // In seconds, as printed: the ratio of the printed figures, to the last bit.
  double bound_s = us_to_seconds(bounds.makespan_us());
  return bound_s > 0 ? us_to_seconds(makespan_us) / bound_s : 0.0;
}

double cost_over_floor(double cost_usd, const LowerBounds& bounds) {
  return bounds.cost_floor > 0 ? cost_usd / bounds.cost_floor : 0.0;
}

Comparison compare_planners(const ExecutionModel& model, const std::vector<std::string>& planners,
                            const CompareOptions& options) {
  Comparison out;
  // Before any planner runs: a planner that asked the model for its bounds would otherwise have
  // their computation counted in its planning time (and only the first planner would).
  out.bounds = model.bounds();
  out.rows.reserve(planners.size());
  for (const std::string& name : planners) {
    if (options.on_planner) options.on_planner(name, out.rows.size(), planners.size());
    std::unique_ptr<Planner> planner = planner_registry().create(name);  // UsageError: not caught
    ComparisonRow& row = out.rows.emplace_back();
    row.planner = name;
    try {
      PlanResult r = run_planner(*planner, model, options.planner);
      row.planning_s = r.planning_seconds;
      if (options.after_planning) options.after_planning(model, r.plan);
      PredictOptions po;
      po.also_contention_free = true;
      Prediction p = predict(model, r.plan, po);
      row.makespan_us = p.makespan_us;
      row.contention_free_makespan_us = p.contention_free_makespan_us;
      row.cost = p.cost;
      row.makespan_over_bound = makespan_over_bound(p.makespan_us, out.bounds);
      row.cost_over_floor = cost_over_floor(p.cost.total(), out.bounds);
      row.workers = r.plan.worker_count();
      row.instances = p.instances.size();
      row.cold_starts = p.cold_starts;
      row.warm_starts = p.warm_starts;
      if (options.keep_plans) row.plan = std::move(r.plan);
    } catch (const Error& e) {
      // Only planning_s was filled before anything that throws.
      if (!options.keep_going) throw;
      row.error = e.what();
    }
  }
  return out;
}

CompareTable compare_table(const Comparison& c, const ExecutionModel& model) {
  CompareTable t;
  t.workflow = model.workflow().name();
  t.tasks = model.workflow().task_count();
  t.platform = model.platform().name;
  t.lower_bound_makespan_s = us_to_seconds(c.bounds.makespan_us());
  t.cost_floor_usd = c.bounds.cost_floor;
  for (const ComparisonRow& r : c.rows) {
    if (!r.ok()) continue;
    t.rows.push_back({r.planner, us_to_seconds(r.makespan_us), r.cost.total(),
                      r.makespan_over_bound, r.cost_over_floor, r.workers, r.instances,
                      r.cold_starts, r.planning_s});
  }
  return t;
}

std::string write_compare(const CompareTable& t) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const CompareRow& r : t.rows)
    rows.push_back({{"planner", r.planner},
                    {"makespan_s", r.makespan_s},
                    {"cost_usd", r.cost_usd},
                    {"makespan_over_bound", r.makespan_over_bound},
                    {"cost_over_floor", r.cost_over_floor},
                    {"workers", r.workers},
                    {"instances", r.instances},
                    {"cold_starts", r.cold_starts},
                    {"planning_s", r.planning_s}});
  nlohmann::ordered_json doc = {{"workflow", t.workflow},
                                {"tasks", t.tasks},
                                {"platform", t.platform},
                                {"lower_bound_makespan_s", t.lower_bound_makespan_s},
                                {"cost_floor_usd", t.cost_floor_usd},
                                {"planners", rows}};
  return doc.dump(2);
}

CompareTable read_compare(std::string_view text, const std::string& file) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    throw InputError(file, "$", "expected the JSON object of `dagplan compare --format json`");
  auto get = [&](const nlohmann::json& o, const std::string& path, const char* key, auto& out) {
    using T = std::decay_t<decltype(out)>;
    auto it = o.find(key);
    bool ok = it != o.end();
    if constexpr (std::is_same_v<T, std::string>) {
      ok = ok && it->is_string();
      if (!ok) throw InputError(file, path + "." + key, "expected a string");
      out = it->template get<std::string>();
    } else if constexpr (std::is_same_v<T, std::uint64_t>) {
      ok = ok && it->is_number_unsigned();
      if (!ok) throw InputError(file, path + "." + key, "expected a whole number >= 0");
      out = it->template get<std::uint64_t>();
    } else {
      ok = ok && it->is_number();
      if (!ok) throw InputError(file, path + "." + key, "expected a number");
      out = it->template get<double>();
    }
  };
  CompareTable c;
  get(doc, "$", "workflow", c.workflow);
  get(doc, "$", "tasks", c.tasks);
  get(doc, "$", "platform", c.platform);
  get(doc, "$", "lower_bound_makespan_s", c.lower_bound_makespan_s);
  get(doc, "$", "cost_floor_usd", c.cost_floor_usd);
  auto planners = doc.find("planners");
  if (planners == doc.end() || !planners->is_array())
    throw InputError(file, "$.planners", "expected an array of planner rows");
  for (std::size_t i = 0; i < planners->size(); ++i) {
    const nlohmann::json& r = (*planners)[i];
    std::string path = fmt::format("$.planners[{}]", i);
    if (!r.is_object()) throw InputError(file, path, "expected an object");
    CompareRow row;
    get(r, path, "planner", row.planner);
    get(r, path, "makespan_s", row.makespan_s);
    get(r, path, "cost_usd", row.cost_usd);
    get(r, path, "makespan_over_bound", row.makespan_over_bound);
    get(r, path, "cost_over_floor", row.cost_over_floor);
    get(r, path, "workers", row.workers);
    get(r, path, "instances", row.instances);
    get(r, path, "cold_starts", row.cold_starts);
    get(r, path, "planning_s", row.planning_s);
    c.rows.push_back(std::move(row));
  }
  return c;
}

}  // namespace dagplan
