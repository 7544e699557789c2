package check

import (
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/model"
)

var irsa603 = &Check{
	ID:         "IRSA603",
	Slug:       "boundary-blocks-permission",
	Title:      "The role's permissions boundary blocks what its policies allow",
	Severity:   finding.SeverityError,
	Link:       finding.LinkIAMRole,
	Scope:      ScopeWorkloads,
	Requires:   []*Check{irsa101, irsa103, irsa201, irsa410},
	Applies:    model.HasPermissionQuestions,
	Containers: model.PermissionContainers,
	Run: func(c *model.Context, t *model.Target, r *Recorder) {
		r.Record(model.JudgePermissions(c, t, model.CheckBoundaryBlocksIt))
	},
}
