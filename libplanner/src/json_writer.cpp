#include "dagplan/json_writer.hpp"

#include <fmt/format.h>

#include <cassert>
#include <cmath>

#include "dagplan/error.hpp"

namespace dagplan {

void JsonWriter::quote(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
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
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
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
  Frame& f = stack_.back();
  assert(!f.is_object && "a value inside an object needs a key first");
  if (!f.empty) out_ += f.inline_ ? ", " : ",";
  if (!f.inline_) newline();
  f.empty = false;
}

void JsonWriter::key(std::string_view k) {
  assert(!stack_.empty() && stack_.back().is_object);
  Frame& f = stack_.back();
  if (!f.empty) out_ += f.inline_ ? ", " : ",";
  if (!f.inline_) newline();
  f.empty = false;
  quote(out_, k);
  out_ += ": ";
  after_key_ = true;
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
}

void JsonWriter::end_array() {
  Frame f = stack_.back();
  stack_.pop_back();
  if (!f.empty && !f.inline_) newline();
  out_ += ']';
  if (stack_.empty()) out_ += '\n';
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
  // push_back on the string (shortest round-trip text either way).
  char buf[32];
  out_.append(buf, fmt::format_to_n(buf, sizeof buf, "{}", d).out);
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

void JsonWriter::raw(std::string_view json) {
  before_value();
  out_ += json;
}

}  // namespace dagplan
