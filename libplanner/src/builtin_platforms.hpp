#pragma once
// The platforms built into the library (see CMakeLists.txt: generated from examples/platforms).

#include <span>
#include <string_view>

namespace dagplan::detail {

struct BuiltinPlatform {
  std::string_view name;
  std::string_view json;
};

std::span<const BuiltinPlatform> builtin_platforms();

}  // namespace dagplan::detail
