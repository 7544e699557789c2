package check

import (
	"time"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// Scope says which targets a check runs on.
type Scope uint8

const (
	// ScopePod runs the check on pods (admitted objects, with runtime state).
	ScopePod Scope = 1 << iota
	// ScopeTemplate runs it on the pod templates of top-level workloads.
	ScopeTemplate
	// ScopeServiceAccount runs it on annotated ServiceAccounts that nothing
	// in the input uses (the SA-level and IAM-side checks).
	ScopeServiceAccount
	// ScopeAssociation runs it on EKS Pod Identity associations whose
	// ServiceAccount the input does not hold (IRSA402: the association
	// names a namespace or ServiceAccount that does not exist).
	ScopeAssociation
)

// ScopeWorkloads is pods and templates.
const ScopeWorkloads = ScopePod | ScopeTemplate

// Check is one diagnosis, with a stable ID that never changes meaning.
type Check struct {
	ID, Slug, Title string
	Severity        finding.Severity
	// Link is the chain link the check speaks for (finding.Link*).
	Link  string
	Scope Scope
	// Needs lists facts the check cannot run without: when the snapshot has
	// none of one, every outcome becomes skipped with the reason.
	Needs []snapshot.Kind
	// After lists the checks whose failure for the same target blocks this
	// one (the cascade of CONTRACT.md): every outcome becomes
	// "blocked by IRSAnnn".
	After []string
	// Sees lists checks whose outcomes for the same target this one reads
	// (Recorder.Prior): it runs after them, but their failure does not
	// block it.
	Sees []string
	// IRSA reports that the check is about IRSA only, so targets that use
	// EKS Pod Identity get no finding from it.
	IRSA bool
	// Secondary marks a check whose facts bundles rarely carry (a TLS
	// chain, the discovery document, a token): its skip leaves the link
	// "pass" when another check of the link passed, instead of "unknown".
	Secondary bool
	// Doc says why the failure breaks IRSA; Fix how to repair it (Markdown).
	Doc, Fix string
	// Run judges one target and records exactly one outcome (fail, pass or
	// skip) per subject it applies to; it records nothing for a target it
	// does not apply to. It must not perform I/O.
	Run func(c *Context, t *Target, r *Recorder)
}

// Context is what every check may read besides its target.
type Context struct {
	Snap *snapshot.Snapshot
	// Now is the injected clock (token ages).
	Now time.Time
	// Targets are all targets of the run (for checks that look across them).
	Targets []*Target
	// Index helps checks find related objects.
	Index *Index

	memo memo
}
