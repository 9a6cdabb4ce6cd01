#pragma once
/// \file
/// Task kernels of the real backend. `synthetic`: a fixed amount of CPU work - a loop whose
/// iteration count is the task's execution time on its configuration (the model's exec_us)
/// times the loops one core runs per second, measured once per run - and an output of the
/// task's size. Never a spin until a wall-clock time.

#include <cstdint>

namespace dagplan::exec {

/// Runs `loops` iterations of the synthetic kernel's loop; returns a value that depends on all
/// of them (so that the compiler keeps the loop).
std::uint64_t synthetic_work(std::uint64_t loops);

/// Iterations of synthetic_work() per second on this machine's core: the best of a few short
/// timed runs (about 0.1 s in all).
double measure_loops_per_second();

}  // namespace dagplan::exec
