// The workflow model and the dagplan-workflow/1 reader: structure, determinism and every
// bad-input case the foundation issue lists.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <string>
#include <vector>

#include "dagplan/limits.hpp"
#include "dagplan/string_table.hpp"
#include "dagplan/workflow.hpp"
#include "dagplan/workflow_io.hpp"
#include "test_util.hpp"

using namespace dagplan;

namespace {
std::string doc(const std::string& tasks) {
  return R"({"format": "dagplan-workflow/1", "name": "t", "tasks": [)" + tasks + "]}";
}
Workflow parse(const std::string& tasks) {
  return read_workflow(doc(tasks), "w.json");
}

std::vector<std::string> ids(const Workflow& w, std::span<const TaskId> ts) {
  std::vector<std::string> out;
  for (TaskId t : ts) out.emplace_back(w.id(t));
  return out;
}
}  // namespace

TEST_CASE("a diamond builds into a frozen CSR DAG", "[workflow]") {
  Workflow w = parse(R"(
    {"id": "a", "function": "f", "work_s": 1, "input_bytes": 5, "output_bytes": 10},
    {"id": "b", "function": "g", "work_s": 2, "output_bytes": 20, "deps": ["a"]},
    {"id": "c", "function": "g", "output_bytes": 30, "deps": ["a"]},
    {"id": "d", "deps": ["c", "b"]})");
  REQUIRE(w.task_count() == 4);
  CHECK(w.edge_count() == 4);
  CHECK(w.name() == "t");
  TaskId a = *w.find("a"), b = *w.find("b"), c = *w.find("c"), d = *w.find("d");
  CHECK(index(a) == 0);
  CHECK(index(d) == 3);
  CHECK_FALSE(w.find("e"));
  CHECK(ids(w, w.successors(a)) == std::vector<std::string>{"b", "c"});
  CHECK(ids(w, w.predecessors(d)) ==
        std::vector<std::string>{"b", "c"});  // id order, not file order
  CHECK(ids(w, w.roots()) == std::vector<std::string>{"a"});
  CHECK(ids(w, w.sinks()) == std::vector<std::string>{"d"});
  CHECK(ids(w, w.topological_order()) == std::vector<std::string>{"a", "b", "c", "d"});
  CHECK(w.function_name(w.function(b)) == "g");
  CHECK(w.function(b) == w.function(c));
  CHECK(w.function_name(w.function(d)) == "d");  // no function: its own
  CHECK(w.has_work(b));
  CHECK_FALSE(w.has_work(c));
  CHECK(w.work_s(c) == 0);
  CHECK(w.input_bytes(a) == 5);
  CHECK(w.output_bytes(c) == 30);
}

TEST_CASE("forward references and several roots and sinks are allowed", "[workflow]") {
  Workflow w = parse(R"(
    {"id": "sink1", "deps": ["x", "y"]},
    {"id": "sink2", "deps": ["y"]},
    {"id": "x"}, {"id": "y"})");
  CHECK(w.roots().size() == 2);
  CHECK(w.sinks().size() == 2);
  CHECK(ids(w, w.topological_order()) == std::vector<std::string>{"x", "y", "sink1", "sink2"});
  CHECK(w.id(TaskId{0}) == "sink1");  // ids stay in definition order
}

TEST_CASE("write then read gives the same workflow, byte for byte", "[workflow]") {
  Workflow w = parse(R"(
    {"id": "a\"q", "function": "f", "work_s": 0.1, "input_bytes": 5, "output_bytes": 9007199254740992},
    {"id": "b", "work_s": 1e-7, "deps": ["a\"q"]})");
  std::string text = write_workflow(w);
  Workflow again = read_workflow(text, "again.json");
  CHECK(write_workflow(again) == text);
  CHECK(again.fingerprint() == w.fingerprint());
  CHECK(again.output_bytes(TaskId{0}) == limits::kMaxBytes);  // the largest size there is
}

