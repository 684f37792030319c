#include "dist/gradient_buckets.h"

#include <algorithm>
#include <chrono>

#include "common/error.h"

namespace torchnas {

GradientBuckets::GradientBuckets(std::vector<torch::Tensor> parameters,
                                 std::shared_ptr<Communicator> communicator, int64_t bucket_bytes)
    : parameters_(std::move(parameters)), communicator_(std::move(communicator)) {
  bucket_of_.resize(parameters_.size());
  reached_.assign(parameters_.size(), false);
  int64_t bytes = 0;
  for (size_t k = parameters_.size(); k-- > 0;) {
    const torch::Tensor& p = parameters_[k];
    const bool dtype_changes =
        !buckets_.empty() && parameters_[buckets_.back().members.front()].scalar_type() != p.scalar_type();
    // The first bucket is small (1 MiB, as DDP's): the last layers' gradients go out at once.
    const int64_t cap = buckets_.size() == 1 ? std::min<int64_t>(bucket_bytes, 1 << 20) : bucket_bytes;
    if (buckets_.empty() || bytes >= cap || dtype_changes) {
      buckets_.emplace_back();
      bytes = 0;
    }
    Bucket& b = buckets_.back();
    b.offsets.push_back(b.members.empty() ? 0 : b.offsets.back() + parameters_[b.members.back()].numel());
    b.members.push_back(k);
    bucket_of_[k] = buckets_.size() - 1;
    bytes += p.numel() * static_cast<int64_t>(p.element_size());
  }
  for (Bucket& b : buckets_) {
    const torch::Tensor& last = parameters_[b.members.back()];
    const int64_t numel = b.offsets.back() + last.numel();
    b.flat = torch::zeros({numel}, last.options().memory_format(torch::MemoryFormat::Contiguous));
  }
  for (size_t k = 0; k < parameters_.size(); ++k) {
    hooks_.push_back(parameters_[k].register_hook([this, k](torch::Tensor grad) { OnGradient(k, grad); }));
  }
}

GradientBuckets::~GradientBuckets() {
  for (size_t k = 0; k < hooks_.size(); ++k) parameters_[k].remove_hook(hooks_[k]);
}

void GradientBuckets::Arm(bool overlap) {
  for (Bucket& b : buckets_) {
    b.flat.zero_();
    b.arrived = 0;
    b.handle = -1;
  }
  reached_.assign(parameters_.size(), false);
  next_launch_ = 0;
  armed_ = true;
  overlap_ = overlap;
}

void GradientBuckets::OnGradient(size_t parameter, const torch::Tensor& grad) {
  if (!armed_) return;  // an architecture step or a probe: not a data-parallel weight step
  Bucket& b = buckets_[bucket_of_[parameter]];
  size_t slot = 0;
  while (b.members[slot] != parameter) ++slot;
  torch::NoGradGuard no_grad;
  const torch::Tensor& p = parameters_[parameter];
  b.flat.narrow(0, b.offsets[slot], p.numel()).view(p.sizes()).add_(grad);
  if (!reached_[parameter]) {
    reached_[parameter] = true;
    ++b.arrived;
  }
  if (overlap_) LaunchInOrder(false);
}

void GradientBuckets::LaunchInOrder(bool all) {
  while (next_launch_ < buckets_.size()) {
    Bucket& b = buckets_[next_launch_];
    if (!all && b.arrived < static_cast<int64_t>(b.members.size())) return;
    b.handle = communicator_->StartAllReduce(b.flat);
    ++next_launch_;
  }
}

void GradientBuckets::Finish() {
  Require(armed_, "GradientBuckets::Finish without Arm");
  const auto started = std::chrono::steady_clock::now();
  armed_ = false;
  LaunchInOrder(true);
  torch::NoGradGuard no_grad;
  const double scale = 1.0 / static_cast<double>(communicator_->world_size());
  for (Bucket& b : buckets_) {
    communicator_->Wait(b.handle);
    for (size_t slot = 0; slot < b.members.size(); ++slot) {
      const size_t k = b.members[slot];
      if (!reached_[k]) continue;
      torch::Tensor& p = parameters_[k];
      torch::Tensor mean = b.flat.narrow(0, b.offsets[slot], p.numel()).view(p.sizes()) * scale;
      if (p.mutable_grad().defined())
        p.mutable_grad().copy_(mean);
      else
        p.mutable_grad() = mean.clone(torch::MemoryFormat::Preserve);
    }
  }
  exposed_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

}  // namespace torchnas
