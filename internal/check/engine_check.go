package check

import (
	"github.com/irsa-doctor/irsa-doctor/internal/model"

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
	// Requires lists the checks whose failure blocks this one (the
	// cascade of docs/contract.md#cascades-report-the-root-cause). The engine enforces it per
	// subject: a prerequisite that failed for the target (for its
	// ServiceAccount, its role, or the target itself) blocks every outcome
	// of this check on the target, and the engine records "blocked by
	// IRSAnnn" on Subject without calling Run; one that failed only for a
	// container blocks only that container's outcomes. A prerequisite that
	// passed or was skipped does not block.
	Requires []*Check
	// Sees lists checks whose outcomes for the same target this one reads
	// (Recorder.ResultOf): they run first, but their failure does not
	// block it.
	Sees []*Check
	// Containers, for a check whose outcomes are about containers, names
	// the containers it speaks of on the target: when it is blocked for
	// the whole target, the engine records the skip on each of them. A nil
	// answer means the check speaks of the target itself there (Subject).
	Containers func(c *model.Context, t *model.Target) []string
	// Applies reports whether the check concerns the target at all,
	// beyond Scope and IRSA (a pod with no token to read, a workload no
	// probe ran for): a check that does not apply emits nothing, blocked
	// or not. nil means it applies to every target of its scope.
	Applies func(c *model.Context, t *model.Target) bool
	// Subject is what the check speaks of on a target, for the outcome
	// the engine records when the check is blocked or the input lacks what
	// it Needs; nil means the target itself.
	Subject func(c *model.Context, t *model.Target) finding.Subject
	// IRSA reports that the check is about IRSA only, so targets that use
	// EKS Pod Identity get no finding from it.
	IRSA bool
	// Secondary marks a check whose facts bundles rarely carry (a TLS
	// chain, the discovery document, a token): its skip leaves the link
	// "pass" when another check of the link passed, instead of "unknown".
	Secondary bool
	// Doc says why the failure breaks IRSA; Fix how to repair it
	// (Markdown). The registry reads both from docs/checks/IRSAnnn.md.
	Doc, Fix string
	// Run judges one target and records exactly one outcome (fail, pass or
	// skip) per subject it applies to; it records nothing for a target it
	// does not apply to. It must not perform I/O.
	Run func(c *model.Context, t *model.Target, r *Recorder)
}
