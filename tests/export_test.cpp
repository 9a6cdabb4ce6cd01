// Exports and human-readable quantities: the exact text `dagplan export` and every summary print.
#include <catch2/catch.hpp>

#include "dagplan/export.hpp"
#include "dagplan/human_format.hpp"
#include "dagplan/workflow_io.hpp"
#include "test_util.hpp"

using namespace dagplan;

TEST_CASE("the DOT of a diamond, exactly", "[export]") {
  Workflow w = read_workflow(R"({"format": "dagplan-workflow/1", "name": "diamond", "tasks": [
      {"id": "split", "function": "split", "work_s": 0.2, "output_bytes": 8000000},
      {"id": "left", "function": "transform", "work_s": 1.5, "output_bytes": 4000000, "deps": ["split"]},
      {"id": "right", "function": "transform", "work_s": 130, "output_bytes": 999, "deps": ["split"]},
      {"id": "join", "function": "join", "deps": ["left", "right"]}]})",
                             "diamond.json");
  CHECK(workflow_dot(w) == R"(digraph "diamond" {
  rankdir=TB;
  node [shape=box, fontname="Helvetica"];
  "split" [label="split\nsplit  200.0 ms"];
  "left" [label="left\ntransform  1.500 s"];
  "right" [label="right\ntransform  2 min 10.0 s"];
  "join" [label="join\njoin  0.000 s"];
  "split" -> "left" [label="8.00 MB"];
  "split" -> "right" [label="8.00 MB"];
  "left" -> "join" [label="4.00 MB"];
  "right" -> "join" [label="999 B"];
}
)");
}

TEST_CASE("DOT escapes quotes and backslashes and names an unnamed workflow", "[export]") {
  Workflow w = read_workflow(R"({"format": "dagplan-workflow/1", "tasks": [
      {"id": "say \"hi\"", "function": "back\\slash", "work_s": 1, "output_bytes": 1},
      {"id": "b", "function": "f", "work_s": 1, "deps": ["say \"hi\""]}]})",
                             "t.json");
  std::string dot = workflow_dot(w);
  CHECK_THAT(dot, Catch::StartsWith("digraph \"workflow\" {\n"));
  CHECK_THAT(dot, Catch::Contains(R"("say \"hi\"" [label="say \"hi\"\nback\\slash  1.000 s"];)"));
  CHECK_THAT(dot, Catch::Contains(R"("say \"hi\"" -> "b" [label="1 B"];)"));
}

TEST_CASE("human-readable quantities", "[export][format]") {
  SECTION("bytes, decimal units") {
    CHECK(human_bytes(0) == "0 B");
    CHECK(human_bytes(999) == "999 B");
    CHECK(human_bytes(1000) == "1.00 kB");
    CHECK(human_bytes(1.5e6) == "1.50 MB");
    CHECK(human_bytes(2.1e9) == "2.10 GB");
    CHECK(human_bytes(3e18) == "3000.00 PB");  // no unit beyond PB
  }
  SECTION("dollars, the digits that matter") {
    CHECK(human_dollars(0) == "$0");
    CHECK(human_dollars(12.35) == "$12.3500");
    CHECK(human_dollars(0.01) == "$0.0100");
    CHECK(human_dollars(0.000125) == "$0.000125");
    CHECK(human_dollars(4.2e-7) == "$4.2e-07");
  }
  SECTION("seconds, up to minutes") {
    CHECK(human_seconds(0) == "0.000 s");
    CHECK(human_seconds(1.2344) == "1.234 s");
    CHECK(human_seconds(119.9) == "119.900 s");
    CHECK(human_seconds(123.4) == "2 min 3.4 s");
    CHECK(human_seconds(0.0152) == "15.2 ms");
    CHECK(human_seconds(0.000312) == "312 us");
  }
}
