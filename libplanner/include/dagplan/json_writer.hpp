#pragma once
/// \file
/// A streaming JSON writer: appends to a string with no intermediate DOM, so that writing a
/// 10^6-task workflow or plan costs little more than its text. Output is indented; containers
/// opened with `inline_ = true` (and everything inside them) stay on one line.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace dagplan {

class JsonWriter {
 public:
  /// Appends to `out`, which must outlive the writer.
  explicit JsonWriter(std::string& out) : out_(out) {}

  /// Called with the text written so far once it is `at` bytes or more, between two values of a
  /// container (never inside the top-level value's closing): it may write `out` somewhere and
  /// clear it, so that a long text is never whole in memory (OutputFile::flush). The writer never
  /// reads back what it has written.
  using Flush = std::function<void()>;
  void set_flush(Flush flush, std::size_t at) {
    flush_ = std::move(flush);
    flush_at_ = at;
  }

  void begin_object(bool inline_ = false);
  void end_object();
  void begin_array(bool inline_ = false);
  void end_array();
  /// The next member's name (inside an object).
  void key(std::string_view k);
  /// key(k) then value(v): one member of an object.
  template <class T>
  void member(std::string_view k, const T& v) {
    key(k);
    value(v);
  }

  void value(std::string_view s);
  void value(const char* s) { value(std::string_view(s)); }
  void value(const std::string& s) { value(std::string_view(s)); }
  /// Shortest text that reads back to the same double. Throws Error for an infinity or a NaN
  /// (JSON has none), so no file is ever written with one.
  void value(double d);
  void value(std::uint64_t v);
  void value(std::int64_t v);
  void value(std::uint32_t v) { value(static_cast<std::uint64_t>(v)); }
  void value(int v) { value(static_cast<std::int64_t>(v)); }
  void value(bool b);
  void null();
  /// Inserts already-serialised JSON as one value (trusted input, e.g. from nlohmann::json::dump).
  void raw(std::string_view json);

  /// Appends `s` to `out` as a quoted JSON string with escapes.
  static void quote(std::string& out, std::string_view s);

  /// Writes `us` microseconds in seconds, the text value(us_to_seconds(us)) would write, into
  /// `buf` (32 bytes) from the integer, without formatting a double; returns its length, or 0
  /// when the integer route is not certainly the same text (below 1 ms, where the shortest text
  /// is in exponent notation, or from 10^15 us, where doubles are too sparse): then write the
  /// double.
  static std::size_t us_as_seconds(char* buf, std::int64_t us);

 private:
  struct Frame {
    bool inline_;
    bool empty;
    bool is_object;
  };
  void before_value();
  void newline();
  char* separator(char* p);

  void maybe_flush() {
    if (flush_ && !stack_.empty() && out_.size() >= flush_at_) flush_();
  }

  std::string& out_;
  std::vector<Frame> stack_;
  bool after_key_ = false;
  Flush flush_;
  std::size_t flush_at_ = 0;
};

}  // namespace dagplan
