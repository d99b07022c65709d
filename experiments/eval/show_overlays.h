// The overlays and spectra of `poolnet show` (docs/metrics.md, "Layer panels"), for one image:
//
//   cam      where the model looks at each shift: the class activation map (Zhou et al. 2016) of
//            the class predicted at shift 0, sum_c w[class, c] F_c over the last feature map F, or
//            the head's attention map averaged over its heads (simpool, attn_pool); the map kinds
//            and the flatten rule are the localization suite's (localization.h, map_rule). Each
//            map is brought to the input size by bilinear interpolation (half-pixel centres,
//            PyTorch's align_corners=False); its peak is the first maximum of the map itself.
//   erf      the effective receptive field (erf.h) of the unshifted image at every layer of the
//            erf suite where the cumulative stride grows, and at the last spatial layer, with the
//            theoretical field of `poolnet inspect` (models/summary.h).
//   spectra  for every downsampling layer (aliasing.h), the centred power spectrum of its input
//            and of its output at shift 0, P[u, v] = mean over channels of |DFT[u, v]|^2, and the
//            share of its input's spectral energy above its stride's Nyquist frequency.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "experiments/eval/erf.h"
#include "framework/ops/geometry.h"
#include "models/model.h"

namespace poolnet {

struct CamOverlay {
  std::string kind;                           // "cam" or "attention"
  int32_t target = 0;                         // the class whose CAM is drawn: predicted at shift 0
  int64_t stride = 0;                         // cumulative stride of the last feature map
  int64_t map_height = 0, map_width = 0;      // the last feature map's size
  int64_t height = 0, width = 0;              // the input's size
  std::vector<std::vector<float>> maps;       // [shift][i * map_width + j]
  std::vector<std::vector<float>> upsampled;  // [shift][h * width + w], bilinear
  std::vector<int32_t> predicted;             // [shift]
  std::vector<Size2d> peak;                   // [shift]: the map cell (i, j) of the first maximum
};

// Why `model` has no CAM or attention map to draw (naming its head), or "" when it has one.
std::string cam_unavailable(const Model& model);
// The overlay for normalised inputs [S, C, H, W], row d the image moved by d (row 0: unmoved).
// ConfigError (cam_unavailable's reason) for a model without a map.
CamOverlay cam_overlay(Model& model, const Tensor& inputs);
// map [h, w] -> [H, W]: bilinear with half-pixel centres (source y = (Y + 0.5) h / H - 0.5,
// clamped to [0, h - 1]; the same for x).
std::vector<float> upsample_bilinear(const float* map, int64_t h, int64_t w, int64_t H, int64_t W);

// The erf suite's layers (erf.h) for one normalised image [1, C, H, W] at which the cumulative
// stride grows, and the last one (the last spatial layer).
std::vector<ErfLayer> erf_overlay_layers(Model& model, const Tensor& input);

// A centred spectrum: row p holds signed frequency p - height / 2 (cycles per height pixels),
// column q signed frequency q - width / 2 (fftshift's layout).
struct PowerSpectrum {
  int64_t height = 0, width = 0;
  std::vector<double> power;  // [p * width + q]
};
// x [1, C, H, W] -> mean over channels of |DFT|^2 (framework/fft.h), centred.
PowerSpectrum centred_power_spectrum(const Tensor& x);

struct LayerSpectra {
  std::string name;  // "features.2"
  Size2d stride;     // the layer's own stride
  PowerSpectrum input, output;
  double aliased_share = 0;  // aliasing.h: aliased_share(spectral_energy(input, stride))
};
// Every downsampling layer of `model` (aliasing.h) for one normalised image [1, C, H, W].
std::vector<LayerSpectra> layer_spectra(Model& model, const Tensor& input);

}  // namespace poolnet
