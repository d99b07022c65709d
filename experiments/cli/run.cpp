#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>

#include "experiments/cli/commands.h"
#include "experiments/cli/config.h"
#include "experiments/train/interrupt.h"
#include "framework/errors.h"
#include "layers/downsample.h"

namespace poolnet::cli {

namespace {
void build_app(CLI::App& app) {
  app.require_subcommand(1);
  app.set_version_flag("--version", POOLNET_VERSION);
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  add_all_commands(app);
}

// The arguments with the contents of `--config FILE` (if any) inserted right after the
// subcommand name, so that the user's own flags come later and win.
std::vector<std::string> expand_config(const std::vector<std::string>& args) {
  CLI::App probe;
  build_app(probe);
  const std::vector<CLI::App*> subcommands = probe.get_subcommands({});
  auto sub = std::find_if(args.begin(), args.end(), [&](const std::string& a) {
    return std::any_of(subcommands.begin(), subcommands.end(), [&](const CLI::App* s) { return s->get_name() == a; });
  });
  if (sub == args.end()) return args;
  std::string path;
  for (auto it = sub + 1; it != args.end(); ++it) {
    if (*it == "--config" && it + 1 != args.end()) path = *(it + 1);
    if (it->rfind("--config=", 0) == 0) path = it->substr(9);
  }
  if (path.empty()) return args;
  std::vector<std::string> expanded(args.begin(), sub + 1);
  const auto from_file = config_arguments(path, *probe.get_subcommand(*sub));
  expanded.insert(expanded.end(), from_file.begin(), from_file.end());
  expanded.insert(expanded.end(), sub + 1, args.end());
  return expanded;
}

std::string g_command_line;
std::vector<std::string> g_command_args;

int fail(int status, const std::string& message) {
  std::fflush(stdout);
  std::fprintf(stderr, "poolnet: error: %s\n", message.c_str());
  return status;
}
}  // namespace

const std::string& command_line() { return g_command_line; }
const std::vector<std::string>& command_args() { return g_command_args; }

void add_all_commands(CLI::App& app) {
  add_train_command(app);
  add_eval_command(app);
  add_ablate_command(app);
  add_inspect_command(app);
  add_bench_command(app);
  add_predict_command(app);
  add_strategies_command(app);
  add_show_command(app);
  app.footer(strategy_help());
  for (CLI::App* sub : app.get_subcommands({})) sub->footer(strategy_help());
}

int run(int argc, char** argv) {
  CLI::App app{"poolnet: train small CNNs and study how downsampling affects translation robustness", "poolnet"};
  g_command_line = "poolnet";
  g_command_args.assign(argv + 1, argv + argc);
  for (const auto& arg : g_command_args) g_command_line += " " + arg;
  try {
    build_app(app);
    std::vector<std::string> args(argv + 1, argv + argc);
    args = expand_config(args);
    std::reverse(args.begin(), args.end());
    app.parse(args);
    return 0;
  } catch (const CLI::CallForHelp&) {
    return app.exit(CLI::CallForHelp());
  } catch (const CLI::CallForAllHelp&) {
    return app.exit(CLI::CallForAllHelp());
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return fail(2, e.what());
  } catch (const ConfigError& e) {
    return fail(2, e.what());
  } catch (const ShapeError& e) {
    return fail(2, e.what());
  } catch (const Interrupted& e) {
    return fail(130, e.what());
  } catch (const std::exception& e) {
    return fail(1, e.what());
  }
}

}  // namespace poolnet::cli
