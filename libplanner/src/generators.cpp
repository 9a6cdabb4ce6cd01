// Generators for the classic workflow shapes. Shapes, task counts, ids and distributions are
// documented in docs/generators.md; keep the two in step.
//
// Determinism: every random number comes from the raw 64-bit output of std::mt19937_64, whose
// sequence the C++ standard fixes exactly. The standard *distributions* (normal, uniform_int,
// ...) are implementation-specific, so they are not used: uniforms take the top 53 bits, normals
// use Box-Muller, and the results are rounded (work to the microsecond, sizes to the byte), which
// also hides last-ulp differences between libm implementations of log/sin/cos/exp.
//
// Shapes follow the usual benchmark DAGs: GEMM is the blocked multiply of WUKONG (Carver et al.,
// SoCC 2020, section 5) with a binary addition tree per output block; Montage-like follows the
// Pegasus Montage workflow (mProject, mDiffFit, mConcatFit, mBgModel, mBackground, mImgtbl, mAdd,
// mShrink, mJPEG; Juve et al., FGCS 2013) with the images on a grid instead of the sky.

#include "dagplan/generators.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "dagplan/error.hpp"
#include "dagplan/suggest.hpp"

namespace dagplan {
namespace {

constexpr std::array<std::string_view, 7> kShapes = {
    "chain",      "fanout-fanin", "tree-reduction", "gemm",
    "map-reduce", "montage-like", "random-layered"};

constexpr std::size_t kMaxTasks = 1'000'000'000;
/// Sigma of log(work): coefficient of variation sqrt(e^0.25 - 1) ~ 0.53.
constexpr double kWorkSigma = 0.5;
/// Sigma of log(bytes): coefficient of variation sqrt(e - 1) ~ 1.31 (sizes vary more than work).
constexpr double kBytesSigma = 1.0;
/// Sizes are clamped here so that they always fit the uint64 fields (1 EB).
constexpr double kMaxBytes = 1e18;
constexpr double kMaxMeanBytes = 1e15;
constexpr double kMaxMeanWorkS = 1e9;
constexpr double kMaxEdgesPerTask = 100.0;
/// random-layered: probability that a dependency comes from the previous layer.
constexpr double kPreviousLayerShare = 0.75;
/// map-reduce: at most this many reducers (the shuffle has maps x reducers edges).
constexpr std::size_t kMaxReducers = 16;

/// Random draws defined on the engine's raw output only, so they are the same everywhere.
class Draws {
 public:
  explicit Draws(std::uint64_t seed) : engine_(seed) {}

  /// Uniform in [0, 1): the top 53 bits of one engine output.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  /// Uniform integer in [0, n) for n > 0, by modulo (bias below n / 2^64, irrelevant here).
  std::uint64_t below(std::uint64_t n) { return engine_() % n; }
  /// x rounded down or up at random so that the mean is x (x >= 0).
  std::uint64_t stochastic_round(double x) {
    double f = std::floor(x);
    return static_cast<std::uint64_t>(f) + (uniform() < x - f ? 1 : 0);
  }
  /// Standard normal by Box-Muller; each pair of uniforms gives two values.
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1 = static_cast<double>((engine_() >> 11) + 1) * 0x1.0p-53;  // (0, 1]: log is finite
    double u2 = uniform();
    double r = std::sqrt(-2.0 * std::log(u1));
    double a = 6.283185307179586 * u2;
    spare_ = r * std::sin(a);
    has_spare_ = true;
    return r * std::cos(a);
  }
  /// Lognormal with the given mean: mean * exp(sigma Z - sigma^2 / 2).
  double lognormal(double mean, double sigma) {
    return mean * std::exp(sigma * normal() - 0.5 * sigma * sigma);
  }
  /// Work in seconds, rounded to the microsecond.
  double work_s(double mean) { return std::round(lognormal(mean, kWorkSigma) * 1e6) / 1e6; }
  /// A size in bytes, rounded to the byte.
  std::uint64_t bytes(double mean) {
    double b = std::min(lognormal(mean, kBytesSigma), kMaxBytes);
    return static_cast<std::uint64_t>(std::llround(b));
  }

