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

/// A file's text, read in place where it can be: a regular file is mapped read-only (its pages
/// come from the page cache, neither copied nor zeroed: 0.01 s against 0.13-0.15 s of processor
/// time for read_text_file() on a 197 MB workflow, decision 0036); standard input ("-") and
/// anything else that is not a regular file (a FIFO, a device) is read by read_text_file().
/// The same checks and errors as read_text_file(). A mapped file that another process truncates
/// while it is read raises SIGBUS, which a handler turns into the error line
/// "PROGRAM: error: PATH: the file changed while it was read ..." and exit status 1 (decision
/// 0036); a SIGBUS outside the files being read keeps its previous disposition.
class TextFile {
 public:
  explicit TextFile(const std::string& path, std::uint64_t max_bytes = kMaxInputBytesDefault);
  TextFile(const TextFile&) = delete;
  TextFile& operator=(const TextFile&) = delete;
  ~TextFile();

  std::string_view text() const { return map_ != nullptr ? std::string_view(map_, size_) : read_; }

 private:
  std::string read_;           // what read_text_file() read, when not mapped
  const char* map_ = nullptr;  // the mapping, when mapped
  std::size_t size_ = 0;
  int slot_ = -1;  // the SIGBUS guard's slot of the mapping
};

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

/// The checks write_file_atomic() makes before writing (not "", not a folder, not one of
/// `inputs`, its folder writable), made now and leaving nothing behind: for an output written
/// only after long work (a run's trace). Throws as write_file_atomic() does.
void check_output_file(const std::string& path, const std::vector<std::string>& inputs = {});

/// write_file_atomic() for a text made piece by piece, so that a text of hundreds of MB (a plan
/// at 10^6 tasks) is never whole in memory. The constructor makes the checks and opens the
/// output as write_file_atomic() does; the text is appended to buffer(), and flush() (called by
/// the writer between pieces, see JsonWriter::set_flush) hands what is buffered to the
/// temporary file once there is at least a chunk of it. commit() writes the rest, closes and
/// renames; an OutputFile destroyed before commit() (an exception while the text was made)
/// removes its temporary file and leaves nothing behind. Standard output, a device or a FIFO
/// gets the whole text at commit() only, as from write_file_atomic(): what is sent there cannot
/// be taken back.
class OutputFile {
 public:
  /// Bytes buffered before a flush() writes them: large enough for few system calls, small
  /// enough to stay in the processor's cache.
  static constexpr std::size_t kChunk = std::size_t{1} << 20;

  OutputFile(const std::string& path, const std::vector<std::string>& inputs = {});
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile();

  std::string& buffer() { return buffer_; }
  /// Writes the buffer out when it holds at least kChunk bytes and the output is the temporary
  /// file (else keeps it). Throws Error (naming the path) when it cannot write.
  void flush();
  /// Writes what is buffered, then `tail`, and closes, but leaves the text in its temporary
  /// file: outputs that must appear together are each finished, then each committed, so that a
  /// write error in any of them leaves none in place (a device, a FIFO or standard output is
  /// written here, directly). Throws Error when it cannot. Once finished, later calls do nothing.
  void finish(std::string_view tail = {});
  /// finish(tail) unless already finished (then `tail` is not written), then renames into place.
  /// Throws Error when it cannot.
  void commit(std::string_view tail = {});

 private:
  void write_buffer();
  [[noreturn]] void fail(int error);

  std::string path_;    // as given, for messages
  std::string target_;  // the file renamed onto (a symbolic link's target)
  std::string temp_;    // the temporary file; empty when writing directly
  int fd_ = -1;
  bool streaming_ = false;  // the output is the temporary file: flush() may write
  bool finished_ = false;   // finish() has written and closed it
  std::string buffer_;
};

}  // namespace dagplan
