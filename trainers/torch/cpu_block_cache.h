#pragma once
// While a CpuBlockCache is alive, LibTorch's CPU tensors are allocated from blocks freed
// earlier of the same size, instead of from malloc. Scoring a sequence model allocates the same
// few tensor sizes for every batch; glibc returned each freed block (mmap threshold, heap trim)
// and took it again, and the page faults were 14 % of Transformer scoring's profile (sys time
// 1.6 s of 10 s on 120,000 windows). Blocks are 64-byte aligned, as the default allocator's, and
// what a tensor holds does not depend on where it lives, so results are the same bits.
// Thread-safe: scopes may overlap (a count; the first installs the allocator, the last puts the
// default back and frees the cache); blocks freed after the last scope go straight to free.
// The cache holds at most 512 MiB of free blocks.
namespace mlpipe {

class CpuBlockCache {
 public:
  CpuBlockCache();
  ~CpuBlockCache();
  CpuBlockCache(const CpuBlockCache&) = delete;
  CpuBlockCache& operator=(const CpuBlockCache&) = delete;
};

}  // namespace mlpipe
