// The WfCommons importer (WfFormat 1.4 and 1.5): the mapping on small inline instances, every
// public instance in ../shared/data/wfcommons checked against figures computed here independently
// with nlohmann::json, the 1.4 and 1.5 copies of one run giving the same workflow, and one clear
// error (file, JSON path, what was expected) per kind of bad input.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "dagplan/files.hpp"
#include "dagplan/wfcommons.hpp"
#include "dagplan/workflow.hpp"
#include "dagplan/workflow_io.hpp"
#include "test_util.hpp"

using namespace dagplan;
using nlohmann::json;

namespace {

using EdgeSet = std::set<std::pair<std::string, std::string>>;

EdgeSet edges_of(const Workflow& w) {
  EdgeSet out;
  for (std::uint32_t i = 0; i < w.task_count(); ++i)
    for (TaskId s : w.successors(TaskId{i})) out.emplace(w.id(TaskId{i}), w.id(s));
  return out;
}

std::string function_of(const Workflow& w, std::string_view id) {
  return std::string(w.function_name(w.function(*w.find(id))));
}

std::set<std::string> function_names(const Workflow& w) {
  std::set<std::string> out;
  for (std::uint32_t f = 0; f < w.function_count(); ++f)
    out.emplace(w.function_name(FunctionId{f}));
  return out;
}

/// What a WfCommons file says, computed with nlohmann::json and no code of the importer.
struct Expected {
  std::vector<std::string> ids;
  EdgeSet edges;
  std::map<std::string, double> runtime_s;
  std::map<std::string, std::string> machine;  // task id -> nodeName
  std::map<std::string, std::string> category;
  std::uint64_t output_bytes = 0;
  std::uint64_t external_input_bytes = 0;
  double makespan_s = 0;
  std::string executed_at;  // "" when absent
  std::size_t machine_count = 0;
};

Expected expected_from(const json& doc) {
  Expected e;
  const json& wf = doc.at("workflow");
  auto str = [](const json& j) { return j.get<std::string>(); };
  std::set<std::string> produced;
  std::vector<std::pair<std::string, std::uint64_t>> inputs;  // every (file, size) read
  auto add_edges = [&](const std::string& id, const json& task) {
    for (const json& p : task.value("parents", json::array())) e.edges.emplace(str(p), id);
    for (const json& c : task.value("children", json::array())) e.edges.emplace(id, str(c));
  };
  if (str(doc.at("schemaVersion")) == "1.5") {
    const json& spec = wf.at("specification");
    const json& exec = wf.at("execution");
    std::map<std::string, std::uint64_t> size;
    for (const json& f : spec.at("files"))
      size[str(f.at("id"))] = f.at("sizeInBytes").get<std::uint64_t>();
    for (const json& t : spec.at("tasks")) {
      const std::string id = str(t.at("id"));
      e.ids.push_back(id);
      add_edges(id, t);
      for (const json& f : t.at("outputFiles")) {
        e.output_bytes += size.at(str(f));
        produced.insert(str(f));
      }
      for (const json& f : t.at("inputFiles")) inputs.emplace_back(str(f), size.at(str(f)));
    }
    for (const json& t : exec.at("tasks")) {
      const std::string id = str(t.at("id"));
      e.runtime_s[id] = t.at("runtimeInSeconds").get<double>();
      if (t.contains("machines") && !t["machines"].empty()) e.machine[id] = str(t["machines"][0]);
    }
    e.makespan_s = exec.at("makespanInSeconds").get<double>();
    e.executed_at = exec.value("executedAt", "");
    e.machine_count = exec.value("machines", json::array()).size();
  } else {
    for (const json& t : wf.at("tasks")) {
      const std::string id = str(t.at("name"));
      e.ids.push_back(id);
      add_edges(id, t);
      for (const json& f : t.at("files")) {
        const auto bytes = f.at("sizeInBytes").get<std::uint64_t>();
        if (str(f.at("link")) == "output") {
          e.output_bytes += bytes;
          produced.insert(str(f.at("name")));
        } else {
          inputs.emplace_back(str(f.at("name")), bytes);
        }
      }
      e.runtime_s[id] = t.at("runtimeInSeconds").get<double>();
      if (t.contains("machine")) e.machine[id] = str(t["machine"]);
      if (t.contains("category")) e.category[id] = str(t["category"]);
    }
    e.makespan_s = wf.at("makespanInSeconds").get<double>();
    e.executed_at = wf.value("executedAt", "");
    e.machine_count = wf.value("machines", json::array()).size();
  }
  for (const auto& [file, bytes] : inputs)
    if (!produced.count(file)) e.external_input_bytes += bytes;
  return e;
}

std::vector<std::string> instance_files(const std::string& data) {
  std::vector<std::string> out;
  for (const char* sub : {"/wfcommons", "/wfcommons/v1.4"})
    for (const auto& entry : std::filesystem::directory_iterator(data + sub))
      if (entry.path().extension() == ".json") out.push_back(entry.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

WfCommonsInstance load(const std::string& path) {
  return read_wfcommons(read_text_file(path), path);
}

/// A minimal WfFormat 1.5 document around `tasks`, `files` and `exec` (JSON array bodies).
std::string v15(const std::string& tasks, const std::string& files = "",
                const std::string& exec = "", const std::string& machines = "") {
  return R"({"name": "t", "schemaVersion": "1.5", "workflow": {"specification": {"tasks": [)" +
         tasks + R"(], "files": [)" + files + R"(]}, "execution": {"makespanInSeconds": 9,
         "tasks": [)" +
         exec + R"(], "machines": [)" + machines + "]}}}";
}

/// A minimal WfFormat 1.4 document around `tasks`.
std::string v14(const std::string& tasks, const std::string& machines = "") {
  return R"({"name": "t", "schemaVersion": "1.4", "workflow": {"makespanInSeconds": 9,
         "machines": [)" +
         machines + R"(], "tasks": [)" + tasks + "]}}";
}

}  // namespace

TEST_CASE("WfFormat 1.5 maps onto a workflow", "[wfcommons]") {
  // a -> b (listed on both sides and twice), a -> c, {b, c} -> d. "in.dat" comes from outside,
  // "a.out" is produced by a, so only "in.dat" counts as a literal input.
  const std::string text = v15(
      R"({"id": "split_ID0000001", "children": ["map_ID0000002", "map_ID0000003"],
          "inputFiles": ["in.dat"], "outputFiles": ["a.out"]},
         {"id": "map_ID0000002", "parents": ["split_ID0000001", "split_ID0000001"],
          "inputFiles": ["a.out", "in.dat", "in.dat"], "outputFiles": ["b.out"]},
         {"id": "map_ID0000003", "parents": ["split_ID0000001"], "inputFiles": ["a.out"],
          "outputFiles": ["c.out"], "name": "ignored", "unknownMember": {"x": [1, 2]}},
         {"id": "reduce_7", "parents": ["map_ID0000002", "map_ID0000003"],
          "inputFiles": ["b.out", "c.out"], "outputFiles": []})",
      R"({"id": "in.dat", "sizeInBytes": 100}, {"id": "a.out", "sizeInBytes": 10},
         {"id": "b.out", "sizeInBytes": 20}, {"id": "c.out", "sizeInBytes": 30})",
      R"({"id": "map_ID0000003", "runtimeInSeconds": 0, "machines": ["n2"]},
         {"id": "split_ID0000001", "runtimeInSeconds": 1.5, "coreCount": 2, "machines": ["n1"]},
         {"id": "map_ID0000002", "runtimeInSeconds": 2.25, "avgCPU": 99.5})",
      R"({"nodeName": "n1", "cpu": {"coreCount": 48, "speedInMHz": 1200},
          "memoryInBytes": 1000},
         {"nodeName": "n2", "cpu": {"coreCount": 4}})");
  WfCommonsInstance inst = read_wfcommons(text, "i.json");
  const Workflow& w = inst.workflow;

  SECTION("tasks keep the file order, ids and functions without their numeric suffix") {
    REQUIRE(w.task_count() == 4);
    CHECK(w.id(TaskId{0}) == "split_ID0000001");
    CHECK(w.id(TaskId{3}) == "reduce_7");
    CHECK(function_of(w, "split_ID0000001") == "split");
    CHECK(function_of(w, "map_ID0000003") == "map");
    CHECK(function_of(w, "reduce_7") == "reduce");
    CHECK(w.function_count() == 3);
    CHECK(w.name() == "t");
    CHECK(inst.application == "t");
    CHECK(inst.schema_version == "1.5");
  }
  SECTION("edges are the union of parents and children, each pair once") {
    CHECK(w.edge_count() == 4);
    CHECK(edges_of(w) == EdgeSet{{"split_ID0000001", "map_ID0000002"},
                                 {"split_ID0000001", "map_ID0000003"},
                                 {"map_ID0000002", "reduce_7"},
                                 {"map_ID0000003", "reduce_7"}});
  }
  SECTION("sizes: outputs summed, inputs only when no task produces them, each file once") {
    TaskId a = *w.find("split_ID0000001"), b = *w.find("map_ID0000002");
    TaskId d = *w.find("reduce_7");
    CHECK(w.output_bytes(a) == 10);
    CHECK(w.input_bytes(a) == 100);
    CHECK(w.input_bytes(b) == 100);  // in.dat listed twice, a.out produced by a
    CHECK(w.output_bytes(b) == 20);
    CHECK(w.input_bytes(d) == 0);
    CHECK(w.output_bytes(d) == 0);
  }
  SECTION("runtimes become work; a task without a runtime has unknown work") {
    CHECK(w.work_s(*w.find("split_ID0000001")) == 1.5);
    CHECK(w.has_work(*w.find("map_ID0000003")));
    CHECK(w.work_s(*w.find("map_ID0000003")) == 0);
    CHECK_FALSE(w.has_work(*w.find("reduce_7")));
    CHECK(inst.runtime_s == std::vector<double>{1.5, 2.25, 0, 0});
  }
  SECTION("execution: makespan, cores, machines by nodeName") {
    CHECK(inst.makespan_s == 9);
    CHECK(inst.cores == std::vector<double>{2, 0, 0, 0});
    CHECK(inst.machine == std::vector<std::int32_t>{0, -1, 1, -1});
    REQUIRE(inst.machines.size() == 2);
    CHECK(inst.machines[0].name == "n1");
    CHECK(inst.machines[0].cores == 48);
    CHECK(inst.machines[0].speed_mhz == 1200);
    CHECK(inst.machines[0].memory_bytes == 1000);
    CHECK(inst.machines[1].cores == 4);
    CHECK(inst.machines[1].speed_mhz == 0);
  }
}

