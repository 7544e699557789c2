package check

import (
	"fmt"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

var irsa405 = &Check{
	ID:       "IRSA405",
	Slug:     "pod-identity-unsupported",
	Title:    "EKS Pod Identity is used where AWS does not support it",
	Severity: finding.SeverityError,
	Link:     finding.LinkWebhook,
	Scope:    ScopeWorkloads,
	Run:      runIRSA405,
}

func runIRSA405(c *model.Context, t *model.Target, r *Recorder) {
	a := model.TargetAssociation(c, t)
	injected, _ := model.PodInjected(t)
	if a == nil && !injected {
		return
	}
	subj := t.Subject()
	var details []model.Detail
	if a != nil {
		details = append(details, model.AssociationEvidence(a))
	}
	if p, ok := model.UnsupportedWhere(c, t); ok {
		details = append(details, model.Ev(p.Src, p.Fact))
		r.Fail(subj, fmt.Sprintf("the pod runs on %s, where AWS does not support EKS Pod Identity (the agent does not run there): it gets no credentials from the association", p.What), details...)
		return
	}
	if t.IsPod() && t.Spec.NodeName == "" {
		// Where a pending pod lands decides (a Fargate profile, a Windows
		// node group): nothing in its spec rules either out.
		r.Skip(subj, "the pod is not scheduled on a node yet (spec.nodeName is empty), and its spec shows no Fargate or Windows", details...)
		return
	}
	if t.Spec.HostNetwork && !usesContainerCredentials(c, t) {
		// The reported hostNetwork failure is the agent's: a pod whose
		// containers never call it (not mutated: IRSA406, IRSA407 judge
		// what they use instead) is not affected.
		r.PassFunc(subj, func() (string, []model.Detail) {
			return "the pod uses hostNetwork, but none of its containers uses EKS Pod Identity's container credentials", append(details, model.Ev(t.Source, "spec.hostNetwork: true"))
		})
		return
	}
	if t.Spec.HostNetwork {
		details = append(details, model.WithSeverity(finding.SeverityWarning), model.Ev(t.Source, "spec.hostNetwork: true"))
		r.Fail(subj, "the pod uses hostNetwork: AWS does not document EKS Pod Identity as unsupported there, but it is reported to fail for hostNetwork pods (aws/eks-pod-identity-agent#139: \"EKS does not have permissions to assume the associated role\") while working for others", details...)
		return
	}
	if t.IsPod() {
		if n := c.Snap.Node(t.Spec.NodeName); n != nil {
			r.PassFunc(subj, func() (string, []model.Detail) {
				return fmt.Sprintf("the pod runs on node %s, a %s EC2 node%s, without hostNetwork", n.Name, model.OrUnknown(n.OS()), computeNote(n)), append(details, model.Ev(n.Source, model.NodeFacts(n)))
			})
			return
		}
	}
	r.Pass(subj, "the pod spec shows no Fargate, Windows or hostNetwork", details...)
}

// usesContainerCredentials reports a (non-ephemeral) container of the
// target whose chain picks container credentials.
func usesContainerCredentials(c *model.Context, t *model.Target) bool {
	for _, ch := range model.CredentialChains(c.Snap, t) {
		if ch.Source == model.SourceContainer && !ch.Ephemeral {
			return true
		}
	}
	return false
}

func computeNote(n *snapshot.Node) string {
	if ct := n.ComputeType(); ct != "" {
		return fmt.Sprintf(" (%s=%s)", snapshot.LabelComputeType, ct)
	}
	return ""
}
