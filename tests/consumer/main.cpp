// Built against an installed poolnet: a tiny gradient step through the public API.
#include <cstdio>

#include <poolnet/poolnet.h>

int main() {
  using namespace poolnet;
  Tensor w = Tensor::from_vector({2, 3}, {1, 2, 3, 4, 5, 6}).set_requires_grad();
  Tensor x = Tensor::ones({4, 3});
  Tensor loss = sum(relu(linear(x, w)));
  loss.backward();
  const bool ok = loss.item() == 4.0f * (6 + 15) && w.grad().at({1, 2}) == 4.0f;
  std::printf("%s loss=%g\n", ok ? "consumer ok" : "consumer WRONG", loss.item());
  return ok ? 0 : 1;
}