TEST_CASE("WfFormat 1.4 maps onto the same workflow as 1.5", "[wfcommons]") {
  const std::string text14 = v14(
      R"({"name": "b_ID0000002", "id": "ID0000002", "type": "compute", "category": "bee",
          "parents": ["a_ID0000001"], "runtimeInSeconds": 2, "machine": "n1",
          "files": [{"link": "input", "name": "x", "sizeInBytes": 5},
                    {"link": "output", "name": "y", "sizeInBytes": 7}]},
         {"name": "a_ID0000001", "id": "ID0000001", "type": "compute", "cores": 3,
          "children": ["b_ID0000002"], "runtimeInSeconds": 1,
          "files": [{"link": "output", "name": "x", "sizeInBytes": 5},
                    {"link": "input", "name": "raw", "sizeInBytes": 11}]})",
      R"({"nodeName": "n1", "cpu": {"count": 8, "speed": 2400}, "memoryInBytes": 64})");
  const std::string text15 = v15(
      R"({"id": "b_ID0000002", "category": "bee", "parents": ["a_ID0000001"],
          "inputFiles": ["x"], "outputFiles": ["y"]},
         {"id": "a_ID0000001", "children": ["b_ID0000002"], "inputFiles": ["raw"],
          "outputFiles": ["x"]})",
      R"({"id": "x", "sizeInBytes": 5}, {"id": "y", "sizeInBytes": 7},
         {"id": "raw", "sizeInBytes": 11})",
      R"({"id": "b_ID0000002", "runtimeInSeconds": 2, "machines": ["n1"]},
         {"id": "a_ID0000001", "runtimeInSeconds": 1, "coreCount": 3})",
      R"({"nodeName": "n1", "cpu": {"coreCount": 8, "speedInMHz": 2400}, "memoryInBytes": 64})");
  WfCommonsInstance a = read_wfcommons(text14, "a.json");
  WfCommonsInstance b = read_wfcommons(text15, "b.json");
  CHECK(a.schema_version == "1.4");
  REQUIRE(a.workflow.task_count() == 2);
  CHECK(function_of(a.workflow, "b_ID0000002") == "bee");  // category wins over the id
  CHECK(function_of(a.workflow, "a_ID0000001") == "a");
  CHECK(a.workflow.input_bytes(*a.workflow.find("a_ID0000001")) == 11);
  CHECK(a.workflow.input_bytes(*a.workflow.find("b_ID0000002")) == 0);
  CHECK(a.workflow.edge_count() == 1);
  CHECK(write_workflow(a.workflow) == write_workflow(b.workflow));
  CHECK(a.runtime_s == b.runtime_s);
  CHECK(a.cores == b.cores);
  CHECK(a.machine == b.machine);
  CHECK(a.machine == std::vector<std::int32_t>{0, -1});
  REQUIRE(a.machines.size() == 1);
  CHECK(a.machines[0].cores == 8);
  CHECK(a.machines[0].speed_mhz == 2400);
  CHECK(a.machines[0].memory_bytes == 64);
  CHECK(a.makespan_s == b.makespan_s);
}

