// dagrun's invoker and bookkeeping (run.hpp; the protocol in protocol.hpp).
#include "dagplan/exec/run.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>
#include <utility>

#include "dagplan/error.hpp"
#include "dagplan/exec/kernel.hpp"
#include "dagplan/exec/process.hpp"
#include "dagplan/run_rules.hpp"
#include "part.hpp"
#include "protocol.hpp"

namespace dagplan::exec {
namespace {

using protocol::now_us;

std::atomic<int> g_interrupted{0};
extern "C" void on_interrupt(int signal) {
  g_interrupted = signal;
}

// SIGINT and SIGTERM end the run cleanly (workers stopped, keys deleted) while it lasts.
class InterruptGuard {
 public:
  InterruptGuard() {
    g_interrupted = 0;
    struct sigaction sa {};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~InterruptGuard() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

 private:
  struct sigaction old_int_ {
  }, old_term_{};
};

std::string new_run_id() {
  std::random_device rd;  // a name, not a random choice of the run: no seed to print
  return fmt::format("{:08x}{:04x}", rd(), rd() & 0xffff);
}

struct Proc {
  pid_t pid = -1;
  ConfigId config{0};
  bool busy = false, exiting = false, gone = false;
  std::int64_t idle_since_us = 0;
  std::string log;
  std::uint32_t instance = 0;
};

struct Request {
  bool strict = true;
  std::uint32_t subject = 0;  // strict worker or flexible task
  std::int64_t invoked_us = 0;
  // After a crash: tasks whose lost outputs the new instance makes again first, and (strict)
  // the worker's tasks already done; comma-separated, "-" for none.
  std::string rerun = "-", done = "-";
};

struct Instance {
  std::uint32_t worker = kFlexible;
  ConfigId config{0};
  std::int64_t invoked_us = 0, start_us = 0, ready_us = -1, exited_us = -1;
  bool warm = false, crashed = false, asked_aside = false;
  // Rule 12, as its worker reported it: the run's documents read at start-up (bytes, time) and
  // the bytes of the part its invocation carried (-1: not reported, it never started).
  std::int64_t dag_fetched_bytes = -1, dag_fetch_us = 0, dag_part_bytes = 0;
  // Its configuration's code package fetched at a cold start (bytes, time; -1: not reported).
  std::int64_t code_fetched_bytes = -1, code_fetch_us = 0;
  std::uint32_t proc = 0;
  std::uint32_t subject = 0;             // the invocation's strict worker or flexible task
  std::vector<std::uint32_t> completed;  // tasks whose first completion was here, in order
};

class Runner {
 public:
  Runner(const ExecutionModel& model, const Plan& plan, const RunOptions& options,
         RunReport& report, Redis& redis, const std::string& run, const std::string& dir,
         ProcessLimiter& limiter, std::string limits_note)
      : m_(model),
        w_(model.workflow()),
        plan_(plan),
        o_(options),
        report_(report),
        redis_(redis),
        run_(run),
        dir_(dir),
        limiter_(limiter),
        limits_note_(std::move(limits_note)),
        attempts_(w_.task_count()) {}

  void run(std::int64_t t0);
  void stop_all();
  // Rule 12: what an invocation carries with a worker's part besides it (the platform and the
  // run's settings, as in the documents in Redis).
  void set_part_context(nlohmann::json context) { part_context_ = std::move(context); }
  // Rule 12, code size: stores each function's code once for the run (code:<function>, chunked;
  // synthetic bytes of its code_bytes).
  void store_code(const std::string& ttl);
  void build_trace(std::int64_t t0);

 private:
  std::string key(const std::string& name) const { return protocol::key(run_, name); }
  void dispatch();
  void start_process(Proc& p, std::uint32_t index);
  void handle_event(const std::string& text);
  void handle_request(const std::string& text);
  void check_processes();
  void recover(std::uint32_t instance, const std::string& how);
  // dagrun's heartbeat (protocol.hpp "alive"): workers exit when it expires.
  void renew_alive(std::int64_t now) {
    redis_.command({"SET", key("alive"), "1", "EX", std::to_string(protocol::kAliveTtlS)});
    alive_renewed_us_ = now;
  }
  std::string who(const Proc& p) const;

