// poolnet bench: training-step and inference throughput (images/s) of the standard models at
// batch 64, per strategy, at 1 thread and at all threads. Each figure is the median of several
// timed repetitions after a warm-up, with the min-max range.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <fmt/format.h>
#include <memory>
#include <nlohmann/json.hpp>
#include <sys/resource.h>
#include <thread>

#include "experiments/cli/cli_common.h"
#include "experiments/cli/commands.h"
#include "framework/autograd.h"
#include "framework/ops/ops.h"
#include "framework/optim/sgd.h"
#include "framework/parallel.h"
#include "layers/downsample.h"
#include "models/model.h"

namespace poolnet::cli {

namespace {
using Clock = std::chrono::steady_clock;

struct Measurement {
  std::string model, strategy, workload;
  int threads = 1;
  double median = 0, min = 0, max = 0;  // images per second
};

// Images per second of `step` (one batch per call): repetitions of at least min_seconds each.
Measurement measure(const std::function<void()>& step, int64_t batch, int repetitions, double min_seconds) {
  for (int i = 0; i < 2; ++i) step();  // warm-up: caches, allocator, page faults
  std::vector<double> rates;
  for (int r = 0; r < repetitions; ++r) {
    int64_t steps = 0;
    const auto start = Clock::now();
    double elapsed = 0;
    do {
      step();
      ++steps;
      elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    } while (elapsed < min_seconds);
    rates.push_back(static_cast<double>(steps * batch) / elapsed);
  }
  std::sort(rates.begin(), rates.end());
  Measurement m;
  m.median = rates[rates.size() / 2];
  m.min = rates.front();
  m.max = rates.back();
  return m;
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}
}  // namespace

void add_bench_command(CLI::App& app) {
  struct Options {
    std::string models = "lenet,vgg";
    std::string strategies = fmt::format("{}", fmt::join(bench_strategies(), ","));
    std::string head;  // empty: gap for vgg, flatten for lenet
    std::string threads = "1,all";
    std::string workloads = "train,infer";
    int64_t batch = 64;
    int repetitions = 5;
    double min_seconds = 0.3;
    bool json = false;
    std::string conv_kernel = "auto";  // conv2d_kernel.h: forces one convolution kernel
   
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("bench", "training and inference images/s of the standard models");
  add_config_option(*sub);
  sub->add_option("--models", o->models, "comma list of lenet (1x28x28), vgg (3x32x32)")->capture_default_str();
  sub->add_option("--strategies", o->strategies, "comma list of downsampling strategies")->capture_default_str();
  sub->add_option("--head", o->head, "the head of every model (default: gap for vgg, flatten for lenet): " + head_help());
  sub->add_option("--threads", o->threads, "comma list of thread counts ('all': every core)")->capture_default_str();
  sub->add_option("--workloads", o->workloads, "comma list of train, infer")->capture_default_str();
  sub->add_option("--batch", o->batch, "batch size")->capture_default_str()->check(CLI::Range(1, 1000000));
  sub->add_option("--repetitions", o->repetitions, "timed repetitions per figure")->capture_default_str()->check(CLI::Range(1, 1000000));
  sub->add_option("--min-seconds", o->min_seconds, "minimum length of one repetition")->capture_default_str();
  sub->add_flag("--json", o->json, "print JSON instead of a table");
  sub->add_option("--conv-kernel", o->conv_kernel, "convolution kernel: " + conv2d_kernel_names())->capture_default_str();
  sub->callback([o] {
    const ScopedConv2dKernel conv_kernel(parse_conv2d_kernel(o->conv_kernel));
    std::vector<int> thread_counts;
    for (const auto& t : split_strategy_list(o->threads)) {
      thread_counts.push_back(t == "all" ? static_cast<int>(std::max(1u, std::thread::hardware_concurrency())) : std::stoi(t));
    }
    std::vector<Measurement> results;
    for (const auto& family : split_strategy_list(o->models)) {
      for (const auto& strategy : split_strategy_list(o->strategies)) {
        ModelSpec spec;
        spec.family = family;
        spec.downsample = parse_downsample(strategy);
        spec.head = !o->head.empty() ? o->head : family == "vgg" ? "gap" : "flatten";
        spec.input = family == "lenet" ? Shape{1, 28, 28} : Shape{3, 32, 32};
        auto model = build_model(spec, 1);
        const Tensor x = Tensor::normal({o->batch, spec.input[0], spec.input[1], spec.input[2]}, 0, 1, 2);
        std::vector<int32_t> labels(static_cast<size_t>(o->batch));
        for (size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<int32_t>(i % 10);
        Sgd sgd(model->named_parameters(), SgdOptions{.lr = 0.01, .momentum = 0.9});
        const auto train_step = [&] {
          model->train();
          sgd.zero_grad();
          cross_entropy(model->forward(x), labels).backward();
          sgd.step();
        };
        const auto infer_step = [&] {
          NoGradGuard no_grad;
          model->eval();
          model->forward(x);
        };
        for (int threads : thread_counts) {
          parallel::set_num_threads(threads);
          for (const auto& workload : split_strategy_list(o->workloads)) {
            Measurement m = measure(workload == "train" ? std::function<void()>(train_step) : std::function<void()>(infer_step),
                                    o->batch, o->repetitions, o->min_seconds);
            m.model = o->head.empty() ? family : fmt::format("{}[{}]", family, o->head);
            m.strategy = to_string(spec.downsample);
            m.workload = workload;
            m.threads = threads;
            results.push_back(m);
            if (!o->json) {
              fmt::print("{:<6} {:<34} {:<6} threads {:>2}  {:>9.0f} img/s  (min {:.0f}, max {:.0f})\n", m.model, m.strategy,
                         workload, threads, m.median, m.min, m.max);
              std::fflush(stdout);
            }
          }
        }
      }
    }
    if (o->json) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& m : results) {
        list.push_back({{"model", m.model}, {"strategy", m.strategy}, {"workload", m.workload}, {"threads", m.threads},
                        {"batch", o->batch}, {"images_per_second", m.median}, {"min", m.min}, {"max", m.max}});
      }
      fmt::print("{}\n", nlohmann::json({{"results", list}, {"peak_rss_mib", peak_rss_mib()}}).dump(2));
    } else {
      fmt::print("peak resident memory: {:.0f} MiB\n", peak_rss_mib());
    }
  });
}

}  // namespace poolnet::cli
