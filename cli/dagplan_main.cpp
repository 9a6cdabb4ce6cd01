// dagplan: plan, predict, compare, validate, show and export DAG workflows; report on runs.

#include "cli_common.hpp"
#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"dagplan - plan, predict and compare DAG workflows on serverless workers",
               "dagplan"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "dagplan 0.1.0");
  dagplan::cli::add_plan_commands(app);
  dagplan::cli::add_workflow_commands(app);
  dagplan::cli::add_report_commands(app);
  return dagplan::cli::run(app, argc, argv);
}
