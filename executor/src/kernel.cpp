#include "dagplan/exec/kernel.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <Eigen/Dense>
#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "dagplan/error.hpp"
#include "dagplan/exec/process.hpp"

namespace dagplan::exec {

std::uint64_t synthetic_work(std::uint64_t loops) {
  // xorshift64: a dependent chain of integer operations the compiler cannot fold.
  std::uint64_t x = 0x9e3779b97f4a7c15ull ^ loops;
  for (std::uint64_t i = 0; i < loops; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
  }
  return x;
}

double measure_loops_per_second() {
  constexpr std::uint64_t kLoops = 5'000'000;
  double best = 0;
  volatile std::uint64_t sink = 0;
  for (int k = 0; k < 5; ++k) {
    auto t0 = std::chrono::steady_clock::now();
    sink = sink + synthetic_work(kLoops + static_cast<std::uint64_t>(k));
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (s > 0) best = std::max(best, static_cast<double>(kLoops) / s);
  }
  return best > 0 ? best : 1e8;
}

// ---- data ------------------------------------------------------------------------------------

namespace {

constexpr std::uint64_t kMaxMatrixValues = std::uint64_t{1} << 27;  // 1 GiB of doubles

void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}
std::uint64_t get_u64(std::string_view s) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | static_cast<unsigned char>(s[static_cast<std::size_t>(i)]);
  return v;
}

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

}  // namespace

Matrix random_matrix(std::uint64_t rows, std::uint64_t cols, std::uint64_t seed) {
  Matrix m;
  m.rows = rows;
  m.cols = cols;
  m.values.resize(rows * cols);
  std::mt19937_64 rng(seed);
  // 53 random bits to [0, 1), then to [-1, 1): the same values on every standard library.
  for (double& v : m.values) v = static_cast<double>(rng() >> 11) * 0x1.0p-52 - 1.0;
  return m;
}

std::string matrix_bytes(const Matrix& m) {
  std::string out;
  out.reserve(16 + m.values.size() * sizeof(double));
  put_u64(out, m.rows);
  put_u64(out, m.cols);
  out.append(reinterpret_cast<const char*>(m.values.data()), m.values.size() * sizeof(double));
  return out;
}

Matrix parse_matrix(std::string_view bytes, std::string_view what) {
  if (bytes.size() < 16)
    throw KernelError(fmt::format("{}: expected a matrix block, got {} bytes", what, bytes.size()));
  Matrix m;
  m.rows = get_u64(bytes.substr(0, 8));
  m.cols = get_u64(bytes.substr(8, 8));
  if (m.rows > kMaxMatrixValues || m.cols > kMaxMatrixValues ||
      m.rows * m.cols > kMaxMatrixValues || bytes.size() != 16 + m.rows * m.cols * sizeof(double))
    throw KernelError(fmt::format("{}: expected a matrix block, got {} bytes for {} x {}", what,
                                  bytes.size(), m.rows, m.cols));
  m.values.resize(m.rows * m.cols);
  std::memcpy(m.values.data(), bytes.data() + 16, m.values.size() * sizeof(double));
  return m;
}

std::map<std::string, std::uint64_t> count_words(std::string_view text) {
  std::map<std::string, std::uint64_t> counts;
  std::string word;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && is_word_char(text[i])) {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
    } else if (!word.empty()) {
      ++counts[word];
      word.clear();
    }
  }
  return counts;
}

std::string counts_bytes(const std::map<std::string, std::uint64_t>& counts) {
  std::string out;
  for (const auto& [word, n] : counts) out += fmt::format("{} {}\n", word, n);
  return out;
}

std::map<std::string, std::uint64_t> parse_counts(std::string_view bytes, std::string_view what) {
  std::map<std::string, std::uint64_t> counts;
  std::size_t line = 0;
  while (!bytes.empty()) {
    ++line;
    std::size_t end = bytes.find('\n');
    std::string_view l = bytes.substr(0, end);
    bytes = end == std::string_view::npos ? std::string_view() : bytes.substr(end + 1);
    std::size_t space = l.find(' ');
    std::uint64_t n = 0;
    bool ok = space != std::string_view::npos && space > 0 && space + 1 < l.size();
    for (std::size_t i = space + 1; ok && i < l.size(); ++i) {
      ok = l[i] >= '0' && l[i] <= '9' && n < (std::uint64_t{1} << 58);
      n = n * 10 + static_cast<std::uint64_t>(l[i] - '0');
    }
    if (!ok)
      throw KernelError(
          fmt::format("{}: line {}: expected 'word count', got '{}'", what, line, l.substr(0, 60)));
    counts[std::string(l.substr(0, space))] += n;
  }
  return counts;
}

