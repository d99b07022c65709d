// poolnet strategies: the downsampling strategies of the registry (layers/downsample.h), with
// their keys, defaults, ranges and references.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <memory>

#include "experiments/cli/commands.h"
#include "framework/errors.h"
#include "layers/downsample.h"

namespace poolnet::cli {

void add_strategies_command(CLI::App& app) {
  auto format = std::make_shared<std::string>("text");
  CLI::App* sub = app.add_subcommand("strategies", "list the downsampling strategies, their keys and references");
  sub->add_option("--format", *format, "text | markdown (the README's table) | names | study | bench (one per line: every name, "
                 "the default strategies of ablate, of bench)")
      ->capture_default_str();
  sub->callback([format] {
    if (*format == "text") {
      fmt::print("{}", strategy_help());
    } else if (*format == "markdown") {
      fmt::print("{}", strategy_table());
    } else if (*format == "names") {
      for (const std::string& name : all_strategy_names()) fmt::print("{}\n", name);
    } else if (*format == "study") {
      for (const std::string& spec : default_study_strategies()) fmt::print("{}\n", spec);
    } else if (*format == "bench") {
      for (const std::string& spec : bench_strategies()) fmt::print("{}\n", spec);
    } else {
      throw ConfigError(fmt::format("--format: expected text, markdown, names, study or bench, got '{}'", *format));
    }
  });
}

}  // namespace poolnet::cli
