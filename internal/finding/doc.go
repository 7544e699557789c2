// Package finding is the one result model every renderer reads: Finding,
// Severity, Status, Subject, Evidence, Fix, Target and the versioned Result
// document of docs/contract.md.
//
// It must not import anything from this module.
package finding
