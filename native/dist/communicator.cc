#include "dist/communicator.h"

#include <cstdlib>
#include <map>
#include <mutex>

#include "common/error.h"

// ProcessGroupGloo.hpp compiles only under USE_C10D_GLOO, which LibTorch's CMake config does not
// export; gloo's own headers tell whether this LibTorch can be built against here.
#if __has_include(<gloo/config.h>) && __has_include(<torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>)
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#define TORCHNAS_WITH_GLOO 1
#endif

namespace torchnas {

std::vector<double> Communicator::SumDoubles(const std::vector<double>& values) {
  if (values.empty()) return values;
  torch::Tensor t = torch::tensor(values, torch::kFloat64);
  AllReduceSum({t});
  return std::vector<double>(t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
}

#ifdef TORCHNAS_WITH_GLOO
namespace {

using Clock = std::chrono::steady_clock;

std::string HeartbeatKey(int64_t rank) { return "torchnas/heartbeat/" + std::to_string(rank); }

bool IsLoopback(const std::string& addr) {
  return addr == "localhost" || addr.rfind("127.", 0) == 0 || addr == "::1";
}

// The network device Gloo listens on: loopback for a one-machine group; otherwise the interface
// named by GLOO_SOCKET_IFNAME (as in PyTorch), else the address this host's name resolves to.
std::shared_ptr<::gloo::transport::Device> GlooDevice(const std::string& master_addr) {
  if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME")) {
    return c10d::ProcessGroupGloo::createDeviceForInterface(ifname);
  }
  if (IsLoopback(master_addr)) return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

class GlooCommunicator : public Communicator {
 public:
  explicit GlooCommunicator(const DistOptions& options) : options_(options) {
    c10d::TCPStoreOptions store_options;
    store_options.port = static_cast<std::uint16_t>(options.master_port);
    store_options.isServer = options.rank == 0;
    store_options.numWorkers = static_cast<std::size_t>(options.world_size);
    store_options.waitWorkers = true;
    store_options.timeout = options.timeout;
    try {
      store_ = c10::make_intrusive<c10d::TCPStore>(options.master_addr, store_options);
      auto gloo_options = c10d::ProcessGroupGloo::Options::create(options.timeout);
      gloo_options->devices.push_back(GlooDevice(options.master_addr));
      gloo_options->threads = 2;
      group_ = c10::make_intrusive<c10d::ProcessGroupGloo>(
          store_, static_cast<int>(options.rank), static_cast<int>(options.world_size), gloo_options);
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      Fail(codes::kRankFailed,
           "rank " + std::to_string(options.rank) + " could not join the group of " +
               std::to_string(options.world_size) + " at " + options.master_addr + ":" +
               std::to_string(options.master_port) + " (" + e.what() +
               "): start every rank with the same `masterAddr`, `masterPort` and world size, "
               "or raise `timeoutMs` (how long a rank waits for its peers)");
    }
    heartbeat_ = std::thread([this] { Beat(); });
  }

  ~GlooCommunicator() override {
    stop_ = true;
    if (heartbeat_.joinable()) heartbeat_.join();
  }

  int64_t rank() const override { return options_.rank; }
  int64_t world_size() const override { return options_.world_size; }

  void Broadcast(const std::vector<torch::Tensor>& tensors) override {
    for (auto& [dtype, group] : ByDtype(tensors)) {
      torch::Tensor flat = Flatten(group);
      std::vector<torch::Tensor> message{flat};
      c10d::BroadcastOptions o;
      o.rootRank = 0;
      Run("broadcast", [&] { return group_->broadcast(message, o); });
      Unflatten(flat, group);
    }
  }

  void AllReduceSum(const std::vector<torch::Tensor>& tensors) override {
    if (tensors.empty()) return;
    for (auto& [dtype, group] : ByDtype(tensors)) {
      torch::Tensor flat = Flatten(group);
      Wait(StartAllReduce(flat));
      Unflatten(flat, group);
    }
  }

  int64_t StartAllReduce(torch::Tensor flat) override {
    std::vector<torch::Tensor> message{std::move(flat)};
    c10::intrusive_ptr<c10d::Work> work;
    Guard("all-reduce", [&] { work = group_->allreduce(message); });
    std::lock_guard<std::mutex> lock(mutex_);
    pending_[next_handle_] = work;
    return next_handle_++;
  }

  void Wait(int64_t handle) override {
    c10::intrusive_ptr<c10d::Work> work;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = pending_.find(handle);
      Require(it != pending_.end(), "unknown all-reduce handle");
      work = it->second;
      pending_.erase(it);
    }
    Guard("all-reduce", [&] { work->wait(); });
  }

  void Barrier() override {
    Run("barrier", [&] { return group_->barrier(); });
  }

 private:
  using Groups = std::map<torch::ScalarType, std::vector<torch::Tensor>>;

  static Groups ByDtype(const std::vector<torch::Tensor>& tensors) {
    Groups groups;
    for (const auto& t : tensors) groups[t.scalar_type()].push_back(t);
    return groups;
  }

  static torch::Tensor Flatten(const std::vector<torch::Tensor>& tensors) {
    if (tensors.size() == 1 && tensors[0].is_contiguous()) return tensors[0].view(-1);
    std::vector<torch::Tensor> flat;
    for (const auto& t : tensors) flat.push_back(t.reshape(-1));
    return torch::cat(flat);
  }

  static void Unflatten(const torch::Tensor& flat, const std::vector<torch::Tensor>& tensors) {
    if (tensors.size() == 1 && tensors[0].is_contiguous() && flat.data_ptr() == tensors[0].data_ptr()) return;
    torch::NoGradGuard no_grad;
    int64_t offset = 0;
    for (const auto& t : tensors) {
      const_cast<torch::Tensor&>(t).copy_(flat.narrow(0, offset, t.numel()).view(t.sizes()));
      offset += t.numel();
    }
  }

  template <typename F>
  void Run(const char* what, F start) {
    c10::intrusive_ptr<c10d::Work> work;
    Guard(what, [&] { work = start(); });
    Guard(what, [&] { work->wait(); });
  }

  // Any failure of a collective: find which rank stopped beating and say so.
  template <typename F>
  void Guard(const char* what, F body) {
    try {
      body();
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      Fail(codes::kRankFailed, Diagnose(what, e.what()));
    }
  }

  void Beat() {
    const std::string key = HeartbeatKey(options_.rank);
    while (!stop_) {
      try {
        store_->add(key, 1);
      } catch (...) {
        // The store's host (rank 0) is gone; the next collective reports it.
      }
      for (int i = 0; i < 5 && !stop_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  std::vector<int64_t> Beats() {
    std::vector<int64_t> beats;
    for (int64_t r = 0; r < options_.world_size; ++r) beats.push_back(store_->add(HeartbeatKey(r), 0));
    return beats;
  }

  std::string Diagnose(const char* what, const std::string& detail) {
    std::string dead;
    try {
      std::vector<int64_t> before = Beats();
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      std::vector<int64_t> after = Beats();
      for (int64_t r = 0; r < options_.world_size; ++r) {
        if (r != options_.rank && after[static_cast<size_t>(r)] == before[static_cast<size_t>(r)]) {
          dead += (dead.empty() ? "" : ", ") + std::to_string(r);
        }
      }
    } catch (...) {
      dead = "0";  // the store lives in rank 0's process: unreachable means rank 0 is gone
    }
    const std::string who = dead.empty() ? "a peer rank (every rank still beats: one is stuck or slower than "
                                           "`timeoutMs` allows)"
                                         : "rank " + dead + " (it stopped: killed or failed)";
    return std::string(what) + " on rank " + std::to_string(options_.rank) + " failed: lost " + who + "; " +
           detail.substr(0, detail.find('\n')) +
           ". Restart the run with the same command: it resumes from its last checkpoint";
  }

  DistOptions options_;
  c10::intrusive_ptr<c10d::TCPStore> store_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group_;
  std::mutex mutex_;
  std::map<int64_t, c10::intrusive_ptr<c10d::Work>> pending_;
  int64_t next_handle_ = 0;
  std::atomic<bool> stop_{false};
  std::thread heartbeat_;
};

}  // namespace

bool DistributedAvailable() { return true; }

std::shared_ptr<Communicator> Communicator::Connect(const DistOptions& options) {
  Require(options.world_size >= 1, "WORLD_SIZE must be at least 1");
  Require(options.rank >= 0 && options.rank < options.world_size,
          "RANK must be in [0, WORLD_SIZE): got rank " + std::to_string(options.rank) + " of " +
              std::to_string(options.world_size));
  Require(options.master_port > 0 && options.master_port < 65536, "MASTER_PORT must be in 1..65535");
  // One group per process, as torch.distributed's init_process_group: a later session of the same
  // run (a retraining after a search) joins the same group instead of a second rendezvous on the same
  // port, which could meet the first one's store. Never freed: it lives as long as the process.
  static auto* groups = new std::map<std::string, std::shared_ptr<Communicator>>();
  static std::mutex mutex;
  const std::string key = options.master_addr + ":" + std::to_string(options.master_port) + "/" +
                          std::to_string(options.rank) + "/" + std::to_string(options.world_size);
  std::lock_guard<std::mutex> lock(mutex);
  auto& group = (*groups)[key];
  if (!group) group = std::make_shared<GlooCommunicator>(options);
  group->sync_batch_norm_ = options.sync_batch_norm;
  return group;
}

#else

bool DistributedAvailable() { return false; }

std::shared_ptr<Communicator> Communicator::Connect(const DistOptions&) {
  Fail(codes::kInvalidArgument,
       "this build of torchnas has no c10d Gloo backend: install gloo's headers (Debian: libgloo-dev, "
       "scripts/setup.sh does it) and rebuild with npm run build:native");
}

#endif

}  // namespace torchnas
