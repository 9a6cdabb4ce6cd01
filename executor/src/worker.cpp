// dagworker: serves the invocations of one run (see worker.hpp and protocol.hpp).
#include "dagplan/exec/worker.hpp"

#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <fstream>
#include <iostream>
#include <new>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
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
#include "protocol.hpp"

namespace dagplan::exec {
namespace {

using protocol::now_us;

struct Args {
  RedisAddress redis;
  std::string password;
  std::string run;
  std::string process;
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
    } else {
      throw UsageError(fmt::format("dagworker: unknown option {}", k));
    }
  }
  if (!has_redis || a.run.empty() || a.process.empty())
    throw UsageError("usage: dagworker --redis HOST:PORT --run ID --process P [--password-file F]");
  return a;
}

// The run as a worker knows it: read once, at the cold start.
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
  std::vector<std::uint32_t> upload_rule;   // rule 6 per task (run_rules.hpp)
  std::vector<std::uint32_t> worker_tasks;  // tasks per strict worker
};

class Worker {
 public:
  Worker(const Args& args) : args_(args), redis_(args.redis, args.password, 10.0) {}

  int serve();

 private:
  std::string key(const std::string& name) const { return protocol::key(args_.run, name); }
  void load_docs();
  bool aborted();
  // Returns the outputs it uploaded when it stepped aside ("" when it ran all its tasks).
  std::string run_strict(std::uint32_t worker, std::uint32_t inst,
                         const std::vector<std::uint32_t>& already_done);
  void run_flexible(std::uint32_t task, std::uint32_t inst);
  // Runs `t` on instance `inst` of `worker` (kFlexible for a flexible instance); appends to
  // `local_ready` the children this worker runs next (same strict worker) and returns the
  // flexible child that continues here, if any.
  // A re-run (`rerun`: the output was lost with a crashed instance) only remakes the output
  // here: its children's counters already count it.
  std::optional<std::uint32_t> run_task(std::uint32_t t, std::uint32_t inst, std::uint32_t worker,
                                        std::int64_t ready_us,
                                        std::vector<std::uint32_t>& local_ready,
                                        bool rerun = false);
  std::string step_aside(const std::unordered_set<std::uint32_t>& done_before);
  void run_reruns(const std::vector<std::uint32_t>& tasks, std::uint32_t inst,
                  std::uint32_t worker);

  Args args_;
  Redis redis_;
  std::unique_ptr<RunDocs> docs_;
  // Outputs made on the current instance (local: free for its later tasks).
  std::unordered_map<std::uint32_t, std::string> local_;
  std::unique_ptr<TempDir> work_dir_;  // commands' folders
  std::uint64_t reported_commands_ = 0, reported_round_trips_ = 0;
};

void Worker::load_docs() {
  RedisReply r = redis_.command({"GET", key("dag")});
  if (r.nil()) throw Error("the run's documents are not in Redis (the run is over?)");
  nlohmann::json j = nlohmann::json::parse(r.str);
  auto d = std::make_unique<RunDocs>();
  d->workflow = read_workflow(j.at("workflow").get<std::string>(), "(run workflow)");
  d->platform = read_platform(j.at("platform").get<std::string>(), "(run platform)");
  d->plan = read_plan(j.at("plan").get<std::string>(), "(run plan)", d->workflow, d->platform);
  d->model.emplace(d->workflow, d->platform);
  d->loops_per_s = j.at("loops_per_s").get<double>();
  d->ttl_s = j.at("ttl_s").get<std::int64_t>();
  d->kernel_mode = static_cast<KernelMode>(j.at("kernel_mode").get<int>());
  d->max_attempts = std::max<std::uint32_t>(1, j.at("max_attempts").get<std::uint32_t>());
  const std::size_t n = d->workflow.task_count();
  d->synthetic.resize(n);
  for (std::uint32_t t = 0; t < n; ++t)
    d->synthetic[t] = is_synthetic(d->workflow, TaskId{t}, d->kernel_mode);
  d->upload_rule.resize(n);
  for (std::uint32_t t = 0; t < n; ++t)
    d->upload_rule[t] = upload_rule(d->plan, d->workflow, TaskId{t}, false);
  d->worker_tasks.assign(d->plan.worker_count(), 0);
  for (std::uint32_t t = 0; t < n; ++t)
    if (d->plan.task_worker[t] != kFlexible) ++d->worker_tasks[d->plan.task_worker[t]];
  docs_ = std::move(d);
}

// The run is given up (dagrun set "abort"), or dagrun is gone: its heartbeat key expired
// (workers on other machines outlive a killed dagrun; they exit within seconds).
bool Worker::aborted() {
  RedisReply r = redis_.command({"MGET", key("abort"), key("alive")});
  return !r.elements.at(0).nil() || r.elements.at(1).nil();
}

