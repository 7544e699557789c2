package suppress

import (
	"fmt"
	"sort"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/model"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// Annotation names the checks whose failures are ignored for an object:
// irsa-doctor.io/ignore: IRSA207[,trust-too-broad,...].
const Annotation = "irsa-doctor.io/ignore"

// Annotations reads the rules that irsa-doctor.io/ignore annotations on
// the snapshot's ServiceAccounts, workloads and pods give: one rule per
// check named, about the annotated object. An unknown check in an
// annotation yields a warning naming the object, and no rule; the other
// checks of that annotation still apply.
func Annotations(snap *snapshot.Snapshot) (rules []Rule, warnings []string) {
	add := func(kind string, meta *snapshot.ObjectMeta) {
		v, ok := meta.Annotations[Annotation]
		if !ok {
			return
		}
		obj := Object{Kind: kind, Namespace: meta.Namespace, Name: meta.Name}
		where := "annotation " + Annotation + " on " + obj.String()
		for _, item := range strings.Split(v, ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			id, err := resolveCheck(item)
			if err != nil {
				warnings = append(warnings, fmt.Sprintf("%s: %v; that entry is not applied", where, err))
				continue
			}
			o := obj
			rules = append(rules, Rule{Check: id, Object: &o, Reason: where, Source: "annotation on " + obj.String()})
		}
	}
	keys := make([]string, 0, len(snap.ServiceAccounts))
	for k := range snap.ServiceAccounts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		add("ServiceAccount", &snap.ServiceAccounts[k].ObjectMeta)
	}
	for _, w := range snap.Workloads {
		add(w.Kind, &w.ObjectMeta)
	}
	for _, p := range snap.Pods {
		add("Pod", &p.ObjectMeta)
	}
	return rules, warnings
}

// Apply marks ignored each failing finding of res that a rule matches
// (Matches), fills its Ignored, and summarises res again; skipped and
// passing findings are left alone. It returns how many it ignored. The
// caller leaves expired rules out (and reports them).
func Apply(res *finding.Result, snap *snapshot.Snapshot, rules []Rule) int {
	if len(rules) == 0 {
		return 0
	}
	m := newMatcher(res, snap)
	n := 0
	for i := range res.Findings {
		f := &res.Findings[i]
		if f.Status != finding.StatusFail {
			continue
		}
		if by := m.match(f, rules); len(by) > 0 {
			f.Status = finding.StatusIgnored
			f.Ignored = ignoredBy(by)
			n++
		}
	}
	res.Summarise()
	return n
}

// ignoredBy says why: the rule, or the rules that together cover a finding.
func ignoredBy(by []Rule) *finding.Ignored {
	var reasons, sources []string
	expires := ""
	seen := map[string]bool{}
	for _, r := range by {
		if !seen[r.Reason] {
			seen[r.Reason] = true
			reasons = append(reasons, r.Reason)
		}
		sources = append(sources, r.Source)
		// The finding comes back when the first of them expires.
		if r.Expires != "" && (expires == "" || r.Expires < expires) {
			expires = r.Expires
		}
	}
	return &finding.Ignored{Reason: strings.Join(reasons, "; "), Source: strings.Join(sources, "; "), Expires: expires}
}

// matcher relates a finding's objects to the objects that cover them.
type matcher struct {
	ix   *model.Index
	pods map[string]*snapshot.Pod
	// sa is each target's ServiceAccount, by kind/ns/name.
	sa map[finding.Ref]string
}

func newMatcher(res *finding.Result, snap *snapshot.Snapshot) *matcher {
	m := &matcher{ix: model.NewIndex(snap), pods: map[string]*snapshot.Pod{}, sa: map[finding.Ref]string{}}
	for _, p := range snap.Pods {
		m.pods[p.Namespace+"/"+p.Name] = p
	}
	for _, t := range res.Targets {
		if t.ServiceAccount != "" {
			m.sa[finding.Ref{Kind: t.Kind, Namespace: t.Namespace, Name: t.Name}] = t.ServiceAccount
		}
	}
	return m
}

