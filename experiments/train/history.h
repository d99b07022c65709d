// The history of a training run: one record per finished epoch. It travels as this value; it
// becomes text only at the edges: train_log.csv, the "history" of metrics.json and the
// checkpoint's metadata (JSON, read back on resume).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace poolnet {

struct EpochRecord {
  int64_t epoch = 0;  // 1-based
  double train_loss = 0, train_acc = 0;
  double test_loss = 0, test_acc = 0;
  double validation_acc = -1;  // -1 without a validation split
  double lr = 0;
  double seconds = 0;
  double images_per_second = 0;
};

struct TrainHistory {
  std::vector<EpochRecord> epochs;  // in order, epochs[i].epoch == i + 1

  bool empty() const { return epochs.empty(); }
  const EpochRecord& last() const { return epochs.back(); }
};

// A JSON array with one object per epoch, keys named as the fields (compact, one line).
std::string to_json(const TrainHistory& history);
// DataError naming `source` if the text is not such an array.
TrainHistory train_history_from_json(const std::string& text, const std::string& source);
// train_log.csv: a header, then one row per epoch.
std::string to_csv(const TrainHistory& history);

}  // namespace poolnet
