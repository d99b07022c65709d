#include <gtest/gtest.h>

#include "framework/errors.h"
#include "layers/downsample.h"

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

TEST(DownsampleSpec, NamesAreDesignsTable) {
  EXPECT_EQ(all_strategy_names(),
            (std::vector<std::string>{"max_pool", "avg_pool", "lp_pool", "strided_conv", "blur_pool", "max_blur_pool",
                                      "conv_blur_pool", "aps", "aps_blur", "stochastic_pool", "mixed_pool",
                                      "soft_pool", "none"}));
}

TEST(DownsampleSpec, CanonicalFormMakesDefaultsExplicit) {
  EXPECT_EQ(to_string(parse_downsample("aps")), "aps:norm=l2");
  EXPECT_EQ(to_string(parse_downsample("max_pool")), "max_pool:ceil_mode=false,dilation=1,padding=0");
  EXPECT_EQ(to_string(parse_downsample("avg_pool")), "avg_pool:ceil_mode=false,count_include_pad=true,padding=0");
  EXPECT_EQ(to_string(parse_downsample("lp_pool")), "lp_pool:ceil_mode=false,p=2");
  EXPECT_EQ(to_string(parse_downsample("lp_pool:p=2.5")), "lp_pool:ceil_mode=false,p=2.5");
  EXPECT_EQ(to_string(parse_downsample("lp_pool:p=3.0")), "lp_pool:ceil_mode=false,p=3");
  EXPECT_EQ(to_string(parse_downsample("blur_pool")), "blur_pool:filter=3");
  EXPECT_EQ(to_string(parse_downsample("aps_blur:norm=linf,filter=5")), "aps_blur:filter=5,norm=linf");
  EXPECT_EQ(to_string(parse_downsample("max_pool:stride=1,kernel=3,padding=1")),
            "max_pool:ceil_mode=false,dilation=1,kernel=3,padding=1,stride=1");
  EXPECT_EQ(to_string(parse_downsample("avg_pool:divisor_override=3")),
            "avg_pool:ceil_mode=false,count_include_pad=true,divisor_override=3,padding=0");
  EXPECT_EQ(to_string(parse_downsample("none")), "none");
  EXPECT_EQ(to_string(parse_downsample("strided_conv")), "strided_conv");
}

TEST(DownsampleSpec, ParsesValues) {
  const DownsampleSpec s = parse_downsample("max_pool:kernel=3,stride=2,padding=1,dilation=2,ceil_mode=true");
  EXPECT_EQ(s.name, "max_pool");
  EXPECT_EQ(s.kernel, 3);
  EXPECT_EQ(s.stride, 2);
  EXPECT_EQ(s.padding, 1);
  EXPECT_EQ(s.dilation, 2);
  EXPECT_TRUE(s.ceil_mode);
  EXPECT_EQ(parse_downsample("avg_pool:count_include_pad=false").count_include_pad, false);
  EXPECT_EQ(parse_downsample("lp_pool:p=1").p, 1.0);
  EXPECT_EQ(parse_downsample("conv_blur_pool:filter=7").filter, 7);
  EXPECT_EQ(parse_downsample("aps:norm=l1").norm, ApsNorm::kL1);
}

TEST(DownsampleSpec, EveryStrategyRoundTrips) {
  const std::vector<std::string> specs = {
      "max_pool:kernel=3,stride=2,padding=1,ceil_mode=true", "avg_pool:count_include_pad=false,divisor_override=2",
      "lp_pool:p=3", "lp_pool:p=1.5,kernel=3", "strided_conv", "blur_pool:filter=1", "blur_pool:filter=7",
      "max_blur_pool:filter=5", "conv_blur_pool:filter=2", "aps:norm=linf", "aps_blur:filter=4,norm=l1",
      "stochastic_pool", "mixed_pool", "soft_pool", "none"};
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
  EXPECT_EQ(strategy_keys("aps_blur"), (std::vector<std::string>{"filter", "norm"}));
  EXPECT_TRUE(strategy_keys("none").empty());
  EXPECT_THROW(strategy_keys("nope"), ConfigError);
}

}  // namespace
}  // namespace poolnet
