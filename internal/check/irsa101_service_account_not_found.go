package check

import (
	"fmt"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

var irsa101 = &Check{
	ID:       "IRSA101",
	Slug:     "service-account-not-found",
	Title:    "The pod's ServiceAccount does not exist",
	Severity: finding.SeverityError,
	Link:     finding.LinkServiceAccount,
	Scope:    ScopeWorkloads,
	Run:      runIRSA101,
}

func runIRSA101(c *model.Context, t *model.Target, r *Recorder) {
	subj := t.Subject()
	if t.SA != nil {
		r.PassFunc(subj, func() (string, []model.Detail) {
			return fmt.Sprintf("ServiceAccount %q exists in namespace %q", t.SAName, t.Namespace), []model.Detail{model.Ev(t.Source, saNameEvidence(t)), model.Ev(t.SA.Source, fmt.Sprintf("ServiceAccount %s/%s", t.Namespace, t.SAName))}
		})
		return
	}
	if why, ok := model.SACopiesDiffer(c.Snap, t.Namespace, t.SAName); ok {
		// The bundle left it out for its differing copies: it exists, as
		// which copy is unknown.
		r.Skip(subj, fmt.Sprintf("ServiceAccount %s/%s has %s", t.Namespace, t.SAName, why))
		return
	}
	proof, src, missing := model.SAMissing(c.Snap, t)
	if !missing {
		r.Skip(subj, fmt.Sprintf("ServiceAccount %q is not in the input, and nothing proves it missing from namespace %q (capture: kubectl get serviceaccounts -n %s -o json)",
			t.SAName, t.Namespace, t.Namespace))
		return
	}

	details := []model.Detail{model.Ev(t.Source, saNameEvidence(t)), model.Ev(src, "proof of absence: "+proof)}
	msg := fmt.Sprintf("ServiceAccount %q does not exist in namespace %q", t.SAName, t.Namespace)
	var elsewhere []string
	for _, sa := range c.Snap.ServiceAccountsNamed(t.SAName) {
		elsewhere = append(elsewhere, fmt.Sprintf("%q", sa.Namespace))
		details = append(details, model.Ev(sa.Source, fmt.Sprintf("ServiceAccount %s/%s exists", sa.Namespace, sa.Name)))
	}
	switch len(elsewhere) {
	case 0:
	case 1:
		msg += fmt.Sprintf(" (a ServiceAccount %q exists in namespace %s)", t.SAName, elsewhere[0])
	default:
		msg += fmt.Sprintf(" (ServiceAccounts %q exist in namespaces %s)", t.SAName, strings.Join(elsewhere, ", "))
	}
	msg += ": the API server rejects every new pod that names it, and running pods lose their tokens once the current ones expire"
	if similar := model.SimilarSANames(c.Snap, t.Namespace, t.SAName); len(similar) > 0 {
		msg += fmt.Sprintf("; namespace %q has %s: a typo?", t.Namespace, strings.Join(similar, ", "))
	}

	create := model.Command(model.Lit("kubectl"), model.Lit("create"), model.Lit("serviceaccount"), model.ObjectName("ServiceAccount", t.SAName), model.Lit("-n"), model.Namespace(t.Namespace))
	details = append(details, model.Run(create), model.Remedy(fmt.Sprintf(
		"Create ServiceAccount %s in namespace %s and, for IRSA, annotate it with `eks.amazonaws.com/role-arn` (the role's trust policy must allow %s):\n\n%s\n\n"+
			"Or set `serviceAccountName` to a ServiceAccount that exists in %s. Pods are admitted with their ServiceAccount only when they are created: re-create them afterwards.",
		finding.MarkdownCode(t.SAName), finding.MarkdownCode(t.Namespace), finding.MarkdownCode("system:serviceaccount:"+t.Namespace+":"+t.SAName), model.Lines(create), finding.MarkdownCode(t.Namespace))))
	r.Fail(subj, msg, details...)
}

// saNameEvidence says which ServiceAccount the target names, and how.
func saNameEvidence(t *model.Target) string {
	what := "pod"
	field := "spec.serviceAccountName"
	if t.IsTemplate() {
		what = t.Kind
		field = "pod template spec.serviceAccountName"
	}
	switch {
	case t.Spec == nil:
		return fmt.Sprintf("%s %s/%s runs as ServiceAccount %q", what, t.Namespace, t.Name, t.SAName)
	case t.Spec.ServiceAccountName == "" && t.Spec.DeprecatedServiceAccount == "":
		return fmt.Sprintf("%s %s/%s: %s is unset, so the pod runs as %q", what, t.Namespace, t.Name, field, t.SAName)
	}
	return fmt.Sprintf("%s %s/%s: %s: %s", what, t.Namespace, t.Name, field, t.SAName)
}
