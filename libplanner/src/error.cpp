#include "dagplan/error.hpp"

namespace dagplan {
namespace {
std::string compose(const std::string& file, const std::string& path, const std::string& message) {
  std::string out = file.empty() ? std::string("<input>") : file;
  out += ": ";
  if (!path.empty()) {
    out += path;
    out += ": ";
  }
  out += message;
  return out;
}
}  // namespace

InputError::InputError(std::string file, std::string path, std::string message)
    : Error(compose(file, path, message)),
      file_(std::move(file)),
      path_(std::move(path)),
      message_(std::move(message)) {}

}  // namespace dagplan
