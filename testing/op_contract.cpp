#include "testing/op_contract.h"

#include <exception>

#include "framework/autograd.h"
#include "framework/errors.h"

namespace poolnet::testing {

namespace {
constexpr float kPrefill = 0.75f;
constexpr uint64_t kUpstreamSeed = 4321;

void zero_grads(const std::vector<Tensor>& inputs) {
  for (const Tensor& t : inputs) t.zero_grad();
}

// One forward and backward with a fixed random upstream gradient: the output and each input's
// gradient (zeros where none arrived; undefined for inputs that do not require grad).
std::vector<Tensor> run_once(const TensorFn& f, const std::vector<Tensor>& inputs) {
  const Tensor y = f(inputs);
  std::vector<Tensor> out{y.detach().clone()};
  y.backward(random_tensor(y.shape(), kUpstreamSeed));
  for (const Tensor& x : inputs) {
    if (!x.requires_grad()) {
      out.emplace_back();
    } else {
      out.push_back(x.grad().defined() ? x.grad().clone() : Tensor::zeros(x.shape()));
    }
  }
  return out;
}

bool any_requires_grad(const std::vector<Tensor>& inputs) {
  for (const Tensor& t : inputs) {
    if (t.requires_grad()) return true;
  }
  return false;
}
}  // namespace

CheckResult backward_accumulates(const TensorFn& f, const std::vector<Tensor>& inputs, double atol, double rtol) {
  zero_grads(inputs);
  const std::vector<Tensor> fresh = run_once(f, inputs);
  zero_grads(inputs);
  for (const Tensor& x : inputs) {
    if (!x.requires_grad()) continue;
    float* g = grad_buffer(x);
    for (int64_t i = 0; i < x.numel(); ++i) g[i] = kPrefill;
  }
  run_once(f, inputs);
  for (size_t k = 0; k < inputs.size(); ++k) {
    const Tensor& x = inputs[k];
    if (!x.requires_grad()) continue;
    Tensor want = fresh[k + 1].clone();
    for (float& v : want.span()) v += kPrefill;
    const auto same = all_close(x.grad(), want, atol, rtol);
    if (!same) {
      zero_grads(inputs);
      return CheckResult::fail("input ", k, " ", shape_str(x.shape()), ": backward into a ",
                               "gradient pre-filled with ", kPrefill, " does not add to it (", same.message(),
                               ", pre-filled run vs fresh run + ", kPrefill, ")");
    }
  }
  zero_grads(inputs);
  return CheckResult::pass();
}

CheckResult same_at_one_and_two_threads(const TensorFn& f, const std::vector<Tensor>& inputs) {
  std::vector<Tensor> runs[2];
  for (int threads : {1, 2}) {
    with_threads(threads, [&] {
      zero_grads(inputs);
      runs[threads - 1] = run_once(f, inputs);
    });
  }
  zero_grads(inputs);
  for (size_t i = 0; i < runs[0].size(); ++i) {
    if (!runs[0][i].defined()) continue;
    const auto same = bitwise_equal(runs[0][i], runs[1][i]);
    if (!same) {
      const std::string what = i == 0 ? "forward output" : "gradient of input " + std::to_string(i - 1);
      return CheckResult::fail(what, " differs between 1 and 2 threads: ", same.message());
    }
  }
  return CheckResult::pass();
}

CheckResult shape_error_names(const std::string& op, const ShapeErrorCase& bad) {
  try {
    bad.call();
  } catch (const ShapeError& e) {
    const std::string message = e.what();
    std::vector<std::string> parts{op};
    parts.insert(parts.end(), bad.parts.begin(), bad.parts.end());
    for (const std::string& part : parts) {
      if (message.find(part) == std::string::npos) {
        return CheckResult::fail("ShapeError message \"", message, "\" lacks \"", part, "\"");
      }
    }
    return CheckResult::pass();
  } catch (const std::exception& e) {
    return CheckResult::fail("expected ShapeError, got another exception: ", e.what());
  }
  return CheckResult::fail("expected ShapeError, nothing was thrown");
}

CheckResult repeatable(const TensorFn& f, const std::vector<Tensor>& inputs) {
  NoGradGuard no_grad;
  const Tensor first = f(inputs).clone();
  const auto same = bitwise_equal(first, f(inputs));
  if (!same) {
    return CheckResult::fail("two forwards of the same inputs differ (", same.message(),
                             "); a random op needs a fixed seed, a module its counters reset");
  }
  return CheckResult::pass();
}

CheckResult op_contract(const OpCase& c) {
  const auto fail = [&](const char* part, const CheckResult& r) {
    return CheckResult::fail(c.op, ": ", part, ": ", r.message());
  };
  if ((c.check_gradient || c.check_accumulate) && !any_requires_grad(c.inputs)) {
    return CheckResult::fail(c.op, ": no input requires grad, so no gradient would be checked");
  }
  if (const auto r = repeatable(c.f, c.inputs); !r) return fail("repeatable", r);
  if (c.check_gradient) {
    const auto r = grad_check(c.f, c.inputs, c.grad);
    zero_grads(c.inputs);
    if (!r) return fail("gradient check", r);
  }
  if (c.check_accumulate) {
    const auto r = backward_accumulates(c.f, c.inputs, c.accumulate_atol, c.accumulate_rtol);
    if (!r) return fail("accumulate", r);
  }
  if (c.check_threads) {
    const std::vector<Tensor>& inputs = c.thread_inputs.empty() ? c.inputs : c.thread_inputs;
    if (!any_requires_grad(inputs)) {
      return CheckResult::fail(c.op, ": no thread input requires grad");
    }
    const auto r = same_at_one_and_two_threads(c.f, inputs);
    if (!r) return fail("1 vs 2 threads", r);
  }
  for (size_t i = 0; i < c.shape_errors.size(); ++i) {
    const auto r = shape_error_names(c.op, c.shape_errors[i]);
    if (!r) return CheckResult::fail(c.op, ": shape error ", i, ": ", r.message());
  }
  return CheckResult::pass();
}

}  // namespace poolnet::testing
