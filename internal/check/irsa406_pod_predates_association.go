package check

import (
	"fmt"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

var irsa406 = &Check{
	ID:       "IRSA406",
	Slug:     "pod-predates-association",
	Title:    "Pod was created before its EKS Pod Identity association and has no Pod Identity credentials",
	Severity: finding.SeverityError,
	Link:     finding.LinkWebhook,
	Scope:    ScopePod,
	Run:      runIRSA406,
}

func runIRSA406(c *model.Context, t *model.Target, r *Recorder) {
	subj := t.Subject()
	a := model.TargetAssociation(c, t)
	if a == nil {
		return
	}
	if injected, with := model.PodInjected(t); injected {
		msg := "the pod carries the EKS Pod Identity injection"
		if len(with) > 0 {
			msg += fmt.Sprintf(": %s %s", model.ContainerPhrase(with, "has", "have"), webhook.EnvContainerFullURI)
		}
		r.PassFunc(subj, func() (string, []model.Detail) { return msg, []model.Detail{model.AssociationEvidence(a)} })
		return
	}
	created, okA := model.ParseTime(a.CreatedAt)
	if !okA {
		r.Skip(subj, fmt.Sprintf("the pod has no EKS Pod Identity injection, and when association %s was created is not in the input (capture: %s)",
			model.AssociationName(a), model.DescribeAssociationCmd(a)), model.AssociationEvidence(a))
		return
	}
	podCreated, okP := model.ParseTime(t.Meta.CreationTimestamp)
	if !okP {
		r.Skip(subj, "the pod has no EKS Pod Identity injection, and its creationTimestamp is not in the input", model.AssociationEvidence(a))
		return
	}
	// What the containers use instead decides how bad it is: a pod that
	// still has IRSA or static keys works with other credentials until it
	// is re-created; one that falls through to IMDS runs as the node.
	uses, other := fallbackSources(t)
	var msg string
	if podCreated.Before(created) {
		msg = fmt.Sprintf("the pod was created at %s, before association %s (created %s), so the webhook did not inject %s: %s",
			t.Meta.CreationTimestamp, model.AssociationName(a), a.CreatedAt, webhook.EnvContainerFullURI, uses)
	} else {
		msg = fmt.Sprintf("the pod was created at %s, after association %s (created %s), yet has no %s: the webhook did not mutate it for Pod Identity; %s",
			t.Meta.CreationTimestamp, model.AssociationName(a), a.CreatedAt, webhook.EnvContainerFullURI, uses)
	}
	cmds, remedy := model.RecreateFix(c, t)
	details := []model.Detail{model.AssociationEvidence(a),
		model.Ev(t.Source, fmt.Sprintf("pod %s/%s created %s, without %s or the %s volume", t.Namespace, t.Name, t.Meta.CreationTimestamp,
			webhook.EnvContainerFullURI, webhook.PodIdentityVolumeName)),
		model.Run(cmds...), model.Remedy(strings.Replace(remedy, "mutated", "mutated for EKS Pod Identity", 1))}
	if other {
		details = append(details, model.WithSeverity(finding.SeverityWarning))
	}
	r.Fail(subj, msg, details...)
}

// fallbackSources says which credentials the pod's containers use without
// Pod Identity, by the SDK default chain (Credentials), and whether every
// container still has credentials of its own (IRSA or static keys).
func fallbackSources(t *model.Target) (string, bool) {
	var web, static, rest []string
	for _, cs := range model.Credentials(t) {
		switch cs.CredentialSource {
		case model.SourceWebIdentity:
			web = append(web, cs.Name)
		case model.SourceStaticEnv:
			static = append(static, cs.Name)
		default:
			rest = append(rest, cs.Name)
		}
	}
	var parts []string
	if len(web) > 0 {
		parts = append(parts, model.ContainerPhrase(web, "still uses", "still use")+" IRSA (web identity) until the pod is re-created")
	}
	if len(static) > 0 {
		parts = append(parts, model.ContainerPhrase(static, "uses", "use")+" the static keys in its environment")
	}
	if len(rest) > 0 {
		parts = append(parts, model.ContainerPhrase(rest, "falls", "fall")+" back to the node's role through IMDS, or to no credentials")
	}
	if len(parts) == 0 {
		return "it has no containers", false
	}
	return strings.Join(parts, "; "), len(rest) == 0
}
