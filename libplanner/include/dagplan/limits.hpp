#pragma once
/// \file
/// The range of every number dagplan represents, decided once
/// (docs/decisions/0006-numeric-ranges.md). Readers refuse a value outside its range where it
/// enters (one InputError naming the file, the JSON path and the range); ExecutionModel refuses
/// the values it derives (an execution, a transfer, the length of a whole run) when they leave
/// theirs. Inside these ranges no sum, product or conversion the library makes can overflow,
/// divide by zero or produce a NaN or an infinity, and every time of a run fits in
/// `std::int64_t` microseconds with room to spare.

#include <cstdint>

namespace dagplan::limits {

// ---- Times ---------------------------------------------------------------------------------

/// Longest duration one value may give, in seconds: a work estimate (`work_s`), a WfCommons
/// runtime or makespan, a start-up, invocation, storage or dispatch latency, keep-alive, a
/// billing granularity, a measured duration in a profile (and `base_s`, in [0, max]: a negative
/// term made executions of zero time). Also the longest duration ExecutionModel derives for one
/// thing: one execution of a task on one configuration, one transfer. 1e9 s is 31.7 years, far
/// beyond any task. Safe because 1e9 s is 1e15 us < 2^50: exact in a double, so rounding seconds to
/// microseconds is exact and cannot overflow, and a few thousand such values add up in
/// `std::int64_t` without overflow. A run adds far more of them (one per event), which is why
/// kHorizonUs bounds the total as well.
inline constexpr double kMaxDurationS = 1e9;
/// kMaxDurationS in microseconds, the library's time unit.
inline constexpr std::int64_t kMaxDurationUs = 1'000'000'000'000'000;

/// The horizon: no run may last longer, in microseconds. 2^61 us is about 73,000 years.
/// ExecutionModel computes a cheap upper bound of any run's length (per task: its longest
/// execution and transfers, a cold start, the latencies it pays; per edge: a storage operation
/// and an invocation) and refuses a workflow, platform and profile whose bound exceeds it.
/// Every time of a run (predicted, simulated, planned, or read from a trace) is then in
/// [0, 2^61]: a time plus a duration, the difference of two times, or the sum of three times
/// stays below INT64_MAX (2^63 - 1), and list scheduling's "never" (-2^61) stays below every
/// time.
inline constexpr std::int64_t kHorizonUs = std::int64_t{1} << 61;

// ---- Sizes ---------------------------------------------------------------------------------

/// Largest size one value may give, in bytes: a task's literal input or output, a WfCommons
/// file (and the sum of one task's files), the bytes of a trace's input. 2^53 bytes (8 PiB):
/// every size is exact in a double, so bytes / bandwidth starts from the exact size.
inline constexpr std::uint64_t kMaxBytes = std::uint64_t{1} << 53;
/// Largest number of bytes a workflow can move in a run: its literal inputs once, plus each
/// output once for its upload and once per consumer. 2^60 bytes (1 EiB). Every sum of sizes the
/// library forms (a task's input bytes, the outputs an evicted instance flushes, a run's bytes
/// uploaded and downloaded, even counted once per attempt for up to 15 attempts) stays below
/// 2^64; WorkflowBuilder::build() refuses a workflow beyond it.
inline constexpr std::uint64_t kMaxTotalBytes = std::uint64_t{1} << 60;

// ---- Rates and speeds ----------------------------------------------------------------------

/// Bandwidths (a configuration's, the storage's, a measured one), bytes per second: at least
/// 1 byte/s, so bytes / bandwidth is finite (a transfer that then lasts too long is refused by
/// ExecutionModel as a derived duration); at most 1e18 bytes/s (1 EB/s, what tests use for
/// "unlimited").
inline constexpr double kMinBandwidth = 1;
inline constexpr double kMaxBandwidth = 1e18;
/// Speed of one vCPU relative to the reference vCPU work estimates are given for: [1e-6, 1e6].
/// A slowdown (1 / (speed x vCPU share x parallel speed-up)) is then finite and non-zero.
inline constexpr double kMinSpeed = 1e-6;
inline constexpr double kMaxSpeed = 1e6;
/// vCPUs of a configuration, cores of a machine, a profile's max_parallelism (at least 1 there),
/// a WfCommons task's or machine's cores: [1e-4, 1e6] (0 allowed where a WfCommons file means
/// "unknown"). The lower end is below the default of the smallest configuration (memory_mb 1
/// gives 1/1792 vCPU); the upper end keeps max(1, floor(vCPUs)) (the slots) and cores x count
/// exact and in range of their integer types.
inline constexpr double kMinVcpus = 1e-4;
inline constexpr double kMaxVcpus = 1e6;

// ---- Profile coefficients ------------------------------------------------------------------

/// A profile's `work_scale` (reference seconds per second of work estimate): [0, 1e6].
inline constexpr double kMaxWorkScale = 1e6;
/// A profile's `per_byte_s` (seconds per input byte): [0, 1] (negative: refused, as `base_s`). With
/// kMaxTotalBytes the product is below 2^60 s: finite, and refused by ExecutionModel if the
/// execution gets too long.
inline constexpr double kMaxPerByteS = 1;
/// A platform's `receive_cpu_s_per_gb` (CPU seconds a worker spends receiving 1 GB): [0, 100].
/// With kMaxTotalBytes the CPU time is below 2^60 x 1e-7 s: in range of microseconds.
inline constexpr double kMaxReceiveCpuSPerGb = 100;
/// A profile's `vcpu_exponent`: [0, 4]. With kMaxVcpus, parallel^exponent <= 1e24: finite.
inline constexpr double kMaxVcpuExponent = 4;
/// A profile's `noise_sigma` (lognormal sigma of execution times): [0, 2]; e^2 = 7.4 times the
/// median at one standard deviation is already beyond what a profile of a real function says.
inline constexpr double kMaxNoiseSigma = 2;

// ---- Prices --------------------------------------------------------------------------------

/// Every price in US dollars (per GB-second, per invocation, per storage GB-second, per
/// core-hour): [0, 1e6]. A cost is a price times a quantity the other ranges bound (billed time
/// up to the horizon, memory up to 2^20 GB, up to 2^32 instances, 2^60 bytes): below 1e40 USD,
/// a finite double, so plan.json never receives `inf` (JSON has none).
inline constexpr double kMaxPriceUsd = 1e6;

// ---- Counts --------------------------------------------------------------------------------

/// Bytes of one input file (a workflow, plan, trace... as JSON text): 4 GiB. A 10^6-task
/// workflow is about 200 MB and its plan 300 MB; reading /dev/zero or a runaway file stops here
/// with an error instead of taking the machine's memory.
inline constexpr std::uint64_t kMaxInputBytes = std::uint64_t{4} << 30;
/// Tasks of a workflow: TaskId is 32 bits, with two values kept aside.
inline constexpr std::uint64_t kMaxTasks = 0xFFFF'FFFDull;
/// Edges of a workflow: the CSR offsets are 32 bits.
inline constexpr std::uint64_t kMaxEdges = 0xFFFF'FFFFull;
/// Configurations of a platform: ConfigId is 16 bits.
inline constexpr std::int64_t kMaxConfigs = 65535;
/// Memory of a configuration or machine, MB: 2^30 MB (1 PiB), so memory GB x anything stays
/// finite and memory fits 32 bits.
inline constexpr std::int64_t kMaxMemoryMb = std::int64_t{1} << 30;
/// Tasks a serverless worker runs at once (`slots`).
inline constexpr std::int64_t kMaxSlots = 1024;
/// Machines on a cluster, of one type (`count`) and in all: 2^20. The run engine keeps a queue
/// and a few counters per machine; 16.7 million machines (the old per-type limit) passed
/// validation and then ran out of memory when planned.
inline constexpr std::int64_t kMaxMachineCount = std::int64_t{1} << 20;
/// Workers running at once (`max_concurrency`), as a platform file may give it.
inline constexpr std::int64_t kMaxConcurrency = 100'000'000;
/// Sample counts in a profile, counter updates in a trace: 32 bits.
inline constexpr std::int64_t kMaxCount32 = 0xFFFF'FFFFll;

}  // namespace dagplan::limits
