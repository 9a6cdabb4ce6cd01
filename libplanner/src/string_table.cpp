#include "dagplan/string_table.hpp"

namespace dagplan {

std::uint64_t StringTable::hash(std::string_view s) {
  // FNV-1a followed by a final avalanche (splitmix64) so that low bits are well mixed.
  std::uint64_t h = 1469598103934665603ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

void StringTable::reserve(std::size_t strings, std::size_t bytes) {
  blob_.reserve(bytes);
  offsets_.reserve(strings + 1);
  std::size_t want = 16;
  while (want < 2 * strings) want *= 2;
  if (want > slots_.size()) {
    slots_.assign(want, 0);
    tags_.assign(want, 0);
    for (std::uint32_t i = 0; i < size(); ++i) {
      std::uint64_t h = hash((*this)[i]);
      std::size_t mask = slots_.size() - 1;
      std::size_t p = static_cast<std::size_t>(h) & mask;
      while (slots_[p] != 0) p = (p + 1) & mask;
      slots_[p] = i + 1;
      tags_[p] = static_cast<std::uint32_t>(h >> 32);
    }
  }
}

void StringTable::grow() {
  reserve(size() + 1 > 8 ? size() * 2 : 16, blob_.size());
}

std::optional<std::uint32_t> StringTable::find(std::string_view s) const {
  if (slots_.empty()) return std::nullopt;
  std::uint64_t h = hash(s);
  std::uint32_t tag = static_cast<std::uint32_t>(h >> 32);
  std::size_t mask = slots_.size() - 1;
  for (std::size_t p = static_cast<std::size_t>(h) & mask;; p = (p + 1) & mask) {
    std::uint32_t v = slots_[p];
    if (v == 0) return std::nullopt;
    if (tags_[p] == tag && (*this)[v - 1] == s) return v - 1;
  }
}

std::uint32_t StringTable::intern(std::string_view s) {
  if (2 * (size() + 1) > slots_.size()) grow();
  std::uint64_t h = hash(s);
  std::uint32_t tag = static_cast<std::uint32_t>(h >> 32);
  std::size_t mask = slots_.size() - 1;
  std::size_t p = static_cast<std::size_t>(h) & mask;
  for (;; p = (p + 1) & mask) {
    std::uint32_t v = slots_[p];
    if (v == 0) break;
    if (tags_[p] == tag && (*this)[v - 1] == s) return v - 1;
  }
  auto idx = static_cast<std::uint32_t>(size());
  blob_.append(s);
  offsets_.push_back(blob_.size());
  slots_[p] = idx + 1;
  tags_[p] = tag;
  return idx;
}

}  // namespace dagplan
