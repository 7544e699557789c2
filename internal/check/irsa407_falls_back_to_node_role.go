package check

import (
	"fmt"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

var irsa407 = &Check{
	ID:         "IRSA407",
	Slug:       "falls-back-to-node-role",
	Title:      "A container falls back to the node's role through IMDS, or finds no credentials",
	Severity:   finding.SeverityError,
	Link:       finding.LinkWebhook,
	Scope:      ScopeWorkloads,
	Requires:   []*Check{irsa101, irsa102, irsa103, irsa104, irsa109, irsa111, irsa406, irsa408},
	Containers: containers407,
	Run:        runIRSA407,
}

func runIRSA407(c *model.Context, t *model.Target, r *Recorder) {
	meant, meantEv := meantMechanism(c, t)
	chains := model.CredentialChains(c.Snap, t)
	roleInEnv := false
	for _, ch := range chains {
		roleInEnv = roleInEnv || ch.Role != "" && !ch.Ephemeral
	}
	// A container that the webhook's work on the pod shows was added after
	// the webhook ran (by a later mutating webhook: a Vault agent, a mesh
	// proxy) is IRSA104's warning, not a broken pod: judged alike here.
	var later map[string]bool
	if t.IsPod() && meant != nil && t.SA != nil {
		if v := model.AdmissionOf(c, t); v.Annotated {
			if _, ok := model.PartlyMutated(c, t, v); ok {
				later = map[string]bool{}
				for _, n := range v.Needs {
					later[n] = true
				}
			}
		}
	}
	if meant == nil && !roleInEnv {
		// Neither IRSA nor Pod Identity is meant: falling back is what
		// the pod asks for.
		return
	}
	regularOwn := 0 // regular containers the webhook is not told to skip
	for _, ch := range chains {
		if !ch.Init && !ch.Ephemeral && !ch.Skipped {
			regularOwn++
		}
	}
	for _, ch := range chains {
		if ch.Ephemeral {
			// An ephemeral (debug) container is added through its own
			// subresource, never through pod CREATE: the webhook never
			// sees it, and that is expected.
			continue
		}
		cs := t.ContainerSubject(ch.Name)
		switch ch.Source {
		case model.SourceWebIdentity:
			r.PassFunc(cs, func() (string, []model.Detail) {
				return "the container uses web identity (IRSA role " + ch.Role + "), before IMDS in every SDK's chain", nil
			})
			continue
		case model.SourceContainer:
			r.PassFunc(cs, func() (string, []model.Detail) {
				return "the container uses container credentials (" + ch.FullURIOr() + "), before IMDS in every SDK's chain", nil
			})
			continue
		case model.SourceStaticEnv:
			r.PassFunc(cs, func() (string, []model.Detail) {
				return "the container uses the static keys in its environment, before IMDS (IRSA110 judges them)", nil
			})
			continue
		case model.SourceProfile:
			r.Skip(cs, "the container's environment points at a shared profile, whose content cannot be seen: whether its SDK falls back to IMDS depends on it ("+ch.Profile+")")
			continue
		}
		if ch.Stopped != "" {
			r.PassFunc(cs, func() (string, []model.Detail) {
				return "the container's chain stops before IMDS: " + ch.Stopped + " (IRSA109 judges the variables)", nil
			})
			continue
		}
		if meant == nil && ch.Role == "" {
			// Only containers that set AWS_ROLE_ARN themselves mean IRSA
			// here; the others ask for nothing.
			continue
		}
		if ch.Skipped && regularOwn > 0 {
			r.PassFunc(cs, func() (string, []model.Detail) {
				return fmt.Sprintf("the container is excluded on purpose by %s while other containers get credentials; if it calls AWS, its SDK falls back to IMDS (%s)",
					webhook.AnnotationSkipContainers, imdsShort(ch.Imds)), nil
			})
			continue
		}
		failIRSA407(c, t, r, ch, meant, meantEv, later[ch.Name])
	}
}

// meantMechanism says what the target is meant to use: the IRSA role its
// ServiceAccount names, or the EKS Pod Identity association of its
// ServiceAccount (which wins over the annotation: docs/reference/pod-identity.md#pod-identity-and-irsa-together); nil
// when neither. The words are built only for a failure (failIRSA407).
func meantMechanism(c *model.Context, t *model.Target) (func() string, []model.Detail) {
	if a := model.TargetAssociation(c, t); a != nil {
		return func() string {
			return fmt.Sprintf("ServiceAccount %q has EKS Pod Identity association %s", t.SAName, model.OrUnknown(a.ID))
		}, []model.Detail{model.AssociationEvidence(a)}
	}
	if t.Mechanism == model.MechanismPodIdentity {
		return func() string { return "the pod is set up for EKS Pod Identity" }, nil
	}
	if role, ok := model.RoleAnnotation(t.SA); ok && strings.TrimSpace(role) != "" {
		meant := func() string {
			return fmt.Sprintf("ServiceAccount %q names IRSA role %q", t.SAName, strings.TrimSpace(role))
		}
		return meant, []model.Detail{model.EvLazy(&t.SA.Source, func() string {
			return fmt.Sprintf("ServiceAccount %s/%s: %s: %s", t.Namespace, t.SAName, webhook.AnnotationRoleARN, role)
		})}
	}
	return nil, nil
}

func failIRSA407(c *model.Context, t *model.Target, r *Recorder, ch model.ContainerChain, meantBy func() string, meantEv []model.Detail, addedLater bool) {
	var meant string
	if meantBy == nil {
		meant = fmt.Sprintf("the container sets %s %q", webhook.EnvRoleARN, ch.Role)
	} else {
		meant = meantBy()
	}
	var outcome string
	switch ch.Imds.State {
	case model.ImdsReachable:
		outcome = "IMDS answers on its node, so it runs with the node role's permissions instead"
	case model.ImdsBlocked:
		if ch.Imds.Disabled {
			outcome = "IMDS is disabled on its node (HttpEndpoint disabled), so it finds no credentials at all"
			break
		}
		outcome = "IMDS is blocked on its node, so it finds no credentials at all"
	case model.ImdsAbsent:
		outcome = "its node has no IMDS, so it finds no credentials at all"
	default:
		outcome = "it gets the node role where IMDS answers, and no credentials where IMDS is blocked"
	}
	because := strings.NewReplacer("its environment", "the container's environment", "it is named in", "the container is named in", "gave it", "gave the container").Replace(ch.Because)
	msg := fmt.Sprintf("%s, but %s; the container's SDK falls back to IMDS: %s", meant, because, outcome)
	if addedLater {
		// As IRSA104 judges it: a sidecar injected after the webhook may
		// never call AWS.
		msg = fmt.Sprintf("the webhook mutated the pod, but the container was added after it ran and has no AWS credentials in its environment; if it calls AWS, its SDK falls back to IMDS: %s", outcome)
	}

	details := append([]model.Detail{}, meantEv...)
	kind := t.Kind
	if t.IsPod() {
		kind = "pod"
	}
	details = append(details, model.Ev(t.Source, fmt.Sprintf("%s %s/%s container %s: %s", kind, t.Namespace, t.Name, ch.Name, credentialEnvFacts(t, ch.Name))))
	if v := ch.Imds; v != nil {
		if v.Node != nil {
			details = append(details, model.Ev(v.Node.Source, nodeIMDSFacts(v.Node)))
		}
		if v.Instance != nil {
			details = append(details, model.Ev(v.Instance.Source, instanceIMDSFacts(v.Instance)))
		}
		details = append(details, model.Ev(t.Source, "IMDS: "+v.Why))
	}
	switch cause, ev := fallbackCause(c, t, ch); {
	case addedLater:
		details = append(details, model.WithSeverity(finding.SeverityWarning),
			model.Ev(t.Source, "the pod has the webhook's aws-iam-token volume, so the container was added by a mutating webhook called after it (IRSA104)"),
			model.Remedy("Nothing to do if the container never calls AWS (a Vault agent, a service mesh proxy or a log shipper usually does not). If it does, give it `AWS_ROLE_ARN`, `AWS_WEB_IDENTITY_TOKEN_FILE` and the token mount in the configuration of the webhook that injects it, or set `reinvocationPolicy: IfNeeded` on the pod identity webhook (self-managed installations)."))
	case cause != "":
		details = append(details, model.Ev(t.Source, cause))
		details = append(details, ev...)
		details = append(details, fallbackFix(c, t, ch)...)
	default:
		details = append(details, fallbackFix(c, t, ch)...)
	}
	r.Fail(t.ContainerSubject(ch.Name), msg, details...)
}

// imdsShort is the IMDS verdict for a message.
func imdsShort(v *model.ImdsVerdict) string {
	if v == nil {
		return "unknown"
	}
	if v.State == model.ImdsUnknown {
		return "whether IMDS answers is unknown: " + v.Why
	}
	return v.Why
}

// fallbackCause names the check that judges why the container lacks its
// credentials, for evidence.
func fallbackCause(c *model.Context, t *model.Target, ch model.ContainerChain) (string, []model.Detail) {
	switch {
	case ch.Skipped:
		return fmt.Sprintf("the pod's %s names every regular container (IRSA111)", webhook.AnnotationSkipContainers), nil
	case t.Meta != nil && model.HasLabel(t.Meta.Labels, webhook.LabelSkip):
		return fmt.Sprintf("the pod carries the label %s, so the webhook does not see it (IRSA111)", webhook.LabelSkip), nil
	case ch.Role != "" && !ch.HasWebIdentity:
		return fmt.Sprintf("%s is set in the manifest without %s, so the webhook injects neither (IRSA109)", webhook.EnvRoleARN, webhook.EnvTokenFile), nil
	case t.IsPod() && model.TargetAssociation(c, t) != nil:
		return "the pod has none of the variables EKS Pod Identity injects: it was created before the association, or the webhook did not mutate it (IRSA406)", nil
	case t.IsPod():
		return "the webhook did not give the pod its variables: it was created before the annotation, or the webhook did not mutate it (IRSA104)", nil
	}
	return "", nil
}

// fallbackFix is the remediation for the cause.
func fallbackFix(c *model.Context, t *model.Target, ch model.ContainerChain) []model.Detail {
	switch {
	case ch.Skipped:
		return []model.Detail{model.Remedy(fmt.Sprintf("Take container %s out of the pod annotation `%s` (in the pod template) and re-create the pods.", finding.MarkdownCode(ch.Name), webhook.AnnotationSkipContainers))}
	case ch.Role != "" && !ch.HasWebIdentity:
		return []model.Detail{model.Remedy(fmt.Sprintf("Remove `%s` from container %s in the manifest, so that the webhook injects both `%s` and `%s` with its token mount; then re-create the pods.",
			webhook.EnvRoleARN, finding.MarkdownCode(ch.Name), webhook.EnvRoleARN, webhook.EnvTokenFile))}
	case t.Meta != nil && model.HasLabel(t.Meta.Labels, webhook.LabelSkip):
		return []model.Detail{model.Remedy(fmt.Sprintf("Remove the label `%s` from the pod template and re-create the pods.", webhook.LabelSkip))}
	case t.IsPod() && ch.Imds != nil && (ch.Imds.State == model.ImdsBlocked || ch.Imds.State == model.ImdsAbsent):
		// IMDS already keeps the pod from the node role (disabled, IMDSv2
		// with hop limit 1, or no IMDS): nothing to harden.
		cmds, remedy := model.RecreateFix(c, t)
		return []model.Detail{model.Run(cmds...), model.Remedy(remedy)}
	case t.IsPod():
		cmds, remedy := model.RecreateFix(c, t)
		return []model.Detail{model.Run(cmds...), model.Remedy(remedy + "\n\nTo keep containers from ever falling back to the node role, require IMDSv2 with a hop limit of 1 on the nodes " +
			"(the node group's launch template, or `aws ec2 modify-instance-metadata-options --instance-id ID --http-tokens required --http-put-response-hop-limit 1`); " +
			"hostNetwork pods keep IMDS.")}
	}
	return nil
}

// credentialEnvFacts lists the credential variables of one container of the
// target's spec (as admitted, or as the template declares them).
func credentialEnvFacts(t *model.Target, name string) string {
	cont := model.SpecContainer(t.Spec, name)
	if cont == nil {
		return "not in the spec (added by the webhook)"
	}
	env := model.EnvOf(cont)
	var parts []string
	for _, n := range []string{webhook.EnvRoleARN, webhook.EnvTokenFile, webhook.EnvContainerFullURI, model.EnvContainerRel} {
		if v, ok := env[n]; ok {
			parts = append(parts, n+"="+v.Show())
		} else {
			parts = append(parts, n+" unset")
		}
	}
	return strings.Join(parts, ", ")
}

func nodeIMDSFacts(n *snapshot.Node) string {
	parts := []string{"node " + n.Name, "providerID " + model.OrUnknown(n.Spec.ProviderID)}
	if ct := n.ComputeType(); ct != "" {
		parts = append(parts, snapshot.LabelComputeType+"="+ct)
	}
	return strings.Join(parts, ", ")
}

func instanceIMDSFacts(i *snapshot.EC2Instance) string {
	m := i.Metadata
	hop := "unset"
	if m.HopLimit != nil {
		hop = fmt.Sprint(*m.HopLimit)
	}
	s := fmt.Sprintf("instance %s: MetadataOptions HttpEndpoint %s, HttpTokens %s, HttpPutResponseHopLimit %s", i.InstanceID, model.OrUnknown(m.HTTPEndpoint), model.OrUnknown(m.HTTPTokens), hop)
	if i.InstanceProfileARN != "" {
		s += "; IamInstanceProfile " + i.InstanceProfileARN
	}
	return s
}

// containers407 are the containers whose credentials the check judges
// (none ephemeral), or nil when neither IRSA nor Pod Identity is meant and
// no container names a role: the check then speaks of the target.
func containers407(c *model.Context, t *model.Target) []string {
	meant, _ := meantMechanism(c, t)
	names := []string{}
	roleInEnv := false
	for _, ch := range model.CredentialChains(c.Snap, t) {
		roleInEnv = roleInEnv || ch.Role != "" && !ch.Ephemeral
		if !ch.Ephemeral {
			names = append(names, ch.Name)
		}
	}
	if meant == nil && !roleInEnv {
		return nil
	}
	return names
}
