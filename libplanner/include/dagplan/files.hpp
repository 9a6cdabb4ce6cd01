#pragma once
/// \file
/// File input and output with the project's error conventions: a file that cannot be read is an
/// InputError naming it; output is written to a temporary file and renamed into place, so a
/// failed command never leaves a partial output behind.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dagplan/limits.hpp"

namespace dagplan {

/// read_text_file()'s default limit.
inline constexpr std::uint64_t kMaxInputBytesDefault = limits::kMaxInputBytes;

/// Whole contents of `path`, or of standard input when `path` is "-". Text only, and at most
/// `max_bytes` (limits::kMaxInputBytes, 4 GiB, by default): a larger file (by its size, before
/// reading) or stream (once that much is read) is an InputError, and so is a NUL byte in the
/// first 64 KiB, which no text file has (/dev/zero, a binary file), so that such an input fails
/// at once instead of filling the memory.
std::string read_text_file(const std::string& path,
                           std::uint64_t max_bytes = kMaxInputBytesDefault);

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
