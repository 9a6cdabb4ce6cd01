#pragma once
// What dagrun and dagworker say to each other through Redis (docs/executor.md). Every key of a
// run starts with "dagrun:<run id>:" and has a TTL, so that a run that dies leaves nothing
// behind for long; dagrun deletes them all when the run ends.
//
//   dag            the run's documents: workflow, plan, platform and run settings (JSON)
//   lit:<t>        task t's literal input bytes           (written by dagrun before the run)
//   code:<f>:<k>   chunk k of function f's code (rule 12, a profile's code_bytes; written by
//                  dagrun before the run; a new worker process fetches its configuration's)
//   out:<t>:<k>    chunk k of task t's output              (SET by the producer's worker)
//   cnt:<t>        task t's dependency counter: the set of its producers counted (SADD and SCARD
//                  in one transaction by each producer; counting one twice changes nothing)
//   ready:<w>      ready tasks of strict worker w (a list: an event pushed before the worker
//                  exists is still there when it starts)
//   pre:<w>        outputs stored for pre-load tasks of strict worker w (producers push, the
//                  worker's fetcher downloads them ahead; run_rules.hpp announces_stored)
//   chan:<w>       pub/sub channel of strict worker w's streams (Plan::stream): an instance of w
//                  subscribes while it runs; a producer publishes a header "<t> H <chunks>
//                  <bytes>" (PUBLISH says whether anyone is subscribed: else the output is stored)
//                  and then the chunks "<t> D <data>"; the instance publishes "stop" to its own
//                  stream thread
//   sdec:<t>:<w>   "stream" when task t streamed its output to worker w ("store" once an instance
//                  of w that received it stepped aside and stored it)
//   held:<t>       delayed I/O: pushed by a producer of fan-in t whose count leaves only the
//                  producer that holds its output for t missing (Plan::delay_io; it waits on it)
//   wake:<p>       wakes process p's list reader when its instance stops (the process only)
//   proc:<p>       invocations for worker process p (dagrun pushes, the process pops): "KIND
//                  SUBJECT INSTANCE RERUNS DONE", and for a strict worker whose part of the DAG
//                  travels inline (rule 12, part.hpp) a newline and that part (JSON). Task
//                  indices here and in every key are the whole workflow's.
//   inv            invocation requests from workers (strict worker or flexible task)
//   ev             events for dagrun: instance ready (with the bytes of the documents it read
//                  at start-up, how long that took, and the bytes of its part), task attempt,
//                  instance done, failure
//   abort          set by dagrun when the run is given up: workers exit
//   alive          dagrun's heartbeat: set every second, expiring after kAliveTtlS; an idle
//                  worker that finds it gone exits (dagrun was killed)
#include <chrono>
#include <cstdint>
#include <string>

#include <fmt/format.h>

#include <algorithm>
#include <string_view>

#include "dagplan/exec/redis.hpp"

namespace dagplan::exec::protocol {

inline std::string key(const std::string& run, const std::string& name) {
  return fmt::format("dagrun:{}:{}", run, name);
}

/// dagrun's heartbeat key expires this long after its last renewal (renewed every second).
inline constexpr int kAliveTtlS = 5;

/// Outputs larger than this go in several values, pipelined. Measured on loopback with hiredis
/// 0.14 (6 MB, best of 5): one value 13.6 ms SET / 23.5 ms GET; 1 MiB chunks 13.2 / 23.5 ms;
/// 256 KiB 11.1 / 20.9 ms; 128 KiB 1.8 / 2.9 ms; 64 KiB 2.4 / 2.8 ms (redis-benchmark: about
/// 3 ms). hiredis copies and moves its buffers per reply and per partial write, which large
/// values make slow; 64 KiB values avoid it (decision 0010).
inline constexpr std::uint64_t kChunkBytes = 64ull << 10;
inline std::uint64_t chunks(std::uint64_t bytes) {
  return bytes == 0 ? 1 : (bytes + kChunkBytes - 1) / kChunkBytes;
}

/// Queues the SETs of `data` in chunks under "<base>:0", "<base>:1", ... (the readers fetch
/// chunks(size) of them), each expiring after `ttl` seconds. The caller flushes.
inline void append_chunked_set(Redis& redis, const std::string& base, std::string_view data,
                               const std::string& ttl) {
  for (std::uint64_t c = 0; c < chunks(data.size()); ++c)
    redis.append({"SET", fmt::format("{}:{}", base, c),
                  data.substr(std::min<std::uint64_t>(c * kChunkBytes, data.size()), kChunkBytes),
                  "EX", ttl});
}

/// Queues RPUSH `value` to list `list` and its EXPIRE: every list keeps a TTL, also one that a
/// push creates again after a reader emptied it (a run whose dagrun died leaves nothing for
/// long). The caller flushes.
inline void append_push(Redis& redis, const std::string& list, std::string_view value,
                        std::string_view ttl) {
  redis.append({"RPUSH", list, value});
  redis.append({"EXPIRE", list, ttl});
}

/// Wall-clock microseconds since the epoch: one clock for every process on a machine.
inline std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace dagplan::exec::protocol
