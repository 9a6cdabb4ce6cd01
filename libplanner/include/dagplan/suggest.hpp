#pragma once
/// \file
/// "Did you mean" for unknown names: planners, configurations, JSON members.

#include <span>
#include <string>
#include <string_view>

namespace dagplan {

/// Edit distance (Levenshtein, with adjacent transpositions counted as one edit).
std::size_t edit_distance(std::string_view a, std::string_view b);

/// `text` quoted for a one-line error message: 'TEXT' with control characters escaped (\n, \t,
/// \x00), so that the message stays on one line, and only its first kMaxQuoted bytes (cut at a
/// UTF-8 character boundary) followed by "...' (N bytes)" when longer: a 10 MB name gives a short
/// line.
std::string quote_for_message(std::string_view text);
/// How many bytes of a text quote_for_message() quotes.
inline constexpr std::size_t kMaxQuoted = 64;
/// Whether `text` would not read as itself in a one-line message (longer than kMaxQuoted, or
/// holding a control character): then quote_for_message() it.
bool needs_quoting(std::string_view text);
/// Appends `text` to `out` with control characters escaped (\n, \r, \t, \xNN).
void append_escaped(std::string& out, std::string_view text);

/// Formats "unknown WHAT 'NAME'; did you mean 'X'? (a, b, c)" - the suggestion only when one
/// candidate is within a third of the name's length (at least 2 edits). NAME is quoted with
/// quote_for_message().
std::string unknown_name_message(std::string_view what, std::string_view name,
                                 std::span<const std::string_view> candidates);

}  // namespace dagplan
