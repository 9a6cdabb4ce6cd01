// JsonReader: paths, positions and the wording of every kind of JSON error.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <vector>

#include "dagplan/json_reader.hpp"
#include "dagplan/json_writer.hpp"
#include "dagplan/model.hpp"
#include "dagplan/platform.hpp"
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

namespace {
// A one-task workflow whose task id is `id` as written between the quotes.
std::string with_id(const std::string& id) {
  return R"({"format": "dagplan-workflow/1", "name": "n", "tasks": [{"id": ")" + id + R"("}]})";
}
}  // namespace

TEST_CASE("strings are valid UTF-8, without NUL or lone surrogates (issue 14)", "[json]") {
  SECTION("valid text of every length and escaped pairs are read") {
    CHECK(read_workflow(with_id("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), "w.json")
              .id(dagplan::TaskId{0}) == "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    CHECK(read_workflow(with_id("\\ud83d\\ude00\\u00e9"), "w.json").id(dagplan::TaskId{0}) ==
          "\xf0\x9f\x98\x80\xc3\xa9");
  }
  SECTION("invalid UTF-8, with or without escapes in the string") {
    for (const char* bad : {"a\xff", "a\xc3", "a\x80", "a\xc0\xaf", "a\xed\xa0\x80",
                            "a\xf4\x90\x80\x80", "\\n\xff"}) {
      INFO(bad);
      REQUIRE_INPUT_ERROR(read_workflow(with_id(bad), "w.json"), "w.json: $.tasks[0].id (line 1",
                          "expected UTF-8 text", "got byte 0x");
    }
  }
  SECTION("a lone low surrogate, a high one without its low one, NUL") {
    REQUIRE_INPUT_ERROR(read_workflow(with_id("a\\udc00"), "w.json"),
                        "w.json: $.tasks[0].id (line 1, column 66)",
                        "got the lone low surrogate \\udc00");
    REQUIRE_INPUT_ERROR(
        read_workflow(with_id("a\\ud800b"), "w.json"), "$.tasks[0].id",
        "expected a low surrogate (\\udc00 to \\udfff) after the high surrogate \\ud800");
    REQUIRE_INPUT_ERROR(read_workflow(with_id("a\\ud800\\u0041"), "w.json"), "$.tasks[0].id",
                        "got \\u0041");
    REQUIRE_INPUT_ERROR(read_workflow(with_id("a\\u0000x"), "w.json"), "$.tasks[0].id",
                        "expected a string without NUL characters, got \\u0000");
  }
  SECTION("the files of hostile/accepted") {
    const std::string dir = dagplan::test::shared_data_dir() + "/hostile/accepted";
    if (dagplan::test::shared_data_dir().empty() || !std::filesystem::is_directory(dir))
      DAGPLAN_SKIP_TEST("../shared/data/hostile/accepted is absent: its files are not checked");
    REQUIRE_INPUT_ERROR(load_workflow(dir + "/id_badutf8.json"), "id_badutf8.json: $.name",
                        "expected UTF-8 text");
    REQUIRE_INPUT_ERROR(load_workflow(dir + "/id_lone_low_surrogate.json"),
                        "id_lone_low_surrogate.json: $.tasks[0].id", "lone low surrogate");
    REQUIRE_INPUT_ERROR(load_workflow(dir + "/id_nul.json"), "id_nul.json: $.tasks[0].id",
                        "without NUL");
    // Also one short line each: a 400-digit number refused as out of range, not read as 0; a
    // value nested too deep in metadata refused (no stack overflow); an unterminated string.
    REQUIRE_INPUT_ERROR(load_workflow(dir + "/n_work_400digits.json"),
                        "n_work_400digits.json: $.tasks[0].work_s", "is out of range");
    REQUIRE_INPUT_ERROR(dagplan::load_platform(dir + "/n_bandwidth_400digits_platform.json"),
                        "$.network_bandwidth_bytes_per_s", "expected bandwidth > 0");
    std::string what;
    try {
      load_workflow(dir + "/deep_in_metadata.json");
    } catch (const InputError& e) {
      what = e.what();
    }
    CHECK_THAT(what, Catch::Contains("deep_in_metadata.json: $.metadata[0]") &&
                         Catch::Contains("levels)...") &&
                         Catch::Contains("nesting deeper than 256"));
    CHECK(what.size() < 400);
    REQUIRE_INPUT_ERROR(load_workflow(dir + "/multiline_unterminated_string.json"),
                        "$.tasks[0].work_s", "got the string \"1,\\n  \"");
  }
}

TEST_CASE("error messages stay one short line, whatever the input (issue 14)", "[json]") {
  SECTION("a 10 MB member name is quoted by its start") {
    std::string text = R"({"format": "dagplan-workflow/1", "tasks": [{"id": "a", ")" +
                       std::string(std::size_t{10'000'000}, 'x') + R"(": 1}]})";
    std::string what;
    try {
      read_workflow(text, "w.json");
    } catch (const InputError& e) {
      what = e.what();
    }
    CHECK_THAT(what,
               Catch::Contains("unknown member 'xxxx") && Catch::Contains("...' (10000000 bytes)"));
    CHECK(what.size() < 600);
  }
  SECTION("an unterminated string across a line break: one line") {
    std::string what;
    try {
      read_workflow(
          "{\"format\": \"dagplan-workflow/1\", \"tasks\": [{\"id\": \"a\", \"work_s\": \"1,\n  "
          "\"output_bytes\": 5}]}",
          "w.json");
    } catch (const InputError& e) {
      what = e.what();
    }
    CHECK_THAT(what, Catch::Contains("$.tasks[0].work_s") &&
                         Catch::Contains("got the string \"1,\\n  \""));
    CHECK(what.find('\n') == std::string::npos);
  }
  SECTION("a value nested 255 levels deep: the path shows its ends") {
    std::string text = R"({"format": "dagplan-workflow/1", "tasks": [], "metadata": )" +
                       std::string(300, '[') + std::string(300, ']') + "}";
    std::string what;
    try {
      read_workflow(text, "w.json");
    } catch (const InputError& e) {
      what = e.what();
    }
    CHECK_THAT(what, Catch::StartsWith("w.json: $.metadata[0][0][0][0][0]...(") &&
                         Catch::Contains("nesting deeper than 256 levels"));
    CHECK(what.size() < 300);
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

TEST_CASE("strings are scanned exactly at every offset of the word-at-a-time scan", "[json]") {
  // The reader skips plain ASCII eight bytes at a time: a special byte at any offset of a long
  // string, whatever its word, must still be seen (a quote ends the string, an escape decodes, a
  // control character or invalid UTF-8 is refused, valid UTF-8 is kept).
  auto read_one = [](const std::string& json) {
    JsonReader r(json, "s.json");
    std::string s(r.string());
    r.finish();
    return s;
  };
  for (std::size_t at = 0; at < 24; ++at) {
    INFO("offset " << at);
    const std::string a(at, 'a');
    const std::string b(20, 'b');
    CHECK(read_one(fmt::format("\"{}\\n{}\"", a, b)) == fmt::format("{}\n{}", a, b));
    CHECK(read_one(fmt::format("\"{}\\\"{}\"", a, b)) == fmt::format("{}\"{}", a, b));
    CHECK(read_one(fmt::format("\"{}\xc3\xa9{}\"", a, b)) == fmt::format("{}\xc3\xa9{}", a, b));
    CHECK(read_one(fmt::format("\"{}\"", a)) == a);
    REQUIRE_INPUT_ERROR(read_one(fmt::format("\"{}\t{}\"", a, b)), "s.json: $ (line 1",
                        "control characters must be escaped");
    REQUIRE_INPUT_ERROR(read_one(fmt::format("\"{}\xff{}\"", a, b)), "s.json: $ (line 1",
                        "expected UTF-8 text");
    REQUIRE_INPUT_ERROR(read_one(fmt::format("\"{}{}", a, b)), "s.json: $", "a closing '\"'");
  }
}

TEST_CASE("microseconds written as seconds from the integer: the double's text", "[json]") {
  // us_as_seconds must give exactly what value(us_to_seconds(us)) gives, or decline (0).
  auto as_double = [](std::int64_t us) {
    std::string out;
    dagplan::JsonWriter w(out);
    w.value(dagplan::us_to_seconds(us));
    return out;
  };
  std::vector<std::int64_t> values = {0,
                                      1,
                                      999,
                                      1000,
                                      1001,
                                      100'000,
                                      1'000'000,
                                      1'000'001,
                                      999'999,
                                      10'000'000,
                                      3'599'999'999,
                                      2'574'614'000,
                                      -1'000,
                                      -5'000'000,
                                      999'999'999'999'999,
                                      1'000'000'000'000'000,
                                      1'073'741'823'999'999};
  std::mt19937_64 rng(14);  // seed 14 (issue 14)
  for (int magnitude = 3; magnitude <= 15; ++magnitude) {
    const auto top = static_cast<std::uint64_t>(std::pow(10.0, magnitude));
    for (int i = 0; i < 20'000; ++i) values.push_back(static_cast<std::int64_t>(rng() % top));
  }
  std::size_t integer_route = 0;
  for (std::int64_t us : values) {
    char buf[32];
    const std::size_t len = dagplan::JsonWriter::us_as_seconds(buf, us);
    if (len == 0) continue;
    ++integer_route;
    const std::string want = as_double(us);
    if (std::string(buf, len) != want)
      FAIL_CHECK(us << " us: " << std::string(buf, len) << " != " << want);
  }
  CHECK(integer_route > values.size() * 9 / 10);
  char buf[32];
  CHECK(dagplan::JsonWriter::us_as_seconds(buf, 999) == 0);  // 0.000999: exponent notation
  CHECK(dagplan::JsonWriter::us_as_seconds(buf, -1'000) == 0);
  CHECK(dagplan::JsonWriter::us_as_seconds(buf, 1'000'000'000'000'000) == 0);
}

TEST_CASE("JsonWriter text: escapes at every offset, numbers as fmt writes them", "[json]") {
  for (std::size_t at = 0; at < 12; ++at) {
    INFO("offset " << at);
    const std::string plain(at, 'x');
    std::string out;
    dagplan::JsonWriter::quote(out, fmt::format("{}\"\\\n\x01{}", plain, plain));
    CHECK(out == fmt::format("\"{}\\\"\\\\\\n\\u0001{}\"", plain, plain));
  }
  // The same text as fmt's "{}" (shortest round trip), the longest ones included.
  for (double d : {0.0, -0.0, 1.0, 0.1, 123.456789, 1e-6, 1e21, -2.2250738585072014e-308,
                   1.7976931348623157e308, 4.9406564584124654e-324, 3599.999999, 2574.614}) {
    std::string out;
    dagplan::JsonWriter w(out);
    w.value(d);
    CHECK(out == fmt::format("{}", d));
  }
  // Layout: members on their own indented lines, inline containers on one line, a key with
  // escapes and a long key beside short ones.
  const std::string long_key(300, 'k');
  std::string out;
  dagplan::JsonWriter w(out);
  w.begin_object();
  w.member("a", 1);
  w.key("list");
  w.begin_array();
  w.begin_object(true);
  w.member("id", "t1");
  w.member("k\"ey", 2.5);
  w.member(long_key, true);
  w.end_object();
  w.value("s");
  w.end_array();
  w.end_object();
  CHECK(out ==
        fmt::format("{{\n  \"a\": 1,\n  \"list\": [\n    {{\"id\": \"t1\", \"k\\\"ey\": 2.5, "
                    "\"{}\": true}},\n    \"s\"\n  ]\n}}\n",
                    long_key));
}
