// JsonReader: paths, positions and the wording of every kind of JSON error.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "dagplan/json_reader.hpp"
#include "dagplan/json_writer.hpp"
#include "dagplan/workflow_io.hpp"
#include "test_util.hpp"

using dagplan::InputError;
using dagplan::JsonReader;
using dagplan::load_workflow;
using dagplan::read_workflow;

TEST_CASE("JsonReader reads nested values with paths", "[json]") {
  std::string text = R"({"a": [1, 2.5, "x\n\u00e9"], "b": {"c": true, "d": null}})";
  JsonReader r(text, "t.json");
  std::vector<std::string> paths;
  r.object([&](std::string_view key) {
    if (key == "a") {
      r.array([&](std::size_t i) {
        paths.push_back(r.path());
        if (i == 0) CHECK(r.uint64() == 1);
        if (i == 1) CHECK(r.number() == 2.5);
        if (i == 2) CHECK(r.string() == "x\n\xc3\xa9");
      });
    } else {
      r.object([&](std::string_view k) {
        paths.push_back(r.path());
        if (k == "c") CHECK(r.boolean());
        if (k == "d") CHECK(r.null());
      });
    }
  });
  r.finish();
  CHECK(paths == std::vector<std::string>{"$.a[0]", "$.a[1]", "$.a[2]", "$.b.c", "$.b.d"});
}

TEST_CASE("JsonReader errors name file, path, position and what was expected", "[json]") {
  auto read_ints = [](const std::string& text) {
    JsonReader r(text, "f.json");
    r.object([&](std::string_view) { r.array([&](std::size_t) { r.uint64(); }); });
    r.finish();
  };
  SECTION("syntax: missing comma") {
    REQUIRE_INPUT_ERROR(read_ints("{\"a\": [1 2]}"), "f.json", "$.a[0]", "invalid JSON",
                        "expected ',' or ']'", "line 1, column 10");
  }
  SECTION("syntax: truncated file") {
    REQUIRE_INPUT_ERROR(read_ints("{\"a\": [1, 2"), "f.json", "expected ',' or ']'",
                        "the end of the file");
  }
  SECTION("wrong type") {
    REQUIRE_INPUT_ERROR(read_ints("{\"a\": [1, \"two\"]}"), "f.json", "$.a[1]",
                        "expected a non-negative integer", "the string \"two\"");
  }
  SECTION("negative") {
    REQUIRE_INPUT_ERROR(read_ints("{\"a\": [-4]}"), "$.a[0]",
                        "expected a non-negative integer, got -4");
  }
  SECTION("overflow") {
    REQUIRE_INPUT_ERROR(read_ints("{\"a\": [18446744073709551616]}"), "$.a[0]", "overflows");
  }
  SECTION("fraction where an integer is expected") {
    REQUIRE_INPUT_ERROR(read_ints("{\"a\": [1.5]}"), "$.a[0]", "expected a whole number");
  }
  SECTION("integral exponent form is accepted") {
    JsonReader r("[1e6, 3.0]", "g.json");
    std::vector<std::uint64_t> v;
    r.array([&](std::size_t) { v.push_back(r.uint64()); });
    CHECK(v == std::vector<std::uint64_t>{1000000, 3});
  }
  SECTION("non-finite number") {
    JsonReader r("[1e999]", "g.json");
    REQUIRE_INPUT_ERROR(r.array([&](std::size_t) { r.number(); }), "$[0]", "out of range");
  }
  SECTION("trailing garbage") {
    REQUIRE_INPUT_ERROR(read_ints("{\"a\": []} x"), "f.json", "expected the end of the file");
  }
  SECTION("line and column on a later line") {
    REQUIRE_INPUT_ERROR(read_ints("{\n  \"a\": [\n    1,\n    true\n  ]\n}"), "$.a[1]",
                        "line 4, column 5", "got true");
  }
  SECTION("control character in a string") {
    const std::string text("[\"a\x01\"]");  // the reader keeps a view: the text must outlive it
    JsonReader r(text, "g.json");
    REQUIRE_INPUT_ERROR(r.array([&](std::size_t) { r.string(); }), "control characters");
  }
  SECTION("deep nesting is refused, not a stack overflow") {
    std::string deep(100000, '[');
    JsonReader r(deep, "g.json");
    REQUIRE_INPUT_ERROR(r.skip(), "nesting deeper than 256");
  }
}

TEST_CASE("JsonWriter output reads back", "[json]") {
  std::string out;
  dagplan::JsonWriter w(out);
  w.begin_object();
  w.member("s", "quote\" backslash\\ tab\t");
  w.member("d", 0.1);
  w.member("big", std::uint64_t{18446744073709551615ULL});
  w.key("list");
  w.begin_array(true);
  w.value(1);
  w.value(false);
  w.null();
  w.end_array();
  w.end_object();
  JsonReader r(out, "w.json");
  int members = 0;
  r.object([&](std::string_view k) {
    ++members;
    if (k == "s") CHECK(r.string() == "quote\" backslash\\ tab\t");
    if (k == "d") CHECK(r.number() == 0.1);
    if (k == "big") CHECK(r.uint64() == 18446744073709551615ULL);
    if (k == "list") {
      r.array([&](std::size_t i) {
        if (i == 0) CHECK(r.uint64() == 1);
        if (i == 1) CHECK_FALSE(r.boolean());
        if (i == 2) CHECK(r.null());
      });
    }
  });
  r.finish();
  CHECK(members == 4);
  CHECK_THAT(out, Catch::Contains("[1, false, null]"));
}

TEST_CASE("a member given twice in one object is refused, naming it", "[json][errors]") {
  // The last one used to win silently: {"id": "a", "id": "b"} was task 'b', and two `tasks`
  // arrays were merged.
  REQUIRE_INPUT_ERROR(
      read_workflow(R"({"format": "dagplan-workflow/1", "tasks": [{"id": "a", "id": "b"}]})",
                    "w.json"),
      "w.json", "$.tasks[0].id", "duplicate member 'id'");
  REQUIRE_INPUT_ERROR(read_workflow(R"({"format": "dagplan-workflow/1", "tasks": [{"id": "a"}],
                                       "tasks": [{"id": "b"}]})",
                                    "w.json"),
                      "$.tasks", "duplicate member 'tasks'");
  // Past the first 16 members too, and the same name in different objects is fine.
  std::string many = "{";
  for (int i = 0; i < 40; ++i) many += fmt::format("\"k{}\": {}, ", i, i);
  many += "\"k33\": 1}";
  JsonReader r(many, "m.json");
  REQUIRE_ERROR_CONTAINING(InputError, r.object([&](std::string_view) { r.skip(); }), "$.k33",
                           "duplicate member 'k33'");
  JsonReader ok(R"([{"a": 1}, {"a": 2}])", "ok.json");
  ok.array([&](std::size_t) { ok.object([&](std::string_view) { ok.skip(); }); });
  // The shared hostile inputs that were accepted with duplicate members.
  const std::string dir = dagplan::test::shared_data_dir();
  if (dir.empty()) DAGPLAN_SKIP_TEST("../shared/data is absent: the hostile files are not checked");
  for (const char* f : {"dup_member_format.json", "dup_member_id.json", "dup_member_tasks.json"}) {
    INFO(f);
    REQUIRE_INPUT_ERROR(load_workflow(dir + "/hostile/accepted/" + f), "duplicate member");
  }
}
