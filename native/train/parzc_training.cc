#include "train/parzc_training.h"

#include <chrono>

#include "common/error.h"
#include "data/seeded_random.h"
#include "nets/seeded_construction.h"

namespace torchnas {
namespace {

const uint64_t kOrderStream = 0x9a2cull, kNoiseStream = 0x9a2dull;
const int64_t kPredictChunk = 512;

}  // namespace

torch::Tensor DiffKendallLoss(const torch::Tensor& scores, const torch::Tensor& targets, double alpha) {
  const int64_t n = scores.size(0);
  Require(n >= 2 && targets.size(0) == n, "DiffKendall needs two or more scores, one target each");
  const torch::Tensor dx = scores.unsqueeze(1) - scores.unsqueeze(0);
  const torch::Tensor dy = targets.unsqueeze(1) - targets.unsqueeze(0);
  // The diagonal's differences are 0, so its terms are too.
  const torch::Tensor agreement = (torch::tanh(alpha * dx / 2) * torch::tanh(alpha * dy / 2)).sum();
  return -agreement / (static_cast<double>(n) * (n - 1) / 2);
}

ParzcTraining& ParzcTraining::Of(Session& session) {
  return session.Extension<ParzcTraining>([]() -> std::shared_ptr<ParzcTraining> {
    Fail(codes::kState, "the session has no ParZC predictor: call buildParzc first");
  });
}

int64_t ParzcTraining::Build(Session& session, ParzcSpec spec) {
  spec.seed = session.options().seed;
  spec.Check();
  auto net = ConstructSeeded(spec.seed, [&] { return std::make_shared<ParzcNetImpl>(spec); });
  const int64_t parameters = session.InstallModel(net);
  session.Extension<ParzcTraining>([&] { return std::make_shared<ParzcTraining>(session, net); });
  return parameters;
}

EpochStats ParzcTraining::TrainEpoch(const torch::Tensor& rows, const torch::Tensor& targets,
                                     int64_t batch_size, double alpha, int64_t epoch, int64_t progress_every,
                                     const ProgressFn& progress) {
  session_.RequireSingleProcess("ParZC");
  const int64_t n = rows.size(0);
  Require(n >= 2 && targets.dim() == 1 && targets.size(0) == n,
          "ParZC trains on two or more rows, one target each");
  Require(batch_size >= 2, "batchSize must be >= 2: the loss compares pairs");
  const auto start = std::chrono::steady_clock::now();
  const uint64_t seed = session_.options().seed;
  std::vector<int64_t> order(n);
  for (int64_t i = 0; i < n; ++i) order[i] = i;
  SeededRandom rng(DeriveSeed(seed ^ kOrderStream, static_cast<uint64_t>(epoch)));
  rng.Shuffle(order);
  net_->SeedNoise(DeriveSeed(seed ^ kNoiseStream, static_cast<uint64_t>(epoch)));
  const int64_t steps = n / batch_size + (n % batch_size >= 2 ? 1 : 0);
  const torch::Tensor index = torch::tensor(order, torch::kLong);
  const auto options =
      torch::TensorOptions().device(session_.exec().device).dtype(ParameterDtype(session_.exec()));
  EpochStats stats;
  double loss_sum = 0.0;
  session_.RunSteps(
      steps, progress_every,
      [&](int64_t step) {
        const int64_t begin = (step - 1) * batch_size, size = std::min(batch_size, n - begin);
        const torch::Tensor pick = index.narrow(0, begin, size);
        const torch::Tensor x = rows.index_select(0, pick).to(options),
                            y = targets.index_select(0, pick).to(options);
        session_.OptimizerStep(x, y, /*overlap=*/false, [&](const MicroBatchList& parts) {
          Require(parts.size() == 1, "ParZC steps whole batches: set microBatches to 1");
          const torch::Tensor loss = DiffKendallLoss(net_->forward(x), y, alpha);
          loss.backward();
          loss_sum += loss.item<double>();
        });
        stats.images += size;
        return true;
      },
      [&](int64_t done) {
        stats.steps = done;
        stats.loss = loss_sum / static_cast<double>(done);
        stats.lr = session_.LearningRate();
        if (progress) progress({{"step", static_cast<double>(done)}, {"loss", stats.loss}, {"lr", stats.lr}});
      });
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return stats;
}

ParzcPrediction ParzcTraining::Predict(const torch::Tensor& rows, int64_t samples, uint64_t seed) {
  Require(samples >= 1, "samples must be >= 1");
  torch::NoGradGuard no_grad;
  const bool training = net_->is_training();
  net_->eval();
  net_->SeedNoise(seed);
  const auto options =
      torch::TensorOptions().device(session_.exec().device).dtype(ParameterDtype(session_.exec()));
  const int64_t n = rows.size(0);
  // Welford's running mean and sum of squared deviations: E[y^2] - E[y]^2 cancels to noise in float64.
  torch::Tensor mean = torch::zeros({n}, torch::kFloat64), m2 = torch::zeros({n}, torch::kFloat64);
  for (int64_t s = 0; s < samples; ++s) {
    for (int64_t begin = 0; begin < n; begin += kPredictChunk) {
      const int64_t size = std::min(kPredictChunk, n - begin);
      const torch::Tensor y =
          net_->forward(rows.narrow(0, begin, size).to(options)).to(torch::kCPU, torch::kFloat64);
      torch::Tensor m = mean.narrow(0, begin, size);
      const torch::Tensor delta = y - m;
      m.add_(delta / static_cast<double>(s + 1));
      m2.narrow(0, begin, size).add_(delta * (y - m));
    }
  }
  net_->train(training);
  const torch::Tensor std = (m2 / static_cast<double>(samples)).sqrt().contiguous();
  ParzcPrediction out;
  out.mean.assign(mean.data_ptr<double>(), mean.data_ptr<double>() + n);
  out.std.assign(std.data_ptr<double>(), std.data_ptr<double>() + n);
  return out;
}

}  // namespace torchnas