std::string_view text_part(std::string_view text, std::uint64_t part, std::uint64_t parts) {
  auto boundary = [&](std::uint64_t k) {
    std::size_t b = static_cast<std::size_t>(k * text.size() / parts);
    while (b > 0 && b < text.size() && is_word_char(text[b]) && is_word_char(text[b - 1])) ++b;
    return b;
  };
  std::size_t from = boundary(part), to = boundary(part + 1);
  return text.substr(from, to > from ? to - from : 0);
}

// ---- the kernels -------------------------------------------------------------------------------

namespace {

// The process groups of the commands running now (0: a free place; a worker's slots run one
// each), for the SIGTERM handler.
constexpr std::size_t kMaxCommands = 1024;
std::atomic<int> g_command_groups[kMaxCommands];

extern "C" void kill_command_and_exit(int signal) {
  for (std::atomic<int>& g : g_command_groups) {
    int group = g.load();
    if (group > 0) kill(-group, SIGKILL);
  }
  ::signal(signal, SIG_DFL);
  raise(signal);
}

// Keeps a running command's process group where the handler finds it, while it runs.
class CommandGroup {
 public:
  explicit CommandGroup(int group) {
    for (std::atomic<int>& g : g_command_groups) {
      int free = 0;
      if (g.compare_exchange_strong(free, group)) {
        place_ = &g;
        return;
      }
    }
  }
  ~CommandGroup() {
    if (place_ != nullptr) place_->store(0);
  }
  CommandGroup(const CommandGroup&) = delete;
  CommandGroup& operator=(const CommandGroup&) = delete;

