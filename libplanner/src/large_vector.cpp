#include "dagplan/large_vector.hpp"

#include <malloc.h>
#include <sys/mman.h>

#include <algorithm>
#include <mutex>

namespace dagplan::detail {
namespace {

// Freed huge buffers kept for the next big allocations (see the header).
struct BlockCache {
  static constexpr std::size_t kSlots = 16;
  struct Block {
    void* p = nullptr;
    std::size_t bytes = 0;
  };
  std::mutex mutex;
  Block blocks[kSlots];
  std::size_t held = 0;  // bytes in blocks
};

BlockCache& cache() {
  static BlockCache* c = new BlockCache;  // never destroyed: frees may come during exit
  return *c;
}

std::size_t round_up(std::size_t bytes) {
  return (bytes + kHugePage - 1) / kHugePage * kHugePage;
}

}  // namespace

void* allocate_huge(std::size_t bytes) {
  std::size_t rounded = round_up(bytes);
  {
    BlockCache& c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    std::size_t best = BlockCache::kSlots;
    for (std::size_t i = 0; i < BlockCache::kSlots; ++i) {
      const BlockCache::Block& b = c.blocks[i];
      if (b.p && b.bytes >= rounded && b.bytes <= 2 * rounded &&
          (best == BlockCache::kSlots || b.bytes < c.blocks[best].bytes))
        best = i;
    }
    if (best != BlockCache::kSlots) {
      void* p = c.blocks[best].p;
      c.held -= c.blocks[best].bytes;
      c.blocks[best] = {};
      return p;
    }
  }
  void* p = std::aligned_alloc(kHugePage, rounded);
  if (!p) throw std::bad_alloc();
  // Advice only: where THP is off ("never") the kernel ignores it and 4 KiB pages are used.
  (void)madvise(p, rounded, MADV_HUGEPAGE);
  return p;
}

void free_huge(void* p, std::size_t bytes) noexcept {
  // A kept buffer may be freed by a vector that asked for less of it: keep its real size.
  std::size_t rounded = std::max(round_up(bytes), malloc_usable_size(p) / kHugePage * kHugePage);
  {
    BlockCache& c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    if (c.held + rounded <= kCacheBytes) {
      for (BlockCache::Block& b : c.blocks)
        if (!b.p) {
          b = {p, rounded};
          c.held += rounded;
          return;
        }
    }
  }
  std::free(p);
}

}  // namespace dagplan::detail

namespace dagplan {

void release_cached_memory() noexcept {
  detail::BlockCache& c = detail::cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  for (detail::BlockCache::Block& b : c.blocks) {
    std::free(b.p);
    b = {};
  }
  c.held = 0;
}

}  // namespace dagplan
