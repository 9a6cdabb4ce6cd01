// The real backend's kernels against direct computations: the example workflows evaluated task
// after task (what `dagrun --check` compares a run with) equal the GEMM product computed in one
// Eigen product, the sum of every value, and the word counts of the whole text.
#include <fmt/format.h>
#include <Eigen/Dense>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "../test_util.hpp"
#include "dagplan/exec/kernel.hpp"
#include "dagplan/exec/process.hpp"
#include "dagplan/workflow_io.hpp"

using namespace dagplan;
using namespace dagplan::exec;

namespace {

std::string example(const std::string& name) {
  return std::string(DAGPLAN_SOURCE_DIR) + "/examples/" + name;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

nlohmann::json args(const Workflow& w, TaskId t) {
  return nlohmann::json::parse(w.kernel(t)->args_json);
}

using Dense = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

Dense dense(const Matrix& m) {
  return Eigen::Map<const Dense>(m.values.data(), static_cast<Eigen::Index>(m.rows),
                                 static_cast<Eigen::Index>(m.cols));
}

}  // namespace

TEST_CASE("gemm example: the blocks of C equal a direct product of A and B", "[kernels]") {
  Workflow w = load_workflow(example("workflows/gemm.json"));
  TempDir dir("kernels-test-");
  std::vector<std::string> out = evaluate_locally(w, KernelMode::kAuto, dir.path());
  // A and B assembled from their blocks' own arguments (a_i_k, b_k_j), then one product.
  const Eigen::Index n = 2, b = 256;
  Dense a(n * b, n * b), bm(n * b, n * b);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index k = 0; k < n; ++k) {
      for (auto [name, target] : {std::pair<const char*, Dense*>{"a", &a}, {"b", &bm}}) {
        TaskId t = *w.find(fmt::format("{}_{}_{}", name, i, k));
        auto j = args(w, t);
        REQUIRE(j.at("rows") == b);
        target->block(i * b, k * b, b, b) =
            dense(random_matrix(j.at("rows"), j.at("cols"), j.at("seed")));
      }
    }
  }
  Dense c = a * bm;
  REQUIRE(w.sinks().size() == 4);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j < n; ++j) {
      TaskId t = *w.find(fmt::format("c_{}_{}", i, j));
      Matrix got = parse_matrix(out[index(t)], "c");
      REQUIRE(got.rows == static_cast<std::uint64_t>(b));
      REQUIRE(got.cols == static_cast<std::uint64_t>(b));
      double err = (dense(got) - c.block(i * b, j * b, b, b)).cwiseAbs().maxCoeff();
      INFO("block " << i << "," << j << " max error " << err);
      CHECK(err < 1e-10 * static_cast<double>(n * b));
      // The output's size is the one the workflow declares.
      CHECK(out[index(t)].size() == w.output_bytes(t));
    }
  }
}

TEST_CASE("tree-reduction example: the root equals the sum of every leaf value", "[kernels]") {
  Workflow w = load_workflow(example("workflows/tree-reduction.json"));
  TempDir dir("kernels-test-");
  std::vector<std::string> out = evaluate_locally(w, KernelMode::kAuto, dir.path());
  long double direct = 0;
  std::size_t leaves = 0;
  for (TaskId t : w.roots()) {
    auto j = args(w, t);
    for (double v : random_matrix(j.at("rows"), j.at("cols"), j.at("seed")).values) direct += v;
    ++leaves;
  }
  REQUIRE(leaves == 16);
  REQUIRE(w.sinks().size() == 1);
  Matrix root = parse_matrix(out[index(w.sinks()[0])], "root");
  REQUIRE(root.values.size() == 1);
  CHECK(std::abs(root.values[0] - static_cast<double>(direct)) < 1e-8);
  CHECK(std::abs(static_cast<double>(direct)) > 1.0);  // not trivially zero
}

TEST_CASE("wordcount example: the merged counts equal a count of the whole text", "[kernels]") {
  Workflow w = load_workflow(example("workflows/wordcount.json"));
  TempDir dir("kernels-test-");
  std::vector<std::string> out = evaluate_locally(w, KernelMode::kAuto, dir.path());
  std::string text = read_all(example("data/text.txt"));
  REQUIRE(text.size() > 1000);
  auto direct = count_words(text);
  auto got = parse_counts(out[index(*w.find("counts"))], "counts");
  CHECK(got == direct);
  CHECK(direct.at("the") > 10);
}

TEST_CASE("text parts: every split of a text counts the same words", "[kernels]") {
  std::string text = read_all(example("data/text.txt"));
  auto whole = count_words(text);
  for (std::uint64_t parts : {1u, 2u, 3u, 7u, 64u}) {
    std::map<std::string, std::uint64_t> merged;
    std::size_t length = 0;
    for (std::uint64_t p = 0; p < parts; ++p) {
      std::string_view part = text_part(text, p, parts);
      length += part.size();
      for (const auto& [word, n] : count_words(part)) merged[word] += n;
    }
    INFO(parts << " parts");
    CHECK(length == text.size());
    CHECK(merged == whole);
  }
  CHECK(
      count_words("It's a DAG, a dag; dags.") ==
      std::map<std::string, std::uint64_t>{{"a", 2}, {"dag", 2}, {"dags", 1}, {"it", 1}, {"s", 1}});
}