TEST_CASE("WfCommons function names come from ids when there is no category", "[wfcommons]") {
  auto function = [](const std::string& id) {
    WfCommonsInstance inst = read_wfcommons(v15(R"({"id": ")" + id + R"("})"), "f.json");
    return std::string(inst.workflow.function_name(FunctionId{0}));
  };
  CHECK(function("individuals_merge_ID0000011") == "individuals_merge");  // Pegasus
  CHECK(function("blastall_ID000002") == "blastall");                     // Makeflow
  CHECK(function("cpuhog_forkjoin_00000010") == "cpuhog_forkjoin");       // WfBench
  CHECK(function("NFCORE_RNASEQ.RNASEQ.CAT_FASTQ_12") == "NFCORE_RNASEQ.RNASEQ.CAT_FASTQ");
  // Pegasus Epigenomics job names repeat the transformation before their arguments.
  CHECK(function("fast2bfq_fast2bfq_HEP2_MSP1_Digests_s_1_sequence_1_ID0000002") == "fast2bfq");
  CHECK(function("pileup_pileup_ID0000041") == "pileup");
  CHECK(function("mapMerge_mapMerge_HEP2_ID0000040") == "mapMerge");
  CHECK(function("map_mapMerge_ID1") == "map_mapMerge");  // a prefix is not a repetition
  CHECK(function("plain") == "plain");
  CHECK(function("_17") == "_17");  // nothing would be left
  CHECK(function("job_ID") == "job_ID");
}

