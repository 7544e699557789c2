package check

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"strings"
	"time"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

var irsa108 = &Check{
	ID:       "IRSA108",
	Slug:     "webhook-misconfigured",
	Title:    "The pod identity webhook's configuration keeps it from mutating pods",
	Severity: finding.SeverityError,
	Link:     finding.LinkWebhook,
	Scope:    ScopeWorkloads,
	Needs:    []snapshot.Kind{snapshot.KindWebhookConfiguration},
	Requires: []*Check{irsa101, irsa107},
	IRSA:     true,
	Subject:  model.WebhookSubjectOf,
	Applies:  applies108,
	Run:      runIRSA108,
}

func runIRSA108(c *model.Context, t *model.Target, r *Recorder) {
	cfgs := model.IdentifiedConfigs(c.Snap)
	if len(cfgs) == 0 {
		r.Skip(model.WebhookConfigSubject(webhook.ConfigurationName), "the pod identity webhook's MutatingWebhookConfiguration is not in the input (capture: kubectl get mutatingwebhookconfigurations -o json)")
		return
	}
	for _, wc := range cfgs {
		recordConfigProblems(c, r, wc)
	}
	recordSelection(c, t, r)
}

// hookProblem is one fault of a configuration.
type hookProblem struct {
	text     string
	severity finding.Severity
	// callFails: the API server calls the webhook but the call fails, so
	// failurePolicy decides what happens.
	callFails bool
	hook      *model.IdentifiedHook
	// evidence, from evSource, and remedy, when the problem has its own.
	evidence, remedy string
	evSource         snapshot.Source
}

// recordConfigProblems records one outcome for the configuration itself:
// what is wrong for every pod, whatever its namespace and labels.
func recordConfigProblems(c *model.Context, r *Recorder, wc *snapshot.WebhookConfiguration) {
	subj := model.WebhookConfigSubject(wc.Name)
	var probs []hookProblem
	var hooks []model.IdentifiedHook
	for _, h := range model.IdentifiedWebhooks(c.Snap) {
		if h.Cfg == wc {
			hooks = append(hooks, h)
		}
	}
	if len(hooks) == 0 {
		probs = append(probs, hookProblem{text: "the configuration has no webhooks, so nothing is called", severity: finding.SeverityError})
	}
	for i := range hooks {
		probs = append(probs, hookProblems(&hooks[i], c.Now)...)
		if p, ok := reviewVersionProblem(c.Snap, &hooks[i]); ok {
			probs = append(probs, p)
		}
	}
	if len(probs) == 0 {
		var names []string
		for _, h := range hooks {
			names = append(names, h.Hook.Name)
		}
		r.PassFunc(subj, func() (string, []model.Detail) {
			return fmt.Sprintf("webhook %s is called on CREATE of pods and its client configuration is complete", strings.Join(names, ", ")), nil
		})
		return
	}
	var texts []string
	sev := finding.SeverityInfo
	details := []model.Detail{}
	noted := map[*snapshot.MutatingWebhook]bool{}
	for _, p := range probs {
		texts = append(texts, p.text)
		if p.severity.Rank() > sev.Rank() {
			sev = p.severity
		}
		if p.hook != nil && p.callFails && !noted[p.hook.Hook] {
			noted[p.hook.Hook] = true
			details = append(details, model.Ev(wc.Source, model.FailurePolicyNote(*p.hook)))
		}
	}
	for _, h := range hooks {
		details = append(details, model.Ev(wc.Source, fmt.Sprintf("%s: rules %s; clientConfig %s", h.String(), rulesString(h.Hook.Rules), clientConfigString(h.Hook.ClientConfig))))
	}
	for _, p := range probs {
		if p.evidence != "" {
			details = append(details, model.Ev(p.evSource, p.evidence))
		}
	}
	for _, p := range probs {
		if p.remedy != "" {
			details = append(details, model.Remedy(p.remedy))
			break
		}
	}
	if sev != finding.SeverityError {
		details = append(details, model.WithSeverity(sev))
	}
	r.Fail(subj, strings.Join(texts, "; "), details...)
}

