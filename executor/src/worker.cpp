// dagworker: serves the invocations of one run (see worker.hpp and protocol.hpp).
#include "dagplan/exec/worker.hpp"

#include <fmt/format.h>
#include <malloc.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <fstream>
#include <iostream>
#include <mutex>
#include <new>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "dagplan/error.hpp"
#include "dagplan/exec/kernel.hpp"
#include "dagplan/exec/process.hpp"
#include "dagplan/exec/redis.hpp"
#include "dagplan/model.hpp"
#include "dagplan/plan.hpp"
#include "dagplan/platform.hpp"
#include "dagplan/run_rules.hpp"
#include "dagplan/workflow_io.hpp"
#include "part.hpp"
#include "protocol.hpp"

namespace dagplan::exec {
namespace {

using protocol::now_us;

struct Args {
  RedisAddress redis;
  std::string password;
  std::string run;
  std::string process;
  std::string code;  // rule 12: the configuration's code package, "FUNCTION:BYTES,..." (or empty)
};

Args parse_args(int argc, char** argv) {
  Args a;
  bool has_redis = false;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (i + 1 >= argc) throw UsageError(fmt::format("dagworker: {} needs a value", k));
    std::string v = argv[++i];
    if (k == "--redis") {
      a.redis = parse_redis_address(v, "--redis");
      has_redis = true;
    } else if (k == "--password-file") {
      std::ifstream in(v);
      if (!in) throw Error(fmt::format("{}: cannot open", v));
      std::getline(in, a.password);
    } else if (k == "--run") {
      a.run = v;
    } else if (k == "--process") {
      a.process = v;
    } else if (k == "--code") {
      a.code = v;
    } else {
      throw UsageError(fmt::format("dagworker: unknown option {}", k));
    }
  }
  if (!has_redis || a.run.empty() || a.process.empty())
    throw UsageError(
        "usage: dagworker --redis HOST:PORT --run ID --process P [--password-file F] "
        "[--code FUNCTION:BYTES,...]");
  return a;
}

// The run as a worker knows it: the whole documents (read from Redis by the first invocation that
// needs them, then kept), or a strict worker's part (Plan::worker_inline_dag, part.hpp: carried
// by each of its invocations). Task indices are local to `workflow`; Redis keys and events use
// global ones (the same for the whole documents).
struct RunDocs {
  Workflow workflow;
  Platform platform;
  Plan plan;
  std::optional<ExecutionModel> model;
  double loops_per_s = 1e8;
  std::int64_t ttl_s = 3600;
  KernelMode kernel_mode = KernelMode::kAuto;
  std::uint32_t max_attempts = 1;  // tries of a task whose kernel fails
  std::vector<bool> synthetic;     // per task: the synthetic kernel (else its data is sized)
  std::vector<bool> has_literal;   // per task: dagrun stores a literal input for it
  std::vector<std::uint32_t> upload_rule;  // rule 6 per task (run_rules.hpp)
  std::vector<std::uint32_t> delayer;      // per task: its producer that delays I/O, or kNoDup
  std::vector<std::uint32_t> target;       // per task: counter_target() in the whole DAG
  std::vector<std::vector<std::uint32_t>> tasks_of;  // tasks per strict worker
  std::vector<std::uint32_t> global;                 // per task: its global index (empty: the same)
  std::unordered_map<std::uint32_t, std::uint32_t> local;  // global index -> task (a part's)

  std::uint32_t g(std::uint32_t t) const { return global.empty() ? t : global[t]; }
  std::int64_t g(std::int64_t from) const {  // a producer, or -1/-2 (literal inputs)
    return from < 0 ? from : g(static_cast<std::uint32_t>(from));
  }
  // Task `t`'s producers in the whole workflow's order, as a real kernel takes its inputs (a
  // command's input files are numbered): a part's local order may differ.
  std::vector<TaskId> kernel_producers(TaskId t) const {
    const std::span<const TaskId> preds = workflow.predecessors(t);
    std::vector<TaskId> out(preds.begin(), preds.end());
    if (!global.empty())
      std::sort(out.begin(), out.end(),
                [&](TaskId a, TaskId b) { return global[index(a)] < global[index(b)]; });
    return out;
  }
  // The task of global index `g`, if it is in these documents.
  std::optional<std::uint32_t> of(std::uint32_t g) const {
    if (global.empty()) return g < workflow.task_count() ? std::optional(g) : std::nullopt;
    auto it = local.find(g);
    return it == local.end() ? std::nullopt : std::optional(it->second);
  }
};

// An input fetched ahead of its task (pre-load), and when.
struct Fetched {
  std::string data;
  std::int64_t start_us = 0, end_us = 0;
  bool done = false;  // fetched, or given up (then the task downloads it itself)
  bool ok = false;
};

// An output read by stream (Plan::stream) on this instance, and when.
struct Streamed {
  std::string data;
  std::int64_t start_us = 0, end_us = 0;
  std::uint64_t chunks = 0, got = 0;
  bool done = false;
  bool reported = false;  // its trace event sent (by the first task that read it)
};

// What the threads of a strict instance share, under Worker::mu_: one thread per slot, and one
// that reads the worker's lists.
struct StrictRun {
  std::uint32_t worker = 0, inst = 0;
  std::uint32_t total = 0;        // tasks to run on this instance
  std::uint32_t done = 0;         // of them, done
  std::uint32_t running = 0;      // slots busy
  std::span<const TaskId> order;  // the plan's order for the worker (empty: ready order)
  std::size_t cursor = 0;         // the next task in it
  // Tasks done by earlier instances, and those done or queued here (a ready event for one of
  // them is a duplicate: after a crash, dagrun re-sends the ready tasks; a producer may too).
  std::unordered_set<std::uint32_t> done_before, seen;
  std::deque<std::pair<std::uint32_t, std::int64_t>> ready;  // (task, ready time)
  bool yield_pending = false;  // asked to step aside while it had work
  bool stop = false, aside = false;
  std::exception_ptr error;

  // The next task to start: in the plan's order when it has one (never a later one first),
  // else the first that became ready.
  std::optional<std::pair<std::uint32_t, std::int64_t>> pick() {
    while (cursor < order.size() && done_before.count(index(order[cursor]))) ++cursor;
    auto it = ready.end();
    if (!order.empty()) {
      if (cursor < order.size()) {
        std::uint32_t want = index(order[cursor]);
        it = std::find_if(ready.begin(), ready.end(), [&](auto& r) { return r.first == want; });
      }
    } else if (!ready.empty()) {
      it = ready.begin();
    }
    if (it == ready.end()) return std::nullopt;
    auto r = *it;
    ready.erase(it);
    if (!order.empty()) ++cursor;
    return r;
  }
};

class Worker {
 public:
  explicit Worker(const Args& args) : args_(args), redis_(args.redis, args.password, 10.0) {}

  int serve();

