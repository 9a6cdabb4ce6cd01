#include "dagplan/wfcommons.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <utility>

#include "dagplan/error.hpp"
#include "dagplan/json_reader.hpp"
#include "dagplan/limits.hpp"
#include "dagplan/string_table.hpp"

// WfFormat is specified by the WfCommons project (https://github.com/wfcommons/wfformat): 1.4
// keeps tasks flat in `workflow.tasks` with their files inline; 1.5 splits the workflow into
// `workflow.specification` (tasks, files) and `workflow.execution` (runtimes, machines, makespan).
// Both are read in one pass with JsonReader into flat vectors indexed by interned names, because
// members may come in any order (execution before specification, files after the tasks that use
// them) and references may point forward. Everything is then resolved in linear time and handed to
// WorkflowBuilder. Deviations from a literal reading of the format:
//  - a task without a recorded runtime gets an unknown work estimate (work_s < 0), not 0;
//  - a file listed twice in one task's inputs (or outputs) is counted once;
//  - an edge listed both as a parent and as a child (or twice) is one edge;
//  - unknown members are ignored: WfCommons files carry many (command, avgCPU, energy, ...).

namespace dagplan {
namespace {

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

/// Strips a trailing `_ID<digits>` (Pegasus, Makeflow) or `_<digits>` (Nextflow, WfBench) from a
/// task id, then keeps only the transformation of Pegasus job names of the form
/// `<transformation>_<transformation>_<arguments>` (Epigenomics). Gives, on the public instances,
/// `individuals`, `mProject`, `blastall`, `sG1IterDecon`, `fast2bfq`, `cpuhog_forkjoin`,
/// `NFCORE_RNASEQ.RNASEQ.QUANTIFY_SALMON.SALMON_QUANT`: the name of the program each task runs.
std::string_view function_from_id(std::string_view id) {
  std::size_t digits = id.size();
  while (digits > 0 && id[digits - 1] >= '0' && id[digits - 1] <= '9') --digits;
  if (digits < id.size()) {
    std::size_t cut = digits;
    if (cut >= 2 && id[cut - 2] == 'I' && id[cut - 1] == 'D') cut -= 2;
    if (cut >= 2 && id[cut - 1] == '_') id = id.substr(0, cut - 1);
  }
  std::size_t underscore = id.find('_');
  if (underscore != std::string_view::npos && underscore > 0) {
    std::string_view first = id.substr(0, underscore);
    std::string_view rest = id.substr(underscore + 1);
    if (rest.substr(0, first.size()) == first &&
        (rest.size() == first.size() || rest[first.size()] == '_'))
      return first;
  }
  return id;
}

/// One pass over the document, then resolution. Names (task ids, file ids, machine names) are
/// interned on first sight, defined or only referenced, so forward references cost nothing.
class WfCommonsReader {
 public:
  WfCommonsReader(std::string_view text, const std::string& file) : r_(text, file) {}

  WfCommonsInstance read() {
    if (r_.peek() != JsonReader::Kind::kObject)
      r_.fail_expected("a WfCommons instance (an object)");
    bool has_workflow = false;
    r_.object([&](std::string_view key) {
      if (key == "schemaVersion") {
        read_schema_version();
      } else if (key == "name") {
        out_.application = r_.string();
      } else if (key == "workflow") {
        has_workflow = true;
        read_workflow();
      } else {
        r_.skip();
      }
    });
    r_.finish();
    if (out_.schema_version.empty())
      r_.fail_at("$", "missing member 'schemaVersion' (expected \"1.4\" or \"1.5\")");
    if (!has_workflow) r_.fail_at("$", "missing member 'workflow'");
    check_layout();
    return resolve();
  }

