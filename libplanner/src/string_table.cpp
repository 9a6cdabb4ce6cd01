#include "dagplan/string_table.hpp"

#include <algorithm>
#include <cstring>

namespace dagplan {

std::uint64_t StringTable::hash(std::string_view s) {
  // Eight bytes at a time (a multiply and a shift each), then a final avalanche (splitmix64) so
  // that the low bits, which pick the slot, depend on every byte. Each round is a bijection of
  // the state for a given word, so strings of one length that differ in one word never collide.
  std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ s.size();
  const char* p = s.data();
  std::size_t n = s.size();
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 29;
  }
  if (n > 0) {
    std::uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = (h ^ w) * 0x94d049bb133111ebULL;
    h ^= h >> 29;
  }
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

bool StringTable::holds(const Slot& slot, std::string_view s) const {
  const std::uint64_t len = slot.text & kLongText;
  if (len != kLongText) {
    return len == s.size() &&
           std::memcmp(blob_.data() + (slot.text >> 24), s.data(), s.size()) == 0;
  }
  return (*this)[slot.index_plus_1 - 1] == s;
}

void StringTable::place(std::uint32_t index, std::uint64_t h) {
  const std::size_t mask = slots_.size() - 1;
  std::size_t p = static_cast<std::size_t>(h) & mask;
  while (slots_[p].index_plus_1 != 0) p = (p + 1) & mask;
  const std::uint64_t len =
      std::min<std::uint64_t>(offsets_[index + 1] - offsets_[index], kLongText);
  slots_[p] = Slot{(offsets_[index] << 24) | len, static_cast<std::uint32_t>(h >> 32), index + 1};
}

void StringTable::reserve(std::size_t strings, std::size_t bytes) {
  blob_.reserve(bytes);
  offsets_.reserve(strings + 1);
  std::size_t want = 16;
  while (want < 2 * strings) want *= 2;
  if (want > slots_.size()) {
    slots_.assign(want, Slot{});
    for (std::uint32_t i = 0; i < size(); ++i) place(i, hash((*this)[i]));
  }
}

void StringTable::grow() {
  reserve(size() + 1 > 8 ? size() * 2 : 16, blob_.size());
}

void StringTable::prefetch_text(std::uint64_t h) const {
  if (slots_.empty()) return;
  const std::uint32_t tag = static_cast<std::uint32_t>(h >> 32);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t p = static_cast<std::size_t>(h) & mask;; p = (p + 1) & mask) {
    const Slot& slot = slots_[p];
    if (slot.index_plus_1 == 0) return;
    if (slot.tag == tag) {
      __builtin_prefetch(blob_.data() + (slot.text >> 24));
      return;
    }
  }
}

std::optional<std::uint32_t> StringTable::find(std::string_view s) const {
  if (slots_.empty()) return std::nullopt;
  const std::uint64_t h = hash(s);
  const std::uint32_t tag = static_cast<std::uint32_t>(h >> 32);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t p = static_cast<std::size_t>(h) & mask;; p = (p + 1) & mask) {
    const Slot& slot = slots_[p];
    if (slot.index_plus_1 == 0) return std::nullopt;
    if (slot.tag == tag && holds(slot, s)) return slot.index_plus_1 - 1;
  }
}

std::uint32_t StringTable::intern(std::string_view s, std::uint64_t h) {
  if (2 * (size() + 1) > slots_.size()) grow();
  const std::uint32_t tag = static_cast<std::uint32_t>(h >> 32);
  const std::size_t mask = slots_.size() - 1;
  std::size_t p = static_cast<std::size_t>(h) & mask;
  for (;; p = (p + 1) & mask) {
    const Slot& slot = slots_[p];
    if (slot.index_plus_1 == 0) break;
    if (slot.tag == tag && holds(slot, s)) return slot.index_plus_1 - 1;
  }
  const auto idx = static_cast<std::uint32_t>(size());
  const std::uint64_t offset = blob_.size();
  blob_.append(s);
  offsets_.push_back(blob_.size());
  slots_[p] = Slot{(offset << 24) | std::min<std::uint64_t>(s.size(), kLongText), tag, idx + 1};
  return idx;
}

}  // namespace dagplan