TEST_CASE("every public WfCommons instance matches independently computed figures", "[wfcommons]") {
  const std::string data = test::shared_data_dir();
  if (data.empty()) DAGPLAN_SKIP_TEST("../shared/data is absent: no public WfCommons instances");
  const std::vector<std::string> files = instance_files(data);
  REQUIRE(files.size() == 13);  // data/README.md: 11 instances in 1.5, 2 of them again in 1.4
  for (const std::string& path : files) {
    DYNAMIC_SECTION(std::filesystem::path(path).parent_path().filename().string()
                    << "/" << std::filesystem::path(path).filename().string()) {
      const std::string text = read_text_file(path);
      const json doc = json::parse(text);
      const Expected e = expected_from(doc);
      const WfCommonsInstance inst = read_wfcommons(text, path);
      const Workflow& w = inst.workflow;

      CHECK(inst.schema_version == doc.at("schemaVersion").get<std::string>());
      CHECK(inst.application == doc.at("name").get<std::string>());
      REQUIRE(w.task_count() == e.ids.size());
      CHECK(w.edge_count() == e.edges.size());
      CHECK(edges_of(w) == e.edges);
      CHECK(inst.makespan_s == e.makespan_s);
      CHECK_FALSE(e.executed_at.empty());  // every public run says when it started
      CHECK(inst.executed_at == e.executed_at);
      CHECK(inst.machines.size() == e.machine_count);

      std::uint64_t output_bytes = 0, input_bytes = 0;
      double work_s = 0, expected_work_s = 0;
      for (std::uint32_t i = 0; i < w.task_count(); ++i) {
        TaskId t{i};
        const std::string id(w.id(t));
        INFO("task " << id);
        CHECK(id == e.ids[i]);
        output_bytes += w.output_bytes(t);
        input_bytes += w.input_bytes(t);
        work_s += w.work_s(t);
        expected_work_s += e.runtime_s.at(id);
        CHECK(w.work_s(t) == e.runtime_s.at(id));
        CHECK(inst.runtime_s[i] == e.runtime_s.at(id));
        if (e.category.count(id)) CHECK(function_of(w, id) == e.category.at(id));
        if (e.machine.count(id)) {
          REQUIRE(inst.machine[i] >= 0);
          CHECK(inst.machines[static_cast<std::size_t>(inst.machine[i])].name == e.machine.at(id));
        } else {
          CHECK(inst.machine[i] == -1);
        }
      }
      CHECK(output_bytes == e.output_bytes);
      CHECK(input_bytes == e.external_input_bytes);
      CHECK(work_s == Approx(expected_work_s).epsilon(1e-12));
      CHECK(inst.runtime_s.size() == w.task_count());
      CHECK(inst.cores.size() == w.task_count());
    }
  }
}

