package model

import (
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// Detail adds evidence, a fix or an override to a finding being recorded.
type Detail func(*finding.Finding)

// Ev is one compared fact and where it came from.
func Ev(src snapshot.Source, value string) Detail {
	return func(f *finding.Finding) {
		f.Evidence = append(f.Evidence, finding.Evidence{Source: src.Kind, Ref: src.Ref, Value: value})
	}
}

// EvLazy is Ev whose value is built when the finding is: not at all for
// a pass that is not shown, which is most of them. src is read then too:
// the address of a source that does not change (a target's, an object's
// of the snapshot), so that the closure holds a pointer, not a copy.
func EvLazy(src *snapshot.Source, value func() string) Detail {
	return func(f *finding.Finding) {
		f.Evidence = append(f.Evidence, finding.Evidence{Source: src.Kind, Ref: src.Ref, Value: value()})
	}
}

// FixFile adds a file to write (a corrected policy, a manifest patch).
func FixFile(name, content string) Detail {
	return func(f *finding.Finding) {
		if f.Fix == nil {
			f.Fix = &finding.Fix{}
		}
		f.Fix.Files = append(f.Fix.Files, finding.File{Name: name, Content: content})
	}
}

// Remedy replaces the check's generic remediation with a specific one.
func Remedy(markdown string) Detail {
	return func(f *finding.Finding) { f.Remediation = markdown }
}

// WithSeverity lets one finding differ from the check's default severity.
func WithSeverity(s finding.Severity) Detail {
	return func(f *finding.Finding) { f.Severity = s }
}
