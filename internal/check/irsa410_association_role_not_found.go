package check

import (
	"fmt"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
)

var irsa410 = &Check{
	ID:       "IRSA410",
	Slug:     "association-role-not-found",
	Title:    "The IAM role of an EKS Pod Identity association does not exist",
	Severity: finding.SeverityError,
	Link:     finding.LinkIAMRole,
	Scope:    ScopeWorkloads | ScopeServiceAccount | ScopeAssociation,
	Subject:  model.AssociationSubjectOf,
	Run:      runIRSA410,
}

func runIRSA410(c *model.Context, t *model.Target, r *Recorder) {
	a := model.TargetAssociation(c, t)
	if a == nil {
		return
	}
	subj := model.AssociationSubject(a)
	ref, why, details := model.AssociationRole(a)
	if why != "" {
		r.Skip(subj, why, details...)
		return
	}
	lk := model.FindRole(c.Snap, ref)
	if lk.Role != nil {
		msg := fmt.Sprintf("role %s of the association exists in account %s", ref.Name, ref.Account)
		if lk.PathNote != "" {
			msg += "; " + lk.PathNote
		}
		r.PassFunc(subj, func() (string, []model.Detail) {
			return msg, []model.Detail{model.AssociationEvidence(a), model.Ev(lk.Role.Source, "role "+lk.Role.ARN)}
		})
		return
	}
	proof := model.RoleProvenMissing(c.Snap, ref, lk)
	if proof == "" {
		why, ev := model.RoleAbsentReason(c, ref)
		r.Skip(subj, why, append([]model.Detail{model.AssociationEvidence(a)}, ev...)...)
		return
	}
	details = []model.Detail{model.AssociationEvidence(a), model.RoleMissingEvidence(c.Snap, ref)}
	msg := fmt.Sprintf("role %s of the association does not exist in account %s", ref.Name, ref.Account)
	id, off := model.AssociationIDWord(a)
	update := func(role model.Word) model.Argv {
		cmd, _ := model.AssociationCommand(a, model.Lit("aws"), model.Lit("eks"), model.Lit("update-pod-identity-association"), model.Lit("--association-id"), id, model.Lit("--role-arn"), role)
		return cmd
	}
	if lk.CaseMiss != nil {
		msg += fmt.Sprintf("; role %s does, but IAM matches role names case-sensitively", lk.CaseMiss.Name)
		cmd := update(model.ARN(lk.CaseMiss.ARN))
		details = append(details, model.Ev(lk.CaseMiss.Source, "role "+lk.CaseMiss.ARN), model.RunOrAlt(off, cmd),
			model.Remedy(fmt.Sprintf("Point the association at the existing role's exact ARN, %s:\n\n%s", finding.MarkdownCode(lk.CaseMiss.ARN), model.Lines(cmd))))
		r.Fail(subj, msg, details...)
		return
	}
	file := ref.Name + ".trust-policy.json"
	words := []model.Word{model.Lit("aws"), model.Lit("iam"), model.Lit("create-role"), model.Lit("--role-name"), model.RoleName(ref.Name)}
	if ref.Path != "/" {
		words = append(words, model.Lit("--path"), model.Value("role path", ref.Path))
	}
	create := model.Command(append(words, model.Lit("--assume-role-policy-document"), model.FileURL(file))...)
	details = append(details, model.FixFile(file, policy.PodIdentityTrustPolicy()), model.Run(create),
		model.Remedy(fmt.Sprintf("If the association names the wrong role, point it at the right one (`%s`). Otherwise create the role with `%s`, the trust policy EKS Pod Identity needs, and attach its permission policies:\n\n%s",
			update(model.Lit("ROLE_ARN")).Line(), file, model.Lines(create))))
	r.Fail(subj, msg, details...)
}
