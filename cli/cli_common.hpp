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

}  // namespace dagplan::cli
