// dagsim: simulate plans, replay recorded runs, calibrate the model from traces.

#include "cli_common.hpp"
#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"dagsim - simulate, replay and calibrate DAG workflow runs", "dagsim"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "dagsim 0.1.0");
  dagplan::cli::add_sim_commands(app);
  return dagplan::cli::run(app, argc, argv);
}
