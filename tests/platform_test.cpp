// Platforms: the built-in ones, defaults, round trips and errors.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "dagplan/files.hpp"
#include "dagplan/platform.hpp"
#include "test_util.hpp"

using namespace dagplan;

TEST_CASE("built-in platforms are the example files", "[platform]") {
  auto names = builtin_platform_names();
  REQUIRE(names.size() == 3);
  CHECK(names.front() == "aws-lambda");
  for (std::string_view name : names) {
    Platform builtin = load_platform(std::string(name));
    Platform file =
        load_platform(test::source_dir() + "/examples/platforms/" + std::string(name) + ".json");
    CHECK(write_platform(builtin) == write_platform(file));
  }
}

TEST_CASE("the AWS-Lambda-like platform has Lambda's sizes and prices", "[platform]") {
  Platform p = load_platform("aws-lambda");
  CHECK(p.kind == PlatformKind::kServerless);
  CHECK(p.configs.front().memory_mb == 128);
  CHECK(p.configs.back().memory_mb == 10240);
  CHECK(p.prices.per_gb_s == Approx(0.0000166667));
  CHECK(p.prices.per_invocation * 1e6 == Approx(0.20));
  CHECK(p.keep_alive_us == 7'000'000);
  // vCPUs default to min(memory / 1792, 6).
  CHECK(p.configs[index(*p.find_config("1792MB"))].vcpus == 1.0);
  CHECK(p.configs.back().vcpus == Approx(10240.0 / 1792.0));
  CHECK(default_vcpus(20000) == 6.0);
  CHECK(default_vcpus(3584) == 2.0);
}

TEST_CASE("platforms round-trip through their format", "[platform]") {
  for (std::string_view name : builtin_platform_names()) {
    Platform p = load_platform(std::string(name));
    std::string text = write_platform(p);
    CHECK(write_platform(read_platform(text, "rt.json")) == text);
  }
}

TEST_CASE("a cluster platform lists machines", "[platform]") {
  Platform p = load_platform("cluster");
  CHECK(p.kind == PlatformKind::kCluster);
  REQUIRE(p.configs.size() == 1);
  CHECK(p.configs[0].vcpus == 48);
  CHECK(p.configs[0].count == 4);
  CHECK(p.dispatch_overhead_us == 1'000'000);
}

TEST_CASE("bad platforms give one clear error", "[platform][errors]") {
  const std::string head =
      R"({"format": "dagplan-platform/1", "kind": "serverless", "storage": {"latency_s": 0.001, "bandwidth_bytes_per_s": 1e9}, )";
  SECTION("missing memory") {
    REQUIRE_INPUT_ERROR(
        read_platform(head + R"("configs": [{"name": "x", "bandwidth_bytes_per_s": 1e8}]})",
                      "p.json"),
        "p.json", "$.configs[0]", "missing member 'memory_mb'");
  }
  SECTION("zero bandwidth") {
    REQUIRE_INPUT_ERROR(
        read_platform(
            head + R"("configs": [{"name": "x", "memory_mb": 128, "bandwidth_bytes_per_s": 0}]})",
            "p.json"),
        "$.configs[0].bandwidth_bytes_per_s", "expected bandwidth > 0");
  }
  SECTION("duplicate names") {
    REQUIRE_INPUT_ERROR(
        read_platform(
            head +
                R"("configs": [{"name": "x", "memory_mb": 128, "bandwidth_bytes_per_s": 1}, {"name": "x", "memory_mb": 256, "bandwidth_bytes_per_s": 1}]})",
            "p.json"),
        "$.configs[1]", "duplicate configuration name 'x'");
  }
  SECTION("too many machines in all") {
    const std::string cluster =
        R"({"format": "dagplan-platform/1", "kind": "cluster", "network_bandwidth_bytes_per_s": 1e9, "storage": {"latency_s": 0.001, "bandwidth_bytes_per_s": 1e9}, "machines": [)";
    const std::string m = R"({"name": "a", "cores": 4, "memory_mb": 1024, "count": 1048576})";
    CHECK_NOTHROW(read_platform(cluster + m + "]}", "p.json"));
    REQUIRE_INPUT_ERROR(
        read_platform(
            cluster + m + R"(, {"name": "b", "cores": 4, "memory_mb": 1024, "count": 1}]})",
            "p.json"),
        "p.json", "$.machines", "expected at most 1048576 machines in all, got 1048577");
    REQUIRE_INPUT_ERROR(
        read_platform(
            cluster + R"({"name": "a", "cores": 4, "memory_mb": 1024, "count": 16777216}]})",
            "p.json"),
        "$.machines[0].count", "");
  }
  SECTION("many configurations: duplicates found among 20,000") {
    std::string configs;
    for (int i = 0; i < 20000; ++i)
      configs += fmt::format(R"({}{{"name": "c{}", "memory_mb": 128, "bandwidth_bytes_per_s": 1}})",
                             i == 0 ? "" : ", ", i % 19999);
    REQUIRE_INPUT_ERROR(read_platform(head + R"("configs": [)" + configs + "]}", "p.json"),
                        "$.configs[19999]", "duplicate configuration name 'c0'");
  }
  SECTION("unknown kind") {
    REQUIRE_INPUT_ERROR(
        read_platform(R"({"format": "dagplan-platform/1", "kind": "grid"})", "p.json"), "$.kind",
        "expected \"serverless\" or \"cluster\"");
  }
  SECTION("a CPU time per GB received out of its range") {
    REQUIRE_INPUT_ERROR(
        read_platform(head + R"("receive_cpu_s_per_gb": 101, "configs": []})", "p.json"), "p.json",
        "$.receive_cpu_s_per_gb", "expected a CPU time per GB received in [0, 100] s/GB");
    REQUIRE_INPUT_ERROR(
        read_platform(head + R"("receive_cpu_s_per_gb": -1, "configs": []})", "p.json"),
        "$.receive_cpu_s_per_gb", "");
  }
  SECTION("negative latency") {
    REQUIRE_INPUT_ERROR(read_platform(head + R"("invoke_latency_s": -1, "configs": []})", "p.json"),
                        "$.invoke_latency_s", ">= 0");
  }
  SECTION("machines on a serverless platform") {
    REQUIRE_INPUT_ERROR(
        read_platform(head + R"("machines": [{"name": "m", "cores": 4}]})", "p.json"), "$.machines",
        "lists 'configs'");
  }
  SECTION("unknown built-in name") {
    CHECK_THROWS_WITH(load_platform("aws-lamda"), Catch::Contains("did you mean 'aws-lambda'?"));
  }
}

TEST_CASE("a built-in platform is found by its file name or by the name inside it", "[platform]") {
  Platform by_key = load_platform("cluster");
  Platform by_name = load_platform(by_key.name);
  CHECK(by_key.name != "cluster");  // otherwise this test checks nothing
  CHECK(write_platform(by_key) == write_platform(by_name));
}
