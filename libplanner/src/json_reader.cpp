#include "dagplan/json_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "dagplan/error.hpp"
#include "dagplan/limits.hpp"
#include "dagplan/suggest.hpp"

namespace dagplan {
namespace {
constexpr std::size_t kMaxDepth = 256;

bool is_ws(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

// Whether the number written as `tok` (valid JSON) has a magnitude of at least 1: its first
// non-zero digit stands at or left of the units once the exponent is applied.
bool magnitude_at_least_one(std::string_view tok) {
  std::size_t i = tok[0] == '-' ? 1 : 0;
  std::int64_t point = 0;  // decimal exponent of the first non-zero digit, before the exponent
  bool found = false;
  std::int64_t int_digits = 0;
  for (; i < tok.size() && tok[i] >= '0' && tok[i] <= '9'; ++i) {
    if (!found && tok[i] != '0') found = true;
    if (found) ++int_digits;
  }
  if (found) {
    point = int_digits - 1;
  } else if (i < tok.size() && tok[i] == '.') {
    for (++i; i < tok.size() && tok[i] >= '0' && tok[i] <= '9'; ++i) {
      --point;
      if (tok[i] != '0') {
        found = true;
        break;
      }
    }
  }
  if (!found) return false;  // zero
  std::size_t e = tok.find_first_of("eE");
  std::int64_t exponent = 0;
  if (e != std::string_view::npos) {
    std::size_t k = e + 1;
    bool negative = k < tok.size() && tok[k] == '-';
    if (k < tok.size() && (tok[k] == '-' || tok[k] == '+')) ++k;
    for (; k < tok.size(); ++k)  // saturates: only the sign of the sum matters
      exponent = std::min<std::int64_t>(exponent * 10 + (tok[k] - '0'), 1'000'000'000);
    if (negative) exponent = -exponent;
  }
  return point + exponent >= 0;
}

// A number's text for an error message: as written, or its start and length when very long.
std::string describe_token(std::string_view tok) {
  if (tok.size() <= 40) return std::string(tok);
  return fmt::format("{}... ({} characters)", tok.substr(0, 24), tok.size());
}

// The length of the well-formed UTF-8 character at text[pos] (a byte >= 0x80), or 0 when it is
// not one: a stray continuation byte, a truncated sequence, an overlong form, a surrogate
// (U+D800 to U+DFFF) or a code point beyond U+10FFFF (RFC 3629, section 4).
std::size_t utf8_length(std::string_view text, std::size_t pos) {
  auto byte = [&](std::size_t i) {
    return pos + i < text.size() ? static_cast<unsigned char>(text[pos + i]) : 0u;
  };
  const unsigned b0 = byte(0);
  auto cont = [&](std::size_t i) { return (byte(i) & 0xC0u) == 0x80u; };
  if (b0 >= 0xC2 && b0 <= 0xDF) return cont(1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    const unsigned b1 = byte(1);
    if ((b0 == 0xE0 && b1 < 0xA0) || (b0 == 0xED && b1 > 0x9F)) return 0;
    return cont(1) && cont(2) ? 3 : 0;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    const unsigned b1 = byte(1);
    if ((b0 == 0xF0 && b1 < 0x90) || (b0 == 0xF4 && b1 > 0x8F)) return 0;
    return cont(1) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

// The first position at or after `pos` whose 8-byte word may hold a byte that is not a plain
// string character ('"', '\\', a control character or a byte >= 0x80), bit tricks on whole words
// (a word with a zero byte: (x - 0x01..) & ~x & 0x80..); positions near the end are left to the
// caller's exact loop.
std::size_t plain_ascii_run(std::string_view text, std::size_t pos) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHighs = 0x8080808080808080ull;
  auto has_zero = [](std::uint64_t x) { return (x - kOnes) & ~x & kHighs; };
  while (pos + 8 <= text.size()) {
    std::uint64_t w = 0;
    std::memcpy(&w, text.data() + pos, 8);
    const std::uint64_t special = has_zero(w ^ (kOnes * '"')) | has_zero(w ^ (kOnes * '\\')) |
                                  ((w - kOnes * 0x20) & ~w & kHighs) | (w & kHighs);
    if (special != 0) break;
    pos += 8;
  }
  return pos;
}

// At most kMaxShownSegments segments of a JSON path are shown in a message: a value nested 256
// levels deep does not make a line of kilobytes.
constexpr std::size_t kMaxShownSegments = 12;

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}
}  // namespace

JsonReader::JsonReader(std::string_view text, std::string file)
    : text_(text), file_(std::move(file)) {
  path_.reserve(16);
  key_scratch_.resize(kMaxDepth + 1);
}

void JsonReader::skip_ws() {
  while (pos_ < text_.size() && is_ws(text_[pos_])) ++pos_;
}

JsonReader::Kind JsonReader::peek() {
  skip_ws();
  if (pos_ >= text_.size()) return Kind::kEnd;
  switch (text_[pos_]) {
    case '{': return Kind::kObject;
    case '[': return Kind::kArray;
    case '"': return Kind::kString;
    case 't':
    case 'f': return Kind::kBool;
    case 'n': return Kind::kNull;
    default: break;
  }
  char c = text_[pos_];
  if (c == '-' || (c >= '0' && c <= '9')) return Kind::kNumber;
  value_start_ = pos_;
  syntax_error("a JSON value");
}

std::string text_location(std::string_view text, std::size_t offset) {
  std::size_t line = 1, col = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return fmt::format("line {}, column {}", line, col);
}

std::string JsonReader::location(std::size_t offset) const {
  return text_location(text_, offset);
}

std::string JsonReader::path() const {
  std::string out = "$";
  for (std::size_t i = 0; i < path_.size(); ++i) {
    // Deep paths: the first and last few segments, and how many are left out between them.
    if (path_.size() > kMaxShownSegments && i == kMaxShownSegments / 2) {
      const std::size_t skipped = path_.size() - kMaxShownSegments;
      out += fmt::format("...({} levels)...", skipped);
      i += skipped - 1;
      continue;
    }
    const Segment& s = path_[i];
    if (s.is_index) {
      out += fmt::format("[{}]", s.index);
    } else if (needs_quoting(s.key)) {
      out += '[';  // a member name that would not read as one, quoted and capped
      out += quote_for_message(s.key);
      out += ']';
    } else {
      out += '.';
      out += s.key;
    }
  }
  return out;
}

void JsonReader::fail(std::string_view message) const {
  throw InputError(file_, fmt::format("{} ({})", path(), location(value_start_)),
                   std::string(message));
}

void JsonReader::fail_at(const std::string& at, std::string_view message) const {
  throw InputError(file_, at, std::string(message));
}

std::string JsonReader::describe_next() {
  skip_ws();
  value_start_ = pos_;
  if (pos_ >= text_.size()) return "the end of the file";
  Kind k = peek();
  std::size_t start = pos_;
  std::size_t end = start;
  switch (k) {
    case Kind::kObject: return "an object";
    case Kind::kArray: return "an array";
    case Kind::kNull: return "null";
    case Kind::kBool: return text_[start] == 't' ? "true" : "false";
    case Kind::kString: {
      // Up to the closing quote, on one line: control characters (an unterminated string runs
      // on across lines) escaped.
      end = start + 1;
      while (end < text_.size() && text_[end] != '"' && end - start < 40) ++end;
      const bool closed = end < text_.size() && text_[end] == '"';
      std::string q = quote_for_message(text_.substr(start + 1, end - start - 1));
      q.front() = '"';
      if (q.back() == '\'') q.back() = '"';
      return fmt::format("the string {}{}", q, closed ? "" : "...");
    }
    case Kind::kNumber: {
      while (end < text_.size() && end - start < 40 &&
             (std::string_view("+-.eE0123456789").find(text_[end]) != std::string_view::npos))
        ++end;
      return fmt::format("{}", text_.substr(start, end - start));
    }
    case Kind::kEnd: break;
  }
  return "something else";
}

void JsonReader::fail_expected(std::string_view expected) {
  skip_ws();
  if (pos_ >= text_.size())
    syntax_error(expected);  // truncated file: a JSON error, not a type error
  std::string got = describe_next();
  fail(fmt::format("expected {}, got {}", expected, got));
}

void JsonReader::syntax_error(std::string_view expected) const {
  std::string got;
  if (pos_ >= text_.size()) {
    got = "the end of the file";
  } else {
    char c = text_[pos_];
    got = (c >= 0x20 && c < 0x7f) ? fmt::format("'{}'", c)
                                  : fmt::format("byte 0x{:02x}", static_cast<unsigned char>(c));
  }
  throw InputError(file_, fmt::format("{} ({})", path(), location(pos_)),
                   fmt::format("invalid JSON: expected {}, got {}", expected, got));
}

void JsonReader::begin_container(char open, std::string_view what) {
  skip_ws();
  value_start_ = pos_;
  if (pos_ >= text_.size() || text_[pos_] != open) fail_expected(what);
  if (path_.size() >= kMaxDepth)
    fail("nesting deeper than 256 levels (dagplan reads no deeper: a limit, not a JSON rule)");
  ++pos_;
  path_.push_back(Segment{{}, 0, open == '['});
}

bool JsonReader::try_close(char close) {
  skip_ws();
  if (pos_ < text_.size() && text_[pos_] == close) {
    ++pos_;
    return true;
  }
  return false;
}

bool JsonReader::next_member(char close) {
  skip_ws();
  if (pos_ < text_.size()) {
    if (text_[pos_] == ',') {
      ++pos_;
      return true;
    }
    if (text_[pos_] == close) {
      ++pos_;
      return false;
    }
  }
  syntax_error(close == '}' ? "',' or '}'" : "',' or ']'");
}

void JsonReader::end_container() {
  path_.pop_back();
}

void JsonReader::fail_duplicate(std::string_view key) const {
  // A name can be megabytes long: quote its start only.
  constexpr std::size_t kQuoted = 80;
  fail(fmt::format("duplicate member '{}{}' (a member may appear once in an object)",
                   key.substr(0, kQuoted), key.size() > kQuoted ? "..." : ""));
}

std::string_view JsonReader::read_key() {
  skip_ws();
  if (pos_ >= text_.size() || text_[pos_] != '"') syntax_error("a member name in double quotes");
  // The previous member's name may be a view into the scratch this name is decoded into: an
  // error inside this name must not print it (found by fuzz/fuzz_plan.cpp: a use after free).
  path_.back().key = {};
  std::string_view key = scan_string(key_scratch_[path_.size()]);
  skip_ws();
  if (pos_ >= text_.size() || text_[pos_] != ':') syntax_error("':'");
  ++pos_;
  path_.back().key = key;
  return key;
}

std::string_view JsonReader::scan_string(std::string& scratch) {
  // At the opening quote.
  std::size_t start = ++pos_;
  // Eight plain characters at a time (no '"', '\\', control character or byte >= 0x80): most
  // ids and names are plain ASCII. The first word with anything else in it (or a false alarm)
  // goes to the exact loop below, which makes every decision.
  pos_ = plain_ascii_run(text_, pos_);
  while (pos_ < text_.size()) {
    char c = text_[pos_];
    if (c == '"') return text_.substr(start, pos_++ - start);  // no escapes: a view
    if (static_cast<unsigned char>(c) < 0x20)
      syntax_error("a string character (control characters must be escaped)");
    if (c == '\\') break;
    if (static_cast<unsigned char>(c) >= 0x80) {
      std::size_t len = utf8_length(text_, pos_);
      if (len == 0) syntax_error("UTF-8 text (a string of valid UTF-8 characters)");
      pos_ += len;
      continue;
    }
    ++pos_;
  }
  if (pos_ >= text_.size()) syntax_error("a closing '\"'");
  // Slow path with escapes: decode into scratch.
  scratch.assign(text_.substr(start, pos_ - start));
  while (pos_ < text_.size()) {
    char c = text_[pos_];
    if (c == '"') {
      ++pos_;
      return scratch;
    }
    if (static_cast<unsigned char>(c) < 0x20)
      syntax_error("a string character (control characters must be escaped)");
    if (c != '\\') {
      std::size_t len = 1;
      if (static_cast<unsigned char>(c) >= 0x80) {
        len = utf8_length(text_, pos_);
        if (len == 0) syntax_error("UTF-8 text (a string of valid UTF-8 characters)");
      }
      scratch.append(text_.substr(pos_, len));
      pos_ += len;
      continue;
    }
    if (++pos_ >= text_.size()) break;
    char e = text_[pos_++];
    switch (e) {
      case '"': scratch += '"'; break;
      case '\\': scratch += '\\'; break;
      case '/': scratch += '/'; break;
      case 'b': scratch += '\b'; break;
      case 'f': scratch += '\f'; break;
      case 'n': scratch += '\n'; break;
      case 'r': scratch += '\r'; break;
      case 't': scratch += '\t'; break;
      case 'u': {
        auto hex4 = [&]() -> std::uint32_t {
          if (pos_ + 4 > text_.size()) syntax_error("four hex digits after \\u");
          std::uint32_t v = 0;
          auto r = std::from_chars(text_.data() + pos_, text_.data() + pos_ + 4, v, 16);
          if (r.ptr != text_.data() + pos_ + 4) syntax_error("four hex digits after \\u");
          pos_ += 4;
          return v;
        };
        const std::size_t escape_at = pos_ - 2;
        std::uint32_t cp = hex4();
        // Valid JSON that no dagplan string may hold: a NUL would cut an id where it becomes a
        // C string (process arguments, Redis keys); a lone surrogate is no character and would
        // be written back as invalid UTF-8.
        auto refuse = [&](std::string_view message) {
          throw InputError(file_, fmt::format("{} ({})", path(), location(escape_at)),
                           std::string(message));
        };
        if (cp == 0) refuse("expected a string without NUL characters, got \\u0000");
        if (cp >= 0xDC00 && cp < 0xE000)
          refuse(
              fmt::format("expected a character, got the lone low surrogate \\u{:04x} (a low "
                          "surrogate only follows a high one, \\ud800 to \\udbff)",
                          cp));
        if (cp >= 0xD800 && cp < 0xDC00) {
          if (pos_ + 2 <= text_.size() && text_[pos_] == '\\' && text_[pos_ + 1] == 'u') {
            pos_ += 2;
            std::uint32_t lo = hex4();
            if (lo < 0xDC00 || lo >= 0xE000)
              refuse(
                  fmt::format("expected a low surrogate (\\udc00 to \\udfff) after the high "
                              "surrogate \\u{:04x}, got \\u{:04x}",
                              cp, lo));
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else {
            refuse(
                fmt::format("expected a low surrogate (\\udc00 to \\udfff) after the high "
                            "surrogate \\u{:04x}",
                            cp));
          }
        }
        append_utf8(scratch, cp);
        break;
      }
      default: --pos_; syntax_error("a valid escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
    }
  }
  syntax_error("a closing '\"'");
}

std::string_view JsonReader::string() {
  skip_ws();
  value_start_ = pos_;
  if (pos_ >= text_.size() || text_[pos_] != '"') fail_expected("a string");
  return scan_string(scratch_);
}

std::string_view JsonReader::scan_number_token() {
  skip_ws();
  value_start_ = pos_;
  std::size_t start = pos_;
  if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
  std::size_t digits = pos_;
  while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
  if (pos_ == digits) {
    pos_ = start;
    fail_expected("a number");
  }
  if (text_[digits] == '0' && pos_ - digits > 1) syntax_error("no leading zeros in a number");
  if (pos_ < text_.size() && text_[pos_] == '.') {
    ++pos_;
    std::size_t f = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    if (pos_ == f) syntax_error("digits after '.'");
  }
  if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
    ++pos_;
    if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
    std::size_t f = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    if (pos_ == f) syntax_error("digits in the exponent");
  }
  return text_.substr(start, pos_ - start);
}

double JsonReader::number() {
  Kind k = peek();
  if (k != Kind::kNumber) fail_expected("a number");
  std::string_view tok = scan_number_token();
  double v = 0;
  auto r = std::from_chars(tok.data(), tok.data() + tok.size(), v);
  if (r.ec == std::errc::result_out_of_range) {
    // Underflow (to a denormal or zero) is harmless; overflow is not. Overflow is a magnitude of
    // at least 1, whatever the notation: a 400-digit integer overflows, 1e-400 underflows.
    if (magnitude_at_least_one(tok))
      fail(fmt::format("number {} is out of range (not a finite double)", describe_token(tok)));
    v = 0;
  } else if (r.ec != std::errc() || !std::isfinite(v)) {
    fail(fmt::format("number {} is out of range (not a finite double)", describe_token(tok)));
  }
  return v;
}

double JsonReader::non_negative() {
  double v = number();
  if (v < 0) fail(fmt::format("expected a number >= 0, got {}", v));
  return v;
}

std::uint64_t JsonReader::uint64() {
  Kind k = peek();
  if (k != Kind::kNumber) fail_expected("a non-negative integer");
  std::size_t save = pos_;
  std::string_view tok = scan_number_token();
  if (tok[0] == '-')
    fail(fmt::format("expected a non-negative integer, got {}", describe_token(tok)));
  if (tok.find_first_of(".eE") == std::string_view::npos) {
    std::uint64_t v = 0;
    auto r = std::from_chars(tok.data(), tok.data() + tok.size(), v);
    if (r.ec == std::errc::result_out_of_range)
      fail(fmt::format("integer {} overflows (the largest is {})", describe_token(tok),
                       std::numeric_limits<std::uint64_t>::max()));
    return v;
  }
  pos_ = save;
  double d = number();
  if (d != std::floor(d)) fail(fmt::format("expected a whole number, got {}", describe_token(tok)));
  if (d >= 18446744073709551616.0)
    fail(fmt::format("integer {} overflows (the largest is {})", describe_token(tok),
                     std::numeric_limits<std::uint64_t>::max()));
  return static_cast<std::uint64_t>(d);
}

double JsonReader::number_in(double min, double max, std::string_view what, std::string_view unit) {
  double v = number();
  if (v >= min && v <= max) return v;
  std::string tok = describe_token(text_.substr(value_start_, pos_ - value_start_));
  if (min == 0 && v < 0) fail(fmt::format("expected a number >= 0, got {}", tok));
  if (min > 0 && !(v > 0)) fail(fmt::format("expected {} > 0, got {}", what, tok));
  fail(fmt::format("expected {} in [{:g}, {:g}]{}{}, got {}", what, min, max,
                   unit.empty() ? "" : " ", unit, tok));
}

std::uint64_t JsonReader::uint64_at_most(std::uint64_t max, std::string_view what) {
  std::uint64_t v = uint64();
  if (v <= max) return v;
  fail(fmt::format("expected {} of at most {}, got {}", what, max,
                   describe_token(text_.substr(value_start_, pos_ - value_start_))));
}

std::int64_t JsonReader::integer(std::int64_t min, std::int64_t max) {
  Kind k = peek();
  if (k != Kind::kNumber) fail_expected("an integer");
  std::size_t save = pos_;
  std::string_view tok = scan_number_token();
  std::int64_t v = 0;
  if (tok.find_first_of(".eE") == std::string_view::npos) {
    auto r = std::from_chars(tok.data(), tok.data() + tok.size(), v);
    if (r.ec == std::errc::result_out_of_range)
      fail(fmt::format("expected an integer in [{}, {}], got {}", min, max, describe_token(tok)));
  } else {
    pos_ = save;
    double d = number();
    if (d != std::floor(d) || d < -9.2e18 || d > 9.2e18)
      fail(fmt::format("expected an integer in [{}, {}], got {}", min, max, describe_token(tok)));
    v = static_cast<std::int64_t>(d);
  }
  if (v < min || v > max)
    fail(fmt::format("expected an integer in [{}, {}], got {}", min, max, describe_token(tok)));
  return v;
}

bool JsonReader::boolean() {
  skip_ws();
  value_start_ = pos_;
  if (text_.substr(pos_, 4) == "true") {
    pos_ += 4;
    return true;
  }
  if (text_.substr(pos_, 5) == "false") {
    pos_ += 5;
    return false;
  }
  fail_expected("true or false");
}

bool JsonReader::null() {
  skip_ws();
  if (text_.substr(pos_, 4) == "null") {
    value_start_ = pos_;
    pos_ += 4;
    return true;
  }
  if (pos_ < text_.size() && text_[pos_] == 'n') syntax_error("null");
  return false;
}

void JsonReader::skip() {
  switch (peek()) {
    case Kind::kObject: object([&](std::string_view) { skip(); }); break;
    case Kind::kArray: array([&](std::size_t) { skip(); }); break;
    case Kind::kString: string(); break;
    case Kind::kNumber: scan_number_token(); break;
    case Kind::kBool: boolean(); break;
    case Kind::kNull:
      if (!null()) syntax_error("null");
      break;
    case Kind::kEnd: syntax_error("a JSON value");
  }
}

std::string_view JsonReader::raw_value() {
  skip_ws();
  std::size_t begin = pos_;
  skip();
  return text_.substr(begin, pos_ - begin);
}

void JsonReader::finish() {
  skip_ws();
  if (pos_ != text_.size()) syntax_error("the end of the file after the top-level value");
}

}  // namespace dagplan

#include "dagplan/suggest.hpp"

namespace dagplan {

void fail_unknown_member(const JsonReader& r, std::string_view key,
                         std::initializer_list<std::string_view> known) {
  std::vector<std::string_view> names(known);
  r.fail(unknown_name_message("member", key, names));
}

void read_format(JsonReader& r, std::string_view kind, int version) {
  std::string_view v = r.string();
  std::string want = fmt::format("{}/{}", kind, version);
  if (v == want) return;
  if (v.substr(0, kind.size()) == kind && v.size() > kind.size() && v[kind.size()] == '/')
    r.fail(fmt::format("unsupported format version '{}'; this dagplan reads '{}'", v, want));
  r.fail(fmt::format("expected format '{}', got '{}'", want, v));
}

std::int64_t read_seconds_as_us(JsonReader& r) {
  return static_cast<std::int64_t>(std::llround(read_seconds(r) * 1e6));
}

double read_seconds(JsonReader& r) {
  return r.number_in(0, limits::kMaxDurationS, "a duration", "s");
}

std::uint64_t read_bytes(JsonReader& r) {
  return r.uint64_at_most(limits::kMaxBytes, "a size in bytes");
}

}  // namespace dagplan
