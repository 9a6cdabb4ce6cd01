#pragma once
/// \file
/// The one exception hierarchy of the library. Input errors name the file, the JSON path (or
/// line) and what was expected; bugs are asserts, not exceptions.

#include <stdexcept>
#include <string>

namespace dagplan {

/// Base of every exception the library throws on purpose.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

/// Bad input: a file that cannot be read, malformed JSON, a value of the wrong type or range, a
/// reference that does not resolve, a graph that is not a DAG. `what()` reads
/// "FILE: PATH: MESSAGE" (PATH is a JSON path such as `$.tasks[3].deps[1]`, possibly followed by
/// "(line L, column C)"), ready to print as it is.
class InputError : public Error {
 public:
  /// \param file the file the input came from ("<stdin>", or a description for in-memory input)
  /// \param path where in the file: a JSON path, a line, or empty for the whole file
  /// \param message what was wrong, usually "expected X, got Y"
  InputError(std::string file, std::string path, std::string message);

  const std::string& file() const { return file_; }
  const std::string& path() const { return path_; }
  const std::string& message() const { return message_; }

 private:
  std::string file_;
  std::string path_;
  std::string message_;
};

/// A request that cannot be satisfied with valid input: an unknown planner name, an option that
/// does not fit the platform. The CLI maps it to exit status 2 when it comes from the command line.
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& message) : Error(message) {}
};

}  // namespace dagplan
