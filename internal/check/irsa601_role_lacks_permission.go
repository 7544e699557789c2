package check

import (
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/model"
)

// IRSA601 (issue 13): the judgement of every permission question, shared
// with IRSA602 and IRSA603, is model.JudgePermissions.
var irsa601 = &Check{
	ID:       "IRSA601",
	Slug:     "role-lacks-permission",
	Title:    "The pod's role has no statement that allows the request",
	Severity: finding.SeverityError,
	Link:     finding.LinkIAMRole,
	Scope:    ScopeWorkloads,
	// No question is judged on a role that is not named validly or does
	// not exist.
	Requires:   []*Check{irsa101, irsa103, irsa201, irsa410},
	Applies:    model.HasPermissionQuestions,
	Containers: model.PermissionContainers,
	Run: func(c *model.Context, t *model.Target, r *Recorder) {
		r.Record(model.JudgePermissions(c, t, model.CheckLacksPermission))
	},
}
