package check

import (
	"fmt"
	"sort"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

var irsa402 = &Check{
	ID:       "IRSA402",
	Slug:     "association-target-missing",
	Title:    "An EKS Pod Identity association names a namespace or ServiceAccount that does not exist",
	Severity: finding.SeverityWarning,
	Link:     finding.LinkServiceAccount,
	Scope:    ScopeServiceAccount | ScopeAssociation,
	Subject:  model.AssociationSubjectOf,
	Run:      runIRSA402,
}

func runIRSA402(c *model.Context, t *model.Target, r *Recorder) {
	a := model.TargetAssociation(c, t)
	if a == nil {
		// An IRSA ServiceAccount without an association: nothing to judge.
		return
	}
	subj := model.AssociationSubject(a)
	if t.SA != nil {
		r.PassFunc(subj, func() (string, []model.Detail) {
			return fmt.Sprintf("ServiceAccount %q exists in namespace %q", a.ServiceAccount, a.Namespace), []model.Detail{model.AssociationEvidence(a), model.Ev(t.SA.Source, "ServiceAccount "+snapshot.Key(t.SA.Namespace, t.SA.Name))}
		})
		return
	}
	s := c.Snap
	if proof, src, ok := namespaceMissing(s, a.Namespace); ok {
		details := []model.Detail{model.AssociationEvidence(a), model.Ev(src, proof)}
		msg := fmt.Sprintf("the association names namespace %q, which does not exist: no pod can run as its ServiceAccount %q", a.Namespace, a.ServiceAccount)
		if near := similarNamespaces(s, a.Namespace); len(near) > 0 {
			msg += "; similar namespaces: " + strings.Join(near, ", ")
		}
		id, off := model.AssociationIDWord(a)
		del, _ := model.AssociationCommand(a, model.Lit("aws"), model.Lit("eks"), model.Lit("delete-pod-identity-association"), model.Lit("--association-id"), id)
		details = append(details, model.RunOrAlt(off, del))
		r.Fail(subj, msg, details...)
		return
	}
	proof, src, missing := associationSAMissing(s, a)
	if !missing {
		r.Skip(subj, fmt.Sprintf("ServiceAccount %s/%s is not in the input, and nothing proves it or namespace %s missing (capture: kubectl get serviceaccounts -n %s -o json; kubectl get namespaces -o json)",
			a.Namespace, a.ServiceAccount, a.Namespace, a.Namespace),
			model.AssociationEvidence(a))
		return
	}
	details := []model.Detail{model.AssociationEvidence(a), model.Ev(src, proof)}
	msg := fmt.Sprintf("the association names ServiceAccount %q, which does not exist in namespace %q", a.ServiceAccount, a.Namespace)
	var near []string   // similar ServiceAccounts, quoted
	var orphan []string // those without an association of their own
	for _, q := range model.SimilarSANames(s, a.Namespace, a.ServiceAccount) {
		q = strings.TrimPrefix(q, "ServiceAccount ")
		near = append(near, q)
		if name := strings.Trim(q, `"`); s.PodIdentityAssociationFor(a.Namespace, name) == nil {
			orphan = append(orphan, name)
		}
	}
	if len(orphan) > 0 {
		msg += fmt.Sprintf("; ServiceAccount %q exists and has no association: pods running as it get no Pod Identity credentials", orphan[0])
		details = append(details, model.WithSeverity(finding.SeverityError))
		for _, name := range orphan {
			if sa := s.ServiceAccount(a.Namespace, name); sa != nil {
				details = append(details, model.Ev(sa.Source, "ServiceAccount "+snapshot.Key(sa.Namespace, sa.Name)+" (no Pod Identity association)"))
			}
		}
	} else if len(near) > 0 {
		msg += "; similar ServiceAccounts: " + strings.Join(near, ", ")
	}
	if other := s.ServiceAccountsNamed(a.ServiceAccount); len(other) > 0 {
		var nss []string
		for _, sa := range other {
			nss = append(nss, sa.Namespace)
		}
		msg += fmt.Sprintf("; a ServiceAccount %q exists in namespace %s", a.ServiceAccount, strings.Join(model.QuoteAll(nss), ", "))
	}
	id, off := model.AssociationIDWord(a)
	del, _ := model.AssociationCommand(a, model.Lit("aws"), model.Lit("eks"), model.Lit("delete-pod-identity-association"), model.Lit("--association-id"), id)
	if len(orphan) > 0 {
		role := model.ARN(a.RoleARN)
		if a.RoleARN == "" {
			role = model.Lit("ROLE_ARN")
			off = strings.TrimPrefix(off+"; ", "; ") + "replace ROLE_ARN with the association's role (aws eks describe-pod-identity-association prints it)"
		}
		create, _ := model.AssociationCommand(a, model.Lit("aws"), model.Lit("eks"), model.Lit("create-pod-identity-association"),
			model.Lit("--namespace"), model.Namespace(a.Namespace), model.Lit("--service-account"), model.ObjectName("ServiceAccount", orphan[0]), model.Lit("--role-arn"), role)
		details = append(details, model.RunOrAlt(off, del, create),
			model.Remedy(fmt.Sprintf("An association's ServiceAccount cannot be changed. If the pods run as ServiceAccount %s, delete association %s and create one for %s with the same role, then restart those pods: the webhook injects Pod Identity at pod creation only.\n\n%s",
				finding.MarkdownCode(orphan[0]), model.AssociationName(a), finding.MarkdownCode(orphan[0]), model.Lines(del, create))))
	} else {
		details = append(details, model.RunOrAlt(off, del))
	}
	r.Fail(subj, msg, details...)
}

// namespaceMissing reports whether the input proves namespace ns absent: a
// NotFound text for it, or a Namespace List (cluster-scoped, so complete)
// without it.
func namespaceMissing(s *snapshot.Snapshot, ns string) (proof string, src snapshot.Source, missing bool) {
	if s.Namespaces[ns] != nil {
		return "", snapshot.Source{}, false
	}
	if nf, ok := s.NotFoundFor(snapshot.KindNamespace, "", ns); ok {
		return nf.Message, nf.Source, true
	}
	if l, ok := s.ListedIn(snapshot.KindNamespace, ""); ok {
		return fmt.Sprintf("a Namespace List of the cluster (%d namespaces) without %q", len(s.Namespaces), ns), l.Source, true
	}
	return "", snapshot.Source{}, false
}

// associationSAMissing reports whether the input proves the association's
// ServiceAccount absent (docs/contract.md#absence-needs-proof).
func associationSAMissing(s *snapshot.Snapshot, a *snapshot.PodIdentityAssociation) (proof string, src snapshot.Source, missing bool) {
	if s.ServiceAccount(a.Namespace, a.ServiceAccount) != nil {
		return "", snapshot.Source{}, false
	}
	if _, ok := model.SACopiesDiffer(s, a.Namespace, a.ServiceAccount); ok {
		return "", snapshot.Source{}, false // left out for its differing copies: it exists
	}
	if nf, ok := s.NotFoundFor(snapshot.KindServiceAccount, a.Namespace, a.ServiceAccount); ok {
		return nf.Message, nf.Source, true
	}
	if l, ok := s.ListedIn(snapshot.KindServiceAccount, a.Namespace); ok {
		var names []string
		for _, sa := range s.ServiceAccounts {
			if sa.Namespace == a.Namespace {
				names = append(names, sa.Name)
			}
		}
		sort.Strings(names)
		return fmt.Sprintf("ServiceAccounts of namespace %s: %s", a.Namespace, strings.Join(names, ", ")), l.Source, true
	}
	return "", snapshot.Source{}, false
}

// similarNamespaces lists, quoted, the namespaces of the input within edit
// distance 2 of ns.
func similarNamespaces(s *snapshot.Snapshot, ns string) []string {
	var out []string
	for name := range s.Namespaces {
		if name != ns && policy.OSADistance(name, ns, 2) <= 2 {
			out = append(out, fmt.Sprintf("%q", name))
		}
	}
	sort.Strings(out)
	return out
}
