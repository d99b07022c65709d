// The subcommands of the `poolnet` command line. Each add_* registers one subcommand, its
// options (every option also settable from `--config FILE`) and the callback that runs it.
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace poolnet::cli {

void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_ablate_command(CLI::App& app);
void add_inspect_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_predict_command(CLI::App& app);
void add_strategies_command(CLI::App& app);
void add_show_command(CLI::App& app);

// Registers every subcommand above.
void add_all_commands(CLI::App& app);

// The command line being run, as typed (for reports), and its arguments after the program name.
const std::string& command_line();
const std::vector<std::string>& command_args();

// Runs the command line; returns the process exit status (0 ok, 1 runtime failure, 2 usage
// or configuration error). Every error becomes one message on stderr.
int run(int argc, char** argv);

}  // namespace poolnet::cli
