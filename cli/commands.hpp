#pragma once
// Subcommand registration for the dagplan binary; one function per group of commands.

#include <CLI/CLI.hpp>

namespace dagplan::cli {

/// plan, predict, compare.
void add_plan_commands(CLI::App& app);

/// dagsim: simulate, replay, calibrate.
void add_sim_commands(CLI::App& app);

/// validate, show, export, import, generate.
void add_workflow_commands(CLI::App& app);

/// report: the HTML report and the Chrome trace-event export (cmd_report.cpp).
void add_report_commands(CLI::App& app);

}  // namespace dagplan::cli
