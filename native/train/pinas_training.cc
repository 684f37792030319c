#include "train/pinas_training.h"

#include <cmath>
#include <regex>

#include "common/error.h"
#include "data/batch_loader.h"
#include "data/seeded_random.h"
#include "nets/seeded_construction.h"
#include "proxies/model_state_guard.h"

namespace torchnas {
namespace {

namespace F = torch::nn::functional;

const uint64_t kPathStream = 0x91a5ull, kViewStream = 0x91a6ull, kQueueStream = 0x91a7ull;

// The reference's check: some route from the cell's input to its output has no `none` edge.
bool Connected(const std::vector<int64_t>& path) {
  auto on = [&](size_t e) { return path[e] != static_cast<int64_t>(Nb201Op::kNone); };
  return on(3) || (on(1) && on(5)) || (on(0) && on(4)) || (on(0) && on(2) && on(5));
}

std::shared_ptr<Nb201SupernetImpl> MakeSupernet(const Nb201Spec& network, const PiNasSpec& spec) {
  auto net = std::make_shared<Nb201SupernetImpl>(network);
  const int64_t width = network.channels * 4;  // the last stage's, what global pooling gives
  net->register_module("projector", torch::nn::Sequential(torch::nn::Linear(width, width), torch::nn::ReLU(),
                                                          torch::nn::Linear(width, spec.projection_dim)));
  return net;
}

torch::nn::SequentialImpl& Projector(Nb201SupernetImpl& net) {
  return *net.named_children()["projector"]->as<torch::nn::SequentialImpl>();
}

}  // namespace

void PiNasSpec::Check() const {
  Require(momentum >= 0 && momentum < 1, "momentum (the teacher's EMA) must be in [0, 1)");
  Require(temperature > 0, "temperature must be > 0");
  Require(queue_size >= 1, "queueSize must be >= 1");
  Require(projection_dim >= 1, "projectionDim must be >= 1");
  Require(min_crop > 0 && min_crop <= 1, "minCrop must be in (0, 1]");
}

std::vector<torch::Tensor> AugmentedViews(const torch::Tensor& x, int64_t count, double min_crop,
                                          uint64_t seed) {
  SeededRandom rng(seed);
  const int64_t n = x.size(0), h = x.size(2), w = x.size(3);
  std::vector<torch::Tensor> views;
  torch::NoGradGuard no_grad;
  for (int64_t v = 0; v < count; ++v) {
    std::vector<torch::Tensor> images;
    for (int64_t i = 0; i < n; ++i) {
      const double area = min_crop + (1 - min_crop) * rng.Uniform();
      const double ratio = std::exp(std::log(0.75) + (std::log(4.0 / 3) - std::log(0.75)) * rng.Uniform());
      const int64_t cw = std::clamp<int64_t>(std::llround(w * std::sqrt(area * ratio)), 1, w);
      const int64_t ch = std::clamp<int64_t>(std::llround(h * std::sqrt(area / ratio)), 1, h);
      const int64_t top = static_cast<int64_t>(rng.Below(static_cast<uint64_t>(h - ch + 1)));
      const int64_t left = static_cast<int64_t>(rng.Below(static_cast<uint64_t>(w - cw + 1)));
      torch::Tensor img = x.slice(0, i, i + 1).slice(2, top, top + ch).slice(3, left, left + cw);
      img = F::interpolate(img, F::InterpolateFuncOptions()
                                    .size(std::vector<int64_t>{h, w})
                                    .mode(torch::kBilinear)
                                    .align_corners(false));
      if (rng.Uniform() < 0.5) img = img.flip({3});
      if (rng.Uniform() < 0.8) {
        const double contrast = 0.6 + 0.8 * rng.Uniform(), brightness = 0.6 + 0.8 * rng.Uniform();
        const torch::Tensor mean = img.mean();
        img = ((img - mean) * contrast + mean) * brightness;
      }
      images.push_back(img);
    }
    views.push_back(torch::cat(images));
  }
  return views;
}

PiNasTraining::PiNasTraining(Session& session, std::shared_ptr<Nb201SupernetImpl> student,
                             std::shared_ptr<Nb201SupernetImpl> teacher, PiNasSpec spec)
    : session_(session), student_(std::move(student)), teacher_(std::move(teacher)), spec_(spec) {
  const std::regex edge_op(R"(^cells\.\d+\.edges\.(\d+)\.(\d+)\.)");
  for (const auto& item : student_->named_parameters()) {
    std::smatch m;
    if (std::regex_search(item.key(), m, edge_op))
      owner_.emplace_back(std::stoll(m[1]), std::stoll(m[2]));
    else
      owner_.emplace_back(-1, -1);
  }
  {
    torch::NoGradGuard no_grad;  // the teacher starts as the student, buffers included
    auto from = student_->parameters(), to = teacher_->parameters();
    for (size_t i = 0; i < from.size(); ++i) to[i].copy_(from[i]);
    auto bf = student_->buffers(), bt = teacher_->buffers();
    for (size_t i = 0; i < bf.size(); ++i) bt[i].copy_(bf[i]);
  }
  for (auto& p : teacher_->parameters()) p.set_requires_grad(false);
  const auto options = student_->parameters().front().options().requires_grad(false);
  queue_ = ConstructSeeded(session.options().seed ^ kQueueStream, [&] {
             return F::normalize(torch::randn({spec_.projection_dim, spec_.queue_size}, torch::kFloat64),
                                 F::NormalizeFuncOptions().dim(0));
           }).to(options);
}

PiNasTraining& PiNasTraining::Of(Session& session) {
  return session.Extension<PiNasTraining>([]() -> std::shared_ptr<PiNasTraining> {
    Fail(codes::kState, "the session has no Pi-NAS supernet: call buildPinasSupernet first");
  });
}

int64_t PiNasTraining::Build(Session& session, const Nb201Spec& network, const PiNasSpec& spec) {
  spec.Check();
  session.RequireSingleProcess("Pi-NAS");
  auto student = ConstructSeeded(session.options().seed, [&] { return MakeSupernet(network, spec); });
  const int64_t parameters = session.InstallModel(student);
  auto teacher = MakeSupernet(network, spec);
  teacher->to(session.exec().device, ParameterDtype(session.exec()));
  session.Extension<PiNasTraining>(
      [&] { return std::make_shared<PiNasTraining>(session, student, teacher, spec); });
  return parameters;
}

std::pair<std::vector<int64_t>, std::vector<int64_t>> PiNasTraining::PathsAt(int64_t global_step) const {
  SeededRandom rng(DeriveSeed(session_.options().seed ^ kPathStream, static_cast<uint64_t>(global_step)));
  for (;;) {  // two distinct operations per edge, as the reference draws; connected cells only, as RSPS
    std::vector<int64_t> a, b;
    for (int64_t e = 0; e < kNb201Edges; ++e) {
      a.push_back(static_cast<int64_t>(rng.Below(kNb201OpCount)));
      const int64_t other = static_cast<int64_t>(rng.Below(kNb201OpCount - 1));
      b.push_back(other >= a.back() ? other + 1 : other);
    }
    if (Connected(a) && Connected(b)) return {a, b};
  }
}

torch::Tensor PiNasTraining::Embed(Nb201SupernetImpl& net, const torch::Tensor& x,
                                   const std::vector<int64_t>& path, torch::Tensor* logits) {
  const torch::Tensor pooled = net.ForwardFeatures(x, path).mean({2, 3});
  if (logits) *logits = net.Classify(pooled);
  return F::normalize(Projector(net).forward(pooled), F::NormalizeFuncOptions().dim(1));
}

void PiNasTraining::UpdateTeacher(const std::vector<int64_t>& path) {
  torch::NoGradGuard no_grad;
  const auto from = student_->parameters();
  auto to = teacher_->parameters();
  for (size_t i = 0; i < from.size(); ++i) {
    const auto [edge, op] = owner_[i];
    if (edge >= 0 && path[static_cast<size_t>(edge)] != op) continue;  // another path's operation
    to[i].mul_(spec_.momentum).add_(from[i].detach(), 1 - spec_.momentum);
  }
}

// Cross-entropy with the positive at index 0 against the queue's negatives.
torch::Tensor PiNasTraining::InfoNce(const torch::Tensor& q, const torch::Tensor& k) const {
  const torch::Tensor positive = (q * k).sum(1, true);
  const torch::Tensor logits = torch::cat({positive, q.matmul(queue_)}, 1) / spec_.temperature;
  return F::cross_entropy(
      logits, torch::zeros({q.size(0)}, torch::TensorOptions().dtype(torch::kLong).device(q.device())));
}

void PiNasTraining::Enqueue(const torch::Tensor& keys) {
  torch::NoGradGuard no_grad;
  const int64_t n = std::min<int64_t>(keys.size(0), spec_.queue_size);
  for (int64_t i = 0; i < n; ++i) {
    queue_.select(1, queue_ptr_).copy_(keys[i]);
    queue_ptr_ = (queue_ptr_ + 1) % spec_.queue_size;
  }
}

PiNasEpochStats PiNasTraining::TrainEpoch(std::shared_ptr<const DatasetView> data, LoaderOptions loader,
                                          int64_t progress_every, const ProgressFn& progress) {
  session_.RequireSingleProcess("Pi-NAS");
  PiNasEpochStats stats;
  double contrastive_sum = 0.0, positive_sum = 0.0;
  int64_t steps = 0;
  teacher_->train();  // batch statistics, as the reference's teacher
  EpochHooks hooks;
  hooks.step = [&](const torch::Tensor& x, const torch::Tensor& y) {
    const int64_t at = session_.global_step();
    const auto [a, b] = PathsAt(at);
    const auto views = AugmentedViews(
        x, 4, spec_.min_crop, DeriveSeed(session_.options().seed ^ kViewStream, static_cast<uint64_t>(at)));
    torch::Tensor logits, loss, contrastive;
    double positive = 0.0;
    session_.OptimizerStep(x, y, /*overlap=*/false, [&](const MicroBatchList& parts) {
      Require(parts.size() == 1, "Pi-NAS steps whole batches: set microBatches to 1");
      torch::Tensor logits_b, k0, k1;
      const torch::Tensor q0 = Embed(*student_, views[0], a, &logits);
      UpdateTeacher(a);
      {
        torch::NoGradGuard no_grad;
        k0 = Embed(*teacher_, views[1], a, nullptr);
      }
      const torch::Tensor q1 = Embed(*student_, views[2], b, &logits_b);
      UpdateTeacher(b);
      {
        torch::NoGradGuard no_grad;
        k1 = Embed(*teacher_, views[3], b, nullptr);
      }
      contrastive = InfoNce(q0, k1) + InfoNce(q1, k0);  // the paths crossed
      loss = contrastive;
      if (spec_.supervised) loss = loss + session_.Loss(logits, y) + session_.Loss(logits_b, y);
      loss.backward();
      positive = 0.5 * ((q0 * k1).sum(1).mean() + (q1 * k0).sum(1).mean()).item<double>();
      Enqueue((k0 + k1) / 2);  // the reference's queue entry: the two keys' mean, not renormalised
    });
    contrastive_sum += contrastive.item<double>(), positive_sum += positive, ++steps;
    return std::make_pair(logits.detach(), loss.detach());
  };
  hooks.extend_progress = [&](ProgressRecord& record) {
    record.emplace_back("contrastive", steps ? contrastive_sum / static_cast<double>(steps) : 0.0);
    record.emplace_back("positive", steps ? positive_sum / static_cast<double>(steps) : 0.0);
  };
  stats.weights = session_.RunEpoch(std::move(data), std::move(loader), progress_every, progress, hooks);
  if (steps) {
    stats.contrastive = contrastive_sum / static_cast<double>(steps);
    stats.positive = positive_sum / static_cast<double>(steps);
  }
  return stats;
}

std::vector<double> PiNasTraining::KnnScores(std::shared_ptr<const DatasetView> reference,
                                             std::shared_ptr<const DatasetView> query, LoaderOptions loader,
                                             const std::vector<std::vector<int64_t>>& paths, int64_t k) {
  Require(k >= 1, "k must be >= 1");
  for (const auto& p : paths) Nb201PathOps(p);  // a bad path fails before any work
  ModelStateGuard restore(*student_);           // batch statistics move the running ones: put them back
  student_->TrainWithoutDropout();
  loader.shuffle = false;
  loader.drop_last = false;
  loader.augment.pad = 0;
  loader.augment.flip = false;
  torch::NoGradGuard no_grad;
  const auto features = [&](std::shared_ptr<const DatasetView> data, const std::vector<int64_t>& path,
                            torch::Tensor* labels) {
    BatchLoader batches(std::move(data), loader);
    std::vector<torch::Tensor> out, ys;
    while (auto batch = batches.Next()) {
      if (session_.cancelled()) Fail(codes::kClosed, "the session was closed during scoring");
      const torch::Tensor x = PrepareInput(batch->images, session_.exec());
      out.push_back(F::normalize(student_->ForwardFeatures(x, path).mean({2, 3}).to(torch::kFloat64),
                                 F::NormalizeFuncOptions().dim(1)));
      ys.push_back(batch->labels.to(x.device()));
    }
    *labels = torch::cat(ys);
    return torch::cat(out);
  };
  std::vector<double> scores;
  for (const auto& path : paths) {
    torch::Tensor ref_y, query_y;
    const torch::Tensor ref = features(reference, path, &ref_y), q = features(query, path, &query_y);
    const int64_t kk = std::min<int64_t>(k, ref.size(0));
    const auto [sim, index] = q.matmul(ref.t()).topk(kk, 1);
    const int64_t classes = std::max(ref_y.max().item<int64_t>(), query_y.max().item<int64_t>()) + 1;
    const torch::Tensor votes =
        torch::zeros({q.size(0), classes}, sim.options())
            .scatter_add_(1, ref_y.index_select(0, index.reshape({-1})).reshape(index.sizes()),
                          (sim / 0.07).exp());
    scores.push_back(votes.argmax(1).eq(query_y).to(torch::kFloat64).mean().item<double>());
  }
  return scores;
}

void PiNasTraining::Save(torch::serialize::OutputArchive& root) const {
  torch::serialize::OutputArchive part, teacher;
  teacher_->save(teacher);
  part.write("teacher", teacher);
  part.write("queue", queue_);
  part.write("queue_ptr", torch::tensor(queue_ptr_));
  root.write("pinas", part);
}

// Required: a checkpoint without the teacher and the queue would resume a different run.
void PiNasTraining::Load(torch::serialize::InputArchive& root) {
  torch::serialize::InputArchive part, teacher;
  root.read("pinas", part);
  part.read("teacher", teacher);
  teacher_->load(teacher);
  torch::Tensor queue, ptr;
  part.read("queue", queue);
  if (queue.sizes() != queue_.sizes()) Fail(codes::kData, "the checkpoint's Pi-NAS queue has another shape");
  {
    torch::NoGradGuard no_grad;
    queue_.copy_(queue);
  }
  part.read("queue_ptr", ptr);
  queue_ptr_ = ptr.item<int64_t>();
  for (auto& p : teacher_->parameters()) p.set_requires_grad(false);
}

}  // namespace torchnas
