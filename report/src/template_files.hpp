#pragma once
// The report page's template files, built into the library (report/CMakeLists.txt).

#include <span>
#include <string_view>

namespace dagplan::report::detail {

struct TemplateFile {
  std::string_view name;  ///< file name in report/template/
  std::string_view text;
};

/// Every template file, as read when the build was configured.
std::span<const TemplateFile> template_files();

}  // namespace dagplan::report::detail
