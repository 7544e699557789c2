package check

import (
	"fmt"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
)

var irsa209 = &Check{
	ID:       "IRSA209",
	Slug:     "trust-policy-invalid",
	Title:    "The role's trust policy is not a document IAM accepts",
	Severity: finding.SeverityError,
	Link:     finding.LinkIAMRole,
	Scope:    ScopeWorkloads | ScopeServiceAccount,
	Requires: []*Check{irsa101, irsa102, irsa103, irsa201},
	IRSA:     true,
	Subject:  model.RoleSubjectOf,
	Run:      runIRSA209,
}

func runIRSA209(c *model.Context, t *model.Target, r *Recorder) {
	var v model.Verdicts
	ref, ok := model.IamTargetRole(t, &v)
	r.Record(v)
	if !ok {
		return
	}
	subj := ref.Subject()
	role, bare, lk := c.RoleFact(ref.ARN)
	if role == nil {
		why, ev := model.RoleAbsentReason(c, ref.ARN)
		if model.RoleProvenMissing(c.Snap, ref.ARN, lk) != "" {
			why, ev = fmt.Sprintf("role %s does not exist (IRSA201)", ref.ARN.Name), nil
		}
		r.Skip(subj, why, ev...)
		return
	}
	if strings.TrimSpace(role.TrustPolicy) == "" {
		r.Skip(subj, fmt.Sprintf("the input holds role %s without its trust policy (capture: %s)", ref.ARN.Name, model.GetRoleCmd(ref.ARN)))
		return
	}
	doc, err := c.RoleTrustDocument(role)
	if err != nil {
		recapture := recaptureRole(c, ref)
		r.Fail(subj, fmt.Sprintf("trust policy of role %s is not a document IAM accepts (%v); IAM rejects such a document when it is written, so this copy was edited after it was captured", ref.ARN.Name, err),
			model.Ev(role.Source, model.TrustPolicyLabel(role, bare)+": "+strings.Join(strings.Fields(role.TrustPolicy), " ")), recapture)
		return
	}
	// Once per document: the roles' policies are shared by many targets.
	if probs := model.Once(c, trustProblemsKey{doc}, doc.TrustPolicyProblems); len(probs) > 0 {
		recapture := recaptureRole(c, ref)
		var ps []string
		for _, p := range probs {
			ps = append(ps, p.Error())
		}
		r.Fail(subj, fmt.Sprintf("trust policy of role %s is not a trust policy IAM accepts (%s); IAM rejects it when it is written, so this copy was edited after it was captured", ref.ARN.Name, strings.Join(ps, "; ")),
			model.Ev(role.Source, model.TrustPolicyLabel(role, bare)+": "+model.IamCompactPolicy(doc)), recapture)
		return
	}
	n := len(doc.Statements)
	noun := "statements"
	if n == 1 {
		noun = "statement"
	}
	r.PassFunc(subj, func() (string, []model.Detail) {
		return fmt.Sprintf("trust policy of role %s is a valid IAM trust policy (%d %s)", ref.ARN.Name, n, noun), nil
	})
}

type trustProblemsKey struct{ doc *policy.Document }

// iamProfileFor is the --profile placeholder for IAM calls in the role's
// recaptureRole is the get-role command that captures the role again,
// with a placeholder profile of the role's account when it is not the
// cluster's.
func recaptureRole(c *model.Context, ref model.RoleRef) model.Detail {
	words := []model.Word{model.Lit("aws"), model.Lit("iam"), model.Lit("get-role"), model.Lit("--role-name"), model.RoleName(ref.ARN.Name), model.Lit("--output"), model.Lit("json")}
	issuer, _, _ := c.ClusterIssuer()
	if acct := issuer.Account(); acct != "" && acct != ref.ARN.Account {
		return model.Alt(fmt.Sprintf("replace PROFILE_OF_%s with a profile of account %s, the role's", ref.ARN.Account, ref.ARN.Account),
			model.Command(append(words, model.Lit("--profile"), model.Lit("PROFILE_OF_"+ref.ARN.Account))...))
	}
	return model.Run(model.Command(words...))
}