 private:
  std::string key(const std::string& name) const { return protocol::key(args_.run, name); }
  // The whole documents, from Redis (once per process); returns the bytes read.
  std::uint64_t load_docs();
  // Strict worker `worker`'s part, from its invocation, unless this process read it already.
  RunDocs* load_part(std::uint32_t worker, const std::string& payload);
  bool aborted(Redis& redis);
  // Connection `i`: 0 is redis_; the others (one per thread: Redis is not thread-safe) are made
  // on first use and kept for later invocations.
  Redis& connection(std::size_t i);
  // Returns the outputs it uploaded when it stepped aside ("" when it ran all its tasks).
  std::string run_strict(std::uint32_t worker, std::uint32_t inst,
                         const std::vector<std::uint32_t>& already_done);
  void run_slot(StrictRun& s, Redis& redis);
  void read_lists(StrictRun& s, Redis& redis);
  // Output streaming (rule 10): reads the streams producers write to this worker's instance.
  void read_streams(StrictRun& s, Redis& redis);
  // Waits for the stream of `q`'s output to this instance; null if none comes (its producer
  // stored it instead, or a former instance of the worker flushed it).
  Streamed* streamed(Redis& redis, std::uint32_t q, std::uint32_t worker);
  void run_flexible(std::uint32_t task, std::uint32_t inst);
  // Runs `t` on instance `inst` of `worker` (kFlexible for a flexible instance) through `redis`;
  // appends to `local_ready` the children this worker runs next (same strict worker) and
  // returns the flexible children that continue here (rule 3: the first; rule 11: every one,
  // after a clustered task).
  // A re-run (`rerun`: the output was lost with a crashed instance) only remakes the output
  // here: its children's counters already count it.
  // `start_us`: when a slot took it (0: now).
  std::vector<std::uint32_t> run_task(Redis& redis, std::uint32_t t, std::uint32_t inst,
                                      std::uint32_t worker, std::int64_t ready_us,
                                      std::vector<std::uint32_t>& local_ready, bool rerun = false,
                                      std::int64_t start_us = 0);
  // Delayed I/O: task `t`'s output is held from `exec_end` for the plan's wait, watching its
  // fan-in's counter; true when the fan-in's other inputs were all counted meanwhile (then it
  // is never uploaded).
  bool hold_output(Redis& redis, std::uint32_t t, std::int64_t exec_end);
  // Uploads what the worker's later tasks need of this instance's outputs (and of the outputs
  // streamed to it); returns the outputs it uploaded, comma-separated ("-": none).
  std::string step_aside(const std::unordered_set<std::uint32_t>& done_before,
                         std::uint32_t worker);
  void run_reruns(const std::vector<std::uint32_t>& tasks, std::uint32_t inst,
                  std::uint32_t worker);
  // Pre-load. A source is a producer's task index, or -1 - t for task t's literal input.
  bool start_preloads(std::uint32_t worker, const std::unordered_set<std::uint32_t>& done_before);
  void queue_fetch(std::int64_t source);  // under mu_
  void fetch_loop(Redis& redis);
  void stop_preloads();
  const Fetched* preloaded(std::int64_t source);  // waits for a fetch under way; null if none
  std::string download(Redis& redis, std::int64_t source);
  std::uint64_t commands() const;
  std::uint64_t round_trips() const;

  // Rule 12, code size: fetches the configuration's code package (Args::code) in one pipeline,
  // as a cold start does; returns the bytes.
  std::uint64_t fetch_code();

