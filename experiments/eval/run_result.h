// What one finished training run contributes to a study: the run's identity and its
// evaluation (shift metrics per mode, per-layer equivariance, the prediction strip, the other
// evaluation suites' metrics and curves), stored as
// the run's metrics.json and read back by the report.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "experiments/eval/shift_eval.h"
#include "experiments/eval/shift_panels.h"

namespace poolnet {

// Predictions of one run for a few test images, each shifted right by 0..K pixels
// (circularly), so the report can show where predictions flip.
struct PredictionStrip {
  int64_t max_shift = 0;
  std::vector<int64_t> image_indices;           // test-set indices
  std::vector<int32_t> labels;                  // their true labels
  std::vector<std::vector<int32_t>> predicted;  // [image][shift 0..K]
};

// One point of a suite's curve: the value (an accuracy unless the curve says otherwise) at
// parameter x of series `series` ("" when the curve has one series), e.g. (series "fog",
// x = severity 2).
struct CurvePoint {
  std::string series;
  double x = 0;
  double value = 0;
};
// A curve of an evaluation suite, written as <name>.csv in the run folder.
struct SuiteCurve {
  std::string name;         // file stem: "scale_curve"
  std::string series_name;  // CSV column of the series ("corruption"); empty for one series
  std::string x_name;       // CSV column of x ("scale")
  std::vector<CurvePoint> points;
  std::string value_name = "acc";  // CSV column of the value, and the report's axis label
};
// A 2-D map of an evaluation suite over the input image (the erf suite's effective receptive
// field of a layer), drawn as a picture; written with the suite's other maps as <suite>_maps.csv.
struct SuiteMap {
  std::string name;  // "features.6"
  int64_t height = 0, width = 0;
  std::vector<float> values;  // [height, width], row-major
};
// What an evaluation suite other than `translation` measured (experiments/eval/suites.h).
struct SuiteResult {
  std::string suite;
  std::vector<std::pair<std::string, double>> metrics;  // summary.csv columns
  std::vector<SuiteCurve> curves;
  std::vector<std::string> notes{};  // why a measurement is absent ("localization: skipped: ...")
  std::vector<SuiteMap> maps{};  // absent from results written before maps: empty
};

// A point of a study's grid over training options: (option, value) pairs.
using GridValues = std::vector<std::pair<std::string, std::string>>;

struct RunResult {
  std::string strategy;  // canonical downsample spec
  GridValues grid;       // the study's grid point
  uint64_t seed = 0;
  std::string model;  // canonical model name
  std::string dataset;
  int64_t epochs = 0;
  double train_seconds = 0;
  double final_train_loss = 0;
  std::vector<ShiftMetrics> shift;  // one per evaluated shift mode
  std::vector<EquivariancePoint> equivariance;
  PredictionStrip strip;
  ShiftPanels panels;  // the first test image's layer panels (circular shifts 0..K); empty in older results
  std::vector<std::string> suites;                            // evaluated, in registry order
  std::vector<SuiteResult> suite_results;                     // one per suite but translation
  std::vector<std::pair<std::string, double>> suite_seconds;  // time each suite took
};

// The value of a suite metric ("worst_shift_acc"), or nullptr.
const double* suite_metric(const RunResult& run, const std::string& name);
// A suite curve by name ("scale_curve"), or nullptr.
const SuiteCurve* suite_curve(const RunResult& run, const std::string& name);
// The curve as CSV: [series_name,]x_name,acc.
std::string curve_csv(const SuiteCurve& curve);
// A suite's maps as CSV, one row per pixel: map,row,col,value.
std::string maps_csv(const std::vector<SuiteMap>& maps);

// The variant a study reports: the strategy, then " option=value" per grid axis.
std::string variant(const std::string& strategy, const GridValues& grid);
std::string variant(const RunResult& run);
// "option=value option=value"; "" for no grid.
std::string grid_text(const GridValues& grid);

std::string to_json(const RunResult& run);                                           // pretty-printed JSON document
RunResult run_result_from_json(const std::string& text, const std::string& source);  // DataError names source

}  // namespace poolnet
