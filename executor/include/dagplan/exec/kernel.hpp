#pragma once
/// \file
/// Task kernels of the real backend (docs/formats.md, "Kernels").
///
/// - `synthetic` (a task with no kernel member): a fixed amount of CPU work - a loop whose
///   iteration count is the task's execution time on its configuration (the model's exec_us)
///   times the loops one core runs per second, measured once per run - and an output of the
///   task's size. Never a spin until a wall-clock time.
/// - builtin kernels on real data: `matrix` (a seeded random block), `matmul` (a block product
///   with Eigen), `add` (element-wise sum of blocks), `sum` (the sum of every element, a tree
///   reduction's step), `wordcount_map` and `wordcount_reduce` (word counts of a text).
/// - `command`: the task's shell command, reading its inputs from files and writing its output
///   to a file.
///
/// Matrices travel as a 16-byte header (rows, cols: little-endian uint64) and rows x cols
/// doubles in row-major order. Word counts travel as "word count\n" lines sorted by word.

#include <cstdint>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "dagplan/workflow.hpp"

namespace dagplan::exec {

/// Runs `loops` iterations of the synthetic kernel's loop; returns a value that depends on all
/// of them (so that the compiler keeps the loop).
std::uint64_t synthetic_work(std::uint64_t loops);

/// Iterations of synthetic_work() per second on this machine's core: the best of a few short
/// timed runs (about 0.1 s in all).
double measure_loops_per_second();

/// Which kernels a run uses (`dagrun --kernel`): each task's own (synthetic where it names
/// none), synthetic for all, or each task's own with every task required to name a builtin
/// kernel, or a command.
enum class KernelMode { kAuto, kSynthetic, kBuiltin, kCommand };

/// Whether task `t` runs the synthetic kernel under `mode`.
bool is_synthetic(const Workflow& workflow, TaskId t, KernelMode mode);

/// Checks before any worker starts that every task's kernel can run under `mode`: the mode's
/// requirement, each builtin kernel's arguments and operands, each command's program found.
/// Throws InputError naming the workflow's file and the task's JSON path.
void check_kernels(const Workflow& workflow, KernelMode mode);

/// One input of a task as its kernel sees it.
struct KernelInput {
  std::string_view from;  ///< the producer's id; "" for the task's literal input
  std::string_view data;
};

/// A task's kernel failed: the message says why (a command's exit status and the end of its
/// stderr).
class KernelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Runs task `t`'s real (not synthetic) kernel on `inputs` - its literal input first, then its
/// producers' outputs in the workflow's predecessor order - and returns its output. Commands
/// run in a folder of their own under `work_dir`, removed afterwards. Throws KernelError.
std::string run_kernel(const Workflow& workflow, TaskId t, std::span<const KernelInput> inputs,
                       const std::string& work_dir);

/// Deterministic bytes of a synthetic output or literal input: task index and position.
std::string synthetic_bytes(std::uint32_t task, std::uint64_t size);

/// Task `t`'s literal input as the run gives it: the bytes of its `input_file` (relative to the
/// workflow file's folder) for a task with a real kernel, otherwise `input_bytes` synthetic
/// bytes. Throws InputError naming the file when it cannot be read.
std::string literal_input(const Workflow& workflow, TaskId t, KernelMode mode);

/// Every task's output computed here, one task after another in topological order, without
/// Redis or workers (synthetic tasks give their synthetic bytes without the CPU work): what
/// `dagrun --check` compares a run's sink outputs with. Throws KernelError naming the task.
std::vector<std::string> evaluate_locally(const Workflow& workflow, KernelMode mode,
                                          const std::string& work_dir);

/// Installs a SIGTERM handler that kills the process group of the command running now (a
/// `command` kernel's shell and everything it started) before the process ends: dagworker
/// calls it, so that stopping a worker stops its task's processes too.
void kill_commands_on_sigterm();

/// Matrix blocks (the builtin kernels' data).
struct Matrix {
  std::uint64_t rows = 0, cols = 0;
  std::vector<double> values;  ///< row-major
};
/// The block `matrix` makes: values uniform in [-1, 1) from a 64-bit Mersenne twister seeded
/// with `seed`, drawn in row-major order.
Matrix random_matrix(std::uint64_t rows, std::uint64_t cols, std::uint64_t seed);
std::string matrix_bytes(const Matrix& m);
/// Parses a block; throws KernelError naming `what` when the bytes are not one.
Matrix parse_matrix(std::string_view bytes, std::string_view what);

/// The words of `text` (maximal runs of ASCII letters, lower-cased) and how often each occurs.
std::map<std::string, std::uint64_t> count_words(std::string_view text);
std::string counts_bytes(const std::map<std::string, std::uint64_t>& counts);
/// Parses "word count\n" lines; throws KernelError naming `what`.
std::map<std::string, std::uint64_t> parse_counts(std::string_view bytes, std::string_view what);
/// Part `part` of `parts` of a text, its boundaries moved forward past the word they cut.
std::string_view text_part(std::string_view text, std::uint64_t part, std::uint64_t parts);

}  // namespace dagplan::exec