 private:
  std::atomic<int>* place_ = nullptr;
};

nlohmann::json args_of(const TaskKernel* k) {
  if (k == nullptr || k->args_json.empty()) return nlohmann::json::object();
  return nlohmann::json::parse(k->args_json);  // valid JSON: the workflow reader checked it
}

std::string_view kernel_name(const Workflow& w, TaskId t) {
  const TaskKernel* k = w.kernel(t);
  return k == nullptr || k->kernel.empty() ? std::string_view("synthetic") : k->kernel;
}

// Checks and reads the arguments of the builtin kernels; `fail(path, message)` reports an error.
struct KernelArgs {
  std::uint64_t rows = 0, cols = 0, seed = 0, part = 0, parts = 1;
  std::string left, right;
};

template <class Fail>
KernelArgs read_args(const Workflow& w, TaskId t, Fail&& fail) {
  const std::string_view name = kernel_name(w, t);
  nlohmann::json a = args_of(w.kernel(t));
  KernelArgs out;
  auto number = [&](const char* key, std::uint64_t lo, std::uint64_t hi, bool required,
                    std::uint64_t& value) {
    if (!a.contains(key)) {
      if (required) fail("args", fmt::format("kernel '{}' needs the argument '{}'", name, key));
      return;
    }
    const nlohmann::json& v = a.at(key);
    if (!v.is_number_unsigned() || v.get<std::uint64_t>() < lo || v.get<std::uint64_t>() > hi)
      fail(fmt::format("args.{}", key),
           fmt::format("expected an integer in [{}, {}], got {}", lo, hi, v.dump()));
    value = v.get<std::uint64_t>();
  };
  auto operand = [&](const char* key, std::string& value) {
    if (!a.contains(key) || !a.at(key).is_string())
      fail("args", fmt::format("kernel '{}' needs the argument '{}': the id of one of its deps",
                               name, key));
    value = a.at(key).get<std::string>();
    auto p = w.find(value);
    auto preds = w.predecessors(t);
    if (!p || std::find(preds.begin(), preds.end(), *p) == preds.end())
      fail(fmt::format("args.{}", key),
           fmt::format("expected the id of one of the task's deps, got '{}'", value));
  };
  auto allow = [&](std::initializer_list<std::string_view> known) {
    for (const auto& [key, v] : a.items())
      if (std::find(known.begin(), known.end(), key) == known.end())
        fail("args", fmt::format("kernel '{}' takes no argument '{}'", name, key));
  };
  if (name == "matrix") {
    allow({"rows", "cols", "seed"});
    number("rows", 1, kMaxMatrixValues, true, out.rows);
    number("cols", 1, kMaxMatrixValues, true, out.cols);
    number("seed", 0, ~std::uint64_t{0}, false, out.seed);
    if (out.rows * out.cols > kMaxMatrixValues)
      fail("args", fmt::format("expected at most {} values in a block, got {} x {}",
                               kMaxMatrixValues, out.rows, out.cols));
  } else if (name == "matmul") {
    allow({"left", "right"});
    operand("left", out.left);
    operand("right", out.right);
  } else if (name == "wordcount_map") {
    allow({"part", "parts"});
    number("parts", 1, 1u << 20, false, out.parts);
    number("part", 0, out.parts - 1, false, out.part);
    const TaskKernel* k = w.kernel(t);
    if (w.input_bytes(t) == 0 && (k == nullptr || k->input_file.empty()))
      fail("input_file", "kernel 'wordcount_map' reads its literal input: give an input_file");
  } else {
    allow({});
    if ((name == "add" || name == "sum" || name == "wordcount_reduce") && w.in_degree(t) == 0)
      fail("deps", fmt::format("kernel '{}' needs at least one dep", name));
  }
  return out;
}

// The program a command starts with, when it can be told (not a shell keyword or builtin).
std::string first_program(std::string_view command) {
  std::size_t b = command.find_first_not_of(" \t\n");
  if (b == std::string_view::npos) return "";
  std::size_t e = command.find_first_of(" \t\n;|&<>()", b);
  std::string word(command.substr(b, e == std::string_view::npos ? e : e - b));
  static constexpr std::string_view kShell[] = {
      "if",   "for", "while", "case",  "until",  "{",    "!",   "cd",   "echo", "exit", "export",
      "test", "[",   "true",  "false", "printf", "read", "set", "exec", "eval", ":"};
  for (std::string_view s : kShell)
    if (word == s) return "";
  if (word.find('=') != std::string::npos || word.find('$') != std::string::npos ||
      word.find('{') != std::string::npos || word.find('\'') != std::string::npos ||
      word.find('"') != std::string::npos)
    return "";
  return word;
}

bool found_on_path(const std::string& program) {
  if (program.find('/') != std::string::npos) return access(program.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    dir += '/';
    dir += program;
    if (access(dir.c_str(), X_OK) == 0) return true;
  }
  return false;
}

std::string file_name_for(std::string_view id) {
  std::string s;
  for (char c : id)
    s += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ? c : '_';
  return s;
}

std::string read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string run_command(const Workflow& w, TaskId t, std::span<const KernelInput> inputs,
                        const std::string& work_dir) {
  namespace fs = std::filesystem;
  static std::atomic<std::uint64_t> serial{0};  // several slots run commands at once
  const fs::path dir = fs::path(work_dir) / fmt::format("task-{}-{}", index(t), ++serial);
  fs::create_directories(dir / "in");
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{dir};
  std::string paths, literal;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    std::string name = inputs[k].from.empty()
                           ? std::string("input")
                           : fmt::format("{}-{}", k, file_name_for(inputs[k].from));
    std::string path = (dir / "in" / name).string();
    std::ofstream out(path, std::ios::binary);
    out.write(inputs[k].data.data(), static_cast<std::streamsize>(inputs[k].data.size()));
    if (!out) throw KernelError(fmt::format("cannot write the input file {}", path));
    if (inputs[k].from.empty()) literal = path;
    paths += (paths.empty() ? "" : " ") + shell_quote(path);
  }
  const std::string output = (dir / "output").string(), err = (dir / "stderr").string();
  const TaskKernel* k = w.kernel(t);
  std::string command = k->command;
  auto replace = [&](std::string_view from, const std::string& to) {
    for (std::size_t at = 0; (at = command.find(from, at)) != std::string::npos; at += to.size())
      command.replace(at, from.size(), to);
  };
  replace("{inputs}", paths);
  replace("{input}", literal.empty() ? "/dev/null" : shell_quote(literal));
  replace("{output}", shell_quote(output));
  std::string script = fmt::format(
      "cd {} || exit 126\nexec 2>{}\nexport DAGPLAN_TASK={} DAGPLAN_INPUTS={} DAGPLAN_INPUT={} "
      "DAGPLAN_OUTPUT={} DAGPLAN_ARGS={}\n{}\n",
      shell_quote(dir.string()), shell_quote(err), shell_quote(std::string(w.id(t))),
      shell_quote(paths), shell_quote(literal.empty() ? "/dev/null" : literal), shell_quote(output),
      shell_quote(k->args_json.empty() ? "{}" : k->args_json), command);
  pid_t pid = spawn({"/bin/sh", "-c", script}, (dir / "stdout").string());
  int status = 0;
  {
    CommandGroup running(pid);  // spawn() made it a process group of its own
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    // What the command left running in the background ends with it.
    kill(-pid, SIGKILL);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string how = WIFSIGNALED(status)
                          ? fmt::format("was killed by signal {}", WTERMSIG(status))
                          : fmt::format("exited with status {}", WEXITSTATUS(status));
    std::string tail = tail_of_file(err, 600);
    throw KernelError(
        fmt::format("command {}{}", how,
                    tail.empty() ? "; its stderr is empty" : "; its stderr ends with: " + tail));
  }
  return read_file_bytes(output);
}

}  // namespace