 private:
  std::mt19937_64 engine_;
  double spare_ = 0;
  bool has_spare_ = false;
};

std::size_t decimal_digits(std::size_t v) {
  std::size_t d = 1;
  while (v >= 10) {
    v /= 10;
    ++d;
  }
  return d;
}

/// Wraps the builder: makes ids, draws sizes and work, adds tasks and edges.
class Generator {
 public:
  /// \param total the exact number of tasks that will be added (sets the id width)
  /// \param edges an estimate of the number of edges, to reserve
  Generator(const GeneratorOptions& options, std::size_t total, std::size_t edges)
      : options_(options), draws_(options.seed), width_(decimal_digits(total - 1)) {
    builder_.reserve(total, edges);
  }

  Draws& draws() { return draws_; }

  /// Adds task `role-NNN` (number zero-padded to the common width) with function `role`.
  /// Roots (no predecessors) get literal input bytes. Draws work, then output, then input.
  TaskId add(std::string_view role, std::size_t number, bool root) {
    id_.assign(role);
    id_ += '-';
    char digits[24];
    std::size_t len = 0;
    do {
      digits[len++] = static_cast<char>('0' + number % 10);
      number /= 10;
    } while (number != 0);
    if (len < width_) id_.append(width_ - len, '0');
    while (len != 0) id_ += digits[--len];
    return add_with_id(id_, role, root);
  }

  /// Adds the only task of `role`, whose id is the role itself.
  TaskId add_single(std::string_view role, bool root) { return add_with_id(role, role, root); }

  void edge(TaskId from, TaskId to) { builder_.add_edge(from, to); }

  Workflow finish(std::string_view shape) && {
    std::size_t n = builder_.task_count();
    builder_.set_name(fmt::format("{} ({} tasks, seed {})", shape, n, options_.seed));
    return std::move(builder_).build(fmt::format("<generated {}>", shape));
  }

 private:
  TaskId add_with_id(std::string_view id, std::string_view role, bool root) {
    double work = draws_.work_s(options_.mean_work_s);
    std::uint64_t out = draws_.bytes(options_.mean_output_bytes);
    std::uint64_t in = root ? draws_.bytes(options_.mean_output_bytes) : 0;
    return builder_.add_task(id, role, work, in, out);
  }

