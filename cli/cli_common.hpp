#pragma once
// Shared by the dagplan, dagsim and dagrun mains: exit codes, error printing, number formatting.

#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <string>

namespace dagplan::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

/// Parses argv with `app` and runs the chosen subcommand's callback. Maps every exception to an
/// exit code with one line on stderr: CLI11 parse errors and UsageError -> 2, InputError and
/// other errors -> 1, anything unexpected -> 1 with "internal error". Never lets one escape.
int run(CLI::App& app, int argc, char** argv);

/// "1.50 MB", "312 B", "2.10 GB" (decimal units).
std::string human_bytes(double bytes);
/// "$12.35", "$0.000125", "$4.2e-07": four decimals from a cent up, else three significant digits.
std::string human_dollars(double dollars);
/// "1.234 s", "15.2 ms", "2 min 3.4 s".
std::string human_seconds(double seconds);

}  // namespace dagplan::cli