  Args args_;
  Redis redis_;
  std::vector<std::unique_ptr<Redis>> more_;  // connections 1, 2, ...
  std::unique_ptr<RunDocs> whole_;
  // Parts read from invocations, by strict worker (the same for every invocation of a run).
  std::unordered_map<std::uint32_t, std::unique_ptr<RunDocs>> parts_;
  RunDocs* docs_ = nullptr;  // the current invocation's: whole_ or one of parts_
  // Guards what the instance's threads share: local_, work_dir_, the StrictRun, the pre-load
  // state. cv_ signals a StrictRun's changes, fetch_cv_ the pre-loads'.
  std::mutex mu_;
  std::condition_variable cv_, fetch_cv_;
  // Outputs made on the current instance (local: free for its later tasks). Entries are not
  // removed while the instance runs, so a pointer to one stays valid without the lock.
  std::unordered_map<std::uint32_t, std::string> local_;
  // Outputs streamed to the current (strict) instance, by producer, received or being received
  // (node-based: a pointer to an entry stays valid).
  std::unordered_map<std::uint32_t, Streamed> streamed_;
  std::unique_ptr<TempDir> work_dir_;  // commands' folders
  // Pre-load (strict instances): sources to fetch, fetched (or being fetched), and the remote
  // producers whose "stored" messages matter to this instance.
  std::deque<std::int64_t> fetch_queue_;
  std::unordered_map<std::int64_t, Fetched> fetched_;
  std::unordered_set<std::uint32_t> preload_wanted_;
  bool fetch_stop_ = false;
  std::thread fetcher_;
  std::uint64_t reported_commands_ = 0, reported_round_trips_ = 0;
};

// The settings of the run and what the worker derives from its documents, whole or a part.
void derive(RunDocs& d, const nlohmann::json& j) {
  d.model.emplace(d.workflow, d.platform);
  d.loops_per_s = j.at("loops_per_s").get<double>();
  d.ttl_s = j.at("ttl_s").get<std::int64_t>();
  d.kernel_mode = static_cast<KernelMode>(j.at("kernel_mode").get<int>());
  d.max_attempts = std::max<std::uint32_t>(1, j.at("max_attempts").get<std::uint32_t>());
  const std::size_t n = d.workflow.task_count();
  d.synthetic.resize(n);
  d.has_literal.resize(n);
  for (std::uint32_t t = 0; t < n; ++t) {
    d.synthetic[t] = is_synthetic(d.workflow, TaskId{t}, d.kernel_mode);
    // As literal_input: the input file of a real kernel, else input_bytes synthetic bytes.
    const TaskKernel* k = d.workflow.kernel(TaskId{t});
    d.has_literal[t] = d.workflow.input_bytes(TaskId{t}) > 0 ||
                       (!d.synthetic[t] && k != nullptr && !k->input_file.empty());
  }
  d.delayer.assign(n, kNoDup);
  for (const auto& [child, producer] : delayed_producers(d.plan, d.workflow))
    d.delayer[child] = producer;
  d.tasks_of.assign(d.plan.worker_count(), {});
}

std::uint64_t Worker::load_docs() {
  RedisReply r = redis_.command({"GET", key("dag")});
  if (r.nil()) throw Error("the run's documents are not in Redis (the run is over?)");
  nlohmann::json j = nlohmann::json::parse(r.str);
  auto d = std::make_unique<RunDocs>();
  d->workflow = read_workflow(j.at("workflow").get<std::string>(), "(run workflow)");
  d->platform = read_platform(j.at("platform").get<std::string>(), "(run platform)");
  d->plan = read_plan(j.at("plan").get<std::string>(), "(run plan)", d->workflow, d->platform);
  derive(*d, j);
  const std::size_t n = d->workflow.task_count();
  d->upload_rule.resize(n);
  d->target.resize(n);
  for (std::uint32_t t = 0; t < n; ++t) {
    d->upload_rule[t] = upload_rule(d->plan, d->workflow, TaskId{t}, false);
    d->target[t] = counter_target(d->plan, d->workflow, TaskId{t});
  }
  for (std::uint32_t t = 0; t < n; ++t)
    if (d->plan.task_worker[t] != kFlexible) d->tasks_of[d->plan.task_worker[t]].push_back(t);
  whole_ = std::move(d);
  return r.str.size();
}

RunDocs* Worker::load_part(std::uint32_t worker, const std::string& payload) {
  if (auto it = parts_.find(worker); it != parts_.end()) return it->second.get();
  const nlohmann::json j = nlohmann::json::parse(payload);
  auto d = std::make_unique<RunDocs>();
  d->platform = read_platform(j.at("platform").get<std::string>(), "(invocation's platform)");
  ShippedPart part = read_part(j.at("part"), d->platform);
  d->workflow = std::move(part.workflow);
  d->plan = std::move(part.plan);
  d->upload_rule = std::move(part.upload_rule);
  d->target = std::move(part.counter_target);
  d->global = std::move(part.global);
  derive(*d, j);
  if (j.at("part").at("worker").get<std::uint32_t>() != worker || worker >= d->tasks_of.size())
    throw Error(fmt::format("the invocation of worker {} carries another worker's part", worker));
  for (std::uint32_t t = 0; t < part.tasks; ++t) d->tasks_of[worker].push_back(t);
  for (std::uint32_t t = 0; t < d->global.size(); ++t) d->local.emplace(d->global[t], t);
  return (parts_[worker] = std::move(d)).get();
}

// The run is given up (dagrun set "abort"), or dagrun is gone: its heartbeat key expired
// (workers on other machines outlive a killed dagrun; they exit within seconds).
bool Worker::aborted(Redis& redis) {
  RedisReply r = redis.command({"MGET", key("abort"), key("alive")});
  return !r.elements.at(0).nil() || r.elements.at(1).nil();
}

Redis& Worker::connection(std::size_t i) {
  if (i == 0) return redis_;
  std::lock_guard lock(mu_);
  while (more_.size() < i) more_.push_back(nullptr);
  if (!more_[i - 1]) {
    more_[i - 1] = std::make_unique<Redis>(args_.redis, args_.password, 10.0);
    more_[i - 1]->set_timeout(10.0);
  }
  return *more_[i - 1];
}

std::uint64_t Worker::commands() const {
  std::uint64_t n = redis_.commands();
  for (const auto& r : more_)
    if (r) n += r->commands();
  return n;
}

std::uint64_t Worker::round_trips() const {
  std::uint64_t n = redis_.round_trips();
  for (const auto& r : more_)
    if (r) n += r->round_trips();
  return n;
}

std::vector<std::uint32_t> Worker::run_task(Redis& redis, std::uint32_t t, std::uint32_t inst,
                                            std::uint32_t worker, std::int64_t ready_us,
                                            std::vector<std::uint32_t>& local_ready, bool rerun,
                                            std::int64_t start_us) {
  const Workflow& w = docs_->workflow;
  const Plan& plan = docs_->plan;
  const TaskId id{t};
  const std::uint32_t gt = docs_->g(t);  // in Redis keys and events
  const std::int64_t start = start_us != 0 ? start_us : now_us();
  // Inputs: local outputs are free; those pre-loaded are here already (or on their way); the
  // others, and literal inputs, in one pipelined batch.
  struct Remote {
    std::int64_t from;  // producer, or -1 for the literal input
    std::uint64_t bytes;
    std::size_t first_reply, replies;
  };
  // The data of a task with a real kernel has the size it has: its size key says how many
  // chunks to fetch (one more round trip, for those inputs only).
  // Task-dup (rule 9, Plan::dup): the slot runs the duplicated producer `dup` first, so it reads
  // that one's inputs (its literal input as source -2) instead of its output.
  const std::uint32_t dup = plan.duplicate(t);
  std::vector<std::pair<std::int64_t, std::uint64_t>> sources;  // (producer, -1 or -2; bytes)
  std::vector<std::size_t> sized;                               // indices into sources
  auto base_of = [&](std::int64_t from) {
    return from == -1   ? fmt::format("lit:{}", gt)
           : from == -2 ? fmt::format("lit:{}", docs_->g(dup))
                        : fmt::format("out:{}", docs_->g(from));
  };
  std::vector<Remote> remote;
  std::string record_inputs;
  auto add_input = [&](std::int64_t from, int source, std::uint64_t bytes, std::int64_t s,
                       std::int64_t e) {
    record_inputs += fmt::format("{}[{},{},{},{},{}]", record_inputs.empty() ? "" : ",",
                                 docs_->g(from), source, bytes, s, e);
  };
  const bool synthetic = docs_->synthetic[t];
  const bool preload = preloads(plan, id, worker);
  std::uint64_t input_checksum = 0;
  auto checksum = [&](std::string_view bytes) {
    for (std::size_t c = 0; c < bytes.size(); c += protocol::kChunkBytes)
      input_checksum += static_cast<unsigned char>(bytes[c]);
  };
  // The inputs' bytes for a real kernel (by producer, -1 for the literal input).
  std::unordered_map<std::int64_t, std::string_view> view;
  std::unordered_map<std::int64_t, std::string> data;  // remote inputs downloaded here
  // A literal input: the task's own (-1), or the duplicate's (-2, not a trace input of the task).
  auto literal = [&](std::int64_t from, std::uint32_t of) {
    const Fetched* f = preload ? preloaded(-1 - static_cast<std::int64_t>(of)) : nullptr;
    if (f != nullptr) {
      if (!f->data.empty()) {
        if (from == -1) add_input(-1, 3, f->data.size(), f->start_us, f->end_us);
        checksum(f->data);
        view[from] = f->data;
      }
    } else {
      sources.emplace_back(from, w.input_bytes(TaskId{of}));
      if (!docs_->synthetic[of]) sized.push_back(sources.size() - 1);
    }
  };
  if (docs_->has_literal[t]) literal(-1, t);
  if (dup != kNoDup && docs_->has_literal[dup]) literal(-2, dup);
  std::vector<TaskId> producers;
  run_inputs(plan, w, id, producers);
  // Whether producer q is one of the task's own (a trace input of it), not only the duplicate's.
  auto own = [&](std::uint32_t q) {
    std::span<const TaskId> preds = w.predecessors(id);
    return std::binary_search(preds.begin(), preds.end(), TaskId{q});
  };
  for (TaskId q : producers) {
    std::uint32_t qi = index(q);
    // Read while its producer wrote it (Plan::stream), unless the producer stored it instead.
    if (worker != kFlexible && plan.streamed(qi, t))
      if (Streamed* st = streamed(redis, qi, worker); st != nullptr) {
        add_input(qi, 2, st->data.size(), st->start_us, st->end_us);
        bool first = false;
        {
          std::lock_guard lock(mu_);
          first = !st->reported;
          st->reported = true;
        }
        if (first) {  // the stream's trace event, once (sent now: later flushes read replies)
          protocol::append_push(redis, key("ev"),
                                fmt::format("stream {} {} {} {} {}", docs_->g(qi), gt, inst,
                                            st->start_us, st->end_us),
                                std::to_string(docs_->ttl_s));
          redis.flush();
        }
        checksum(st->data);
        view[qi] = st->data;
        continue;
      }
    const std::string* here = nullptr;
    {
      std::lock_guard lock(mu_);
      if (auto it = local_.find(qi); it != local_.end()) here = &it->second;
    }
    if (here != nullptr) {
      if (own(qi)) add_input(qi, 0, here->size(), start, start);
      view[qi] = *here;
      continue;
    }
    if (const Fetched* f = preload ? preloaded(qi) : nullptr; f != nullptr) {
      if (own(qi)) add_input(qi, 1, f->data.size(), f->start_us, f->end_us);
      checksum(f->data);
      view[qi] = f->data;
      continue;
    }
    sources.emplace_back(qi, w.output_bytes(q));
    if (!docs_->synthetic[qi]) sized.push_back(sources.size() - 1);
  }
  if (!sized.empty()) {
    for (std::size_t i : sized) redis.append({"GET", key(base_of(sources[i].first) + ":n")});
    std::vector<RedisReply> sizes = redis.flush();
    for (std::size_t k = 0; k < sized.size(); ++k)
      sources[sized[k]].second = sizes[k].nil() ? 0 : std::stoull(sizes[k].str);
  }
  std::size_t replies = 0;
  for (const auto& [from, bytes] : sources) {
    if (from < 0 && bytes == 0) continue;  // a real kernel's task without a literal input
    std::uint64_t k = protocol::chunks(bytes);
    for (std::uint64_t c = 0; c < k; ++c)
      redis.append({"GET", key(fmt::format("{}:{}", base_of(from), c))});
    remote.push_back({from, bytes, replies, static_cast<std::size_t>(k)});
    replies += k;
  }
  std::vector<RedisReply> got = redis.flush();
  const std::int64_t downloaded = now_us();
  for (const Remote& r : remote) {
    std::uint64_t size = 0;
    const bool keep = !synthetic || (dup != kNoDup && !docs_->synthetic[dup]);
    std::string* whole = keep ? &data[r.from] : nullptr;
    if (whole != nullptr) whole->reserve(r.bytes);
    for (std::size_t c = 0; c < r.replies; ++c) {
      const RedisReply& reply = got[r.first_reply + c];
      if (reply.nil())
        throw Error(fmt::format(
            "task '{}': input {} is missing from Redis", w.id(id),
            r.from < 0 ? std::string("(literal)")
                       : std::string(w.id(TaskId{static_cast<std::uint32_t>(r.from)}))));
      size += reply.str.size();
      if (!reply.str.empty()) input_checksum += static_cast<unsigned char>(reply.str[0]);
      if (whole != nullptr) whole->append(reply.str);
    }
    if (size != r.bytes)
      throw Error(
          fmt::format("task '{}': an input has {} bytes, expected {}", w.id(id), size, r.bytes));
    if (whole != nullptr) view[r.from] = *whole;
    if (r.from == -1 || (r.from >= 0 && own(static_cast<std::uint32_t>(r.from))))
      add_input(r.from, r.from < 0 ? 3 : 1, r.bytes, start, downloaded);
  }
  auto work_dir = [&] {
    std::lock_guard lock(mu_);
    if (!work_dir_) work_dir_ = std::make_unique<TempDir>("dagworker-");
    return work_dir_->path();
  };
  // Task-dup (rule 9): the duplicated producer runs here first, on this task's configuration
  // (as run_engine.cpp has it); its output is this task's input, kept here, never stored.
  std::string dup_output;
  if (dup != kNoDup) {
    const TaskId did{dup};
    const std::int64_t dup_start = now_us();
    if (docs_->synthetic[dup]) {
      const double exec_s =
          static_cast<double>(docs_->model->exec_us(did, plan.task_config[t])) / 1e6;
      volatile std::uint64_t sink =
          synthetic_work(static_cast<std::uint64_t>(exec_s * docs_->loops_per_s));
      (void)sink;
      dup_output = synthetic_bytes(docs_->g(dup), w.output_bytes(did));
    } else {
      std::vector<KernelInput> dup_inputs;
      if (auto it = view.find(-2); it != view.end()) dup_inputs.push_back({"", it->second});
      for (TaskId q : docs_->kernel_producers(did)) dup_inputs.push_back({w.id(q), view[index(q)]});
      try {
        dup_output = run_kernel(w, did, dup_inputs, work_dir());
      } catch (const KernelError& e) {
        throw Error(fmt::format("task '{}': its duplicate of '{}' failed: {}", w.id(id), w.id(did),
                                e.what()));
      }
    }
    const std::int64_t dup_end = now_us();
    checksum(dup_output);
    add_input(dup, 0, dup_output.size(), dup_end, dup_end);
    view[dup] = dup_output;
    protocol::append_push(redis, key("ev"),
                          fmt::format("dup {} {} {} {}", gt, inst, dup_start, dup_end),
                          std::to_string(docs_->ttl_s));
    redis.flush();
  }
  // Execution: the synthetic kernel's fixed CPU work for this task on this configuration, or
  // its real kernel, tried up to max_attempts times.
  std::int64_t exec_start = now_us(), exec_end = exec_start;
  std::string output;
  if (synthetic) {
    const ConfigId config = plan.task_config[t];
    const double exec_s = static_cast<double>(docs_->model->exec_us(id, config)) / 1e6;
    volatile std::uint64_t sink =
        synthetic_work(static_cast<std::uint64_t>(exec_s * docs_->loops_per_s)) + input_checksum;
    (void)sink;
    output = synthetic_bytes(gt, w.output_bytes(id));
    exec_end = now_us();
  } else {
    std::vector<KernelInput> inputs;
    if (auto it = view.find(-1); it != view.end()) inputs.push_back({"", it->second});
    for (TaskId q : docs_->kernel_producers(id)) inputs.push_back({w.id(q), view[index(q)]});
    const std::string dir = work_dir();
    for (std::uint32_t attempt = 1;; ++attempt) {
      exec_start = now_us();
      try {
        output = run_kernel(w, id, inputs, dir);
        exec_end = now_us();
        break;
      } catch (const KernelError& e) {
        exec_end = now_us();
        // The failed attempt, for the trace; then again, or the run fails.
        protocol::append_push(redis, key("ev"),
                              fmt::format("failed {} {} {} {} {} {} {}", gt, inst, ready_us, start,
                                          exec_start, exec_end, e.what()),
                              std::to_string(docs_->ttl_s));
        redis.flush();
        if (attempt >= docs_->max_attempts)
          throw Error(fmt::format("task '{}' failed {} time{}; the last time: {}", w.id(id),
                                  attempt, attempt == 1 ? "" : "s", e.what()));
      }
    }
  }
  // Rule 6: upload unless every consumer certainly runs here. Then (pre-load) tell the workers
  // of the consumers that fetch it ahead that it is stored: after the SETs, in the same pipeline.
  std::string ttl = std::to_string(docs_->ttl_s);
  // Task-dup: the children counted are counted_children() (a task that duplicates this one
  // does not wait for it; one that duplicates a successor does), complete at counter_target().
  std::vector<TaskId> children;
  counted_children(plan, w, id, children);
  bool upload = must_upload(docs_->upload_rule[t], worker);
  // Delayed I/O (rule 11, Plan::delay_io): hold the output back while the fan-in's other inputs
  // may all be counted; then count this one last and run the fan-in here, never uploading.
  const bool held = upload && !rerun && delays_upload(plan, t, docs_->upload_rule[t], worker);
  std::int64_t upload_start = exec_end;
  if (held) {
    upload = !hold_output(redis, t, exec_end);
    upload_start = now_us();
    protocol::append_push(redis, key("ev"),
                          fmt::format("held {} {} {} {} {}", gt, inst, exec_end,
                                      upload_start - exec_end, upload ? 0 : 1),
                          ttl);
    redis.flush();
  }
  // Output streaming (rule 10, streams_now()): the stream's header goes to the channel of each
  // streamed consumer's worker; a worker with an instance up is subscribed to it (PUBLISH says
  // how many received it) and gets the output by stream, one per worker; for the others the
  // output is stored (the fallback).
  std::vector<std::uint32_t> streams;  // workers streamed to
  const std::uint64_t stream_chunks = protocol::chunks(output.size());
  if (!rerun && !plan.streams_from(t).empty()) {
    std::vector<std::uint32_t> asked;
    for (const auto& edge : plan.streams_from(t)) {
      const std::uint32_t k = plan.task_worker[edge.second];
      if (std::find(asked.begin(), asked.end(), k) != asked.end()) continue;
      asked.push_back(k);
      redis.append({"PUBLISH", key(fmt::format("chan:{}", k)),
                    fmt::format("{} H {} {}", gt, stream_chunks, output.size())});
    }
    const std::vector<RedisReply> heard = redis.flush();
    upload = streams_now(
        plan, id, docs_->upload_rule[t], worker,
        [&](std::uint32_t c) {
          const std::uint32_t k = plan.task_worker[c];
          const auto at = std::find(asked.begin(), asked.end(), k) - asked.begin();
          return heard[static_cast<std::size_t>(at)].integer > 0;
        },
        [&](std::uint32_t c) {
          const std::uint32_t k = plan.task_worker[c];
          if (std::find(streams.begin(), streams.end(), k) == streams.end()) streams.push_back(k);
        });
  }
  std::string message;
  for (const std::uint32_t k : streams) {
    // The decision, for a consumer that finds no stream under way; then the chunks.
    redis.append({"SET", key(fmt::format("sdec:{}:{}", gt, k)), "stream", "EX", ttl});
    const std::string chan = key(fmt::format("chan:{}", k));
    const std::string prefix = fmt::format("{} D ", gt);
    for (std::uint64_t c = 0; c < stream_chunks; ++c) {
      message.assign(prefix);
      message.append(std::string_view(output).substr(
          std::min<std::uint64_t>(c * protocol::kChunkBytes, output.size()),
          protocol::kChunkBytes));
      redis.append({"PUBLISH", chan, message});
    }
  }
  // The streams and the upload go in one pipeline (side by side, as the model has them).
  if (upload) {
    protocol::append_chunked_set(redis, key(fmt::format("out:{}", gt)), output, ttl);
    if (!synthetic)
      redis.append(
          {"SET", key(fmt::format("out:{}:n", gt)), std::to_string(output.size()), "EX", ttl});
    std::vector<std::uint32_t> told;
    for (TaskId s : children) {
      if (!announces_stored(plan, s, worker)) continue;
      std::uint32_t k = plan.task_worker[index(s)];
      if (std::find(told.begin(), told.end(), k) != told.end()) continue;
      told.push_back(k);
      std::string list = key(fmt::format("pre:{}", k));
      protocol::append_push(redis, list, std::to_string(gt), ttl);
    }
    redis.flush();
  }
  if (!upload && !streams.empty()) redis.flush();
  // Nothing uploaded (nor streamed): an empty upload span (TraceAttempt), as the model has it.
  const std::int64_t upload_end = upload || !streams.empty() ? now_us() : upload_start;
  // Rule 3: the counters of the children, in one pipeline; then ready events and invocations.
  // A counter is the set of the producers counted (SADD, then SCARD, one transaction per child):
  // a producer counted twice - its first run died after counting, before its record reached
  // dagrun, and it ran again - is counted once.
  if (!rerun) {
    for (TaskId s : children) {
      const std::string counter = key(fmt::format("cnt:{}", docs_->g(index(s))));
      const std::string me = std::to_string(gt);
      redis.append({"MULTI"});
      redis.append({"SADD", counter, me});
      redis.append({"SCARD", counter});
      redis.append({"EXPIRE", counter, ttl});
      redis.append({"EXEC"});
    }
  }
  std::vector<RedisReply> counts = rerun ? std::vector<RedisReply>() : redis.flush();
  std::vector<std::uint32_t> continue_here;
  std::uint32_t flexible_rank = 0;
  std::size_t k = 0;
  const std::int64_t counted = now_us();
  for (TaskId s : children) {
    if (rerun) break;
    // EXEC's reply: [added, size, expire set]. Complete with this task counted now, or counted
    // by a run of it that died before its record: then the ready action is taken again (a
    // duplicate is ignored by the strict worker, or by dagrun for a flexible task).
    const RedisReply& exec = counts[5 * k++ + 4];
    const auto complete = static_cast<long long>(docs_->target[index(s)]);
    // Delayed I/O: the producer holding its output for this fan-in is the only one missing now.
    if (exec.elements.size() >= 2 && exec.elements[1].integer == complete - 1 &&
        docs_->delayer[index(s)] != kNoDup && docs_->delayer[index(s)] != t)
      protocol::append_push(redis, key(fmt::format("held:{}", docs_->g(index(s)))), "1", ttl);
    if (exec.elements.size() < 2 || exec.elements[1].integer != complete) continue;
    std::uint32_t si = index(s);
    ReadyAction action = ready_action(plan, id, s, worker, flexible_rank);
    if (plan.task_worker[si] == kFlexible) ++flexible_rank;
    switch (action) {
      case ReadyAction::kSameWorker: local_ready.push_back(si); break;
      case ReadyAction::kNotifyWorker: {
        std::uint32_t target = plan.task_worker[si];
        std::string ready = key(fmt::format("ready:{}", target));
        protocol::append_push(redis, ready, fmt::format("{} {}", docs_->g(si), counted), ttl);
        protocol::append_push(redis, key("inv"), fmt::format("strict {} {}", target, counted), ttl);
        break;
      }
      case ReadyAction::kContinueHere: continue_here.push_back(si); break;
      case ReadyAction::kInvokeFlexible:
        protocol::append_push(redis, key("inv"), fmt::format("flex {} {}", docs_->g(si), counted),
                              ttl);
        break;
    }
  }
  const std::int64_t finish = now_us();
  protocol::append_push(
      redis, key("ev"),
      fmt::format("task {} {} {} {} {} {} {} {} {} {} {} {} {} [{}]", gt, inst, ready_us, start,
                  exec_start, exec_end, upload_start, upload_end, finish, upload ? 1 : 0,
                  rerun ? 0 : children.size(), rerun ? 1 : 0, output.size(), record_inputs),
      ttl);
  redis.flush();
  std::lock_guard lock(mu_);
  local_[t] = std::move(output);
  return continue_here;
}

bool Worker::hold_output(Redis& redis, std::uint32_t t, std::int64_t exec_end) {
  const Workflow& w = docs_->workflow;
  const TaskId child = w.successors(TaskId{t})[0];
  const auto others = static_cast<long long>(docs_->target[index(child)]) - 1;
  const std::string counter = key(fmt::format("cnt:{}", docs_->g(index(child))));
  const std::string wake = key(fmt::format("held:{}", docs_->g(index(child))));
  const std::int64_t deadline = exec_end + docs_->plan.delayed_io(t);
  for (;;) {
    // The other producers push to `wake` when their count leaves only this one missing, so a
    // count made between this read and the wait below is not missed.
    if (redis.command({"SCARD", counter}).integer >= others) return true;
    const std::int64_t left = deadline - now_us();
    if (left <= 0) return false;
    // An idle redis-server times blocked commands out only as often as its event loop wakes
    // (every 100 ms at the default hz 10): the last 100 ms of the wait are polled every
    // millisecond instead. Before that, BLPOP until 100 ms before the end, at most 1 s at a time
    // (within the connection's read timeout), looking for an aborted run in between.
    constexpr std::int64_t kPolledUs = 100'000;
    if (left <= kPolledUs) {
      std::this_thread::sleep_for(std::chrono::microseconds(std::min<std::int64_t>(left, 1000)));
      continue;
    }
    const std::int64_t wait = std::min<std::int64_t>(left - kPolledUs, 1'000'000);
    redis.command({"BLPOP", wake, fmt::format("{:.3f}", static_cast<double>(wait) / 1e6)});
    if (aborted(redis)) return false;
  }
}

void Worker::run_reruns(const std::vector<std::uint32_t>& tasks, std::uint32_t inst,
                        std::uint32_t worker) {
  std::vector<std::uint32_t> unused;
  for (std::uint32_t t : tasks) run_task(redis_, t, inst, worker, now_us(), unused, true);
}

std::string Worker::step_aside(const std::unordered_set<std::uint32_t>& done_before,
                               std::uint32_t worker) {
  const Workflow& w = docs_->workflow;
  std::string flushed = "-", ttl = std::to_string(docs_->ttl_s);
  std::vector<TaskId> children;
  for (const auto& [q, output] : local_) {
    if (docs_->upload_rule[q] == kUploadAlways) continue;  // uploaded when it was made
    bool needed = false;
    counted_children(docs_->plan, w, TaskId{q}, children);
    for (TaskId s : children)
      needed = needed || (!done_before.count(index(s)) && !local_.count(index(s)));
    if (!needed) continue;
    protocol::append_chunked_set(redis_, key(fmt::format("out:{}", docs_->g(q))), output, ttl);
    if (!docs_->synthetic[q])
      redis_.append({"SET", key(fmt::format("out:{}:n", docs_->g(q))),
                     std::to_string(output.size()), "EX", ttl});
    if (flushed == "-")
      flushed.clear();
    else
      flushed += ',';
    flushed += std::to_string(docs_->g(q));
  }
  // Streamed outputs this instance received for tasks it did not run: stored, and the decision
  // changed, so that the worker's next instance downloads them (as the model flushes them).
  for (const auto& [q, st] : streamed_) {
    bool needed = false;
    for (const auto& edge : docs_->plan.streams_from(q))
      needed = needed || (docs_->plan.task_worker[edge.second] == worker &&
                          !done_before.count(edge.second) && !local_.count(edge.second));
    if (!st.done || !needed) continue;
    const std::uint32_t gq = docs_->g(q);
    protocol::append_chunked_set(redis_, key(fmt::format("out:{}", gq)), st.data, ttl);
    if (!docs_->synthetic[q])
      redis_.append(
          {"SET", key(fmt::format("out:{}:n", gq)), std::to_string(st.data.size()), "EX", ttl});
    redis_.append({"SET", key(fmt::format("sdec:{}:{}", gq, worker)), "store", "EX", ttl});
  }
  if (redis_.pending() > 0) redis_.flush();
  return flushed;
}

// --- Pre-load --------------------------------------------------------------------------------

// The inputs of the worker's pre-load tasks that come from storage: literal inputs (stored
// before the run) and outputs already stored are queued now; the others when their producer
// says it stored them (a "stored" message on the worker's pre:<w> list, read by read_lists).
// Outputs this instance makes itself are local, not pre-loaded. Returns whether the worker has
// pre-load tasks left (then a fetcher thread runs).
bool Worker::start_preloads(std::uint32_t worker,
                            const std::unordered_set<std::uint32_t>& done_before) {
  const Workflow& w = docs_->workflow;
  const Plan& plan = docs_->plan;
  bool any = false;
  std::vector<std::int64_t> now;
  std::vector<std::uint32_t> check;
  std::vector<TaskId> inputs;
  for (std::uint32_t t : docs_->tasks_of[worker]) {
    if (done_before.count(t) || !preloads(plan, TaskId{t}, worker)) continue;
    any = true;
    if (docs_->has_literal[t]) now.push_back(-1 - static_cast<std::int64_t>(t));
    // Task-dup: the duplicate's inputs too (run_inputs()).
    const std::uint32_t dup = plan.duplicate(t);
    if (dup != kNoDup && docs_->has_literal[dup])
      now.push_back(-1 - static_cast<std::int64_t>(dup));
    run_inputs(plan, w, TaskId{t}, inputs);
    for (TaskId q : inputs) {
      std::uint32_t qi = index(q);
      if (local_.count(qi) || (plan.task_worker[qi] == worker && !done_before.count(qi)))
        continue;  // made on this instance
      if (preload_wanted_.insert(qi).second) check.push_back(qi);
    }
  }
  if (!any) return false;
  // Stored already? The last key a producer writes: its size, or its last chunk.
  for (std::uint32_t q : check)
    redis_.append({"EXISTS", key(docs_->synthetic[q]
                                     ? fmt::format("out:{}:{}", docs_->g(q),
                                                   protocol::chunks(w.output_bytes(TaskId{q})) - 1)
                                     : fmt::format("out:{}:n", docs_->g(q)))});
  std::vector<RedisReply> stored = redis_.flush();
  for (std::size_t i = 0; i < check.size(); ++i)
    if (stored[i].integer != 0) now.push_back(check[i]);
  std::lock_guard lock(mu_);
  for (std::int64_t source : now) queue_fetch(source);
  return true;
}

void Worker::queue_fetch(std::int64_t source) {
  if (!fetched_.emplace(source, Fetched{}).second) return;  // queued or fetched already
  fetch_queue_.push_back(source);
  fetch_cv_.notify_all();
}

std::string Worker::download(Redis& redis, std::int64_t source) {
  const Workflow& w = docs_->workflow;
  const bool literal = source < 0;
  const auto t = static_cast<std::uint32_t>(literal ? -1 - source : source);
  const std::string base = fmt::format("{}:{}", literal ? "lit" : "out", docs_->g(t));
  std::uint64_t bytes = literal ? w.input_bytes(TaskId{t}) : w.output_bytes(TaskId{t});
  if (!docs_->synthetic[t]) {
    RedisReply n = redis.command({"GET", key(base + ":n")});
    bytes = n.nil() ? 0 : std::stoull(n.str);
    if (literal && bytes == 0) return "";
  }
  for (std::uint64_t c = 0; c < protocol::chunks(bytes); ++c)
    redis.append({"GET", key(fmt::format("{}:{}", base, c))});
  std::string out;
  for (const RedisReply& r : redis.flush()) {
    if (r.nil()) throw Error(fmt::format("pre-load: {} is not stored", base));
    out += r.str;
  }
  if (out.size() != bytes) throw Error(fmt::format("pre-load: {} has the wrong size", base));
  return out;
}

// The fetcher thread: one download after another, into fetched_.
void Worker::fetch_loop(Redis& redis) {
  std::unique_lock lock(mu_);
  for (;;) {
    fetch_cv_.wait(lock, [&] { return fetch_stop_ || !fetch_queue_.empty(); });
    if (fetch_stop_) break;
    std::int64_t source = fetch_queue_.front();
    fetch_queue_.pop_front();
    lock.unlock();
    Fetched f;
    f.start_us = now_us();
    try {
      f.data = download(redis, source);
      f.ok = true;
    } catch (const std::exception&) {
      f.ok = false;  // the task downloads it itself, and reports what is wrong
    }
    f.end_us = now_us();
    f.done = true;
    lock.lock();
    fetched_[source] = std::move(f);
    fetch_cv_.notify_all();
  }
  // Stopping: what was queued is given up.
  for (std::int64_t source : fetch_queue_) fetched_[source].done = true;
  fetch_queue_.clear();
  fetch_cv_.notify_all();
}

const Fetched* Worker::preloaded(std::int64_t source) {
  std::unique_lock lock(mu_);
  auto it = fetched_.find(source);
  if (it == fetched_.end()) return nullptr;
  fetch_cv_.wait(lock, [&] { return it->second.done; });
  return it->second.ok ? &it->second : nullptr;
}

void Worker::stop_preloads() {
  {
    std::lock_guard lock(mu_);
    fetch_stop_ = true;
    fetch_cv_.notify_all();
  }
  if (fetcher_.joinable()) fetcher_.join();
  fetch_stop_ = false;
  fetch_queue_.clear();
  fetched_.clear();
  preload_wanted_.clear();
}

// --- Strict workers: one thread per slot ------------------------------------------------------

// A slot: takes the next task when it may (StrictRun::pick) and runs it, until the instance
// stops (all its tasks done, stepping aside, an abort or an error).
void Worker::run_slot(StrictRun& s, Redis& redis) {
  std::unique_lock lock(mu_);
  std::vector<std::uint32_t> local_ready;
  while (!s.stop) {
    if (s.done == s.total) {
      s.stop = true;
      break;
    }
    if (auto next = s.pick()) {
      ++s.running;
      // Its start, taken in the order of the picks (so that the trace shows the plan's order).
      const std::int64_t start = now_us();
      lock.unlock();
      local_ready.clear();
      try {
        run_task(redis, next->first, s.inst, s.worker, next->second, local_ready, false, start);
      } catch (...) {
        lock.lock();
        --s.running;
        if (!s.error) s.error = std::current_exception();
        s.stop = true;
        break;
      }
      lock.lock();
      --s.running;
      ++s.done;
      std::int64_t now = now_us();
      for (std::uint32_t c : local_ready)
        if (s.seen.insert(c).second) s.ready.emplace_back(c, now);
      cv_.notify_all();
      continue;
    }
    // Asked to step aside while it had work: it does once nothing runs and nothing is ready.
    if (s.yield_pending && s.ready.empty() && s.running == 0) {
      s.aside = true;
      s.stop = true;
      break;
    }
    cv_.wait(lock);
  }
  cv_.notify_all();
}

// The reader: ready events, step-aside requests ("yield") and, for pre-load, "stored" messages,
// one BLPOP at a time on the worker's lists and this process's wake-up list (pushed when the
// instance stops, so that the reader need not wait out its timeout). The pre-load list comes
// first: a producer says that it stored an output before it counts it, so that a task that
// becomes ready by it finds its fetch queued.
void Worker::read_lists(StrictRun& s, Redis& redis) {
  const std::string ready_key = key(fmt::format("ready:{}", s.worker));
  const std::string pre_key = key(fmt::format("pre:{}", s.worker));
  const std::string wake_key = key("wake:" + args_.process);
  try {
    for (;;) {
      {
        std::lock_guard lock(mu_);
        if (s.stop) return;
      }
      RedisReply r = redis.command({"BLPOP", pre_key, ready_key, wake_key, "1"});
      if (r.nil()) {
        if (aborted(redis)) break;
        continue;
      }
      const std::string& list = r.elements.at(0).str;
      const std::string& message = r.elements.at(1).str;
      if (list == wake_key) continue;
      std::lock_guard lock(mu_);
      if (list == pre_key) {
        const std::optional<std::uint32_t> q =
            docs_->of(static_cast<std::uint32_t>(std::stoul(message)));
        if (q && preload_wanted_.count(*q)) queue_fetch(*q);
      } else if (message == "yield") {
        // Rule of decision 0003: under the concurrency limit an idle strict worker (nothing
        // running or ready) steps aside, after uploading the outputs its later tasks need. (An
        // instance that has stopped, its tasks done, just ends.)
        if (!s.stop && s.ready.empty() && s.running == 0) {
          s.aside = true;
          s.stop = true;
        } else if (!s.stop) {
          s.yield_pending = true;
        }
      } else {
        std::istringstream in(message);
        std::uint32_t t = 0;
        std::int64_t at = 0;
        in >> t >> at;
        const std::optional<std::uint32_t> task = docs_->of(t);
        if (!task)
          throw Error(fmt::format("a ready event for task {}, not in this worker's part", t));
        if (s.seen.insert(*task).second) s.ready.emplace_back(*task, at);
      }
      cv_.notify_all();
    }
  } catch (...) {
    std::lock_guard lock(mu_);
    if (!s.error) s.error = std::current_exception();
  }
  std::lock_guard lock(mu_);
  s.stop = true;
  cv_.notify_all();
}

// The stream thread of a strict instance whose worker has streamed inputs: subscribed to the
// worker's channel while the instance runs (a producer streams only to a subscribed worker),
// it takes each stream's header ("PRODUCER H CHUNKS BYTES") and chunks ("PRODUCER D DATA") as
// the producer publishes them, several streams at once if need be. Asked to stop ("stop",
// published by the instance), it unsubscribes and still reads to their ends the streams whose
// header came before its unsubscription took effect.
void Worker::read_streams(StrictRun& s, Redis& redis) {
  const std::string chan = key(fmt::format("chan:{}", s.worker));
  std::uint32_t open = 0;  // streams begun, not complete
  bool unsubscribed = false;
  try {
    for (;;) {
      if (unsubscribed && open == 0) return;
      RedisReply m = redis.next_message();
      if (m.elements.size() < 3) continue;
      const std::string& kind = m.elements[0].str;
      if (kind == "unsubscribe") {
        unsubscribed = true;
        continue;
      }
      if (kind != "message") continue;
      const std::string& text = m.elements[2].str;
      if (text == "stop") {
        if (!unsubscribed) redis.send({"UNSUBSCRIBE", chan});
        continue;
      }
      // "PRODUCER H CHUNKS BYTES" or "PRODUCER D DATA".
      const std::size_t space = text.find(' ');
      const std::optional<std::uint32_t> producer =
          docs_->of(static_cast<std::uint32_t>(std::stoul(text.substr(0, space))));
      if (!producer) continue;  // not an input of this worker's tasks
      const std::uint32_t q = *producer;
      std::lock_guard lock(mu_);
      if (text.compare(space + 1, 2, "H ") == 0) {
        std::istringstream header(text.substr(space + 3));
        Streamed& st = streamed_[q];
        st = Streamed{};
        header >> st.chunks;
        std::uint64_t bytes = 0;
        header >> bytes;
        st.data.reserve(bytes);
        st.start_us = now_us();
        ++open;
        continue;
      }
      auto it = streamed_.find(q);
      if (it == streamed_.end() || it->second.done) continue;  // a stream begun elsewhere
      Streamed& st = it->second;
      st.data.append(text, space + 3);
      if (++st.got < st.chunks) continue;
      st.end_us = now_us();
      st.done = true;
      --open;
      cv_.notify_all();
    }
  } catch (...) {
    std::lock_guard lock(mu_);
    if (!s.error) s.error = std::current_exception();
    s.stop = true;
    cv_.notify_all();
  }
}

Streamed* Worker::streamed(Redis& redis, std::uint32_t q, std::uint32_t worker) {
  std::unique_lock lock(mu_);
  auto it = streamed_.find(q);
  if (it == streamed_.end()) {
    // Not under way here: the producer's decision says whether one is coming.
    lock.unlock();
    RedisReply d = redis.command({"GET", key(fmt::format("sdec:{}:{}", docs_->g(q), worker))});
    if (d.nil() || d.str != "stream") return nullptr;
    lock.lock();
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    it = streamed_.find(q);
    if (it != streamed_.end() && it->second.done) return &it->second;
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout)
      throw Error(fmt::format("the stream of '{}' did not come within 60 s",
                              docs_->workflow.id(TaskId{q})));
  }
}

