// Golden cases from PyTorch (tests/golden/*.json, {"cases": [{"name": ..., ...}, ...]}) and the
// gtest name of a string parameter: what every golden and parameterised test shares.
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "framework/tensor.h"
#include "tests/support/source_dir.h"

namespace poolnet::testing {

// The "cases" array of tests/golden/<file>.
inline nlohmann::json read_golden_cases(const std::string& file) {
  const std::string path = source_dir() + "/tests/golden/" + file;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  return nlohmann::json::parse(in).at("cases");
}

inline std::vector<std::string> case_names(const nlohmann::json& cases) {
  std::vector<std::string> names;
  for (const nlohmann::json& c : cases) names.push_back(c.at("name"));
  return names;
}

inline const nlohmann::json& case_named(const nlohmann::json& cases, const std::string& name) {
  for (const nlohmann::json& c : cases) {
    if (c.at("name") == name) return c;
  }
  throw std::runtime_error("no golden case " + name);
}

// {"shape": [...], "data": [...]} as a tensor.
inline Tensor tensor_of(const nlohmann::json& j) {
  return Tensor::from_vector(j.at("shape").get<Shape>(), j.at("data").get<std::vector<float>>());
}

// A string parameter as a gtest name: every character but letters and digits becomes '_'.
inline std::string param_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

}  // namespace poolnet::testing
