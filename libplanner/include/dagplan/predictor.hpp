#pragma once
/// \file
/// The makespan/cost predictor: replays the rules of a run (DESIGN.md section 2, rules 1-8 and
/// 12) for a plan, deterministically, and returns per-task and per-instance timelines, the
/// makespan, the cost and the lower bounds. predict() shares storage bandwidth, worker
/// bandwidth, machines' links and vCPUs between what runs at once, by the same code as the
/// simulator (event_run.hpp, noise and faults off); predict_contention_free() gives every
/// transfer its full bandwidth and every task its vCPUs, in closed form, several times faster:
/// what planners use inside their search loops (docs/decisions/0008).
///
/// Semantics (docs/decisions/0003-run-semantics.md):
/// - A strict worker (a worker id in the plan) gets one instance, invoked when its first task is
///   ready (at t=0 if it owns a root); it lives until all its tasks are done, waiting for ready
///   events in between, and runs up to slots() tasks at once in ready order.
/// - A flexible task runs on the instance whose task completed its counter (the first such
///   child, by id) or on a newly invoked flexible instance (the others).
/// - An output is uploaded unless every consumer certainly runs on the same instance; counter
///   updates of a task are one pipelined storage operation after its upload.

#include <cstdint>
#include <string>
#include <vector>

#include "dagplan/json_writer.hpp"
#include "dagplan/large_vector.hpp"
#include "dagplan/model.hpp"
#include "dagplan/plan.hpp"