 private:
  /// A file reference of a task: the interned file name and, in 1.4, its size (in 1.5 the size
  /// comes from `workflow.specification.files`).
  struct FileRef {
    std::uint32_t file;
    std::uint64_t size_bytes;
  };
  /// One entry of `workflow.execution.tasks` (1.5), resolved against the tasks at the end.
  struct ExecTask {
    std::uint32_t slot;
    double runtime_s;
    double cores;
    std::uint32_t machine;  // machine-name slot or kNone
    bool has_runtime;
    double io_bytes;  // readBytes + writtenBytes; -1 when neither is recorded
  };

  // ---- reading ---------------------------------------------------------------------------------

  void read_schema_version() {
    if (r_.peek() != JsonReader::Kind::kString)
      r_.fail_expected("a schemaVersion string such as \"1.5\"");
    std::string_view v = r_.string();
    if (v != "1.4" && v != "1.5")
      r_.fail(fmt::format("unsupported WfFormat schemaVersion '{}' (supported: 1.4, 1.5)", v));
    out_.schema_version = v;
  }

  void read_workflow() {
    if (r_.peek() != JsonReader::Kind::kObject) r_.fail_expected("a workflow object");
    r_.object([&](std::string_view key) {
      if (key == "specification") {
        specification_path_ = r_.path();
        if (!flat_tasks_path_.empty())
          r_.fail_at(specification_path_,
                     "expected either workflow.specification (WfFormat 1.5) "
                     "or workflow.tasks (WfFormat 1.4), not both");
        read_specification();
      } else if (key == "execution") {
        read_execution();
      } else if (key == "tasks") {
        flat_tasks_path_ = r_.path();
        if (!specification_path_.empty())
          r_.fail_at(flat_tasks_path_,
                     "expected either workflow.specification (WfFormat 1.5) "
                     "or workflow.tasks (WfFormat 1.4), not both");
        read_flat_tasks();
      } else if (key == "machines") {
        read_machines();
      } else if (key == "makespanInSeconds") {
        out_.makespan_s = read_seconds(r_);
      } else if (key == "executedAt" && r_.peek() == JsonReader::Kind::kString) {
        out_.executed_at = std::string(r_.string());
      } else {
        r_.skip();
      }
    });
  }

  void read_specification() {
    if (r_.peek() != JsonReader::Kind::kObject) r_.fail_expected("a specification object");
    r_.object([&](std::string_view key) {
      if (key == "tasks") {
        read_spec_tasks();
      } else if (key == "files") {
        read_spec_files();
      } else {
        r_.skip();
      }
    });
  }

  void read_execution() {
    if (r_.peek() != JsonReader::Kind::kObject) r_.fail_expected("an execution object");
    r_.object([&](std::string_view key) {
      if (key == "tasks") {
        exec_tasks_path_ = r_.path();
        read_exec_tasks();
      } else if (key == "machines") {
        read_machines();
      } else if (key == "makespanInSeconds") {
        out_.makespan_s = read_seconds(r_);
      } else if (key == "executedAt" && r_.peek() == JsonReader::Kind::kString) {
        out_.executed_at = std::string(r_.string());
      } else {
        r_.skip();
      }
    });
  }

  /// Starts the record of the next task (its index is task_slot_.size()).
  void begin_task() {
    parents_off_.push_back(static_cast<std::uint32_t>(parents_.size()));
    children_off_.push_back(static_cast<std::uint32_t>(children_.size()));
    inputs_off_.push_back(static_cast<std::uint32_t>(inputs_.size()));
    outputs_off_.push_back(static_cast<std::uint32_t>(outputs_.size()));
  }

