#include "trainers/torch/cpu_block_cache.h"

#include <c10/core/CPUAllocator.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace mlpipe {

namespace {
constexpr size_t kAlign = 64;       // LibTorch's own alignment (c10::gAlignment)
constexpr size_t kHeader = kAlign;  // the block's size, in front of what the tensor sees
constexpr size_t kMaxCached = size_t(512) << 20;

class BlockCache final : public c10::Allocator {
 public:
  c10::DataPtr allocate(size_t n) const override {
    void* base = take(n);
    return {static_cast<char*>(base) + kHeader, base, &BlockCache::release, c10::Device(c10::DeviceType::CPU)};
  }

  void install() {
    std::lock_guard<std::mutex> lock(mu_);
    if (scopes_++ == 0) {
      previous_ = c10::GetCPUAllocator();
      active_ = true;
      c10::SetCPUAllocator(this, /*priority=*/0);
    }
  }
  void uninstall() {
    std::vector<void*> drop;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (--scopes_ != 0) return;
      c10::SetCPUAllocator(previous_, /*priority=*/0);
      active_ = false;
      for (auto& [size, blocks] : free_)
        drop.insert(drop.end(), blocks.begin(), blocks.end());
      free_.clear();
      cached_ = 0;
    }
    for (void* b : drop) std::free(b);
  }

  static BlockCache& instance() {
    static BlockCache* c = new BlockCache;  // never destroyed: tensors outlive every scope
    return *c;
  }

 private:
  void* take(size_t n) const {
    auto* self = const_cast<BlockCache*>(this);
    {
      std::lock_guard<std::mutex> lock(self->mu_);
      auto it = self->free_.find(n);
      if (it != self->free_.end() && !it->second.empty()) {
        void* b = it->second.back();
        it->second.pop_back();
        self->cached_ -= n;
        return b;
      }
    }
    void* b = nullptr;
    if (posix_memalign(&b, kAlign, kHeader + (n ? n : 1)) != 0) throw std::bad_alloc();
    std::memcpy(b, &n, sizeof n);
    return b;
  }

  static void release(void* base) {
    if (!base) return;
    size_t n;
    std::memcpy(&n, base, sizeof n);
    BlockCache& c = instance();
    {
      std::lock_guard<std::mutex> lock(c.mu_);
      if (c.active_ && c.cached_ + n <= kMaxCached) {
        c.free_[n].push_back(base);
        c.cached_ += n;
        return;
      }
    }
    std::free(base);
  }

  std::mutex mu_;
  int scopes_ = 0;
  bool active_ = false;
  c10::Allocator* previous_ = nullptr;
  std::unordered_map<size_t, std::vector<void*>> free_;
  size_t cached_ = 0;
};
}  // namespace

CpuBlockCache::CpuBlockCache() { BlockCache::instance().install(); }
CpuBlockCache::~CpuBlockCache() { BlockCache::instance().uninstall(); }

}  // namespace mlpipe
