#pragma once
/// \file
/// Interns strings to dense indices 0, 1, 2, ... in insertion order. Used for task ids, function
/// names, configuration names and worker ids. Open addressing with linear probing; the strings
/// live in one contiguous buffer, so 10^6 short ids cost about 20 bytes each, and the table 16
/// bytes a slot (two slots or more per string).
///
/// A lookup that finds its string costs two cache misses at 10^6 ids, the slot and the string's
/// text (the slot holds the text's place and length, so the offsets are not read). Readers that
/// look up many ids can take the first one out of the way: hash() the id, prefetch() its slot,
/// and intern(s, hash) it later (WorkflowBuilder does so for dependencies, in batches).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dagplan {

class StringTable {
 public:
  StringTable() = default;

  /// Index of `s`, adding it if new. Amortised O(|s|).
  std::uint32_t intern(std::string_view s) { return intern(s, hash(s)); }
  /// The same, with `h` = hash(s) computed beforehand.
  std::uint32_t intern(std::string_view s, std::uint64_t h);
  /// Index of `s` if present. O(|s|) expected.
  std::optional<std::uint32_t> find(std::string_view s) const;
  /// The string with index `i`; valid until the next intern().
  std::string_view operator[](std::uint32_t i) const {
    return std::string_view(blob_).substr(offsets_[i], offsets_[i + 1] - offsets_[i]);
  }
  std::size_t size() const { return offsets_.size() - 1; }
  void reserve(std::size_t strings, std::size_t bytes);

  /// The hash intern() and find() use (not stable across versions: never store it).
  static std::uint64_t hash(std::string_view s);
  /// Asks the processor to bring the first slot probed for hash `h` into the cache.
  void prefetch(std::uint64_t h) const {
    if (!slots_.empty())
      __builtin_prefetch(&slots_[static_cast<std::size_t>(h) & (slots_.size() - 1)]);
  }
  /// Asks the processor to bring the text of the string the slot of `h` holds (if its tag
  /// matches) into the cache, ahead of an intern(s, h) that will compare it.
  void prefetch_text(std::uint64_t h) const;

 private:
  // One slot: where the string is and its index, and the hash's high bits to skip most compares.
  // `text` is the offset in blob_ (40 bits: 1 TB of text, far beyond any input) and the length
  // (24 bits; kLongText: read offsets_).
  struct Slot {
    std::uint64_t text = 0;
    std::uint32_t tag = 0;
    std::uint32_t index_plus_1 = 0;  // 0: empty
  };
  static constexpr std::uint64_t kLongText = (std::uint64_t{1} << 24) - 1;
  bool holds(const Slot& slot, std::string_view s) const;
  void place(std::uint32_t index, std::uint64_t h);
  void grow();

  std::string blob_;
  std::vector<std::uint64_t> offsets_{0};
  std::vector<Slot> slots_;  // size is a power of two
};

}  // namespace dagplan
