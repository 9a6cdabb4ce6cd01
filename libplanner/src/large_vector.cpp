#include "dagplan/large_vector.hpp"

#include <sys/mman.h>

namespace dagplan::detail {

void* allocate_huge(std::size_t bytes) {
  std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  void* p = std::aligned_alloc(kHugePage, rounded);
  if (!p) throw std::bad_alloc();
  // Advice only: where THP is off ("never") the kernel ignores it and 4 KiB pages are used.
  (void)madvise(p, rounded, MADV_HUGEPAGE);
  return p;
}

}  // namespace dagplan::detail
