// A model is built at run time from a spec: family, downsampling strategy, head, width,
// input shape, classes, convolution padding mode, batch norm, input downsampling. Its canonical name, e.g.
// "lenet[max_blur_pool:filter=3,head=gap]", names it in logs, file names and reports.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "framework/ops/geometry.h"
#include "layers/downsample.h"

namespace poolnet {

struct ModelSpec {
  std::string family = "lenet";  // lenet | vgg | allconv | resnet
  DownsampleSpec downsample;     // the strategy at every downsampling site
  std::string head =
      "flatten";  // a head spec (HeadSpec): flatten | gap | gmp | gap_gmp | gem | lse | simpool | attn_pool[:heads=H]
  double width = 1.0;      // channel multiplier
  Shape input{1, 28, 28};  // C, H, W
  int64_t classes = 10;
  PadMode padding_mode = PadMode::kZeros;  // of every convolution (and blur filter)
  bool batch_norm = false;                 // after every convolution (vgg, allconv; resnet always has it)
  int64_t depth = 20;                      // resnet: 8, 14, 20, 32, 56
  bool extra_stage = false;                // vgg: a third 128-channel stage with its own DOWN
  bool input_downsample = false;           // one extra DOWN on the input, before the first convolution (not resnet)
};

const std::vector<std::string>& model_families();
const std::vector<std::string>& head_names();

// A head spec: a name of head_names(), and for simpool and attn_pool the key `heads` (default 1,
// the attention heads, which must divide the feature channels): "attn_pool:heads=4".
struct HeadSpec {
  std::string name;
  int64_t heads = 1;
};
// ConfigError naming the spec and what is valid.
HeadSpec parse_head(const std::string& head);
// "flatten | gap | ... | attn_pool[:heads=H]", for --help texts.
std::string head_help();

// Checks names and ranges; ConfigError naming the field, the value and what is valid.
void validate(const ModelSpec& spec);

// "lenet[max_blur_pool:filter=3,head=gap]" plus ",width=0.5", ",pad=circular", ",bn",
// ",depth=20", ",input_down" where they differ from the defaults.
std::string canonical_name(const ModelSpec& spec);

// The spec as string pairs (for checkpoint metadata) and back (ConfigError on bad values).
std::map<std::string, std::string> to_metadata(const ModelSpec& spec);
ModelSpec model_spec_from_metadata(const std::map<std::string, std::string>& metadata);

// Channels scaled by the width multiplier (at least 1).
int64_t scaled(int64_t channels, double width);

}  // namespace poolnet
