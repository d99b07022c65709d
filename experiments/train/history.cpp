#include "experiments/train/history.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "framework/errors.h"

namespace poolnet {

namespace {
using nlohmann::json;

json record_json(const EpochRecord& r) {
  return {{"epoch", r.epoch},       {"train_loss", r.train_loss}, {"train_acc", r.train_acc},
          {"test_loss", r.test_loss}, {"test_acc", r.test_acc},   {"validation_acc", r.validation_acc},
          {"lr", r.lr},             {"seconds", r.seconds},       {"images_per_second", r.images_per_second}};
}

EpochRecord record_from_json(const json& j) {
  return {j.at("epoch").get<int64_t>(),          j.at("train_loss").get<double>(), j.at("train_acc").get<double>(),
          j.at("test_loss").get<double>(),       j.at("test_acc").get<double>(),   j.at("validation_acc").get<double>(),
          j.at("lr").get<double>(),              j.at("seconds").get<double>(),    j.at("images_per_second").get<double>()};
}
}  // namespace

std::string to_json(const TrainHistory& history) {
  json list = json::array();
  for (const auto& r : history.epochs) list.push_back(record_json(r));
  return list.dump();
}

TrainHistory train_history_from_json(const std::string& text, const std::string& source) {
  try {
    TrainHistory history;
    for (const auto& j : json::parse(text)) history.epochs.push_back(record_from_json(j));
    return history;
  } catch (const json::exception& e) {
    throw DataError(fmt::format("{}: training history: {}", source, e.what()));
  }
}

std::string to_csv(const TrainHistory& history) {
  std::string csv = "epoch,train_loss,train_acc,test_loss,test_acc,validation_acc,lr,seconds,images_per_second\n";
  for (const auto& r : history.epochs) {
    csv += fmt::format("{},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6g},{:.3f},{:.1f}\n", r.epoch, r.train_loss, r.train_acc,
                       r.test_loss, r.test_acc, r.validation_acc, r.lr, r.seconds, r.images_per_second);
  }
  return csv;
}

}  // namespace poolnet