std::optional<std::uint32_t> Worker::run_task(std::uint32_t t, std::uint32_t inst,
                                              std::uint32_t worker, std::int64_t ready_us,
                                              std::vector<std::uint32_t>& local_ready, bool rerun) {
  const Workflow& w = docs_->workflow;
  const Plan& plan = docs_->plan;
  const TaskId id{t};
  const std::int64_t start = now_us();
  // Inputs: local outputs are free; the others, and literal inputs, in one pipelined batch.
  struct Remote {
    std::int64_t from;  // producer, or -1 for the literal input
    std::uint64_t bytes;
    std::size_t first_reply, replies;
  };
  // The data of a task with a real kernel has the size it has: its size key says how many
  // chunks to fetch (one more round trip, for those inputs only).
  std::vector<std::pair<std::int64_t, std::uint64_t>> sources;  // (producer or -1, bytes)
  std::vector<std::size_t> sized;                               // indices into sources
  auto base_of = [&](std::int64_t from) {
    return from < 0 ? fmt::format("lit:{}", t) : fmt::format("out:{}", from);
  };
  std::vector<Remote> remote;
  std::string record_inputs;
  auto add_input = [&](std::int64_t from, int source, std::uint64_t bytes, std::int64_t s,
                       std::int64_t e) {
    record_inputs += fmt::format("{}[{},{},{},{},{}]", record_inputs.empty() ? "" : ",", from,
                                 source, bytes, s, e);
  };
  const bool synthetic = docs_->synthetic[t];
  if (w.input_bytes(id) > 0 || !synthetic) {
    sources.emplace_back(-1, w.input_bytes(id));
    if (!synthetic) sized.push_back(sources.size() - 1);
  }
  for (TaskId q : w.predecessors(id)) {
    std::uint32_t qi = index(q);
    if (local_.count(qi)) {
      add_input(qi, 0, local_[qi].size(), start, start);
    } else {
      sources.emplace_back(qi, w.output_bytes(q));
      if (!docs_->synthetic[qi]) sized.push_back(sources.size() - 1);
    }
  }
  if (!sized.empty()) {
    for (std::size_t i : sized) redis_.append({"GET", key(base_of(sources[i].first) + ":n")});
    std::vector<RedisReply> sizes = redis_.flush();
    for (std::size_t k = 0; k < sized.size(); ++k)
      sources[sized[k]].second = sizes[k].nil() ? 0 : std::stoull(sizes[k].str);
  }
  std::size_t replies = 0;
  for (const auto& [from, bytes] : sources) {
    if (from < 0 && bytes == 0) continue;  // a real kernel's task without a literal input
    std::uint64_t k = protocol::chunks(bytes);
    for (std::uint64_t c = 0; c < k; ++c)
      redis_.append({"GET", key(fmt::format("{}:{}", base_of(from), c))});
    remote.push_back({from, bytes, replies, static_cast<std::size_t>(k)});
    replies += k;
  }
  std::vector<RedisReply> got = redis_.flush();
  const std::int64_t downloaded = now_us();
  std::uint64_t input_checksum = 0;
  std::unordered_map<std::int64_t, std::string> data;  // a real kernel's remote inputs
  for (const Remote& r : remote) {
    std::uint64_t size = 0;
    std::string* whole = synthetic ? nullptr : &data[r.from];
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
    add_input(r.from, r.from < 0 ? 3 : 1, r.bytes, start, downloaded);
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
    output = synthetic_bytes(t, w.output_bytes(id));
    exec_end = now_us();
  } else {
    std::vector<KernelInput> inputs;
    if (auto it = data.find(-1); it != data.end()) inputs.push_back({"", it->second});
    for (TaskId q : w.predecessors(id)) {
      auto l = local_.find(index(q));
      inputs.push_back({w.id(q), l != local_.end() ? std::string_view(l->second)
                                                   : std::string_view(data[index(q)])});
    }
    if (!work_dir_) work_dir_ = std::make_unique<TempDir>("dagworker-");
    for (std::uint32_t attempt = 1;; ++attempt) {
      exec_start = now_us();
      try {
        output = run_kernel(w, id, inputs, work_dir_->path());
        exec_end = now_us();
        break;
      } catch (const KernelError& e) {
        exec_end = now_us();
        // The failed attempt, for the trace; then again, or the run fails.
        redis_.command({"RPUSH", key("ev"),
                        fmt::format("failed {} {} {} {} {} {} {}", t, inst, ready_us, start,
                                    exec_start, exec_end, e.what())});
        if (attempt >= docs_->max_attempts)
          throw Error(fmt::format("task '{}' failed {} time{}; the last time: {}", w.id(id),
                                  attempt, attempt == 1 ? "" : "s", e.what()));
      }
    }
  }
  // Rule 6: upload unless every consumer certainly runs here.
  const bool upload = must_upload(docs_->upload_rule[t], worker);
  if (upload) {
    protocol::append_chunked_set(redis_, key(fmt::format("out:{}", t)), output,
                                 std::to_string(docs_->ttl_s));
    if (!synthetic)
      redis_.append({"SET", key(fmt::format("out:{}:n", t)), std::to_string(output.size()), "EX",
                     std::to_string(docs_->ttl_s)});
    redis_.flush();
  }
  const std::int64_t upload_end = now_us();
  // Rule 3: the counters of the children, in one pipeline; then ready events and invocations.
  std::string ttl = std::to_string(docs_->ttl_s);
  if (!rerun) {
    for (TaskId s : w.successors(id)) {
      redis_.append({"INCR", key(fmt::format("cnt:{}", index(s)))});
      redis_.append({"EXPIRE", key(fmt::format("cnt:{}", index(s))), ttl});
    }
  }
  std::vector<RedisReply> counts = rerun ? std::vector<RedisReply>() : redis_.flush();
  std::optional<std::uint32_t> continue_here;
  std::uint32_t flexible_rank = 0;
  std::size_t k = 0;
  const std::int64_t counted = now_us();
  for (TaskId s : w.successors(id)) {
    if (rerun) break;
    long long count = counts[2 * k++].integer;
    if (count != static_cast<long long>(w.in_degree(s))) continue;
    std::uint32_t si = index(s);
    ReadyAction action = ready_action(plan, s, worker, flexible_rank);
    if (plan.task_worker[si] == kFlexible) ++flexible_rank;
    switch (action) {
      case ReadyAction::kSameWorker: local_ready.push_back(si); break;
      case ReadyAction::kNotifyWorker: {
        std::uint32_t target = plan.task_worker[si];
        std::string ready = key(fmt::format("ready:{}", target));
        redis_.append({"RPUSH", ready, fmt::format("{} {}", si, counted)});
        redis_.append({"EXPIRE", ready, ttl});
        redis_.append({"RPUSH", key("inv"), fmt::format("strict {} {}", target, counted)});
        break;
      }
      case ReadyAction::kContinueHere: continue_here = si; break;
      case ReadyAction::kInvokeFlexible:
        redis_.append({"RPUSH", key("inv"), fmt::format("flex {} {}", si, counted)});
        break;
    }
  }
  const std::int64_t finish = now_us();
  redis_.append(
      {"RPUSH", key("ev"),
       fmt::format("task {} {} {} {} {} {} {} {} {} {} {} {} {} [{}]", t, inst, ready_us, start,
                   exec_start, exec_end, exec_end, upload_end, finish, upload ? 1 : 0,
                   rerun ? 0 : w.out_degree(id), rerun ? 1 : 0, output.size(), record_inputs)});
  redis_.flush();
  local_[t] = std::move(output);
  return continue_here;
}

