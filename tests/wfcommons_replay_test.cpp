// Replay of WfCommons instances on a cluster built from their machines, and the leave-one-out
// calibration of the workflow system's dispatch overhead and slots (docs/calibration.md). A small
// inline instance checks the model by hand; the public instances in ../shared/data/wfcommons
// check it on real runs (those cases say so and stop when the folder is absent).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "dagplan/error.hpp"
#include "dagplan/files.hpp"
#include "dagplan/model.hpp"
#include "dagplan/sim/wfcommons_replay.hpp"
#include "test_util.hpp"

using namespace dagplan;
using namespace dagplan::sim;

namespace {

std::string wfcommons_dir() {
  std::string dir = test::shared_data_dir();
  return dir.empty() ? dir : dir + "/wfcommons";
}

WfCommonsInstance load_run(const std::string& name) {
  std::string file = wfcommons_dir() + "/" + name;
  return read_wfcommons(read_text_file(file), file);
}

/// a (1 s) -> {b, c, d} (2 s each) -> e (1 s); no files, so storage costs nothing when its
/// latency is 0. `machines` is the JSON of the machines list.
std::string fork_join(const std::string& machines, double makespan_s) {
  return R"({"name": "fj", "schemaVersion": "1.5", "workflow": {"specification": {"tasks": [
      {"id": "a", "children": ["b", "c", "d"]},
      {"id": "b", "parents": ["a"], "children": ["e"]},
      {"id": "c", "parents": ["a"], "children": ["e"]},
      {"id": "d", "parents": ["a"], "children": ["e"]},
      {"id": "e", "parents": ["b", "c", "d"]}], "files": []},
    "execution": {"makespanInSeconds": )" +
         std::to_string(makespan_s) + R"(, "tasks": [
      {"id": "a", "runtimeInSeconds": 1}, {"id": "b", "runtimeInSeconds": 2},
      {"id": "c", "runtimeInSeconds": 2}, {"id": "d", "runtimeInSeconds": 2},
      {"id": "e", "runtimeInSeconds": 1}], "machines": [)" +
         machines + "]}}}";
}

WfCommonsReplayOptions free_storage() {
  WfCommonsReplayOptions o;
  o.storage_latency_us = 0;
  return o;
}

}  // namespace

TEST_CASE("the cluster platform has the recorded machines' cores", "[wfcommons-replay]") {
  SECTION("inline: one configuration per machine, speed 1, a default when cores are unknown") {
    WfCommonsInstance inst = read_wfcommons(
        fork_join(R"({"nodeName": "n1", "cpu": {"coreCount": 8}}, {"nodeName": "n2"})", 46),
        "fj.json");
    WfCommonsReplayOptions o;
    o.unknown_machine_cores = 2;
    Platform p = wfcommons_cluster_platform(inst, o);
    CHECK(p.kind == PlatformKind::kCluster);
    REQUIRE(p.configs.size() == 2);
    CHECK(p.configs[0].name == "n1");
    CHECK(p.configs[0].vcpus == 8);
    CHECK(p.configs[1].vcpus == 2);
    for (const ResourceConfig& c : p.configs) {
      CHECK(c.count == 1);
      CHECK(c.speed == 1.0);
    }
    CHECK(p.dispatch_overhead_us == 0);
    CHECK(wfcommons_cores(inst, o) == 10);
    Platform replay = wfcommons_replay_platform(inst, 1000, 5, o);
    REQUIRE(replay.configs.size() == 1);
    CHECK(replay.configs[0].vcpus == 10);  // slots are capped at the cores
    CHECK(replay.dispatch_overhead_us == 5);
  }
  SECTION("inline: without machines, one machine as wide as the widest level") {
    WfCommonsInstance inst = read_wfcommons(fork_join("", 46), "fj.json");
    Platform p = wfcommons_cluster_platform(inst);
    REQUIRE(p.configs.size() == 1);
    CHECK(p.configs[0].name == "default");
    CHECK(p.configs[0].vcpus == 3);
  }
}

TEST_CASE("the cluster platform of a public instance has its machines' cores",
          "[wfcommons-replay]") {
  if (wfcommons_dir().empty())
    DAGPLAN_SKIP_TEST("../shared/data/wfcommons is absent: public instances not checked");
  WfCommonsInstance blast = load_run("blast-chameleon-medium-001.json");
  Platform p = wfcommons_cluster_platform(blast);
  REQUIRE(p.configs.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(p.configs[i].name == blast.machines[i].name);
    CHECK(p.configs[i].vcpus == 24);
    CHECK(p.configs[i].vcpus == blast.machines[i].cores);
  }
  CHECK(wfcommons_cores(blast) == 96);
  CHECK(wfcommons_cores(load_run("seismology-chameleon-1000p-001.json")) == 7 * 48);
  CHECK(wfcommons_cores(load_run("rnaseq-dirt02-001.json")) == 1);
}