  const GeneratorOptions& options_;
  Draws draws_;
  std::size_t width_;
  std::string id_;
  WorkflowBuilder builder_;
};

/// Reduces `level` pairwise, level by level (an odd task out moves up a level unchanged), adding
/// `level.size() - 1` tasks of `role`; returns the final task.
TaskId reduce_pairwise(Generator& g, std::vector<TaskId> level, std::string_view role,
                       std::size_t& counter) {
  std::vector<TaskId> next;
  while (level.size() > 1) {
    next.clear();
    for (std::size_t i = 0; i + 1 < level.size(); i += 2) {
      TaskId t = g.add(role, counter++, false);
      g.edge(level[i], t);
      g.edge(level[i + 1], t);
      next.push_back(t);
    }
    if (level.size() % 2 != 0) next.push_back(level.back());
    std::swap(level, next);
  }
  return level.front();
}

[[noreturn]] void too_small(std::string_view shape, std::size_t minimum, std::size_t got) {
  throw UsageError(fmt::format("shape '{}' needs at least {} tasks, got {}", shape, minimum, got));
}

// ---- chain: step-0 -> step-1 -> ... -> step-(n-1). Exactly n tasks.
Workflow chain(const GeneratorOptions& o) {
  const std::size_t n = o.tasks;
  Generator g(o, n, n);
  TaskId prev{};
  for (std::size_t i = 0; i < n; ++i) {
    TaskId t = g.add("step", i, i == 0);
    if (i > 0) g.edge(prev, t);
    prev = t;
  }
  return std::move(g).finish("chain");
}

// ---- fanout-fanin: split -> process-k (k < n - 2) -> merge. Exactly n tasks, n >= 3.
Workflow fanout_fanin(const GeneratorOptions& o) {
  const std::size_t n = o.tasks;
  if (n < 3) too_small("fanout-fanin", 3, n);
  Generator g(o, n, 2 * n);
  TaskId split = g.add_single("split", true);
  std::vector<TaskId> workers;
  workers.reserve(n - 2);
  for (std::size_t i = 0; i < n - 2; ++i) {
    workers.push_back(g.add("process", i, false));
    g.edge(split, workers.back());
  }
  TaskId merge = g.add_single("merge", false);
  for (TaskId w : workers) g.edge(w, merge);
  return std::move(g).finish("fanout-fanin");
}

// ---- tree-reduction: L leaves `load-k`, then L - 1 binary `reduce-k`. 2L - 1 tasks with
// L = floor((n + 1) / 2): odd n exactly, even n gives n - 1. n >= 3.
Workflow tree_reduction(const GeneratorOptions& o) {
  const std::size_t n = o.tasks;
  if (n < 3) too_small("tree-reduction", 3, n);
  const std::size_t leaves = (n + 1) / 2;
  Generator g(o, 2 * leaves - 1, 2 * leaves);
  std::vector<TaskId> level;
  level.reserve(leaves);
  for (std::size_t i = 0; i < leaves; ++i) level.push_back(g.add("load", i, true));
  std::size_t counter = 0;
  reduce_pairwise(g, std::move(level), "reduce", counter);
  return std::move(g).finish("tree-reduction");
}

// ---- gemm: C = A B on a b x b grid of blocks. b^3 `multiply` tasks (A_ik B_kj, roots reading
// both blocks), then for each C_ij a binary tree of b - 1 `add` tasks: b^2 (2b - 1) tasks, with b
// (>= 2) chosen so that the count is the closest to n (ties to the smaller).
std::size_t gemm_tasks(std::size_t b) {
  return b * b * (2 * b - 1);
}

Workflow gemm(const GeneratorOptions& o) {
  const std::size_t n = o.tasks;
  if (n < gemm_tasks(2)) too_small("gemm", gemm_tasks(2), n);
  std::size_t b = 2;
  while (gemm_tasks(b + 1) <= n) ++b;
  if (gemm_tasks(b) < n && gemm_tasks(b + 1) - n < n - gemm_tasks(b)) ++b;
  Generator g(o, gemm_tasks(b), 2 * gemm_tasks(b));
  std::vector<TaskId> products;
  products.reserve(b * b * b);
  std::size_t counter = 0;
  for (std::size_t i = 0; i < b; ++i)
    for (std::size_t j = 0; j < b; ++j)
      for (std::size_t k = 0; k < b; ++k) products.push_back(g.add("multiply", counter++, true));
  std::size_t adds = 0;
  for (std::size_t ij = 0; ij < b * b; ++ij) {
    auto first = products.begin() + static_cast<std::ptrdiff_t>(ij * b);
    reduce_pairwise(g, std::vector<TaskId>(first, first + static_cast<std::ptrdiff_t>(b)), "add",
                    adds);
  }
  return std::move(g).finish("gemm");
}

// ---- map-reduce: split -> M maps -> R reducers (each reads every map: the shuffle) -> final.
// R = clamp(round(sqrt(n - 2) / 2), 1, 16), M = n - 2 - R. Exactly n tasks, n >= 4.
Workflow map_reduce(const GeneratorOptions& o) {
  const std::size_t n = o.tasks;
  if (n < 4) too_small("map-reduce", 4, n);
  // round(sqrt(x) / 2) = r exactly when (2r - 1)^2 <= x < (2r + 1)^2; integers only.
  const std::size_t x = n - 2;
  std::size_t reducers = 1;
  while (reducers < kMaxReducers && (2 * reducers + 1) * (2 * reducers + 1) <= x) ++reducers;
  const std::size_t maps = x - reducers;
  Generator g(o, n, maps * (reducers + 1) + reducers);
  TaskId split = g.add_single("split", true);
  std::vector<TaskId> map_ids, reduce_ids;
  map_ids.reserve(maps);
  for (std::size_t i = 0; i < maps; ++i) {
    map_ids.push_back(g.add("map", i, false));
    g.edge(split, map_ids.back());
  }
  for (std::size_t r = 0; r < reducers; ++r) {
    reduce_ids.push_back(g.add("reduce", r, false));
    for (TaskId m : map_ids) g.edge(m, reduce_ids.back());
  }
  TaskId final_task = g.add_single("final", false);
  for (TaskId r : reduce_ids) g.edge(r, final_task);
  return std::move(g).finish("map-reduce");
}

// ---- montage-like: P images on a grid w = ceil(sqrt(P)) wide, filled row by row. An image
// overlaps its right, lower and lower-right neighbours; each overlap is a `diff-fit`. Tasks:
// P `project` + D `diff-fit` + concat-fit + bg-model + P `background` + img-table + add + shrink
// + jpeg = 2P + D + 6. To reach n exactly, only some lower-right (diagonal) overlaps are kept.
struct MontageGrid {
  std::size_t images = 0, width = 0;
  std::size_t straight = 0;  // right and lower overlaps, always kept
  std::size_t diagonal = 0;  // lower-right overlaps, some may be dropped
  std::size_t min_tasks() const { return 2 * images + straight + 6; }
  std::size_t max_tasks() const { return min_tasks() + diagonal; }
};

MontageGrid montage_grid(std::size_t images) {
  MontageGrid m;
  m.images = images;
  m.width = 1;
  while (m.width * m.width < images) ++m.width;
  const std::size_t w = m.width, full_rows = images / w, last = images % w;
  const std::size_t right = full_rows * (w - 1) + (last > 0 ? last - 1 : 0);
  const std::size_t lower = images > w ? images - w : 0;
  // i has a lower-right neighbour when i + w + 1 < P and i is not in the last column.
  const std::size_t k = images > w + 1 ? images - w - 1 : 0;
  m.straight = right + lower;
  m.diagonal = k - k / w;
  return m;
}

constexpr std::size_t kMontageMinTasks = 11;  // two images, one overlap

Workflow montage_like(const GeneratorOptions& o) {
  const std::size_t n = o.tasks;
  if (n < kMontageMinTasks) too_small("montage-like", kMontageMinTasks, n);
  // The smallest grid that can reach n; when n falls in a gap between two grids, the closer one.
  MontageGrid grid = montage_grid(2);
  for (std::size_t p = 3; grid.max_tasks() < n; ++p) {
    MontageGrid next = montage_grid(p);
    if (next.min_tasks() > n) {
      if (next.min_tasks() - n < n - grid.max_tasks()) grid = next;
      break;
    }
    grid = next;
  }
  const std::size_t keep =
      std::min(grid.diagonal, n > grid.min_tasks() ? n - grid.min_tasks() : std::size_t{0});
  const std::size_t p = grid.images, w = grid.width;
  const std::size_t total = grid.min_tasks() + keep;
  Generator g(o, total, 3 * total);

  std::vector<TaskId> project, diff, background;
  project.reserve(p);
  for (std::size_t i = 0; i < p; ++i) project.push_back(g.add("project", i, true));
  // Overlaps image by image; the kept diagonals are spread evenly over the grid.
  std::size_t diagonal_seen = 0;
  auto add_diff = [&](std::size_t a, std::size_t b) {
    TaskId t = g.add("diff-fit", diff.size(), false);
    g.edge(project[a], t);
    g.edge(project[b], t);
    diff.push_back(t);
  };
  for (std::size_t i = 0; i < p; ++i) {
    bool last_column = i % w == w - 1;
    if (!last_column && i + 1 < p) add_diff(i, i + 1);
    if (i + w < p) add_diff(i, i + w);
    if (!last_column && i + w + 1 < p) {
      std::size_t j = diagonal_seen++;
      if ((j + 1) * keep / grid.diagonal > j * keep / grid.diagonal) add_diff(i, i + w + 1);
    }
  }
  TaskId concat = g.add_single("concat-fit", false);
  for (TaskId d : diff) g.edge(d, concat);
  TaskId model = g.add_single("bg-model", false);
  g.edge(concat, model);
  background.reserve(p);
  for (std::size_t i = 0; i < p; ++i) {
    background.push_back(g.add("background", i, false));
    g.edge(project[i], background.back());
    g.edge(model, background.back());
  }
  TaskId table = g.add_single("img-table", false);
  for (TaskId b : background) g.edge(b, table);
  TaskId add = g.add_single("add", false);
  g.edge(table, add);
  for (TaskId b : background) g.edge(b, add);
  TaskId shrink = g.add_single("shrink", false);
  g.edge(add, shrink);
  TaskId jpeg = g.add_single("jpeg", false);
  g.edge(shrink, jpeg);
  return std::move(g).finish("montage-like");
}

// ---- random-layered: layers of uniform random width in [1, 2W - 1], W = round(sqrt(n)) (the
// last layer is cut to give exactly n tasks). Layer 0 is `source`, later layers `compute`. A
// compute task draws its in-degree d (mean e = edges_per_task: 1 + stochastic_round(2(e-1)U)
// when e >= 1, else Bernoulli(e)), and each dependency comes from the previous layer with
// probability 3/4, otherwise from any task of the layers before (uniformly). Duplicates are
// redrawn a bounded number of times, so narrow layers may give slightly fewer edges.
Workflow random_layered(const GeneratorOptions& o) {
  const std::size_t n = o.tasks;
  const double e = o.edges_per_task;
  std::size_t mean_width = 1;
  while ((mean_width + 1) * (mean_width + 1) <= n) ++mean_width;  // floor(sqrt(n))
  if (n - mean_width * mean_width > mean_width) ++mean_width;     // round(sqrt(n))
  Generator g(o, n, static_cast<std::size_t>(static_cast<double>(n) * (e + 0.5)) + 16);
  Draws& draws = g.draws();
  std::vector<std::uint32_t> chosen;
  std::size_t created = 0, prev_begin = 0, sources = 0, computes = 0;
  for (std::size_t layer = 0; created < n; ++layer) {
    const std::size_t width =
        std::min<std::size_t>(1 + draws.below(2 * mean_width - 1), n - created);
    const std::size_t begin = created;  // tasks [prev_begin, begin) are the previous layer
    for (std::size_t k = 0; k < width; ++k) {
      chosen.clear();
      if (layer > 0) {
        std::size_t d = e >= 1 ? 1 + draws.stochastic_round(2 * (e - 1) * draws.uniform())
                               : (draws.uniform() < e ? 1 : 0);
        d = std::min(d, begin);
        for (std::size_t attempt = 0; chosen.size() < d && attempt < 4 * d + 16; ++attempt) {
          std::uint64_t p = prev_begin > 0 && draws.uniform() >= kPreviousLayerShare
                                ? draws.below(prev_begin)
                                : prev_begin + draws.below(begin - prev_begin);
          auto pred = static_cast<std::uint32_t>(p);
          if (std::find(chosen.begin(), chosen.end(), pred) == chosen.end()) chosen.push_back(pred);
        }
      }
      TaskId t = layer == 0 ? g.add("source", sources++, true)
                            : g.add("compute", computes++, chosen.empty());
      for (std::uint32_t p : chosen) g.edge(TaskId{p}, t);
    }
    created += width;
    prev_begin = begin;
  }
  return std::move(g).finish("random-layered");
}

void check_options(const GeneratorOptions& o) {
  if (o.tasks < 1)
    throw UsageError(fmt::format("a workflow needs at least 1 task, got {}", o.tasks));
  if (o.tasks > kMaxTasks)
    throw UsageError(fmt::format("at most {} tasks can be generated, got {}", kMaxTasks, o.tasks));
  if (!(o.mean_work_s >= 0 && o.mean_work_s <= kMaxMeanWorkS))
    throw UsageError(
        fmt::format("mean work must be in [0, {}] seconds, got {}", kMaxMeanWorkS, o.mean_work_s));
  if (!(o.mean_output_bytes >= 0 && o.mean_output_bytes <= kMaxMeanBytes))
    throw UsageError(fmt::format("mean output size must be in [0, {}] bytes, got {}", kMaxMeanBytes,
                                 o.mean_output_bytes));
  if (!(o.edges_per_task >= 0 && o.edges_per_task <= kMaxEdgesPerTask))
    throw UsageError(fmt::format("edges per task must be in [0, {}], got {}", kMaxEdgesPerTask,
                                 o.edges_per_task));
}

std::string unknown_shape_message(std::string_view shape) {
  std::string message = unknown_name_message("shape", shape, kShapes);
  if (message.find("; did you mean") != std::string::npos) return message;
  // Also compare with the first word of each shape, so that a short form ("fanot", "tree",
  // "montage") still gets a suggestion; same threshold as unknown_name_message().
  std::size_t best = std::numeric_limits<std::size_t>::max();
  std::string_view best_shape;
  for (std::string_view s : kShapes) {
    std::size_t d = edit_distance(shape, s.substr(0, s.find('-')));
    if (d < best) {
      best = d;
      best_shape = s;
    }
  }
  if (best > std::max<std::size_t>(2, shape.size() / 3)) return message;
  std::size_t head = std::string_view("unknown shape '").size() + shape.size() + 1;
  message.insert(head, fmt::format("; did you mean '{}'?", best_shape));
  return message;
}

}  // namespace

std::span<const std::string_view> generator_shapes() {
  return kShapes;
}

Workflow generate_workflow(std::string_view shape, const GeneratorOptions& options) {
  if (std::find(kShapes.begin(), kShapes.end(), shape) == kShapes.end())
    throw UsageError(unknown_shape_message(shape));
  check_options(options);
  if (shape == "chain") return chain(options);
  if (shape == "fanout-fanin") return fanout_fanin(options);
  if (shape == "tree-reduction") return tree_reduction(options);
  if (shape == "gemm") return gemm(options);
  if (shape == "map-reduce") return map_reduce(options);
  if (shape == "montage-like") return montage_like(options);
  return random_layered(options);
}

}  // namespace dagplan
