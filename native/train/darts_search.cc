#include "train/darts_search.h"

#include <cmath>

#include "common/device.h"
#include "common/error.h"
#include "data/cycling_batches.h"
#include "nets/seeded_construction.h"

namespace torchnas {
namespace {

const uint64_t kAlphaStream = 0xda475ull;

std::vector<double> Values(const torch::Tensor& t) {
  const torch::Tensor d = t.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  return {d.data_ptr<double>(), d.data_ptr<double>() + d.numel()};
}

// EnTranNAS's differentiable sparsification: per edge relu(p - t) / sum with t = sigmoid(beta) / n over
// n operations, below 1/n <= max(p): the largest weight always survives, those under t are exactly 0.
torch::Tensor SparseWeights(const torch::Tensor& alphas, const torch::Tensor& thresholds) {
  const torch::Tensor p = torch::softmax(alphas, -1);
  const torch::Tensor t = torch::sigmoid(thresholds).unsqueeze(1) / static_cast<double>(alphas.size(1));
  const torch::Tensor kept = torch::relu(p - t);
  return kept / kept.sum(1, true);
}

// The sparsity term: sum over edges of the l_1/2 quasi-norm of softmax(alpha), 1 for a one-hot edge and
// largest for a uniform one (an l_1 norm would be constant, as each row sums to 1).
torch::Tensor SparsityPenalty(const torch::Tensor& alphas) {
  return torch::softmax(alphas, -1).sqrt().sum(1).square().sum();
}

std::vector<std::vector<double>> Rows(const torch::Tensor& t) {
  const torch::Tensor d = t.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  std::vector<std::vector<double>> out;
  for (int64_t r = 0; r < d.size(0); ++r)
    out.emplace_back(d[r].data_ptr<double>(), d[r].data_ptr<double>() + d.size(1));
  return out;
}

torch::Tensor TensorOf(const std::vector<std::vector<double>>& rows, const torch::TensorOptions& options) {
  Require(rows.size() == static_cast<size_t>(kNb201Edges), "alphas need one row per NB201 edge (6)");
  std::vector<double> flat;
  for (const auto& r : rows) {
    Require(r.size() == static_cast<size_t>(kNb201OpCount), "alphas need one value per NB201 operation (5)");
    for (double v : r) {
      Require(std::isfinite(v), "alphas must be finite numbers");
      flat.push_back(v);
    }
  }
  return torch::tensor(flat, torch::kFloat64).reshape({kNb201Edges, kNb201OpCount}).to(options);
}

torch::Tensor ThresholdsOf(const std::vector<double>& values, const torch::TensorOptions& options) {
  Require(values.size() == static_cast<size_t>(kNb201Edges), "thresholds need one value per NB201 edge (6)");
  for (double v : values) Require(std::isfinite(v), "thresholds must be finite numbers");
  return torch::tensor(values, torch::kFloat64).to(options);
}

// Running statistics and weights as they were before a probe.
class ModelSnapshot {
 public:
  explicit ModelSnapshot(torch::nn::Module& model) : model_(model) {
    torch::NoGradGuard no_grad;
    for (const auto& t : model.parameters()) saved_.push_back(t.detach().clone());
    for (const auto& t : model.buffers()) saved_.push_back(t.detach().clone());
  }
  ~ModelSnapshot() {
    torch::NoGradGuard no_grad;
    size_t i = 0;
    for (auto& t : model_.parameters()) t.copy_(saved_[i++]);
    for (auto& t : model_.buffers()) t.copy_(saved_[i++]);
  }