void kill_commands_on_sigterm() {
  struct sigaction sa {};
  sa.sa_handler = kill_command_and_exit;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
}

bool is_synthetic(const Workflow& workflow, TaskId t, KernelMode mode) {
  return mode == KernelMode::kSynthetic || kernel_name(workflow, t) == "synthetic";
}

void check_kernels(const Workflow& w, KernelMode mode) {
  if (mode == KernelMode::kSynthetic) return;
  for (std::uint32_t i = 0; i < w.task_count(); ++i) {
    const TaskId t{i};
    auto fail = [&](const std::string& member, const std::string& message) {
      throw InputError(w.file(), fmt::format("$.tasks[{}].{}", i, member),
                       fmt::format("task '{}': {}", w.id(t), message));
    };
    const std::string_view name = kernel_name(w, t);
    if (mode == KernelMode::kBuiltin && (name == "synthetic" || name == "command"))
      fail("kernel", fmt::format("--kernel builtin needs a builtin kernel for every task, got {}",
                                 name == "command" ? "a command" : "none"));
    if (mode == KernelMode::kCommand && name != "command")
      fail("command", "--kernel command needs a command for every task, got none");
    if (name == "command") {
      std::string program = first_program(w.kernel(t)->command);
      if (!program.empty() && !found_on_path(program))
        fail("command", fmt::format("the command's program '{}' is not found on PATH", program));
    } else if (name != "synthetic") {
      read_args(w, t, fail);
    }
  }
}

