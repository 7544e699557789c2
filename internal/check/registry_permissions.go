package check

import (
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/model"
)

// permissionCheck is one of IRSA601-603: the same questions of the same
// containers, each check failing for its own kind of refusal. No question
// is judged on a role that is not named validly or does not exist.
func permissionCheck(id, slug, title string) *Check {
	return &Check{
		ID:         id,
		Slug:       slug,
		Title:      title,
		Severity:   finding.SeverityError,
		Link:       finding.LinkIAMRole,
		Scope:      ScopeWorkloads,
		Requires:   []*Check{irsa101, irsa103, irsa201, irsa410},
		Applies:    model.HasPermissionQuestions,
		Containers: model.PermissionContainers,
		Run: func(c *model.Context, t *model.Target, r *Recorder) {
			r.Record(model.JudgePermissions(c, t, id))
		},
	}
}
