#pragma once
/// \file
/// File input and output with the project's error conventions: a file that cannot be read is an
/// InputError naming it; output is written to a temporary file and renamed into place, so a
/// failed command never leaves a partial output behind.

#include <string>
#include <string_view>

namespace dagplan {

/// Whole contents of `path`, or of standard input when `path` is "-".
std::string read_text_file(const std::string& path);

/// Writes `content` to `path` atomically (temporary file in the same folder, then rename), or to
/// standard output when `path` is "-". Throws Error when it cannot.
void write_file_atomic(const std::string& path, std::string_view content);

}  // namespace dagplan