TEST_CASE("kernels refuse bad data with a KernelError naming it", "[kernels]") {
  REQUIRE_ERROR_CONTAINING(KernelError, parse_matrix("short", "the output of 'x'"),
                           "the output of 'x': expected a matrix block, got 5 bytes");
  Matrix m = random_matrix(2, 3, 7);
  std::string bytes = matrix_bytes(m);
  CHECK(parse_matrix(bytes, "m").values == m.values);
  REQUIRE_ERROR_CONTAINING(KernelError, parse_matrix(bytes.substr(0, bytes.size() - 1), "m"),
                           "for 2 x 3");
  REQUIRE_ERROR_CONTAINING(KernelError, parse_counts("the 3\nbad\n", "c"),
                           "c: line 2: expected 'word count'");
  // A product of blocks that do not fit.
  Workflow w = read_workflow(R"({"format": "dagplan-workflow/1", "tasks": [
    {"id": "x", "kernel": "matrix", "args": {"rows": 2, "cols": 3}},
    {"id": "y", "kernel": "matrix", "args": {"rows": 2, "cols": 3}},
    {"id": "p", "kernel": "matmul", "args": {"left": "x", "right": "y"}, "deps": ["x", "y"]}]})",
                             "m.json");
  std::string x = matrix_bytes(random_matrix(2, 3, 1)), y = matrix_bytes(random_matrix(2, 3, 2));
  std::vector<KernelInput> in = {{"x", x}, {"y", y}};
  REQUIRE_ERROR_CONTAINING(KernelError, run_kernel(w, *w.find("p"), in, "/tmp"),
                           "matmul: cannot multiply 2 x 3 by 2 x 3");
}

TEST_CASE("command kernel: inputs as files, output from a file, stderr in the error", "[kernels]") {
  Workflow w = read_workflow(R"({"format": "dagplan-workflow/1", "tasks": [
    {"id": "a", "command": "printf 'one two' > {output}"},
    {"id": "b", "command": "printf 'three' > $DAGPLAN_OUTPUT"},
    {"id": "cat", "command": "cat {inputs} > {output}; echo \"$DAGPLAN_TASK\" >> {output}", "deps": ["a", "b"]},
    {"id": "bad", "command": "echo 'no space left' >&2; exit 4", "deps": ["a"]}]})",
                             "c.json");
  TempDir dir("kernels-test-");
  std::vector<KernelInput> in = {{"a", "one two"}, {"b", "three"}};
  CHECK(run_kernel(w, *w.find("cat"), in, dir.path()) == "one twothreecat\n");
  REQUIRE_ERROR_CONTAINING(KernelError, run_kernel(w, *w.find("bad"), in, dir.path()),
                           "command exited with status 4; its stderr ends with: no space left");
  // Each command's folder is removed afterwards.
  CHECK(std::filesystem::is_empty(dir.path()));
}

TEST_CASE("workflow kernel members: read, written and read again, mistakes refused", "[kernels]") {
  const char* text = R"({"format": "dagplan-workflow/1", "tasks": [
    {"id": "m", "kernel": "matrix", "args": {"rows": 2, "cols": 2, "seed": 9}},
    {"id": "c", "command": "cat {inputs} > {output}", "input_file": "in.txt", "deps": ["m"]},
    {"id": "s", "deps": ["c"]}]})";
  Workflow w = read_workflow(text, "k.json");
  REQUIRE(w.kernel(*w.find("m")) != nullptr);
  CHECK(w.kernel(*w.find("m"))->kernel == "matrix");
  CHECK(w.kernel(*w.find("c"))->kernel == "command");
  CHECK(w.kernel(*w.find("c"))->input_file == "in.txt");
  CHECK(w.kernel(*w.find("s")) == nullptr);
  Workflow again = read_workflow(write_workflow(w), "again.json");
  for (const char* id : {"m", "c"}) {
    const TaskKernel* a = w.kernel(*w.find(id));
    const TaskKernel* b = again.kernel(*again.find(id));
    REQUIRE(b != nullptr);
    CHECK(a->kernel == b->kernel);
    CHECK(a->command == b->command);
    CHECK(nlohmann::json::parse(a->args_json.empty() ? "{}" : a->args_json) ==
          nlohmann::json::parse(b->args_json.empty() ? "{}" : b->args_json));
    CHECK(a->input_file == b->input_file);
  }
  CHECK(again.kernel(*again.find("s")) == nullptr);
  REQUIRE_INPUT_ERROR(read_workflow(R"({"format": "dagplan-workflow/1", "tasks": [
    {"id": "a", "kernel": "matmull"}]})",
                                    "k.json"),
                      "k.json: $.tasks[0].kernel",
                      "unknown kernel 'matmull'; did you mean 'matmul'?");
  REQUIRE_INPUT_ERROR(read_workflow(R"({"format": "dagplan-workflow/1", "tasks": [
    {"id": "a", "kernel": "command"}]})",
                                    "k.json"),
                      "$.tasks[0]", "kernel 'command' needs a 'command' member");
  REQUIRE_INPUT_ERROR(read_workflow(R"({"format": "dagplan-workflow/1", "tasks": [
    {"id": "a", "kernel": "sum", "command": "true"}]})",
                                    "k.json"),
                      "$.tasks[0].command", "a command runs with kernel 'command', not 'sum'");
  REQUIRE_INPUT_ERROR(read_workflow(R"({"format": "dagplan-workflow/1", "tasks": [
    {"id": "a", "kernel": "sum", "args": [1]}]})",
                                    "k.json"),
                      "$.tasks[0].args", "expected an object of arguments");
  // The arguments are checked before a run (check_kernels), naming the task's JSON path.
  Workflow bad = read_workflow(R"({"format": "dagplan-workflow/1", "tasks": [
    {"id": "a", "kernel": "matrix", "args": {"rows": 2, "cols": 2, "colour": 1}}]})",
                               "k.json");
  REQUIRE_INPUT_ERROR(check_kernels(bad, KernelMode::kAuto), "k.json: $.tasks[0].args",
                      "kernel 'matrix' takes no argument 'colour'");
  CHECK_NOTHROW(check_kernels(bad, KernelMode::kSynthetic));
}