// match returns the rules that suppress f, none when f stays failing.
//
// A rule of f's check without an object matches. A rule with an object
// matches when the object is f's subject; otherwise the rules of f's check
// together match when each Kubernetes object f concerns (its subject if
// it is a pod, workload, ServiceAccount or Pod Identity association, and
// each of its Affects) is covered by one of them: the object itself, its
// controller and top-level workload, or its ServiceAccount. Every one, not
// some: an IAM role's finding that concerns pods of two ServiceAccounts
// stays failing when only one of them is suppressed, since the other
// would lose its diagnosis.
func (m *matcher) match(f *finding.Finding, rules []Rule) []Rule {
	var mine []Rule
	for _, r := range rules {
		if r.Check != f.CheckID {
			continue
		}
		if r.Object == nil || isSubject(*r.Object, f.Subject) {
			return []Rule{r}
		}
		mine = append(mine, r)
	}
	refs := kubeRefs(f)
	if len(mine) == 0 || len(refs) == 0 {
		return nil
	}
	var by []Rule
	used := map[int]bool{}
	for _, ref := range refs {
		covering := m.cover(ref)
		found := false
		for i, r := range mine {
			if covering[*r.Object] {
				if !used[i] {
					used[i] = true
					by = append(by, r)
				}
				found = true
				break
			}
		}
		if !found {
			return nil
		}
	}
	return by
}

// isSubject reports whether o names the finding's subject. An IAM role
// may be named by its name or ARN, an OIDC provider by its ARN or issuer
// host and path (what follows oidc-provider/ in the ARN).
func isSubject(o Object, s finding.Subject) bool {
	if o.Kind != s.Kind || o.Namespace != s.Namespace {
		return false
	}
	if s.Name != "" && o.Name == s.Name || s.ARN != "" && o.Name == s.ARN {
		return true
	}
	if s.Kind == "OIDCProvider" {
		_, issuer, ok := strings.Cut(s.ARN, ":oidc-provider/")
		return ok && strings.TrimPrefix(o.Name, "https://") == issuer
	}
	return false
}

// kubeKinds are the kinds an annotation can be on, or that lead to one.
func kubeKind(kind string) bool {
	switch kind {
	case "Pod", "ServiceAccount", "PodIdentityAssociation":
		return true
	}
	_, ok := model.WorkloadKind(kind)
	return ok
}

// kubeRefs are the Kubernetes objects a finding concerns.
func kubeRefs(f *finding.Finding) []finding.Ref {
	var out []finding.Ref
	if kubeKind(f.Subject.Kind) && f.Subject.Namespace != "" {
		out = append(out, finding.Ref{Kind: f.Subject.Kind, Namespace: f.Subject.Namespace, Name: f.Subject.Name})
	}
	for _, a := range f.Affects {
		if a != (finding.Ref{}) {
			out = append(out, a)
		}
	}
	return out
}

// cover returns the objects whose suppression covers ref: ref itself, the
// workloads that control it (the direct controller and the top-level one,
// as far as the input tells: a ReplicaSet that is not in the input is
// resolved to its Deployment by name), and its ServiceAccount.
func (m *matcher) cover(ref finding.Ref) map[Object]bool {
	out := map[Object]bool{{Kind: ref.Kind, Namespace: ref.Namespace, Name: ref.Name}: true}
	var meta *snapshot.ObjectMeta
	sa := m.sa[ref]
	switch {
	case ref.Kind == "Pod":
		if p := m.pods[ref.Namespace+"/"+ref.Name]; p != nil {
			meta = &p.ObjectMeta
			if sa == "" {
				sa = p.Spec.ServiceAccount()
			}
		}
	case ref.Kind == "ServiceAccount":
		sa = ref.Name
	default:
		if w := m.ix.Workload(ref.Kind, ref.Namespace, ref.Name); w != nil {
			meta = &w.ObjectMeta
			if sa == "" {
				sa = w.Template.Spec.ServiceAccount()
			}
		}
	}
	if meta != nil {
		if c := meta.ControllerOf(); c != nil {
			out[Object{Kind: c.Kind, Namespace: ref.Namespace, Name: c.Name}] = true
		}
		if _, kind, name := m.ix.TopOwner(ref.Namespace, meta); kind != "" {
			out[Object{Kind: kind, Namespace: ref.Namespace, Name: name}] = true
		}
	}
	if sa != "" {
		out[Object{Kind: "ServiceAccount", Namespace: ref.Namespace, Name: sa}] = true
	}
	return out
}
