#pragma once
/// \file
/// LargeVector<T>: a std::vector whose big buffers sit on transparent huge pages.
///
/// The predictor and the simulator index per-task arrays of a 10^6-task workflow at random
/// (a task's predecessors can be anywhere in the array). With 4 KiB pages every such access
/// also misses the TLB, and filling the arrays takes one page fault per 4 KiB. Buffers of
/// kHugeThreshold bytes and more are therefore aligned to 2 MiB and advised MADV_HUGEPAGE, which
/// Debian's default THP mode ("madvise") honours; smaller ones come from operator new as usual.
///
/// Freed buffers of that size are kept (up to kCacheBytes in all) for the next big allocations:
/// on a virtual machine the first touch of fresh memory can cost a millisecond per MB, and
/// repeated predictions or simulations of a big workflow need the same buffers each time.
/// release_cached_memory() gives them back. See docs/decisions/0005-engine-memory-layout.md for
/// the measurements.

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

namespace dagplan {

namespace detail {
inline constexpr std::size_t kHugePage = std::size_t{2} << 20;
inline constexpr std::size_t kHugeThreshold = std::size_t{4} << 20;
inline constexpr std::size_t kCacheBytes = std::size_t{512} << 20;
/// Allocates `bytes` (>= kHugeThreshold) aligned to a huge page and advises huge pages for it,
/// or takes a kept buffer of at least that size (and at most twice it).
void* allocate_huge(std::size_t bytes);
/// Keeps a buffer of allocate_huge() for reuse, or frees it when kCacheBytes are kept already.
void free_huge(void* p, std::size_t bytes) noexcept;
}  // namespace detail

/// Frees the big buffers kept for reuse (thread-safe). Benchmarks call it before measuring
/// memory; a program may call it after its last big prediction.
void release_cached_memory() noexcept;

template <class T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() noexcept = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}  // NOLINT: rebinding is implicit

  T* allocate(std::size_t n) {
    if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    std::size_t bytes = n * sizeof(T);
    if (bytes < detail::kHugeThreshold) return std::allocator<T>().allocate(n);
    return static_cast<T*>(detail::allocate_huge(bytes));
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n * sizeof(T) < detail::kHugeThreshold) {
      std::allocator<T>().deallocate(p, n);
    } else {
      detail::free_huge(p, n * sizeof(T));
    }
  }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const noexcept {
    return true;
  }
};

template <class T>
using LargeVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace dagplan
