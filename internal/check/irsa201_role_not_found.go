package check

import (
	"fmt"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

var irsa201 = &Check{
	ID:       "IRSA201",
	Slug:     "role-not-found",
	Title:    "The IAM role named by eks.amazonaws.com/role-arn does not exist",
	Severity: finding.SeverityError,
	Link:     finding.LinkIAMRole,
	Scope:    ScopeWorkloads | ScopeServiceAccount,
	Requires: []*Check{irsa101, irsa102, irsa103},
	IRSA:     true,
	Subject:  model.RoleSubjectOf,
	Run:      runIRSA201,
}

func runIRSA201(c *model.Context, t *model.Target, r *Recorder) {
	var v model.Verdicts
	ref, ok := model.IamTargetRole(t, &v)
	r.Record(v)
	if !ok {
		return
	}
	subj := ref.Subject()
	issuer, _, _ := c.ClusterIssuer()
	if p := c.ClusterPartition(); p != "" && p != ref.ARN.Partition {
		right := arn.RoleARN(p, ref.ARN.Account, ref.ARN.Path, ref.ARN.Name)
		where := "region " + issuer.Region
		if issuer.Region == "" {
			where = "its ARN"
		}
		r.Fail(subj, fmt.Sprintf("the role ARN is in partition %s, but the cluster runs in partition %s (%s): STS there never finds a role of another partition", ref.ARN.Partition, p, where),
			ref.Evidence(), issuer.Evidence(),
			model.Run(annotateRoleCmd(t, right), model.RestartAfter(c, t)),
			model.Remedy(fmt.Sprintf("Annotate the ServiceAccount with the role's ARN in partition %s, %s, then re-create the pods: the webhook injects the ARN at pod creation only.", p, finding.MarkdownCode(right))))
		return
	}
	lk := model.FindRole(c.Snap, ref.ARN)
	if lk.Role != nil {
		r.PassFunc(subj, func() (string, []model.Detail) {
			msg := fmt.Sprintf("role %s exists in account %s", ref.ARN.Name, ref.ARN.Account)
			if lk.PathNote != "" {
				msg += "; " + lk.PathNote
			}
			return msg, []model.Detail{model.Ev(lk.Role.Source, "role "+lk.Role.ARN)}
		})
		return
	}
	proof := model.RoleProvenMissing(c.Snap, ref.ARN, lk)
	if proof == "" {
		why, ev := model.RoleAbsentReason(c, ref.ARN)
		r.Skip(subj, why, ev...)
		return
	}
	details := []model.Detail{ref.Evidence(), model.RoleMissingEvidence(c.Snap, ref.ARN)}
	msg := fmt.Sprintf("role %s does not exist in account %s", ref.ARN.Name, ref.ARN.Account)
	if lk.CaseMiss != nil {
		msg += fmt.Sprintf("; role %s does, but STS matches role names case-sensitively", lk.CaseMiss.Name)
		details = append(details, model.Ev(lk.CaseMiss.Source, "role "+lk.CaseMiss.ARN),
			model.Run(annotateRoleCmd(t, lk.CaseMiss.ARN), model.RestartAfter(c, t)),
			model.Remedy(fmt.Sprintf("Annotate the ServiceAccount with the existing role's exact ARN, %s, then re-create the pods: the webhook injects the ARN at pod creation only.", finding.MarkdownCode(lk.CaseMiss.ARN))))
		r.Fail(subj, msg, details...)
		return
	}
	details = append(details, createRoleDetails(c, t, ref, issuer)...)
	r.Fail(subj, msg, details...)
}

// annotateRoleCmd sets the target's role annotation.
func annotateRoleCmd(t *model.Target, roleARN string) model.Argv {
	return model.Command(model.Lit("kubectl"), model.Lit("annotate"), model.Lit("serviceaccount"), model.ObjectName("ServiceAccount", t.SAName),
		model.Lit("-n"), model.Namespace(t.Namespace), model.Lit("--overwrite"), model.Value("annotation", webhook.AnnotationRoleARN+"="+roleARN))
}

// createRoleDetails proposes creating the missing role with the trust
// policy EKS documents for the service accounts that name it.
func createRoleDetails(c *model.Context, t *model.Target, ref model.RoleRef, issuer model.IssuerFact) []model.Detail {
	if issuer.HostPath == "" {
		return nil
	}
	var asks []policy.TrustAsk
	seen := map[string]bool{}
	for _, other := range c.Targets {
		if other.Mechanism == model.MechanismPodIdentity {
			continue
		}
		oref, present, err := model.TargetRole(other)
		if !present || err != nil || oref.ARN.ARN != ref.ARN.ARN {
			continue
		}
		w := model.NewWebIdentity(other, oref, issuer)
		a := policy.TrustAsk{Provider: w.ProviderARN, HostPath: issuer.HostPath, Sub: w.Subject}
		if w.Audience.Known {
			a.Aud = w.Audience.Value
		}
		if !seen[a.Sub+"\x00"+a.Aud] {
			seen[a.Sub+"\x00"+a.Aud] = true
			asks = append(asks, a)
		}
	}
	content, err := policy.FreshTrustPolicy(policy.SortedAsks(asks))
	if err != nil {
		return nil
	}
	w := model.NewWebIdentity(t, ref, issuer)
	file := ref.ARN.Name + ".trust-policy.json"
	words := []model.Word{model.Lit("aws"), model.Lit("iam"), model.Lit("create-role"), model.Lit("--role-name"), model.RoleName(ref.ARN.Name)}
	if ref.ARN.Path != "/" {
		words = append(words, model.Lit("--path"), model.Value("role path", ref.ARN.Path))
	}
	words = append(words, model.Lit("--assume-role-policy-document"), model.FileURL(file))
	return []model.Detail{
		model.FixFile(file, content),
		w.IAM(words...),
		model.Remedy(fmt.Sprintf("If the annotation names the wrong role, correct it (`kubectl annotate serviceaccount %s -n %s --overwrite %s=ARN`) and re-create the pods. "+
			"Otherwise create the role with `%s`, which trusts provider `%s` for the service accounts that name the role, and attach the role's permission policies.",
			t.SAName, t.Namespace, webhook.AnnotationRoleARN, file, w.ProviderARN)),
	}
}
