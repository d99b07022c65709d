#include "experiments/eval/run_result.h"

#include <algorithm>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "framework/errors.h"

namespace poolnet {

namespace {
using nlohmann::json;

// Per-image outcomes as text: one character per image, the hexadecimal digit of its value.
std::string outcome_text(const std::vector<uint8_t>& values) {
  std::string out(values.size(), '0');
  for (size_t i = 0; i < values.size(); ++i) out[i] = "0123456789abcdef"[values[i] & 15];
  return out;
}

std::vector<uint8_t> outcome_values(const std::string& text, const char* key) {
  std::vector<uint8_t> out(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      out[i] = static_cast<uint8_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      out[i] = static_cast<uint8_t>(c - 'a' + 10);
    } else {
      throw ConfigError(fmt::format("'{}': character {} is not a hexadecimal digit", key, i));
    }
  }
  return out;
}

json shift_to_json(const ShiftMetrics& m) {
  json grid = json::array();
  for (const auto& p : m.grid) grid.push_back({p.dx, p.dy, p.acc});
  json diagonal = json::array();
  for (const auto& [d, acc] : m.diagonal) diagonal.push_back({d, acc});
  return {{"mode", to_string(m.mode)},
          {"clean_acc", m.clean_acc},
          {"consistency", m.consistency},
          {"flip_rate", m.flip_rate},
          {"prob_change", m.prob_change},
          {"acc_shift_mean", m.acc_shift_mean},
          {"acc_shift_min", m.acc_shift_min},
          {"grid", grid},
          {"diagonal", diagonal},
          {"correct", outcome_text(m.correct)},
          {"consistent", outcome_text(m.consistent)},
          {"flipped", outcome_text(m.flipped)}};
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
  for (const auto& p : j.at("grid"))
    m.grid.push_back({p.at(0).get<int64_t>(), p.at(1).get<int64_t>(), p.at(2).get<double>()});
  for (const auto& p : j.at("diagonal")) m.diagonal.emplace_back(p.at(0).get<int64_t>(), p.at(1).get<double>());
  m.correct = outcome_values(j.at("correct").get<std::string>(), "correct");
  m.consistent = outcome_values(j.at("consistent").get<std::string>(), "consistent");
  m.flipped = outcome_values(j.at("flipped").get<std::string>(), "flipped");
  if (m.consistent.size() != m.correct.size() || m.flipped.size() != m.correct.size()) {
    throw ConfigError("the per-image outcomes 'correct', 'consistent' and 'flipped' differ in length");
  }
  return m;
}
json suite_to_json(const SuiteResult& r) {
  json metrics = json::array();
  for (const auto& [name, value] : r.metrics) metrics.push_back({name, value});
  json curves = json::array();
  for (const auto& c : r.curves) {
    json points = json::array();
    for (const auto& p : c.points) points.push_back({p.series, p.x, p.value});
    curves.push_back({{"name", c.name},
                      {"series_name", c.series_name},
                      {"x_name", c.x_name},
                      {"value_name", c.value_name},
                      {"points", points}});
  }
  json maps = json::array();
  for (const auto& m : r.maps) {
    maps.push_back({{"name", m.name}, {"height", m.height}, {"width", m.width}, {"values", m.values}});
  }
  return {{"suite", r.suite}, {"metrics", metrics}, {"curves", curves}, {"maps", maps}, {"notes", r.notes}};
}

SuiteResult suite_from_json(const json& j) {
  SuiteResult r;
  r.suite = j.at("suite").get<std::string>();
  for (const auto& m : j.at("metrics")) r.metrics.emplace_back(m.at(0).get<std::string>(), m.at(1).get<double>());
  for (const auto& c : j.at("curves")) {
    SuiteCurve curve{c.at("name").get<std::string>(),
                     c.at("series_name").get<std::string>(),
                     c.at("x_name").get<std::string>(),
                     {},
                     c.value("value_name", std::string("acc"))};
    for (const auto& p : c.at("points")) {
      curve.points.push_back({p.at(0).get<std::string>(), p.at(1).get<double>(), p.at(2).get<double>()});
    }
    r.curves.push_back(std::move(curve));
  }
  if (j.contains("notes")) r.notes = j.at("notes").get<std::vector<std::string>>();
  if (j.contains("maps")) {
    for (const auto& m : j.at("maps")) {
      SuiteMap map{m.at("name").get<std::string>(), m.at("height").get<int64_t>(), m.at("width").get<int64_t>(),
                   m.at("values").get<std::vector<float>>()};
      if (map.height < 0 || map.width < 0 || static_cast<int64_t>(map.values.size()) != map.height * map.width) {
        throw ConfigError(fmt::format("map '{}' of suite '{}': {} values for {}x{}", map.name, r.suite,
                                      map.values.size(), map.height, map.width));
      }
      r.maps.push_back(std::move(map));
    }
  }
  return r;
}
}  // namespace

