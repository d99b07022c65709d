// TOML configuration files for the command line. `--config FILE` reads a TOML table whose keys
// are the long flag names without dashes (`epochs = 3`, `strategies = ["max_pool", "aps"]`,
// `quick = true`; a table gives a repeatable option once per entry: `[grid]` holding
// `head = ["gap", "flatten"]` is `--grid head=gap,flatten`); values become command-line
// arguments placed before the user's own, so flags given on the command line win. Unknown keys and values of the wrong type are ConfigErrors
// naming the file and the key.
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace poolnet::cli {

// The arguments equivalent to the config file at `path` for subcommand `app`.
std::vector<std::string> config_arguments(const std::string& path, const CLI::App& app);

}  // namespace poolnet::cli