std::string Worker::run_strict(std::uint32_t worker, std::uint32_t inst,
                               const std::vector<std::uint32_t>& already_done) {
  StrictRun s;
  s.worker = worker;
  s.inst = inst;
  s.done_before.insert(already_done.begin(), already_done.end());
  s.seen = s.done_before;
  s.total = static_cast<std::uint32_t>(docs_->tasks_of[worker].size() - already_done.size());
  s.order = docs_->plan.worker_order(worker);
  // The model's slots (ExecutionModel::slots: max(1, floor(vcpus)) unless the platform says).
  const std::uint32_t slots = std::max<std::uint32_t>(
      1, std::min(docs_->model->slots(docs_->plan.worker_config[worker]), s.total));
  if (start_preloads(worker, s.done_before)) {
    Redis& r = connection(slots + 1);
    fetcher_ = std::thread([this, &r] { fetch_loop(r); });
  }
  std::vector<std::thread> threads;
  for (std::uint32_t i = 1; i < slots; ++i) {
    Redis& r = connection(i);
    threads.emplace_back([this, &s, &r] { run_slot(s, r); });
  }
  Redis& reader = connection(slots);
  threads.emplace_back([this, &s, &reader] { read_lists(s, reader); });
  // Output streaming: a stream thread when some producer may stream to this worker, subscribed
  // to the worker's channel while the instance runs (producers stream to it only then).
  const Plan& plan = docs_->plan;
  const bool streams_in = std::any_of(plan.stream.begin(), plan.stream.end(), [&](const auto& e) {
    return plan.task_worker[e.second] == worker;
  });
  // A connection of its own, subscribed (no other command while it is) before any task runs.
  std::unique_ptr<Redis> subscriber;
  if (streams_in) {
    subscriber = std::make_unique<Redis>(args_.redis, args_.password, 10.0);
    subscriber->set_timeout(0);  // waits for messages as long as the instance runs
    subscriber->command({"SUBSCRIBE", key(fmt::format("chan:{}", worker))});
    threads.emplace_back([this, &s, r = subscriber.get()] { read_streams(s, *r); });
  }
  run_slot(s, redis_);
  // Stopped: wake the reader, and wait for the other slots to finish their tasks.
  const std::string wake_key = key("wake:" + args_.process);
  try {
    if (streams_in) redis_.append({"PUBLISH", key(fmt::format("chan:{}", worker)), "stop"});
    protocol::append_push(redis_, wake_key, "wake", std::to_string(docs_->ttl_s));
    redis_.flush();
  } catch (...) {
    std::lock_guard lock(mu_);
    if (!s.error) s.error = std::current_exception();
  }
  for (std::thread& t : threads) t.join();
  stop_preloads();
  if (s.error) std::rethrow_exception(s.error);
  if (!s.aside) return "";
  // Ready events the reader took as the instance stopped go back, for its next instance.
  if (!s.ready.empty()) {
    const std::string ready_key = key(fmt::format("ready:{}", worker));
    for (auto it = s.ready.rbegin(); it != s.ready.rend(); ++it)
      redis_.append({"LPUSH", ready_key, fmt::format("{} {}", it->first, it->second)});
    redis_.append({"EXPIRE", ready_key, std::to_string(docs_->ttl_s)});
    redis_.flush();
  }
  return step_aside(s.done_before, worker);
}