void Worker::run_reruns(const std::vector<std::uint32_t>& tasks, std::uint32_t inst,
                        std::uint32_t worker) {
  std::vector<std::uint32_t> unused;
  for (std::uint32_t t : tasks) run_task(t, inst, worker, now_us(), unused, true);
}

std::string Worker::step_aside(const std::unordered_set<std::uint32_t>& done_before) {
  const Workflow& w = docs_->workflow;
  std::string flushed = "-", ttl = std::to_string(docs_->ttl_s);
  for (const auto& [q, output] : local_) {
    if (docs_->upload_rule[q] == kUploadAlways) continue;  // uploaded when it was made
    bool needed = false;
    for (TaskId s : w.successors(TaskId{q}))
      needed = needed || (!done_before.count(index(s)) && !local_.count(index(s)));
    if (!needed) continue;
    protocol::append_chunked_set(redis_, key(fmt::format("out:{}", q)), output, ttl);
    if (!docs_->synthetic[q])
      redis_.append(
          {"SET", key(fmt::format("out:{}:n", q)), std::to_string(output.size()), "EX", ttl});
    if (flushed == "-")
      flushed.clear();
    else
      flushed += ',';
    flushed += std::to_string(q);
  }
  redis_.flush();
  return flushed;
}

std::string Worker::run_strict(std::uint32_t worker, std::uint32_t inst,
                               const std::vector<std::uint32_t>& already_done) {
  // Tasks of this worker done (by an earlier instance) or queued here: a ready event for one of
  // them is a duplicate (after a crash, dagrun re-sends the ready tasks; a producer may too).
  std::unordered_set<std::uint32_t> seen(already_done.begin(), already_done.end());
  const std::uint32_t total =
      docs_->worker_tasks[worker] - static_cast<std::uint32_t>(already_done.size());
  std::span<const TaskId> order = docs_->plan.worker_order(worker);
  std::size_t cursor = 0;
  const std::unordered_set<std::uint32_t> done_before(already_done.begin(), already_done.end());
  auto skip_done = [&] {
    while (cursor < order.size() && done_before.count(index(order[cursor]))) ++cursor;
  };
  std::deque<std::pair<std::uint32_t, std::int64_t>> ready;  // (task, ready time)
  std::vector<std::uint32_t> local_ready;
  std::uint32_t done = 0;
  bool yield_pending = false;
  const std::string ready_key = key(fmt::format("ready:{}", worker));
  while (done < total) {
    // The next task: the plan's order when it has one, else the order in which tasks became
    // ready.
    skip_done();
    auto pick = ready.end();
    if (!order.empty()) {
      std::uint32_t want = index(order[cursor]);
      pick = std::find_if(ready.begin(), ready.end(), [&](auto& r) { return r.first == want; });
    } else if (!ready.empty()) {
      pick = ready.begin();
    }
    if (pick == ready.end()) {
      // Asked to step aside while it had ready tasks: it does as soon as it has none.
      if (yield_pending && ready.empty()) return step_aside(done_before);
      RedisReply r = redis_.command({"BLPOP", ready_key, "1"});
      if (r.nil()) {
        if (aborted()) return "";
        continue;
      }
      if (r.elements.at(1).str == "yield") {
        // Rule of decision 0003: under the concurrency limit an idle strict worker (nothing
        // running or ready) steps aside, after uploading the outputs its later tasks need.
        if (!ready.empty()) {
          yield_pending = true;
          continue;
        }
        return step_aside(done_before);
      }
      std::istringstream in(r.elements.at(1).str);
      std::uint32_t t = 0;
      std::int64_t at = 0;
      in >> t >> at;
      if (seen.insert(t).second) ready.emplace_back(t, at);
      continue;
    }
    auto [t, at] = *pick;
    ready.erase(pick);
    if (!order.empty()) ++cursor;
    local_ready.clear();
    run_task(t, inst, worker, at, local_ready);
    std::int64_t now = now_us();
    for (std::uint32_t c : local_ready)
      if (seen.insert(c).second) ready.emplace_back(c, now);
    ++done;
  }
  return "";
}