  /// Completes the record begun by begin_task(): checks the id and stores the per-task values.
  void define_task(std::uint32_t slot, std::size_t i, std::string_view id_key,
                   std::uint32_t category, double runtime_s, bool has_runtime, double cores,
                   std::uint32_t machine) {
    if (slot == kNone)
      r_.fail_at(fmt::format("{}[{}]", tasks_path_, i), fmt::format("missing member '{}'", id_key));
    if (slot_task_[slot] != kNone)
      r_.fail_at(fmt::format("{}[{}].{}", tasks_path_, i, id_key),
                 fmt::format("expected a unique task id, got '{}' again (first at {}[{}])",
                             names_[slot], tasks_path_, slot_task_[slot]));
    slot_task_[slot] = static_cast<std::uint32_t>(task_slot_.size());
    task_slot_.push_back(slot);
    category_.push_back(category);
    runtime_s_.push_back(has_runtime ? runtime_s : 0.0);
    has_runtime_.push_back(has_runtime ? 1 : 0);
    cores_.push_back(cores);
    machine_.push_back(machine);
    io_bytes_.push_back(-1);
  }

  std::uint32_t task_slot(std::string_view id) {
    std::uint32_t s = names_.intern(id);
    if (s == slot_task_.size()) slot_task_.push_back(kNone);
    return s;
  }

  std::uint32_t file_slot(std::string_view id) {
    std::uint32_t s = files_.intern(id);
    if (s == file_size_.size()) {
      file_size_.push_back(0);
      file_defined_.push_back(0);
      file_produced_.push_back(0);
      file_last_task_.push_back(kNone);
    }
    return s;
  }

  std::uint32_t machine_slot(std::string_view name) {
    std::uint32_t s = machine_names_.intern(name);
    if (s == machine_index_.size()) machine_index_.push_back(kNone);
    return s;
  }

  /// A task id where one is defined (`id`, 1.4 `name`): a non-empty string.
  std::uint32_t read_task_id() {
    if (r_.peek() != JsonReader::Kind::kString) r_.fail_expected("a task id string");
    std::string_view id = r_.string();
    if (id.empty()) r_.fail("expected a non-empty task id");
    return task_slot(id);
  }

  /// `parents` or `children`: an array of task ids, resolved at the end (they may point forward).
  void read_task_refs(std::vector<std::uint32_t>& refs) {
    r_.array([&](std::size_t) {
      if (r_.peek() != JsonReader::Kind::kString) r_.fail_expected("a task id string");
      refs.push_back(task_slot(r_.string()));
    });
  }

  /// 1.5 `inputFiles` / `outputFiles`: an array of file ids.
  void read_file_ids(std::vector<FileRef>& refs) {
    r_.array([&](std::size_t) {
      if (r_.peek() != JsonReader::Kind::kString) r_.fail_expected("a file id string");
      refs.push_back({file_slot(r_.string()), 0});
    });
  }

  std::uint32_t read_category() {
    if (r_.null()) return kNone;
    std::string_view c = r_.string();
    return c.empty() ? kNone : categories_.intern(c);
  }

  /// The first nodeName of a 1.5 execution task's `machines`.
  std::uint32_t read_machine_list() {
    std::uint32_t machine = kNone;
    r_.array([&](std::size_t j) {
      if (r_.peek() != JsonReader::Kind::kString) r_.fail_expected("a machine nodeName string");
      std::string_view name = r_.string();
      if (j == 0) machine = machine_slot(name);
    });
    return machine;
  }

  /// WfFormat 1.5 `workflow.specification.tasks`.
  void read_spec_tasks() {
    tasks_path_ = r_.path();
    has_tasks_ = true;
    r_.array([&](std::size_t i) {
      begin_task();
      std::uint32_t slot = kNone, category = kNone;
      r_.object([&](std::string_view key) {
        if (key == "id") {
          slot = read_task_id();
        } else if (key == "parents") {
          read_task_refs(parents_);
        } else if (key == "children") {
          read_task_refs(children_);
        } else if (key == "inputFiles") {
          read_file_ids(inputs_);
        } else if (key == "outputFiles") {
          read_file_ids(outputs_);
        } else if (key == "category") {
          category = read_category();
        } else {
          r_.skip();
        }
      });
      define_task(slot, i, "id", category, 0, false, 0, kNone);
    });
  }

