package check

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

var irsa103 = &Check{
	ID:       "IRSA103",
	Slug:     "role-arn-malformed",
	Title:    "The eks.amazonaws.com/role-arn annotation is not a valid IAM role ARN",
	Severity: finding.SeverityError,
	Link:     finding.LinkServiceAccount,
	Scope:    ScopeWorkloads | ScopeServiceAccount,
	Requires: []*Check{irsa101, irsa102},
	IRSA:     true,
	Subject:  model.SASubjectOf,
	Run:      runIRSA103,
}

func runIRSA103(c *model.Context, t *model.Target, r *Recorder) {
	subj := t.SASubject()
	if t.SA == nil {
		r.Skip(subj, model.SaAbsentReason(c, t))
		return
	}
	key := webhook.AnnotationRoleARN
	v, ok := model.RoleAnnotation(t.SA)
	if !ok {
		// Nothing to validate; IRSA102 judges the missing annotation.
		return
	}
	ev := model.EvLazy(&t.SA.Source, func() string {
		return fmt.Sprintf("ServiceAccount %s/%s: %s: %s", t.Namespace, t.SAName, key, strconv.Quote(v))
	})
	getRole := "aws iam get-role --role-name ROLE_NAME --query Role.Arn --output text"
	if v == "" {
		hint := model.RoleARNHint(c)
		r.Fail(subj, fmt.Sprintf("%s is empty: the webhook mutates pods only when the value is non-empty, so pods of this ServiceAccount get no role", key),
			ev, model.Alt("replace the placeholders with the role's ARN", model.SaAnnotateCmd(t.Namespace, t.SAName, key, &hint, true)),
			model.Remedy(fmt.Sprintf("Put the role's ARN in the annotation (%s prints it), then re-create the pods.", finding.MarkdownCode(getRole))))
		return
	}
	role, err := arn.ParseRole(v)
	if err == nil {
		where := ""
		if role.Path != "/" {
			where = ", path " + role.Path
		}
		r.PassFunc(subj, func() (string, []model.Detail) {
			return fmt.Sprintf("%s %q is a valid IAM role ARN (partition %s, account %s, role %s%s)", key, v, role.Partition, role.Account, role.Name, where), []model.Detail{ev}
		})
		return
	}
	var e *arn.Error
	if !errors.As(err, &e) {
		r.Fail(subj, fmt.Sprintf("%s %s is not a valid IAM role ARN: %v", key, strconv.Quote(v), err), ev)
		return
	}
	msg := fmt.Sprintf("%s %s is not a valid IAM role ARN: %s", key, strconv.Quote(v), e.Reason)
	details := []model.Detail{ev}
	if bare, _ := arn.ParseRole(arn.RoleARN("aws", "111122223333", "/", v)); bare.Name == v {
		// The webhook composes arn:PARTITION:iam::ACCOUNT:role/NAME from a
		// bare name only when run with --compose-role-arn (docs/reference/README.md
		// §1.1; webhook PR #169), which the EKS-managed webhook is not
		// known to be: a warning, not an error.
		msg += "; only a webhook run with --compose-role-arn completes a bare name (with the node's account), otherwise it is injected as is and STS rejects it"
		details = append(details, model.WithSeverity(finding.SeverityWarning))
		if partition, account, ok := model.ClusterAccount(c); ok {
			full := arn.RoleARN(partition, account, "/", v)
			cmd := model.SaAnnotateCmd(t.Namespace, t.SAName, key, &full, true)
			details = append(details, model.Run(cmd, model.RestartAfter(c, t)), model.Remedy(fmt.Sprintf(
				"Write the full ARN. If the role is in the cluster's account (%s) and has no path:\n\n%s\n\nthen re-create the pods.", account, model.Lines(cmd))))
		}
		r.Fail(subj, msg, details...)
		return
	}
	msg += "; the webhook injects it as AWS_ROLE_ARN anyway (it only logs \"arn is invalid\"), and AssumeRoleWithWebIdentity fails (typically \"ValidationError: Request ARN is invalid\")"
	if e.Suggestion != "" {
		cmd := model.SaAnnotateCmd(t.Namespace, t.SAName, key, &e.Suggestion, true)
		remedy := fmt.Sprintf("Overwrite the annotation with the corrected value %q:\n\n%s\n\nPods created with the bad value keep it: re-create them", e.Suggestion, model.Lines(cmd))
		restart := model.Argv{}
		if kind, name := model.TemplateWorkload(c, t); model.RolloutRestart(kind, name, t.Namespace).OK() {
			restart = model.RolloutRestart(kind, name, t.Namespace)
			remedy += " (" + finding.MarkdownCode(restart.Line()) + ")"
		}
		details = append(details, model.Run(cmd, restart), model.Remedy(remedy+"."))
	} else {
		// An assumed-role session ARN names the role: look that one up.
		if a, err := arn.Parse(strings.TrimSpace(v)); err == nil && a.Service == "sts" && strings.HasPrefix(a.Resource, "assumed-role/") {
			name, _, _ := strings.Cut(strings.TrimPrefix(a.Resource, "assumed-role/"), "/")
			getRole = finding.Line([]string{"aws", "iam", "get-role", "--role-name", name, "--query", "Role.Arn", "--output", "text"})
		}
		hint := model.RoleARNHint(c)
		details = append(details, model.Remedy(fmt.Sprintf("Find the role's ARN (%s) and overwrite the annotation:\n\n%s\n\nthen re-create the pods.",
			finding.MarkdownCode(getRole), model.Lines(model.SaAnnotateCmd(t.Namespace, t.SAName, key, &hint, true)))))
	}
	r.Fail(subj, msg, details...)
}
