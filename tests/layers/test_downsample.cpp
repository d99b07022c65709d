#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "layers/downsample.h"
#include "tests/support/grad_check.h"
#include "tests/support/source_dir.h"

namespace poolnet {
namespace {

std::string error_of(std::string_view spec) {
  try {
    parse_downsample(spec);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(StrategyRegistry, NamesAreDesignsTable) {
  EXPECT_EQ(all_strategy_names(),
            (std::vector<std::string>{"max_pool", "avg_pool", "lp_pool", "strided_conv", "max_blur_pool", "blur_pool",
                                      "conv_blur_pool", "aps", "aps_blur", "stochastic_pool", "mixed_pool", "soft_pool",
                                      "tips", "fractional_max_pool", "lps", "s3_pool", "lip_pool", "spectral_pool",
                                      "flc_pool", "asap_pool", "wavelet_pool", "dpp_pool", "none"}));
}

TEST(StrategyRegistry, DefaultListsComeFromTheRows) {
  EXPECT_EQ(default_study_strategies(),
            (std::vector<std::string>{"max_pool", "avg_pool", "strided_conv", "max_blur_pool:filter=3",
                                      "blur_pool:filter=3", "aps:norm=l2", "none"}));
  EXPECT_EQ(bench_strategies(), (std::vector<std::string>{"max_pool", "avg_pool", "strided_conv",
                                                          "max_blur_pool:filter=3", "aps:norm=l2"}));
}

// Every row is complete, and every default is a value its key accepts.
TEST(StrategyRegistry, RowsAreComplete) {
  for (const Strategy& row : strategies()) {
    EXPECT_FALSE(row.description.empty()) << row.name;
    EXPECT_TRUE(row.build) << row.name;
    for (const StrategyKey& key : row.keys) {
      if (!key.default_value) continue;
      const std::string text = row.name + ":" + describe_key(key).substr(0, describe_key(key).find(' '));
      EXPECT_NO_THROW(parse_downsample(text)) << text;
    }
  }
}

// The README's table is the registry's: regenerate it with strategy_table() when a row changes.
TEST(StrategyRegistry, ReadmeTableIsTheRegistry) {
  std::ifstream in(testing::source_dir() + "/README.md");
  std::stringstream text;
  text << in.rdbuf();
  const std::string readme = text.str();
  const std::string begin = "<!-- strategy table: tests/layers/test_downsample.cpp -->\n", end = "<!-- end -->";
  const size_t from = readme.find(begin), to = readme.find(end, from);
  ASSERT_NE(from, std::string::npos) << "README.md has no strategy table marker";
  ASSERT_NE(to, std::string::npos);
  EXPECT_EQ(readme.substr(from + begin.size(), to - from - begin.size()), strategy_table()) << strategy_table();
}

TEST(StrategyRegistry, HelpListsEveryRowWithItsKeys) {
  const std::string help = strategy_help();
  for (const Strategy& row : strategies()) EXPECT_NE(help.find(row.description), std::string::npos) << row.name;
  EXPECT_NE(help.find("filter=3 (1..7)"), std::string::npos) << help;
  EXPECT_NE(help.find("norm=l2 (l2/l1/linf)"), std::string::npos) << help;
  EXPECT_NE(help.find("kernel (>= 1; default: the context's stride)"), std::string::npos) << help;
}

// A strategy defined outside the library: one row, then it parses, prints and builds like any other.
TEST(StrategyRegistry, RegisteredRowWorksLikeABuiltIn) {
  register_strategy({.name = "test_half_pool",
                     .keys = {{.name = "scale", .type = KeyType::kReal, .default_value = 0.5, .low = 0, .high = 1,
                               .always_written = true}},
                     .description = "a test row",
                     .build = [](const DownsampleSpec& s, const DownsampleContext&) {
                       EXPECT_EQ(s.real("scale"), 0.25);
                       return make_downsample(parse_downsample("avg_pool"), {});
                     }});
  EXPECT_EQ(to_string(parse_downsample("test_half_pool:scale=0.25")), "test_half_pool:scale=0.25");
  EXPECT_EQ(to_string(parse_downsample("test_half_pool")), "test_half_pool:scale=0.5");
  EXPECT_NE(error_of("test_half_pool:scale=2").find("scale must be a number in 0..1"), std::string::npos);
  EXPECT_EQ(make_downsample(parse_downsample("test_half_pool:scale=0.25"), {})->describe(),
            "AvgPool2d(kernel=2x2, stride=2x2)");
  EXPECT_EQ(all_strategy_names().back(), "test_half_pool");
  EXPECT_THROW(register_strategy({.name = "max_pool", .build = strategies()[0].build}), ConfigError);
  EXPECT_THROW(register_strategy({.name = "Bad-Name", .build = strategies()[0].build}), ConfigError);
  EXPECT_THROW(register_strategy({.name = "no_builder"}), ConfigError);
}

TEST(DownsampleSpec, CanonicalFormMakesDefaultsExplicit) {
  EXPECT_EQ(to_string(parse_downsample("aps")), "aps:norm=l2");
  EXPECT_EQ(to_string(parse_downsample("max_pool")), "max_pool");
  EXPECT_EQ(to_string(parse_downsample("avg_pool")), "avg_pool");
  EXPECT_EQ(to_string(parse_downsample("lp_pool")), "lp_pool:p=2");
  EXPECT_EQ(to_string(parse_downsample("lp_pool:p=2.5")), "lp_pool:p=2.5");
  EXPECT_EQ(to_string(parse_downsample("lp_pool:p=3.0")), "lp_pool:p=3");
  EXPECT_EQ(to_string(parse_downsample("blur_pool")), "blur_pool:filter=3");
  EXPECT_EQ(to_string(parse_downsample("aps_blur:norm=linf,filter=5")), "aps_blur:filter=5,norm=linf");
  EXPECT_EQ(to_string(parse_downsample("max_pool:stride=1,kernel=3,padding=1")),
            "max_pool:kernel=3,padding=1,stride=1");
  EXPECT_EQ(to_string(parse_downsample("avg_pool:divisor_override=3")),
            "avg_pool:divisor_override=3");
  EXPECT_EQ(to_string(parse_downsample("none")), "none");
  EXPECT_EQ(to_string(parse_downsample("strided_conv")), "strided_conv");
}

// stride=S or SHxSW on the blur and polyphase rows: "3x3" is written "3"; every axis >= 1 and
// one >= 2. It overrides the context's stride.
TEST(DownsampleSpec, StrideKeyTakesSquareAndAnisotropicStrides) {
  EXPECT_EQ(to_string(parse_downsample("aps:stride=3")), "aps:norm=l2,stride=3");
  EXPECT_EQ(to_string(parse_downsample("aps:stride=3x3")), "aps:norm=l2,stride=3");
  EXPECT_EQ(to_string(parse_downsample("blur_pool:stride=2x1")), "blur_pool:filter=3,stride=2x1");
  EXPECT_EQ(parse_stride("1x2"), (Size2d{1, 2}));
  EXPECT_EQ(parse_stride("4"), (Size2d{4, 4}));
  for (const char* bad : {"1", "1x1", "0x2", "2x", "x2", "ax2", "2x3x4", "-2", ""}) {
    EXPECT_FALSE(parse_stride(bad).has_value()) << bad;
    try {
      parse_downsample(std::string("aps:stride=") + bad);
      ADD_FAILURE() << bad;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("stride must be S or SHxSW"), std::string::npos) << e.what();
    }
  }
  const DownsampleContext two{.channels = 2, .padding_mode = PadMode::kCircular, .seed = 1, .stride = 2};
  const std::vector<std::pair<std::string, std::string>> built = {
      {"aps:stride=3", "ApsPool2d(stride=3, norm=l2)"},
      {"aps:stride=2x1", "ApsPool2d(stride=2x1, norm=l2)"},
      {"aps_blur:stride=3", "ApsPool2d(stride=3, norm=l2, blur=3, padding=circular)"},
      {"blur_pool:stride=1x3", "BlurPool2d(filter=3, stride=1x3, padding=circular)"},
      {"max_blur_pool:stride=3", "MaxBlurPool2d(filter=3, stride=3, padding=circular)"},
      {"conv_blur_pool:stride=2x3", "ConvBlurPool2d(2, filter=3, stride=2x3, padding=circular)"},
      {"lps:stride=3", "LpsPool2d(2, hidden=2, stride=3, tau=1)"},
      {"lps:stride=1x2", "LpsPool2d(2, hidden=2, stride=1x2, tau=1)"},
      {"tips:stride=3", "TipsPool2d(2, kernel=3, stride=3, padding=circular)"},
      {"tips:stride=2x3", "TipsPool2d(2, kernel=3, stride=2x3, padding=circular)"}};
  const Tensor x = testing::random_tensor({1, 2, 12, 12}, 1);
  for (const auto& [spec, describe] : built) {
    const auto m = make_downsample(parse_downsample(spec), two);
    EXPECT_EQ(m->describe(), describe);
    const Size2d s = *parse_stride(parse_downsample(spec).choice("stride"));
    EXPECT_EQ(m->forward(x).shape(), (Shape{1, 2, 12 / s.h, 12 / s.w})) << spec;
  }
  // A stride key lets APS work where the context does not subsample.
  EXPECT_EQ(make_downsample(parse_downsample("aps:stride=2"), {.channels = 2, .stride = 1})->describe(),
            "ApsPool2d(stride=2, norm=l2)");
}

TEST(DownsampleSpec, ParsesValues) {
  const DownsampleSpec s = parse_downsample("max_pool:kernel=3,stride=2,padding=1,dilation=2,ceil_mode=true");
  EXPECT_EQ(s.name, "max_pool");
  EXPECT_EQ(s.integer("kernel"), 3);
  EXPECT_EQ(s.integer("stride"), 2);
  EXPECT_EQ(s.integer("padding"), 1);
  EXPECT_EQ(s.integer("dilation"), 2);
  EXPECT_TRUE(s.flag("ceil_mode"));
  EXPECT_FALSE(parse_downsample("max_pool").has("kernel"));  // follows the context
  EXPECT_EQ(parse_downsample("avg_pool:count_include_pad=false").flag("count_include_pad"), false);
  EXPECT_EQ(parse_downsample("lp_pool:p=1").real("p"), 1.0);
  EXPECT_EQ(parse_downsample("conv_blur_pool:filter=7").integer("filter"), 7);
  EXPECT_EQ(parse_downsample("aps:norm=l1").choice("norm"), "l1");
  EXPECT_THROW(parse_downsample("aps").integer("norm"), ConfigError);
  EXPECT_EQ(parse_downsample("max_pool:dilation=1"), parse_downsample("max_pool"));
}

TEST(DownsampleSpec, EveryStrategyRoundTrips) {
  const std::vector<std::string> specs = {"max_pool:kernel=3,stride=2,padding=1,ceil_mode=true",
                                          "avg_pool:count_include_pad=false,divisor_override=2",
                                          "lp_pool:p=3",
                                          "lp_pool:p=1.5,kernel=3",
                                          "strided_conv",
                                          "blur_pool:filter=1",
                                          "blur_pool:filter=7",
                                          "max_blur_pool:filter=5",
                                          "conv_blur_pool:filter=2",
                                          "aps:norm=linf",
                                          "aps_blur:filter=4,norm=l1",
                                          "stochastic_pool",
                                          "mixed_pool",
                                          "soft_pool",
                                          "none",
                                          "wavelet_pool:wavelet=db2",
                                          "dpp_pool"};
  for (const std::string& name : all_strategy_names()) {
    const DownsampleSpec s = parse_downsample(name);
    EXPECT_EQ(parse_downsample(to_string(s)), s) << name;
    EXPECT_EQ(to_string(parse_downsample(to_string(s))), to_string(s)) << name;
  }
  for (const std::string& text : specs) {
    const DownsampleSpec s = parse_downsample(text);
    EXPECT_EQ(parse_downsample(to_string(s)), s) << text;
    EXPECT_EQ(to_string(parse_downsample(to_string(s))), to_string(s)) << text;
  }
}

TEST(DownsampleSpec, UnknownNameListsTheValidOnes) {
  const std::string m = error_of("maxpool");
  EXPECT_NE(m.find("unknown strategy 'maxpool'"), std::string::npos) << m;
  for (const std::string& name : all_strategy_names()) EXPECT_NE(m.find(name), std::string::npos) << m;
  EXPECT_NE(error_of("").find("unknown strategy ''"), std::string::npos);
  EXPECT_NE(error_of("Max_Pool").find("valid:"), std::string::npos);
}

TEST(DownsampleSpec, UnknownKeyListsTheValidOnes) {
  std::string m = error_of("blur_pool:size=3");
  EXPECT_NE(m.find("unknown key 'size'"), std::string::npos) << m;
  EXPECT_NE(m.find("valid keys: filter"), std::string::npos) << m;
  m = error_of("max_pool:filter=3");
  EXPECT_NE(m.find("valid keys: ceil_mode, dilation, kernel, padding, stride"), std::string::npos) << m;
  m = error_of("soft_pool:kernel=3");
  EXPECT_NE(m.find("soft_pool takes no keys"), std::string::npos) << m;
}

TEST(DownsampleSpec, BadValuesSayWhatIsExpected) {
  EXPECT_NE(error_of("blur_pool:filter=8").find("filter must be an integer in 1..7, got '8'"), std::string::npos);
  EXPECT_NE(error_of("blur_pool:filter=0").find("1..7"), std::string::npos);
  EXPECT_NE(error_of("blur_pool:filter=3x").find("got '3x'"), std::string::npos);
  EXPECT_NE(error_of("lp_pool:p=0.5").find("p must be a number >= 1"), std::string::npos);
  EXPECT_NE(error_of("lp_pool:p=inf").find("p must be"), std::string::npos);
  EXPECT_NE(error_of("aps:norm=l3").find("norm must be l2, l1 or linf, got 'l3'"), std::string::npos);
  EXPECT_NE(error_of("max_pool:ceil_mode=yes").find("true or false"), std::string::npos);
  EXPECT_NE(error_of("max_pool:kernel=0").find("kernel must be an integer >= 1"), std::string::npos);
  EXPECT_NE(error_of("max_pool:padding=-1").find("padding must be an integer >= 0"), std::string::npos);
  EXPECT_NE(error_of("max_pool:kernel=2,kernel=3").find("given twice"), std::string::npos);
  EXPECT_NE(error_of("max_pool:kernel").find("expected key=value"), std::string::npos);
  EXPECT_NE(error_of("max_pool:").find("expected key=value"), std::string::npos);
  EXPECT_NE(error_of("max_pool:kernel=2,").find("expected key=value"), std::string::npos);
  EXPECT_NE(error_of("aps:=l2").find("expected key=value"), std::string::npos);
}

TEST(DownsampleSpec, StrategyKeys) {
  EXPECT_EQ(strategy_keys("aps_blur"), (std::vector<std::string>{"filter", "norm", "stride"}));
  EXPECT_EQ(strategy_keys("lps"),
            (std::vector<std::string>{"filter", "hidden", "stride", "tau", "tau_decay", "tau_every", "tau_min"}));
  EXPECT_EQ(strategy_keys("tips"), (std::vector<std::string>{"kernel", "stride"}));
  EXPECT_EQ(strategy_keys("lip_pool"), (std::vector<std::string>{"logit_kernel", "window"}));
  EXPECT_TRUE(strategy_keys("none").empty());
  EXPECT_THROW(strategy_keys("nope"), ConfigError);
}

// What every strategy builds at channels 4, stride 2, and the shape it gives for 2x4x8x6.
struct Built {
  std::string spec;
  std::string describe;
  int64_t parameters;
  Shape out;
};

TEST(MakeDownsample, EveryStrategyBuildsItsModule) {
  const std::vector<Built> table = {
      {"max_pool", "MaxPool2d(kernel=2x2, stride=2x2)", 0, {2, 4, 4, 3}},
      {"max_pool:kernel=3,padding=1", "MaxPool2d(kernel=3x3, stride=2x2, padding=1x1)", 0, {2, 4, 4, 3}},
      {"avg_pool", "AvgPool2d(kernel=2x2, stride=2x2)", 0, {2, 4, 4, 3}},
      {"lp_pool:p=3", "LpPool2d(p=3, kernel=2x2, stride=2x2)", 0, {2, 4, 4, 3}},
      {"strided_conv",
       "Sequential(Conv2d(4, 4, kernel=3x3, stride=2x2, padding=1x1), ReLU())",
       4 * 4 * 9 + 4,
       {2, 4, 4, 3}},
      {"blur_pool", "BlurPool2d(filter=3, stride=2, padding=zeros)", 0, {2, 4, 4, 3}},
      {"max_blur_pool:filter=5", "MaxBlurPool2d(filter=5, stride=2, padding=zeros)", 0, {2, 4, 4, 3}},
      {"conv_blur_pool", "ConvBlurPool2d(4, filter=3, stride=2, padding=zeros)", 4 * 4 * 9 + 4, {2, 4, 4, 3}},
      {"aps:norm=l1", "ApsPool2d(stride=2, norm=l1)", 0, {2, 4, 4, 3}},
      {"aps_blur", "ApsPool2d(stride=2, norm=l2, blur=3, padding=zeros)", 0, {2, 4, 4, 3}},
      {"stochastic_pool", "StochasticPool2d(kernel=2x2, stride=2x2)", 0, {2, 4, 4, 3}},
      {"mixed_pool", "MixedPool2d(kernel=2x2, stride=2x2)", 1, {2, 4, 4, 3}},
      {"soft_pool", "SoftPool2d(kernel=2x2, stride=2x2)", 0, {2, 4, 4, 3}},
      {"tips", "TipsPool2d(4, kernel=3, stride=2, padding=zeros)", 4 * 9 + 4, {2, 4, 4, 3}},
      {"fractional_max_pool:ratio=0.7", "FractionalMaxPool2d(kernel=2x2, ratio=0.7)", 0, {2, 4, 5, 4}},
      {"lps", "LpsPool2d(4, hidden=4, stride=2, tau=1)", 2 * (4 * 4 * 9 + 4), {2, 4, 4, 3}},
      {"lps:filter=3,hidden=2,tau=0.5", "LpsPool2d(4, hidden=2, stride=2, tau=0.5, blur=3, padding=zeros)",
       4 * 2 * 9 + 2 + 2 * 2 * 9 + 2, {2, 4, 4, 3}},
      {"s3_pool", "S3Pool2d(stride=2x2)", 0, {2, 4, 4, 3}},
      {"lip_pool", "LipPool2d(4, kernel=3x3, stride=2x2, padding=1x1, logit_kernel=3, padding_mode=zeros)",
       4 * 4 * 9 + 8, {2, 4, 4, 3}},
      {"lip_pool:window=2,logit_kernel=1",
       "LipPool2d(4, kernel=2x2, stride=2x2, padding=0x0, logit_kernel=1, padding_mode=zeros)", 4 * 4 + 8, {2, 4, 4, 3}},
      {"none", "Identity()", 0, {2, 4, 8, 6}},
      {"spectral_pool", "SpectralPool2d(ratio=0.5, field=whole map)", 0, {2, 4, 4, 3}},
      {"spectral_pool:ratio=0.3", "SpectralPool2d(ratio=0.3, field=whole map)", 0, {2, 4, 2, 1}},
      {"flc_pool", "FlcPool2d(stride=2, field=whole map)", 0, {2, 4, 4, 3}},
      {"asap_pool", "AsapPool2d(stride=2, field=whole map)", 0, {2, 4, 4, 3}},
      {"wavelet_pool", "WaveletPool2d(wavelet=haar)", 0, {2, 4, 4, 3}},
      {"wavelet_pool:wavelet=db2", "WaveletPool2d(wavelet=db2)", 0, {2, 4, 4, 3}},
      {"dpp_pool", "DppPool2d(4, window=2x2)", 2 * 4, {2, 4, 4, 3}},
  };
  std::vector<std::string> covered;
  const Tensor x = testing::random_tensor({2, 4, 8, 6}, 1, 0.0f, 1.0f);
  for (const Built& b : table) {
    const DownsampleSpec spec = parse_downsample(b.spec);
    auto m = make_downsample(spec, {.channels = 4, .padding_mode = PadMode::kZeros, .seed = 3, .stride = 2});
    EXPECT_EQ(m->describe(), b.describe) << b.spec;
    EXPECT_EQ(m->parameter_count(), b.parameters) << b.spec;
    EXPECT_EQ(m->forward(x).shape(), b.out) << b.spec;
    covered.push_back(spec.name);
  }
  for (const std::string& name : all_strategy_names()) {
    if (name.starts_with("test_")) continue;  // rows registered by the tests of this file
    EXPECT_NE(std::find(covered.begin(), covered.end(), name), covered.end()) << name;
  }
}

TEST(MakeDownsample, ContextSetsStridePaddingModeAndSeed) {
  const DownsampleContext circular{.channels = 2, .padding_mode = PadMode::kCircular, .seed = 7, .stride = 3};
  EXPECT_EQ(make_downsample(parse_downsample("max_pool"), circular)->describe(), "MaxPool2d(kernel=3x3, stride=3x3)");
  EXPECT_EQ(make_downsample(parse_downsample("max_pool:kernel=2,stride=2"), circular)->describe(),
            "MaxPool2d(kernel=2x2, stride=2x2)");
  EXPECT_EQ(make_downsample(parse_downsample("blur_pool"), circular)->describe(),
            "BlurPool2d(filter=3, stride=3, padding=circular)");
  EXPECT_EQ(make_downsample(parse_downsample("aps_blur:filter=2"), circular)->describe(),
            "ApsPool2d(stride=3, norm=l2, blur=2, padding=circular)");
  EXPECT_EQ(make_downsample(parse_downsample("strided_conv"), circular)->describe(),
            "Sequential(Conv2d(2, 2, kernel=3x3, stride=3x3, padding=1x1, padding_mode=circular), ReLU())");
  // The same seed gives the same parameters; another seed other ones.
  const auto weights = [](uint64_t seed) {
    return make_downsample(parse_downsample("conv_blur_pool"), {.channels = 2, .seed = seed})->parameters()[0];
  };
  EXPECT_TRUE(testing::bitwise_equal(weights(1), weights(1)));
  EXPECT_FALSE(testing::bitwise_equal(weights(1), weights(2)));
}

TEST(MakeDownsample, RejectsContextsThatCannotWork) {
  const auto message = [](std::string_view spec, const DownsampleContext& c) {
    try {
      make_downsample(parse_downsample(spec), c);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("strided_conv", {.channels = 0}).find("strided_conv needs the channel count"), std::string::npos);
  EXPECT_NE(message("conv_blur_pool", {}).find("channel count"), std::string::npos);
  EXPECT_NE(message("aps", {.stride = 1}).find("aps needs a context stride >= 2"), std::string::npos);
  EXPECT_NE(message("max_pool", {.stride = 0}).find("stride must be >= 1"), std::string::npos);
  EXPECT_NE(message("tips", {}).find("tips needs the channel count"), std::string::npos);
  EXPECT_NE(message("tips:kernel=4", {.channels = 2}).find("'tips:kernel=4' cannot work: kernel must be odd"),
            std::string::npos);
  EXPECT_NE(message("lip_pool", {}).find("lip_pool needs the channel count"), std::string::npos);
  EXPECT_NE(message("lip_pool:logit_kernel=2", {.channels = 2}).find("logit_kernel must be odd"), std::string::npos);
  const std::string m = message("max_pool:kernel=2,padding=2", {});
  EXPECT_NE(m.find("max_pool:kernel=2,padding=2"), std::string::npos) << m;
  EXPECT_NE(m.find("padding"), std::string::npos) << m;
  DownsampleSpec unknown;
  unknown.name = "nope";
  try {
    make_downsample(unknown, {});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("valid: max_pool"), std::string::npos) << e.what();
  }
}

TEST(MakeDownsample, NoneIsTheIdentity) {
  auto m = make_downsample(parse_downsample("none"), {.channels = 3});
  const Tensor x = testing::random_tensor({1, 3, 5, 5}, 2);
  EXPECT_TRUE(testing::bitwise_equal(m->forward(x), x));
  EXPECT_TRUE(m->windows().empty());
}

}  // namespace
}  // namespace poolnet
