package model

import (
	"sort"
	"strings"
	"sync"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// Mechanisms a target may use (docs/contract.md#the-json-document).
const (
	MechanismIRSA        = "irsa"
	MechanismPodIdentity = "pod-identity"
	MechanismNone        = "none"
)

// Target is one diagnosed object: a pod, the pod template of a top-level
// workload, or an annotated ServiceAccount that nothing uses.
type Target struct {
	// Kind is "Pod", the workload's kind, or "ServiceAccount".
	Kind      string
	Namespace string
	Name      string

	Pod      *snapshot.Pod      // set for pods
	Workload *snapshot.Workload // set for templates
	// Meta and Spec are the pod's, or the template's; nil for SA targets.
	Meta *snapshot.ObjectMeta
	Spec *snapshot.PodSpec

	// SAName is the ServiceAccount the pod runs as; SA is nil when the input
	// does not hold it.
	SAName string
	SA     *snapshot.ServiceAccount
	// SACopies, when SA is nil, says why the bundle left the ServiceAccount
	// out: it holds copies of it that differ (SACopiesDiffer).
	SACopies string

	// Owner is the top-level workload that owns a pod, when the input holds it.
	Owner *snapshot.Workload
	// Association is set for an EKS Pod Identity association target: one
	// whose ServiceAccount the input does not hold (Kind
	// "PodIdentityAssociation", Name its ID, SAName its ServiceAccount).
	Association *snapshot.PodIdentityAssociation

	Mechanism string
	// PodIdentity reports that the pod carries, or the webhook will give
	// the template, EKS Pod Identity's injection. Mechanism is still "irsa"
	// when a container uses web identity all the same: web identity comes
	// before container credentials in every SDK chain (docs/reference/pod-identity.md#pod-identity-and-irsa-together,
	// §7), so that container uses the IRSA role and the IRSA checks judge it.
	PodIdentity bool
	// Named is true when a target flag named the object.
	Named bool
	// Source is where the object came from.
	Source snapshot.Source

	// memo holds work shared by several checks of this target, done once
	// (OnceFor). A target is judged by one engine worker, but checks also
	// look at other targets (the pods of the same ServiceAccount: IRSA104,
	// IRSA201, the bare trust policy), which another worker may be
	// judging: mu guards the memo, never the work.
	mu   sync.Mutex
	memo []memoEntry
}

// Forget drops what was memoised for the target (OnceFor) once it has been
// judged.
func (t *Target) Forget() {
	t.mu.Lock()
	t.memo = nil
	t.mu.Unlock()
}

// MemoRoom keeps the room of a judged target's memo for the next target an
// engine worker judges (ForgetInto, UseRoom): every target fills about as
// many entries, and 10,000 targets would otherwise each make a memo of
// their own, garbage once they are judged. The zero value is empty.
type MemoRoom struct{ free []memoEntry }

// ForgetInto is Forget, keeping the memo's room in r. The entries are
// cleared (their values let go); no one else holds the memo's array:
// OnceFor reads and writes it under the lock, and copies values out.
func (t *Target) ForgetInto(r *MemoRoom) {
	t.mu.Lock()
	m := t.memo
	t.memo = nil
	t.mu.Unlock()
	if cap(m) > cap(r.free) {
		clear(m)
		r.free = m[:0]
	}
}

// UseRoom gives the target the room r keeps, unless it has a memo already
// (another worker's check asked about it first).
func (t *Target) UseRoom(r *MemoRoom) {
	if r.free == nil {
		return
	}
	t.mu.Lock()
	if t.memo == nil {
		t.memo = r.free
		r.free = nil
	}
	t.mu.Unlock()
}

// Mutated is webhook.Mutate with the upstream defaults (and the skip label
// left to the caller when ignoreSkipLabel), computed once per target. Its
// spec shares with the target's what the webhook leaves as it is
// (webhook.MutateShared): like the snapshot's, it is read-only.
func (t *Target) Mutated(ignoreSkipLabel bool) webhook.Result {
	if ignoreSkipLabel && (t.Meta == nil || !hasKey(t.Meta.Labels, webhook.LabelSkip)) {
		// Without the label both answers are the same (the option
		// concerns the label alone): compute it once.
		ignoreSkipLabel = false
	}
	return OnceFor(t, mutatedKey{ignoreSkipLabel}, func() webhook.Result {
		return webhook.MutateShared(t.Namespace, t.Meta, t.Spec, t.SA, webhook.Config{IgnoreSkipLabel: ignoreSkipLabel})
	})
}

type mutatedKey struct{ ignoreSkipLabel bool }

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}

