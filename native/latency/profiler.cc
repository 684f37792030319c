#include "latency/profiler.h"

#include "common/error.h"
#include "nets/block_factory.h"
#include "nets/network.h"
#include "nets/seeded_construction.h"
#include "ops/fold_batch_norm.h"

namespace torchnas {
namespace {

Profile TimeModule(torch::nn::Module& module,
                   const std::function<torch::Tensor(const torch::Tensor&)>& forward,
                   std::vector<int64_t> input_shape, const ExecutionConfig& exec,
                   const ProfileOptions& options) {
  Require(options.batch >= 1, "batch must be at least 1");
  module.to(exec.device);
  module.eval();
  if (options.fold_batch_norm) FoldBatchNorms(module);
  if (exec.channels_last) ToChannelsLast(module);
  input_shape.insert(input_shape.begin(), options.batch);
  torch::NoGradGuard no_grad;
  const torch::Tensor input =
      PrepareInput(ConstructSeeded(options.seed, [&] { return torch::randn(input_shape); }), exec);
  AutocastScope autocast(exec);
  TimedSamples samples = TimeWork([&] { forward(input); }, exec.device, options.timer);
  return {Summarize(std::move(samples.ms)), samples.method};
}

}  // namespace

std::vector<Profile> ProfileLayers(const std::vector<LayerProbe>& probes, const ExecutionConfig& exec,
                                   const ProfileOptions& options,
                                   const std::function<bool(size_t)>& keep_going) {
  std::vector<Profile> profiles;
  for (size_t i = 0; i < probes.size(); ++i) {
    const LayerProbe& probe = probes[i];
    Require(probe.input.size() == 3 || probe.input.size() == 1,
            "layer " + std::to_string(i) + ": the input shape must be [C, H, W] or [F]");
    torch::nn::Sequential layer =
        ConstructSeeded(options.seed + i, [&] { return MakeSequential({probe.block}); });
    profiles.push_back(TimeModule(
        *layer, [&layer](const torch::Tensor& x) { return layer->forward(x); }, probe.input, exec, options));
    if (!keep_going(i + 1)) break;
  }
  return profiles;
}

Profile ProfileNetwork(const NetworkSpec& spec, const ExecutionConfig& exec, const ProfileOptions& options) {
  auto network = ConstructSeeded(options.seed, [&] { return BuildNetwork(spec); });
  return TimeModule(
      *network, [&network](const torch::Tensor& x) { return network->forward(x); },
      {spec.in_channels, spec.height, spec.width}, exec, options);
}

}  // namespace torchnas
