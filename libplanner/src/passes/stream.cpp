// The output-streaming pass (DESIGN.md rule 10): a consumer on a strict worker reads its
// producer's output while the producer writes it, when the consumer's worker is already running
// as the producer ends; the data then arrives one transfer after the producer's execution
// instead of an upload and a download, and is not stored for that consumer. Kept only where the
// contention-aware prediction shows a gain on the objective (decision 0019).
#include <algorithm>
#include <cstdint>
#include <iterator>
#include <limits>
#include <tuple>
#include <utility>
#include <vector>

#include "dagplan/passes.hpp"
#include "dagplan/predictor.hpp"

namespace dagplan {
namespace {

class StreamPass final : public Pass {
 public:
  std::string_view name() const override { return "stream"; }

  std::uint32_t apply(const ExecutionModel& model, Plan& plan, const PassObjective& objective,
                      PassState& state) const override {
    // Point-to-point platforms move outputs between machines already (check_plan()).
    if (model.direct_transfers()) return 0;
    const Workflow& w = model.workflow();
    const Prediction& p = state.current;
    // Per worker, the spans its instances were up (ready to exited), from the current
    // prediction: a consumer's worker is likely running when its producer's execution ends
    // inside one of them.
    std::vector<std::vector<std::pair<std::int64_t, std::int64_t>>> up(plan.worker_count());
    for (const InstancePrediction& in : p.instances)
      if (in.worker != kFlexible) up[in.worker].emplace_back(in.ready_us, in.exited_us);
    for (auto& spans : up) std::sort(spans.begin(), spans.end());
    auto running = [&](std::uint32_t k, std::int64_t at) {
      const auto& spans = up[k];
      auto it = std::upper_bound(spans.begin(), spans.end(),
                                 std::make_pair(at, std::numeric_limits<std::int64_t>::max()));
      return it != spans.begin() && std::prev(it)->first < at && std::prev(it)->second > at;
    };
    // Candidate edges, the largest outputs first (the download they save is the longest; ties
    // by producer, then consumer): (-bytes, producer, consumer).
    std::vector<std::tuple<std::int64_t, std::uint32_t, std::uint32_t>> changes;
    for (std::uint32_t q = 0; q < w.task_count(); ++q) {
      const TaskId qt{q};
      const auto bytes = static_cast<std::int64_t>(w.output_bytes(qt));
      if (bytes == 0) continue;  // nothing to download: nothing to gain
      for (TaskId s : w.successors(qt)) {
        const std::uint32_t c = index(s);
        const std::uint32_t k = plan.task_worker[c];
        if (k == kFlexible || k == plan.task_worker[q] || plan.duplicate(c) == q ||
            plan.streamed(q, c))
          continue;
        if (!running(k, p.tasks[q].exec_end_us)) continue;
        changes.emplace_back(-bytes, q, c);
      }
    }
    if (changes.empty()) return 0;
    std::sort(changes.begin(), changes.end());
    const std::vector<std::pair<std::uint32_t, std::uint32_t>> before = plan.stream;
    // keep_gains() switches every change on (then off) in index order, then tries one at a
    // time, each trial announced by on_trial: the list is rebuilt once after each sweep, and
    // a single change is inserted or erased in place (O(edges) per trial, not per change).
    std::vector<std::uint8_t> on(changes.size(), 0);
    auto rebuild = [&] {
      plan.stream = before;
      for (std::size_t i = 0; i < changes.size(); ++i)
        if (on[i]) plan.stream.emplace_back(std::get<1>(changes[i]), std::get<2>(changes[i]));
      std::sort(plan.stream.begin(), plan.stream.end());
    };
    bool single = false;
    const auto announce = state.on_trial;
    state.on_trial = [&](std::size_t done, std::size_t most) {
      if (done > 0) single = true;
      if (announce) announce(done, most);
    };
    const std::uint32_t kept = keep_gains(
        model, plan, objective, state, changes.size(),
        [&](std::size_t i, bool set) {
          on[i] = set ? 1 : 0;
          if (!single) {
            if (i + 1 == changes.size()) rebuild();
            return;
          }
          const std::pair<std::uint32_t, std::uint32_t> edge{std::get<1>(changes[i]),
                                                             std::get<2>(changes[i])};
          auto at = std::lower_bound(plan.stream.begin(), plan.stream.end(), edge);
          if (set)
            plan.stream.insert(at, edge);
          else
            plan.stream.erase(at);
        },
        [](std::size_t) { return std::uint32_t{1}; });
    state.on_trial = announce;
    rebuild();
    return kept;
  }

  bool annotated(const Plan& plan) const override { return !plan.stream.empty(); }
  void remove(Plan& plan) const override { plan.stream.clear(); }
};

}  // namespace

std::unique_ptr<Pass> make_stream_pass() {
  return std::make_unique<StreamPass>();
}

}  // namespace dagplan