// Key identifies the target in the run.
func (t *Target) Key() string { return t.Kind + "/" + t.Namespace + "/" + t.Name }

// IsPod reports a pod target (runtime state is known).
func (t *Target) IsPod() bool { return t.Pod != nil }

// IsTemplate reports a workload template target.
func (t *Target) IsTemplate() bool { return t.Workload != nil }

// IsServiceAccount reports a bare ServiceAccount target.
func (t *Target) IsServiceAccount() bool {
	return t.Pod == nil && t.Workload == nil && t.Association == nil
}

// IsAssociation reports an EKS Pod Identity association target.
func (t *Target) IsAssociation() bool { return t.Association != nil }

// Subject is the target itself as a finding subject.
func (t *Target) Subject() finding.Subject {
	if t.Association != nil {
		return AssociationSubject(t.Association)
	}
	return finding.Subject{Kind: t.Kind, Namespace: t.Namespace, Name: t.Name}
}

// AssociationSubject is an EKS Pod Identity association as a finding
// subject: namespace/ID, with its ARN.
func AssociationSubject(a *snapshot.PodIdentityAssociation) finding.Subject {
	name := a.ID
	if name == "" {
		name = a.ServiceAccount
	}
	return finding.Subject{Kind: "PodIdentityAssociation", Namespace: a.Namespace, Name: name, ARN: a.ARN}
}

// ContainerSubject is a container of the target.
func (t *Target) ContainerSubject(container string) finding.Subject {
	s := t.Subject()
	s.Container = container
	return s
}

// SASubject is the target's ServiceAccount as a finding subject.
func (t *Target) SASubject() finding.Subject {
	return finding.Subject{Kind: "ServiceAccount", Namespace: t.Namespace, Name: t.SAName}
}

// Containers returns every container of the target's spec: init containers
// (native sidecars included), regular containers, then ephemeral ones.
func (t *Target) Containers() []*snapshot.Container {
	if t.Spec == nil {
		return nil
	}
	return AllContainers(t.Spec)
}

// AllContainers returns init, regular and ephemeral containers, in order.
func AllContainers(s *snapshot.PodSpec) []*snapshot.Container {
	out := make([]*snapshot.Container, 0, len(s.InitContainers)+len(s.Containers)+len(s.EphemeralContainers))
	for i := range s.InitContainers {
		out = append(out, &s.InitContainers[i])
	}
	for i := range s.Containers {
		out = append(out, &s.Containers[i])
	}
	for i := range s.EphemeralContainers {
		out = append(out, &s.EphemeralContainers[i])
	}
	return out
}

// Env returns the container's env var name, and whether it is set.
func Env(c *snapshot.Container, name string) (*snapshot.EnvVar, bool) {
	for i := range c.Env {
		if c.Env[i].Name == name {
			return &c.Env[i], true
		}
	}
	return nil, false
}

// Volume returns the pod volume with that name.
func Volume(s *snapshot.PodSpec, name string) *snapshot.Volume {
	for i := range s.Volumes {
		if s.Volumes[i].Name == name {
			return &s.Volumes[i]
		}
	}
	return nil
}

// RoleAnnotation returns the SA's eks.amazonaws.com/role-arn value and
// whether the key is present.
func RoleAnnotation(sa *snapshot.ServiceAccount) (string, bool) {
	if sa == nil {
		return "", false
	}
	v, ok := sa.Annotations[webhook.AnnotationRoleARN]
	return v, ok
}

// Selector is what the target flags ask for.
type Selector struct {
	// Namespaces limits the default selection ("" or empty: every namespace).
	Namespaces []string
	Pods       []NamespacedName
	SAs        []NamespacedName
	// Workloads are KIND/NS/NAME; Kind matched case-insensitively.
	Workloads []WorkloadRef
	// Keep, when set, keeps of the targets the rest of the selector picks
	// only those it returns true for (by the target's Kind, Namespace and
	// Name): serve re-diagnoses only the targets an event touched. What is
	// picked does not change (a ServiceAccount is a target of its own
	// only when nothing picked uses it, whatever Keep says of its users),
	// so a kept target is judged as in a run without Keep.
	Keep func(kind, namespace, name string) bool
	// Within, with Keep, spares the walk of every pod and workload of the
	// snapshot (see Within); ignored without Keep.
	Within *Within
}

