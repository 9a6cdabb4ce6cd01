// bench_simdjson: the hand-written pull parser (JsonReader, decision 0002) against simdjson's
// On-Demand API (Debian's libsimdjson-dev) for reading a dagplan workflow, as issue 14 asks
// (decision 0023 has the figures and the verdict). Built only with -DDAGPLAN_BENCH_SIMDJSON=ON
// and simdjson installed; not part of the product.
//
// On one workflow file (generated random-layered, or --file), best of --runs, processor time:
//   scan      the whole document walked without using a value: JsonReader::skip() against
//             simdjson iterating every object and array (its stage 1 indexes the structure)
//   read      the workflow read into a WorkflowBuilder and built (Workflow), with the same
//             calls, the same checks of member names (unknown or twice) and values, so that the
//             two differ only by the JSON layer; the simdjson side computes an error's line and
//             column from its byte offset, as it would have to
// plus each side's peak resident set during `read` (VmHWM reset before), and a check that the
// two Workflows are the same (fingerprint, tasks, edges).
#include <fmt/format.h>
#include <simdjson.h>
#include <CLI/CLI.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "dagplan/error.hpp"
#include "dagplan/files.hpp"
#include "dagplan/generators.hpp"
#include "dagplan/json_reader.hpp"
#include "dagplan/large_vector.hpp"
#include "dagplan/workflow_io.hpp"

using namespace dagplan;
namespace od = simdjson::ondemand;

namespace {

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Member names of one object so far (as JsonReader::MemberNames: FNV-1a hashes).
struct Seen {
  std::uint64_t h[16];
  std::size_t n = 0;
  bool insert(std::string_view key) {
    std::uint64_t x = 14695981039346656037ull;
    for (char c : key) x = (x ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    for (std::size_t i = 0; i < n && i < 16; ++i)
      if (h[i] == x) return false;
    if (n < 16) h[n] = x;
    ++n;
    return true;
  }
};

struct Fail {
  std::string message;
};

// The workflow through simdjson On-Demand, with the checks read_workflow() makes on these
// members (the generated file has no kernels).
Workflow read_with_simdjson(const simdjson::padded_string& json, od::parser& parser) {
  const std::string_view text(json.data(), json.size());
  od::document doc;
  od::document* d = &doc;
  auto fail = [&](std::string_view what, simdjson::error_code e) {
    const char* at = nullptr;
    std::size_t offset = 0;
    if (d->current_location().get(at) == simdjson::SUCCESS)
      offset = static_cast<std::size_t>(at - json.data());
    throw Fail{fmt::format("w.json: {} ({}): {}", what, text_location(text, offset),
                           simdjson::error_message(e))};
  };
  if (auto e = parser.iterate(json).get(doc)) fail("document", e);
  WorkflowBuilder b;
  b.reserve(text.size() / 100 + 16, text.size() / 25 + 16);
  od::object root;
  if (auto e = doc.get_object().get(root)) fail("$", e);
  Seen top;
  std::string id, function, deps;
  std::vector<std::size_t> dep_ends;
  for (auto field : root) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) fail("$", e);
    if (!top.insert(key)) fail("$ duplicate member", simdjson::TAPE_ERROR);
    od::value v;
    if (auto e = field.value().get(v)) fail("$", e);
    if (key == "format") {
      std::string_view f;
      if (auto e = v.get_string().get(f)) fail("$.format", e);
      if (f != "dagplan-workflow/1") fail("$.format", simdjson::INCORRECT_TYPE);
    } else if (key == "name") {
      std::string_view n;
      if (auto e = v.get_string().get(n)) fail("$.name", e);
      b.set_name(std::string(n));
    } else if (key == "tasks") {
      od::array tasks;
      if (auto e = v.get_array().get(tasks)) fail("$.tasks", e);
      for (auto task : tasks) {
        od::object obj;
        if (auto e = task.get_object().get(obj)) fail("$.tasks[]", e);
        Seen seen;
        id.clear();
        function.clear();
        deps.clear();
        dep_ends.clear();
        double work = -1;
        std::uint64_t in = 0, out = 0;
        for (auto member : obj) {
          std::string_view k;
          if (auto e = member.unescaped_key().get(k)) fail("$.tasks[]", e);
          if (!seen.insert(k)) fail("$.tasks[] duplicate member", simdjson::TAPE_ERROR);
          od::value mv;
          if (auto e = member.value().get(mv)) fail("$.tasks[]", e);
          if (k == "id") {
            std::string_view s;
            if (auto e = mv.get_string().get(s)) fail("$.tasks[].id", e);
            if (s.empty()) fail("$.tasks[].id", simdjson::INCORRECT_TYPE);
            id = s;
            b.expect_task(id);
          } else if (k == "function") {
            std::string_view s;
            if (auto e = mv.get_string().get(s)) fail("$.tasks[].function", e);
            function = s;
          } else if (k == "work_s") {
            if (auto e = mv.get_double().get(work)) fail("$.tasks[].work_s", e);
            if (!(work >= 0 && work <= 1e9))
              fail("$.tasks[].work_s", simdjson::NUMBER_OUT_OF_RANGE);
          } else if (k == "input_bytes") {
            if (auto e = mv.get_uint64().get(in)) fail("$.tasks[].input_bytes", e);
          } else if (k == "output_bytes") {
            if (auto e = mv.get_uint64().get(out)) fail("$.tasks[].output_bytes", e);
          } else if (k == "deps") {
            od::array arr;
            if (auto e = mv.get_array().get(arr)) fail("$.tasks[].deps", e);
            for (auto dep : arr) {
              std::string_view s;
              if (auto e = dep.get_string().get(s)) fail("$.tasks[].deps[]", e);
              deps.append(s);
              dep_ends.push_back(deps.size());
            }
          } else {
            fail("$.tasks[] unknown member", simdjson::INCORRECT_TYPE);
          }
        }
        b.add_task(id, function, work, in, out);
        std::size_t begin = 0;
        for (std::size_t end : dep_ends) {
          b.add_edge(std::string_view(deps).substr(begin, end - begin), id);
          begin = end;
        }
      }
    } else if (key == "description") {
      std::string_view s;
      if (auto e = v.get_string().get(s)) fail("$.description", e);
    } else {
      fail("$ unknown member", simdjson::INCORRECT_TYPE);
    }
  }
  // Nothing may follow the top-level value: at the end, there is no current location.
  if (const char* after = nullptr; doc.current_location().get(after) == simdjson::SUCCESS)
    fail("$ trailing content", simdjson::TRAILING_CONTENT);
  return std::move(b).build("w.json");
}

