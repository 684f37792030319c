#include "ops/shape_ops.h"

namespace torchnas {

torch::Tensor ZeroImpl::forward(const torch::Tensor& x) {
  const int64_t h = (x.size(2) + stride_ - 1) / stride_;
  const int64_t w = (x.size(3) + stride_ - 1) / stride_;
  // In x's memory format: a channels_last network that meets one NCHW tensor converts at every op after.
  // (torch::zeros ignores a memory format in its options.)
  return torch::empty({x.size(0), out_channels_, h, w}, x.options(), x.suggest_memory_format()).zero_();
}

torch::Tensor Pool2dImpl::forward(const torch::Tensor& x) {
  const int64_t padding = (kernel_ - 1) / 2;
  if (kind_ == PoolKind::kMax)
    return torch::max_pool2d(x, {kernel_, kernel_}, {stride_, stride_}, {padding, padding});
  return torch::avg_pool2d(x, {kernel_, kernel_}, {stride_, stride_}, {padding, padding}, false,
                           /*count_include_pad=*/false);
}

}  // namespace torchnas
