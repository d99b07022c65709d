#include "experiments/cli/config.h"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fmt/format.h>
#include <toml++/toml.h>

#include "framework/errors.h"

namespace poolnet::cli {

namespace {
std::string scalar_text(const toml::node& node, const std::string& where) {
  if (auto s = node.value<std::string>()) return *s;
  if (auto i = node.value_exact<int64_t>()) return std::to_string(*i);
  if (auto d = node.value_exact<double>()) return fmt::format("{}", *d);
  if (auto b = node.value_exact<bool>()) return *b ? "true" : "false";
  throw ConfigError(fmt::format("{}: expected a string or a number", where));
}

std::string valid_keys(const CLI::App& app) {
  std::vector<std::string> keys;
  for (const CLI::Option* opt : app.get_options()) {
    if (!opt->get_lnames().empty() && opt->get_lnames()[0] != "help" && opt->get_lnames()[0] != "config") {
      keys.push_back(opt->get_lnames()[0]);
    }
  }
  return fmt::format("{}", fmt::join(keys, ", "));
}
}  // namespace

std::vector<std::string> config_arguments(const std::string& path, const CLI::App& app) {
  if (!std::filesystem::is_regular_file(path)) throw ConfigError(fmt::format("--config: no such file: {}", path));
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    throw ConfigError(fmt::format("config {}: line {}, column {}: {}", path, where.line, where.column,
                                  e.description()));
  }
  std::vector<std::string> args;
  for (const auto& [key_view, node] : table) {
    const std::string key(key_view.str());
    const std::string where = fmt::format("config {}: key '{}'", path, key);
    const CLI::Option* opt = nullptr;
    try {
      opt = app.get_option("--" + key);
    } catch (const CLI::OptionNotFound&) {
      opt = nullptr;
    }
    if (opt == nullptr || key == "config" || key == "help") {
      throw ConfigError(fmt::format("{} is not an option of '{}' (valid: {})", where, app.get_name(), valid_keys(app)));
    }
    if (opt->get_expected_min() == 0) {  // a flag
      auto on = node.value_exact<bool>();
      if (!on) throw ConfigError(fmt::format("{}: expected true or false", where));
      if (*on) args.push_back("--" + key);
      continue;
    }
    if (const toml::array* list = node.as_array()) {
      std::vector<std::string> items;
      for (const toml::node& item : *list) items.push_back(scalar_text(item, where));
      args.push_back("--" + key);
      args.push_back(fmt::format("{}", fmt::join(items, ",")));
      continue;
    }
    if (const toml::table* sub = node.as_table()) {
      // A table is a repeatable option's occurrences: [grid] head = ["gap", "flatten"] -> --grid head=gap,flatten
      if (opt->get_multi_option_policy() != CLI::MultiOptionPolicy::TakeAll) {
        throw ConfigError(fmt::format("{}: a table is only allowed for a repeatable option", where));
      }
      for (const auto& [sub_key, value] : *sub) {
        const std::string sub_where = fmt::format("{}.{}", where, sub_key.str());
        std::vector<std::string> items;
        if (const toml::array* list = value.as_array()) {
          for (const toml::node& item : *list) items.push_back(scalar_text(item, sub_where));
        } else {
          items.push_back(scalar_text(value, sub_where));
        }
        args.push_back("--" + key);
        args.push_back(fmt::format("{}={}", sub_key.str(), fmt::join(items, ",")));
      }
      continue;
    }
    args.push_back("--" + key);
    args.push_back(scalar_text(node, where));
  }
  return args;
}

}  // namespace poolnet::cli
