// A downsampling method of your own, studied beside the built-in ones without touching the
// library: a Module composed of poolnet ops, one registry row (name, keys, builder) added with
// register_strategy(), then the study runner of `poolnet ablate` (docs/library.md).
//   my_downsampling OUT_DIR      writes OUT_DIR/summary.csv, comparisons.csv, report.md, report.html, runs/...
#include <cstdio>
#include <memory>
#include <string>

#include <poolnet/experiments/study/ablation.h>
#include <poolnet/framework/ops/ops.h>
#include <poolnet/layers/downsample.h>
#include <poolnet/layers/pool_window.h>

using namespace poolnet;

// weight * max_pool + (1 - weight) * avg_pool over s x s windows with stride s. No backward to
// write: the ops it composes record theirs.
class HalfMaxAvg : public Module {
 public:
  HalfMaxAvg(float weight, int64_t stride)
      : weight_(weight), pool_{.kernel = {stride, stride}, .stride = {stride, stride}} {}

  Tensor forward(const Tensor& x) override {  // x [N,C,H,W] -> [N,C,H/s,W/s]
    return weight_ * max_pool2d(x, pool_) + (1.0f - weight_) * avg_pool2d(x, pool_);
  }
  std::string describe() const override { return "HalfMaxAvg(weight=" + std::to_string(weight_) + ")"; }
  // Its window, for the receptive-field arithmetic of model summaries and shift metrics.
  std::vector<Window> windows() const override { return {pool_window(pool_)}; }

 private:
  float weight_;
  Pool2d pool_;
};

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: my_downsampling OUT_DIR\n");
    return 2;
  }
  // One row: the spec "half_max_avg:weight=0.3" now parses everywhere a strategy is accepted.
  register_strategy({
      .name = "half_max_avg",
      .keys = {{.name = "weight",
                .type = KeyType::kReal,
                .default_value = 0.5,
                .low = 0,
                .high = 1,
                .always_written = true}},
      .description = "weight * max pool + (1 - weight) * average pool; an example of a user strategy",
      .build = [](const DownsampleSpec& spec, const DownsampleContext& context) -> std::shared_ptr<Module> {
        return std::make_shared<HalfMaxAvg>(static_cast<float>(spec.real("weight")), context.stride);
      },
  });

  // The study: lenet on 3000 images of the built-in shapes data for 6 epochs (a few seconds),
  // one seed, the new strategy beside max_pool and aps.
  StudyConfig study;
  study.base.dataset = "shapes";
  study.base.train_samples = 3000;
  study.base.test_samples = 300;
  study.base.epochs = 6;
  study.base.head = "flatten";
  for (const char* s : {"max_pool", "aps", "half_max_avg:weight=0.5"})
    study.strategies.push_back(to_string(parse_downsample(s)));
  study.seeds = 1;
  study.shift_modes = {ShiftMode::kCircular};
  study.shift = {.max_shift = 3, .grid_samples = 100, .equivariance_samples = 16};
  study.quiet = true;
  study.command = "my_downsampling";
  const StudyOutcome outcome = run_study(study, argv[1]);
  std::printf("%lld of %lld runs complete; report: %s\n", static_cast<long long>(outcome.complete),
              static_cast<long long>(outcome.planned), outcome.report.string().c_str());
  return outcome.failed == 0 ? 0 : 1;
}