void Worker::run_flexible(std::uint32_t task, std::uint32_t inst) {
  // As in the model: a flexible instance runs the task it was invoked for, then the children
  // that continue on it (rule 3: the first flexible child; rule 11: every one, after a
  // clustered task), first in first out, in as many slots as the model gives its configuration
  // (one thread each; one slot unless the plan clusters, where no more than one task is ever
  // ready here).
  std::deque<std::pair<std::uint32_t, std::int64_t>> queue{{task, now_us()}};
  const std::uint32_t slots =
      docs_->plan.cluster.empty()
          ? 1
          : std::max<std::uint32_t>(1, docs_->model->slots(docs_->plan.task_config[task]));
  std::uint32_t running = 0;
  std::exception_ptr error;
  auto slot = [&](Redis& redis) {
    std::unique_lock lock(mu_);
    std::vector<std::uint32_t> unused;
    while (!error) {
      if (queue.empty()) {
        if (running == 0) break;
        cv_.wait(lock);
        continue;
      }
      const auto [t, ready_us] = queue.front();
      queue.pop_front();
      ++running;
      lock.unlock();
      std::vector<std::uint32_t> next;
      try {
        next = run_task(redis, t, inst, kFlexible, ready_us, unused);
      } catch (...) {
        lock.lock();
        --running;
        if (!error) error = std::current_exception();
        break;
      }
      const std::int64_t now = now_us();
      lock.lock();
      --running;
      for (std::uint32_t c : next) queue.emplace_back(c, now);
      cv_.notify_all();
    }
    cv_.notify_all();
  };
  std::vector<std::thread> threads;
  for (std::uint32_t i = 1; i < slots; ++i) {
    Redis& r = connection(i);
    threads.emplace_back([&slot, &r] { slot(r); });
  }
  slot(redis_);
  for (std::thread& th : threads) th.join();
  if (error) std::rethrow_exception(error);
}