  /// WfFormat 1.5 `workflow.specification.files`.
  void read_spec_files() {
    files_path_ = r_.path();
    r_.array([&](std::size_t) {
      std::uint32_t slot = kNone;
      std::uint64_t size = 0;
      bool has_size = false;
      r_.object([&](std::string_view key) {
        if (key == "id") {
          if (r_.peek() != JsonReader::Kind::kString) r_.fail_expected("a file id string");
          slot = file_slot(r_.string());
        } else if (key == "sizeInBytes") {
          size = read_bytes(r_);
          has_size = true;
        } else {
          r_.skip();
        }
      });
      if (slot == kNone) r_.fail_at(r_.path(), "missing member 'id'");
      if (!has_size) r_.fail_at(r_.path(), "missing member 'sizeInBytes'");
      if (file_defined_[slot])
        r_.fail_at(r_.path() + ".id",
                   fmt::format("expected a unique file id, got '{}' again", files_[slot]));
      file_defined_[slot] = 1;
      file_size_[slot] = size;
    });
  }

  /// WfFormat 1.5 `workflow.execution.tasks`.
  void read_exec_tasks() {
    r_.array([&](std::size_t) {
      ExecTask e{kNone, 0, 0, kNone, false, -1};
      r_.object([&](std::string_view key) {
        if (key == "id") {
          if (r_.peek() != JsonReader::Kind::kString) r_.fail_expected("a task id string");
          e.slot = task_slot(r_.string());
        } else if (key == "runtimeInSeconds") {
          e.runtime_s = read_seconds(r_);
          e.has_runtime = true;
        } else if (key == "coreCount") {
          e.cores = r_.number_in(0, limits::kMaxVcpus, "a core count");
        } else if (key == "machines") {
          e.machine = read_machine_list();
        } else if (key == "readBytes" || key == "writtenBytes") {
          if (r_.peek() == JsonReader::Kind::kNull) {
            r_.skip();
          } else {
            e.io_bytes = std::max(0.0, e.io_bytes) + static_cast<double>(read_bytes(r_));
          }
        } else {
          r_.skip();
        }
      });
      if (e.slot == kNone) r_.fail_at(r_.path(), "missing member 'id'");
      exec_.push_back(e);
    });
  }

  /// WfFormat 1.4 `workflow.tasks`: structure and execution in one record, files inline.
  void read_flat_tasks() {
    tasks_path_ = r_.path();
    has_tasks_ = true;
    r_.array([&](std::size_t i) {
      begin_task();
      std::uint32_t slot = kNone, category = kNone, machine = kNone;
      double runtime = 0, cores = 0;
      bool has_runtime = false;
      r_.object([&](std::string_view key) {
        if (key == "name") {
          slot = read_task_id();
        } else if (key == "parents") {
          read_task_refs(parents_);
        } else if (key == "children") {
          read_task_refs(children_);
        } else if (key == "files") {
          read_flat_files();
        } else if (key == "category") {
          category = read_category();
        } else if (key == "runtimeInSeconds") {
          runtime = read_seconds(r_);
          has_runtime = true;
        } else if (key == "cores") {
          cores = r_.number_in(0, limits::kMaxVcpus, "a core count");
        } else if (key == "machine") {
          if (!r_.null()) {
            if (r_.peek() != JsonReader::Kind::kString)
              r_.fail_expected("a machine nodeName string");
            machine = machine_slot(r_.string());
          }
        } else {
          r_.skip();  // includes 1.4's own `id` ("ID0000001"), which nothing refers to
        }
      });
      define_task(slot, i, "name", category, runtime, has_runtime, cores, machine);
    });
  }