const double* suite_metric(const RunResult& run, const std::string& name) {
  for (const auto& r : run.suite_results) {
    for (const auto& [key, value] : r.metrics) {
      if (key == name) return &value;
    }
  }
  return nullptr;
}

const SuiteCurve* suite_curve(const RunResult& run, const std::string& name) {
  for (const auto& r : run.suite_results) {
    for (const auto& c : r.curves) {
      if (c.name == name) return &c;
    }
  }
  return nullptr;
}

std::string curve_csv(const SuiteCurve& curve) {
  std::string out = curve.series_name.empty()
                        ? fmt::format("{},{}\n", curve.x_name, curve.value_name)
                        : fmt::format("{},{},{}\n", curve.series_name, curve.x_name, curve.value_name);
  for (const auto& p : curve.points) {
    out += curve.series_name.empty() ? fmt::format("{},{:.6f}\n", p.x, p.value)
                                     : fmt::format("{},{},{:.6f}\n", p.series, p.x, p.value);
  }
  return out;
}

std::string maps_csv(const std::vector<SuiteMap>& maps) {
  std::string out = "map,row,col,value\n";
  for (const auto& m : maps) {
    for (int64_t h = 0; h < m.height; ++h) {
      for (int64_t w = 0; w < m.width; ++w)
        out += fmt::format("{},{},{},{:.6g}\n", m.name, h, w, m.values[static_cast<size_t>(h * m.width + w)]);
    }
  }
  return out;
}

std::string grid_text(const GridValues& grid) {
  std::string out;
  for (const auto& [key, value] : grid) out += fmt::format("{}{}={}", out.empty() ? "" : " ", key, value);
  return out;
}

std::string variant(const std::string& strategy, const GridValues& grid) {
  return grid.empty() ? strategy : strategy + " " + grid_text(grid);
}

std::string variant(const RunResult& run) { return variant(run.strategy, run.grid); }

std::string to_json(const RunResult& run) {
  json shift = json::array();
  for (const auto& m : run.shift) shift.push_back(shift_to_json(m));
  json equivariance = json::array();
  for (const auto& e : run.equivariance) {
    equivariance.push_back(
        {{"layer", e.layer}, {"type", e.type}, {"stride", e.stride}, {"shift", e.shift}, {"error", e.error}});
  }
  const json strip = {{"max_shift", run.strip.max_shift},
                      {"image_indices", run.strip.image_indices},
                      {"labels", run.strip.labels},
                      {"predicted", run.strip.predicted}};
  json grid = json::array();
  for (const auto& [key, value] : run.grid) grid.push_back({key, value});
  json layers = json::array();
  for (const auto& l : run.panels.layers) {
    layers.push_back({{"layer", l.layer}, {"type", l.type}, {"stride", l.stride}, {"channels", l.channels},
                      {"height", l.height}, {"width", l.width}, {"maps", l.maps}, {"error", l.error}});
  }
  const ShiftPanels& pn = run.panels;
  const json panels = {{"mode", to_string(pn.mode)}, {"channels", pn.channels}, {"height", pn.height},
                       {"width", pn.width},           {"input", pn.input},       {"predicted", pn.predicted},
                       {"layers", layers}};
  json suite_results = json::array();
  for (const auto& r : run.suite_results) suite_results.push_back(suite_to_json(r));
  json suite_seconds = json::array();
  for (const auto& [name, seconds] : run.suite_seconds) suite_seconds.push_back({name, seconds});
  const json doc = {{"strategy", run.strategy},
                    {"grid", grid},
                    {"seed", run.seed},
                    {"model", run.model},
                    {"dataset", run.dataset},
                    {"epochs", run.epochs},
                    {"train_seconds", run.train_seconds},
                    {"final_train_loss", run.final_train_loss},
                    {"shift", shift},
                    {"equivariance", equivariance},
                    {"strip", strip},
                    {"panels", panels},
                    {"suites", run.suites},
                    {"suite_results", suite_results},
                    {"suite_seconds", suite_seconds}};
  return doc.dump(2) + "\n";
}

