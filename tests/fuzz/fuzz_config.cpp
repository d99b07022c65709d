// libFuzzer target: the TOML config loader (config_arguments) against a subcommand with the
// kinds of options poolnet has (int, double, string, list, flag). The arguments it returns must
// parse with that subcommand unless the values themselves are invalid.
#include <CLI/CLI.hpp>
#include <cstdint>

#include "experiments/cli/config.h"
#include "framework/errors.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = poolnet::fuzz::scratch_path("config.toml");
  poolnet::fuzz::write_scratch(path, data, size);
  CLI::App app{"fuzz", "train"};
  int epochs = 1;
  double lr = 0.1;
  std::string model, strategies, config;
  bool quick = false;
  app.add_option("--epochs", epochs);
  app.add_option("--lr", lr);
  app.add_option("--model", model);
  app.add_option("--strategies", strategies);
  app.add_option("--config", config);
  app.add_flag("--quick", quick);
  std::vector<std::string> args;
  try {
    args = poolnet::cli::config_arguments(path, app);
  } catch (const poolnet::ConfigError&) {
    return 0;
  }
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError&) {
  }
  return 0;
}