  const ExecutionModel& m_;
  const Workflow& w_;
  const Plan& plan_;
  const RunOptions& o_;
  RunReport& report_;
  Redis& redis_;
  std::string run_, dir_;
  ProcessLimiter& limiter_;
  std::string limits_note_;
  std::vector<Proc> procs_;
  std::vector<Instance> instances_;
  std::deque<Request> requests_;
  std::vector<bool> worker_invoked_;
  std::vector<std::vector<TraceAttempt>> attempts_;
  std::vector<bool> uploaded_;
  std::vector<bool> task_done_, flex_requested_;
  std::vector<std::vector<std::uint32_t>> worker_tasks_;
  // Rule 12 (Plan::worker_inline_dag, part.hpp): per strict worker, the line its invocations
  // carry (its part, written on its first invocation; empty: none, it reads the whole DAG).
  nlohmann::json part_context_;
  std::vector<std::string> part_line_;
  // Rule 12, code size (functions[].code_bytes of a profile): per configuration, the code a cold
  // start fetches (code_packages(), model.hpp); empty: no function has code.
  std::vector<CodePackage> packages_ = code_packages(m_, plan_);
  std::uint64_t stored_code_bytes_ = 0;
  const std::string& part_line(std::uint32_t k);
  std::vector<std::uint32_t> task_instance_;  // where the task's output is (its last attempt)
  std::map<std::uint64_t, std::uint32_t> restarts_;  // per strict worker / flexible task
  // Pre-warms (Plan::worker_prewarm): (trigger task, worker), by task; and those sent (when,
  // for which worker, by which task's end).
  std::vector<std::pair<std::uint32_t, std::uint32_t>> prewarm_by_task_;
  struct PrewarmSent {
    std::uint32_t worker, trigger;
    std::int64_t sent_us;
  };
  std::vector<PrewarmSent> prewarms_;
  // Duplicate runs (Plan::dup) as workers reported them: task, instance, start, end.
  struct DuplicateRun {
    std::uint32_t task, instance;
    std::int64_t start_us, end_us;
  };
  std::vector<DuplicateRun> duplicates_;
  // Streams (Plan::stream) as producers reported them: producer, consumer, the consumer's
  // worker's instance, start, end.
  struct StreamRun {
    std::uint32_t producer, consumer, instance;
    std::int64_t start_us, end_us;
  };
  std::vector<StreamRun> streams_;
  // Delayed uploads (Plan::delay_io) as workers reported them.
  struct HeldOutput {
    std::uint32_t task, instance;
    std::int64_t exec_end_us, waited_us;
    bool avoided;
  };
  std::vector<HeldOutput> held_;
  void send_prewarms(std::uint32_t task, std::int64_t now);
  std::size_t done_ = 0, busy_ = 0;
  std::uint32_t limit_ = 0;
  std::int64_t t0_ = 0;
  std::int64_t alive_renewed_us_ = 0;
};

void Runner::store_code(const std::string& ttl) {
  std::vector<FunctionId> functions;
  for (const CodePackage& p : packages_)
    functions.insert(functions.end(), p.functions.begin(), p.functions.end());
  std::sort(functions.begin(), functions.end());
  functions.erase(std::unique(functions.begin(), functions.end()), functions.end());
  std::uint64_t stored = 0;
  for (FunctionId f : functions) {
    const std::string code = synthetic_bytes(::dagplan::index(f), m_.code_bytes(f));
    protocol::append_chunked_set(redis_, key(fmt::format("code:{}", ::dagplan::index(f))), code,
                                 ttl);
    redis_.flush();
    stored += code.size();
  }
  stored_code_bytes_ = stored;
}

const std::string& Runner::part_line(std::uint32_t k) {
  if (part_line_.empty()) part_line_.resize(plan_.worker_count());
  if (part_line_[k].empty() && plan_.inline_dag(k)) {
    nlohmann::json line = part_context_;
    std::vector<TaskId> mine;  // worker_tasks_[k], by id
    mine.reserve(worker_tasks_[k].size());
    for (std::uint32_t t : worker_tasks_[k]) mine.push_back(TaskId{t});
    line["part"] = write_part(w_, plan_, k, mine);
    part_line_[k] = "\n" + line.dump();
  }
  return part_line_[k];
}

void Runner::start_process(Proc& p, std::uint32_t index) {
  std::vector<std::string> args = {"--redis",   redis_.address().text(), "--run", run_,
                                   "--process", std::to_string(index)};
  // Rule 12, code size: a new process (a cold start) fetches its configuration's code package.
  if (!packages_.empty() && !packages_[::dagplan::index(p.config)].functions.empty()) {
    std::string code;
    for (FunctionId f : packages_[::dagplan::index(p.config)].functions)
      code +=
          fmt::format("{}{}:{}", code.empty() ? "" : ",", ::dagplan::index(f), m_.code_bytes(f));
    args.insert(args.end(), {"--code", code});
  }
  if (!o_.password.empty()) {
    std::string pw = dir_ + "/password";
    args.insert(args.end(), {"--password-file", pw});
  }
  p.log = fmt::format("{}/worker-{}.log", dir_, index);
  // The configuration's limits (with a launch template they apply to the shell and whatever it
  // starts: they are inherited).
  const ResourceConfig& c = m_.config(p.config);
  Limits limits;
  limits.vcpus = c.vcpus;
  limits.memory_bytes = std::uint64_t{c.memory_mb} << 20;
  AppliedLimits applied = limiter_.prepare(limits, fmt::format("p{}", index));
  if (o_.launch.empty()) {
    std::vector<std::string> argv = {o_.worker_binary};
    argv.insert(argv.end(), args.begin(), args.end());
    p.pid = spawn(argv, p.log, applied);
  } else {
    std::string quoted;
    for (const std::string& a : args) quoted += (quoted.empty() ? "" : " ") + shell_quote(a);
    std::string cmd = o_.launch;
    for (std::size_t at; (at = cmd.find("{worker_args}")) != std::string::npos;)
      cmd.replace(at, 13, quoted);
    p.pid = spawn({"/bin/sh", "-c", cmd}, p.log, applied);
  }
  ++report_.processes;
}

// A task that triggers pre-warms has ended: for each, a worker process of the worker's
// configuration starts (connects, fetches its code package, not the run's documents: an
// invocation reads them, or carries its part) and waits idle for an invocation,
// warm, until its keep-alive runs out; the next invocation of that configuration takes it (rule
// 2). Like the model's, it takes no place under the concurrency limit.
void Runner::send_prewarms(std::uint32_t task, std::int64_t now) {
  auto it = std::lower_bound(prewarm_by_task_.begin(), prewarm_by_task_.end(),
                             std::make_pair(task, std::uint32_t{0}));
  for (; it != prewarm_by_task_.end() && it->first == task; ++it) {
    const std::uint32_t index = static_cast<std::uint32_t>(procs_.size());
    procs_.push_back(Proc{});
    Proc& p = procs_.back();
    p.config = plan_.worker_config[it->second];
    p.idle_since_us = now;
    start_process(p, index);
    prewarms_.push_back({it->second, task, now});
  }
}

void Runner::dispatch() {
  if (!requests_.empty() && busy_ >= limit_) {
    // At the limit with invocations waiting: idle strict workers step aside (decision 0003).
    // The request goes through the worker's ready list, so that only a worker waiting for a
    // ready event (idle) takes it; a busy one sees it after its task and ignores it if it has
    // more to run.
    for (Instance& i : instances_) {
      if (i.worker == kFlexible || i.exited_us >= 0 || i.crashed || i.asked_aside) continue;
      i.asked_aside = true;
      protocol::append_push(redis_, key(fmt::format("ready:{}", i.worker)), "yield",
                            std::to_string(o_.key_ttl_s));
    }
    if (redis_.pending() > 0) redis_.flush();
  }
  while (!requests_.empty() && busy_ < limit_) {
    Request r = requests_.front();
    requests_.pop_front();
    if (r.strict && r.done == "-") {
      std::string done;
      for (std::uint32_t t : worker_tasks_[r.subject])
        if (task_done_[t]) done += fmt::format("{}{}", done.empty() ? "" : ",", t);
      if (!done.empty()) r.done = done;
    }
    Instance inst;
    inst.worker = r.strict ? r.subject : kFlexible;
    inst.config = r.strict ? plan_.worker_config[r.subject] : plan_.task_config[r.subject];
    inst.invoked_us = r.invoked_us;
    inst.subject = r.subject;
    // Rule 2: the most recently idled process of the configuration (warm), else a new one.
    std::uint32_t chosen = static_cast<std::uint32_t>(procs_.size());
    for (std::uint32_t i = 0; i < procs_.size(); ++i) {
      const Proc& p = procs_[i];
      if (p.busy || p.exiting || p.gone || p.config != inst.config) continue;
      if (chosen == procs_.size() || p.idle_since_us > procs_[chosen].idle_since_us) chosen = i;
    }
    inst.start_us = now_us();
    if (chosen == procs_.size()) {
      procs_.push_back(Proc{});
      procs_.back().config = inst.config;
      start_process(procs_.back(), chosen);
      inst.warm = false;
    } else {
      inst.warm = true;
    }
    Proc& p = procs_[chosen];
    p.busy = true;
    p.instance = static_cast<std::uint32_t>(instances_.size());
    inst.proc = chosen;
    instances_.push_back(inst);
    ++busy_;
    report_.peak_busy = std::max(report_.peak_busy, static_cast<std::uint32_t>(busy_));
    protocol::append_push(
        redis_, key(fmt::format("proc:{}", chosen)),
        fmt::format("{} {} {} {} {}{}", r.strict ? "strict" : "flex", r.subject, p.instance,
                    r.rerun, r.done, r.strict ? part_line(r.subject) : std::string()),
        std::to_string(o_.key_ttl_s));
    redis_.flush();
  }
}

void Runner::handle_request(const std::string& text) {
  std::istringstream in(text);
  std::string kind;
  Request r;
  in >> kind >> r.subject >> r.invoked_us;
  r.strict = kind == "strict";
  if (!r.strict && r.subject < flex_requested_.size()) {
    if (flex_requested_[r.subject]) return;  // asked for twice (a producer re-run after a crash)
    flex_requested_[r.subject] = true;
  }
  if (r.strict) {
    if (r.subject >= worker_invoked_.size()) throw Error("a worker asked for an unknown worker");
    if (worker_invoked_[r.subject]) return;  // running: it takes its ready events itself
    worker_invoked_[r.subject] = true;
  }
  requests_.push_back(r);
}

void Runner::handle_event(const std::string& text) {
  std::istringstream in(text);
  std::string kind;
  in >> kind;
  if (kind == "ready") {
    std::uint32_t inst = 0, warm = 0;
    std::int64_t at = 0;
    std::string process;
    in >> inst >> at >> warm >> process;
    Instance& i = instances_.at(inst);
    i.ready_us = at;
    in >> i.dag_fetched_bytes >> i.dag_fetch_us >> i.dag_part_bytes >> i.code_fetched_bytes >>
        i.code_fetch_us;
  } else if (kind == "done" || kind == "aside") {
    std::uint32_t inst = 0;
    std::int64_t at = 0;
    std::string process;
    std::uint64_t commands = 0, round_trips = 0;
    in >> inst >> at >> process >> commands >> round_trips;
    report_.worker_commands += commands;
    report_.worker_round_trips += round_trips;
    Instance& i = instances_.at(inst);
    i.exited_us = at;
    Proc& p = procs_.at(i.proc);
    p.busy = false;
    p.idle_since_us = at;
    --busy_;
    if (kind == "aside") {
      // A strict worker stepped aside under the concurrency limit: what it kept locally for its
      // later tasks is in storage now; its later tasks invoke it again. Any ready event already
      // waiting for it (pushed while it was leaving) needs that invocation now.
      std::string flushed;
      in >> flushed;
      std::istringstream list(flushed == "-" ? std::string() : flushed);
      for (std::string item; std::getline(list, item, ',');) {
        std::uint32_t q = static_cast<std::uint32_t>(std::stoul(item));
        uploaded_.at(q) = true;
        report_.bytes_uploaded += w_.output_bytes(TaskId{q});
      }
      ++report_.steps_aside;
      worker_invoked_.at(i.worker) = false;
      if (redis_.command({"LLEN", key(fmt::format("ready:{}", i.worker))}).integer > 0)
        handle_request(fmt::format("strict {} {}", i.worker, at));
    }
  } else if (kind == "task") {
    TraceAttempt a;
    std::uint32_t t = 0, up = 0, outdeg = 0, rerun = 0;
    std::uint64_t out_bytes = 0;
    in >> t >> a.instance >> a.ready_us >> a.start_us >> a.exec_start_us >> a.exec_end_us >>
        a.upload_start_us >> a.upload_end_us >> a.finish_us >> up >> outdeg >> rerun >> out_bytes;
    std::string rest;
    std::getline(in, rest);
    nlohmann::json inputs = nlohmann::json::parse(rest);
    for (const auto& x : inputs) {
      TraceInput ti;
      std::int64_t from = x.at(0).get<std::int64_t>();
      if (from >= 0) ti.from = std::string(w_.id(TaskId{static_cast<std::uint32_t>(from)}));
      ti.source = static_cast<TraceInput::Source>(x.at(1).get<int>());
      ti.bytes = x.at(2).get<std::uint64_t>();
      ti.start_us = x.at(3).get<std::int64_t>();
      ti.end_us = x.at(4).get<std::int64_t>();
      if (ti.source != TraceInput::Source::kLocal) report_.bytes_downloaded += ti.bytes;
      a.inputs.push_back(std::move(ti));
    }
    if (up) report_.bytes_uploaded += out_bytes;
    uploaded_.at(t) = up != 0;
    task_instance_.at(t) = a.instance;
    std::uint32_t on = a.instance;
    attempts_.at(t).push_back(std::move(a));
    ++report_.attempts;
    if (rerun != 0) return;        // an output made again after a crash: the task was counted
    if (task_done_.at(t)) return;  // a second completion (a duplicate ready event ran it twice)
    task_done_.at(t) = true;
    instances_.at(on).completed.push_back(t);
    if (!prewarm_by_task_.empty()) send_prewarms(t, now_us());
    ++done_;
    if (o_.progress) o_.progress(done_, w_.task_count());
  } else if (kind == "dup") {
    // Task-dup: a task's slot ran its duplicated producer (its trace event, build_trace()).
    DuplicateRun d{};
    in >> d.task >> d.instance >> d.start_us >> d.end_us;
    if (d.task >= w_.task_count() || plan_.duplicate(d.task) == kNoDup)
      throw Error(fmt::format("a worker reported a duplicate the plan has not: '{}'", text));
    duplicates_.push_back(d);
  } else if (kind == "stream") {
    // Output streaming: a producer wrote its output to a consumer's running instance.
    StreamRun r{};
    in >> r.producer >> r.consumer >> r.instance >> r.start_us >> r.end_us;
    if (r.producer >= w_.task_count() || r.consumer >= w_.task_count() ||
        !plan_.streamed(r.producer, r.consumer))
      throw Error(fmt::format("a worker reported a stream the plan has not: '{}'", text));
    streams_.push_back(r);
  } else if (kind == "held") {
    // Delayed I/O: a task held its output for its fan-in (its trace event, build_trace()).
    HeldOutput h{};
    int avoided = 0;
    in >> h.task >> h.instance >> h.exec_end_us >> h.waited_us >> avoided;
    if (h.task >= w_.task_count() || plan_.delayed_io(h.task) == kNoDelay)
      throw Error(fmt::format("a worker reported a delayed upload the plan has not: '{}'", text));
    h.avoided = avoided != 0;
    held_.push_back(h);
  } else if (kind == "failed") {
    // A task's kernel failed; the worker tries it again or reports the run's failure.
    TraceAttempt a;
    std::uint32_t t = 0;
    in >> t >> a.instance >> a.ready_us >> a.start_us >> a.exec_start_us >> a.exec_end_us;
    a.upload_start_us = a.upload_end_us = a.finish_us = a.exec_end_us;
    a.ok = false;
    std::getline(in, a.error, '\0');
    if (!a.error.empty() && a.error.front() == ' ') a.error.erase(0, 1);
    attempts_.at(t).push_back(std::move(a));
    ++report_.attempts;
    ++report_.failed_attempts;
  } else if (kind == "fail") {
    std::uint32_t process = 0;
    std::string message;
    in >> process;
    std::getline(in, message, '\0');
    if (process < procs_.size())
      throw Error(
          fmt::format("{} ({}) failed:{}", who(procs_[process]), procs_[process].pid, message));
    throw Error(fmt::format("worker process {} failed:{}", process, message));
  } else {
    throw Error(fmt::format("unexpected event from a worker: '{}'", text.substr(0, 80)));
  }
}

std::string Runner::who(const Proc& p) const {
  if (!p.busy) return "an idle worker process";
  const Instance& inst = instances_[p.instance];
  return inst.worker == kFlexible
             ? fmt::format("the worker process of flexible instance {}", p.instance)
             : fmt::format("the worker process of worker '{}'", plan_.worker_names[inst.worker]);
}

void Runner::check_processes() {
  for (std::uint32_t i = 0; i < procs_.size(); ++i) {
    Proc& p = procs_[i];
    if (p.gone) continue;
    int status = 0;
    if (waitpid(p.pid, &status, WNOHANG) != p.pid) continue;
    p.gone = true;
    const bool oom = limiter_.oom_killed(fmt::format("p{}", i));
    limiter_.release(fmt::format("p{}", i));
    if (p.exiting) continue;
    // A worker that failed said why before it exited (a fail event): that message, not a crash.
    redis_.append({"LPOP", key("ev"), "1000"});
    std::vector<RedisReply> said = redis_.flush();
    for (const RedisReply& e : said.at(0).elements) handle_event(e.str);
    std::string how = WIFSIGNALED(status) ? fmt::format("killed by signal {}", WTERMSIG(status))
                                          : fmt::format("exit status {}", WEXITSTATUS(status));
    if (oom)
      how += fmt::format(" (out of memory: over its limit of {} MB, killed by the kernel)",
                         m_.config(p.config).memory_mb);
    std::string log = tail_of_file(p.log, 600);
    std::string what = fmt::format("{} ({}) died: {}{}", who(p), p.pid, how,
                                   log.empty() ? "" : "; its stderr ends with: " + log);
    if (!p.busy) throw Error(what);
    recover(p.instance, what);
  }
}

// A worker process died during an invocation (crash rule, DESIGN.md rules 4 and 6 with faults):
// the instance is gone with every output it kept locally. Its unfinished tasks run on a new
// instance, which first makes again the lost outputs they need (and those they need in turn).
void Runner::recover(std::uint32_t index_, const std::string& what) {
  Instance& dead = instances_.at(index_);
  dead.crashed = true;
  dead.exited_us = now_us();
  procs_.at(dead.proc).busy = false;
  --busy_;
  const bool strict = dead.worker != kFlexible;
  std::uint64_t unit = strict ? dead.worker : (std::uint64_t{1} << 32) | dead.subject;
  if (++restarts_[unit] >= o_.max_attempts)
    throw Error(fmt::format("{}; given up after {} attempts", what, o_.max_attempts));
  // The unfinished work of the instance.
  std::vector<std::uint32_t> pending;
  if (strict) {
    for (std::uint32_t t = 0; t < w_.task_count(); ++t)
      if (plan_.task_worker[t] == dead.worker && !task_done_[t]) pending.push_back(t);
  } else if (dead.completed.empty()) {
    if (!task_done_[dead.subject]) pending.push_back(dead.subject);
  } else {
    // The chain went on with the first flexible child its last task completed (rule 3): the
    // first flexible successor not done, ready, and not invoked elsewhere.
    TaskId last{dead.completed.back()};
    for (TaskId s : w_.successors(last)) {
      std::uint32_t si = index(s);
      if (plan_.task_worker[si] != kFlexible || task_done_[si] || flex_requested_[si]) continue;
      bool ready = true;
      for (TaskId q : w_.predecessors(s)) ready = ready && task_done_[index(q)];
      if (ready) {
        pending.push_back(si);
        break;
      }
    }
  }
  // Lost outputs the pending tasks need, transitively, made again in topological order.
  std::vector<bool> rerun(w_.task_count(), false);
  std::vector<std::uint32_t> stack = pending;
  std::vector<TaskId> inputs;
  while (!stack.empty()) {
    std::uint32_t t = stack.back();
    stack.pop_back();
    run_inputs(plan_, w_, TaskId{t}, inputs);  // a task that duplicates reads its producer's
    for (TaskId q : inputs) {
      std::uint32_t qi = index(q);
      if (rerun[qi] || !task_done_[qi] || uploaded_[qi] || task_instance_[qi] != index_) continue;
      rerun[qi] = true;
      stack.push_back(qi);
    }
  }
  std::string rerun_list, rerun_ids;
  for (TaskId t : w_.topological_order()) {
    if (!rerun[index(t)]) continue;
    rerun_list += fmt::format("{}{}", rerun_list.empty() ? "" : ",", index(t));
    rerun_ids += fmt::format("{}{}", rerun_ids.empty() ? "" : ", ", w_.id(t));
  }
  ++report_.crashes;
  report_.trace.events.push_back(
      {"crash", now_us() - t0_, pending.empty() ? "" : std::string(w_.id(TaskId{pending.front()})),
       fmt::format("{}; restarted{}", what,
                   rerun_ids.empty() ? "" : ", lost outputs made again: " + rerun_ids)});
  if (pending.empty()) return;
  Request r;
  r.strict = strict;
  r.subject = strict ? dead.worker : pending.front();
  r.invoked_us = now_us();
  r.rerun = rerun_list.empty() ? "-" : rerun_list;
  if (strict) {
    // Its ready tasks again (the dead instance may have taken some off the list): those whose
    // counter is complete. A producer about to push one too makes a duplicate, which the worker
    // ignores.
    std::string ready = key(fmt::format("ready:{}", dead.worker));
    redis_.command({"DEL", ready});
    for (std::uint32_t t : pending) redis_.append({"SCARD", key(fmt::format("cnt:{}", t))});
    std::vector<RedisReply> counts = redis_.flush();
    for (std::size_t i = 0; i < pending.size(); ++i) {
      long long c = counts[i].integer;
      if (c == static_cast<long long>(counter_target(plan_, w_, TaskId{pending[i]})))
        redis_.append({"RPUSH", ready, fmt::format("{} {}", pending[i], r.invoked_us)});
    }
    redis_.append({"EXPIRE", ready, std::to_string(o_.key_ttl_s)});
    redis_.flush();
    std::string done;
    for (std::uint32_t t = 0; t < w_.task_count(); ++t)
      if (plan_.task_worker[t] == dead.worker && task_done_[t])
        done += fmt::format("{}{}", done.empty() ? "" : ",", t);
    r.done = done.empty() ? "-" : done;
  }
  requests_.push_front(r);
}

void Runner::run(std::int64_t t0) {
  t0_ = t0;
  limit_ = static_cast<std::uint32_t>(
      std::min<std::uint64_t>(o_.max_workers > 0 ? o_.max_workers : m_.max_workers(), 0xffffffffu));
  if (limit_ == 0) limit_ = 1;
  report_.max_workers = limit_;
  worker_invoked_.assign(plan_.worker_count(), false);
  uploaded_.assign(w_.task_count(), false);
  task_done_.assign(w_.task_count(), false);
  worker_tasks_.assign(plan_.worker_count(), {});
  for (std::uint32_t t = 0; t < w_.task_count(); ++t)
    if (plan_.task_worker[t] != kFlexible) worker_tasks_[plan_.task_worker[t]].push_back(t);
  flex_requested_.assign(w_.task_count(), false);
  task_instance_.assign(w_.task_count(), 0);
  prewarm_by_task_ = prewarm_triggers(plan_);
  // Rule 1: one invocation per strict worker owning a root (its roots as ready events) and one
  // per flexible root.
  for (TaskId r : w_.roots()) {
    std::uint32_t k = plan_.task_worker[index(r)];
    if (k == kFlexible) {
      flex_requested_[index(r)] = true;
      requests_.push_back({false, index(r), t0});
    } else {
      redis_.append({"RPUSH", key(fmt::format("ready:{}", k)), fmt::format("{} {}", index(r), t0)});
      redis_.append({"EXPIRE", key(fmt::format("ready:{}", k)), std::to_string(o_.key_ttl_s)});
      if (!worker_invoked_[k]) {
        worker_invoked_[k] = true;
        requests_.push_back({true, k, t0});
      }
    }
  }
  redis_.flush();
  const std::int64_t keep_alive = m_.platform().keep_alive_us;
  const std::int64_t deadline = t0 + static_cast<std::int64_t>(o_.timeout_s * 1e6);
  const std::string ev = key("ev"), inv = key("inv");
  while (done_ < w_.task_count()) {
    if (g_interrupted != 0)
      throw Error(
          fmt::format("interrupted (signal {}): the run was stopped", g_interrupted.load()));
    if (now_us() > deadline)
      throw Error(fmt::format("the run did not finish within --timeout {} s ({} of {} tasks done)",
                              o_.timeout_s, done_, w_.task_count()));
    std::int64_t now = now_us();
    if (now - alive_renewed_us_ >= 1'000'000) renew_alive(now);
    dispatch();
    // Keep-alive: an idle process whose keep-alive ran out exits.
    for (std::uint32_t i = 0; i < procs_.size(); ++i) {
      Proc& p = procs_[i];
      if (!p.busy && !p.exiting && !p.gone && now - p.idle_since_us > keep_alive) {
        p.exiting = true;
        protocol::append_push(redis_, key(fmt::format("proc:{}", i)), "exit",
                              std::to_string(o_.key_ttl_s));
        redis_.flush();
      }
    }
    RedisReply r = redis_.command({"BLPOP", ev, inv, "0.05"});
    if (!r.nil()) {
      if (r.elements.at(0).str == ev)
        handle_event(r.elements.at(1).str);
      else
        handle_request(r.elements.at(1).str);
      // Whatever else is there, in one round trip.
      redis_.append({"LPOP", ev, "1000"});
      redis_.append({"LPOP", inv, "1000"});
      std::vector<RedisReply> more = redis_.flush();
      for (const RedisReply& e : more[0].elements) handle_event(e.str);
      for (const RedisReply& q : more[1].elements) handle_request(q.str);
    }
    check_processes();
  }
  // The instances still running finish their "done" (a strict worker's last task is recorded
  // before it reports): wait for them briefly, so that every instance has an exit time.
  auto wait_until = now_us() + 5'000'000;
  renew_alive(now_us());
  while (busy_ > 0 && now_us() < wait_until) {
    RedisReply r = redis_.command({"BLPOP", ev, "0.05"});
    if (!r.nil()) handle_event(r.elements.at(1).str);
    check_processes();
  }
  if (busy_ > 0) throw Error("worker processes did not report the end of their work");
}

void Runner::stop_all() {
  // Best effort at every step: this runs after failures too.
  try {
    redis_.command({"SET", key("abort"), "1", "EX", std::to_string(o_.key_ttl_s)});
    for (std::uint32_t i = 0; i < procs_.size(); ++i)
      if (!procs_[i].gone)
        protocol::append_push(redis_, key(fmt::format("proc:{}", i)), "exit",
                              std::to_string(o_.key_ttl_s));
    redis_.flush();
  } catch (const std::exception&) {
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (Proc& p : procs_) {
    while (!p.gone && std::chrono::steady_clock::now() < deadline) {
      if (waitpid(p.pid, nullptr, WNOHANG) == p.pid)
        p.gone = true;
      else
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (!p.gone) {
      stop_process(p.pid, 0.5);
      p.gone = true;
    }
  }
}

void Runner::build_trace(std::int64_t t0) {
  sim::Trace& tr = report_.trace;
  tr.source = "dagrun";
  auto rel = [&](std::int64_t t) { return std::max<std::int64_t>(0, t - t0); };
  std::int64_t makespan = 0;
  for (std::uint32_t t = 0; t < w_.task_count(); ++t) {
    sim::TraceTask task;
    task.id = std::string(w_.id(TaskId{t}));
    task.output_bytes = w_.output_bytes(TaskId{t});
    task.counter_updates = w_.out_degree(TaskId{t});
    for (TraceAttempt a : attempts_[t]) {
      for (std::int64_t* x : {&a.ready_us, &a.start_us, &a.exec_start_us, &a.exec_end_us,
                              &a.upload_start_us, &a.upload_end_us, &a.finish_us})
        *x = rel(*x);
      for (TraceInput& in : a.inputs) {
        in.start_us = rel(in.start_us);
        in.end_us = rel(in.end_us);
      }
      makespan = std::max(makespan, a.finish_us);
      task.attempts.push_back(std::move(a));
    }
    tr.tasks.push_back(std::move(task));
  }
  // Rule 8, with the model's prices: billed time per instance, invocations, storage held from
  // upload to the end of the run.
  double cost =
      m_.makespan_cost(makespan) + m_.invocation_cost(instances_.size() + prewarms_.size());
  // A pre-warm's start-up is billed at the model's cold start (its process does not report
  // when it is up); the trace shows when it was sent.
  for (const PrewarmSent& p : prewarms_) {
    const ConfigId c = plan_.worker_config[p.worker];
    if (m_.platform().bill_startup) cost += m_.instance_cost(c, m_.startup_us(c, false));
    tr.events.push_back(
        {"prewarm", rel(p.sent_us), std::string(w_.id(TaskId{p.trigger})),
         fmt::format("worker {} ({})", plan_.worker_names[p.worker], m_.config(c).name)});
  }
  for (const Instance& i : instances_) {
    sim::TraceInstance ti;
    ti.worker = i.worker == kFlexible ? "" : plan_.worker_names[i.worker];
    ti.config = m_.config(i.config).name;
    ti.invoked_us = rel(i.invoked_us);
    ti.start_us = std::max(ti.invoked_us, rel(i.start_us));
    ti.ready_us = std::max(ti.start_us, rel(i.ready_us));
    ti.exited_us = std::max(ti.ready_us, rel(i.exited_us));
    ti.warm = i.warm;
    ti.crashed = i.crashed;
    if (i.dag_fetched_bytes >= 0) {
      ti.dag_fetched_bytes = i.dag_fetched_bytes;
      ti.dag_fetch_us = i.dag_fetch_us;
      ti.dag_part_bytes = i.dag_part_bytes;
    }
    if (!packages_.empty() && i.code_fetched_bytes >= 0) {
      ti.code_fetched_bytes = i.code_fetched_bytes;
      ti.code_fetch_us = i.code_fetch_us;
    }
    if (i.warm)
      ++report_.warm_starts;
    else
      ++report_.cold_starts;
    cost += m_.instance_cost(i.config, ti.exited_us - ti.start_us);
    tr.instances.push_back(std::move(ti));
  }
  for (std::uint32_t t = 0; t < w_.task_count(); ++t)
    if (uploaded_[t] && !tr.tasks[t].attempts.empty())
      cost += m_.storage_cost(w_.output_bytes(TaskId{t}),
                              makespan - tr.tasks[t].attempts.back().upload_end_us);
  // Rule 12: each function's code, stored for the whole run (as the run engine counts it).
  if (stored_code_bytes_ > 0) cost += m_.storage_cost(stored_code_bytes_, makespan);
  sim::add_cluster_events(tr, w_, plan_);
  for (const DuplicateRun& d : duplicates_)
    tr.events.push_back(
        sim::duplicate_event(w_, plan_, d.task, d.instance, rel(d.start_us), rel(d.end_us)));
  for (const StreamRun& r : streams_)
    tr.events.push_back(sim::stream_event(w_, plan_, r.producer, r.consumer, r.instance,
                                          rel(r.start_us), rel(r.end_us)));
  for (const HeldOutput& h : held_)
    tr.events.push_back(sim::delayed_io_event(w_, plan_, h.task, h.instance, rel(h.exec_end_us),
                                              h.waited_us, h.avoided));
  tr.makespan_us = makespan;
  tr.cost_usd = cost;
  report_.makespan_us = makespan;
  report_.cost_usd = cost;
  report_.instances = static_cast<std::uint32_t>(instances_.size());
  if (limit_ < m_.max_workers())
    tr.events.push_back({"note", 0, "",
                         fmt::format("--max-workers {} below the platform's limit of {}", limit_,
                                     m_.max_workers())});
  tr.events.push_back(
      {"note", 0, "",
       fmt::format("kernels: synthetic ({:.3g} loops/s) for {} tasks, builtin or command for {}; "
                   "a strict worker runs up to its configuration's slots of tasks at once (in "
                   "the plan's order when it has one) and pre-loads as the plan says, a flexible "
                   "one a task at a time unless it clusters (then up to its slots); vCPU and "
                   "memory limits: {}",
                   report_.loops_per_second, w_.task_count() - report_.real_kernel_tasks,
                   report_.real_kernel_tasks, limits_note_)});
}

// The sinks' outputs from Redis: written to options.outputs_dir and, with options.check, compared
// with the workflow evaluated here (evaluate_locally). Throws Error on a difference.
void check_outputs(const Workflow& w, const RunOptions& options, Redis& redis,
                   const std::string& run, RunReport& report, const std::string& work_dir) {
  std::vector<std::string> expected;
  if (options.check) expected = evaluate_locally(w, options.kernel, work_dir);
  if (!options.outputs_dir.empty()) std::filesystem::create_directories(options.outputs_dir);
  for (TaskId t : w.sinks()) {
    const std::string base = protocol::key(run, fmt::format("out:{}", index(t)));
    std::uint64_t bytes = w.output_bytes(t);
    if (!is_synthetic(w, t, options.kernel)) {
      RedisReply n = redis.command({"GET", base + ":n"});
      if (n.nil()) throw Error(fmt::format("the output of sink '{}' is not in Redis", w.id(t)));
      bytes = std::stoull(n.str);
    }
    for (std::uint64_t c = 0; c < protocol::chunks(bytes); ++c)
      redis.append({"GET", fmt::format("{}:{}", base, c)});
    std::string data;
    for (const RedisReply& r : redis.flush()) {
      if (r.nil()) throw Error(fmt::format("the output of sink '{}' is not in Redis", w.id(t)));
      data += r.str;
    }
    if (!options.outputs_dir.empty()) {
      std::string name;
      for (char c : w.id(t)) name += c == '/' || c == '\0' ? '_' : c;
      std::ofstream out(std::filesystem::path(options.outputs_dir) / name, std::ios::binary);
      out.write(data.data(), static_cast<std::streamsize>(data.size()));
      if (!out) throw Error(fmt::format("cannot write {}/{}", options.outputs_dir, name));
    }
    if (!options.check) continue;
    const std::string& want = expected[index(t)];
    if (data != want) {
      std::size_t at = 0;
      while (at < data.size() && at < want.size() && data[at] == want[at]) ++at;
      throw Error(fmt::format(
          "--check: the output of sink '{}' differs from the local evaluation: {} bytes, "
          "expected {}, first difference at byte {}",
          w.id(t), data.size(), want.size(), at));
    }
    ++report.checked_outputs;
  }
}

// Deletes every key of the run (SCAN, then UNLINK in batches).
void delete_keys(Redis& redis, const std::string& run) {
  std::string cursor = "0";
  const std::string pattern = protocol::key(run, "*");
  do {
    RedisReply r = redis.command({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
    cursor = r.elements.at(0).str;
    const auto& keys = r.elements.at(1).elements;
    if (!keys.empty()) {
      std::vector<std::string_view> args = {"UNLINK"};
      for (const RedisReply& k : keys) args.push_back(k.str);
      redis.command(args);
    }
  } while (cursor != "0");
}

// The limits method of `asked` (RunOptions::limits) on this machine and the trace's words for
// it. Throws before any worker starts when it cannot be applied.
std::pair<LimitMethod, std::string> choose_limits(const std::string& asked,
                                                  const LimitSupport& support) {
  const std::size_t cores = support.cpus.size();
  auto rlimit_note = [&] {
    return fmt::format("rlimit (CPU affinity to ceil(vCPUs) of {} core{}, RLIMIT_AS = memory)",
                       cores, cores == 1 ? "" : "s");
  };
  if (asked == "none") return {LimitMethod::kNone, "none (--limits none)"};
  if (asked == "cgroup2") {
    if (support.cgroup_dir.empty())
      throw Error(fmt::format("--limits cgroup2: cgroup v2 limits do not work here: {}",
                              support.no_cgroup2));
    return {LimitMethod::kCgroup2, "cgroup2 (cpu.max, memory.max)"};
  }
  if (asked == "rlimit") {
    if (sanitizer_build())
      throw Error(
          "--limits rlimit: not in a sanitizer build (AddressSanitizer reserves terabytes of "
          "virtual memory, which RLIMIT_AS refuses)");
    return {LimitMethod::kRlimit, rlimit_note()};
  }
  if (asked != "auto")
    throw UsageError(fmt::format("--limits {}: expected auto, cgroup2, rlimit or none", asked));
  switch (support.best) {
    case LimitMethod::kCgroup2: return {LimitMethod::kCgroup2, "cgroup2 (cpu.max, memory.max)"};
    case LimitMethod::kRlimit: return {LimitMethod::kRlimit, rlimit_note()};
    case LimitMethod::kNone: break;
  }
  return {LimitMethod::kNone, "none (sanitizer build)"};
}

}  // namespace

RunReport run_plan(const ExecutionModel& model, const Plan& plan, const std::string& workflow_json,
                   const std::string& platform_json, const std::string& plan_json,
                   const RunOptions& options) {
  if (model.direct_transfers())
    throw UsageError(
        "dagrun passes data through Redis: a platform with point-to-point transfers cannot run "
        "for real");
  check_plan(plan, model.workflow(), model.platform());
  // The kernels and their literal inputs, before anything starts.
  const Workflow& w = model.workflow();
  check_kernels(w, options.kernel);
  std::vector<std::string> literals(w.task_count());
  for (std::uint32_t t = 0; t < w.task_count(); ++t)
    if (!is_synthetic(w, TaskId{t}, options.kernel) || w.input_bytes(TaskId{t}) > 0)
      literals[t] = literal_input(w, TaskId{t}, options.kernel);
  auto started = std::chrono::steady_clock::now();
  RunReport report;
  report.run_id = new_run_id();
  // The limits, probed once per run; the run's cgroup (cgroup2) lives until every worker is
  // stopped (declared before the runner, destroyed after it).
  const LimitSupport support = detect_limit_support();
  auto [method, limits_note] = choose_limits(options.limits, support);
  report.limits_method = limit_method_name(method);
  ProcessLimiter limiter(method, support, report.run_id);
  TempDir dir("dagrun-");
  std::optional<EmbeddedRedis> embedded;
  RedisAddress address;
  if (options.redis) {
    address = *options.redis;
  } else {
    embedded.emplace(dir.path());
    address = embedded->address();
    report.embedded_redis = true;
  }
  report.redis = address.text();
  if (!options.password.empty()) {
    FILE* f = std::fopen((dir.path() + "/password").c_str(), "w");
    if (f == nullptr) throw Error("cannot write the password file for the workers");
    std::fputs(options.password.c_str(), f);
    std::fclose(f);
  }
  Redis redis(address, options.password, 10.0);
  report.loops_per_second = measure_loops_per_second();
  const std::string run = report.run_id;
  const std::string ttl = std::to_string(options.key_ttl_s);
  InterruptGuard interrupts;
  Runner runner(model, plan, options, report, redis, run, dir.path(), limiter, limits_note);
  try {
    nlohmann::json docs = {{"workflow", workflow_json},
                           {"platform", platform_json},
                           {"plan", plan_json},
                           {"loops_per_s", report.loops_per_second},
                           {"ttl_s", options.key_ttl_s},
                           {"kernel_mode", static_cast<int>(options.kernel)},
                           {"max_attempts", options.max_attempts}};
    redis.append({"SET", protocol::key(run, "dag"), docs.dump(), "EX", ttl});
    docs.erase("workflow");
    docs.erase("plan");
    runner.set_part_context(std::move(docs));
    runner.store_code(ttl);
    redis.append(
        {"SET", protocol::key(run, "alive"), "1", "EX", std::to_string(protocol::kAliveTtlS)});
    for (std::uint32_t t = 0; t < w.task_count(); ++t) {
      const bool synthetic = is_synthetic(w, TaskId{t}, options.kernel);
      if (!synthetic) ++report.real_kernel_tasks;
      if (literals[t].empty()) continue;
      const std::string base = protocol::key(run, fmt::format("lit:{}", t));
      protocol::append_chunked_set(redis, base, literals[t], ttl);
      if (!synthetic)
        redis.append({"SET", base + ":n", std::to_string(literals[t].size()), "EX", ttl});
      redis.flush();
      std::string().swap(literals[t]);
    }
    redis.flush();
    const std::int64_t t0 = now_us();
    runner.run(t0);
    runner.build_trace(t0);
    if (!options.outputs_dir.empty() || options.check)
      check_outputs(w, options, redis, run, report, dir.path());
    report.dagrun_commands = redis.commands();
    report.dagrun_round_trips = redis.round_trips();
    report.trace.workflow_json = workflow_json;
    report.trace.platform_json = platform_json;
    report.trace.plan_json = plan_json;
    report.trace.created_by = fmt::format("dagrun (run {})", run);
    report.ok = true;
  } catch (const Error& e) {
    report.ok = false;
    report.failure = e.what();
  } catch (const KernelError& e) {
    report.ok = false;
    report.failure = e.what();
  }
  runner.stop_all();
  try {
    delete_keys(redis, run);
  } catch (const Error& e) {
    if (report.ok) {
      report.ok = false;
      report.failure = fmt::format("cannot delete the run's keys: {}", e.what());
    }
  }
  if (embedded) embedded->stop();
  report.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace dagplan::exec