std::uint64_t Worker::fetch_code() {
  std::istringstream list(args_.code);
  std::vector<std::pair<std::string, std::uint64_t>> code;  // (function, bytes)
  for (std::string item; std::getline(list, item, ',');) {
    const std::size_t colon = item.find(':');
    code.emplace_back(item.substr(0, colon), std::stoull(item.substr(colon + 1)));
    for (std::uint64_t c = 0; c < protocol::chunks(code.back().second); ++c)
      redis_.append({"GET", key(fmt::format("code:{}:{}", code.back().first, c))});
  }
  const std::vector<RedisReply> got = redis_.flush();
  std::uint64_t bytes = 0;
  std::size_t k = 0;
  for (const auto& [function, size] : code) {
    std::uint64_t have = 0;
    for (std::uint64_t c = 0; c < protocol::chunks(size); ++c, ++k) {
      if (got.at(k).nil()) throw Error(fmt::format("function {}'s code is not in Redis", function));
      have += got[k].str.size();
    }
    if (have != size)
      throw Error(
          fmt::format("function {}'s code has {} bytes, expected {}", function, have, size));
    bytes += have;
  }
  return bytes;
}

int Worker::serve() {
  const std::string inbox = key("proc:" + args_.process);
  // A cold start: the configuration's code first (rule 12), reported with the first instance.
  std::uint64_t code_bytes = 0;
  std::int64_t code_us = 0;
  if (!args_.code.empty()) {
    const std::int64_t code_start = now_us();
    code_bytes = fetch_code();
    code_us = now_us() - code_start;
  }
  redis_.set_timeout(10.0);
  bool warm = false;
  for (;;) {
    RedisReply r = redis_.command({"BLPOP", inbox, "1"});
    if (r.nil()) {
      if (aborted(redis_)) return 0;
      continue;
    }
    // "KIND SUBJECT INSTANCE RERUNS DONE", then (rule 12) a line with the worker's part.
    const std::string& text = r.elements.at(1).str;
    const std::size_t newline = text.find('\n');
    std::istringstream in(text.substr(0, newline));
    std::string kind, rerun_list, done_list;
    std::uint32_t subject = 0, inst = 0;
    in >> kind >> subject >> inst >> rerun_list >> done_list;
    if (kind == "exit") return 0;
    // Rule 12: the whole documents, read from Redis by the first invocation without a part and
    // kept (the process's later instances find them, as a warm container would), or the part in
    // the invocation when the process has not read them (and this worker's part once).
    std::uint64_t fetched_bytes = 0, part_bytes = 0;
    std::int64_t fetch_us = 0;
    if (newline != std::string::npos) {
      part_bytes = text.size() - newline - 1;
      docs_ = whole_ ? whole_.get() : load_part(subject, text.substr(newline + 1));
    } else {
      if (!whole_) {
        const std::int64_t fetch_start = now_us();
        fetched_bytes = load_docs();
        fetch_us = now_us() - fetch_start;
      }
      docs_ = whole_.get();
    }
    // After a crash: outputs to make again first, and (strict) the worker's tasks already done.
    auto numbers = [this](const std::string& csv) {
      std::vector<std::uint32_t> out;
      if (csv.empty() || csv == "-") return out;
      std::istringstream list(csv);
      for (std::string item; std::getline(list, item, ',');) {
        const auto g = static_cast<std::uint32_t>(std::stoul(item));
        const std::optional<std::uint32_t> t = docs_->of(g);
        if (!t) throw Error(fmt::format("invocation names task {}, not in its documents", g));
        out.push_back(*t);
      }
      return out;
    };
    std::vector<std::uint32_t> reruns = numbers(rerun_list), already_done = numbers(done_list);
    // A new instance: its own local outputs only.
    local_.clear();
    streamed_.clear();
    protocol::append_push(
        redis_, key("ev"),
        fmt::format("ready {} {} {} {} {} {} {} {} {}", inst, now_us(), warm ? 1 : 0, args_.process,
                    fetched_bytes, fetch_us, part_bytes, warm ? 0 : code_bytes, warm ? 0 : code_us),
        std::to_string(docs_->ttl_s));
    redis_.flush();
    std::string aside;
    if (kind == "strict") {
      run_reruns(reruns, inst, subject);
      aside = run_strict(subject, inst, already_done);
    } else if (kind == "flex") {
      run_reruns(reruns, inst, kFlexible);
      run_flexible(subject, inst);
    } else {
      throw Error(fmt::format("unknown invocation '{}'", r.elements.at(1).str));
    }
    local_.clear();
    // The Redis traffic of this invocation (this command included) for the overhead figures.
    std::uint64_t commands = this->commands() + 2 - reported_commands_;
    std::uint64_t round_trips = this->round_trips() + 1 - reported_round_trips_;
    reported_commands_ += commands;
    reported_round_trips_ += round_trips;
    protocol::append_push(redis_, key("ev"),
                          fmt::format("{} {} {} {} {} {} {}", aside.empty() ? "done" : "aside",
                                      inst, now_us(), args_.process, commands, round_trips, aside),
                          std::to_string(docs_->ttl_s));
    redis_.flush();
    warm = true;
  }
}

}  // namespace