TEST_CASE("bad workflows give one clear error with file and JSON path", "[workflow][errors]") {
  SECTION("malformed JSON") {
    REQUIRE_INPUT_ERROR(
        read_workflow(R"({"format": "dagplan-workflow/1", "tasks": [{"id": "a",}]})", "w.json"),
        "w.json", "$.tasks[0]", "invalid JSON");
  }
  SECTION("wrong type") {
    REQUIRE_INPUT_ERROR(parse(R"({"id": "a", "work_s": "fast"})"), "w.json", "$.tasks[0].work_s",
                        "expected a number");
  }
  SECTION("missing id") {
    REQUIRE_INPUT_ERROR(parse(R"({"id": "a"}, {"work_s": 1})"), "w.json", "$.tasks[1]",
                        "missing member 'id'");
  }
  SECTION("missing format") {
    REQUIRE_INPUT_ERROR(read_workflow(R"({"tasks": [{"id": "a"}]})", "w.json"), "w.json",
                        "missing member 'format'");
  }
  SECTION("unknown format version") {
    REQUIRE_INPUT_ERROR(read_workflow(R"({"format": "dagplan-workflow/9", "tasks": []})", "w.json"),
                        "$.format", "unsupported format version 'dagplan-workflow/9'",
                        "dagplan-workflow/1");
  }
  SECTION("unknown member with a suggestion") {
    REQUIRE_INPUT_ERROR(parse(R"({"id": "a", "outptu_bytes": 3})"), "$.tasks[0].outptu_bytes",
                        "unknown member 'outptu_bytes'; did you mean 'output_bytes'?");
  }
  SECTION("unknown task id in deps") {
    REQUIRE_INPUT_ERROR(parse(R"({"id": "a"}, {"id": "b", "deps": ["a", "zz"]})"), "w.json",
                        "$.tasks[1].deps[1]", "unknown task 'zz'");
  }
  SECTION("duplicate ids") {
    REQUIRE_INPUT_ERROR(parse(R"({"id": "a"}, {"id": "b"}, {"id": "a"})"), "w.json",
                        "$.tasks[2].id", "duplicate task id 'a'");
  }
  SECTION("self-loop") {
    REQUIRE_INPUT_ERROR(parse(R"({"id": "a"}, {"id": "b", "deps": ["a", "b"]})"),
                        "$.tasks[1].deps[1]", "self-loop", "'b'");
  }
  SECTION("duplicate edge") {
    REQUIRE_INPUT_ERROR(parse(R"({"id": "a"}, {"id": "b", "deps": ["a", "a"]})"),
                        "$.tasks[1].deps[1]", "duplicate edge a -> b");
    // Several: the lowest producer's, at its second edge.
    REQUIRE_INPUT_ERROR(
        parse(R"({"id": "a"}, {"id": "c"}, {"id": "b", "deps": ["c", "a", "c", "a", "c"]})"),
        "$.tasks[2].deps[3]", "duplicate edge a -> b");
  }
  SECTION("cycle, printed") {
    REQUIRE_INPUT_ERROR(
        parse(
            R"({"id": "r"}, {"id": "a", "deps": ["r", "c"]}, {"id": "b", "deps": ["a"]}, {"id": "c", "deps": ["b"]})"),
        "w.json", "cycle", "a -> b -> c -> a");
  }
  SECTION("negative size") {
    REQUIRE_INPUT_ERROR(parse(R"({"id": "a", "output_bytes": -1})"), "$.tasks[0].output_bytes",
                        "expected a non-negative integer, got -1");
  }
  SECTION("negative time") {
    REQUIRE_INPUT_ERROR(parse(R"({"id": "a", "work_s": -0.5})"), "$.tasks[0].work_s",
                        "expected a number >= 0");
  }
  SECTION("non-finite time") {
    REQUIRE_INPUT_ERROR(parse(R"({"id": "a", "work_s": 1e400})"), "$.tasks[0].work_s",
                        "out of range");
  }
  SECTION("size that overflows") {
    REQUIRE_INPUT_ERROR(parse(R"({"id": "a", "input_bytes": 99999999999999999999})"),
                        "$.tasks[0].input_bytes", "overflows");
  }
  SECTION("empty workflow") {
    REQUIRE_INPUT_ERROR(parse(""), "w.json", "$.tasks", "at least one task");
  }
  SECTION("empty id") {
    REQUIRE_INPUT_ERROR(parse(R"({"id": ""})"), "$.tasks[0].id", "non-empty");
  }
  SECTION("not a workflow at all") {
    REQUIRE_INPUT_ERROR(read_any_workflow(R"({"format": "dagplan-platform/1"})", "p.json"),
                        "p.json", "expected a workflow", "platform");
  }
  SECTION("file that does not exist") {
    REQUIRE_INPUT_ERROR(load_workflow("/nonexistent/w.json"), "/nonexistent/w.json", "cannot open");
  }
}

TEST_CASE("builder rejects cycles found through any order of edges", "[workflow]") {
  WorkflowBuilder b;
  for (const char* id : {"a", "b", "c", "d"}) b.add_task(id, "f", 1, 0, 0);
  b.add_edge("a", "b");
  b.add_edge("b", "c");
  b.add_edge("c", "d");
  b.add_edge("d", "b");
  REQUIRE_INPUT_ERROR(std::move(b).build("mem"), "mem", "cycle", "b -> c -> d -> b");
}

