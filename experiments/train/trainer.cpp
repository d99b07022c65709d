#include "experiments/train/trainer.h"

#include <chrono>
#include <cmath>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "experiments/train/checkpoint.h"
#include "experiments/train/interrupt.h"
#include "experiments/train/progress.h"
#include "framework/autograd.h"
#include "framework/data/loader.h"
#include "framework/errors.h"
#include "framework/io/atomic_file.h"
#include "framework/ops/ops.h"
#include "framework/optim/factory.h"
#include "framework/optim/schedule.h"

namespace poolnet {

namespace {
using nlohmann::json;
using Clock = std::chrono::steady_clock;

data::DatasetOptions dataset_options(const TrainConfig& c, int64_t limit) {
  data::DatasetOptions o;
  o.data_dir = c.data_dir;
  o.validation_fraction = c.validation;
  o.validation_seed = c.seed;
  o.limit = limit;
  return o;
}

OptimizerConfig optimizer_config(const TrainConfig& c) {
  OptimizerConfig o;
  o.name = c.optimizer;
  o.lr = c.lr;
  o.weight_decay = c.weight_decay;
  if (c.optimizer == "sgd") {
    o.momentum = c.momentum;
    o.nesterov = c.nesterov;
  }
  return o;
}

data::LoaderOptions loader_options(const TrainConfig& c) {
  data::LoaderOptions o;
  o.batch_size = c.batch;
  o.seed = c.seed;
  o.augment.max_shift = c.augment_shift;
  o.augment.shift_fill = c.augment_shift_mode == "circular" ? data::ShiftFill::kCircular : data::ShiftFill::kZeros;
  o.augment.crop_padding = c.augment_crop;
  o.augment.horizontal_flip = c.augment_flip;
  return o;
}

int64_t count_correct(const Tensor& logits, const std::vector<int32_t>& labels) {
  const int64_t N = logits.size(0), C = logits.size(1);
  int64_t correct = 0;
  for (int64_t n = 0; n < N; ++n) {
    const float* row = logits.data() + n * C;
    correct += std::max_element(row, row + C) - row == labels[static_cast<size_t>(n)];
  }
  return correct;
}

json record_json(const EpochRecord& r) {
  return {{"epoch", r.epoch},       {"train_loss", r.train_loss}, {"train_acc", r.train_acc},
          {"test_loss", r.test_loss}, {"test_acc", r.test_acc},   {"validation_acc", r.validation_acc},
          {"lr", r.lr},             {"seconds", r.seconds},       {"images_per_second", r.images_per_second}};
}

std::vector<EpochRecord> history_from_json(const std::string& text) {
  std::vector<EpochRecord> out;
  for (const auto& j : json::parse(text)) {
    out.push_back({j.at("epoch").get<int64_t>(), j.at("train_loss").get<double>(), j.at("train_acc").get<double>(),
                   j.at("test_loss").get<double>(), j.at("test_acc").get<double>(), j.at("validation_acc").get<double>(),
                   j.at("lr").get<double>(), j.at("seconds").get<double>(), j.at("images_per_second").get<double>()});
  }
  return out;
}

std::string history_json(const std::vector<EpochRecord>& history) {
  json list = json::array();
  for (const auto& r : history) list.push_back(record_json(r));
  return list.dump();
}

void write_log_csv(const std::filesystem::path& path, const std::vector<EpochRecord>& history) {
  std::string csv = "epoch,train_loss,train_acc,test_loss,test_acc,validation_acc,lr,seconds,images_per_second\n";
  for (const auto& r : history) {
    csv += fmt::format("{},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6g},{:.3f},{:.1f}\n", r.epoch, r.train_loss, r.train_acc,
                       r.test_loss, r.test_acc, r.validation_acc, r.lr, r.seconds, r.images_per_second);
  }
  write_file_atomically(path.string(), csv);
}
}  // namespace

data::Dataset open_test_set(const TrainConfig& config) {
  return data::open_dataset(config.dataset, data::Split::kTest, dataset_options(config, config.test_samples));
}

std::pair<double, double> evaluate_accuracy(Model& model, const data::Dataset& data, int64_t batch) {
  NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  double loss_sum = 0;
  int64_t correct = 0;
  std::vector<int64_t> indices;
  for (int64_t b0 = 0; b0 < data.size(); b0 += batch) {
    indices.clear();
    std::vector<int32_t> labels;
    for (int64_t i = b0; i < std::min(data.size(), b0 + batch); ++i) {
      indices.push_back(i);
      labels.push_back(data.label(i));
    }
    const Tensor logits = model.forward(data.images(indices, true));
    loss_sum += static_cast<double>(cross_entropy(logits, labels).item()) * static_cast<double>(labels.size());
    correct += count_correct(logits, labels);
  }
  model.train(was_training);
  const double n = static_cast<double>(std::max<int64_t>(data.size(), 1));
  return {loss_sum / n, static_cast<double>(correct) / n};
}

TrainResult train_run(const TrainConfig& config, const std::filesystem::path& out, const TrainOptions& options) {
  validate(config);
  std::filesystem::create_directories(out);
  set_detect_anomaly(config.detect_anomaly);
  TrainResult result;
  const data::Dataset train_set =
      data::open_dataset(config.dataset, data::Split::kTrain, dataset_options(config, config.train_samples));
  result.test = open_test_set(config);
  data::Dataset validation_set;
  if (config.validation > 0) {
    validation_set = data::open_dataset(config.dataset, data::Split::kValidation, dataset_options(config, 0));
  }
  const ModelSpec spec = config.model_spec(train_set.image_shape(), train_set.num_classes());
  result.model = build_model(spec, config.seed);
  Model& model = *result.model;
  auto optimizer = make_optimizer(optimizer_config(config), model.named_parameters());
  const data::Loader loader(train_set, loader_options(config));
  const int64_t batches = loader.batches_per_epoch();
  const Schedule schedule = parse_schedule(config.schedule, config.lr, config.epochs * batches);

  TrainPosition pos;
  const auto checkpoint_path = out / "checkpoint.safetensors";
  if (options.resume) {
    std::vector<std::string> warnings;
    if (auto loaded = load_latest_checkpoint(checkpoint_path, model, *optimizer, config, warnings)) pos = *loaded;
    for (const std::string& w : warnings) spdlog::warn("{}", w);
  }
  result.history = history_from_json(pos.history_json);
  const auto save_position = [&] {
    pos.history_json = history_json(result.history);
    save_rotated_checkpoint(checkpoint_path, model, *optimizer, config, pos);
  };
  const auto last_good = [&] {
    return std::filesystem::exists(checkpoint_path) ? "the last good checkpoint is " + checkpoint_path.string()
                                                    : std::string("no checkpoint was written yet");
  };

  Progress progress(options.quiet, options.label);
  model.train();
  for (; pos.epoch < config.epochs; ++pos.epoch, pos.batch = 0) {
    const auto epoch_start = Clock::now();
    int64_t epoch_images = 0;
    progress.start_epoch(pos.epoch, config.epochs, batches, pos.batch);
    for (; pos.batch < batches; ++pos.batch) {
      const data::Batch batch = loader.batch(pos.epoch, pos.batch);
      optimizer->set_lr(lr_at(schedule, pos.step));
      Tensor logits, loss;
      try {
        logits = model.forward(batch.images);
        loss = cross_entropy(logits, batch.labels, static_cast<float>(config.label_smoothing));
      } catch (const NumericalError& e) {  // --detect-anomaly: say where in training
        throw NumericalError(fmt::format("training diverged at epoch {}, step {} (batch {} of the epoch): {}; {} — try "
                                         "a lower --lr",
                                         pos.epoch + 1, pos.step + 1, pos.batch + 1, e.what(), last_good()));
      }
      const float value = loss.item();
      if (!std::isfinite(value)) {
        throw NumericalError(fmt::format("training diverged: loss is {} at epoch {}, step {} (batch {} of the epoch); "
                                         "{} — try a lower --lr",
                                         value, pos.epoch + 1, pos.step + 1, pos.batch + 1, last_good()));
      }
      try {
        optimizer->zero_grad();
        loss.backward();
        optimizer->step();
      } catch (const NumericalError& e) {  // --detect-anomaly: say where in training
        throw NumericalError(fmt::format("training diverged at epoch {}, step {} (batch {} of the epoch): {}; {} — try "
                                         "a lower --lr",
                                         pos.epoch + 1, pos.step + 1, pos.batch + 1, e.what(), last_good()));
      }
      const auto B = static_cast<int64_t>(batch.labels.size());
      pos.loss_sum += static_cast<double>(value) * static_cast<double>(B);
      pos.correct += count_correct(logits, batch.labels);
      pos.seen += B;
      ++pos.step;
      epoch_images += B;
      progress.update(pos.batch, B, pos.loss_sum / static_cast<double>(pos.seen),
                      static_cast<double>(pos.correct) / static_cast<double>(pos.seen));
      const bool interrupted = interrupt_requested();
      if ((interrupted || (config.checkpoint_every > 0 && pos.step % config.checkpoint_every == 0)) &&
          pos.batch + 1 < batches) {
        ++pos.batch;
        save_position();
        --pos.batch;
      }
      if (interrupted && pos.batch + 1 < batches) {
        throw Interrupted(fmt::format("interrupted at epoch {}, step {}; checkpoint written to {}; run the same "
                                      "command again with --resume to continue",
                                      pos.epoch + 1, pos.step, checkpoint_path.string()));
      }
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - epoch_start).count();
    result.seconds += seconds;
    EpochRecord r;
    r.epoch = pos.epoch + 1;
    r.train_loss = pos.loss_sum / static_cast<double>(std::max<int64_t>(pos.seen, 1));
    r.train_acc = static_cast<double>(pos.correct) / static_cast<double>(std::max<int64_t>(pos.seen, 1));
    std::tie(r.test_loss, r.test_acc) = evaluate_accuracy(model, result.test);
    if (validation_set.size() > 0) r.validation_acc = evaluate_accuracy(model, validation_set).second;
    r.lr = optimizer->lr();
    r.seconds = seconds;
    r.images_per_second = seconds > 0 ? static_cast<double>(epoch_images) / seconds : 0.0;
    result.history.push_back(r);
    progress.end_epoch(fmt::format("epoch {}/{}: train loss {:.4f} acc {:.4f}, test loss {:.4f} acc {:.4f} ({:.1f} s, "
                                   "{:.0f} img/s)",
                                   r.epoch, config.epochs, r.train_loss, r.train_acc, r.test_loss, r.test_acc, seconds,
                                   r.images_per_second));
    pos.loss_sum = 0;
    pos.correct = pos.seen = 0;
    ++pos.epoch;
    pos.batch = 0;
    save_position();
    --pos.epoch;
    write_log_csv(out / "train_log.csv", result.history);
    if (interrupt_requested() && pos.epoch + 1 < config.epochs) {
      throw Interrupted(fmt::format("interrupted after epoch {}; checkpoint written to {}; run the same command again "
                                    "with --resume to continue",
                                    pos.epoch + 1, checkpoint_path.string()));
    }
  }

  save_model(out / "model.safetensors", model, config);
  json metrics = {{"model", canonical_name(spec)},
                  {"dataset", config.dataset},
                  {"config", json::parse(to_json(config))},
                  {"history", json::parse(history_json(result.history))},
                  {"test_acc", result.history.empty() ? 0.0 : result.history.back().test_acc},
                  {"train_seconds", result.seconds}};
  write_file_atomically((out / "metrics.json").string(), metrics.dump(2) + "\n");
  return result;
}

}  // namespace poolnet
