// One process's place in a data-parallel group on PyTorch's c10d: a TCPStore rendezvous (rank 0
// hosts it, as torchrun's static rendezvous does) and a Gloo process group. Collectives that fail
// (a peer killed, crashed or stuck past the timeout) become a typed E_RANK_FAILED error that names
// the rank found dead through per-rank heartbeats kept in the store.
#pragma once
#include <torch/torch.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace torchnas {

struct DistOptions {
  std::string master_addr = "127.0.0.1";
  int64_t master_port = 29500;
  int64_t rank = 0;
  int64_t world_size = 1;
  // How long a collective (and the rendezvous) may wait for a peer before the run fails.
  std::chrono::milliseconds timeout{std::chrono::seconds(300)};
  // BatchNorm in weight steps normalizes over the global batch (ops/sync_batch_norm.h).
  bool sync_batch_norm = false;
};

// Whether this build has c10d with Gloo (Debian's libgloo-dev headers, or a wheel that ships them).
bool DistributedAvailable();

class Communicator {
 public:
  // Blocks until every rank has joined (or the timeout passes); later calls with the same options in
  // this process return the same group. Throws E_INVALID_ARGUMENT for a bad rank/world,
  // E_RANK_FAILED when the rendezvous times out.
  static std::shared_ptr<Communicator> Connect(const DistOptions& options);
  virtual ~Communicator() = default;

  virtual int64_t rank() const = 0;
  virtual int64_t world_size() const = 0;
  bool is_root() const { return rank() == 0; }
  // Set by the latest Connect (sessions of one process share the group, one after another).
  bool sync_batch_norm() const { return sync_batch_norm_; }

  // Rank 0's values into every rank's tensors (any dtypes; flattened per dtype into one message).
  virtual void Broadcast(const std::vector<torch::Tensor>& tensors) = 0;
  // Sums in place across ranks; all tensors of one dtype and device, sent as one flat message.
  virtual void AllReduceSum(const std::vector<torch::Tensor>& tensors) = 0;
  // Starts a sum of one flat tensor in place; Wait() blocks until it is done. For gradient buckets
  // sent while backward still runs.
  virtual int64_t StartAllReduce(torch::Tensor flat) = 0;
  virtual void Wait(int64_t handle) = 0;
  virtual void Barrier() = 0;

  // Host doubles summed across ranks (epoch statistics, rewards, candidate losses).
  std::vector<double> SumDoubles(const std::vector<double>& values);

 private:
  bool sync_batch_norm_ = false;
};

}  // namespace torchnas
