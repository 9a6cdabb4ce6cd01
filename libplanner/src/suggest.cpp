#include "dagplan/suggest.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace dagplan {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Optimal string alignment distance, O(|a| |b|).
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
  for (std::size_t j = 0; j <= m; ++j) prev[j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= m; ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[m];
}

namespace {
bool is_control(char c) {
  auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}
}  // namespace

bool needs_quoting(std::string_view text) {
  return text.size() > kMaxQuoted || std::any_of(text.begin(), text.end(), is_control);
}

void append_escaped(std::string& out, std::string_view text) {
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (is_control(c)) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
}

std::string quote_for_message(std::string_view text) {
  std::size_t shown = std::min(text.size(), kMaxQuoted);
  // Not in the middle of a UTF-8 sequence: back to the start of the character cut.
  if (shown < text.size())
    while (shown > 0 && (static_cast<unsigned char>(text[shown]) & 0xC0) == 0x80) --shown;
  std::string out = "'";
  append_escaped(out, text.substr(0, shown));
  if (shown < text.size()) return out + fmt::format("...' ({} bytes)", text.size());
  return out + "'";
}

std::string unknown_name_message(std::string_view what, std::string_view name,
                                 std::span<const std::string_view> candidates) {
  std::string out = "unknown ";
  out += what;
  out += " ";
  out += quote_for_message(name);
  std::size_t best = static_cast<std::size_t>(-1);
  std::string_view best_name;
  // A name far longer than every candidate is no typo of one (and its edit distance is costly).
  if (name.size() <= 4 * kMaxQuoted)
    for (std::string_view c : candidates) {
      std::size_t d = edit_distance(name, c);
      if (d < best) {
        best = d;
        best_name = c;
      }
    }
  if (!best_name.empty() && best <= std::max<std::size_t>(2, name.size() / 3)) {
    out += "; did you mean '";
    out += best_name;
    out += "'?";
  }
  out += " (";
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (i) out += ", ";
    out += candidates[i];
  }
  out += ")";
  return out;
}

}  // namespace dagplan
