// Platforms: the built-in ones, defaults, round trips and errors.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <chrono>

#include "dagplan/files.hpp"
#include "dagplan/platform.hpp"
#include "dagplan/profile.hpp"
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

TEST_CASE("a platform with every optional member round-trips through its format (issue 14)",
          "[platform]") {
  // The built-in platforms leave members at their defaults; these set them, at the ends of
  // their ranges too.
  for (const char* text : {
           R"({"format": "dagplan-platform/1", "kind": "serverless", "name": "full",
               "description": "every member set",
               "configs": [
                 {"name": "wide", "memory_mb": 1073741824, "vcpus": 1e6, "speed": 1e6,
                  "bandwidth_bytes_per_s": 1e18, "cold_start_s": 1e9, "warm_start_s": 1e9},
                 {"name": "slow", "memory_mb": 1, "vcpus": 1e-4, "speed": 1e-6,
                  "bandwidth_bytes_per_s": 1, "slots": 1024}],
               "invoke_latency_s": 0.125, "storage": {"latency_s": 1e9, "bandwidth_bytes_per_s": 1},
               "keep_alive_s": 1e9, "max_concurrency": 100000000,
               "dag_inline_bytes": 18446744073709551615, "billing_granularity_s": 1e9,
               "receive_cpu_s_per_gb": 100,
               "prices": {"per_gb_s": 1e6, "per_invocation": 1e6, "per_storage_gb_s": 1e6,
                          "currency": "USD"}, "bill_startup": false})",
           R"({"format": "dagplan-platform/1", "kind": "cluster", "name": "mixed",
               "machines": [{"name": "big", "cores": 48, "memory_mb": 196608, "speed": 1.5,
                             "count": 4},
                            {"name": "small", "cores": 1, "memory_mb": 1, "speed": 1e-6,
                             "count": 1048572}],
               "network_bandwidth_bytes_per_s": 1.25e9,
               "storage": {"latency_s": 0, "bandwidth_bytes_per_s": 3e9},
               "dispatch_overhead_s": 0.002, "transfers": "direct", "links": "independent",
               "network_latency_s": 0.0005, "prices": {"per_core_hour": 0.05}})"}) {
    const Platform p = read_platform(text, "full.json");
    const std::string written = write_platform(p);
    INFO(written);
    const Platform again = read_platform(written, "again.json");
    CHECK(write_platform(again) == written);
    CHECK(again.configs.size() == p.configs.size());
    CHECK(again.dag_inline_bytes == p.dag_inline_bytes);
    CHECK(again.transfers == p.transfers);
    CHECK(again.bill_startup == p.bill_startup);
  }
}

TEST_CASE("a profile writes, reads and writes back to the same text (issue 14)", "[profile]") {
  // Every member set, an optional one left out on one configuration, and awkward numbers.
  Profile p;
  p.platform = "aws-lambda";
  FunctionProfile f;
  f.name = "f \"quoted\"";
  f.work_scale = 0.1;
  f.base_s = 1e-7;
  f.per_byte_s = 3.3e-9;
  f.vcpu_exponent = 0.75;
  f.max_parallelism = 6;
  f.noise_sigma = 0.2;
  f.code_bytes = 9007199254740992;
  f.samples = 4294967295;
  f.fit_error = 0.0123;
  p.functions.push_back(f);
  FunctionProfile g;
  g.name = "g";
  p.functions.push_back(g);
  ConfigProfile c;
  c.name = "1024MB";
  c.speed = Measured{1.25, 3, 0.01};
  c.bandwidth_bytes_per_s = Measured{8.5e7, 12, 0.02};
  c.cold_start_s = Measured{0.31, 2, 0};
  c.warm_start_s = Measured{0.012, 40, 0.5};
  p.configs.push_back(c);
  ConfigProfile d;
  d.name = "2048MB";
  d.cold_start_s = Measured{0.4, 1, 0};
  p.configs.push_back(d);
  p.invoke_latency_s = Measured{0.03, 10, 0.1};
  p.storage_latency_s = Measured{0.0005, 4, 0};
  p.storage_bandwidth_bytes_per_s = Measured{1e10, 2, 0.3};
  p.dispatch_overhead_s = Measured{0.002, 7, 0};
  p.slots = Measured{48, 1, 0};
  const std::string text = write_profile(p);
  INFO(text);
  const Profile again = read_profile(text, "prof.json");
  CHECK(write_profile(again) == text);
  REQUIRE(again.functions.size() == 2);
  CHECK(again.functions[0].name == f.name);
  CHECK(again.functions[0].code_bytes == f.code_bytes);
  CHECK(again.functions[0].samples == f.samples);
  CHECK(again.functions[0].per_byte_s == f.per_byte_s);
  REQUIRE(again.configs.size() == 2);
  CHECK_FALSE(again.configs[1].speed.has_value());
  REQUIRE(again.configs[0].warm_start_s.has_value());
  CHECK(again.configs[0].warm_start_s->samples == 40);
  REQUIRE(again.slots.has_value());
  CHECK(again.slots->value == 48);
  CHECK(again.platform == "aws-lambda");
}

TEST_CASE("65,535 configurations are read at once, one more is refused (issue 14)", "[platform]") {
  // 65,535 configurations took 7.5 s to validate (each name compared with every other one);
  // ConfigId is 16 bits, so 65,536 cannot be held.
  auto platform = [](int n) {
    std::string configs;
    for (int i = 0; i < n; ++i)
      configs += fmt::format(R"({}{{"name": "c{}", "memory_mb": 128, "bandwidth_bytes_per_s": 1}})",
                             i == 0 ? "" : ", ", i);
    return R"({"format": "dagplan-platform/1", "kind": "serverless", "name": "many",
               "storage": {"latency_s": 0.001, "bandwidth_bytes_per_s": 1e9}, "configs": [)" +
           configs + "]}";
  };
  const std::string most = platform(65535);
  const auto start = std::chrono::steady_clock::now();
  const Platform p = read_platform(most, "many.json");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(p.configs.size() == 65535);
  CHECK(p.configs.back().name == "c65534");
  // 0.45 s for `dagplan validate` of this file, process start included; generous for a sanitizer
  // build, far below the quadratic 7.5 s.
  CHECK(seconds < 3.0);
  REQUIRE_INPUT_ERROR(read_platform(platform(65536), "many.json"), "many.json: $.configs",
                      "expected at most 65535 configurations");
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