 private:
  torch::nn::Module& model_;
  std::vector<torch::Tensor> saved_;
};

}  // namespace

void DartsSpec::Check() const {
  Require(order == 1 || order == 2, "order must be 1 (first-order DARTS) or 2 (second order)");
  Require(arch_lr > 0 && arch_weight_decay >= 0 && grad_clip >= 0 && hessian_step > 0,
          "archLr and hessianStep must be > 0, archWeightDecay and gradClip >= 0");
  Require(arch_beta1 >= 0 && arch_beta1 < 1 && arch_beta2 >= 0 && arch_beta2 < 1,
          "Adam betas must be in [0, 1)");
  Require(method == "darts" || method == "entrannas", "method must be 'darts' or 'entrannas'");
  Require(Entran() || !feature_sharing,
          "featureSharing is EnTranNAS's strategy, not DARTS's: use method 'entrannas' or drop it");
  if (!Entran()) return;
  Require(order == 1, "EnTranNAS searches first order, as its paper does: use order 1");
  Require(engine_cells >= 1, "engineCells must be at least 1 (each stage needs an Engine-cell)");
  Require(derivation == "sparse" || derivation == "top", "derivation must be 'sparse' or 'top'");
  Require(sparsity >= 0 && std::isfinite(sparsity), "sparsity must be a number >= 0");
}

DartsSearch::DartsSearch(Session& session, std::shared_ptr<Nb201SupernetImpl> net, DartsSpec spec)
    : session_(session), net_(std::move(net)), spec_(spec) {
  const auto options =
      torch::TensorOptions().dtype(ParameterDtype(session.exec())).device(session.exec().device);
  alphas_ = ConstructSeeded(session.options().seed ^ kAlphaStream,
                            [] {
                              return 1e-3 * torch::randn({kNb201Edges, kNb201OpCount}, torch::kFloat64);
                            })
                .to(options)
                .requires_grad_();
  thresholds_ = torch::zeros({kNb201Edges}, options).requires_grad_(spec_.LearnsThresholds());
  std::vector<torch::Tensor> learned{alphas_};
  if (spec_.LearnsThresholds()) learned.push_back(thresholds_);
  arch_optimizer_ =
      std::make_unique<torch::optim::Adam>(learned, torch::optim::AdamOptions(spec_.arch_lr)
                                                        .betas({spec_.arch_beta1, spec_.arch_beta2})
                                                        .weight_decay(spec_.arch_weight_decay));
  Publish();
}

CellWeights DartsSearch::WeightsAt(const torch::Tensor& alphas, const torch::Tensor& thresholds) const {
  if (!spec_.Entran()) return {torch::softmax(alphas, -1), {}};
  if (spec_.derivation == "sparse") {
    torch::Tensor w = SparseWeights(alphas, thresholds);
    return {w, w};
  }
  const torch::Tensor top = torch::one_hot(alphas.detach().argmax(1), kNb201OpCount).to(alphas.dtype());
  return {torch::softmax(alphas, -1), top};
}

void DartsSearch::Install(const CellWeights& weights) {
  net_->SetMixture(weights.engine);
  if (spec_.Entran()) net_->SetTransit(weights.transit, spec_.engine_cells);
}

void DartsSearch::Publish() {
  torch::NoGradGuard no_grad;
  const CellWeights w = WeightsAt(alphas_, thresholds_);
  Install({w.engine.detach(), w.transit.defined() ? w.transit.detach() : torch::Tensor()});
}

DartsSearch& DartsSearch::Of(Session& session) {
  return session.Extension<DartsSearch>([]() -> std::shared_ptr<DartsSearch> {
    Fail(codes::kState, "the session has no DARTS supernet: call buildDartsSupernet first");
  });
}

int64_t DartsSearch::Build(Session& session, const Nb201Spec& network, const DartsSpec& spec) {
  spec.Check();
  session.RequireSingleProcess("DARTS");
  auto net = ConstructSeeded(session.options().seed, [&] {
    return std::make_shared<Nb201SupernetImpl>(network, /*affine_cells=*/false, spec.feature_sharing);
  });
  const int64_t parameters = session.InstallModel(net);
  session.Extension<DartsSearch>([&] { return std::make_shared<DartsSearch>(session, net, spec); });
  return parameters;
}

std::vector<torch::Tensor> DartsSearch::NetworkWeights() {
  std::vector<torch::Tensor> out;
  for (const auto& p : net_->parameters())
    if (p.requires_grad()) out.push_back(p);
  return out;
}

torch::Tensor DartsSearch::ValidLoss(const torch::Tensor& x, const torch::Tensor& y,
                                     const CellWeights& weights) {
  Install(weights);
  torch::Tensor logits;
  {
    AutocastScope autocast(session_.exec());
    logits = net_->forward(x);
  }
  return session_.Loss(logits, y);
}

std::vector<torch::Tensor> DartsSearch::AlphaGradient(const torch::Tensor& xt, const torch::Tensor& yt,
                                                      const torch::Tensor& xv, const torch::Tensor& yv,
                                                      double* valid_loss, double* valid_top1) {
  const auto note = [&](const torch::Tensor& loss, const torch::Tensor& logits) {
    if (valid_loss) *valid_loss = loss.item<double>();
    if (valid_top1) *valid_top1 = logits.argmax(1).eq(yv).to(torch::kFloat64).mean().item<double>();
  };
  if (spec_.order == 1) {
    Install(WeightsAt(alphas_, thresholds_));
    const torch::Tensor logits = net_->forward(xv);
    torch::Tensor loss = session_.Loss(logits, yv);
    note(loss, logits);
    if (spec_.LearnsThresholds()) loss = loss + spec_.sparsity * SparsityPenalty(alphas_);
    std::vector<torch::Tensor> learned{alphas_};
    if (spec_.LearnsThresholds()) learned.push_back(thresholds_);
    return torch::autograd::grad({loss}, learned);
  }
  // Second order: the validation loss after one virtual step of the weights on the training batch.
  std::vector<torch::Tensor> w = NetworkWeights();
  const double xi = session_.LearningRate();
  const auto train_gradient =
      torch::autograd::grad({ValidLoss(xt, yt, {torch::softmax(alphas_, -1).detach()})}, w, {}, false, false,
                            /*allow_unused=*/true);
  std::vector<torch::Tensor> saved;
  {
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < w.size(); ++i) {
      saved.push_back(w[i].detach().clone());
      if (train_gradient[i].defined()) w[i].sub_(xi * train_gradient[i]);
    }
  }
  Install({torch::softmax(alphas_, -1)});
  const torch::Tensor logits = net_->forward(xv);
  const torch::Tensor loss = session_.Loss(logits, yv);
  note(loss, logits);
  std::vector<torch::Tensor> inputs{alphas_};
  inputs.insert(inputs.end(), w.begin(), w.end());
  const auto g = torch::autograd::grad({loss}, inputs, {}, false, false, /*allow_unused=*/true);
  const auto restore = [&] {
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < w.size(); ++i) w[i].copy_(saved[i]);
  };
  restore();
  double norm2 = 0.0;
  for (size_t i = 1; i < g.size(); ++i)
    if (g[i].defined()) norm2 += g[i].to(torch::kFloat64).square().sum().item<double>();
  if (norm2 == 0.0) return {g[0]};
  // Hessian-vector product of the paper: (grad_alpha L_train(w+) - grad_alpha L_train(w-)) / 2 eps.
  const double eps = spec_.hessian_step / std::sqrt(norm2);
  const auto alpha_gradient_at = [&](double sign) {
    {
      torch::NoGradGuard no_grad;
      for (size_t i = 0; i < w.size(); ++i)
        if (g[i + 1].defined()) w[i].add_(sign * eps * g[i + 1]);
    }
    const torch::Tensor at =
        torch::autograd::grad({ValidLoss(xt, yt, {torch::softmax(alphas_, -1)})}, {alphas_})[0];
    restore();
    return at;
  };
  const torch::Tensor hessian_vector = (alpha_gradient_at(1.0) - alpha_gradient_at(-1.0)) / (2 * eps);
  return {g[0] - xi * hessian_vector};
}

