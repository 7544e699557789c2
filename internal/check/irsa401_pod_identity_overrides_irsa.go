package check

import (
	"fmt"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

var irsa401 = &Check{
	ID:        "IRSA401",
	Slug:      "pod-identity-overrides-irsa",
	Title:     "An EKS Pod Identity association overrides the ServiceAccount's IRSA role",
	Severity:  finding.SeverityWarning,
	Link:      finding.LinkServiceAccount,
	Scope:     ScopeWorkloads | ScopeServiceAccount,
	Requires:  []*Check{irsa101},
	Secondary: true,
	Subject:   model.SASubjectOf,
	Run:       runIRSA401,
}

func runIRSA401(c *model.Context, t *model.Target, r *Recorder) {
	role, _ := model.RoleAnnotation(t.SA)
	role = strings.TrimSpace(role)
	if t.SA == nil || role == "" {
		// No IRSA role to override (IRSA102 and IRSA103 judge the
		// annotation).
		return
	}
	saEv := func() model.Detail {
		return model.Ev(t.SA.Source, fmt.Sprintf("ServiceAccount %s/%s: %s: %s", t.Namespace, t.SAName, webhook.AnnotationRoleARN, role))
	}
	a := model.TargetAssociation(c, t)
	if a == nil {
		if !c.Snap.Has(snapshot.KindPodIdentity) {
			// About the input as a whole: one finding, not one per
			// ServiceAccount, judged once.
			r.RecordShared(model.Once(c, irsa401NoAssociationsKey{}, func() (v model.Verdicts) {
				cluster := "CLUSTER"
				if cl := c.Snap.Cluster(); cl != nil && cl.Name != "" {
					cluster = cl.Name
				}
				issuer, _, _ := c.ClusterIssuer()
				what := "the input has no EKS Pod Identity associations"
				// A live collection says why it could not list them.
				for _, g := range c.Snap.Gaps {
					if g.Source == "aws" && g.Operation == "eks:ListPodIdentityAssociations" {
						what = "eks:ListPodIdentityAssociations was not read (" + g.Reason + ")"
						break
					}
				}
				v.Skip(model.ClusterSubject(issuer), fmt.Sprintf("%s, so whether one overrides an %s annotation is unknown (capture: aws eks list-pod-identity-associations --cluster-name %s --output json)",
					what, webhook.AnnotationRoleARN, cluster))
				return v
			}))
			return
		}
		r.PassFunc(t.SASubject(), func() (string, []model.Detail) {
			return fmt.Sprintf("the input's EKS Pod Identity associations include none for ServiceAccount %s/%s: its pods get the IRSA role %s", t.Namespace, t.SAName, role), []model.Detail{saEv()}
		})
		return
	}
	aEv := model.AssociationEvidence(a)
	both := fmt.Sprintf("ServiceAccount %q has %s %q and EKS Pod Identity association %s", t.SAName, webhook.AnnotationRoleARN, role, model.OrUnknown(a.ID))
	if a.RoleARN != "" {
		both += fmt.Sprintf(" (role %q)", a.RoleARN)
	}
	verdict := func(subj finding.Subject, what string, pi bool, details ...model.Detail) {
		details = append([]model.Detail{saEv(), aEv}, details...)
		switch {
		case pi && unsupportedNote(c, t) != "":
			r.Fail(subj, both+": the webhook gives pods of the ServiceAccount EKS Pod Identity, not IRSA, but "+unsupportedNote(c, t)+", so the association takes away the credentials IRSA would give (IRSA405)",
				append(details, model.WithSeverity(finding.SeverityError))...)
		case a.RoleARN == "":
			r.Skip(subj, both+": "+what+"; the association's role is not in the input, so whether the roles differ is unknown "+
				fmt.Sprintf("(capture: aws eks describe-pod-identity-association --cluster-name %s --association-id %s --output json)", a.ClusterName, model.OrUnknown(a.ID)))
		case model.SameRole(a.RoleARN, role):
			r.PassFunc(subj, func() (string, []model.Detail) {
				return both + ": " + what + "; both name the same role, so the permissions are the same either way", details
			})
		default:
			r.Fail(subj, both+": "+what+"; the two roles differ, so which one applies changes the permissions", details...)
		}
	}
	if t.IsServiceAccount() {
		verdict(t.SASubject(), "the webhook gives its pods EKS Pod Identity, not IRSA, so the annotation has no effect on pods created from now on", true)
		return
	}
	for _, ch := range model.CredentialChains(c.Snap, t) {
		if ch.Ephemeral {
			continue
		}
		subj := t.ContainerSubject(ch.Name)
		switch {
		case ch.Source == model.SourceWebIdentity && ch.HasContainer:
			verdict(subj, fmt.Sprintf("the container has both %s and %s, and every SDK's chain takes web identity first, so it uses the IRSA role %s and not the association",
				webhook.EnvTokenFile, webhook.EnvContainerFullURI, ch.Role), false)
		case ch.Source == model.SourceWebIdentity && t.IsPod():
			verdict(subj, fmt.Sprintf("the pod was created before the association, so the container uses the IRSA role %s until the pod is re-created, and then EKS Pod Identity", ch.Role), false,
				model.Ev(t.Source, fmt.Sprintf("pod %s/%s (created %s): container %s has %s=%s and no %s", t.Namespace, t.Name, model.OrUnknown(t.Meta.CreationTimestamp), ch.Name,
					webhook.EnvRoleARN, ch.Role, webhook.EnvContainerFullURI)))
		case ch.Source == model.SourceWebIdentity:
			// A template whose container writes the web identity variables
			// itself: the webhook adds Pod Identity's, and web identity wins.
			verdict(subj, fmt.Sprintf("the container sets %s itself, and every SDK's chain takes web identity first, so it uses the IRSA role %s and not the association",
				webhook.EnvTokenFile, ch.Role), false)
		case ch.Source == model.SourceContainer:
			verdict(subj, "the webhook gives pods of the ServiceAccount EKS Pod Identity, not IRSA, so the container uses the association and the annotation has no effect", true)
		case ch.Source == model.SourceStaticEnv:
			r.PassFunc(subj, func() (string, []model.Detail) {
				return both + ": the container uses the static keys in its environment before either (IRSA110)", []model.Detail{saEv(), aEv}
			})
		default:
			r.PassFunc(subj, func() (string, []model.Detail) {
				return both + ": the container gets neither (" + ch.Source + "; IRSA407 judges it)", []model.Detail{saEv(), aEv}
			})
		}
	}
}

// unsupportedNote says where the target runs that EKS Pod Identity does not
// support (docs/reference/pod-identity.md: Linux EC2 nodes only), "" when nothing
// shows it.
func unsupportedNote(c *model.Context, t *model.Target) string {
	if t.Spec == nil {
		return ""
	}
	if t.IsPod() {
		if n := c.Snap.Node(t.Spec.NodeName); n != nil {
			switch {
			case n.ComputeType() == snapshot.ComputeFargate:
				return "the pod runs on AWS Fargate (node " + n.Name + "), where EKS Pod Identity is not supported"
			case n.ComputeType() == snapshot.ComputeHybrid:
				return "the pod runs on an EKS hybrid node (" + n.Name + "), where the Pod Identity agent does not run by default"
			case n.OS() == "windows":
				return "the pod runs on a Windows node (" + n.Name + "), where EKS Pod Identity is not supported"
			}
		}
	}
	if t.Spec.NodeSelector["kubernetes.io/os"] == "windows" || t.Spec.OS != nil && t.Spec.OS.Name == "windows" {
		return "the pod runs on Windows nodes, where EKS Pod Identity is not supported"
	}
	return ""
}

type irsa401NoAssociationsKey struct{}