TEST_CASE("a cycle of 10^5 tasks is one short line: its first tasks and how many more",
          "[workflow]") {
  WorkflowBuilder b;
  const std::size_t n = 100'000;
  for (std::size_t i = 0; i < n; ++i) b.add_task("t" + std::to_string(i), "f", 1, 0, 0);
  for (std::size_t i = 0; i < n; ++i)
    b.add_edge("t" + std::to_string(i), "t" + std::to_string((i + 1) % n));
  std::string what;
  try {
    std::move(b).build("mem");
  } catch (const InputError& e) {
    what = e.what();
  }
  CHECK(what ==
        "mem: the workflow has a cycle: t0 -> t1 -> t2 -> t3 -> t4 -> t5 -> t6 -> t7 -> "
        "... (99992 more) -> t0");
}

TEST_CASE("the string table finds every string it interned: short and long and past 2^24 bytes",
          "[workflow][strings]") {
  StringTable t;
  std::vector<std::string> strings;
  strings.reserve(20005);
  for (int i = 0; i < 20000; ++i) strings.push_back(fmt::format("task-{:06}", i));
  strings.push_back("");                                // empty
  strings.push_back(std::string(100, 'x'));             // longer than a word
  strings.push_back(std::string((1u << 24) - 1, 'y'));  // just past the slot's length field
  strings.push_back(std::string((1u << 24) + 5, 'y'));  // longer still, shares a prefix
  strings.push_back(std::string((1u << 24) + 5, 'y') + "z");
  for (std::size_t i = 0; i < strings.size(); ++i)
    REQUIRE(t.intern(strings[i]) == i);  // new strings get the next index, through every growth
  CHECK(t.size() == strings.size());
  for (std::size_t i = 0; i < strings.size(); ++i) {
    CHECK(t.intern(strings[i]) == i);  // found again, not added
    CHECK(t.find(strings[i]) == i);
    CHECK(t[static_cast<std::uint32_t>(i)] == strings[i]);
    CHECK(t.intern(strings[i], StringTable::hash(strings[i])) == i);
  }
  CHECK(t.size() == strings.size());
  CHECK_FALSE(t.find("task-020000").has_value());
  CHECK_FALSE(t.find(std::string((1u << 24) + 4, 'y')).has_value());
  // Strings that differ in one byte of a full word, or only in length, are told apart.
  CHECK(t.intern("task-00000") == strings.size());
  CHECK(t.intern(std::string("task-000000\0", 12)) == strings.size() + 1);
}

TEST_CASE("dependencies looked up in batches resolve as one at a time did", "[workflow]") {
  // More edges than a batch, forward and backward references, and an edge from a task added
  // later than the batch that named it: the same graph and the same errors.
  WorkflowBuilder b;
  const int n = 300;
  for (int i = 0; i < n; ++i) {
    b.add_task(fmt::format("t{}", i), "f", 1, 0, 1);
    if (i > 0) b.add_edge(fmt::format("t{}", i - 1), fmt::format("t{}", i));
    if (i > 10) b.add_edge(fmt::format("t{}", i - 7), fmt::format("t{}", i));
    if (i + 1 < n && i % 3 == 0)
      b.add_edge(fmt::format("t{}", n - 1), fmt::format("t{}", i + 1000));
  }
  // The last group named tasks t1000... that never come: the first is the error, at its edge.
  REQUIRE_INPUT_ERROR(std::move(b).build("w.json"), "w.json", "edge 0 (t299 -> t1000)",
                      "unknown task 't1000'");
  WorkflowBuilder ok;
  for (int i = 0; i < n; ++i) {
    if (i + 5 < n) ok.add_edge(fmt::format("t{}", i + 5), fmt::format("t{}", n + i));  // forward
    ok.add_task(fmt::format("t{}", i), "f", 1, 0, 1);
  }
  for (int i = 0; i < n; ++i) ok.add_task(fmt::format("t{}", n + i), "f", 1, 0, 1);
  Workflow w = std::move(ok).build("w.json");
  CHECK(w.edge_count() == static_cast<std::size_t>(n - 5));
  for (int i = 0; i + 5 < n; ++i) {
    const auto preds = w.predecessors(*w.find(fmt::format("t{}", n + i)));
    REQUIRE(preds.size() == 1);
    CHECK(w.id(preds[0]) == fmt::format("t{}", i + 5));
  }
}