DartsEpochStats DartsSearch::SearchEpoch(std::shared_ptr<const DatasetView> train,
                                         std::shared_ptr<const DatasetView> valid, LoaderOptions train_loader,
                                         LoaderOptions valid_loader, int64_t progress_every,
                                         const ProgressFn& progress) {
  session_.RequireSingleProcess("DARTS");
  const ExecutionConfig& exec = session_.exec();
  valid_loader.pin_memory = exec.device.is_cuda();
  valid_loader.drop_last = true;
  Require(valid->size() >= valid_loader.batch_size,
          "the validation part has " + std::to_string(valid->size()) + " images, fewer than one batch (" +
              std::to_string(valid_loader.batch_size) + "): hold out more data or use a smaller batch size");
  LoaderOptions valid_order = valid_loader;
  valid_order.epoch = train_loader.epoch;  // a fresh order each epoch, the same on resume
  CyclingBatches valid_batches(valid, valid_order);
  DartsEpochStats stats;
  double loss_sum = 0.0, top1_sum = 0.0;
  int64_t arch_steps = 0;
  EpochHooks hooks;
  hooks.step = [&](const torch::Tensor& x, const torch::Tensor& y) {
    Batch b = valid_batches.Next();
    double loss = 0.0, top1 = 0.0;
    const auto g = AlphaGradient(x, y, PrepareInput(b.images, exec), b.labels.to(exec.device), &loss, &top1);
    arch_optimizer_->zero_grad();
    alphas_.mutable_grad() = g[0].detach();
    if (g.size() > 1) thresholds_.mutable_grad() = g[1].detach();
    arch_optimizer_->step();
    loss_sum += loss, top1_sum += top1, ++arch_steps;
    Publish();  // the weight step at the new architecture, held fixed
    torch::Tensor logits, weight_loss;
    session_.OptimizerStep(
        x, y, /*overlap=*/false,
        [&](const MicroBatchList& parts) {
          for (const auto& [xi, yi] : parts) {
            {
              AutocastScope autocast(exec);
              logits = net_->forward(xi);
            }
            weight_loss = session_.Loss(logits, yi);
            weight_loss.backward();
          }
        },
        [&] {
          if (spec_.grad_clip > 0) torch::nn::utils::clip_grad_norm_(net_->parameters(), spec_.grad_clip);
        });
    return std::make_pair(logits.detach(), weight_loss.detach());
  };
  hooks.extend_progress = [&](ProgressRecord& record) {
    record.emplace_back("archLoss", arch_steps ? loss_sum / static_cast<double>(arch_steps) : 0.0);
    record.emplace_back("archTop1", arch_steps ? top1_sum / static_cast<double>(arch_steps) : 0.0);
  };
  stats.weights =
      session_.RunEpoch(std::move(train), std::move(train_loader), progress_every, progress, hooks);
  if (arch_steps) {
    stats.arch_loss = loss_sum / static_cast<double>(arch_steps);
    stats.arch_top1 = top1_sum / static_cast<double>(arch_steps);
  }
  return stats;
}