// hookProblems returns a webhook's faults that concern every pod.
func hookProblems(h *model.IdentifiedHook, now time.Time) []hookProblem {
	var out []hookProblem
	w := h.Hook
	if !createsPods(w.Rules) {
		out = append(out, hookProblem{hook: h, severity: finding.SeverityError,
			text: fmt.Sprintf("webhook %s has no rule for CREATE of v1 pods in the core group, so the API server never calls it when a pod is created", w.Name)})
	}
	cc := w.ClientConfig
	switch {
	case cc.Service != nil && cc.CABundle == "":
		out = append(out, hookProblem{hook: h, severity: finding.SeverityError, callFails: true,
			text: fmt.Sprintf("webhook %s calls service %s/%s without a caBundle: the API server then verifies the serving certificate against its system roots, which an in-cluster certificate never chains to, so every call fails (x509: certificate signed by unknown authority)",
				w.Name, cc.Service.Namespace, cc.Service.Name)})
	case cc.URL != nil && cc.CABundle == "":
		out = append(out, hookProblem{hook: h, severity: finding.SeverityWarning, callFails: true,
			text: fmt.Sprintf("webhook %s calls %s with an empty caBundle: calls succeed only if the endpoint's certificate chains to the API server's system roots", w.Name, *cc.URL)})
	case cc.CABundle != "":
		if msg := caBundleProblem(cc.CABundle, now); msg != "" {
			out = append(out, hookProblem{hook: h, severity: finding.SeverityError, callFails: true,
				text: fmt.Sprintf("webhook %s: %s, so the API server cannot verify the webhook's certificate and every call fails", w.Name, msg)})
		}
	}
	return out
}

// reviewVersionProblem reports a webhook whose admissionReviewVersions make
// the API server send AdmissionReview v1, which the webhook's releases up to
// webhook.LastV1beta1OnlyRelease answer without apiVersion and kind, so the
// API server rejects every answer
// (docs/reference/webhook.md#admissionreview-versions; webhook issue #225).
// An image whose tag is not such a release is not judged.
func reviewVersionProblem(s *snapshot.Snapshot, h *model.IdentifiedHook) (hookProblem, bool) {
	w := h.Hook
	if webhook.SentReviewVersion(w.AdmissionReviewVersions) != webhook.ReviewV1 {
		return hookProblem{}, false
	}
	img := model.ImageOf(s, *h)
	if img.Image != "" && !webhook.V1beta1Only(img.Image) {
		return hookProblem{}, false
	}
	p := hookProblem{hook: h, severity: finding.SeverityError, callFails: true}
	runs := fmt.Sprintf("the webhook's releases up to %s answer", webhook.LastV1beta1OnlyRelease)
	switch {
	case img.Image != "":
		runs = fmt.Sprintf("the webhook runs image %s, a release up to %s, which answers", img.Image, webhook.LastV1beta1OnlyRelease)
		p.evidence, p.evSource = fmt.Sprintf("%s runs image %s", img.Workload, img.Image), img.Source
	case img.Managed && strings.HasPrefix(*w.ClientConfig.URL, "https://127.0.0.1:"):
		p.evidence, p.evSource = fmt.Sprintf("%s calls %s: the EKS-managed webhook runs on the control plane, so its image and version are not in the input", h.String(), *w.ClientConfig.URL), h.Cfg.Source
	case img.Managed:
		p.evidence, p.evSource = fmt.Sprintf("%s calls %s, not a Service: the workload behind that URL, and so the webhook's image and version, cannot be told from the input", h.String(), *w.ClientConfig.URL), h.Cfg.Source
	default:
		ns := w.ClientConfig.Service.Namespace
		p.evidence, p.evSource = fmt.Sprintf("the webhook's image is not in the input (capture: kubectl get deployments,daemonsets -n %s -o json)", ns), h.Cfg.Source
	}
	p.text = fmt.Sprintf("webhook %s lists admissionReviewVersions [%s], so the API server sends it AdmissionReview v1; %s only v1beta1, without apiVersion and kind, and the API server rejects every answer (expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got /, Kind=)",
		w.Name, strings.Join(w.AdmissionReviewVersions, ", "), runs)
	i := 0
	for j := range h.Cfg.Webhooks {
		if &h.Cfg.Webhooks[j] == w {
			i = j
		}
	}
	patch := fmt.Sprintf(`kubectl patch mutatingwebhookconfiguration %s --type=json -p '[{"op":"replace","path":"/webhooks/%d/admissionReviewVersions","value":["v1beta1","v1"]}]'`, h.Cfg.Name, i)
	p.remedy = fmt.Sprintf("List `v1beta1` before `v1` in the webhook's admissionReviewVersions so that the API server sends the version the webhook answers (on a self-managed installation, %s), then re-create the pods that were admitted unmutated. On EKS the configuration belongs to the managed control plane: open a case with AWS Support rather than editing it.", finding.MarkdownCode(patch))
	return p, true
}

