#include "ops/sync_batch_norm.h"

#include "dist/communicator.h"

namespace torchnas {
namespace {

thread_local Communicator* active_communicator = nullptr;

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

// The communicator rides in the context as an integer: it lives as long as the process (one group per
// process), and backward may run on another thread than forward (CUDA's autograd threads).
Communicator& CommunicatorOf(AutogradContext* ctx) {
  return *reinterpret_cast<Communicator*>(ctx->saved_data["communicator"].toInt());
}

auto PerChannel(const torch::Tensor& t) { return t.view({1, -1, 1, 1}); }

// Normalization with given (global) statistics; backward all-reduces the two per-channel sums the
// input gradient needs, so it is the gradient of the whole global batch's normalization.
struct SyncBatchNormFunction : public torch::autograd::Function<SyncBatchNormFunction> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& weight,
                               const torch::Tensor& bias, const torch::Tensor& mean,
                               const torch::Tensor& invstd, const torch::Tensor& count,
                               int64_t communicator_address) {
    const torch::Tensor xhat = (x - PerChannel(mean)) * PerChannel(invstd);
    ctx->save_for_backward({xhat, weight, invstd, count});
    ctx->saved_data["communicator"] = communicator_address;
    return xhat * PerChannel(weight) + PerChannel(bias);
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor &xhat = saved[0], &weight = saved[1], &invstd = saved[2], &count = saved[3];
    const torch::Tensor& dy = grads[0];
    // This rank's parameter gradients stay local: the data-parallel all-reduce averages them later.
    const torch::Tensor local_dy = dy.sum({0, 2, 3});
    const torch::Tensor local_dy_xhat = (dy * xhat).sum({0, 2, 3});
    std::vector<torch::Tensor> sums{local_dy.clone(), local_dy_xhat.clone()};
    CommunicatorOf(ctx).AllReduceSum(sums);
    const torch::Tensor dx =
        PerChannel(weight * invstd) * (dy - PerChannel(sums[0] / count) - xhat * PerChannel(sums[1] / count));
    return {dx, local_dy_xhat, local_dy, torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

SyncBatchNormScope::SyncBatchNormScope(Communicator* communicator) : previous_(active_communicator) {
  if (communicator) active_communicator = communicator;
}
SyncBatchNormScope::~SyncBatchNormScope() { active_communicator = previous_; }
Communicator* SyncBatchNormScope::active() { return active_communicator; }

torch::Tensor SyncBatchNorm(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                            torch::Tensor running_mean, torch::Tensor running_var, double momentum,
                            double eps, Communicator& communicator) {
  // Sums of bf16 activations would lose the statistics: reduce in float at least.
  const bool reduced = x.scalar_type() == torch::kBFloat16 || x.scalar_type() == torch::kHalf;
  const torch::Tensor input = reduced ? x.to(torch::kFloat32) : x;
  torch::Tensor mean, invstd, count;
  {
    torch::NoGradGuard no_grad;
    const double local = static_cast<double>(input.numel() / input.size(1));
    std::vector<torch::Tensor> sums{input.sum({0, 2, 3}), (input * input).sum({0, 2, 3}),
                                    torch::full({input.size(1)}, local, input.options())};
    communicator.AllReduceSum(sums);
    count = sums[2];
    mean = sums[0] / count;
    const torch::Tensor var = (sums[1] / count - mean * mean).clamp_min(0.0);  // biased: what normalizes
    invstd = torch::rsqrt(var + eps);
    if (running_mean.defined()) {
      running_mean.mul_(1.0 - momentum).add_(mean.to(running_mean.scalar_type()), momentum);
      running_var.mul_(1.0 - momentum)
          .add_((var * count / (count - 1)).to(running_var.scalar_type()), momentum);
    }
  }
  torch::Tensor y =
      SyncBatchNormFunction::apply(input, weight.to(input.scalar_type()), bias.to(input.scalar_type()), mean,
                                   invstd, count, reinterpret_cast<int64_t>(&communicator));
  return reduced ? y.to(x.scalar_type()) : y;
}

}  // namespace torchnas
