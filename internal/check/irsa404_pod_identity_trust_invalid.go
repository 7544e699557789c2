package check

import (
	"fmt"
	"slices"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

var irsa404 = &Check{
	ID:       "IRSA404",
	Slug:     "pod-identity-trust-invalid",
	Title:    "The associated role's trust policy does not let EKS Pod Identity assume it",
	Severity: finding.SeverityError,
	Link:     finding.LinkIAMRole,
	Scope:    ScopeWorkloads | ScopeServiceAccount | ScopeAssociation,
	Requires: []*Check{irsa410},
	Subject:  model.AssociationRoleSubjectOf,
	Run:      runIRSA404,
}

func runIRSA404(c *model.Context, t *model.Target, r *Recorder) {
	a := model.TargetAssociation(c, t)
	if a == nil {
		return
	}
	ref, why, details := model.AssociationRole(a)
	if why != "" {
		r.Skip(model.AssociationSubject(a), why, details...)
		return
	}
	subj := finding.Subject{Kind: "IAMRole", Name: ref.Name, ARN: ref.ARN}
	lk := model.FindRole(c.Snap, ref)
	if lk.Role == nil {
		why, ev := model.RoleAbsentReason(c, ref)
		r.Skip(subj, why, append([]model.Detail{model.AssociationEvidence(a)}, ev...)...)
		return
	}
	role := lk.Role
	doc, err := c.RoleTrustDocument(role)
	if err != nil {
		r.Skip(subj, fmt.Sprintf("the trust policy of role %s does not parse: %v", role.Name, err), model.AssociationEvidence(a))
		return
	}
	policyEv := model.Ev(role.Source, fmt.Sprintf("role %s trust policy: %s", role.Name, model.IamCompactPolicy(doc)))
	ctx, tagsEv := podIdentityContext(t, a)
	var denied, unknown []policy.Result
	var allowed []string
	for _, action := range policy.PodIdentityActions() {
		req := policy.PodIdentityRequest(action)
		req.Context = ctx
		res := c.Evaluate(doc, req)
		switch res.Decision {
		case policy.Allowed:
			allowed = append(allowed, res.Deciding.Statement.Name())
		case policy.Unknown:
			unknown = append(unknown, res)
		default:
			denied = append(denied, res)
		}
	}
	switch {
	case len(denied) > 0:
		var actions, explain []string
		for _, res := range denied {
			actions = append(actions, res.Request.Action)
			if len(denied) == 1 {
				explain = append(explain, res.Explain())
			} else {
				explain = append(explain, res.Request.Action+" "+res.Explain())
			}
		}
		msg := fmt.Sprintf("the trust policy of role %s does not allow %s %s: %s", role.Name, policy.PodIdentityService,
			strings.Join(actions, " and "), strings.Join(explain, "; "))
		details := []model.Detail{model.AssociationEvidence(a), policyEv}
		if tagsEv != nil {
			details = append(details, tagsEv)
		}
		details = append(details, podIdentityTrustFix(c, role, doc, denied, ctx)...)
		r.Fail(subj, msg, details...)
	case len(unknown) > 0:
		var explain []string
		for _, res := range unknown {
			explain = append(explain, res.Request.Action+" "+res.Explain())
		}
		details := []model.Detail{model.AssociationEvidence(a), policyEv}
		if tagsEv != nil {
			details = append(details, tagsEv)
		}
		r.Skip(subj, fmt.Sprintf("whether the trust policy of role %s lets %s assume it depends on what the input does not tell: %s",
			role.Name, policy.PodIdentityService, strings.Join(explain, "; ")), details...)
	default:
		names := slices.Compact(slices.Clone(allowed))
		r.PassFunc(subj, func() (string, []model.Detail) {
			return fmt.Sprintf("the trust policy of role %s allows %s sts:AssumeRole and sts:TagSession (%s)", role.Name,
				policy.PodIdentityService, strings.Join(names, ", ")), []model.Detail{model.AssociationEvidence(a), policyEv}
		})
	}
}

// podIdentityContext is the request context EKS Pod Identity sends: its
// session tags as aws:RequestTag/* keys, unless the association disables
// them (EKS User Guide, "Enable or disable session tags"; docs/reference/README.md
// §6.1). The pod's name and UID are known for a running pod only. ev
// shows the tags used, nil when none are.
func podIdentityContext(t *model.Target, a *snapshot.PodIdentityAssociation) (ctx map[string][]string, ev model.Detail) {
	if a.DisableSessionTags != nil && *a.DisableSessionTags {
		return nil, nil
	}
	ctx = map[string][]string{
		"aws:RequestTag/kubernetes-namespace":       {a.Namespace},
		"aws:RequestTag/kubernetes-service-account": {a.ServiceAccount},
		"aws:RequestTag/eks-cluster-name":           {a.ClusterName},
	}
	keys := []string{"kubernetes-namespace=" + a.Namespace, "kubernetes-service-account=" + a.ServiceAccount, "eks-cluster-name=" + a.ClusterName}
	if cl := model.AssociationClusterARN(a); cl != "" {
		ctx["aws:RequestTag/eks-cluster-arn"] = []string{cl}
		keys = append(keys, "eks-cluster-arn="+cl)
	}
	if t.IsPod() {
		ctx["aws:RequestTag/kubernetes-pod-name"] = []string{t.Name}
		keys = append(keys, "kubernetes-pod-name="+t.Name)
		if t.Meta != nil && t.Meta.UID != "" {
			ctx["aws:RequestTag/kubernetes-pod-uid"] = []string{t.Meta.UID}
			keys = append(keys, "kubernetes-pod-uid="+t.Meta.UID)
		}
	}
	return ctx, model.Ev(a.Source, "session tags EKS Pod Identity adds: "+strings.Join(keys, ", "))
}

type podIdentityPlanKey struct {
	doc     *policy.Document
	refusal string
}

// podIdentityTrustFix is the remediation of a refusal: for an explicit
// Deny, which is not edited, the statement to narrow; otherwise the
// corrected policy policy.CorrectPodIdentityTrust proposes (none when no
// change can be proven), the command that applies it and the changes.
func podIdentityTrustFix(c *model.Context, role *snapshot.Role, doc *policy.Document, denied []policy.Result, ctx map[string][]string) []model.Detail {
	for _, res := range denied {
		if res.Decision == policy.ExplicitDeny {
			return []model.Detail{model.Remedy(fmt.Sprintf("%s of role %s denies %s to %s, which overrides any Allow: narrow or remove that statement (for example, exclude the principal %s from it), then `aws iam update-assume-role-policy --role-name %s --policy-document file://%s.trust-policy.json`.",
				res.Deciding.Statement.Name(), role.Name, res.Request.Action, policy.PodIdentityService, policy.PodIdentityService, role.Name, role.Name))}
		}
	}
	// The plan is the document's, whichever association asks (its session
	// tags only decide whether the plan allows them): made once per run.
	plan := model.Once(c, podIdentityPlanKey{doc, policy.PodIdentityPlanKey(denied)}, func() policy.PodIdentityTrustPlan {
		return policy.PlanPodIdentityTrust(doc, denied)
	})
	fix, err := plan.For(ctx)
	if err != nil {
		return nil
	}
	var missing []string
	for _, res := range denied {
		missing = append(missing, res.Request.Action)
	}
	file := role.Name + ".trust-policy.json"
	cmd := model.Command(model.Lit("aws"), model.Lit("iam"), model.Lit("update-assume-role-policy"), model.Lit("--role-name"), model.RoleName(role.Name), model.Lit("--policy-document"), model.FileURL(file))
	return append(append([]model.Detail{model.FixFile(file, fix.Content)}, model.TrustUpdate(role.Name, file, doc.JSON, model.SameAccount)...),
		model.Remedy(fmt.Sprintf("Allow %s %s in the trust policy of role %s (`%s`: %s), then apply it; no pod restart is needed:\n\n%s",
			policy.PodIdentityService, strings.Join(missing, " and "), role.Name, file, strings.Join(fix.Changes, "; "), model.Lines(cmd))))
}
