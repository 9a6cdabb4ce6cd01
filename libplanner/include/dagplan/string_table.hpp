#pragma once
/// \file
/// Interns strings to dense indices 0, 1, 2, ... in insertion order. Used for task ids, function
/// names, configuration names and worker ids. Open addressing with linear probing; the strings
/// live in one contiguous buffer, so 10^6 short ids cost about 20 bytes each.

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
  std::uint32_t intern(std::string_view s);
  /// Index of `s` if present. O(|s|) expected.
  std::optional<std::uint32_t> find(std::string_view s) const;
  /// The string with index `i`; valid until the next intern().
  std::string_view operator[](std::uint32_t i) const {
    return std::string_view(blob_).substr(offsets_[i], offsets_[i + 1] - offsets_[i]);
  }
  std::size_t size() const { return offsets_.size() - 1; }
  void reserve(std::size_t strings, std::size_t bytes);

 private:
  static std::uint64_t hash(std::string_view s);
  void grow();

  std::string blob_;
  std::vector<std::uint64_t> offsets_{0};
  std::vector<std::uint32_t> slots_;  // index + 1, 0 = empty; size is a power of two
  std::vector<std::uint32_t> tags_;   // high hash bits of each slot, to skip most compares
};

}  // namespace dagplan