// A worker allocates and frees an input's and an output's bytes for every task. glibc serves
// blocks from 128 KiB up with mmap and returns them with munmap, so every task's data was
// written into fresh pages, each a page fault: on this machine that made a 512 KiB block's copy
// take 1.5 to 3.5 ms, and gemm under wukong 200 ms where the same run with this takes 112 ms
// (decision 0011). Blocks up to 32 MiB (glibc's largest threshold) come from the heap, and up to
// 256 MiB of freed heap stays with the process for the next task.
void keep_freed_memory() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

int worker_main(int argc, char** argv) {
  std::unique_ptr<Worker> worker;
  Args args;
  kill_commands_on_sigterm();
  keep_freed_memory();
  try {
    args = parse_args(argc, argv);
    worker = std::make_unique<Worker>(args);
    return worker->serve();
  } catch (const std::exception& e) {
    // An allocation past the process's memory limit (dagrun's rlimit method: RLIMIT_AS) says so.
    std::string what = e.what();
    if (dynamic_cast<const std::bad_alloc*>(&e) != nullptr) {
      rlimit lim{};
      what = getrlimit(RLIMIT_AS, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY
                 ? fmt::format("out of memory (limit {} MB)", lim.rlim_cur >> 20)
                 : std::string("out of memory");
    }
    std::cerr << "dagworker: error: " << what << "\n";
    // Tell dagrun, if Redis still answers (best effort: dagrun also sees the process exit).
    try {
      Redis r(args.redis, args.password, 2.0);
      protocol::append_push(r, protocol::key(args.run, "ev"),
                            fmt::format("fail {} {}", args.process, what), "3600");
      r.flush();
    } catch (const std::exception&) {
    }
    return 1;
  }
}

}  // namespace dagplan::exec
