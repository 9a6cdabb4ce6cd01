#include "dagplan/json_writer.hpp"

#include <fmt/compile.h>
#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>

#include "dagplan/error.hpp"

namespace dagplan {
namespace {

// Whether `c` must be escaped inside a JSON string.
bool needs_escape(char c) {
  return static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\';
}

// The length of the prefix of `s` that needs no escape.
std::size_t plain_prefix(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && !needs_escape(s[i])) ++i;
  return i;
}

// Room for one separator, indent and short member name composed on the stack and appended at
// once: every append to the string checks its capacity, so a character at a time costs more than
// the characters (the writer's hot path at 10^6 tasks is thousands of short members per ms).
constexpr std::size_t kStackText = 256;

}  // namespace

void JsonWriter::quote(std::string& out, std::string_view s) {
  std::size_t plain = plain_prefix(s);
  out += '"';
  out.append(s.data(), plain);
  for (char c : s.substr(plain)) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

// Writes the separator before the next element of the innermost container (", " or "," then a
// line break and the indent) into `p`, which has room for 2 + 1 + 2 * depth characters, marks the
// container not empty and returns the end.
char* JsonWriter::separator(char* p) {
  Frame& f = stack_.back();
  if (!f.empty) {
    *p++ = ',';
    if (f.inline_) *p++ = ' ';
  }
  if (!f.inline_) {
    *p++ = '\n';
    std::memset(p, ' ', 2 * stack_.size());
    p += 2 * stack_.size();
  }
  f.empty = false;
  return p;
}

void JsonWriter::newline() {
  out_ += '\n';
  out_.append(2 * stack_.size(), ' ');
}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (stack_.empty()) return;
  assert(!stack_.back().is_object && "a value inside an object needs a key first");
  if (2 * stack_.size() + 3 <= kStackText) {
    char buf[kStackText];
    out_.append(buf, separator(buf));
    return;
  }
  Frame& f = stack_.back();
  if (!f.empty) out_ += f.inline_ ? ", " : ",";
  if (!f.inline_) newline();
  f.empty = false;
}

void JsonWriter::key(std::string_view k) {
  assert(!stack_.empty() && stack_.back().is_object);
  after_key_ = true;
  // The common case, a short name with nothing to escape: separator, name and ": " in one append.
  if (2 * stack_.size() + k.size() + 7 <= kStackText && plain_prefix(k) == k.size()) {
    char buf[kStackText];
    char* p = separator(buf);
    *p++ = '"';
    std::memcpy(p, k.data(), k.size());
    p += k.size();
    *p++ = '"';
    *p++ = ':';
    *p++ = ' ';
    out_.append(buf, p);
    return;
  }
  Frame& f = stack_.back();
  if (!f.empty) out_ += f.inline_ ? ", " : ",";
  if (!f.inline_) newline();
  f.empty = false;
  quote(out_, k);
  out_ += ": ";
}

void JsonWriter::begin_object(bool inline_) {
  before_value();
  bool in = inline_ || (!stack_.empty() && stack_.back().inline_);
  out_ += '{';
  stack_.push_back(Frame{in, true, true});
}

void JsonWriter::begin_array(bool inline_) {
  before_value();
  bool in = inline_ || (!stack_.empty() && stack_.back().inline_);
  out_ += '[';
  stack_.push_back(Frame{in, true, false});
}

void JsonWriter::end_object() {
  Frame f = stack_.back();
  stack_.pop_back();
  if (!f.empty && !f.inline_) newline();
  out_ += '}';
  if (stack_.empty()) out_ += '\n';
  maybe_flush();
}

void JsonWriter::end_array() {
  Frame f = stack_.back();
  stack_.pop_back();
  if (!f.empty && !f.inline_) newline();
  out_ += ']';
  if (stack_.empty()) out_ += '\n';
  maybe_flush();
}

void JsonWriter::value(std::string_view s) {
  before_value();
  quote(out_, s);
}

void JsonWriter::value(double d) {
  // JSON has no infinity or NaN. The input ranges (dagplan/limits.hpp) keep every number the
  // library writes finite; should one not be, the file is refused rather than written invalid.
  if (!std::isfinite(d))
    throw Error(fmt::format("cannot write the number {} as JSON (not finite)", d));
  before_value();
  // Into a buffer on the stack, then one append: through a back_inserter each character is a
  // push_back on the string, and format_to_n's truncating iterator costs as much (5% of
  // `dagplan plan` at 10^6 tasks). The shortest round-trip text of a double is at most 24
  // characters ("-2.2250738585072014e-308"). FMT_COMPILE: the same text as "{}", without parsing
  // the format string for every number.
  char buf[32];
  out_.append(buf, fmt::format_to(buf, FMT_COMPILE("{}"), d));
}

void JsonWriter::value(std::uint64_t v) {
  before_value();
  fmt::format_int text(v);
  out_.append(text.data(), text.size());
}

void JsonWriter::value(std::int64_t v) {
  before_value();
  fmt::format_int text(v);
  out_.append(text.data(), text.size());
}

void JsonWriter::value(bool b) {
  before_value();
  out_ += b ? "true" : "false";
}

void JsonWriter::null() {
  before_value();
  out_ += "null";
}

std::size_t JsonWriter::us_as_seconds(char* buf, std::int64_t us) {
  // For 10^3 <= us < 10^15 the double us / 1e6 is below 2^30, where doubles are less than
  // 1.2e-7 apart: the decimal us / 10^6 (6 places) is the only text of 6 places or fewer that
  // reads back to that double, so it is the shortest, and "{}" writes it in fixed notation
  // (exponents -3 to 8) with trailing zeros dropped.
  if (us < 1'000 || us >= 1'000'000'000'000'000) return 0;
  const auto u = static_cast<std::uint64_t>(us);
  fmt::format_int whole(u / 1'000'000);
  char* p = std::copy(whole.data(), whole.data() + whole.size(), buf);
  std::uint64_t frac = u % 1'000'000;
  if (frac != 0) {
    int places = 6;
    while (frac % 10 == 0) {
      frac /= 10;
      --places;
    }
    *p++ = '.';
    for (int i = places - 1; i >= 0; --i) {
      p[i] = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    p += places;
  }
  return static_cast<std::size_t>(p - buf);
}

void JsonWriter::raw(std::string_view json) {
  before_value();
  out_ += json;
}

}  // namespace dagplan