  /// 1.4 `files`: [{link: input|output, name, sizeInBytes}].
  void read_flat_files() {
    r_.array([&](std::size_t) {
      int link = -1;  // 0 input, 1 output
      std::uint32_t slot = kNone;
      std::uint64_t size = 0;
      bool has_size = false;
      r_.object([&](std::string_view key) {
        if (key == "link") {
          if (r_.peek() != JsonReader::Kind::kString) r_.fail_expected("\"input\" or \"output\"");
          std::string_view l = r_.string();
          if (l == "input") {
            link = 0;
          } else if (l == "output") {
            link = 1;
          } else {
            r_.fail(fmt::format("expected \"input\" or \"output\", got \"{}\"", l));
          }
        } else if (key == "name") {
          if (r_.peek() != JsonReader::Kind::kString) r_.fail_expected("a file name string");
          slot = file_slot(r_.string());
        } else if (key == "sizeInBytes") {
          size = read_bytes(r_);
          has_size = true;
        } else {
          r_.skip();
        }
      });
      if (slot == kNone) r_.fail_at(r_.path(), "missing member 'name'");
      if (link < 0) r_.fail_at(r_.path(), "missing member 'link' (\"input\" or \"output\")");
      if (!has_size) r_.fail_at(r_.path(), "missing member 'sizeInBytes'");
      (link == 0 ? inputs_ : outputs_).push_back({slot, size});
    });
  }

  /// `workflow.execution.machines` (1.5) or `workflow.machines` (1.4).
  void read_machines() {
    machines_path_ = r_.path();
    r_.array([&](std::size_t) {
      WfCommonsMachine m;
      r_.object([&](std::string_view key) {
        if (key == "nodeName") {
          m.name = r_.string();
        } else if (key == "memoryInBytes") {
          m.memory_bytes = r_.uint64();
        } else if (key == "cpu") {
          r_.object([&](std::string_view k) {
            if (k == "coreCount" || k == "count") {
              m.cores = static_cast<std::uint32_t>(
                  r_.integer(0, static_cast<std::int64_t>(limits::kMaxVcpus)));
            } else if (k == "speedInMHz" || k == "speed") {
              m.speed_mhz = r_.non_negative();
            } else {
              r_.skip();
            }
          });
        } else {
          r_.skip();
        }
      });
      std::uint32_t s = machine_slot(m.name);
      // A repeated nodeName keeps its first machine for lookups; the list keeps both.
      if (machine_index_[s] == kNone)
        machine_index_[s] = static_cast<std::uint32_t>(out_.machines.size());
      out_.machines.push_back(std::move(m));
    });
  }

  // ---- checking and resolving ------------------------------------------------------------------

  void check_layout() {
    const bool v15 = out_.schema_version == "1.5";
    if (v15 && !flat_tasks_path_.empty())
      r_.fail_at(flat_tasks_path_,
                 "expected workflow.specification.tasks (schemaVersion is \"1.5\"), got "
                 "workflow.tasks, the WfFormat 1.4 layout");
    if (!v15 && !specification_path_.empty())
      r_.fail_at(specification_path_,
                 "expected workflow.tasks (schemaVersion is \"1.4\"), got "
                 "workflow.specification, the WfFormat 1.5 layout");
    if (v15 && specification_path_.empty())
      r_.fail_at("$.workflow", "missing member 'specification'");
    if (!has_tasks_)
      r_.fail_at(v15 ? specification_path_ : std::string("$.workflow"), "missing member 'tasks'");
    if (task_slot_.empty())
      r_.fail_at(tasks_path_, "expected at least one task, got an empty array");
  }

  std::string task_ref_path(bool parents, std::size_t ref) const {
    const auto& off = parents ? parents_off_ : children_off_;
    auto it = std::upper_bound(off.begin(), off.end(), static_cast<std::uint32_t>(ref));
    auto task = static_cast<std::size_t>(it - off.begin()) - 1;
    return fmt::format("{}[{}].{}[{}]", tasks_path_, task, parents ? "parents" : "children",
                       ref - off[task]);
  }