TEST_CASE("public WfCommons instances get one function per program", "[wfcommons]") {
  const std::string data = test::shared_data_dir();
  if (data.empty()) DAGPLAN_SKIP_TEST("../shared/data is absent: no public WfCommons instances");
  auto functions = [&](const std::string& name) {
    return function_names(load(data + "/wfcommons/" + name).workflow);
  };
  using Names = std::set<std::string>;
  CHECK(functions("1000genome-chameleon-2ch-100k-001.json") ==
        Names{"individuals", "individuals_merge", "sifting", "mutation_overlap", "frequency"});
  CHECK(functions("montage-chameleon-2mass-005d-001.json") ==
        Names{"mProject", "mDiffFit", "mConcatFit", "mBgModel", "mBackground", "mImgtbl", "mAdd",
              "mViewer"});
  CHECK(functions("epigenomics-chameleon-hep-1seq-100k-001.json") ==
        Names{"chr21", "fast2bfq", "fastqSplit", "filterContams", "map", "mapMerge", "pileup",
              "sol2sanger"});
  CHECK(functions("blast-chameleon-small-001.json") ==
        Names{"split_fasta", "blastall", "cat_blast", "cat"});
  CHECK(functions("helloworld-forkjoin-10-chameleon.json") == Names{"cpuhog_forkjoin"});
  CHECK(functions("seismology-chameleon-100p-001.json") ==
        Names{"sG1IterDecon", "wrapper_siftSTFByMisfit"});
  CHECK(functions("srasearch-chameleon-10a-001.json") ==
        Names{"bowtie2-build", "fasterq-dump", "bowtie2", "merge"});
  CHECK(functions("cycles-chameleon-1l-3c-12p-001.json").size() == 7);
  // Nextflow: one function per process, e.g. the five STAR_ALIGN tasks share one.
  const Names rnaseq = functions("rnaseq-dirt02-001.json");
  CHECK(rnaseq.size() == 62);
  CHECK(rnaseq.count("NFCORE_RNASEQ.RNASEQ.ALIGN_STAR.STAR_ALIGN") == 1);
}

TEST_CASE("the 1.4 and 1.5 copies of a WfCommons run give the same workflow", "[wfcommons]") {
  const std::string data = test::shared_data_dir();
  if (data.empty()) DAGPLAN_SKIP_TEST("../shared/data is absent: no public WfCommons instances");
  for (const char* name :
       {"1000genome-chameleon-2ch-100k-001.json", "montage-chameleon-2mass-005d-001.json"}) {
    DYNAMIC_SECTION(name) {
      WfCommonsInstance a = load(data + "/wfcommons/v1.4/" + name);
      WfCommonsInstance b = load(data + "/wfcommons/" + name);
      REQUIRE(a.schema_version == "1.4");
      REQUIRE(b.schema_version == "1.5");
      const Workflow& x = a.workflow;
      const Workflow& y = b.workflow;
      REQUIRE(x.task_count() == y.task_count());
      REQUIRE(x.edge_count() == y.edge_count());
      for (std::uint32_t i = 0; i < x.task_count(); ++i) {
        TaskId t{i};
        INFO("task " << x.id(t));
        CHECK(x.id(t) == y.id(t));
        CHECK(x.function_name(x.function(t)) == y.function_name(y.function(t)));
        CHECK(x.work_s(t) == y.work_s(t));
        CHECK(x.input_bytes(t) == y.input_bytes(t));
        CHECK(x.output_bytes(t) == y.output_bytes(t));
        std::vector<std::string_view> px, py;
        for (TaskId p : x.predecessors(t)) px.push_back(x.id(p));
        for (TaskId p : y.predecessors(t)) py.push_back(y.id(p));
        CHECK(px == py);
      }
      CHECK(write_workflow(x) == write_workflow(y));
      CHECK(x.fingerprint() == y.fingerprint());
      CHECK(a.runtime_s == b.runtime_s);
      CHECK(a.makespan_s == b.makespan_s);
      CHECK(a.machine == b.machine);
      REQUIRE(a.machines.size() == b.machines.size());
      for (std::size_t m = 0; m < a.machines.size(); ++m) {
        CHECK(a.machines[m].name == b.machines[m].name);
        CHECK(a.machines[m].cores == b.machines[m].cores);
        CHECK(a.machines[m].speed_mhz == b.machines[m].speed_mhz);
        CHECK(a.machines[m].memory_bytes == b.machines[m].memory_bytes);
      }
    }
  }
}

