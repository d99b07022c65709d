#include "experiments/eval/run_result.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "framework/errors.h"

namespace poolnet {

namespace {
using nlohmann::json;

json shift_to_json(const ShiftMetrics& m) {
  json grid = json::array();
  for (const auto& p : m.grid) grid.push_back({p.dx, p.dy, p.acc});
  json diagonal = json::array();
  for (const auto& [d, acc] : m.diagonal) diagonal.push_back({d, acc});
  return {{"mode", to_string(m.mode)},          {"clean_acc", m.clean_acc},
          {"consistency", m.consistency},       {"flip_rate", m.flip_rate},
          {"prob_change", m.prob_change},       {"acc_shift_mean", m.acc_shift_mean},
          {"acc_shift_min", m.acc_shift_min},   {"grid", grid},
          {"diagonal", diagonal}};
}

ShiftMetrics shift_from_json(const json& j) {
  ShiftMetrics m;
  m.mode = parse_shift_mode(j.at("mode").get<std::string>());
  m.clean_acc = j.at("clean_acc").get<double>();
  m.consistency = j.at("consistency").get<double>();
  m.flip_rate = j.at("flip_rate").get<double>();
  m.prob_change = j.at("prob_change").get<double>();
  m.acc_shift_mean = j.at("acc_shift_mean").get<double>();
  m.acc_shift_min = j.at("acc_shift_min").get<double>();
  for (const auto& p : j.at("grid")) m.grid.push_back({p.at(0).get<int64_t>(), p.at(1).get<int64_t>(), p.at(2).get<double>()});
  for (const auto& p : j.at("diagonal")) m.diagonal.emplace_back(p.at(0).get<int64_t>(), p.at(1).get<double>());
  return m;
}
}  // namespace

std::string to_json(const RunResult& run) {
  json shift = json::array();
  for (const auto& m : run.shift) shift.push_back(shift_to_json(m));
  json equivariance = json::array();
  for (const auto& e : run.equivariance) {
    equivariance.push_back({{"layer", e.layer}, {"stride", e.stride}, {"shift", e.shift}, {"error", e.error}});
  }
  const json strip = {{"max_shift", run.strip.max_shift},
                      {"image_indices", run.strip.image_indices},
                      {"labels", run.strip.labels},
                      {"predicted", run.strip.predicted}};
  const json doc = {{"strategy", run.strategy},
                    {"seed", run.seed},
                    {"model", run.model},
                    {"dataset", run.dataset},
                    {"epochs", run.epochs},
                    {"train_seconds", run.train_seconds},
                    {"final_train_loss", run.final_train_loss},
                    {"shift", shift},
                    {"equivariance", equivariance},
                    {"strip", strip}};
  return doc.dump(2) + "\n";
}

RunResult run_result_from_json(const std::string& text, const std::string& source) {
  try {
    const json j = json::parse(text);
    RunResult run;
    run.strategy = j.at("strategy").get<std::string>();
    run.seed = j.at("seed").get<uint64_t>();
    run.model = j.at("model").get<std::string>();
    run.dataset = j.at("dataset").get<std::string>();
    run.epochs = j.at("epochs").get<int64_t>();
    run.train_seconds = j.at("train_seconds").get<double>();
    run.final_train_loss = j.at("final_train_loss").get<double>();
    for (const auto& m : j.at("shift")) run.shift.push_back(shift_from_json(m));
    for (const auto& e : j.at("equivariance")) {
      run.equivariance.push_back({e.at("layer").get<std::string>(), e.at("stride").get<int64_t>(),
                                  e.at("shift").get<int64_t>(), e.at("error").get<double>()});
    }
    const json& s = j.at("strip");
    run.strip.max_shift = s.at("max_shift").get<int64_t>();
    run.strip.image_indices = s.at("image_indices").get<std::vector<int64_t>>();
    run.strip.labels = s.at("labels").get<std::vector<int32_t>>();
    run.strip.predicted = s.at("predicted").get<std::vector<std::vector<int32_t>>>();
    return run;
  } catch (const json::exception& e) {
    throw DataError(fmt::format("{}: not a valid run result: {}", source, e.what()));
  } catch (const ConfigError& e) {
    throw DataError(fmt::format("{}: {}", source, e.what()));
  }
}

}  // namespace poolnet