// Within are the pods and workloads a selection with Keep walks in place
// of all of the snapshot's: serve keeps an index of its objects by
// ServiceAccount, so that re-diagnosing one ServiceAccount's users costs
// nothing per pod of the cluster. A walk of every object gives the same
// targets: an object Keep leaves out, and whose ServiceAccount no kept
// target depends on, is not even judged (selection.skip).
//
// Pods and Workloads are objects of the snapshot (the same pointers), in
// its order, and hold at least every one that Keep keeps and every one
// that runs as a ServiceAccount of ServiceAccounts (NS/NAME). The
// selection walks them only when ServiceAccounts holds every
// ServiceAccount whose own target or association target Keep keeps
// (whose use by an object decides whether it is a target), else every
// object as without Within.
type Within struct {
	Pods            []*snapshot.Pod
	Workloads       []*snapshot.Workload
	ServiceAccounts map[string]bool
}

// NamespacedName is NS/NAME.
type NamespacedName struct{ Namespace, Name string }

// WorkloadRef is KIND/NS/NAME.
type WorkloadRef struct{ Kind, Namespace, Name string }

// Named reports whether any object flag was given.
func (s Selector) Named() bool { return len(s.Pods)+len(s.SAs)+len(s.Workloads) > 0 }

func (s Selector) inNamespace(ns string) bool {
	if len(s.Namespaces) == 0 {
		return true
	}
	for _, n := range s.Namespaces {
		if n == "" || n == ns {
			return true
		}
	}
	return false
}

// Index relates objects of the snapshot to each other.
type Index struct {
	snap *snapshot.Snapshot
	// workloads by kind/ns/name
	workloads map[workloadKey]*snapshot.Workload
	// docs holds the trust policies parsed so far, by text, for every
	// engine worker (Context.TrustDocument): a document is read-only once
	// parsed, and each worker parsing each role's policy again cost a
	// tenth of the checks' time.
	docs sync.Map // string -> docEntry
}

func NewIndex(s *snapshot.Snapshot) *Index {
	ix := &Index{snap: s, workloads: map[workloadKey]*snapshot.Workload{}}
	for _, w := range s.Workloads {
		ix.workloads[workloadKey{w.Kind, w.Namespace, w.Name}] = w
	}
	return ix
}

// Workload returns the workload kind/ns/name, or nil.
func (ix *Index) Workload(kind, ns, name string) *snapshot.Workload {
	return ix.workloads[workloadKey{kind, ns, name}]
}

// workloadKey identifies a workload in Index: a struct, not a joined
// string, so that a lookup builds no string.
type workloadKey struct{ kind, ns, name string }

// TopOwner returns the top-level workload that controls the object (pod or
// workload) in namespace ns, following controller references: Pod ->
// ReplicaSet -> Deployment, Pod -> Job -> CronJob, Pod -> StatefulSet or
// DaemonSet. A ReplicaSet that is not in the input is resolved to its
// Deployment by name (the ReplicaSet is named DEPLOYMENT-HASH, the pod
// carries the hash as pod-template-hash). It returns nil when no owner is
// in the input, and the owner's kind and name as far as it could tell.
func (ix *Index) TopOwner(ns string, meta *snapshot.ObjectMeta) (w *snapshot.Workload, kind, name string) {
	ref := meta.ControllerOf()
	for depth := 0; ref != nil && depth < 5; depth++ {
		kind, name = ref.Kind, ref.Name
		next := ix.Workload(ref.Kind, ns, ref.Name)
		if next == nil {
			switch ref.Kind {
			case "ReplicaSet":
				if hash := meta.Labels["pod-template-hash"]; hash != "" && strings.HasSuffix(ref.Name, "-"+hash) {
					dep := strings.TrimSuffix(ref.Name, "-"+hash)
					kind, name = "Deployment", dep
					if d := ix.Workload("Deployment", ns, dep); d != nil {
						return d, kind, name
					}
				}
			case "Job":
				// A CronJob's Job is CRONJOB-<scheduled minutes>.
				if i := strings.LastIndexByte(ref.Name, '-'); i > 0 {
					if cj := ix.Workload("CronJob", ns, ref.Name[:i]); cj != nil {
						return cj, "CronJob", cj.Name
					}
				}
			}
			return nil, kind, name
		}
		w = next
		ref = next.ControllerOf()
		meta = &next.ObjectMeta
	}
	return w, kind, name
}

