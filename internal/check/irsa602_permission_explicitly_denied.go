package check

import (
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/model"
)

var irsa602 = &Check{
	ID:         "IRSA602",
	Slug:       "permission-explicitly-denied",
	Title:      "A Deny statement of the pod's role refuses the request",
	Severity:   finding.SeverityError,
	Link:       finding.LinkIAMRole,
	Scope:      ScopeWorkloads,
	Requires:   []*Check{irsa101, irsa103, irsa201, irsa410},
	Applies:    model.HasPermissionQuestions,
	Containers: model.PermissionContainers,
	Run: func(c *model.Context, t *model.Target, r *Recorder) {
		r.Record(model.JudgePermissions(c, t, model.CheckExplicitlyDenied))
	},
}
