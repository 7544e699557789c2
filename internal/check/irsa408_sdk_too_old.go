package check

import (
	"fmt"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/sdk"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

var irsa408 = &Check{
	ID:       "IRSA408",
	Slug:     "sdk-too-old",
	Title:    "A well-known AWS image carries an SDK too old for IRSA or EKS Pod Identity",
	Severity: finding.SeverityError,
	// The pod side of the chain, like IRSA106 and IRSA110: what the
	// container does with what the webhook injected.
	Link:       finding.LinkWebhook,
	Scope:      ScopeWorkloads,
	Requires:   []*Check{irsa101},
	Applies:    applies408,
	Containers: containers408,
	Run:        runIRSA408,
}

func runIRSA408(c *model.Context, t *model.Target, r *Recorder) {
	spec, skipped := sdkSpec(t)
	kind, name := model.TemplateWorkload(c, t)
	for _, ct := range model.AllContainers(spec) {
		mech, ok := containerMechanism(ct, t.Mechanism, skipped[ct.Name])
		if !ok || ct.Image == "" {
			continue
		}
		v := c.JudgeImage(ct.Image, mech)
		subj := t.ContainerSubject(ct.Name)
		where := model.EvLazy(&t.Source, func() string {
			return fmt.Sprintf("%s %s/%s container %s: image %s", model.TargetNoun(t), t.Namespace, t.Name, ct.Name, ct.Image)
		})
		switch v.Status {
		case sdk.NoVersion:
			r.Skip(subj, fmt.Sprintf("image %q is %s, but %s, so it cannot be compared with the %s minimum%s; pin a version tag",
				ct.Image, v.Image.Name, v.Why, mech, minimumShort(v)), where)
		case sdk.Supported:
			r.PassFunc(subj, func() (string, []model.Detail) {
				return fmt.Sprintf("%s, and %s", describeImage(v), minimumPhrase(v)), []model.Detail{where, factEvidence(v)}
			})
		case sdk.TooOld:
			details := []model.Detail{where, factEvidence(v)}
			if a := v.Addon(); a != nil {
				details = append(details, addonFix(c, v, a, kind, name, t.Namespace, ct.Name)...)
			} else {
				details = append(details, upgradeFix(v, kind, name, t.Namespace, ct.Name)...)
			}
			r.Fail(subj, tooOldMessage(v), details...)
		}
	}
}

// containerMechanism is the mechanism the container's SDK will try. The
// standardized chain takes web identity before container credentials
// (docs/reference/pod-identity.md#pod-identity-and-irsa-together, docs/reference/credential-chain.md), so AWS_WEB_IDENTITY_TOKEN_FILE decides first.
// A container with neither (the pod was not mutated) is judged for the
// target's mechanism, unless the webhook leaves it out; one with static
// keys uses them and is not judged (IRSA110 reports it).
func containerMechanism(ct *snapshot.Container, targetMech string, skipped bool) (sdk.Mechanism, bool) {
	id, hasID := model.SetEnv(ct, webhook.EnvAccessKeyID)
	secret, hasSecret := model.SetEnv(ct, webhook.EnvSecretAccessKey)
	if hasID && hasSecret && !model.OptionalRef(id) && !model.OptionalRef(secret) {
		return 0, false
	}
	if _, ok := model.SetEnv(ct, webhook.EnvTokenFile); ok {
		return sdk.IRSA, true
	}
	if _, ok := model.SetEnv(ct, webhook.EnvContainerFullURI); ok {
		return sdk.PodIdentity, true
	}
	switch {
	case targetMech == model.MechanismPodIdentity:
		return sdk.PodIdentity, true
	case targetMech == model.MechanismIRSA && !skipped:
		return sdk.IRSA, true
	}
	return 0, false
}

// describeImage: `image "amazon/aws-cli:2.13.0" is AWS CLI v2 2.13.0`, or
// `image "..." (ExternalDNS v0.14.0) carries github.com/aws/aws-sdk-go v1.44.311`.
func describeImage(v sdk.Verdict) string {
	if v.Image.TagIsSDKVersion {
		return fmt.Sprintf("image %q is %s", v.Ref.Raw, v.Carries)
	}
	return fmt.Sprintf("image %q (%s %s) carries %s", v.Ref.Raw, v.Image.Name, v.Ref.Tag, v.Carries)
}

// minimumPhrase: "EKS Pod Identity needs github.com/aws/aws-sdk-go
// v1.47.11 or later", or the support statement for an image's own client.
func minimumPhrase(v sdk.Verdict) string {
	if v.Minimum == nil {
		return v.Basis
	}
	if v.Minimum.All {
		return fmt.Sprintf("every %s version supports %s", v.Image.ClientName(), v.Mechanism)
	}
	what := v.Image.ClientName()
	if v.Image.TagIsSDKVersion && v.Image.SDKRow() != nil {
		what = v.Image.SDKRow().Name
	}
	return fmt.Sprintf("%s needs %s %s or later", v.Mechanism, what, v.Minimum.Version)
}

// minimumShort: " (AWS CLI v2 2.15.0)", " (AWS for Fluent Bit 2.32.5)", or
// "" when no minimum is known.
func minimumShort(v sdk.Verdict) string {
	switch {
	case v.Minimum != nil && !v.Minimum.All && v.Image.TagIsSDKVersion:
		return fmt.Sprintf(" (%s %s)", v.Image.Name, v.Minimum.Version)
	case v.Minimum != nil && !v.Minimum.All:
		return fmt.Sprintf(" (%s %s)", v.Image.ClientName(), v.Minimum.Version)
	case v.FirstFixed != "":
		return fmt.Sprintf(" (%s %s)", v.Image.Name, v.FirstFixed)
	}
	return ""
}

// consequence says what the old client does with the mechanism
// (docs/reference/sdk-versions.md; docs/reference/failure-modes.md#credential-chain-and-fallback #1, §3.6 #28).
func consequence(v sdk.Verdict) string {
	switch {
	case v.Mechanism == sdk.IRSA:
		return "so it does not read AWS_WEB_IDENTITY_TOKEN_FILE and falls back to the node's role through IMDS"
	case v.Minimum != nil:
		return "so its container-credential provider rejects the Pod Identity agent at 169.254.170.23 (older providers accept only loopback and ECS hosts) and the container does not get the association's role"
	}
	return "so the container does not get the association's role"
}

func tooOldMessage(v sdk.Verdict) string {
	msg := fmt.Sprintf("%s; %s, %s", describeImage(v), minimumPhrase(v), consequence(v))
	if v.FirstFixed != "" {
		msg += fmt.Sprintf("; %s is the first %s version known to work", v.FirstFixed, v.Image.Name)
	}
	return msg + fmt.Sprintf(" (sources: %s)", strings.Join(v.Sources, "; "))
}

// factEvidence is the data fact that decided, with its sources.
func factEvidence(v sdk.Verdict) model.Detail {
	return model.Ev(snapshot.Source{Kind: "reference", Ref: "irsa-doctor explain sdk-versions"}, fmt.Sprintf("%s (%s)", v.Basis, strings.Join(v.Sources, "; ")))
}

// upgradeFix sets the image to the first version known to work, on the
// workload's template (kubectl set image rolls it out); a bare pod's image
// cannot be changed to another version in place safely, so it gets words.
func upgradeFix(v sdk.Verdict, kind, name, ns, container string) []model.Detail {
	if v.FirstFixed == "" {
		return []model.Detail{model.Remedy(fmt.Sprintf("Upgrade container %s to a %s release that carries %s: %s. No source this tool knows names the first such release.",
			finding.MarkdownCode(container), v.Image.Name, minimumPhrase(v), v.Basis))}
	}
	image := imageRepository(v.Ref.Raw) + ":" + v.FirstFixed
	remedy := fmt.Sprintf("Upgrade container %s to %s or later (%s)", finding.MarkdownCode(container), finding.MarkdownCode(image), minimumPhrase(v))
	switch kind {
	case "Deployment", "StatefulSet", "DaemonSet", "CronJob":
		cmd := model.Command(model.Lit("kubectl"), model.Lit("set"), model.Lit("image"), model.KindName(kind, name), model.Lit("-n"), model.Namespace(ns), model.Value("container image", container+"="+image))
		return []model.Detail{model.Run(cmd), model.Remedy(remedy + ":\n\n" + model.Lines(cmd))}
	case "":
		return []model.Detail{model.Remedy(remedy + ": edit the pod's manifest and re-create the pod.")}
	}
	return []model.Detail{model.Remedy(remedy + fmt.Sprintf(": edit the pod template of %s %s and re-create its pods.", kind, name))}
}

// addonFieldsPage says that the image of an Amazon EKS add-on is a field
// Amazon EKS manages, and what changing it does.
const addonFieldsPage = "https://docs.aws.amazon.com/eks/latest/userguide/add-ons-configuration.html"

// addonFix is the fix for an image pulled from an Amazon EKS add-on's
// registry. Whether the add-on is installed as a managed add-on is not in
// the snapshot (kubectl drops managedFields), so both routes are offered
// and neither is run: fix.sh stops until the add-on version is filled in.
func addonFix(c *model.Context, v sdk.Verdict, a *sdk.EKSAddon, kind, name, ns, container string) []model.Detail {
	cluster, fill := model.Lit("CLUSTER_NAME"), "ADDON_VERSION and CLUSTER_NAME"
	if fact, _, missing := c.ClusterIssuer(); !missing && fact.ClusterName() != "" {
		cluster, fill = model.ClusterName(fact.ClusterName()), "ADDON_VERSION"
	}
	versions := model.Command(model.Lit("aws"), model.Lit("eks"), model.Lit("describe-addon-versions"), model.Lit("--addon-name"), model.Lit(a.Name),
		model.Lit("--query"), model.Lit("addons[].addonVersions[].addonVersion"))
	update := model.Command(model.Lit("aws"), model.Lit("eks"), model.Lit("update-addon"), model.Lit("--cluster-name"), cluster,
		model.Lit("--addon-name"), model.Lit(a.Name), model.Lit("--addon-version"), model.Lit("ADDON_VERSION"))
	first := "a release known to work"
	if v.FirstFixed != "" {
		first = finding.MarkdownCode(v.FirstFixed) + " or later"
	}
	remedy := fmt.Sprintf("Container %s runs %s from the registry of the Amazon EKS add-on %s. If the add-on is installed as an Amazon EKS add-on, update it to an add-on version whose image is %s (%s); the image is a field Amazon EKS manages, and changing it with kubectl stops Amazon EKS managing the add-on (%s):\n\n%s",
		finding.MarkdownCode(container), finding.MarkdownCode(v.Ref.Raw), finding.MarkdownCode(a.Name), first, minimumPhrase(v), addonFieldsPage, model.Lines(versions, update))
	details := []model.Detail{model.Alt("the Amazon EKS add-on: set "+fill+"; the add-on version is one whose image is "+first, update)}
	if v.FirstFixed != "" {
		// The add-on registry's tags carry -eksbuild.N suffixes; a
		// self-managed install takes the project's own registry, where
		// the table's version is a tag.
		repo := imageRepository(v.Ref.Raw)
		for _, r := range v.Image.Repositories {
			if !strings.Contains(r, "*") {
				repo = r
				break
			}
		}
		image := repo + ":" + v.FirstFixed
		switch kind {
		case "Deployment", "StatefulSet", "DaemonSet":
			set := model.Command(model.Lit("kubectl"), model.Lit("set"), model.Lit("image"), model.KindName(kind, name), model.Lit("-n"), model.Namespace(ns), model.Value("container image", container+"="+image))
			details = append(details, model.Instead("installed without the Amazon EKS add-on (self-managed)", set))
			remedy += "\n\nIf it is self-managed, set the image instead:\n\n" + model.Lines(set)
		}
	}
	return append(details, model.Remedy(remedy))
}

// imageRepository is the reference without its tag and digest, as written.
func imageRepository(ref string) string {
	s := strings.TrimSpace(ref)
	if i := strings.IndexByte(s, '@'); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, ':'); i > strings.LastIndexByte(s, '/') {
		s = s[:i]
	}
	return s
}