// Targets picks the targets of a run, as CONTRACT "What is diagnosed by
// default" says (docs/contract.md), or the objects the selector names,
// then decides each target's mechanism. The two steps are apart:
// selection looks at intent and proof of absence, never at the mechanism.
func Targets(s *snapshot.Snapshot, sel Selector, ix *Index) []*Target {
	out := newSelection(s, sel, ix).targets()
	if sel.Keep != nil {
		kept := out[:0]
		for _, t := range out {
			if sel.Keep(t.Kind, t.Namespace, t.Name) {
				kept = append(kept, t)
			}
		}
		out = kept
	}
	for _, t := range out {
		decideMechanism(s, t)
	}
	return out
}

// decideMechanism sets the target's Mechanism (and PodIdentity): a
// target with Pod Identity's injection of which a container still takes
// web identity uses IRSA (web identity comes first in every SDK chain).
func decideMechanism(s *snapshot.Snapshot, t *Target) {
	t.Mechanism = mechanism(s, t)
	if t.Mechanism == MechanismPodIdentity && !t.IsAssociation() {
		t.PodIdentity = true
		if usesWebIdentity(s, t) {
			t.Mechanism = MechanismIRSA
		}
	}
}

// selection picks the targets: top-level workloads, then pods, then the
// annotated ServiceAccounts that none of those uses, then the EKS Pod
// Identity associations whose ServiceAccount the input does not hold.
type selection struct {
	s   *snapshot.Snapshot
	sel Selector
	ix  *Index
	// named objects, by NS/NAME (workloads by KIND/NS/NAME, kind lower-cased)
	pods, sas, workloads map[string]bool
	// usedSA are the ServiceAccounts of the workloads and pods picked.
	usedSA map[string]bool
	// keptSA, with Selector.Keep, are the ServiceAccounts (NS/NAME) whose
	// own target, or association target, Keep keeps: whether a pod or
	// workload that Keep leaves out is picked matters only for them
	// (usedSA), so the others are not judged at all (skip).
	keptSA map[string]bool
	// walkPods and walkWorkloads are the objects walked: the snapshot's,
	// or Selector.Within's when it covers keptSA.
	walkPods      []*snapshot.Pod
	walkWorkloads []*snapshot.Workload
}

// skip reports an object Keep leaves out and whose ServiceAccount no
// kept target depends on: picking it or not changes no kept target.
func (l *selection) skip(kind, ns, name, sa string) bool {
	return l.sel.Keep != nil && !l.sel.Keep(kind, ns, name) && !l.keptSA[snapshot.Key(ns, sa)]
}

func newSelection(s *snapshot.Snapshot, sel Selector, ix *Index) *selection {
	l := &selection{s: s, sel: sel, ix: ix, pods: map[string]bool{}, sas: map[string]bool{}, workloads: map[string]bool{}, usedSA: map[string]bool{},
		walkPods: s.Pods, walkWorkloads: s.Workloads}
	for _, r := range sel.Pods {
		l.pods[snapshot.Key(r.Namespace, r.Name)] = true
	}
	for _, r := range sel.SAs {
		l.sas[snapshot.Key(r.Namespace, r.Name)] = true
	}
	for _, r := range sel.Workloads {
		l.workloads[strings.ToLower(r.Kind)+"/"+snapshot.Key(r.Namespace, r.Name)] = true
	}
	if sel.Keep != nil {
		l.keptSA = map[string]bool{}
		for key, sa := range s.ServiceAccounts {
			if sel.Keep("ServiceAccount", sa.Namespace, sa.Name) {
				l.keptSA[key] = true
			}
		}
		for _, a := range s.PodIdentityAssociations {
			name := a.ID
			if name == "" {
				name = a.ServiceAccount
			}
			if sel.Keep("PodIdentityAssociation", a.Namespace, name) {
				l.keptSA[snapshot.Key(a.Namespace, a.ServiceAccount)] = true
			}
		}
		if w := sel.Within; w != nil && coversAll(w.ServiceAccounts, l.keptSA) {
			l.walkPods, l.walkWorkloads = w.Pods, w.Workloads
		}
	}
	return l
}