std::string DartsSearch::FeatureLayout(std::shared_ptr<const DatasetView> data, LoaderOptions loader) {
  const torch::Tensor x = PrepareInput(FirstBatch(std::move(data), loader).images, session_.exec());
  torch::NoGradGuard no_grad;
  Publish();
  net_->eval();  // no running statistics move
  const torch::Tensor features = net_->ForwardFeatures(x);
  net_->train();
  if (features.is_contiguous(torch::MemoryFormat::ChannelsLast)) return "channels_last";
  return features.is_contiguous() ? "nchw" : "strided";
}

ArchGradientRows DartsSearch::ArchGradient(std::shared_ptr<const DatasetView> train,
                                           std::shared_ptr<const DatasetView> valid, LoaderOptions loader) {
  const ExecutionConfig& exec = session_.exec();
  const Batch t = FirstBatch(std::move(train), loader), v = FirstBatch(std::move(valid), loader);
  ModelSnapshot snapshot(*net_);
  net_->TrainWithoutDropout();
  const auto g = AlphaGradient(PrepareInput(t.images, exec), t.labels.to(exec.device),
                               PrepareInput(v.images, exec), v.labels.to(exec.device), nullptr, nullptr);
  Publish();
  return {Rows(g[0]), g.size() > 1 ? Values(g[1]) : std::vector<double>{}};
}

