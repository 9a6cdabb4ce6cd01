#pragma once
/// \file
/// What the planner and pass registries share: entries by name in registration order, creation
/// by name with a suggestion for a misspelt one, and command-line lists of names.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dagplan/error.hpp"
#include "dagplan/suggest.hpp"

namespace dagplan {

/// `Info` has `name` and a `create` factory.
template <class Info>
class NamedRegistry {
 public:
  void add(Info info) { entries_.push_back(std::move(info)); }
  const Info* find(std::string_view name) const {
    for (const Info& e : entries_)
      if (e.name == name) return &e;
    return nullptr;
  }
  /// Throws UsageError "unknown KIND 'hfet'; did you mean 'heft'? (wukong, ...)".
  auto create(std::string_view name) const {
    if (const Info* e = find(name)) return e->create();
    throw UsageError(unknown_name_message(kind_, name, names()));
  }
  std::vector<std::string_view> names() const {
    std::vector<std::string_view> out;
    for (const Info& e : entries_) out.push_back(e.name);
    return out;
  }

 protected:
  explicit NamedRegistry(std::string_view kind) : kind_(kind) {}
  /// Comma-separated names, empty items skipped, in the order given. Throws UsageError on an
  /// unknown name (with a suggestion) before anything runs.
  std::vector<std::string> parse_list(std::string_view list) const {
    std::vector<std::string> out;
    while (!list.empty()) {
      std::size_t comma = list.find(',');
      std::string_view item = list.substr(0, comma);
      list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
      if (item.empty()) continue;
      if (!find(item)) (void)create(item);  // throws, with a suggestion
      out.emplace_back(item);
    }
    return out;
  }

  std::vector<Info> entries_;

 private:
  std::string_view kind_;
};

}  // namespace dagplan