  /// Path of a 1.5 `inputFiles` / `outputFiles` entry (1.4 files cannot dangle).
  std::string file_ref_path(bool inputs, std::size_t ref) const {
    const auto& off = inputs ? inputs_off_ : outputs_off_;
    auto it = std::upper_bound(off.begin(), off.end(), static_cast<std::uint32_t>(ref));
    auto task = static_cast<std::size_t>(it - off.begin()) - 1;
    return fmt::format("{}[{}].{}[{}]", tasks_path_, task, inputs ? "inputFiles" : "outputFiles",
                       ref - off[task]);
  }

  /// Fails at `where` (a JSON path) for a nodeName that no machine in the machines list has.
  [[noreturn]] void fail_unknown_machine(std::uint32_t slot, const std::string& where) const {
    r_.fail_at(where, fmt::format("expected the nodeName of a machine in {}, got unknown machine "
                                  "'{}'",
                                  machines_path_.empty() ? std::string("the machines list")
                                                         : machines_path_,
                                  machine_names_[slot]));
  }

  /// Sums the sizes of a task's file references, each file once; `external_only` skips files
  /// that some task produces. The sum is one size of the workflow: at most limits::kMaxBytes
  /// (each file is, so the sum cannot overflow before it is checked).
  std::uint64_t sum_files(const std::vector<FileRef>& refs, std::uint32_t begin, std::uint32_t end,
                          std::uint32_t task, bool external_only) {
    std::uint64_t sum = 0;
    for (std::uint32_t k = begin; k < end; ++k) {
      std::uint32_t f = refs[k].file;
      if (file_last_task_[f] == task) continue;  // listed twice by this task
      file_last_task_[f] = task;
      if (external_only && file_produced_[f]) continue;
      sum += refs[k].size_bytes;
      if (sum > limits::kMaxBytes) {
        const bool v15 = out_.schema_version == "1.5";
        r_.fail_at(fmt::format("{}[{}].{}", tasks_path_, task,
                               v15 ? (external_only ? "inputFiles" : "outputFiles") : "files"),
                   fmt::format("expected the task's {} files to add up to at most {} bytes, got "
                               "more (a size of the workflow is at most 2^53 bytes)",
                               external_only ? "input" : "output", limits::kMaxBytes));
      }
    }
    return sum;
  }

