#include "models/summary.h"

#include <algorithm>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "framework/autograd.h"
#include "framework/profile.h"

namespace poolnet {

FieldAxis apply_window(FieldAxis field, int64_t kernel, int64_t stride, int64_t padding, int64_t dilation, bool global,
                       int64_t input) {
  if (global) return {input, 0, static_cast<double>(input - 1) / 2.0};
  if (field.jump == 0) return field;
  const int64_t k = dilation * (kernel - 1) + 1;
  field.size += (k - 1) * field.jump;
  field.centre += (static_cast<double>(k - 1) / 2.0 - static_cast<double>(padding)) * static_cast<double>(field.jump);
  field.jump *= stride;
  return field;
}

FieldAxis whole_map_field(FieldAxis field, int64_t input) {
  if (field.jump == 0) return field;
  field.size = std::max(field.size, 2 * input - 1);
  return field;
}

ModelSummary summarize(Model& model) {
  NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  const ModelSpec& spec = model.spec();
  ModelSummary summary{canonical_name(spec), spec, {}, 0, 0};
  Tensor h = Tensor::zeros({1, spec.input[0], spec.input[1], spec.input[2]});
  FieldAxis fh, fw;
  bool bound = false, whole_map = false;
  for (const auto& [prefix, stage] : {std::pair{"features", &model.features()}, std::pair{"classifier", &model.classifier()}}) {
    for (const auto& [name, child] : stage->children()) {
      LayerSummary row;
      row.name = fmt::format("{}.{}", prefix, name);
      row.description = child->describe();
      row.type = row.description.substr(0, row.description.find('('));
      {
        MacCounter counter;
        h = child->forward(h);
        row.macs = counter.count();
      }
      row.output = Shape(h.shape().begin() + 1, h.shape().end());
      row.params = child->parameter_count();
      for (const auto& [pname, t] : child->named_parameters()) row.parameters.emplace_back(row.name + "." + pname, t.shape());
      row.windows = child->windows();
      // Flattening a spatial map into features makes every later output see the whole input.
      if (h.dim() == 2 && fh.jump != 0) row.windows.push_back(Window{.global = true});
      for (const Window& w : row.windows) {
        fh = apply_window(fh, w.kernel.h, w.stride.h, w.padding.h, w.dilation.h, w.global, spec.input[1]);
        fw = apply_window(fw, w.kernel.w, w.stride.w, w.padding.w, w.dilation.w, w.global, spec.input[2]);
        if (w.whole_map) {
          fh = whole_map_field(fh, spec.input[1]);
          fw = whole_map_field(fw, spec.input[2]);
        }
        bound = bound || w.adaptive;
        whole_map = (whole_map || w.whole_map) && !w.global;
      }
      row.field_h = fh;
      row.field_w = fw;
      row.field_is_bound = bound;
      row.field_is_whole_map = whole_map;
      summary.total_params += row.params;
      summary.total_macs += row.macs;
      summary.layers.push_back(std::move(row));
    }
  }
  model.train(was_training);
  return summary;
}

namespace {
std::string field_text(const LayerSummary& l) {
  if (l.field_is_whole_map) return "whole map";
  const std::string bound = l.field_is_bound ? "≤" : "";
  return fmt::format("{}{}x{}", bound, l.field_h.size, l.field_w.size);
}

std::string human(int64_t n) {
  if (n >= 10'000'000) return fmt::format("{:.1f}M", n / 1e6);
  if (n >= 10'000) return fmt::format("{:.1f}k", n / 1e3);
  return std::to_string(n);
}
}  // namespace

std::string summary_table(const ModelSummary& s) {
  std::string out = fmt::format("{}  input {}\n", s.model, shape_str(s.spec.input));
  const auto line = [](const std::string& a, const std::string& b, const std::string& c, const std::string& d,
                       const std::string& e, const std::string& f, const std::string& g, const std::string& h) {
    return fmt::format("{:<14} {:<44} {:>14} {:>9} {:>9} {:>9} {:>7} {:>13}\n", a, b, c, d, e, f, g, h);
  };
  out += line("layer", "module", "output", "params", "MACs", "field", "stride", "first centre");
  for (const auto& l : s.layers) {
    std::string desc = l.description.size() > 44 ? l.description.substr(0, 41) + "..." : l.description;
    const bool spatial = l.field_h.jump != 0;
    out += line(l.name, desc, shape_str(l.output), human(l.params), human(l.macs), field_text(l),
                spatial ? fmt::format("{}", l.field_h.jump) : "-",
                spatial ? fmt::format("({:g},{:g})", l.field_h.centre, l.field_w.centre) : "-");
  }
  out += fmt::format("total: {} parameters, {} multiply-accumulates per image\n", s.total_params, s.total_macs);
  return out;
}

std::string summary_json(const ModelSummary& s) {
  using nlohmann::json;
  json layers = json::array();
  for (const auto& l : s.layers) {
    json windows = json::array();
    for (const auto& w : l.windows) {
      windows.push_back({{"kernel", {w.kernel.h, w.kernel.w}},
                         {"stride", {w.stride.h, w.stride.w}},
                         {"padding", {w.padding.h, w.padding.w}},
                         {"dilation", {w.dilation.h, w.dilation.w}},
                         {"global", w.global},
                         {"adaptive", w.adaptive},
                         {"whole_map", w.whole_map}});
    }
    json params = json::array();
    for (const auto& [name, shape] : l.parameters) params.push_back({{"name", name}, {"shape", shape}});
    layers.push_back({{"name", l.name},
                      {"type", l.type},
                      {"module", l.description},
                      {"output_shape", l.output},
                      {"params", l.params},
                      {"macs", l.macs},
                      {"receptive_field", {l.field_h.size, l.field_w.size}},
                      {"receptive_field_is_bound", l.field_is_bound},
                      {"receptive_field_is_whole_map", l.field_is_whole_map},
                      {"stride", {l.field_h.jump, l.field_w.jump}},
                      {"first_centre", {l.field_h.centre, l.field_w.centre}},
                      {"windows", windows},
                      {"parameters", params}});
  }
  json spec = json::object();
  for (const auto& [k, v] : to_metadata(s.spec)) spec[k.substr(k.rfind('.') + 1)] = v;
  const json doc = {{"model", s.model},   {"spec", spec},
                    {"input", s.spec.input}, {"layers", layers},
                    {"total_params", s.total_params}, {"total_macs", s.total_macs}};
  return doc.dump(2) + "\n";
}

}  // namespace poolnet