// coversAll reports whether have holds every key of want.
func coversAll(have, want map[string]bool) bool {
	for k := range want {
		if !have[k] {
			return false
		}
	}
	return true
}

func (l *selection) targets() []*Target {
	var out []*Target
	out = append(out, l.workloadTargets()...)
	out = append(out, l.podTargets()...)
	out = append(out, l.serviceAccountTargets()...)
	return append(out, l.associationTargets()...)
}

// wantWorkload: a flag names the workload, or its ServiceAccount.
func (l *selection) wantWorkload(w *snapshot.Workload) bool {
	return l.workloads[strings.ToLower(w.Kind)+"/"+snapshot.Key(w.Namespace, w.Name)] ||
		l.sas[snapshot.Key(w.Namespace, w.Template.Spec.ServiceAccount())]
}

// wantPod: a flag names the pod, its ServiceAccount, or its top-level
// workload (as far as the input tells).
func (l *selection) wantPod(p *snapshot.Pod) bool {
	if l.pods[snapshot.Key(p.Namespace, p.Name)] || l.sas[snapshot.Key(p.Namespace, p.Spec.ServiceAccount())] {
		return true
	}
	if len(l.workloads) == 0 {
		return false
	}
	w, kind, name := l.ix.TopOwner(p.Namespace, &p.ObjectMeta)
	return (w != nil || name != "") && l.workloads[strings.ToLower(kind)+"/"+snapshot.Key(p.Namespace, name)]
}

// wanted is the default selection's test for a pod or template: its
// namespace is selected, and it shows IRSA or Pod Identity intent or its
// ServiceAccount is proven missing (IRSA101 concerns every pod).
func (l *selection) wanted(t *Target) bool {
	return l.sel.inNamespace(t.Namespace) && (hasIntent(t) || saMissing(l.s, t) || podIdentityIntent(l.s, t))
}

func (l *selection) workloadTargets() []*Target {
	var out []*Target
	for _, w := range l.walkWorkloads {
		// A ReplicaSet or Job with a controller is diagnosed through its
		// owner, unless a flag names it.
		if !w.TopLevel() && !(l.sel.Named() && l.wantWorkload(w)) {
			continue
		}
		if l.skip(w.Kind, w.Namespace, w.Name, w.Template.Spec.ServiceAccount()) {
			continue
		}
		t := &Target{
			Kind: w.Kind, Namespace: w.Namespace, Name: w.Name,
			Workload: w, Meta: &w.Template.ObjectMeta, Spec: &w.Template.Spec,
			SAName: w.Template.Spec.ServiceAccount(), Source: w.Source,
		}
		t.SA = l.s.ServiceAccount(t.Namespace, t.SAName)
		t.SACopies, _ = SACopiesDiffer(l.s, t.Namespace, t.SAName)
		switch {
		case l.sel.Named():
			if !l.wantWorkload(w) {
				continue
			}
			t.Named = true
		case w.Replicas != nil && *w.Replicas == 0 && w.Kind == "ReplicaSet", !l.wanted(t):
			continue
		}
		l.usedSA[snapshot.Key(t.Namespace, t.SAName)] = true
		out = append(out, t)
	}
	return out
}

func (l *selection) podTargets() []*Target {
	var out []*Target
	for _, p := range l.walkPods {
		if l.skip("Pod", p.Namespace, p.Name, p.Spec.ServiceAccount()) {
			continue
		}
		t := &Target{
			Kind: "Pod", Namespace: p.Namespace, Name: p.Name,
			Pod: p, Meta: &p.ObjectMeta, Spec: &p.Spec,
			SAName: p.Spec.ServiceAccount(), Source: p.Source,
		}
		t.SA = l.s.ServiceAccount(t.Namespace, t.SAName)
		t.SACopies, _ = SACopiesDiffer(l.s, t.Namespace, t.SAName)
		t.Owner, _, _ = l.ix.TopOwner(p.Namespace, &p.ObjectMeta)
		switch {
		case l.sel.Named():
			if !l.wantPod(p) {
				continue
			}
			t.Named = true
		case p.Finished(), !l.wanted(t):
			continue
		}
		l.usedSA[snapshot.Key(t.Namespace, t.SAName)] = true
		out = append(out, t)
	}
	return out
}