TEST_CASE("a replay pays the overhead per task and runs at most `slots` tasks",
          "[wfcommons-replay]") {
  WfCommonsInstance inst = read_wfcommons(fork_join("", 46), "fj.json");
  const WfCommonsReplayOptions o = free_storage();
  // Two slots: a, then b and c, then d, then e, each after 10 s of dispatch: 4 x 10 + 6 s.
  WfCommonsReplay two = replay_wfcommons(inst, 2, 10'000'000, o);
  CHECK(two.makespan_us == 46'000'000);
  CHECK(two.slots == 2);
  CHECK(two.max_exec_error_us == 0);
  CHECK(two.critical_path_s == 4.0);
  // Three slots: b, c and d at once: 3 x 10 + 4 s.
  CHECK(replay_wfcommons(inst, 3, 10'000'000, o).makespan_us == 34'000'000);

  SECTION("the fitted overhead reproduces the recorded makespan") {
    WfCommonsOverheadFit fit = fit_wfcommons_overhead(inst, 2, o);
    CHECK(fit.bracketed);
    CHECK(std::abs(fit.relative_error) <= o.tolerance);
    CHECK(std::abs(static_cast<double>(fit.dispatch_overhead_us) - 10e6) <=
          0.25 * 46e6 * o.tolerance);
  }
  SECTION("a makespan below the no-overhead replay cannot be reached: the fit says so") {
    WfCommonsInstance fast = read_wfcommons(fork_join("", 3), "fj.json");
    WfCommonsOverheadFit fit = fit_wfcommons_overhead(fast, 2, o);
    CHECK_FALSE(fit.bracketed);
    CHECK(fit.dispatch_overhead_us == 0);
    CHECK(fit.relative_error > 0);
  }
}

TEST_CASE("a folder that does not exist is an error naming it", "[wfcommons-replay]") {
  REQUIRE_INPUT_ERROR(wfcommons_files("/nonexistent/folder"), "/nonexistent/folder", "folder");
}

TEST_CASE("calibrated on its own instance, a replay reproduces the recorded makespan",
          "[wfcommons-replay]") {
  if (wfcommons_dir().empty())
    DAGPLAN_SKIP_TEST("../shared/data/wfcommons is absent: replay not checked on public instances");
  for (const char* name : {"seismology-chameleon-1000p-001.json", "blast-chameleon-small-001.json",
                           "montage-chameleon-2mass-005d-001.json", "rnaseq-dirt02-001.json"}) {
    INFO(name);
    WfCommonsInstance inst = load_run(name);
    WfCommonsOverheadFit fit = fit_wfcommons_overhead(inst, 42);
    CHECK(fit.bracketed);
    CHECK(std::abs(fit.relative_error) <= 0.01);
    WfCommonsReplay r = replay_wfcommons(inst, 42, fit.dispatch_overhead_us);
    CHECK(r.makespan_us == fit.simulated_makespan_us);
    // The files record every task's runtime: the model executes each for exactly that long.
    CHECK(r.max_exec_error_us == 0);
    // More overhead never shortens the run (what the bisection relies on).
    CHECK(replay_wfcommons(inst, 42, fit.dispatch_overhead_us + 1'000'000).makespan_us >=
          r.makespan_us);
  }
}

TEST_CASE("every public instance's recorded runtimes are reproduced exactly",
          "[wfcommons-replay]") {
  if (wfcommons_dir().empty())
    DAGPLAN_SKIP_TEST("../shared/data/wfcommons is absent: no public instances");
  std::vector<std::string> files = wfcommons_files(wfcommons_dir());
  REQUIRE(files.size() >= 9);
  for (const std::string& f : files) {
    INFO(f);
    WfCommonsInstance inst = read_wfcommons(read_text_file(f), f);
    WfCommonsReplay r = replay_wfcommons(inst, wfcommons_cores(inst), 0);
    CHECK(r.max_exec_error_us == 0);
    CHECK(r.makespan_us >= seconds_to_us(r.critical_path_s) - 1);
  }
}
