// Downsampling strategies: the registry (one row per strategy), the spec grammar and the one
// factory. docs/architecture.md, "Adding a strategy", says what a new row needs.
//
// Spec grammar: name[:key=value,...], e.g. "max_pool", "lp_pool:p=3", "aps_blur:filter=5,norm=linf".
// Each row lists its keys with their type, default and valid range; `poolnet --help` and the
// README's strategy table are written from the rows (strategy_table()).
// Canonical form (to_string): keys sorted; a strategy's defining keys (filter, norm, p: the ones
// marked `always_written`) always written, the others only when set to something other than
// their default, so "max_pool" stays "max_pool" and "aps" becomes "aps:norm=l2". A key without
// a default (max_pool's kernel and stride) follows the context: kernel = stride =
// DownsampleContext::stride. parse(to_string(spec)) == spec, and to_string(parse(s)) is the
// canonical spelling of s.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "framework/ops/geometry.h"
#include "layers/module.h"

namespace poolnet {

// A key's value as parsed: integer, real, true/false, or one of a key's named choices.
using SpecValue = std::variant<int64_t, double, bool, std::string>;

// A parsed spec: the strategy's name and the keys set to something other than their default
// (so equal specs compare equal however they were spelled).
struct DownsampleSpec {
  std::string name = "max_pool";
  std::map<std::string, SpecValue> values{};

  // Whether `key` has a value: set, or a key of the strategy with a default.
  bool has(std::string_view key) const;
  // The value of `key` (set, else its default); ConfigError if it has none or another type.
  int64_t integer(std::string_view key) const;
  double real(std::string_view key) const;
  bool flag(std::string_view key) const;
  const std::string& choice(std::string_view key) const;
  bool operator==(const DownsampleSpec&) const = default;
};

// Where a downsampling module goes in a model.
struct DownsampleContext {
  int64_t channels = 0;                    // C: input channels (= output channels)
  PadMode padding_mode = PadMode::kZeros;  // zeros | circular: convolutions and blur filters
  uint64_t seed = 0;                       // parameter init and random draws
  int64_t stride = 2;                      // downsampling factor s
};

// kStride: "S" or "SHxSW" (integers >= 1, one of them >= 2), kept as its canonical text ("3x3"
// is "3"); read with parse_stride.
enum class KeyType { kInteger, kReal, kFlag, kChoice, kStride };

// A key's `high` when it has no upper bound: kUnboundedInteger for kInteger, kUnboundedReal for kReal.
inline constexpr double kUnboundedInteger = double(int64_t{1} << 30);
inline constexpr double kUnboundedReal = std::numeric_limits<double>::infinity();

struct StrategyKey {
  std::string name{};
  KeyType type = KeyType::kInteger;
  std::optional<SpecValue> default_value{};  // none: unset, the strategy follows the context
  double low = 0, high = 0;                  // kInteger, kReal: the valid range, inclusive
  std::vector<std::string> choices{};        // kChoice
  bool always_written = false;             // the canonical form writes it even at its default
  std::string unset = "the context's stride";  // what an unset key without a default means
};

using StrategyBuilder = std::function<std::shared_ptr<Module>(const DownsampleSpec&, const DownsampleContext&)>;

// One row of the registry.
struct Strategy {
  std::string name{};
  std::vector<StrategyKey> keys{};
  std::string description{};  // one line, with its reference
  // The module for a parsed spec at a place: [N,C,H,W] -> [N,C',H',W']. ConfigError for a
  // spec or context that cannot work.
  StrategyBuilder build{};
  bool in_default_study = false;  // one of `poolnet ablate`'s default strategies
  bool in_bench = false;          // one of `poolnet bench`'s default strategies
};

// Every row, built-in ones first in DESIGN order, then registered ones.
const std::vector<Strategy>& strategies();
// The row of `name`; ConfigError listing the valid names otherwise.
const Strategy& find_strategy(std::string_view name);
// Adds a row (a strategy defined outside the library); ConfigError if the name is taken or
// not a snake_case identifier.
void register_strategy(Strategy strategy);

std::vector<std::string> all_strategy_names();
std::vector<std::string> default_study_strategies();  // canonical specs, registry order
std::vector<std::string> bench_strategies();          // canonical specs, registry order
// The keys a strategy accepts, sorted (empty for keyless strategies); ConfigError if unknown.
std::vector<std::string> strategy_keys(std::string_view name);
// "filter=3 (1..7)", "norm=l2 (l2/l1/linf)", "kernel (>= 1; default: the context's stride)".
std::string describe_key(const StrategyKey& key);
// Plain text for --help: one line per row (name, keys, description).
std::string strategy_help();
// The Markdown table of every row (spec with its keys, description): the README's table.
std::string strategy_table();

// The value of a kStride key: "3" -> 3x3, "2x1" -> 2x1; nullopt if it is not one.
std::optional<Size2d> parse_stride(std::string_view text);

// Parses a spec string; ConfigError naming the valid names / keys / values otherwise.
DownsampleSpec parse_downsample(std::string_view spec);
// The canonical spelling (see above).
std::string to_string(const DownsampleSpec& spec);
// The module for `spec` at a place described by `context` (the row's builder), parameters
// initialised from context.seed. ConfigError for an unknown name or a context that cannot work.
std::shared_ptr<Module> make_downsample(const DownsampleSpec& spec, const DownsampleContext& context);

}  // namespace poolnet
