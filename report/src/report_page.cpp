// The HTML page: the template's HTML with its style, script and data put in place.
#include <string>

#include "dagplan/error.hpp"
#include "dagplan/report/report.hpp"
#include "template_files.hpp"

namespace dagplan::report {
namespace {

std::string_view template_file(std::string_view name) {
  for (const detail::TemplateFile& f : detail::template_files())
    if (f.name == name) return f.text;
  throw Error("the report's template file '" + std::string(name) + "' is not built in");
}

// Replaces the one occurrence of `marker` in `page` by `text`.
void put(std::string& page, std::string_view marker, std::string_view text) {
  std::size_t at = page.find(marker);
  if (at == std::string::npos)
    throw Error("the report's template has no marker '" + std::string(marker) + "'");
  page.replace(at, marker.size(), text);
}

}  // namespace

std::string report_html(const ReportData& data) {
  std::string page(template_file("report.html"));
  // The data last: its text may contain anything, markers included.
  std::string title;
  for (char c : data.title) {
    if (c == '<')
      title += "&lt;";
    else if (c == '&')
      title += "&amp;";
    else
      title += c;
  }
  put(page, "<!-- dagplan:style -->", template_file("report.css"));
  put(page, "/* dagplan:script */", template_file("report.js"));
  put(page, "<!-- dagplan:title -->", title);
  put(page, "<!-- dagplan:data -->", report_json(data));
  return page;
}

}  // namespace dagplan::report