namespace dagplan {

/// No instance (InstancePrediction::donor, released_by, WarmContainer::instance).
inline constexpr std::uint32_t kNoInstance = 0xffffffffu;
/// No machine (InstancePrediction::machine on a serverless platform).
inline constexpr std::uint32_t kNoMachine = 0xffffffffu;
/// A container started by a pre-warm (InstancePrediction::donor, WarmContainer::instance).
inline constexpr std::uint32_t kPrewarmed = 0xfffffffeu;

/// An idle, warm container in the pool.
struct WarmContainer {
  ConfigId config{0};
  std::int64_t idle_since_us = 0;
  std::int64_t expires_us = 0;
  /// The instance of this run that left it (kNoInstance: given at the start).
  std::uint32_t instance = kNoInstance;
};

struct PredictOptions {
  /// Containers idle at t=0, e.g. left by an earlier run (times relative to this run's start).
  std::vector<WarmContainer> warm_pool;
  /// predict() also gives the contention-free makespan (Prediction::contention_free_makespan_us),
  /// for the user to see what sharing costs (one closed-form run more).
  bool also_contention_free = false;
};

/// One task's predicted timeline, microseconds since submission.
/// 64 bytes: the engine fills one record per task in an order of its own, so each is one cache
/// line.
struct alignas(64) TaskPrediction {
  std::int64_t ready_us = 0;       ///< its counter completed (strict on another worker: + event)
  std::int64_t start_us = 0;       ///< took a slot on its instance (instance ready, slot free)
  std::int64_t exec_start_us = 0;  ///< inputs downloaded (and dispatch overhead paid, on clusters)
  std::int64_t exec_end_us = 0;
  std::int64_t upload_end_us = 0;    ///< == exec_end_us when the output was not uploaded
  std::int64_t finish_us = 0;        ///< counter updates / completion record done; slot free
  std::uint64_t download_bytes = 0;  ///< inputs received (from storage or point to point)
  std::uint32_t instance = 0;        ///< index into Prediction::instances
  bool uploaded = false;
};
static_assert(sizeof(TaskPrediction) == 64);

/// One worker instance (a container running one logical worker, or one flexible chain).
/// What the engine records of it (docs/decisions/0003 and 0007): planners that reason about a
/// prediction read these facts instead of working them out again from the times.
struct InstancePrediction {
  std::uint32_t worker = kFlexible;  ///< plan worker index, or kFlexible
  ConfigId config{0};
  bool warm = false;
  /// It stepped aside under the concurrency limit (an idle strict worker); its worker's later
  /// tasks ran on a later instance.
  bool evicted = false;
  std::int64_t requested_us = 0;  ///< invocation sent
  std::int64_t start_us = 0;      ///< start-up began (after invoke latency and any queueing)
  std::int64_t ready_us = 0;      ///< start-up (and DAG fetch) done
  std::int64_t exited_us = 0;     ///< gone (after flushing its kept outputs, if evicted)
  std::int64_t evicted_us = 0;    ///< when it was chosen to step aside (if evicted)
  std::uint32_t tasks = 0;
  /// The cluster machine it ran on (0 to ExecutionModel::machine_count() - 1), kNoMachine on a
  /// serverless platform.
  std::uint32_t machine = kNoMachine;
  /// A warm start: the instance of this run whose idle container it took (kNoInstance: a
  /// container of the initial pool, or a cold start; kPrewarmed: one a pre-warm started).
  std::uint32_t donor = kNoInstance;
  /// It waited for a place under the concurrency limit: the instance whose exit gave it one.
  std::uint32_t released_by = kNoInstance;
};

struct CostBreakdown {
  double compute = 0;      ///< billed worker time (or the cluster's core-hours)
  double invocations = 0;  ///< per-request price, pre-warms included
  double storage = 0;      ///< intermediate data held in storage until the run ends
  double total() const { return compute + invocations + storage; }
};

/// A pre-warm the plan asked for (Plan::worker_prewarm): sent when its trigger task finished,
/// its container warm (started, idle) from `warm_us` until the keep-alive runs out.
struct PrewarmPrediction {
  std::uint32_t worker = 0;   ///< the plan worker it is for
  std::uint32_t trigger = 0;  ///< the task whose end sent it
  std::int64_t sent_us = 0;
  std::int64_t warm_us = 0;
};

/// A duplicate run (Plan::dup, rule 9): task `task`'s slot ran its producer `producer` itself,
/// on `instance`, from `exec_start_us` to `exec_end_us`, just before `task`'s own execution.
struct DuplicatePrediction {
  std::uint32_t task = 0;
  std::uint32_t producer = 0;
  std::uint32_t instance = 0;
  std::int64_t exec_start_us = 0;
  std::int64_t exec_end_us = 0;
};

/// A streamed output (Plan::stream, rule 10): `producer`'s output went to `consumer`'s worker's
/// instance `instance` by stream, from the end of the producer's execution (`start_us`) to
/// `end_us` (when the producer was done writing it), and was not stored for that consumer.
struct StreamPrediction {
  std::uint32_t producer = 0;
  std::uint32_t consumer = 0;
  std::uint32_t instance = 0;
  std::int64_t start_us = 0;
  std::int64_t end_us = 0;
};

/// Delayed I/O (Plan::delay_io, rule 11): task `task`, on `instance`, held its output from its
/// execution's end for `waited_us` watching its fan-in child's counter; `avoided`: the child's
/// other inputs completed meanwhile, it counted itself last and its output was never uploaded
/// (the child ran on its instance); else it uploaded after the wait.
struct DelayedPrediction {
  std::uint32_t task = 0;
  std::uint32_t instance = 0;
  std::int64_t exec_end_us = 0;
  std::int64_t waited_us = 0;
  bool waiting = false;   ///< the engine's state during the run: watching now
  bool released = false;  ///< the wait is over (false: the task never ended)
  bool avoided = false;
};

struct Prediction {
  std::int64_t makespan_us = 0;
  CostBreakdown cost;
  LowerBounds bounds;
  std::uint32_t cold_starts = 0;
  std::uint32_t warm_starts = 0;
  std::uint64_t invocations = 0;  ///< instances and pre-warms
  std::uint64_t bytes_uploaded = 0;
  std::uint64_t bytes_downloaded = 0;           ///< from storage
  std::uint64_t bytes_direct = 0;               ///< point to point between machines
  LargeVector<TaskPrediction> tasks;            ///< by TaskId
  LargeVector<InstancePrediction> instances;    ///< in order of invocation request
  std::vector<WarmContainer> final_pool;        ///< idle containers when the run ends
  std::vector<PrewarmPrediction> prewarms;      ///< in the order they were sent
  std::vector<DuplicatePrediction> duplicates;  ///< by task id (the last attempt's)
  /// The streams used, in the order their producers ended; a streamed edge not here fell back to
  /// storage (the consumer's worker was not running as its producer ended).
  std::vector<StreamPrediction> streams;
  std::vector<DelayedPrediction> delays;  ///< by task id, one per delaying task
  std::vector<std::string> assumptions;   ///< what the model assumed for lack of data
  /// Transfers and tasks shared bandwidth and vCPUs (predict()), or not
  /// (predict_contention_free()).
  bool contention = false;
  /// The contention-free makespan of the same plan, with PredictOptions::also_contention_free
  /// (-1: not computed).
  std::int64_t contention_free_makespan_us = -1;
};

/// Above this relative difference between the contention-aware and the contention-free
/// makespans, the outputs say so (contention_note()).
inline constexpr double kContentionNoteThreshold = 0.10;

/// What a user should read when sharing changes the makespan by more than
/// kContentionNoteThreshold: e.g. "sharing bandwidth and vCPUs makes this run x4.16 as long as
/// the contention-free estimate (108.546 s) the planners optimise"; empty otherwise or when the
/// contention-free makespan is unknown.
std::string contention_note(const Prediction& p);

/// Evaluates `plan` with `model`, contention included: the simulator's timeline with noise and
/// faults off, to the microsecond. O((V + E) log V) events. Throws Error when the plan cannot
/// complete (a deadlock under the concurrency limit, with the tasks left named).
Prediction predict(const ExecutionModel& model, const Plan& plan,
                   const PredictOptions& options = {});

/// Evaluates `plan` with `model` as if nothing were shared: every transfer at its full
/// bandwidth, every task on its own vCPUs. Usually shorter than predict(), but not a bound on
/// it (sharing can reorder who gets a slot or a warm container first). Planners compare
/// candidates with it and confirm the chosen plan with predict(). O((V + E) log V), closed form.
Prediction predict_contention_free(const ExecutionModel& model, const Plan& plan,
                                   const PredictOptions& options = {});

/// The lower bounds alone, O(V + E x configs).
LowerBounds lower_bounds(const ExecutionModel& model);

/// The model's lower bounds (ExecutionModel::bounds()) for a run that starts as `start` says:
/// without LowerBounds::cold_path_us when containers are warm at the start
/// (PredictOptions::warm_pool), where a worker may be up before any cold start. What predict(),
/// predict_contention_free() and the simulator attach to a run. O(1) once the model has them.
LowerBounds run_bounds(const ExecutionModel& model, const PredictOptions& start);

/// The prediction as the JSON object stored under a plan's `predictions`. With `per_task`, the
/// task and instance timelines too (seconds, like every user-facing time).
std::string prediction_json(const Prediction& p, const ExecutionModel& model, bool per_task);
/// prediction_json() appended to `out` (no trailing newline), `flush` called between values as
/// JsonWriter::set_flush() says: for a plan streamed to its file (append_plan()).
void append_prediction_json(std::string& out, const Prediction& p, const ExecutionModel& model,
                            bool per_task, const JsonWriter::Flush& flush = {},
                            std::size_t flush_at = 0);

}  // namespace dagplan
