package check

import (
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/model"
)

// IRSA605 (issue 13): the live cross-check of IRSA601-603, with IAM's
// policy simulator (scan --simulate); model.JudgeSimulations.
var irsa605 = &Check{
	ID:       "IRSA605",
	Slug:     "simulation-contradicts-model",
	Title:    "IAM's policy simulator contradicts irsa-doctor's evaluation of the role's policies",
	Severity: finding.SeverityWarning,
	Link:     finding.LinkIAMRole,
	// Opt-in: its skip (no --simulate) does not make the link unknown.
	Secondary:  true,
	Scope:      ScopeWorkloads,
	Requires:   []*Check{irsa101, irsa103, irsa201, irsa410},
	Applies:    model.HasPermissionQuestions,
	Containers: model.PermissionContainers,
	Run: func(c *model.Context, t *model.Target, r *Recorder) {
		r.Record(model.JudgeSimulations(c, t))
	},
}