RunResult run_result_from_json(const std::string& text, const std::string& source) {
  try {
    const json j = json::parse(text);
    RunResult run;
    run.strategy = j.at("strategy").get<std::string>();
    for (const auto& p : j.at("grid")) run.grid.emplace_back(p.at(0).get<std::string>(), p.at(1).get<std::string>());
    run.seed = j.at("seed").get<uint64_t>();
    run.model = j.at("model").get<std::string>();
    run.dataset = j.at("dataset").get<std::string>();
    run.epochs = j.at("epochs").get<int64_t>();
    run.train_seconds = j.at("train_seconds").get<double>();
    run.final_train_loss = j.at("final_train_loss").get<double>();
    for (const auto& m : j.at("shift")) run.shift.push_back(shift_from_json(m));
    for (const auto& e : j.at("equivariance")) {
      run.equivariance.push_back({e.at("layer").get<std::string>(), e.at("type").get<std::string>(),
                                  e.at("stride").get<int64_t>(), e.at("shift").get<int64_t>(),
                                  e.at("error").get<double>()});
    }
    const json& s = j.at("strip");
    run.strip.max_shift = s.at("max_shift").get<int64_t>();
    run.strip.image_indices = s.at("image_indices").get<std::vector<int64_t>>();
    run.strip.labels = s.at("labels").get<std::vector<int32_t>>();
    run.strip.predicted = s.at("predicted").get<std::vector<std::vector<int32_t>>>();
    if (j.contains("panels")) {  // absent from results written before the layer panels
      const json& pj = j.at("panels");
      ShiftPanels& pn = run.panels;
      pn.mode = parse_shift_mode(pj.at("mode").get<std::string>());
      pn.channels = pj.at("channels").get<int64_t>();
      pn.height = pj.at("height").get<int64_t>();
      pn.width = pj.at("width").get<int64_t>();
      pn.input = pj.at("input").get<std::vector<std::vector<float>>>();
      pn.predicted = pj.at("predicted").get<std::vector<int32_t>>();
      for (const auto& l : pj.at("layers")) {
        LayerPanel layer{l.at("layer").get<std::string>(),
                         l.at("type").get<std::string>(),
                         l.at("stride").get<int64_t>(),
                         l.at("channels").get<int64_t>(),
                         l.at("height").get<int64_t>(),
                         l.at("width").get<int64_t>(),
                         l.at("maps").get<std::vector<std::vector<float>>>(),
                         l.at("error").get<std::vector<double>>()};
        const auto per_shift = static_cast<size_t>(layer.channels * layer.height * layer.width);
        if (layer.error.size() != pn.input.size() || layer.maps.size() != pn.input.size() ||
            std::any_of(layer.maps.begin(), layer.maps.end(), [&](const auto& m) { return m.size() != per_shift; })) {
          throw ConfigError(fmt::format("panels of layer '{}': sizes disagree", layer.layer));
        }
        pn.layers.push_back(std::move(layer));
      }
    }
    // Results written before the evaluation suites hold the translation metrics only.
    run.suites =
        j.contains("suites") ? j.at("suites").get<std::vector<std::string>>() : std::vector<std::string>{"translation"};
    if (j.contains("suite_results")) {
      for (const auto& r : j.at("suite_results")) run.suite_results.push_back(suite_from_json(r));
    }
    if (j.contains("suite_seconds")) {
      for (const auto& p : j.at("suite_seconds"))
        run.suite_seconds.emplace_back(p.at(0).get<std::string>(), p.at(1).get<double>());
    }
    return run;
  } catch (const json::exception& e) {
    throw DataError(fmt::format("{}: not a valid run result: {}", source, e.what()));
  } catch (const ConfigError& e) {
    throw DataError(fmt::format("{}: {}", source, e.what()));
  }
}

}  // namespace poolnet