// serviceAccountTargets are the annotated ServiceAccounts (or those with
// a near-miss key or an association) that nothing picked uses, and those
// a flag names.
func (l *selection) serviceAccountTargets() []*Target {
	sas := make([]*snapshot.ServiceAccount, 0, len(l.s.ServiceAccounts))
	for key, sa := range l.s.ServiceAccounts {
		if l.keptSA != nil && !l.keptSA[key] {
			continue // Keep leaves it out whatever is picked
		}
		sas = append(sas, sa)
	}
	sort.Slice(sas, func(i, j int) bool {
		return snapshot.Key(sas[i].Namespace, sas[i].Name) < snapshot.Key(sas[j].Namespace, sas[j].Name)
	})
	var out []*Target
	for _, sa := range sas {
		key := snapshot.Key(sa.Namespace, sa.Name)
		if l.usedSA[key] {
			continue
		}
		named := l.sas[key]
		switch {
		case l.sel.Named() && !named:
			continue
		case !named && !l.sel.inNamespace(sa.Namespace):
			continue
		case !named:
			if _, ok := RoleAnnotation(sa); !ok && NearMissKey(sa.Annotations) == "" &&
				l.s.PodIdentityAssociationFor(sa.Namespace, sa.Name) == nil {
				continue
			}
		}
		out = append(out, &Target{Kind: "ServiceAccount", Namespace: sa.Namespace, Name: sa.Name,
			SAName: sa.Name, SA: sa, Named: named, Source: sa.Source})
	}
	return out
}

// associationTargets are the EKS Pod Identity associations of the
// cluster whose ServiceAccount the input does not hold: nothing above
// covers them, and one that names a namespace or ServiceAccount that does
// not exist gives no pod its role (IRSA402). Where the input cannot tell
// (no ServiceAccount List of the namespace, no NotFound text, no Namespace
// List), IRSA402 says so as a skip: absence needs proof, and silence would
// read as "fine".
func (l *selection) associationTargets() []*Target {
	var out []*Target
	for _, a := range l.s.PodIdentityAssociations {
		key := snapshot.Key(a.Namespace, a.ServiceAccount)
		if l.usedSA[key] || l.s.ServiceAccounts[key] != nil || l.s.PodIdentityAssociationFor(a.Namespace, a.ServiceAccount) != a {
			continue
		}
		named := l.sas[key]
		if l.sel.Named() && !named || !named && !l.sel.inNamespace(a.Namespace) {
			continue
		}
		l.usedSA[key] = true
		name := a.ID
		if name == "" {
			name = a.ServiceAccount
		}
		out = append(out, &Target{Kind: "PodIdentityAssociation", Namespace: a.Namespace, Name: name,
			SAName: a.ServiceAccount, Association: a, Named: named, Source: a.Source})
	}
	return out
}

// podIdentityIntent: the pod or template carries what EKS Pod Identity
// injects, or the cluster has an association for its ServiceAccount (a pod
// created before the association is diagnosed too: IRSA406).
func podIdentityIntent(s *snapshot.Snapshot, t *Target) bool {
	return s.PodIdentityAssociationFor(t.Namespace, t.SAName) != nil || specUsesPodIdentity(t)
}

// hasIntent: the SA carries the role annotation or a near-miss of it, the
// pod carries it (a near-miss too), a container sets AWS_ROLE_ARN or
// AWS_WEB_IDENTITY_TOKEN_FILE, or the pod has an aws-iam-token volume.
func hasIntent(t *Target) bool {
	if t.SA != nil {
		if _, ok := RoleAnnotation(t.SA); ok || NearMissKey(t.SA.Annotations) != "" {
			return true
		}
	}
	if t.Meta != nil {
		if _, ok := t.Meta.Annotations[webhook.AnnotationRoleARN]; ok || NearMissKey(t.Meta.Annotations) != "" {
			return true
		}
	}
	if t.Spec == nil {
		return false
	}
	for _, c := range t.Containers() {
		if _, ok := Env(c, webhook.EnvRoleARN); ok {
			return true
		}
		if _, ok := Env(c, webhook.EnvTokenFile); ok {
			return true
		}
	}
	return Volume(t.Spec, webhook.VolumeName) != nil
}