// applies408: the target has a pod spec to judge.
func applies408(_ *model.Context, t *model.Target) bool { return t.Spec != nil }

// containers408 are the containers whose SDK the check judges: those
// with a known image that use IRSA or EKS Pod Identity.
func containers408(c *model.Context, t *model.Target) []string {
	names := []string{}
	spec, skipped := sdkSpec(t)
	for _, ct := range model.AllContainers(spec) {
		mech, ok := containerMechanism(ct, t.Mechanism, skipped[ct.Name])
		if !ok || ct.Image == "" {
			continue
		}
		switch c.JudgeImage(ct.Image, mech).Status {
		case sdk.NoVersion, sdk.Supported, sdk.TooOld:
			names = append(names, ct.Name)
		}
	}
	return names
}

// sdkSpec is the spec whose containers' SDKs are judged (a template as
// the webhook will mutate it), with the containers named in
// skip-containers, which do not use the role.
func sdkSpec(t *model.Target) (*snapshot.PodSpec, map[string]bool) {
	spec := t.Spec
	// Only the skipped containers are listed (most pods have none): the
	// map is read, never written, past here, and a nil one reads false.
	var skipped map[string]bool
	switch {
	case t.IsTemplate() && t.PodIdentity:
		// The cluster has an association for the ServiceAccount: the
		// webhook injects container credentials into new pods
		// (docs/reference/webhook.md#pod-identity-mode, docs/reference/pod-identity.md#pod-identity-and-irsa-together).
		spec = webhook.Mutate(t.Namespace, t.Meta, t.Spec, t.SA, webhook.Config{PodIdentity: func(string, string) bool { return true }}).Spec
	case t.IsTemplate():
		spec = t.Mutated(false).Spec
	}
	if t.Mechanism == model.MechanismIRSA {
		// Containers named in skip-containers get nothing from the
		// webhook: they do not use the role (docs/reference/webhook.md#annotations-it-reads).
		for _, cr := range t.Mutated(false).Containers {
			// The last of a repeated name decides, as before.
			if cr.Skipped || skipped[cr.Name] {
				if skipped == nil {
					skipped = map[string]bool{}
				}
				skipped[cr.Name] = cr.Skipped
			}
		}
	}
	return spec, skipped
}
