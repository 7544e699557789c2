package check

import (
	"fmt"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
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
	Doc: `IAM validates a trust policy when it is written (` + "`MalformedPolicyDocument`" + `): it rejects JSON that does not
parse, unknown elements and condition operators (` + "`Invalid Condition type`" + `), actions without a service
prefix, partial wildcards in principals, and, in a trust policy, ` + "`Resource`" + ` and ` + "`NotPrincipal`" + `. A role
can therefore never hold such a document: the copy in the input was edited or damaged after it was
captured, and nothing it says about the role can be trusted. The other trust-policy checks are
skipped until it is captured again.`,
	Fix: `Capture the role again, unedited: ` + "`aws iam get-role --role-name ROLE_NAME --output json`" + `. To change the trust
policy, write the document to a file and apply it with
` + "`aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://ROLE_NAME.trust-policy.json`" + `;
IAM reports what it rejects.`,
	Subject: model.RoleSubjectOf,
	Run:     runIRSA209,
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
	recapture := model.Cmd(model.GetRoleCmd(ref.ARN) + iamProfileFor(c, ref))
	doc, err := c.TrustDocument(role.TrustPolicy)
	if err != nil {
		r.Fail(subj, fmt.Sprintf("trust policy of role %s is not a document IAM accepts (%v); IAM rejects such a document when it is written, so this copy was edited after it was captured", ref.ARN.Name, err),
			model.Ev(role.Source, model.TrustPolicyLabel(role, bare)+": "+strings.Join(strings.Fields(role.TrustPolicy), " ")), recapture)
		return
	}
	if probs := doc.TrustPolicyProblems(); len(probs) > 0 {
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
	r.Pass(subj, fmt.Sprintf("trust policy of role %s is a valid IAM trust policy (%d %s)", ref.ARN.Name, n, noun))
}

// iamProfileFor is the --profile placeholder for IAM calls in the role's
// account when that is not the cluster's.
func iamProfileFor(c *model.Context, ref model.RoleRef) string {
	issuer, _, _ := c.ClusterIssuer()
	if acct := issuer.Account(); acct != "" && acct != ref.ARN.Account {
		return " --profile PROFILE_OF_" + ref.ARN.Account
	}
	return ""
}
