#pragma once
// Shared by the dagplan, dagsim and dagrun mains: exit codes and error printing. Numbers are
// formatted by the library (dagplan/human_format.hpp), which exported graphs use too.

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

/// An error message as printed: one line (control characters escaped) of at most 2,000 bytes
/// (then "... (N bytes)"), whatever the message quoted. The library caps what it quotes; this
/// is the last guard.
std::string one_line(std::string_view message);

/// A seed as typed: a whole number in [0, 2^64 - 1] written with digits only ("-1", "1e3" and
/// 2^64 are refused rather than wrapped or rounded).
const CLI::Validator& seed_value();
/// A finite number (CLI::Range lets NaN through: every comparison with it is false).
const CLI::Validator& finite_value();
/// A finite number > 0, and one >= 0, with a one-line message (CLI11's PositiveNumber prints its
/// range as a 300-digit number and lets NaN through).
const CLI::Validator& positive_value();
const CLI::Validator& non_negative_value();
/// A non-empty value (an empty name would otherwise fall back to the default silently).
const CLI::Validator& non_empty_value();

}  // namespace dagplan::cli