// SAMissing reports whether the input proves the target's ServiceAccount
// missing, with the proof.
func SAMissing(s *snapshot.Snapshot, t *Target) (proof string, src snapshot.Source, missing bool) {
	if t.SA != nil {
		return "", snapshot.Source{}, false
	}
	if _, ok := SACopiesDiffer(s, t.Namespace, t.SAName); ok {
		// Left out for its differing copies: a List proves nothing of it.
		return "", snapshot.Source{}, false
	}
	if nf, ok := s.NotFoundFor(snapshot.KindServiceAccount, t.Namespace, t.SAName); ok {
		return nf.Message, nf.Source, true
	}
	if l, ok := s.ListedIn(snapshot.KindServiceAccount, t.Namespace); ok {
		if l.AllNamespaces {
			return "a ServiceAccount List of every namespace", l.Source, true
		}
		return "a ServiceAccount List of namespace " + t.Namespace, l.Source, true
	}
	return "", snapshot.Source{}, false
}

// SACopiesDiffer returns why the bundle left ServiceAccount ns/name out:
// it holds copies of it that differ, none known to be newer.
func SACopiesDiffer(s *snapshot.Snapshot, ns, name string) (string, bool) {
	for _, g := range s.Gaps {
		if g.Operation == snapshot.GapServiceAccountCopies && g.Resource == snapshot.Key(ns, name) {
			return g.Reason, true
		}
	}
	return "", false
}

func saMissing(s *snapshot.Snapshot, t *Target) bool {
	_, _, m := SAMissing(s, t)
	return m
}

// mechanism: pod-identity when the pod carries what Pod Identity injects
// (its env vars, its eks-pod-identity-token volume, or the label the webhook
// writes); irsa when it shows IRSA intent; none otherwise.
//
// A workload template or an unused ServiceAccount stands for pods still to
// be created: when the cluster has a Pod Identity association for the
// ServiceAccount, the webhook injects Pod Identity into them, even when the
// ServiceAccount keeps its eks.amazonaws.com/role-arn ("Container
// credentials method takes precedence": docs/reference/webhook.md#pod-identity-mode, docs/reference/pod-identity.md#pod-identity-and-irsa-together), so they
// are pod-identity. A pod keeps what its own spec shows: one created before
// the association still uses IRSA.
func mechanism(s *snapshot.Snapshot, t *Target) string {
	if !t.IsPod() && s.PodIdentityAssociationFor(t.Namespace, t.SAName) != nil {
		return MechanismPodIdentity
	}
	if t.IsAssociation() || specUsesPodIdentity(t) {
		return MechanismPodIdentity
	}
	if hasIntent(t) {
		return MechanismIRSA
	}
	return MechanismNone
}

// usesWebIdentity reports a target with Pod Identity's injection of which
// some (non-ephemeral) container still takes web identity: its own
// AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE, or a pod created before the
// association. Web identity comes first in every SDK chain (docs/reference/README.md
// §6.3, §7), so that container uses the IRSA role, not the association.
// Needs t.PodIdentity set: templates are walked as the webhook will mutate
// them for Pod Identity.
func usesWebIdentity(s *snapshot.Snapshot, t *Target) bool {
	for _, ch := range CredentialChains(s, t) {
		if ch.Source == SourceWebIdentity && !ch.Ephemeral {
			return true
		}
	}
	return false
}

// specUsesPodIdentity: the pod or template carries what the webhook injects
// for EKS Pod Identity: its eks-pod-identity-token volume, a container with
// AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or the agent's address in
// AWS_CONTAINER_CREDENTIALS_FULL_URI, or the label the webhook writes
// (docs/reference/webhook.md#pod-identity-mode).
func specUsesPodIdentity(t *Target) bool {
	if t.Spec != nil {
		if Volume(t.Spec, webhook.PodIdentityVolumeName) != nil {
			return true
		}
		for _, c := range t.Containers() {
			if _, ok := Env(c, webhook.EnvContainerToken); ok {
				return true
			}
			if e, ok := Env(c, webhook.EnvContainerFullURI); ok && strings.Contains(e.Value, "169.254.170.23") {
				return true
			}
		}
	}
	return t.Meta != nil && t.Meta.Labels[webhook.LabelPodIdentity] == "enabled"
}

// IsEphemeral reports an ephemeral (debug) container of the target's spec.
func (t *Target) IsEphemeral(c *snapshot.Container) bool {
	if t.Spec == nil {
		return false
	}
	for i := range t.Spec.EphemeralContainers {
		if &t.Spec.EphemeralContainers[i] == c {
			return true
		}
	}
	return false
}
