// Data-parallel gradient averaging in buckets, sent while backward still runs (the scheme of c10d's
// Reducer): parameters are grouped in reverse registration order (roughly the order backward
// reaches them) into buckets of about `bucket_bytes`; a hook on each parameter copies its gradient
// into its bucket (the first holds only 1 MiB, so that sending starts early), and a bucket whose every
// parameter has arrived is all-reduced at once, in bucket order on every rank. Finish() sends what is
// left, waits, and writes the mean into each .grad.
//
// Parameters a step does not reach (a supernet's unsampled candidates) keep no gradient on any rank:
// every rank runs the same path, so the set is the same everywhere and the optimizer skips them
// everywhere. A bucket holding one of them is sent after backward instead of during it.
#pragma once
#include <torch/torch.h>

#include <memory>
#include <vector>

#include "dist/communicator.h"

namespace torchnas {

class GradientBuckets {
 public:
  GradientBuckets(std::vector<torch::Tensor> parameters, std::shared_ptr<Communicator> communicator,
                  int64_t bucket_bytes = 25 << 20);
  ~GradientBuckets();
  GradientBuckets(const GradientBuckets&) = delete;
  GradientBuckets& operator=(const GradientBuckets&) = delete;

  // Before a step's backward passes. `overlap`: send full buckets during backward (one backward per
  // step); several passes that accumulate (a sandwich step) send everything in Finish().
  void Arm(bool overlap);
  // After the step's last backward: every bucket reduced, each reached parameter's .grad the mean.
  void Finish();
  int64_t buckets() const { return static_cast<int64_t>(buckets_.size()); }
  // Seconds spent in Finish() since construction: the communication backward did not hide.
  double exposed_seconds() const { return exposed_seconds_; }

 private:
  struct Bucket {
    std::vector<size_t> members;
    std::vector<int64_t> offsets;
    torch::Tensor flat;
    int64_t arrived = 0;
    int64_t handle = -1;
  };

  void OnGradient(size_t parameter, const torch::Tensor& grad);
  void LaunchInOrder(bool all);

  std::vector<torch::Tensor> parameters_;
  std::vector<unsigned> hooks_;
  std::vector<size_t> bucket_of_;
  std::vector<bool> reached_;
  std::vector<Bucket> buckets_;
  std::shared_ptr<Communicator> communicator_;
  size_t next_launch_ = 0;
  bool armed_ = false;
  bool overlap_ = false;
  double exposed_seconds_ = 0.0;
};

}  // namespace torchnas
