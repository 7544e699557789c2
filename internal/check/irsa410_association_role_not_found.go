package check

import (
	"fmt"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
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

// podIdentityTrustPolicy is the trust policy EKS documents for a Pod
// Identity role (EKS User Guide, "Create IAM role with trust policy
// required by EKS Pod Identity"; docs/reference/pod-identity.md).
const podIdentityTrustPolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "AllowEksAuthToAssumeRoleForPodIdentity",
      "Effect": "Allow",
      "Principal": {
        "Service": "pods.eks.amazonaws.com"
      },
      "Action": [
        "sts:AssumeRole",
        "sts:TagSession"
      ]
    }
  ]
}
`

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
		r.Pass(subj, msg, model.AssociationEvidence(a), model.Ev(lk.Role.Source, "role "+lk.Role.ARN))
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
	update := func(roleARN string) string {
		return fmt.Sprintf("aws eks update-pod-identity-association --cluster-name %s --association-id %s --role-arn %s%s",
			model.IamQuoteArg(a.ClusterName), model.IamQuoteArg(model.OrPlaceholder(a.ID, "ASSOCIATION_ID")), model.IamQuoteArg(roleARN), model.RegionFlag(a))
	}
	if lk.CaseMiss != nil {
		msg += fmt.Sprintf("; role %s does, but IAM matches role names case-sensitively", lk.CaseMiss.Name)
		cmd := update(lk.CaseMiss.ARN)
		details = append(details, model.Ev(lk.CaseMiss.Source, "role "+lk.CaseMiss.ARN), model.Cmd(cmd),
			model.Remedy(fmt.Sprintf("Point the association at the existing role's exact ARN, `%s`:\n\n    %s", lk.CaseMiss.ARN, cmd)))
		r.Fail(subj, msg, details...)
		return
	}
	file := ref.Name + ".trust-policy.json"
	path := ""
	if ref.Path != "/" {
		path = " --path " + model.IamQuoteArg(ref.Path)
	}
	create := fmt.Sprintf("aws iam create-role --role-name %s%s --assume-role-policy-document file://%s", ref.Name, path, file)
	details = append(details, model.FixFile(file, podIdentityTrustPolicy), model.Cmd(create),
		model.Remedy(fmt.Sprintf("If the association names the wrong role, point it at the right one (`%s`). Otherwise create the role with `%s`, the trust policy EKS Pod Identity needs, and attach its permission policies:\n\n    %s",
			update("ROLE_ARN"), file, create)))
	r.Fail(subj, msg, details...)
}
