#include "cli_common.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <utility>

#include "dagplan/error.hpp"
#include "dagplan/suggest.hpp"

namespace dagplan::cli {

std::string one_line(std::string_view message) {
  constexpr std::size_t kMaxBytes = 2000;
  std::string out;
  out.reserve(std::min(message.size(), kMaxBytes) + 32);
  append_escaped(out, message.substr(0, kMaxBytes));
  if (message.size() > kMaxBytes) out += fmt::format("... ({} bytes)", message.size());
  return out;
}

namespace {
// What went to standard output through stdio (and std::cout, synchronised with it): a full disk
// or a closed stdout is an error too.
void check_stdout() {
  if (std::fflush(stdout) != 0 || std::ferror(stdout) != 0)
    throw Error(fmt::format("standard output: cannot write: {}", std::strerror(errno)));
}
}  // namespace

int run(CLI::App& app, int argc, char** argv) {
  try {
    // An unknown subcommand gets a suggestion instead of CLI11's "A subcommand is required".
    if (argc > 1 && argv[1][0] != '-' && !app.get_subcommands({}).empty()) {
      std::vector<std::string> names;
      for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
      if (std::find(names.begin(), names.end(), argv[1]) == names.end()) {
        std::vector<std::string_view> views(names.begin(), names.end());
        throw UsageError(unknown_name_message("command", argv[1], views));
      }
    }
    app.parse(argc, argv);
    check_stdout();
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {  // --help, --version
      const int code = app.exit(e);
      try {
        check_stdout();
      } catch (const Error& write_error) {
        fmt::print(stderr, "{}: error: {}\n", app.get_name(), write_error.what());
        return kExitFailure;
      }
      return code;
    }
    fmt::print(stderr, "{}: {}\n", app.get_name(), e.what());
    fmt::print(stderr, "Run with --help for usage.\n");
    return kExitUsage;
  } catch (const UsageError& e) {
    fmt::print(stderr, "{}: {}\n", app.get_name(), one_line(e.what()));
    return kExitUsage;
  } catch (const Error& e) {
    fmt::print(stderr, "{}: error: {}\n", app.get_name(), one_line(e.what()));
    return kExitFailure;
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "{}: error: out of memory\n", app.get_name());
    return kExitFailure;
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}: internal error: {}\n", app.get_name(), e.what());
    return kExitFailure;
  }
}

const CLI::Validator& seed_value() {
  static const CLI::Validator v(
      [](std::string& text) -> std::string {
        const std::string max = "18446744073709551615";
        const bool digits = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
          return c >= '0' && c <= '9';
        });
        std::string t = text;
        t.erase(0, std::min(t.find_first_not_of('0'), t.size() - 1));  // leading zeros
        if (!digits || t.size() > max.size() || (t.size() == max.size() && t > max))
          return fmt::format("expected a whole number from 0 to {}, got '{}'", max, text);
        return "";
      },
      "SEED");
  return v;
}

namespace {
// A finite number as typed for which `ok` holds; else "expected EXPECTED, got 'TEXT'". `name`
// is what --help shows after the type ("POSITIVE").
CLI::Validator number_value(const std::string& expected, bool (*ok)(double), std::string name) {
  return CLI::Validator(
      [expected, ok](std::string& text) -> std::string {
        try {
          std::size_t used = 0;
          const double x = std::stod(text, &used);
          if (used == text.size() && std::isfinite(x) && ok(x)) return "";
        } catch (const std::exception&) {
        }
        return fmt::format("expected {}, got '{}'", expected, text);
      },
      std::move(name));
}
}  // namespace

const CLI::Validator& finite_value() {
  static const CLI::Validator v = number_value(
      "a finite number", [](double) { return true; }, "");
  return v;
}

const CLI::Validator& positive_value() {
  static const CLI::Validator v = number_value(
      "a finite number > 0", [](double x) { return x > 0; }, "POSITIVE");
  return v;
}

const CLI::Validator& non_negative_value() {
  static const CLI::Validator v = number_value(
      "a finite number >= 0", [](double x) { return x >= 0; }, "NONNEGATIVE");
  return v;
}

const CLI::Validator& non_empty_value() {
  static const CLI::Validator v(
      [](std::string& text) -> std::string {
        return text.empty() ? std::string("expected a non-empty value") : std::string();
      },
      "");
  return v;
}

}  // namespace dagplan::cli
