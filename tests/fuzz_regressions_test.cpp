// Inputs the fuzz targets (fuzz/, scripts/fuzz.sh) found to crash a reader or to break a round
// trip, each reduced to what matters and turned into a specification. The ASan/UBSan build in CI
// runs them too, which is where a memory error shows.
#include <catch2/catch.hpp>

#include <string>

#include "dagplan/json_reader.hpp"
#include "dagplan/plan.hpp"
#include "test_util.hpp"

using namespace dagplan;

TEST_CASE("an error inside a member name after one with escapes names the object", "[fuzz][json]") {
  // fuzz_plan: the path of an error is printed from the member names read so far, and the
  // previous member's name (it had an escape, so it was decoded into a scratch buffer) was a view
  // into the buffer the next name was being decoded into: a use after free once that buffer grew.
  // The first name is too long for the string's inline buffer, so the second one's growth frees it.
  const std::string long_name(100, 'k');
  const std::string text =
      R"({")" + std::string(30, 'a') + R"(\u0041": 1, ")" + long_name + R"(\q": 2})";
  JsonReader r(text, "f.json");
  REQUIRE_INPUT_ERROR(r.object([&](std::string_view) { r.skip(); }), "f.json: $. (line 1",
                      "invalid JSON: expected a valid escape");
  // The same through a reader of the library: read_plan_references, where it was found.
  const std::string plan =
      R"({"format": "dagplan-plan/1", "work\u0066low": {}, ")" + long_name + R"(\x": 1})";
  REQUIRE_INPUT_ERROR(read_plan_references(plan, "p.json"), "p.json", "a valid escape");
}
