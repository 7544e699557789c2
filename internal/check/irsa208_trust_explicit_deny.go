package check

import (
	"fmt"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
)

var irsa208 = &Check{
	ID:       "IRSA208",
	Slug:     "trust-explicit-deny",
	Title:    "A Deny statement of the trust policy matches the pod's request",
	Severity: finding.SeverityError,
	Link:     finding.LinkIAMRole,
	Scope:    ScopeWorkloads | ScopeServiceAccount,
	After:    afterIAM("IRSA201", "IRSA209", "IRSA301", "IRSA202", "IRSA203"),
	IRSA:     true,
	Doc: `In IAM's evaluation an explicit Deny that applies wins over every Allow (IAM User Guide, "Policy
evaluation logic"). A trust policy may carry a Deny to fence off namespaces or audiences; when it
matches this service account's request, STS answers
` + "`AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity`" + ` however right the Allow
statement is. The message names the Deny statement and the Allow it overrides.`,
	Fix: `If the service account is meant to use the role, exempt it from the Deny: the corrected policy in the
fix adds a ` + "`StringNotEquals`" + ` condition on ` + "`ISSUER:sub`" + ` with this subject to the Deny statement, which keeps
denying every other subject it denied. Apply it with
` + "`aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://ROLE_NAME.trust-policy.json`" + `.`,
	Run: runTrust(judgeIRSA208),
}

func judgeIRSA208(c *Context, t *Target, r *Recorder, d *trustDiag) {
	in := d.in
	subj := in.WebIdentity.Role.Subject()
	denies := 0
	for i := range d.res.Statements {
		s := &d.res.Statements[i]
		if s.Statement.Effect != policy.Deny {
			continue
		}
		denies++
		if s.Outcome == policy.Match {
			msg := fmt.Sprintf("trust policy denies sub %q: %s", in.Subject, strings.TrimPrefix(d.res.Explain(), "explicitly denied: "))
			r.Fail(subj, msg, append([]Detail{trustPolicyEvidence(in), in.SubjectEvidence(), in.Audience.Evidence()},
				trustFixDetails(c, in, r)...)...)
			return
		}
	}
	for i := range d.res.Statements {
		if s := &d.res.Statements[i]; s.Statement.Effect == policy.Deny && s.Outcome == policy.Uncertain {
			r.Skip(subj, "whether "+s.Statement.Name()+" denies the request is not known: it "+strings.Join(s.Failures(), "; and "))
			return
		}
	}
	if denies == 0 {
		r.Pass(subj, "trust policy has no Deny statement")
		return
	}
	r.Pass(subj, fmt.Sprintf("no Deny statement of the trust policy applies to sub %q", in.Subject))
}