std::string run_kernel(const Workflow& w, TaskId t, std::span<const KernelInput> inputs,
                       const std::string& work_dir) {
  const std::string_view name = kernel_name(w, t);
  if (name == "command") return run_command(w, t, inputs, work_dir);
  KernelArgs a = read_args(w, t, [&](const std::string& member, const std::string& message) {
    throw KernelError(fmt::format("{}: {}", member, message));
  });
  auto what = [&](const KernelInput& in) {
    return in.from.empty() ? std::string("the literal input")
                           : fmt::format("the output of '{}'", in.from);
  };
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  if (name == "matrix") return matrix_bytes(random_matrix(a.rows, a.cols, a.seed));
  if (name == "matmul") {
    const KernelInput *l = nullptr, *r = nullptr;
    for (const KernelInput& in : inputs) {
      if (in.from == a.left) l = &in;
      if (in.from == a.right) r = &in;
    }
    if (l == nullptr || r == nullptr) throw KernelError("matmul: an operand is missing");
    Matrix x = parse_matrix(l->data, what(*l)), y = parse_matrix(r->data, what(*r));
    if (x.cols != y.rows)
      throw KernelError(fmt::format("matmul: cannot multiply {} x {} by {} x {}", x.rows, x.cols,
                                    y.rows, y.cols));
    Eigen::Map<const RowMajor> mx(x.values.data(), static_cast<Eigen::Index>(x.rows),
                                  static_cast<Eigen::Index>(x.cols));
    Eigen::Map<const RowMajor> my(y.values.data(), static_cast<Eigen::Index>(y.rows),
                                  static_cast<Eigen::Index>(y.cols));
    Matrix z;
    z.rows = x.rows;
    z.cols = y.cols;
    z.values.resize(z.rows * z.cols);
    Eigen::Map<RowMajor> mz(z.values.data(), static_cast<Eigen::Index>(z.rows),
                            static_cast<Eigen::Index>(z.cols));
    mz.noalias() = mx * my;
    return matrix_bytes(z);
  }
  if (name == "add" || name == "sum") {
    Matrix acc;
    bool first = true;
    double total = 0;
    for (const KernelInput& in : inputs) {
      if (in.from.empty()) continue;  // a literal input is not an operand
      Matrix m = parse_matrix(in.data, what(in));
      if (name == "sum") {
        for (double v : m.values) total += v;
      } else if (first) {
        acc = std::move(m);
      } else if (m.rows != acc.rows || m.cols != acc.cols) {
        throw KernelError(fmt::format("add: {} is {} x {}, expected {} x {}", what(in), m.rows,
                                      m.cols, acc.rows, acc.cols));
      } else {
        for (std::size_t i = 0; i < acc.values.size(); ++i) acc.values[i] += m.values[i];
      }
      first = false;
    }
    if (name == "sum") {
      acc.rows = acc.cols = 1;
      acc.values = {total};
    }
    return matrix_bytes(acc);
  }
  if (name == "wordcount_map") {
    std::string_view text;
    for (const KernelInput& in : inputs)
      if (in.from.empty()) text = in.data;
    return counts_bytes(count_words(text_part(text, a.part, a.parts)));
  }
  if (name == "wordcount_reduce") {
    std::map<std::string, std::uint64_t> total;
    for (const KernelInput& in : inputs) {
      if (in.from.empty()) continue;
      for (const auto& [word, n] : parse_counts(in.data, what(in))) total[word] += n;
    }
    return counts_bytes(total);
  }
  throw KernelError(fmt::format("unknown kernel '{}'", name));
}

std::string literal_input(const Workflow& w, TaskId t, KernelMode mode) {
  const TaskKernel* k = w.kernel(t);
  if (is_synthetic(w, t, mode) || k == nullptr || k->input_file.empty())
    return synthetic_bytes(index(t), w.input_bytes(t));
  std::filesystem::path path = k->input_file;
  if (path.is_relative() && !w.file().empty() && w.file() != "<stdin>")
    path = std::filesystem::path(w.file()).parent_path() / path;
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw InputError(
        w.file(), fmt::format("$.tasks[{}].input_file", index(t)),
        fmt::format("task '{}': cannot read {}: {}", w.id(t), path.string(), std::strerror(errno)));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> evaluate_locally(const Workflow& w, KernelMode mode,
                                          const std::string& work_dir) {
  std::vector<std::string> out(w.task_count());
  for (TaskId t : w.topological_order()) {
    if (is_synthetic(w, t, mode)) {
      out[index(t)] = synthetic_bytes(index(t), w.output_bytes(t));
      continue;
    }
    std::string literal = literal_input(w, t, mode);
    std::vector<KernelInput> inputs;
    if (!literal.empty()) inputs.push_back({"", literal});
    for (TaskId q : w.predecessors(t)) inputs.push_back({w.id(q), out[index(q)]});
    try {
      out[index(t)] = run_kernel(w, t, inputs, work_dir);
    } catch (const KernelError& e) {
      throw KernelError(fmt::format("task '{}': {}", w.id(t), e.what()));
    }
  }
  return out;
}

std::string synthetic_bytes(std::uint32_t task, std::uint64_t size) {
  std::string s(size, '\0');
  for (std::uint64_t i = 0; i < size; ++i)
    s[i] = static_cast<char>((task * 131u + static_cast<std::uint32_t>(i)) & 0xff);
  return s;
}

}  // namespace dagplan::exec
