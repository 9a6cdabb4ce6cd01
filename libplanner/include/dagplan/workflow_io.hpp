#pragma once
/// \file
/// Reading and writing workflows: the `dagplan-workflow/1` format and, transparently, WfCommons
/// instances (WfFormat 1.4 and 1.5). See docs/formats.md.

#include <string>
#include <string_view>

#include "dagplan/workflow.hpp"

namespace dagplan {

/// What a JSON document is, judged by its `format` member (or WfCommons' `schemaVersion`).
enum class DocumentKind { kWorkflow, kPlatform, kPlan, kProfile, kTrace, kWfCommons, kUnknown };

/// Classifies a document from its top-level members without reading it whole when `format`
/// comes first. Throws InputError on malformed JSON.
DocumentKind detect_document(std::string_view text, const std::string& file);
/// "workflow", "platform", ... for messages.
std::string_view document_kind_name(DocumentKind kind);

/// Reads a `dagplan-workflow/1` document. Throws InputError naming `file` and the JSON path.
/// One pass, no DOM: about 1 s per 10^6 tasks with 4 dependencies each.
Workflow read_workflow(std::string_view text, const std::string& file);

/// Reads a workflow in either format (dagplan or WfCommons), chosen by detect_document().
Workflow read_any_workflow(std::string_view text, const std::string& file);

/// Reads a file (or "-" for standard input) and then read_any_workflow().
Workflow load_workflow(const std::string& path);

/// Serialises as `dagplan-workflow/1`, one task per line. Tasks in id order.
std::string write_workflow(const Workflow& workflow);

}  // namespace dagplan
