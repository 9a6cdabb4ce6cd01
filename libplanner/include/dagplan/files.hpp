#pragma once
/// \file
/// File input and output with the project's error conventions: a file that cannot be read is an
/// InputError naming it; output is written to a temporary file and renamed into place, so a
/// failed command never leaves a partial output behind.

#include <string>
#include <string_view>
#include <vector>

namespace dagplan {

/// Whole contents of `path`, or of standard input when `path` is "-".
std::string read_text_file(const std::string& path);

/// The one output routine of every command. `path`:
/// - "-": standard output; a write or flush error (a full disk, a closed stdout) is reported;
/// - a regular file or a name not yet taken: written through a temporary file beside it, then
///   renamed, so that nothing partial is ever left; through a symbolic link, the link's target is
///   written and the link stays;
/// - a device, FIFO or socket (/dev/null, a pipe): written directly, never replaced;
/// - "": a UsageError; a folder, or a file that is one of `inputs` (the command's input files,
///   compared as files, not as names), an Error, before anything is written.
/// Throws Error (naming `path`) when it cannot write.
void write_file_atomic(const std::string& path, std::string_view content,
                       const std::vector<std::string>& inputs = {});

}  // namespace dagplan
