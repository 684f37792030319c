#include "nets/seeded_construction.h"

namespace torchnas {

std::mutex& GlobalGeneratorMutex() {
  static std::mutex mutex;
  return mutex;
}

}  // namespace torchnas
