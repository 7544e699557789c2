package check

import (
	"fmt"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// iamSideAfter is the cascade every IAM-side check starts from: the
// ServiceAccount must exist and name a valid role (CONTRACT.md "Cascades":
// 101 before 102-112; 102/103 before the IAM side for that SA).
var iamSideAfter = []string{"IRSA101", "IRSA102", "IRSA103"}

func afterIAM(ids ...string) []string { return append(append([]string(nil), iamSideAfter...), ids...) }

var irsa201 = &Check{
	ID:       "IRSA201",
	Slug:     "role-not-found",
	Title:    "The IAM role named by eks.amazonaws.com/role-arn does not exist",
	Severity: finding.SeverityError,
	Link:     finding.LinkIAMRole,
	Scope:    ScopeWorkloads | ScopeServiceAccount,
	After:    afterIAM(),
	IRSA:     true,
	Doc: `The webhook injects the annotation's ARN as ` + "`AWS_ROLE_ARN`" + ` whether or not the role exists. When it
does not (a typo in the name, a role deleted or re-created under another name, the wrong account, a
name whose letter case differs: STS matches role names case-sensitively), every call fails with
` + "`AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity`" + `, which STS also returns for
a trust policy that does not match, so the error alone does not tell the two apart.

The role counts as missing only when the input proves it: the ` + "`NoSuchEntity`" + ` error that
` + "`aws iam get-role`" + ` prints, or a complete ` + "`aws iam list-roles`" + ` of the role's account without it. A role
that is simply not in the input is skipped with the command that captures it. A role ARN of another
partition than the cluster's (` + "`arn:aws:`" + ` for a cluster in ` + "`cn-north-1`" + `) can never be assumed there.`,
	Fix: `Either point the annotation at the role that exists:

    kubectl annotate serviceaccount SA -n NAMESPACE --overwrite eks.amazonaws.com/role-arn=arn:aws:iam::ACCOUNT_ID:role/ROLE_NAME

and re-create the pods (the webhook injects the ARN at pod creation only), or create the role with a
trust policy for this service account (` + "`aws iam create-role --role-name ROLE_NAME --assume-role-policy-document file://ROLE_NAME.trust-policy.json`" + `)
and attach its permission policies.`,
	Run: runIRSA201,
}

func runIRSA201(c *Context, t *Target, r *Recorder) {
	ref, ok := iamTargetRole(t, r)
	if !ok {
		return
	}
	subj := ref.Subject()
	issuer, _, _ := c.ClusterIssuer()
	if p := issuer.Partition(); p != "" && p != ref.ARN.Partition {
		right := arn.RoleARN(p, ref.ARN.Account, ref.ARN.Path, ref.ARN.Name)
		where := "region " + issuer.Region
		if issuer.Region == "" {
			where = "its ARN"
		}
		r.Fail(subj, fmt.Sprintf("the role ARN is in partition %s, but the cluster runs in partition %s (%s): STS there never finds a role of another partition", ref.ARN.Partition, p, where),
			ref.Evidence(), issuer.Evidence(),
			Cmd(annotateRoleCmd(t, right)),
			Remedy(fmt.Sprintf("Annotate the ServiceAccount with the role's ARN in partition %s, `%s`, then re-create the pods: the webhook injects the ARN at pod creation only.", p, right)))
		return
	}
	lk := FindRole(c.Snap, ref.ARN)
	if lk.Role != nil {
		msg := fmt.Sprintf("role %s exists in account %s", ref.ARN.Name, ref.ARN.Account)
		if lk.PathNote != "" {
			msg += "; " + lk.PathNote
		}
		r.Pass(subj, msg, Ev(lk.Role.Source, "role "+lk.Role.ARN))
		return
	}
	proof := roleProvenMissing(c.Snap, ref.ARN, lk)
	if proof == "" {
		why, ev := roleAbsentReason(c, ref.ARN)
		r.Skip(subj, why, ev...)
		return
	}
	details := []Detail{ref.Evidence(), roleMissingEvidence(c.Snap, ref.ARN)}
	msg := fmt.Sprintf("role %s does not exist in account %s", ref.ARN.Name, ref.ARN.Account)
	if lk.CaseMiss != nil {
		msg += fmt.Sprintf("; role %s does, but STS matches role names case-sensitively", lk.CaseMiss.Name)
		details = append(details, Ev(lk.CaseMiss.Source, "role "+lk.CaseMiss.ARN),
			Cmd(annotateRoleCmd(t, lk.CaseMiss.ARN)),
			Remedy(fmt.Sprintf("Annotate the ServiceAccount with the existing role's exact ARN, `%s`, then re-create the pods: the webhook injects the ARN at pod creation only.", lk.CaseMiss.ARN)))
		r.Fail(subj, msg, details...)
		return
	}
	details = append(details, createRoleDetails(c, t, ref, issuer)...)
	r.Fail(subj, msg, details...)
}

// roleMissingEvidence is the proof that the role does not exist.
func roleMissingEvidence(s *snapshot.Snapshot, ref arn.Role) Detail {
	if nf, ok, _ := roleNoSuchEntity(s, ref); ok {
		return Ev(nf.Source, nf.Message)
	}
	l, _ := s.ListedInAccount(snapshot.KindRole, ref.Account)
	var names []string
	for _, k := range iamSortedRoleKeys(s) {
		if role := s.Roles[k]; role.Account == ref.Account {
			names = append(names, role.Name)
		}
	}
	shown := names
	if len(shown) > 10 {
		shown = append(shown[:10:10], fmt.Sprintf("and %d more", len(names)-10))
	}
	noun := "roles"
	if len(names) == 1 {
		noun = "role"
	}
	return Ev(l.Source, fmt.Sprintf("list-roles of account %s (%d %s): %s", ref.Account, len(names), noun, strings.Join(shown, ", ")))
}

// annotateRoleCmd sets the target's role annotation.
func annotateRoleCmd(t *Target, roleARN string) string {
	return fmt.Sprintf("kubectl annotate serviceaccount %s -n %s --overwrite %s",
		iamQuoteArg(t.SAName), iamQuoteArg(t.Namespace), iamQuoteArg(webhook.AnnotationRoleARN+"="+roleARN))
}

// createRoleDetails proposes creating the missing role with the trust
// policy EKS documents for the service accounts that name it.
func createRoleDetails(c *Context, t *Target, ref RoleRef, issuer IssuerFact) []Detail {
	if issuer.HostPath == "" {
		return nil
	}
	var asks []TrustAsk
	seen := map[string]bool{}
	for _, other := range c.Targets {
		if other.Mechanism == MechanismPodIdentity {
			continue
		}
		oref, present, err := TargetRole(other)
		if !present || err != nil || oref.ARN.ARN != ref.ARN.ARN {
			continue
		}
		w := NewWebIdentity(other, oref, issuer)
		a := TrustAsk{Provider: w.ProviderARN, HostPath: issuer.HostPath, Sub: w.Subject}
		if w.Audience.Known {
			a.Aud = w.Audience.Value
		}
		if !seen[a.Sub+"\x00"+a.Aud] {
			seen[a.Sub+"\x00"+a.Aud] = true
			asks = append(asks, a)
		}
	}
	content, err := FreshTrustPolicy(sortedAsks(asks))
	if err != nil {
		return nil
	}
	w := NewWebIdentity(t, ref, issuer)
	file := ref.ARN.Name + ".trust-policy.json"
	path := ""
	if ref.ARN.Path != "/" {
		path = " --path " + iamQuoteArg(ref.ARN.Path)
	}
	return []Detail{
		FixFile(file, content),
		Cmd(fmt.Sprintf("aws iam create-role --role-name %s%s --assume-role-policy-document file://%s%s", ref.ARN.Name, path, file, w.ProfileFlag())),
		Remedy(fmt.Sprintf("If the annotation names the wrong role, correct it (`kubectl annotate serviceaccount %s -n %s --overwrite %s=ARN`) and re-create the pods. "+
			"Otherwise create the role with `%s`, which trusts provider `%s` for the service accounts that name the role, and attach the role's permission policies.",
			t.SAName, t.Namespace, webhook.AnnotationRoleARN, file, w.ProviderARN)),
	}
}