  WfCommonsInstance resolve() {
    const std::size_t n = task_slot_.size();
    const bool v15 = out_.schema_version == "1.5";
    parents_off_.push_back(static_cast<std::uint32_t>(parents_.size()));
    children_off_.push_back(static_cast<std::uint32_t>(children_.size()));
    inputs_off_.push_back(static_cast<std::uint32_t>(inputs_.size()));
    outputs_off_.push_back(static_cast<std::uint32_t>(outputs_.size()));

    // Execution records (1.5) onto their tasks.
    std::vector<std::uint32_t> exec_of(n, kNone);  // task -> its execution record
    for (std::size_t k = 0; k < exec_.size(); ++k) {
      const ExecTask& e = exec_[k];
      std::uint32_t t = slot_task_[e.slot];
      if (t == kNone)
        r_.fail_at(fmt::format("{}[{}].id", exec_tasks_path_, k),
                   fmt::format("expected the id of a task in {}, got unknown task '{}'",
                               tasks_path_, names_[e.slot]));
      if (exec_of[t] != kNone)
        r_.fail_at(fmt::format("{}[{}].id", exec_tasks_path_, k),
                   fmt::format("expected one execution record per task, got a second one for "
                               "'{}' (first at {}[{}])",
                               names_[e.slot], exec_tasks_path_, exec_of[t]));
      exec_of[t] = static_cast<std::uint32_t>(k);
      runtime_s_[t] = e.has_runtime ? e.runtime_s : 0.0;
      has_runtime_[t] = e.has_runtime ? 1 : 0;
      cores_[t] = e.cores;
      machine_[t] = e.machine;
      io_bytes_[t] = e.io_bytes;
    }

    // Machines, by nodeName.
    out_.machine.assign(n, -1);
    for (std::uint32_t t = 0; t < n; ++t) {
      if (machine_[t] == kNone) continue;
      std::uint32_t m = machine_index_[machine_[t]];
      if (m == kNone)
        fail_unknown_machine(machine_[t],
                             exec_of[t] != kNone
                                 ? fmt::format("{}[{}].machines[0]", exec_tasks_path_, exec_of[t])
                                 : fmt::format("{}[{}].machine", tasks_path_, t));
      out_.machine[t] = static_cast<std::int32_t>(m);
    }

    // Files: 1.5 sizes come from the files list; every reference must resolve.
    if (v15) {
      for (int side = 0; side < 2; ++side) {
        auto& refs = side == 0 ? inputs_ : outputs_;
        for (std::size_t k = 0; k < refs.size(); ++k) {
          if (!file_defined_[refs[k].file])
            r_.fail_at(file_ref_path(side == 0, k),
                       fmt::format("expected the id of a file in {}, got unknown file '{}'",
                                   files_path_.empty() ? std::string("workflow.specification.files")
                                                       : files_path_,
                                   files_[refs[k].file]));
          refs[k].size_bytes = file_size_[refs[k].file];
        }
      }
    }
    for (const FileRef& f : outputs_) file_produced_[f.file] = 1;

    // Each file's size shared among the tasks that read or write it, so that a run's files count
    // once (WfCommonsInstance::file_share_bytes).
    {
      std::vector<std::uint32_t> touching(file_produced_.size(), 0),
          seen(file_produced_.size(), kNone);
      auto visit = [&](std::uint32_t t, auto each) {
        for (int side = 0; side < 2; ++side) {
          const auto& refs = side == 0 ? inputs_ : outputs_;
          const auto& off = side == 0 ? inputs_off_ : outputs_off_;
          for (std::uint32_t k = off[t]; k < off[t + 1]; ++k) {
            if (seen[refs[k].file] == t) continue;
            seen[refs[k].file] = t;
            each(refs[k]);
          }
        }
      };
      for (std::uint32_t t = 0; t < n; ++t) visit(t, [&](const FileRef& f) { ++touching[f.file]; });
      std::fill(seen.begin(), seen.end(), kNone);
      out_.file_share_bytes.assign(n, 0.0);
      for (std::uint32_t t = 0; t < n; ++t)
        visit(t, [&](const FileRef& f) {
          out_.file_share_bytes[t] += static_cast<double>(f.size_bytes) / touching[f.file];
        });
    }

    WorkflowBuilder b;
    b.set_name(out_.application);
    b.reserve(n, parents_.size() + children_.size());
    for (std::uint32_t t = 0; t < n; ++t) {
      std::string_view id = names_[task_slot_[t]];
      std::string_view function =
          category_[t] != kNone ? categories_[category_[t]] : function_from_id(id);
      std::uint64_t in = sum_files(inputs_, inputs_off_[t], inputs_off_[t + 1], t, true);
      std::uint64_t out = sum_files(outputs_, outputs_off_[t], outputs_off_[t + 1], t, false);
      b.add_task(id, function, has_runtime_[t] ? runtime_s_[t] : -1.0, in, out);
    }

    add_edges(b);
    out_.runtime_s = std::move(runtime_s_);
    out_.cores = std::move(cores_);
    out_.io_bytes = std::move(io_bytes_);
    try {
      out_.workflow = std::move(b).build(r_.file(), [&](std::size_t e) {
        std::uint32_t ref = edge_ref_[e];
        bool parent = ref < parents_.size();
        return task_ref_path(parent, parent ? ref : ref - parents_.size());
      });
    } catch (const InputError& e) {
      // WorkflowBuilder reports whole-graph errors (a cycle) at `$.tasks`, the dagplan layout.
      if (e.path() == "$.tasks") throw InputError(e.file(), tasks_path_, e.message());
      throw;
    }
    return std::move(out_);
  }

