#include "dagplan/saga.hpp"

#include <fmt/format.h>

#include <limits>
#include <optional>
#include <vector>

#include "dagplan/error.hpp"
#include "dagplan/json_reader.hpp"

namespace dagplan {
namespace {

// A task id as written: a string, or an integer (written in decimal).
std::string read_id(JsonReader& r) {
  if (r.peek() == JsonReader::Kind::kString) {
    std::string id(r.string());
    if (id.empty()) r.fail("expected a non-empty task id");
    return id;
  }
  return std::to_string(r.integer(0, std::numeric_limits<std::int64_t>::max()));
}

}  // namespace

SagaInstance read_saga(std::string_view text, const std::string& file, const std::string& name) {
  JsonReader r(text, file);
  WorkflowBuilder b;
  b.set_name(name);
  std::vector<std::string> edge_at;  // JSON path of each edge, for the builder's errors
  std::optional<std::uint64_t> nodes;
  std::vector<double> speeds;
  std::string speeds_at = "$";
  double bandwidth = 0;
  bool has_tasks = false;
  if (r.peek() != JsonReader::Kind::kObject) r.fail_expected("a SAGA task graph object");
  r.object([&](std::string_view key) {
    if (key == "tasks") {
      has_tasks = true;
      r.array([&](std::size_t) {
        std::string at = r.path();
        std::string id;
        double work = -1;
        std::uint64_t out = 0;
        std::vector<std::pair<std::string, std::string>> deps;  // (id, path)
        r.object([&](std::string_view k) {
          if (k == "id") {
            id = read_id(r);
          } else if (k == "work") {
            work = r.non_negative();
          } else if (k == "output_bytes") {
            out = r.uint64();
          } else if (k == "deps") {
            r.array([&](std::size_t) {
              std::string p = r.path();
              deps.emplace_back(read_id(r), std::move(p));
            });
          } else {
            r.skip();
          }
        });
        if (id.empty()) r.fail_at(at, "missing member 'id'");
        if (work < 0) r.fail_at(at, "missing member 'work'");
        if (b.has_task(id)) r.fail_at(at + ".id", fmt::format("duplicate task id '{}'", id));
        b.add_task(id, "task", work, 0, out);
        for (auto& [from, p] : deps) {
          b.add_edge(from, id);
          edge_at.push_back(std::move(p));
        }
      });
    } else if (key == "nodes") {
      nodes = static_cast<std::uint64_t>(r.integer(1, 65535));
    } else if (key == "speeds") {
      speeds_at = r.path();
      r.array([&](std::size_t) {
        double s = r.number();
        if (!(s > 0)) r.fail(fmt::format("expected a speed > 0, got {}", s));
        speeds.push_back(s);
      });
    } else if (key == "bandwidth") {
      bandwidth = r.number();
      if (!(bandwidth > 0)) r.fail(fmt::format("expected a bandwidth > 0, got {}", bandwidth));
    } else {
      r.skip();
    }
  });
  r.finish();
  if (!has_tasks) r.fail_at("$", "missing member 'tasks'");
  if (!(bandwidth > 0)) r.fail_at("$", "missing member 'bandwidth' (bytes per second)");
  if (speeds.empty()) r.fail_at("$", "missing member 'speeds' (one per machine)");
  if (nodes && *nodes != speeds.size())
    r.fail_at(speeds_at,
              fmt::format("expected {} speeds (one per node), got {}", *nodes, speeds.size()));

  SagaInstance out{std::move(b).build(file, [&](std::size_t e) { return edge_at[e]; }), {}};
  Platform& p = out.platform;
  p.kind = PlatformKind::kCluster;
  p.name = fmt::format("saga-{}-machines", speeds.size());
  for (std::size_t i = 0; i < speeds.size(); ++i) {
    ResourceConfig c;
    c.name = fmt::format("node-{}", i);
    c.vcpus = 1;
    c.speed = speeds[i];
    c.count = 1;
    c.bandwidth_bytes_per_s = bandwidth;
    p.configs.push_back(std::move(c));
  }
  p.invoke_latency_us = 0;
  p.storage_latency_us = 0;
  p.storage_bandwidth_bytes_per_s = 1e12;  // unused: nothing goes through storage
  p.keep_alive_us = 0;
  p.max_concurrency = 65535;
  p.dag_inline_bytes = std::numeric_limits<std::uint64_t>::max();  // no DAG to fetch
  p.bill_startup = false;
  p.dispatch_overhead_us = 0;
  p.transfers = TransferMode::kDirect;
  p.links = LinkSharing::kIndependent;
  p.network_latency_us = 0;
  return out;
}

}  // namespace dagplan
