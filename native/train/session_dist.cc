// Session: data parallelism. One process per rank joins a c10d group; the model's parameters and
// buffers start as rank 0's; each weight step averages gradients over the ranks (buckets sent during
// backward), BatchNorm buffers follow rank 0 at every step (DDP's broadcast_buffers), and every rank
// draws the same paths and subnets from the same seeded host RNG. Micro-batches are the one-process
// counterpart: a batch split into k parts whose gradients are averaged.
#include "common/error.h"
#include "dist/communicator.h"
#include "dist/gradient_buckets.h"
#include "train/micro_batches.h"
#include "train/session.h"

namespace torchnas {

Session::~Session() = default;  // here, where GradientBuckets is a complete type

void Session::ConnectDistributed(const DistOptions& options) {
  Require(!comm_, "this session already belongs to a process group");
  comm_ = Communicator::Connect(options);
  if (model_) AttachModelToGroup();
}

int64_t Session::DistributedRank() const { return comm_ ? comm_->rank() : 0; }
int64_t Session::DistributedWorld() const { return comm_ ? comm_->world_size() : 1; }

void Session::AttachModelToGroup() {
  grad_buckets_.reset();
  if (!comm_ || !model_) return;
  std::vector<torch::Tensor> state;
  std::vector<torch::Tensor> trainable;
  for (auto& p : model_->parameters()) {
    state.push_back(p);
    if (p.requires_grad()) trainable.push_back(p);
  }
  for (auto& b : model_->buffers()) state.push_back(b);
  for (auto& t : model_->ReplicatedState()) state.push_back(t);
  {
    torch::NoGradGuard no_grad;
    comm_->Broadcast(state);
  }
  grad_buckets_ = std::make_unique<GradientBuckets>(std::move(trainable), comm_);
}

void Session::BeginWeightStep(bool overlap) {
  if (!comm_) return;
  {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> buffers;
    for (auto& b : model_->buffers()) buffers.push_back(b);
    comm_->Broadcast(buffers);
  }
  grad_buckets_->Arm(overlap);
}

void Session::FinishWeightStep() {
  if (comm_) grad_buckets_->Finish();
}

MicroBatchList Session::MicroBatches(const torch::Tensor& x, const torch::Tensor& y) const {
  return SplitBatch(x, y, options_.micro_batches);
}

void Session::ShardLoader(LoaderOptions& loader) const {
  if (!comm_) return;
  loader.shard_rank = comm_->rank();
  loader.shard_count = comm_->world_size();
}

std::vector<double> Session::SumOverRanks(const std::vector<double>& values) const {
  return comm_ ? comm_->SumDoubles(values) : values;
}

void Session::MeanOverRanks(const std::vector<torch::Tensor>& tensors) const {
  if (!comm_) return;
  torch::NoGradGuard no_grad;
  comm_->AllReduceSum(tensors);
  for (const auto& t : tensors) const_cast<torch::Tensor&>(t).div_(static_cast<double>(comm_->world_size()));
}

void Session::RequireSingleProcess(const std::string& what) const {
  if (comm_ || options_.micro_batches > 1) {
    Fail(codes::kInvalidArgument, what +
                                      " runs in one process without micro-batches for now: "
                                      "drop the distributed and microBatches options for it");
  }
}

void Session::BarrierIfDistributed() {
  if (comm_) comm_->Barrier();
}

}  // namespace torchnas