// createsPods reports whether a rule matches CREATE of core/v1 pods, as the
// API server's rule matcher does: "*" matches any operation, group,
// version or resource; "*/*" any resource and subresource; "pods/*" only
// subresources; scope "Cluster" excludes namespaced pods.
func createsPods(rules []snapshot.RuleWithOperations) bool {
	for _, r := range rules {
		if r.Scope != nil && *r.Scope == "Cluster" {
			continue
		}
		if model.SelectorHas(r.Operations, "CREATE") || model.SelectorHas(r.Operations, "*") {
			if (model.SelectorHas(r.APIGroups, "") || model.SelectorHas(r.APIGroups, "*")) &&
				(model.SelectorHas(r.APIVersions, "v1") || model.SelectorHas(r.APIVersions, "*")) &&
				(model.SelectorHas(r.Resources, "pods") || model.SelectorHas(r.Resources, "*") || model.SelectorHas(r.Resources, "*/*")) {
				return true
			}
		}
	}
	return false
}

// caBundleProblem says what is wrong with a caBundle (base64 of PEM
// certificates, as kubectl prints it), or "".
func caBundleProblem(bundle string, now time.Time) string {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(bundle))
	if err != nil {
		return "its caBundle is not valid base64"
	}
	var certs []*x509.Certificate
	bad := 0
	for rest := raw; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			bad++
			continue
		}
		certs = append(certs, cert)
	}
	if len(certs) == 0 {
		if bad > 0 {
			return "its caBundle holds no certificate that parses"
		}
		return "its caBundle holds no PEM certificate"
	}
	if now.IsZero() {
		return ""
	}
	var latest time.Time
	for _, cert := range certs {
		if !now.Before(cert.NotBefore) && !now.After(cert.NotAfter) {
			return ""
		}
		if cert.NotAfter.After(latest) {
			latest = cert.NotAfter
		}
	}
	if latest.Before(now) {
		return "every certificate in its caBundle has expired (the last on " + latest.UTC().Format(time.RFC3339) + ")"
	}
	return "no certificate in its caBundle is valid yet"
}

// hookSelection is whether one webhook is called for a target.
type hookSelection struct {
	h        model.IdentifiedHook
	selected bool
	// excluded lists why the API server does not call it for the target;
	// unknown why that cannot be told.
	excluded, unknown []string
	details           []model.Detail
}

