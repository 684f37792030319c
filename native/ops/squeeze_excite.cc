#include "ops/squeeze_excite.h"

#include "ops/activation.h"

namespace torchnas {

SqueezeExciteImpl::SqueezeExciteImpl(const SqueezeExciteOptions& options_) : options(options_) { reset(); }

void SqueezeExciteImpl::reset() {
  TORCH_CHECK(options.reduced() >= 1, "SqueezeExcite: reduced channels must be >= 1");
  reduce = register_module(
      "reduce", torch::nn::Conv2d(torch::nn::Conv2dOptions(options.channels(), options.reduced(), 1)));
  expand = register_module(
      "expand", torch::nn::Conv2d(torch::nn::Conv2dOptions(options.reduced(), options.channels(), 1)));
}

torch::Tensor SqueezeExciteImpl::forward(const torch::Tensor& x) {
  torch::Tensor s = x.mean({2, 3}, /*keepdim=*/true);
  s = expand->forward(torch::relu(reduce->forward(s)));
  return x * HardSigmoid(s);
}

}  // namespace torchnas
