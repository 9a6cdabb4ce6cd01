#pragma once
/// \file
/// What one attempt at a task did, as a trace records it (`dagplan-trace/1`, docs/formats.md)
/// and as the event-level run (event_run.hpp) writes it down.

#include <cstdint>
#include <string>
#include <vector>

namespace dagplan {

/// How one input reached a task attempt.
struct TraceInput {
  /// kDirect: point to point from the producer's machine (a cluster's direct transfers); the
  /// span is the transfer's, from when it could start to when the input was there.
  enum class Source { kLocal, kDownload, kStream, kLiteral, kDirect };
  std::string from;  ///< producer task id; empty (null in the file) for a literal input
  Source source = Source::kDownload;
  std::uint64_t bytes = 0;
  std::int64_t start_us = 0;  ///< download span (start == end for local inputs)
  std::int64_t end_us = 0;
};

/// One attempt at running a task.
struct TraceAttempt {
  std::uint32_t instance = 0;  ///< index into Trace::instances
  std::int64_t ready_us = 0;   ///< inputs complete and the task on its instance
  std::int64_t start_us = 0;   ///< took a slot
  std::int64_t exec_start_us = 0;
  std::int64_t exec_end_us = 0;
  std::int64_t upload_start_us = 0;  ///< == upload_end_us when nothing was uploaded
  std::int64_t upload_end_us = 0;
  std::int64_t finish_us = 0;  ///< counter updates done
  std::vector<TraceInput> inputs;
  bool ok = true;
  std::string error;  ///< why the attempt failed (stderr excerpt, "worker crashed", ...)
};

}  // namespace dagplan