// recordSelection records one outcome for the target: whether some
// identified webhook's selectors and match conditions admit it.
func recordSelection(c *model.Context, t *model.Target, r *Recorder) {
	subj := t.Subject()
	var sels []hookSelection
	for _, h := range model.IdentifiedWebhooks(c.Snap) {
		sels = append(sels, selectionOf(c, t, h))
	}
	if len(sels) == 0 {
		// A configuration with no webhooks: reported on the configuration.
		return
	}
	var excluded, unknown []string
	var details []model.Detail
	for _, s := range sels {
		if s.selected {
			r.PassFunc(subj, func() (string, []model.Detail) {
				return fmt.Sprintf("%s selects the pod's namespace and labels", s.h.String()), nil
			})
			return
		}
		excluded = append(excluded, s.excluded...)
		unknown = append(unknown, s.unknown...)
		details = append(details, s.details...)
	}
	if len(unknown) > 0 {
		r.Skip(subj, strings.Join(unknown, "; "), details...)
		return
	}
	r.Fail(subj, strings.Join(excluded, "; ")+": the API server never sends the pod to the webhook, so it gets no IRSA credentials", details...)
}

// selectionOf evaluates one webhook's namespaceSelector, objectSelector and
// matchConditions for the target. The skip label requirement is left to
// IRSA111.
func selectionOf(c *model.Context, t *model.Target, h model.IdentifiedHook) hookSelection {
	out := hookSelection{h: h}
	w := h.Hook
	// The same words for a template and its pods, so that a pod's finding
	// folds into its workload's (a template's labels are its pods' labels).
	what := "pod"

	if reqs, err := model.SelectorRequirements(w.NamespaceSelector); err != nil {
		out.unknown = append(out.unknown, fmt.Sprintf("%s has an invalid namespaceSelector: %v", h.String(), err))
	} else if len(reqs) > 0 {
		labels, src, derived, ok := namespaceLabels(c.Snap, t, reqs)
		switch {
		case !ok:
			out.unknown = append(out.unknown, fmt.Sprintf("the namespaceSelector %q of %s needs the labels of Namespace %s, which is not in the input (capture: kubectl get namespace %s -o json)",
				model.SelectorString(w.NamespaceSelector), h.String(), t.Namespace, t.Namespace))
		default:
			if _, unmet, _ := model.SelectorMatch(w.NamespaceSelector, labels); len(unmet) > 0 {
				out.excluded = append(out.excluded, fmt.Sprintf("the namespaceSelector %q of %s does not select Namespace %s (%s)",
					model.SelectorString(w.NamespaceSelector), h.String(), t.Namespace, unmetText(unmet, labels)))
				nsEv := fmt.Sprintf("Namespace %s labels: %s", t.Namespace, labelsString(labels))
				if derived {
					nsEv = fmt.Sprintf("Namespace %s is not in the input; its %s label is its name", t.Namespace, metadataNameLabel)
				}
				out.details = append(out.details,
					model.Ev(src, nsEv),
					model.Ev(h.Cfg.Source, fmt.Sprintf("%s namespaceSelector: %s", h.String(), model.SelectorString(w.NamespaceSelector))))
				out.details = append(out.details, namespaceFix(c, t, unmet[0])...)
			}
		}
	}

	var labels map[string]string
	if t.Meta != nil {
		labels = t.Meta.Labels
	}
	if _, unmet, err := model.SelectorMatch(w.ObjectSelector, labels); err != nil {
		out.unknown = append(out.unknown, fmt.Sprintf("%s has an invalid objectSelector: %v", h.String(), err))
	} else {
		var rest []model.LabelRequirement
		for _, u := range unmet {
			if u.Key != webhook.LabelSkip {
				rest = append(rest, u)
			}
		}
		if len(rest) > 0 {
			out.excluded = append(out.excluded, fmt.Sprintf("the objectSelector %q of %s does not select the %s's labels (%s)",
				model.SelectorString(w.ObjectSelector), h.String(), what, unmetText(rest, labels)))
			out.details = append(out.details,
				model.Ev(t.Source, fmt.Sprintf("%s %s/%s labels: %s", t.Kind, t.Namespace, t.Name, labelsString(labels))),
				model.Ev(h.Cfg.Source, fmt.Sprintf("%s objectSelector: %s", h.String(), model.SelectorString(w.ObjectSelector))))
			out.details = append(out.details, labelFix(c, t, rest[0])...)
		}
	}

	if len(out.excluded) == 0 && len(w.MatchConditions) > 0 {
		var names []string
		for _, m := range w.MatchConditions {
			names = append(names, m.Name)
		}
		out.unknown = append(out.unknown, fmt.Sprintf("%s has matchConditions (%s) whose CEL expressions this tool does not evaluate: they may exclude the %s",
			h.String(), strings.Join(names, ", "), what))
		for _, m := range w.MatchConditions {
			out.details = append(out.details, model.Ev(h.Cfg.Source, fmt.Sprintf("matchCondition %s: %s", m.Name, m.Expression)))
		}
	}
	out.selected = len(out.excluded) == 0 && len(out.unknown) == 0
	return out
}

