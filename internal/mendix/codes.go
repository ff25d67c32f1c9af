package mendix

// Diagnostic codes of the importer. Every one is a warning: the import
// went on, and the message says what was left out or changed. They are
// stable and documented in docs/mendix-import.md.
const (
	// CodeNotConverted: documents or parts of documents Rampart does not
	// model (nanoflows, workflows, widgets, microflow bodies, …).
	CodeNotConverted = "RP0801"
	// CodeMissingRef: a reference to something the project does not
	// contain, or to a part of Mendix's System module Rampart lacks; the
	// reference is left out.
	CodeMissingRef = "RP0802"
	// CodeRenamed: a Mendix name that is not a valid Rampart name (or
	// repeats another ignoring case) was changed.
	CodeRenamed = "RP0803"
	// CodePartial: an element converted only in part (a setting Rampart
	// has no equivalent for, an association owned by both ends, …).
	CodePartial = "RP0804"
	// CodeService: a published service, an entry point whose access the
	// analyses do not see.
	CodeService = "RP0805"
)

// CodeSummaries says in a few words what each importer code means.
var CodeSummaries = map[string]string{
	CodeNotConverted: "A part of the Mendix project that Rampart does not model",
	CodeMissingRef:   "A reference to something the project or Rampart does not contain",
	CodeRenamed:      "A Mendix name changed into a valid Rampart name",
	CodePartial:      "A Mendix element converted only in part",
	CodeService:      "A published service whose access is not converted",
}
