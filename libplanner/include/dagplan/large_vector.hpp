#pragma once
/// \file
/// LargeVector<T>: a std::vector whose big buffers sit on transparent huge pages.
///
/// The predictor and the simulator index per-task arrays of a 10^6-task workflow at random
/// (a task's predecessors can be anywhere in the array). With 4 KiB pages every such access
/// also misses the TLB, and filling the arrays takes one page fault per 4 KiB. Buffers of
/// kHugeThreshold bytes and more are therefore aligned to 2 MiB and advised MADV_HUGEPAGE, which
/// Debian's default THP mode ("madvise") honours; smaller ones come from operator new as usual.
/// See docs/decisions/0005-engine-memory-layout.md for the measurements.

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

namespace dagplan {

namespace detail {
inline constexpr std::size_t kHugePage = std::size_t{2} << 20;
inline constexpr std::size_t kHugeThreshold = std::size_t{4} << 20;
/// Allocates `bytes` (>= kHugeThreshold) aligned to a huge page and advises huge pages for it.
void* allocate_huge(std::size_t bytes);
}  // namespace detail

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
      std::free(p);
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
