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
    // Candidate edges: to a consumer whose worker is up when the producer's execution ends and
    // for which this producer is the last to finish (ties by id), the one whose output it
    // waits for: a stream to any other consumer saves nothing it waits for, and each stream is
    // one more transfer on the producer's link, held in its slot (map-reduce-1000 under
    // uniform: streaming every edge that way gained 3 ms for 10% more cost). The largest
    // outputs first (the download they save is the longest; ties by producer, then consumer):
    // (-bytes, producer, consumer).
    std::vector<std::tuple<std::int64_t, std::uint32_t, std::uint32_t>> changes;
    for (std::uint32_t c = 0; c < w.task_count(); ++c) {
      const std::uint32_t k = plan.task_worker[c];
      if (k == kFlexible) continue;
      std::uint32_t last = kNoDup;
      for (TaskId q : w.predecessors(TaskId{c}))
        if (last == kNoDup || p.tasks[index(q)].finish_us > p.tasks[last].finish_us)
          last = index(q);
      if (last == kNoDup) continue;
      const auto bytes = static_cast<std::int64_t>(w.output_bytes(TaskId{last}));
      if (bytes == 0 || k == plan.task_worker[last] || plan.duplicate(c) == last ||
          plan.streamed(last, c) || !running(k, p.tasks[last].exec_end_us))
        continue;
      changes.emplace_back(-bytes, last, c);
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