// metadataNameLabel is set by the API server on every Namespace, equal to
// its name (immutable, GA since Kubernetes 1.22).
const metadataNameLabel = "kubernetes.io/metadata.name"

// namespaceLabels returns the labels of the target's Namespace for a
// namespaceSelector. Without the Namespace in the input, a selector that
// only reads kubernetes.io/metadata.name can still be judged (derived).
func namespaceLabels(s *snapshot.Snapshot, t *model.Target, reqs []model.LabelRequirement) (labels map[string]string, src snapshot.Source, derived, ok bool) {
	if n := s.Namespaces[t.Namespace]; n != nil {
		return n.Labels, n.Source, false, true
	}
	for _, n := range s.Namespaces {
		if n.Name == t.Namespace {
			return n.Labels, n.Source, false, true
		}
	}
	for _, r := range reqs {
		if r.Key != metadataNameLabel {
			return nil, snapshot.Source{}, false, false
		}
	}
	return map[string]string{metadataNameLabel: t.Namespace}, t.Source, true, true
}

func unmetText(unmet []model.LabelRequirement, labels map[string]string) string {
	var parts []string
	for _, u := range unmet {
		parts = append(parts, u.String()+" fails: "+u.Unmet(labels))
	}
	return strings.Join(parts, ", ")
}

func labelsString(labels map[string]string) string {
	if len(labels) == 0 {
		return "none"
	}
	keys := make(map[string]bool, len(labels))
	for k := range labels {
		keys[k] = true
	}
	var parts []string
	for _, k := range model.SortedKeys(keys) {
		parts = append(parts, k+"="+labels[k])
	}
	return strings.Join(parts, ",")
}

// namespaceFix proposes the label change that makes the namespace match
// the first unmet requirement, then the re-creation of the target's pods.
func namespaceFix(c *model.Context, t *model.Target, u model.LabelRequirement) []model.Detail {
	var cmds []model.Argv
	switch {
	case u.Key == metadataNameLabel:
		// Immutable: the configuration must change instead.
	case u.Operator == model.SelectorOpIn:
		cmds = append(cmds, model.Command(model.Lit("kubectl"), model.Lit("label"), model.Lit("namespace"),
			model.Namespace(t.Namespace), model.Value("label", u.Key+"="+u.Values[0]), model.Lit("--overwrite")))
	case u.Operator == model.SelectorOpNotIn || u.Operator == model.SelectorOpDoesNotExist:
		cmds = append(cmds, model.Command(model.Lit("kubectl"), model.Lit("label"), model.Lit("namespace"), model.Namespace(t.Namespace), model.Value("label key", u.Key+"-")))
	}
	_, how := recreateAfterChange(c, t)
	if len(cmds) == 0 {
		// No command fixes it from the workload's side: restarting alone
		// would change nothing.
		return []model.Detail{model.Remedy(fmt.Sprintf("Namespace %s cannot be relabelled to match %s: change the webhook's namespaceSelector, or run the workload in a selected namespace; then %s.", t.Namespace, finding.MarkdownCode(u.String()), how))}
	}
	re, _ := recreateAfterChange(c, t)
	cmds = append(cmds, re...)
	return []model.Detail{model.Run(cmds...), model.Remedy(fmt.Sprintf("Make Namespace %s match the webhook's namespaceSelector (requirement %s), then %s.", t.Namespace, finding.MarkdownCode(u.String()), how))}
}

