#include "dagplan/export.hpp"

#include <fmt/format.h>

#include <string_view>

#include "dagplan/human_format.hpp"

namespace dagplan {
namespace {

// Text for inside a DOT quoted string: escapes '"' and '\\'.
std::string dot_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::string workflow_dot(const Workflow& w) {
  std::string out = "digraph ";
  out += fmt::format("\"{}\"", dot_escape(w.name().empty() ? "workflow" : w.name()));
  out += " {\n  rankdir=TB;\n  node [shape=box, fontname=\"Helvetica\"];\n";
  for (std::uint32_t i = 0; i < w.task_count(); ++i) {
    TaskId t{i};
    out += "  ";
    // Two label lines: the id, then function and work (DOT's \n is a line break).
    out += fmt::format("\"{}\" [label=\"{}\\n{}  {}\"", dot_escape(w.id(t)), dot_escape(w.id(t)),
                       dot_escape(w.function_name(w.function(t))), human_seconds(w.work_s(t)));
    out += "];\n";
  }
  for (std::uint32_t i = 0; i < w.task_count(); ++i) {
    TaskId t{i};
    for (TaskId s : w.successors(t)) {
      out += fmt::format("  \"{}\" -> \"{}\" [label=\"{}\"];\n", dot_escape(w.id(t)),
                         dot_escape(w.id(s)), human_bytes(static_cast<double>(w.output_bytes(t))));
    }
  }
  out += "}\n";
  return out;
}

}  // namespace dagplan
