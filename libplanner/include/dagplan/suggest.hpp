#pragma once
/// \file
/// "Did you mean" for unknown names: planners, configurations, JSON members.

#include <span>
#include <string>
#include <string_view>

namespace dagplan {

/// Edit distance (Levenshtein, with adjacent transpositions counted as one edit).
std::size_t edit_distance(std::string_view a, std::string_view b);

/// Formats "unknown WHAT 'NAME'; did you mean 'X'? (a, b, c)" - the suggestion only when one
/// candidate is within a third of the name's length (at least 2 edits).
std::string unknown_name_message(std::string_view what, std::string_view name,
                                 std::span<const std::string_view> candidates);

}  // namespace dagplan
