// Rule 12 in the real backend: a strict worker's part of the workflow, written by dagrun into its
// invocations and read by the worker (part.hpp, decision 0025).
#include "part.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <span>

#include "dagplan/error.hpp"
#include "dagplan/model.hpp"
#include "dagplan/run_rules.hpp"
#include "dagplan/workflow_io.hpp"

namespace dagplan::exec {

nlohmann::json write_part(const Workflow& w, const Plan& plan, std::uint32_t k) {
  std::vector<TaskId> mine;
  for (std::uint32_t t = 0; t < w.task_count(); ++t)
    if (plan.task_worker[t] == k) mine.push_back(TaskId{t});
  return write_part(w, plan, k, mine);
}

nlohmann::json write_part(const Workflow& w, const Plan& plan, std::uint32_t k,
                          std::span<const TaskId> mine) {
  const DagPart part = dag_part(w, plan, mine);
  // The part as a workflow: its tasks, then its others (local index = position here).
  std::vector<TaskId> all = part.tasks;
  all.insert(all.end(), part.others.begin(), part.others.end());
  WorkflowBuilder b;
  b.set_name(fmt::format("{} (part of worker {})", w.name(), plan.worker_names[k]));
  for (TaskId t : all) {
    const TaskId local =
        b.add_task(w.id(t), w.function_name(w.function(t)), w.has_work(t) ? w.work_s(t) : -1.0,
                   w.input_bytes(t), w.output_bytes(t));
    if (const TaskKernel* kernel = w.kernel(t)) b.set_kernel(local, *kernel);
  }
  auto in_part = [&](TaskId t) {
    return std::binary_search(part.tasks.begin(), part.tasks.end(), t) ||
           std::binary_search(part.others.begin(), part.others.end(), t);
  };
  auto local_of = [&](TaskId t) {  // of a task in the part
    auto it = std::lower_bound(part.tasks.begin(), part.tasks.end(), t);
    if (it != part.tasks.end() && *it == t)
      return TaskId{static_cast<std::uint32_t>(it - part.tasks.begin())};
    it = std::lower_bound(part.others.begin(), part.others.end(), t);
    return TaskId{static_cast<std::uint32_t>(part.tasks.size() +
                                             static_cast<std::size_t>(it - part.others.begin()))};
  };
  // The edges: the tasks' dependencies, and each other's links to the tasks it consumes.
  for (TaskId t : part.tasks)
    for (TaskId q : w.predecessors(t)) b.add_edge(local_of(q), local_of(t));
  for (std::size_t i = 0; i < part.others.size(); ++i)
    for (std::uint32_t j : part.links[i])
      if (std::span<const TaskId> preds = w.predecessors(part.others[i]);
          std::binary_search(preds.begin(), preds.end(), part.tasks[j]))
        b.add_edge(TaskId{j}, TaskId{static_cast<std::uint32_t>(part.tasks.size() + i)});
  // The second hops (task-dup, delayed I/O): edges between two others.
  const auto first_other = static_cast<std::uint32_t>(part.tasks.size());
  for (const auto& [q, c] : part.hops) b.add_edge(TaskId{first_other + q}, TaskId{first_other + c});
  const Workflow sub = std::move(b).build("(part)");
  nlohmann::json tasks = nlohmann::json::array(), global = nlohmann::json::array();
  for (TaskId t : all) {
    const std::uint32_t g = index(t);
    const std::uint32_t worker = plan.task_worker[g];
    tasks.push_back({worker == kFlexible ? -1 : static_cast<std::int64_t>(worker),
                     index(plan.task_config[g]), plan.preload.empty() ? 0 : plan.preload[g],
                     plan.cluster.empty() ? 0 : plan.cluster[g], upload_rule(plan, w, t, false),
                     counter_target(plan, w, t)});
    global.push_back(g);
  }
  // Task-dup and delayed I/O where the part has the edge they name: (task, producer it
  // duplicates), (task, its wait in us), by local index.
  nlohmann::json dup = nlohmann::json::array(), delay = nlohmann::json::array();
  for (std::uint32_t i = 0; i < all.size(); ++i) {
    const std::uint32_t g = index(all[i]);
    if (const std::uint32_t d = plan.duplicate(g); d != kNoDup && in_part(TaskId{d})) {
      const std::span<const TaskId> preds = sub.predecessors(TaskId{i});
      if (const TaskId from = local_of(TaskId{d});
          std::binary_search(preds.begin(), preds.end(), from))
        dup.push_back({i, index(from)});
    }
    if (const std::int64_t wait = plan.delayed_io(g); wait != kNoDelay)
      if (sub.out_degree(TaskId{i}) == 1) delay.push_back({i, wait});
  }
  nlohmann::json configs = nlohmann::json::array(), order = nlohmann::json::array(),
                 stream = nlohmann::json::array();
  for (ConfigId c : plan.worker_config) configs.push_back(index(c));
  for (TaskId t : plan.worker_order(k)) order.push_back(index(local_of(t)));
  for (const auto& [q, c] : plan.stream) {
    const bool q_in = plan.task_worker[q] == k, c_in = plan.task_worker[c] == k;
    if (q_in || c_in) stream.push_back({index(local_of(TaskId{q})), index(local_of(TaskId{c}))});
  }
  return nlohmann::json{{"workflow", write_workflow(sub)},
                        {"tasks", part.tasks.size()},
                        {"global", global},
                        {"worker", k},
                        {"worker_config", configs},
                        {"task", tasks},
                        {"order", order},
                        {"stream", stream},
                        {"dup", dup},
                        {"delay", delay}};
}

namespace {
ConfigId config_of(const nlohmann::json& c, const Platform& platform) {
  const auto config = c.get<std::uint32_t>();
  if (config >= platform.configs.size())
    throw Error("the invocation's part names an unknown configuration");
  return ConfigId{static_cast<std::uint16_t>(config)};
}
}  // namespace

ShippedPart read_part(const nlohmann::json& j, const Platform& platform) {
  try {
    ShippedPart p;
    p.workflow = read_workflow(j.at("workflow").get<std::string>(), "(invocation's part)");
    p.tasks = j.at("tasks").get<std::uint32_t>();
    p.global = j.at("global").get<std::vector<std::uint32_t>>();
    const std::size_t n = p.workflow.task_count();
    const auto& facts = j.at("task");
    if (p.global.size() != n || facts.size() != n || p.tasks > n)
      throw Error("the invocation's part is inconsistent (sizes differ)");
    Plan& plan = p.plan;
    for (const auto& c : j.at("worker_config")) {
      plan.worker_names.push_back(fmt::format("w{}", plan.worker_names.size()));
      plan.worker_config.push_back(config_of(c, platform));
    }
    plan.task_worker.resize(n);
    plan.task_config.resize(n);
    plan.preload.resize(n);
    plan.cluster.resize(n);
    p.upload_rule.resize(n);
    p.counter_target.resize(n);
    for (std::size_t t = 0; t < n; ++t) {
      const auto& f = facts[t];
      const auto worker = f.at(0).get<std::int64_t>();
      plan.task_worker[t] = worker < 0 ? kFlexible : static_cast<std::uint32_t>(worker);
      plan.task_config[t] = config_of(f.at(1), platform);
      plan.preload[t] = f.at(2).get<std::uint8_t>();
      plan.cluster[t] = f.at(3).get<std::uint8_t>();
      p.upload_rule[t] = f.at(4).get<std::uint32_t>();
      p.counter_target[t] = f.at(5).get<std::uint32_t>();
    }
    const auto k = j.at("worker").get<std::uint32_t>();
    if (k >= plan.worker_count()) throw Error("the invocation's part names an unknown worker");
    std::vector<std::vector<TaskId>> orders(plan.worker_count());
    for (const auto& t : j.at("order")) orders[k].push_back(TaskId{t.get<std::uint32_t>()});
    if (!orders[k].empty()) plan.set_order(orders);
    for (const auto& e : j.at("stream"))
      plan.stream.emplace_back(e.at(0).get<std::uint32_t>(), e.at(1).get<std::uint32_t>());
    std::sort(plan.stream.begin(), plan.stream.end());
    auto task_of = [&](const nlohmann::json& t) {
      const auto i = t.get<std::uint32_t>();
      if (i >= n) throw Error("the invocation's part names an unknown task");
      return i;
    };
    for (const auto& e : j.at("dup")) {
      if (plan.dup.empty()) plan.dup.assign(n, kNoDup);
      plan.dup[task_of(e.at(0))] = task_of(e.at(1));
    }
    for (const auto& e : j.at("delay")) {
      if (plan.delay_io.empty()) plan.delay_io.assign(n, kNoDelay);
      plan.delay_io[task_of(e.at(0))] = e.at(1).get<std::int64_t>();
    }
    return p;
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("the invocation's part is not what dagrun writes: {}", e.what()));
  }
}

}  // namespace dagplan::exec