// Every value visited, none used.
std::size_t scan_with_simdjson(const simdjson::padded_string& json, od::parser& parser) {
  std::size_t values = 0;
  od::document doc = parser.iterate(json);
  auto walk = [&](auto&& self, od::value v) -> void {
    ++values;
    switch (v.type()) {
      case od::json_type::object:
        for (auto f : v.get_object()) {
          (void)f.unescaped_key().value();
          self(self, f.value());
        }
        break;
      case od::json_type::array:
        for (auto e : v.get_array()) self(self, e.value());
        break;
      case od::json_type::string: (void)v.get_string().value(); break;
      case od::json_type::number: (void)v.get_double().value(); break;
      default: (void)v.raw_json_token(); break;
    }
  };
  for (auto f : doc.get_object()) {
    (void)f.unescaped_key().value();
    walk(walk, f.value());
  }
  return values;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_simdjson - JsonReader against simdjson On-Demand on a workflow file"};
  std::size_t tasks = 1000000;
  std::string file;
  int runs = 3;
  std::string only;
  app.add_option("--tasks", tasks, "Tasks of the generated workflow")->capture_default_str();
  app.add_option("--file", file, "Read this workflow file instead of generating one");
  app.add_option("--runs", runs, "Runs of each (best printed)")->capture_default_str();
  app.add_option("--only", only,
                 "Only read + build, with one reader ('own' or 'simdjson'): for its peak memory "
                 "alone, measured from outside (/usr/bin/time -v)")
      ->check(CLI::IsMember({"own", "simdjson"}));
  CLI11_PARSE(app, argc, argv);
  namespace fs = std::filesystem;
  std::string tmp;
  if (file.empty()) {
    tmp = (fs::temp_directory_path() / fmt::format("bench_simdjson_{}.json", getpid())).string();
    GeneratorOptions g;
    g.tasks = tasks;
    Workflow w = generate_workflow("random-layered", g);
    write_file_atomic(tmp, write_workflow(w));
    file = tmp;
  }
  if (!only.empty()) {
    const double c = cpu_seconds();
    std::uint64_t fp = 0;
    if (only == "own") {
      const std::string text = read_text_file(file);
      fp = read_workflow(text, file).fingerprint();
    } else {
      // The file read straight into simdjson's padded buffer: no second copy.
      simdjson::padded_string padded;
      if (simdjson::padded_string::load(file).get(padded) != simdjson::SUCCESS) return 1;
      od::parser parser;
      fp = read_with_simdjson(padded, parser).fingerprint();
    }
    fmt::print("{}: read + build {:.3f} s of processor time, fingerprint {:016x}\n", only,
               cpu_seconds() - c, fp);
    return 0;
  }
  const std::string text = read_text_file(file);
  const simdjson::padded_string padded(text);  // the copy simdjson needs (64 bytes of padding)
#define BENCH_STR2(x) #x
#define BENCH_STR(x) BENCH_STR2(x)
  fmt::print("{}: {:.1f} MB; simdjson {}.{}.{}, On-Demand compiled for '{}'\n", file,
             static_cast<double>(text.size()) / 1e6,
             static_cast<int>(simdjson::SIMDJSON_VERSION_MAJOR),
             static_cast<int>(simdjson::SIMDJSON_VERSION_MINOR),
             static_cast<int>(simdjson::SIMDJSON_VERSION_REVISION),
             BENCH_STR(SIMDJSON_BUILTIN_IMPLEMENTATION));

  struct Best {
    double cpu = 1e30;
    double peak_mb = 0;
  };
  Best scan_own, scan_simd, read_own, read_simd;
  std::uint64_t fp_own = 0, fp_simd = 0;
  std::size_t edges_own = 0, edges_simd = 0;
  od::parser parser;
  auto time = [&](Best& best, auto&& f) {
    release_cached_memory();
    bench::reset_peak_rss();
    const double rss0 = static_cast<double>(bench::rss_bytes());
    const double c = cpu_seconds();
    f();
    const double cpu = cpu_seconds() - c;
    const double peak = (static_cast<double>(bench::peak_rss_bytes()) - rss0) / 1e6;
    if (cpu < best.cpu) best = {cpu, peak};
  };
  for (int run = 0; run < runs; ++run) {
    time(scan_own, [&] {
      JsonReader r(text, file);
      r.skip();
      r.finish();
    });
    time(scan_simd, [&] { (void)scan_with_simdjson(padded, parser); });
    time(read_own, [&] {
      Workflow w = read_workflow(text, file);
      fp_own = w.fingerprint();
      edges_own = w.edge_count();
    });
    time(read_simd, [&] {
      try {
        Workflow w = read_with_simdjson(padded, parser);
        fp_simd = w.fingerprint();
        edges_simd = w.edge_count();
      } catch (const Fail& f) {
        fmt::print(stderr, "simdjson: {}\n", f.message);
      }
    });
  }
  fmt::print("{:<44} {:>10} {:>16}\n", "best of " + std::to_string(runs), "cpu (s)",
             "peak rise (MB)");
  fmt::print("{:<44} {:>10.3f} {:>16.0f}\n", "scan: JsonReader::skip()", scan_own.cpu,
             scan_own.peak_mb);
  fmt::print("{:<44} {:>10.3f} {:>16.0f}\n", "scan: simdjson On-Demand, every value", scan_simd.cpu,
             scan_simd.peak_mb);
  fmt::print("{:<44} {:>10.3f} {:>16.0f}\n", "read + build: read_workflow()", read_own.cpu,
             read_own.peak_mb);
  fmt::print("{:<44} {:>10.3f} {:>16.0f}\n", "read + build: simdjson, same builder calls",
             read_simd.cpu, read_simd.peak_mb);
  fmt::print("same workflow: {} (fingerprints {:016x} {:016x}, edges {} {})\n",
             fp_own == fp_simd && edges_own == edges_simd ? "yes" : "NO", fp_own, fp_simd,
             edges_own, edges_simd);
  fmt::print(
      stderr,
      "{{\"bench\": \"simdjson\", \"mb\": {:.1f}, \"scan_own_s\": {:.4f}, \"scan_simdjson_s\": "
      "{:.4f}, \"read_own_s\": {:.4f}, \"read_simdjson_s\": {:.4f}}}\n",
      static_cast<double>(text.size()) / 1e6, scan_own.cpu, scan_simd.cpu, read_own.cpu,
      read_simd.cpu);
  if (!tmp.empty()) fs::remove(tmp);
  return fp_own == fp_simd && edges_own == edges_simd ? 0 : 1;
}
