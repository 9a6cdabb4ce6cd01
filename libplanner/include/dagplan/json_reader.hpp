#pragma once
/// \file
/// A pull parser for JSON that knows where it is. Every reader of a dagplan format (workflow,
/// platform, plan, profile, trace, WfCommons instance) walks the text with it, so every error
/// names the file, the JSON path (`$.tasks[3].deps[1]`), the line and column, and what was
/// expected. It builds no DOM: a 10^6-task workflow is read in one pass with no per-value
/// allocation. See docs/decisions/0002-json-pull-parser.md.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace dagplan {

/// Reads one JSON document from a text buffer that must outlive the reader.
/// All methods throw InputError on malformed JSON or on a value of the wrong kind.
class JsonReader {
 public:
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject, kEnd };

  /// \param text the whole document \param file the name used in error messages
  JsonReader(std::string_view text, std::string file);

  /// Kind of the next value (skipping white space); kEnd at the end of the text.
  Kind peek();

  /// Reads an object; calls `on_member(key)` for each member, with the path extended by the key.
  /// The callback must consume exactly one value (read it or call skip()). Complexity: linear.
  template <class F>
  void object(F&& on_member) {
    begin_container('{', "an object");
    if (try_close('}')) return end_container();
    MemberNames seen;
    for (;;) {
      std::string_view key = read_key();
      if (!seen.insert(key)) fail_duplicate(key);
      on_member(key);
      if (!next_member('}')) break;
    }
    end_container();
  }

  /// Reads an array; calls `on_element(index)` for each element, with the path extended by the
  /// index.
  template <class F>
  void array(F&& on_element) {
    begin_container('[', "an array");
    if (try_close(']')) return end_container();
    for (std::size_t i = 0;; ++i) {
      set_index(i);
      on_element(i);
      if (!next_member(']')) break;
    }
    end_container();
  }

  /// A string value; the view is valid until the next call on this reader.
  std::string_view string();
  /// A finite number.
  double number();
  /// A finite number >= 0.
  double non_negative();
  /// A finite number in [min, max] (see dagplan/limits.hpp). Fails with "expected a number >= 0,
  /// got TEXT" when min is 0 and the number negative, "expected WHAT > 0, got TEXT" when min > 0
  /// and the number is not positive, and otherwise "expected WHAT in [MIN, MAX] UNIT, got TEXT",
  /// TEXT as written in the file.
  double number_in(double min, double max, std::string_view what, std::string_view unit = {});
  /// A whole number in [0, 2^64); integral values written as 1e6 or 3.0 are accepted.
  std::uint64_t uint64();
  /// A whole number in [0, max]; beyond max fails with "expected WHAT of at most MAX, got TEXT".
  std::uint64_t uint64_at_most(std::uint64_t max, std::string_view what);
  /// A whole number in [min, max].
  std::int64_t integer(std::int64_t min, std::int64_t max);
  bool boolean();
  /// Consumes a null and returns true, or returns false and leaves a non-null value unread.
  bool null();
  /// Skips one value of any kind.
  void skip();
  /// Skips one value and returns its text as written (for nested documents such as the workflow
  /// embedded in a trace), and the line offset it starts at is lost: errors inside it are
  /// reported by the reader given that text.
  std::string_view raw_value();
  /// Requires that nothing but white space follows.
  void finish();

  /// Throws InputError at the current path and value position with `message`.
  [[noreturn]] void fail(std::string_view message) const;
  /// Throws "expected EXPECTED, got WHAT-IS-THERE".
  [[noreturn]] void fail_expected(std::string_view expected);
  /// Throws at an explicit JSON path (used for errors found after the value was read).
  [[noreturn]] void fail_at(const std::string& path, std::string_view message) const;

  /// The current JSON path, e.g. `$.tasks[3].id`.
  std::string path() const;
  const std::string& file() const { return file_; }

 private:
  // The member names of one object so far, as 64-bit hashes (FNV-1a): a member given twice is an
  // error, not the last one silently winning. The first 16 on the stack.
  struct MemberNames {
    std::uint64_t first[16];
    std::size_t count = 0;
    std::vector<std::uint64_t> more;
    bool insert(std::string_view key) {
      std::uint64_t h = 14695981039346656037ull;
      for (char c : key) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
      for (std::size_t i = 0; i < count && i < 16; ++i)
        if (first[i] == h) return false;
      for (std::uint64_t x : more)
        if (x == h) return false;
      if (count < 16)
        first[count] = h;
      else
        more.push_back(h);
      ++count;
      return true;
    }
  };
  [[noreturn]] void fail_duplicate(std::string_view key) const;
  struct Segment {
    std::string_view key;  // empty key with is_index: array element
    std::size_t index = 0;
    bool is_index = false;
  };

  void skip_ws();
  void begin_container(char open, std::string_view what);
  bool try_close(char close);
  bool next_member(char close);
  void end_container();
  void set_index(std::size_t i) { path_.back().index = i; }
  std::string_view read_key();
  std::string_view scan_string(std::string& scratch);
  std::string_view scan_number_token();
  std::string describe_next();
  [[noreturn]] void syntax_error(std::string_view expected) const;
  std::string location(std::size_t offset) const;

  std::string_view text_;
  std::string file_;
  std::size_t pos_ = 0;
  std::size_t value_start_ = 0;
  std::vector<Segment> path_;
  std::vector<std::string> key_scratch_;  // one per depth, for keys with escapes
  std::string scratch_;
};

}  // namespace dagplan

namespace dagplan {

/// "line L, column C" of byte `offset` of `text` (both from 1; a column counts bytes), as every
/// reader's errors say where they are.
std::string text_location(std::string_view text, std::size_t offset);

/// Throws "unknown member 'KEY'; did you mean ...? (known...)" at the reader's current path.
[[noreturn]] void fail_unknown_member(const JsonReader& r, std::string_view key,
                                      std::initializer_list<std::string_view> known);

/// Reads a `"format"` value and checks it is `KIND/VERSION` with a version this build reads.
void read_format(JsonReader& r, std::string_view kind, int version);

/// Reads a duration in seconds in [0, limits::kMaxDurationS] (31.7 years) and returns
/// microseconds, rounded to the nearest microsecond (exact: at most 1e15 us).
std::int64_t read_seconds_as_us(JsonReader& r);

/// Reads a duration in seconds in [0, limits::kMaxDurationS] and returns it in seconds.
double read_seconds(JsonReader& r);

/// Reads a size in bytes in [0, limits::kMaxBytes].
std::uint64_t read_bytes(JsonReader& r);

}  // namespace dagplan
