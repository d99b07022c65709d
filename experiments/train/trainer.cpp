#include "experiments/train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "experiments/train/checkpoint.h"
#include "experiments/train/interrupt.h"
#include "experiments/train/progress.h"
#include "experiments/train/tips_loss.h"
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
  if (c.image_size > 0) o.shapes.image_size = c.image_size;
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

// The held-out split, or an empty data set without --validation.
data::Dataset open_validation_set(const TrainConfig& c) {
  if (c.validation > 0) return data::open_dataset(c.dataset, data::Split::kValidation, dataset_options(c, 0));
  return {};
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

namespace {
// A run in progress: its data, model, optimizer, schedule and position (with the history of
// the finished epochs); the steps train_run takes.
class TrainingRun {
 public:
  TrainingRun(const TrainConfig& config, const std::filesystem::path& out, const TrainOptions& options)
      : config_(config),
        out_(out),
        checkpoint_path_(out / "checkpoint.safetensors"),
        train_set_(data::open_dataset(config.dataset, data::Split::kTrain, dataset_options(config, config.train_samples))),
        test_set_(open_test_set(config)),
        validation_set_(open_validation_set(config)),
        spec_(config.model_spec(train_set_.image_shape(), train_set_.num_classes())),
        model_(build_model(spec_, config.seed)),
        optimizer_(make_optimizer(optimizer_config(config), model_->named_parameters())),
        loader_(train_set_, loader_options(config)),
        batches_(loader_.batches_per_epoch()),
        schedule_(parse_schedule(config.schedule, config.lr, config.epochs * batches_)),
        tips_loss_(parse_tips_loss(config.tips_loss)),
        progress_(options.quiet, options.label) {}

  // Continues from the newest intact checkpoint in the run folder, if there is one.
  void resume_from_latest_checkpoint() {
    std::vector<std::string> warnings;
    if (auto loaded = load_latest_checkpoint(checkpoint_path_, *model_, *optimizer_, config_, warnings)) {
      position_ = *loaded;
    }
    for (const std::string& w : warnings) spdlog::warn("{}", w);
  }

  bool finished() const { return position_.epoch >= config_.epochs; }

  // The rest of the current epoch, its record, its checkpoint and train_log.csv.
  void train_epoch() {
    const auto start = Clock::now();
    int64_t images = 0;
    model_->train();
    progress_.start_epoch(position_.epoch, config_.epochs, batches_, position_.batch);
    for (; position_.batch < batches_; ++position_.batch) {
      images += train_step(loader_.batch(position_.epoch, position_.batch));
      checkpoint_within_epoch_if_due();
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    seconds_ += seconds;
    record_epoch(seconds, images);
    start_next_epoch();
  }

  void save_model_and_metrics() const {
    save_model(out_ / "model.safetensors", *model_, config_);
    const TrainHistory& history = position_.history;
    const json metrics = {{"model", canonical_name(spec_)},
                          {"dataset", config_.dataset},
                          {"config", json::parse(to_json(config_))},
                          {"history", json::parse(to_json(history))},
                          {"test_acc", history.empty() ? 0.0 : history.last().test_acc},
                          {"train_seconds", seconds_}};
    write_file_atomically((out_ / "metrics.json").string(), metrics.dump(2) + "\n");
  }

  TrainResult take_result() {
    return {std::move(model_), std::move(test_set_), std::move(position_.history), seconds_};
  }

 private:
  struct Forward {
    Tensor logits, loss;
    float value = 0;  // the loss, finite
  };

  // One optimizer step on a batch; returns its number of images.
  int64_t train_step(const data::Batch& batch) {
    optimizer_->set_lr(lr_at(schedule_, position_.step));
    Forward f = forward(batch);
    backward_and_update(f.loss);
    const auto B = static_cast<int64_t>(batch.labels.size());
    position_.loss_sum += static_cast<double>(f.value) * static_cast<double>(B);
    position_.correct += count_correct(f.logits, batch.labels);
    position_.seen += B;
    ++position_.step;
    progress_.update(position_.batch, B, position_.loss_sum / static_cast<double>(position_.seen),
                     static_cast<double>(position_.correct) / static_cast<double>(position_.seen));
    return B;
  }

  Forward forward(const data::Batch& batch) {
    Forward f;
    try {
      f.logits = model_->forward(batch.images);
      f.loss = cross_entropy(f.logits, batch.labels, static_cast<float>(config_.label_smoothing));
      if (tips_loss_.enabled && position_.epoch + 1 >= tips_loss_.start_epoch) {
        if (const Tensor r = tips_regulariser_sum(*model_); r.defined()) {
          f.loss = add(f.loss, mul(r, static_cast<float>(tips_loss_.alpha)));
        }
      }
    } catch (const NumericalError& e) {  // --detect-anomaly
      throw diverged_at_step(e);
    }
    f.value = f.loss.item();
    if (!std::isfinite(f.value)) {
      throw NumericalError(fmt::format("training diverged: loss is {} at epoch {}, step {} (batch {} of the epoch); "
                                       "{} — try a lower --lr",
                                       f.value, position_.epoch + 1, position_.step + 1, position_.batch + 1,
                                       last_good_checkpoint()));
    }
    return f;
  }

  void backward_and_update(Tensor& loss) {
    try {
      optimizer_->zero_grad();
      loss.backward();
      optimizer_->step();
    } catch (const NumericalError& e) {  // --detect-anomaly
      throw diverged_at_step(e);
    }
  }

  // After a step that does not end the epoch: a checkpoint every --checkpoint-every steps, and
  // on SIGINT/SIGTERM a checkpoint, then Interrupted. (The epoch's end always checkpoints.)
  void checkpoint_within_epoch_if_due() {
    if (position_.batch + 1 >= batches_) return;
    const bool interrupted = interrupt_requested();
    const bool due = config_.checkpoint_every > 0 && position_.step % config_.checkpoint_every == 0;
    if (interrupted || due) {
      TrainPosition next = position_;
      ++next.batch;
      save_rotated_checkpoint(checkpoint_path_, *model_, *optimizer_, config_, next);
    }
    if (interrupted) {
      throw Interrupted(fmt::format("interrupted at epoch {}, step {}; checkpoint written to {}; run the same "
                                    "command again with --resume to continue",
                                    position_.epoch + 1, position_.step, checkpoint_path_.string()));
    }
  }

  // The finished epoch's record: training sums, test (and validation) accuracy, rate.
  void record_epoch(double seconds, int64_t images) {
    EpochRecord r;
    r.epoch = position_.epoch + 1;
    r.train_loss = position_.loss_sum / static_cast<double>(std::max<int64_t>(position_.seen, 1));
    r.train_acc = static_cast<double>(position_.correct) / static_cast<double>(std::max<int64_t>(position_.seen, 1));
    std::tie(r.test_loss, r.test_acc) = evaluate_accuracy(*model_, test_set_);
    if (validation_set_.size() > 0) r.validation_acc = evaluate_accuracy(*model_, validation_set_).second;
    r.lr = optimizer_->lr();
    r.seconds = seconds;
    r.images_per_second = seconds > 0 ? static_cast<double>(images) / seconds : 0.0;
    position_.history.epochs.push_back(r);
    progress_.end_epoch(fmt::format("epoch {}/{}: train loss {:.4f} acc {:.4f}, test loss {:.4f} acc {:.4f} ({:.1f} s, "
                                    "{:.0f} img/s)",
                                    r.epoch, config_.epochs, r.train_loss, r.train_acc, r.test_loss, r.test_acc, seconds,
                                    r.images_per_second));
  }

  // Moves the position to the next epoch's start, checkpoints it, rewrites train_log.csv; then
  // stops with Interrupted if a signal arrived and epochs remain.
  void start_next_epoch() {
    position_.loss_sum = 0;
    position_.correct = position_.seen = 0;
    ++position_.epoch;
    position_.batch = 0;
    save_rotated_checkpoint(checkpoint_path_, *model_, *optimizer_, config_, position_);
    write_file_atomically((out_ / "train_log.csv").string(), to_csv(position_.history));
    if (interrupt_requested() && position_.epoch < config_.epochs) {
      throw Interrupted(fmt::format("interrupted after epoch {}; checkpoint written to {}; run the same command again "
                                    "with --resume to continue",
                                    position_.epoch, checkpoint_path_.string()));
    }
  }

  NumericalError diverged_at_step(const NumericalError& e) const {
    return NumericalError(fmt::format("training diverged at epoch {}, step {} (batch {} of the epoch): {}; {} — try "
                                      "a lower --lr",
                                      position_.epoch + 1, position_.step + 1, position_.batch + 1, e.what(),
                                      last_good_checkpoint()));
  }

  std::string last_good_checkpoint() const {
    return std::filesystem::exists(checkpoint_path_) ? "the last good checkpoint is " + checkpoint_path_.string()
                                                     : std::string("no checkpoint was written yet");
  }

  const TrainConfig& config_;
  const std::filesystem::path out_, checkpoint_path_;
  data::Dataset train_set_, test_set_, validation_set_;
  ModelSpec spec_;
  std::shared_ptr<Model> model_;
  std::unique_ptr<Optimizer> optimizer_;
  data::Loader loader_;
  int64_t batches_;
  Schedule schedule_;
  TipsLoss tips_loss_;
  TrainPosition position_;  // where the run stands, with the history of the finished epochs
  Progress progress_;
  double seconds_ = 0;      // training time of this process
};

// Checks the configuration, creates the run folder and turns anomaly detection on or off.
void prepare_run(const TrainConfig& config, const std::filesystem::path& out) {
  validate(config);
  std::filesystem::create_directories(out);
  set_detect_anomaly(config.detect_anomaly);
}
}  // namespace

TrainResult train_run(const TrainConfig& config, const std::filesystem::path& out, const TrainOptions& options) {
  prepare_run(config, out);
  TrainingRun run(config, out, options);
  if (options.resume) run.resume_from_latest_checkpoint();
  while (!run.finished()) run.train_epoch();
  run.save_model_and_metrics();
  return run.take_result();
}

}  // namespace poolnet