double DartsSearch::UnrolledValidLoss(std::shared_ptr<const DatasetView> train,
                                      std::shared_ptr<const DatasetView> valid, LoaderOptions loader,
                                      const std::vector<std::vector<double>>& alphas,
                                      const std::vector<double>& thresholds) {
  const ExecutionConfig& exec = session_.exec();
  const Batch t = FirstBatch(std::move(train), loader), v = FirstBatch(std::move(valid), loader);
  const auto plain = alphas_.options().requires_grad(false);
  const CellWeights mixture = WeightsAt(
      TensorOf(alphas, plain), thresholds.empty() ? thresholds_.detach() : ThresholdsOf(thresholds, plain));
  ModelSnapshot snapshot(*net_);
  net_->TrainWithoutDropout();
  std::vector<torch::Tensor> w = NetworkWeights();
  const auto g =
      torch::autograd::grad({ValidLoss(PrepareInput(t.images, exec), t.labels.to(exec.device), mixture)}, w,
                            {}, false, false, /*allow_unused=*/true);
  {
    torch::NoGradGuard no_grad;
    const double xi = session_.LearningRate();
    for (size_t i = 0; i < w.size(); ++i)
      if (g[i].defined()) w[i].sub_(xi * g[i]);
  }
  torch::NoGradGuard no_grad;
  double loss = ValidLoss(PrepareInput(v.images, exec), v.labels.to(exec.device), mixture).item<double>();
  if (spec_.LearnsThresholds())
    loss += spec_.sparsity * SparsityPenalty(TensorOf(alphas, plain)).item<double>();
  Publish();
  return loss;
}

std::vector<std::vector<double>> DartsSearch::Alphas() const { return Rows(alphas_); }

std::vector<double> DartsSearch::Thresholds() const {
  return spec_.LearnsThresholds() ? Values(thresholds_) : std::vector<double>{};
}

void DartsSearch::SetAlphas(const std::vector<std::vector<double>>& alphas,
                            const std::vector<double>& thresholds) {
  const auto plain = alphas_.options().requires_grad(false);
  const torch::Tensor values = TensorOf(alphas, plain);
  Require(thresholds.empty() || spec_.LearnsThresholds(),
          "only EnTranNAS's sparse derivation has thresholds to set");
  const torch::Tensor betas = thresholds.empty() ? thresholds_.detach() : ThresholdsOf(thresholds, plain);
  {
    torch::NoGradGuard no_grad;
    alphas_.copy_(values);
    thresholds_.copy_(betas);
  }
  Publish();
}

std::vector<std::vector<double>> DartsSearch::EngineWeights() const {
  torch::NoGradGuard no_grad;
  return Rows(WeightsAt(alphas_, thresholds_).engine);
}

std::vector<std::vector<double>> DartsSearch::TransitWeights() const {
  torch::NoGradGuard no_grad;
  const torch::Tensor transit = WeightsAt(alphas_, thresholds_).transit;
  return transit.defined() ? Rows(transit) : std::vector<std::vector<double>>{};
}

std::vector<int64_t> DartsSearch::Derive() const {
  const torch::Tensor best = alphas_.detach().argmax(1).to(torch::kCPU);
  return {best.data_ptr<int64_t>(), best.data_ptr<int64_t>() + best.numel()};
}

void DartsSearch::Save(torch::serialize::OutputArchive& root) const {
  torch::serialize::OutputArchive part, optimizer;
  part.write("alphas", alphas_.detach());
  if (spec_.LearnsThresholds()) part.write("thresholds", thresholds_.detach());
  arch_optimizer_->save(optimizer);
  part.write("optimizer", optimizer);
  root.write("darts", part);
}

// Required: a DARTS checkpoint without its architecture would resume from fresh logits.
void DartsSearch::Load(torch::serialize::InputArchive& root) {
  torch::serialize::InputArchive part, optimizer;
  root.read("darts", part);
  torch::Tensor alphas;
  part.read("alphas", alphas);
  if (alphas.sizes() != alphas_.sizes())
    Fail(codes::kData, "the checkpoint's DARTS alphas have another shape");
  torch::Tensor thresholds = thresholds_.detach();
  if (spec_.LearnsThresholds()) part.read("thresholds", thresholds);
  if (thresholds.sizes() != thresholds_.sizes())
    Fail(codes::kData, "the checkpoint's EnTranNAS thresholds have another shape");
  {
    torch::NoGradGuard no_grad;
    alphas_.copy_(alphas);
    thresholds_.copy_(thresholds);
  }
  part.read("optimizer", optimizer);
  arch_optimizer_->load(optimizer);
  Publish();
}

}  // namespace torchnas