TEST_CASE("read_any_workflow recognises WfCommons instances", "[wfcommons]") {
  SECTION("inline") {
    const std::string text = v15(R"({"id": "a_1", "children": ["b_2"]}, {"id": "b_2"})");
    CHECK(detect_document(text, "i.json") == DocumentKind::kWfCommons);
    Workflow w = read_any_workflow(text, "i.json");
    CHECK(w.task_count() == 2);
    CHECK(write_workflow(w) == write_workflow(read_wfcommons(text, "i.json").workflow));
  }
}

TEST_CASE("read_any_workflow recognises public WfCommons instances", "[wfcommons]") {
  const std::string data = test::shared_data_dir();
  if (data.empty()) DAGPLAN_SKIP_TEST("../shared/data is absent: no public WfCommons instances");
  for (const char* name : {"/wfcommons/blast-chameleon-small-001.json",
                           "/wfcommons/v1.4/montage-chameleon-2mass-005d-001.json"}) {
    const std::string path = data + name;
    Workflow w = load_workflow(path);
    CHECK(write_workflow(w) == write_workflow(load(path).workflow));
  }
  CHECK(load_workflow(data + "/wfcommons/blast-chameleon-small-001.json").task_count() == 43);
}

TEST_CASE("bad WfCommons instances get one clear error", "[wfcommons]") {
  const std::string ok_files = R"({"id": "f", "sizeInBytes": 1})";
  SECTION("malformed JSON") {
    REQUIRE_INPUT_ERROR(read_wfcommons(R"({"schemaVersion": "1.5", "workflow": {)", "bad.json"),
                        "bad.json", "invalid JSON");
    REQUIRE_INPUT_ERROR(read_wfcommons("[1, 2]", "bad.json"), "bad.json", "$",
                        "expected a WfCommons instance (an object), got an array");
  }
  SECTION("schemaVersion") {
    REQUIRE_INPUT_ERROR(
        read_wfcommons(R"({"schemaVersion": "1.3", "workflow": {"tasks": []}})", "v.json"),
        "v.json", "$.schemaVersion", "unsupported WfFormat schemaVersion '1.3'",
        "supported: 1.4, 1.5");
    REQUIRE_INPUT_ERROR(read_wfcommons(R"({"schemaVersion": 1.5, "workflow": {}})", "v.json"),
                        "v.json", "$.schemaVersion", "expected a schemaVersion string");
    REQUIRE_INPUT_ERROR(read_wfcommons(R"({"workflow": {"tasks": []}})", "v.json"), "v.json",
                        "$: missing member 'schemaVersion'", "\"1.4\" or \"1.5\"");
  }
  SECTION("layout does not match the version") {
    REQUIRE_INPUT_ERROR(
        read_wfcommons(R"({"schemaVersion": "1.5", "workflow": {"tasks": [{"name": "a"}]}})",
                       "l.json"),
        "l.json", "$.workflow.tasks", "expected workflow.specification.tasks");
    REQUIRE_INPUT_ERROR(
        read_wfcommons(
            R"({"schemaVersion": "1.4", "workflow": {"specification": {"tasks": [{"id": "a"}]}}})",
            "l.json"),
        "l.json", "$.workflow.specification", "expected workflow.tasks");
  }
  SECTION("missing members") {
    REQUIRE_INPUT_ERROR(read_wfcommons(R"({"schemaVersion": "1.5"})", "m.json"), "m.json",
                        "$: missing member 'workflow'");
    REQUIRE_INPUT_ERROR(read_wfcommons(R"({"schemaVersion": "1.5", "workflow": {}})", "m.json"),
                        "m.json", "$.workflow: missing member 'specification'");
    REQUIRE_INPUT_ERROR(read_wfcommons(R"({"schemaVersion": "1.4", "workflow": {}})", "m.json"),
                        "m.json", "$.workflow: missing member 'tasks'");
    REQUIRE_INPUT_ERROR(
        read_wfcommons(R"({"schemaVersion": "1.5", "workflow": {"specification": {}}})", "m.json"),
        "m.json", "$.workflow.specification: missing member 'tasks'");
    REQUIRE_INPUT_ERROR(read_wfcommons(v15(R"({"id": "a"}, {"parents": ["a"]})"), "m.json"),
                        "m.json", "$.workflow.specification.tasks[1]: missing member 'id'");
    REQUIRE_INPUT_ERROR(read_wfcommons(v14(R"({"id": "ID01", "runtimeInSeconds": 1})"), "m.json"),
                        "m.json", "$.workflow.tasks[0]: missing member 'name'");
    REQUIRE_INPUT_ERROR(
        read_wfcommons(v15(R"({"id": "a"})", "", R"({"runtimeInSeconds": 1})"), "m.json"), "m.json",
        "$.workflow.execution.tasks[0]: missing member 'id'");
    REQUIRE_INPUT_ERROR(read_wfcommons(v15(R"({"id": "a"})", R"({"id": "f"})"), "m.json"), "m.json",
                        "$.workflow.specification.files[0]: missing member 'sizeInBytes'");
    REQUIRE_INPUT_ERROR(
        read_wfcommons(v14(R"({"name": "a", "files": [{"name": "f", "sizeInBytes": 1}]})"),
                       "m.json"),
        "m.json", "$.workflow.tasks[0].files[0]: missing member 'link'");
    REQUIRE_INPUT_ERROR(read_wfcommons(v15(""), "m.json"), "m.json",
                        "$.workflow.specification.tasks", "expected at least one task");
  }
  SECTION("wrong types") {
    REQUIRE_INPUT_ERROR(read_wfcommons(v15(R"({"id": 7})"), "t.json"), "t.json",
                        "$.workflow.specification.tasks[0].id", "expected a task id string, got 7");
    REQUIRE_INPUT_ERROR(read_wfcommons(v15(R"({"id": ""})"), "t.json"), "t.json",
                        "$.workflow.specification.tasks[0].id", "expected a non-empty task id");
    REQUIRE_INPUT_ERROR(read_wfcommons(v15(R"({"id": "a", "parents": "b"})"), "t.json"), "t.json",
                        "$.workflow.specification.tasks[0].parents",
                        "expected an array, got the string \"b\"");
    REQUIRE_INPUT_ERROR(read_wfcommons(v15(R"({"id": "a"})", "", R"({"id": "a",
                                           "runtimeInSeconds": "3"})"),
                                       "t.json"),
                        "t.json", "$.workflow.execution.tasks[0].runtimeInSeconds",
                        "expected a number");
    REQUIRE_INPUT_ERROR(read_wfcommons(v14(R"({"name": "a", "files": [{"link": "both", "name": "f",
                              "sizeInBytes": 1}]})"),
                                       "t.json"),
                        "t.json", "$.workflow.tasks[0].files[0].link",
                        "expected \"input\" or \"output\"");
    REQUIRE_INPUT_ERROR(
        read_wfcommons(v15(R"({"id": "a"})", "", "", R"({"nodeName": "n", "cpu": {"coreCount":
                           1.5}})"),
                       "t.json"),
        "t.json", "$.workflow.execution.machines[0].cpu.coreCount", "expected an integer");
  }
  SECTION("duplicate ids") {
    REQUIRE_INPUT_ERROR(read_wfcommons(v15(R"({"id": "a"}, {"id": "a"})"), "d.json"), "d.json",
                        "$.workflow.specification.tasks[1].id",
                        "expected a unique task id, got 'a' again");
    REQUIRE_INPUT_ERROR(read_wfcommons(v15(R"({"id": "a"})", ok_files + "," + ok_files), "d.json"),
                        "d.json", "$.workflow.specification.files[1].id",
                        "expected a unique file id, got 'f' again");
    REQUIRE_INPUT_ERROR(
        read_wfcommons(
            v15(R"({"id": "a"})", "",
                R"({"id": "a", "runtimeInSeconds": 1}, {"id": "a", "runtimeInSeconds": 2})"),
            "d.json"),
        "d.json", "$.workflow.execution.tasks[1].id", "expected one execution record per task");
  }
  SECTION("unknown task ids in parents and children") {
    REQUIRE_INPUT_ERROR(
        read_wfcommons(v15(R"({"id": "a"}, {"id": "b", "parents": ["a", "zz"]})"), "u.json"),
        "u.json", "$.workflow.specification.tasks[1].parents[1]",
        "expected the id of a task in $.workflow.specification.tasks", "unknown task 'zz'");
    REQUIRE_INPUT_ERROR(read_wfcommons(v14(R"({"name": "a", "children": ["b"]})"), "u.json"),
                        "u.json", "$.workflow.tasks[0].children[0]", "unknown task 'b'");
    REQUIRE_INPUT_ERROR(read_wfcommons(v15(R"({"id": "a"})", "", R"({"id": "q"})"), "u.json"),
                        "u.json", "$.workflow.execution.tasks[0].id", "unknown task 'q'");
  }
  SECTION("unknown file ids") {
    REQUIRE_INPUT_ERROR(
        read_wfcommons(v15(R"({"id": "a", "inputFiles": ["f", "g"]})", ok_files), "f.json"),
        "f.json", "$.workflow.specification.tasks[0].inputFiles[1]",
        "expected the id of a file in $.workflow.specification.files", "unknown file 'g'");
    REQUIRE_INPUT_ERROR(
        read_wfcommons(v15(R"({"id": "a"}, {"id": "b", "outputFiles": ["h"]})"), "f.json"),
        "f.json", "$.workflow.specification.tasks[1].outputFiles[0]", "unknown file 'h'");
  }
  SECTION("unknown machines") {
    REQUIRE_INPUT_ERROR(
        read_wfcommons(v15(R"({"id": "a"})", "", R"({"id": "a", "machines": ["m9"]})",
                           R"({"nodeName": "m1"})"),
                       "k.json"),
        "k.json", "$.workflow.execution.tasks[0].machines[0]",
        "expected the nodeName of a machine in $.workflow.execution.machines", "'m9'");
    REQUIRE_INPUT_ERROR(read_wfcommons(v14(R"({"name": "a", "machine": "m9"})"), "k.json"),
                        "k.json", "$.workflow.tasks[0].machine", "unknown machine 'm9'");
  }
  SECTION("negative sizes and runtimes") {
    REQUIRE_INPUT_ERROR(
        read_wfcommons(v15(R"({"id": "a"})", R"({"id": "f", "sizeInBytes": -4})"), "n.json"),
        "n.json", "$.workflow.specification.files[0].sizeInBytes",
        "expected a non-negative integer, got -4");
    REQUIRE_INPUT_ERROR(
        read_wfcommons(v14(R"({"name": "a", "files": [{"link": "output", "name": "f",
                              "sizeInBytes": -1}]})"),
                       "n.json"),
        "n.json", "$.workflow.tasks[0].files[0].sizeInBytes", "expected a non-negative integer");
    REQUIRE_INPUT_ERROR(
        read_wfcommons(v15(R"({"id": "a"})", "", R"({"id": "a", "runtimeInSeconds": -0.5})"),
                       "n.json"),
        "n.json", "$.workflow.execution.tasks[0].runtimeInSeconds", "expected a number >= 0");
    REQUIRE_INPUT_ERROR(read_wfcommons(v14(R"({"name": "a", "runtimeInSeconds": -2})"), "n.json"),
                        "n.json", "$.workflow.tasks[0].runtimeInSeconds", "expected a number >= 0");
    REQUIRE_INPUT_ERROR(read_wfcommons(R"({"schemaVersion": "1.5", "workflow": {"specification":
                                           {"tasks": [{"id": "a"}]}, "execution":
                                           {"makespanInSeconds": -1}}})",
                                       "n.json"),
                        "n.json", "$.workflow.execution.makespanInSeconds",
                        "expected a number >= 0");
  }
  SECTION("self-loops") {
    REQUIRE_INPUT_ERROR(
        read_wfcommons(v15(R"({"id": "a"}, {"id": "b", "children": ["b"]})"), "s.json"), "s.json",
        "$.workflow.specification.tasks[1].children[0]",
        "self-loop: task 'b' lists itself as a child");
    REQUIRE_INPUT_ERROR(read_wfcommons(v14(R"({"name": "a", "parents": ["a"]})"), "s.json"),
                        "s.json", "$.workflow.tasks[0].parents[0]", "self-loop");
  }
  SECTION("cycles") {
    REQUIRE_INPUT_ERROR(
        read_wfcommons(v15(R"({"id": "a", "parents": ["c"]}, {"id": "b", "parents": ["a"]},
                              {"id": "c", "parents": ["b"]})"),
                       "c.json"),
        "c.json", "$.workflow.specification.tasks: ", "the workflow has a cycle",
        "a -> b -> c -> a");
    REQUIRE_INPUT_ERROR(
        read_wfcommons(v14(R"({"name": "a", "children": ["b"]}, {"name": "b", "children": ["a"]})"),
                       "c.json"),
        "c.json", "$.workflow.tasks: ", "the workflow has a cycle");
  }
  SECTION("both layouts at once") {
    REQUIRE_INPUT_ERROR(
        read_wfcommons(R"({"schemaVersion": "1.5", "workflow": {"specification": {"tasks": []},
                           "tasks": []}})",
                       "b.json"),
        "b.json", "$.workflow.tasks", "not both");
  }
}