  /// Resolves `parents` and `children` into edges, rejects unknown ids and self-loops where they
  /// are written, and merges duplicates: bucketing by consumer (a counting sort) and marking each
  /// producer once per bucket keeps it linear. The first listing of an edge is kept, for paths.
  void add_edges(WorkflowBuilder& b) {
    const std::size_t n = task_slot_.size();
    const std::size_t refs = parents_.size() + children_.size();
    std::vector<std::uint32_t> from(refs), to(refs);
    for (int side = 0; side < 2; ++side) {
      const bool parent = side == 0;
      const auto& list = parent ? parents_ : children_;
      const auto& off = parent ? parents_off_ : children_off_;
      for (std::uint32_t t = 0; t < n; ++t) {
        for (std::uint32_t k = off[t]; k < off[t + 1]; ++k) {
          std::uint32_t other = slot_task_[list[k]];
          if (other == kNone)
            r_.fail_at(task_ref_path(parent, k),
                       fmt::format("expected the id of a task in {}, got unknown task '{}'",
                                   tasks_path_, names_[list[k]]));
          if (other == t)
            r_.fail_at(task_ref_path(parent, k),
                       fmt::format("self-loop: task '{}' lists itself as {}", names_[list[k]],
                                   parent ? "a parent" : "a child"));
          std::size_t ref = parent ? k : parents_.size() + k;
          from[ref] = parent ? other : t;
          to[ref] = parent ? t : other;
        }
      }
    }
    // Counting sort of the references by consumer, stable (file order within a consumer).
    std::vector<std::uint32_t> start(n + 1, 0);
    for (std::size_t ref = 0; ref < refs; ++ref) ++start[to[ref] + 1];
    for (std::size_t t = 0; t < n; ++t) start[t + 1] += start[t];
    std::vector<std::uint32_t> sorted(refs);
    for (std::size_t ref = 0; ref < refs; ++ref)
      sorted[start[to[ref]]++] = static_cast<std::uint32_t>(ref);
    std::vector<std::uint32_t> seen_for(n, kNone);  // producer -> last consumer it was added for
    edge_ref_.reserve(refs);
    for (std::uint32_t ref : sorted) {
      if (seen_for[from[ref]] == to[ref]) continue;
      seen_for[from[ref]] = to[ref];
      b.add_edge(TaskId{from[ref]}, TaskId{to[ref]});
      edge_ref_.push_back(ref);
    }
  }

  JsonReader r_;
  WfCommonsInstance out_;
  std::string tasks_path_, exec_tasks_path_, files_path_, machines_path_;
  std::string specification_path_, flat_tasks_path_;
  bool has_tasks_ = false;

  // Tasks, by slot (every id seen) and by task index (definition order).
  StringTable names_;
  std::vector<std::uint32_t> slot_task_;
  std::vector<std::uint32_t> task_slot_;
  StringTable categories_;
  std::vector<std::uint32_t> category_;
  std::vector<double> runtime_s_, cores_, io_bytes_;
  std::vector<std::uint8_t> has_runtime_;
  std::vector<std::uint32_t> machine_;  // machine-name slot per task, or kNone
  std::vector<ExecTask> exec_;

  // Dependencies as written: name slots, with each task's first entry.
  std::vector<std::uint32_t> parents_, children_;
  std::vector<std::uint32_t> parents_off_, children_off_;
  std::vector<std::uint32_t> edge_ref_;  // builder edge -> reference (parents first, then children)

  // Files, by slot.
  StringTable files_;
  std::vector<std::uint64_t> file_size_;
  std::vector<std::uint8_t> file_defined_, file_produced_;
  std::vector<std::uint32_t> file_last_task_;
  std::vector<FileRef> inputs_, outputs_;
  std::vector<std::uint32_t> inputs_off_, outputs_off_;

  // Machines, by nodeName slot.
  StringTable machine_names_;
  std::vector<std::uint32_t> machine_index_;
};

}  // namespace

WfCommonsInstance read_wfcommons(std::string_view text, const std::string& file) {
  return WfCommonsReader(text, file).read();
}

}  // namespace dagplan
