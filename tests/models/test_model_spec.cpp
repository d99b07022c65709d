#include <gtest/gtest.h>

#include <functional>

#include "framework/errors.h"
#include "models/model_spec.h"

namespace poolnet {
namespace {

ModelSpec spec_with(const std::function<void(ModelSpec&)>& set) {
  ModelSpec spec;
  set(spec);
  return spec;
}

std::string config_error(const ModelSpec& spec) {
  try {
    validate(spec);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(ModelSpec, CanonicalNames) {
  ModelSpec spec;
  EXPECT_EQ(canonical_name(spec), "lenet[max_pool,head=flatten]");
  spec.downsample = parse_downsample("max_blur_pool:filter=5");
  spec.head = "gap";
  spec.width = 0.5;
  spec.padding_mode = PadMode::kCircular;
  spec.batch_norm = true;
  EXPECT_EQ(canonical_name(spec), "lenet[max_blur_pool:filter=5,head=gap,width=0.5,pad=circular,bn]");
  spec = spec_with([](ModelSpec& s) {
    s.family = "resnet";
    s.downsample = parse_downsample("aps");
    s.head = "gap";
    s.depth = 8;
  });
  EXPECT_EQ(canonical_name(spec), "resnet[aps:norm=l2,head=gap,depth=8]");
  spec = spec_with([](ModelSpec& s) {
    s.family = "vgg";
    s.downsample = parse_downsample("none");
    s.extra_stage = true;
  });
  EXPECT_EQ(canonical_name(spec), "vgg[none,head=flatten,extra_stage]");
  // depth and extra_stage only name the families they apply to
  spec = spec_with([](ModelSpec& s) {
    s.family = "allconv";
    s.depth = 8;
    s.extra_stage = true;
  });
  EXPECT_EQ(canonical_name(spec), "allconv[max_pool,head=flatten]");
}

TEST(ModelSpec, MetadataRoundTrips) {
  const std::vector<ModelSpec> specs = {
      ModelSpec{},
      spec_with([](ModelSpec& s) {
        s.family = "resnet";
        s.downsample = parse_downsample("aps_blur:filter=5,norm=linf");
        s.head = "gap_gmp";
        s.width = 0.375;
        s.input = {3, 32, 32};
        s.classes = 100;
        s.padding_mode = PadMode::kCircular;
        s.depth = 14;
      }),
      spec_with([](ModelSpec& s) {
        s.family = "vgg";
        s.downsample = parse_downsample("lp_pool:p=2.5,kernel=3");
        s.head = "gmp";
        s.width = 2.0;
        s.input = {1, 17, 23};
        s.classes = 2;
        s.batch_norm = true;
        s.extra_stage = true;
      }),
      spec_with([](ModelSpec& s) {
        s.family = "allconv";
        s.downsample = parse_downsample("max_blur_pool:filter=5");
        s.input_downsample = true;
      }),
  };
  for (const ModelSpec& spec : specs) {
    const auto metadata = to_metadata(spec);
    EXPECT_EQ(metadata.at("poolnet.model.name"), canonical_name(spec));
    const ModelSpec back = model_spec_from_metadata(metadata);
    EXPECT_EQ(canonical_name(back), canonical_name(spec));
    EXPECT_EQ(back.family, spec.family);
    EXPECT_EQ(back.downsample, spec.downsample);
    EXPECT_EQ(back.head, spec.head);
    EXPECT_EQ(back.width, spec.width);
    EXPECT_EQ(back.input, spec.input);
    EXPECT_EQ(back.classes, spec.classes);
    EXPECT_EQ(back.padding_mode, spec.padding_mode);
    EXPECT_EQ(back.batch_norm, spec.batch_norm);
    EXPECT_EQ(back.depth, spec.depth);
    EXPECT_EQ(back.extra_stage, spec.extra_stage);
    EXPECT_EQ(back.input_downsample, spec.input_downsample);
  }
}

TEST(ModelSpec, InputDownsampleNameMetadataAndResnet) {
  ModelSpec spec;
  spec.input_downsample = true;
  EXPECT_EQ(canonical_name(spec), "lenet[max_pool,head=flatten,input_down]");
  EXPECT_EQ(to_metadata(spec).at("poolnet.model.input_downsample"), "true");
  // checkpoints written before the option have no key: no input downsampling
  auto old = to_metadata(spec);
  old.erase("poolnet.model.input_downsample");
  EXPECT_FALSE(model_spec_from_metadata(old).input_downsample);
  spec.family = "resnet";
  EXPECT_THROW(
      {
        try {
          validate(spec);
        } catch (const ConfigError& e) {
          EXPECT_NE(std::string(e.what()).find("input downsampling applies to lenet, vgg and allconv, not resnet"),
                    std::string::npos)
              << e.what();
          throw;
        }
      },
      ConfigError);
}

TEST(ModelSpec, MetadataErrorsNameTheKey) {
  auto metadata = to_metadata(ModelSpec{});
  metadata.erase("poolnet.model.head");
  EXPECT_THROW(
      {
        try {
          model_spec_from_metadata(metadata);
        } catch (const ConfigError& e) {
          EXPECT_NE(std::string(e.what()).find("poolnet.model.head"), std::string::npos) << e.what();
          throw;
        }
      },
      ConfigError);
  metadata = to_metadata(ModelSpec{});
  metadata["poolnet.model.classes"] = "ten";
  try {
    model_spec_from_metadata(metadata);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'ten'"), std::string::npos) << e.what();
  }
  metadata = to_metadata(ModelSpec{});
  metadata["poolnet.model.input"] = "1,28,x";
  EXPECT_THROW(model_spec_from_metadata(metadata), ConfigError);
  metadata = to_metadata(ModelSpec{});
  metadata["poolnet.model.width"] = "wide";
  EXPECT_THROW(model_spec_from_metadata(metadata), ConfigError);
  metadata = to_metadata(ModelSpec{});
  metadata["poolnet.model.family"] = "alexnet";
  EXPECT_THROW(model_spec_from_metadata(metadata), ConfigError);  // validated after reading
}

TEST(ModelSpec, ValidationMessagesNameFieldValueAndChoices) {
  EXPECT_EQ(config_error(ModelSpec{}), "no error");
  EXPECT_EQ(config_error(spec_with([](ModelSpec& s) { s.family = "alexnet"; })),
            "model: unknown family 'alexnet' (valid: lenet, vgg, allconv, resnet)");
  EXPECT_EQ(
      config_error(spec_with([](ModelSpec& s) { s.head = "avg"; })),
      "model: unknown head 'avg' (valid: flatten | gap | gmp | gap_gmp | gem | lse | simpool | attn_pool[:heads=H])");
  EXPECT_EQ(config_error(spec_with([](ModelSpec& s) { s.width = 0.0; })), "model: width must be in (0, 16], got 0");
  EXPECT_EQ(config_error(spec_with([](ModelSpec& s) { s.width = 17.0; })), "model: width must be in (0, 16], got 17");
  EXPECT_EQ(config_error(spec_with([](ModelSpec& s) {
              s.input = {1, 3, 28};
            })),
            "model: input must be C,H,W with C >= 1 and H, W >= 4, got [1,3,28]");
  EXPECT_EQ(config_error(spec_with([](ModelSpec& s) {
              s.input = {28, 28};
            })),
            "model: input must be C,H,W with C >= 1 and H, W >= 4, got [28,28]");
  EXPECT_EQ(config_error(spec_with([](ModelSpec& s) { s.classes = 1; })), "model: need at least 2 classes, got 1");
  EXPECT_EQ(config_error(spec_with([](ModelSpec& s) { s.padding_mode = PadMode::kReflect; })),
            "model: padding mode must be zeros or circular, got reflect");
  EXPECT_EQ(config_error(spec_with([](ModelSpec& s) {
              s.family = "resnet";
              s.depth = 10;
            })),
            "model: resnet depth must be 6n+2 with n >= 1 (8, 14, 20, 32, 56), got 10");
  EXPECT_EQ(config_error(spec_with([](ModelSpec& s) {
              s.family = "resnet";
              s.depth = 2;
            })),
            "model: resnet depth must be 6n+2 with n >= 1 (8, 14, 20, 32, 56), got 2");
  EXPECT_EQ(config_error(spec_with([](ModelSpec& s) {
              s.family = "lenet";
              s.depth = 10;
            })),
            "no error");  // depth is resnet's only
}

TEST(ModelSpec, ScaledChannels) {
  EXPECT_EQ(scaled(16, 1.0), 16);
  EXPECT_EQ(scaled(16, 0.5), 8);
  EXPECT_EQ(scaled(6, 0.25), 2);  // 1.5 rounds away from zero
  EXPECT_EQ(scaled(6, 0.01), 1);  // at least one channel
  EXPECT_EQ(scaled(96, 1.5), 144);
}

}  // namespace
}  // namespace poolnet