// labelFix proposes the pod template label change that satisfies the
// first unmet objectSelector requirement; changing the template rolls the
// pods, which are then created through the webhook.
func labelFix(c *model.Context, t *model.Target, u model.LabelRequirement) []model.Detail {
	var value *string
	switch u.Operator {
	case model.SelectorOpIn:
		value = &u.Values[0]
	case model.SelectorOpNotIn, model.SelectorOpDoesNotExist:
	default:
		return []model.Detail{model.Remedy(fmt.Sprintf("Give the pod template a label that satisfies %s (the webhook's objectSelector), then re-create the pods.", finding.MarkdownCode(u.String())))}
	}
	kind, name := model.TemplateOwner(c, t)
	cmd := model.TemplatePatchCmd(kind, name, t.Namespace, "labels", u.Key, value)
	remedy := fmt.Sprintf("Change the pod template's labels to satisfy %s (the webhook's objectSelector); the new pods are created through the webhook.", finding.MarkdownCode(u.String()))
	if cmd.None() {
		return []model.Detail{model.Remedy(remedy + " This controller does not roll its pods on a template change: re-create them.")}
	}
	return []model.Detail{model.Run(cmd), model.Remedy(remedy)}
}

// recreateAfterChange returns the commands that re-create the target's
// pods once the webhook will select them, and the phrase that says so.
func recreateAfterChange(c *model.Context, t *model.Target) ([]model.Argv, string) {
	if t.IsPod() {
		cmds, _ := model.RecreateFix(c, t)
		return cmds, "re-create the pod so that it is admitted again"
	}
	switch t.Kind {
	case "Deployment", "StatefulSet", "DaemonSet":
		return []model.Argv{model.RolloutRestart(t.Kind, t.Name, t.Namespace)}, "restart the " + t.Kind + " so that its pods are created again"
	}
	return nil, "re-create the " + t.Kind + "'s pods"
}

func rulesString(rules []snapshot.RuleWithOperations) string {
	if len(rules) == 0 {
		return "none"
	}
	var parts []string
	for _, r := range rules {
		groups := make([]string, len(r.APIGroups))
		for i, g := range r.APIGroups {
			groups[i] = fmt.Sprintf("%q", g)
		}
		s := fmt.Sprintf("[%s %s %s %s]", strings.Join(r.Operations, ","), strings.Join(groups, ","), strings.Join(r.APIVersions, ","), strings.Join(r.Resources, ","))
		if r.Scope != nil {
			s = strings.TrimSuffix(s, "]") + " scope " + *r.Scope + "]"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func clientConfigString(cc snapshot.WebhookClientConfig) string {
	var s string
	switch {
	case cc.Service != nil:
		s = "service " + cc.Service.Namespace + "/" + cc.Service.Name
		if cc.Service.Path != nil {
			s += " path " + *cc.Service.Path
		}
		if cc.Service.Port != nil {
			s += fmt.Sprintf(" port %d", *cc.Service.Port)
		}
	case cc.URL != nil:
		s = "url " + *cc.URL
	default:
		s = "no service or url"
	}
	if cc.CABundle == "" {
		return s + ", no caBundle"
	}
	return s + ", caBundle set"
}

// applies108: the target needs the webhook to mutate its pods.
func applies108(c *model.Context, t *model.Target) bool { return model.NeedsWebhook(c, t) }