void Worker::run_flexible(std::uint32_t task, std::uint32_t inst) {
  std::optional<std::uint32_t> next = task;
  std::int64_t ready_us = now_us();
  std::vector<std::uint32_t> unused;
  while (next) {
    next = run_task(*next, inst, kFlexible, ready_us, unused);
    ready_us = now_us();
  }
}

int Worker::serve() {
  load_docs();
  const std::string inbox = key("proc:" + args_.process);
  redis_.set_timeout(10.0);
  bool warm = false;
  for (;;) {
    RedisReply r = redis_.command({"BLPOP", inbox, "1"});
    if (r.nil()) {
      if (aborted()) return 0;
      continue;
    }
    std::istringstream in(r.elements.at(1).str);
    std::string kind, rerun_list, done_list;
    std::uint32_t subject = 0, inst = 0;
    in >> kind >> subject >> inst >> rerun_list >> done_list;
    if (kind == "exit") return 0;
    // After a crash: outputs to make again first, and (strict) the worker's tasks already done.
    auto numbers = [](const std::string& csv) {
      std::vector<std::uint32_t> out;
      if (csv.empty() || csv == "-") return out;
      std::istringstream list(csv);
      for (std::string item; std::getline(list, item, ',');)
        out.push_back(static_cast<std::uint32_t>(std::stoul(item)));
      return out;
    };
    std::vector<std::uint32_t> reruns = numbers(rerun_list), already_done = numbers(done_list);
    // A new instance: its own local outputs only.
    local_.clear();
    redis_.command({"RPUSH", key("ev"),
                    fmt::format("ready {} {} {} {}", inst, now_us(), warm ? 1 : 0, args_.process)});
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
    std::uint64_t commands = redis_.commands() + 1 - reported_commands_;
    std::uint64_t round_trips = redis_.round_trips() + 1 - reported_round_trips_;
    reported_commands_ += commands;
    reported_round_trips_ += round_trips;
    redis_.command({"RPUSH", key("ev"),
                    fmt::format("{} {} {} {} {} {} {}", aside.empty() ? "done" : "aside", inst,
                                now_us(), args_.process, commands, round_trips, aside)});
    warm = true;
  }
}

}  // namespace

int worker_main(int argc, char** argv) {
  std::unique_ptr<Worker> worker;
  Args args;
  kill_commands_on_sigterm();
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
      r.command(
          {"RPUSH", protocol::key(args.run, "ev"), fmt::format("fail {} {}", args.process, what)});
    } catch (const std::exception&) {
    }
    return 1;
  }
}

}  // namespace dagplan::exec
