package serve

import (
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/irsa-doctor/irsa-doctor/internal/model"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/suppress"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

const roleAnnotation = webhook.AnnotationRoleARN

// The EKS Pod Identity Agent (IRSA403): its DaemonSet and pods in
// kube-system concern every Pod Identity target, so a change to them is
// judged by a full diagnosis (internal/collect/kube/podidentity.go names it
// the same way).
const (
	agentNamespace = "kube-system"
	agentPrefix    = "eks-pod-identity-agent"
)

// Store holds the watched objects as snapshot facts, by kind, namespace
// and name, with the indexes that find the targets an event touches: the
// pods and workloads of each ServiceAccount, and the objects each
// controller owns. It is safe for concurrent use.
type Store struct {
	mu         sync.Mutex
	pods       map[string]*snapshot.Pod      // NS/NAME
	workloads  map[string]*snapshot.Workload // KIND/NS/NAME
	sas        map[string]*snapshot.ServiceAccount
	namespaces map[string]*snapshot.Namespace
	webhooks   map[string]*snapshot.WebhookConfiguration
	nodes      map[string]*snapshot.Node
	// bySA: "NS/SA" -> target keys (Pod/NS/NAME, KIND/NS/NAME) of the pods
	// and workloads that run as it.
	bySA map[string]map[string]bool
	// children: controller key KIND/NS/NAME -> keys of what it controls.
	children map[string]map[string]bool
	// ignoring are the pods, workloads and ServiceAccounts (KIND/NS/NAME)
	// that carry the irsa-doctor.io/ignore annotation: without any, a
	// diagnosis need not read every object for it.
	ignoring map[string]bool
	// the kinds changed since the facts were last assembled (Facts).
	dirty map[string]bool
	facts Facts
}

// Facts are the watched objects as a snapshot holds them, in the order a
// scan's captures give them (by namespace and name; workloads by kind
// first, as scan lists them).
type Facts struct {
	Pods            []*snapshot.Pod
	Workloads       []*snapshot.Workload
	ServiceAccounts map[string]*snapshot.ServiceAccount
	Namespaces      map[string]*snapshot.Namespace
	Webhooks        []*snapshot.WebhookConfiguration
	Nodes           []*snapshot.Node
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{
		pods: map[string]*snapshot.Pod{}, workloads: map[string]*snapshot.Workload{},
		sas: map[string]*snapshot.ServiceAccount{}, namespaces: map[string]*snapshot.Namespace{},
		webhooks: map[string]*snapshot.WebhookConfiguration{}, nodes: map[string]*snapshot.Node{},
		bySA: map[string]map[string]bool{}, children: map[string]map[string]bool{}, ignoring: map[string]bool{},
		dirty: map[string]bool{"pods": true, "workloads": true, "sas": true, "namespaces": true, "webhooks": true, "nodes": true},
	}
}

// Touched is what an event asks to re-diagnose: the targets by
// KIND/NS/NAME, the EKS Pod Identity association targets of namespaces,
// or everything (Full).
type Touched struct {
	Full    bool
	Targets map[string]bool
	// AssocNamespaces: the association targets (Kind
	// PodIdentityAssociation, named by their ID) of these namespaces,
	// whose ServiceAccount an event touched.
	AssocNamespaces map[string]bool
	// Roles are the role ARNs the touched ServiceAccounts name now: a role
	// not read yet is fetched before they are judged.
	Roles map[string]bool
}

// Empty reports a Touched that asks for nothing.
func (t *Touched) Empty() bool {
	return !t.Full && len(t.Targets) == 0 && len(t.AssocNamespaces) == 0
}

func (t *Touched) add(key string) {
	if t.Targets == nil {
		t.Targets = map[string]bool{}
	}
	t.Targets[key] = true
}

// Merge adds o to t.
func (t *Touched) Merge(o Touched) {
	t.Full = t.Full || o.Full
	for k := range o.Targets {
		t.add(k)
	}
	for ns := range o.AssocNamespaces {
		if t.AssocNamespaces == nil {
			t.AssocNamespaces = map[string]bool{}
		}
		t.AssocNamespaces[ns] = true
	}
	for r := range o.Roles {
		if t.Roles == nil {
			t.Roles = map[string]bool{}
		}
		t.Roles[r] = true
	}
}

// Keep is the selector's test (model.Selector.Keep) for the touched
// targets.
func (t *Touched) Keep(kind, ns, name string) bool {
	if t.Full {
		return true
	}
	if kind == "PodIdentityAssociation" && t.AssocNamespaces[ns] {
		return true
	}
	return t.Targets[kind+"/"+ns+"/"+name]
}

func setAdd(m map[string]map[string]bool, k, v string) {
	if m[k] == nil {
		m[k] = map[string]bool{}
	}
	m[k][v] = true
}

func setDel(m map[string]map[string]bool, k, v string) {
	if s := m[k]; s != nil {
		delete(s, v)
		if len(s) == 0 {
			delete(m, k)
		}
	}
}

// Put records obj (a fact DecodeKubeObject returns) and returns what it
// touches. A fact equal to the one held touches nothing: most updates
// change only what no check reads (a status heartbeat, a resourceVersion).
func (s *Store) Put(obj any) Touched {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch o := obj.(type) {
	case *snapshot.Pod:
		k := snapshot.Key(o.Namespace, o.Name)
		old := s.pods[k]
		if old != nil && reflect.DeepEqual(old, o) {
			return Touched{}
		}
		s.unindexPod(old)
		s.pods[k] = o
		s.indexPod(o)
		s.noteIgnore("Pod/"+k, &o.ObjectMeta)
		s.dirty["pods"] = true
		return s.podTouched(old, o)
	case *snapshot.Workload:
		k := o.Kind + "/" + snapshot.Key(o.Namespace, o.Name)
		old := s.workloads[k]
		if old != nil && reflect.DeepEqual(old, o) {
			return Touched{}
		}
		s.unindexWorkload(old)
		s.workloads[k] = o
		s.indexWorkload(o)
		s.noteIgnore(k, &o.ObjectMeta)
		s.dirty["workloads"] = true
		return s.workloadTouched(old, o)
	case *snapshot.ServiceAccount:
		k := snapshot.Key(o.Namespace, o.Name)
		old := s.sas[k]
		if old != nil && reflect.DeepEqual(old, o) {
			return Touched{}
		}
		s.sas[k] = o
		s.noteIgnore("ServiceAccount/"+k, &o.ObjectMeta)
		s.dirty["sas"] = true
		return s.saTouched(o.Namespace, o.Name, o)
	case *snapshot.Namespace:
		if old := s.namespaces[o.Name]; old != nil && reflect.DeepEqual(old, o) {
			return Touched{}
		}
		s.namespaces[o.Name] = o
		s.dirty["namespaces"] = true
		return Touched{Full: true}
	case *snapshot.WebhookConfiguration:
		if old := s.webhooks[o.Name]; old != nil && reflect.DeepEqual(old, o) {
			return Touched{}
		}
		s.webhooks[o.Name] = o
		s.dirty["webhooks"] = true
		return Touched{Full: true}
	case *snapshot.Node:
		if old := s.nodes[o.Name]; old != nil && reflect.DeepEqual(old, o) {
			return Touched{}
		}
		s.nodes[o.Name] = o
		s.dirty["nodes"] = true
		return Touched{Full: true}
	}
	return Touched{}
}

// Delete removes the object of kind (a Kubernetes kind) and returns what
// its absence touches.
func (s *Store) Delete(kind, ns, name string) Touched {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := snapshot.Key(ns, name)
	switch kind {
	case "Pod":
		old := s.pods[k]
		if old == nil {
			return Touched{}
		}
		s.unindexPod(old)
		delete(s.pods, k)
		delete(s.ignoring, "Pod/"+k)
		s.dirty["pods"] = true
		return s.podTouched(old, nil)
	case "ServiceAccount":
		if s.sas[k] == nil {
			return Touched{}
		}
		delete(s.sas, k)
		delete(s.ignoring, "ServiceAccount/"+k)
		s.dirty["sas"] = true
		return s.saTouched(ns, name, nil)
	case "Namespace":
		if s.namespaces[name] == nil {
			return Touched{}
		}
		delete(s.namespaces, name)
		s.dirty["namespaces"] = true
		return Touched{Full: true}
	case "MutatingWebhookConfiguration":
		if s.webhooks[name] == nil {
			return Touched{}
		}
		delete(s.webhooks, name)
		s.dirty["webhooks"] = true
		return Touched{Full: true}
	case "Node":
		if s.nodes[name] == nil {
			return Touched{}
		}
		delete(s.nodes, name)
		s.dirty["nodes"] = true
		return Touched{Full: true}
	default:
		wk := kind + "/" + k
		old := s.workloads[wk]
		if old == nil {
			return Touched{}
		}
		s.unindexWorkload(old)
		delete(s.workloads, wk)
		delete(s.ignoring, wk)
		s.dirty["workloads"] = true
		return s.workloadTouched(old, nil)
	}
}

func (s *Store) indexPod(p *snapshot.Pod) {
	key := "Pod/" + snapshot.Key(p.Namespace, p.Name)
	setAdd(s.bySA, snapshot.Key(p.Namespace, p.Spec.ServiceAccount()), key)
	if c := p.ControllerOf(); c != nil {
		setAdd(s.children, c.Kind+"/"+snapshot.Key(p.Namespace, c.Name), key)
	}
}

func (s *Store) unindexPod(p *snapshot.Pod) {
	if p == nil {
		return
	}
	key := "Pod/" + snapshot.Key(p.Namespace, p.Name)
	setDel(s.bySA, snapshot.Key(p.Namespace, p.Spec.ServiceAccount()), key)
	if c := p.ControllerOf(); c != nil {
		setDel(s.children, c.Kind+"/"+snapshot.Key(p.Namespace, c.Name), key)
	}
}

func (s *Store) indexWorkload(w *snapshot.Workload) {
	key := w.Kind + "/" + snapshot.Key(w.Namespace, w.Name)
	setAdd(s.bySA, snapshot.Key(w.Namespace, w.Template.Spec.ServiceAccount()), key)
	if c := w.ControllerOf(); c != nil {
		setAdd(s.children, c.Kind+"/"+snapshot.Key(w.Namespace, c.Name), key)
	}
}

func (s *Store) unindexWorkload(w *snapshot.Workload) {
	if w == nil {
		return
	}
	key := w.Kind + "/" + snapshot.Key(w.Namespace, w.Name)
	setDel(s.bySA, snapshot.Key(w.Namespace, w.Template.Spec.ServiceAccount()), key)
	if c := w.ControllerOf(); c != nil {
		setDel(s.children, c.Kind+"/"+snapshot.Key(w.Namespace, c.Name), key)
	}
}

// podTouched: the pod itself, the workloads above it (as model.Index.TopOwner
// walks them, with its guesses by name: the Deployment of a ReplicaSet
// not held, the CronJob of a Job), and its ServiceAccount before and
// after (which is a target of its own only when nothing picked uses it).
// A pod of the EKS Pod Identity Agent concerns every Pod Identity target.
func (s *Store) podTouched(old, cur *snapshot.Pod) Touched {
	var t Touched
	for _, p := range []*snapshot.Pod{old, cur} {
		if p == nil {
			continue
		}
		if p.Namespace == agentNamespace {
			if c := p.ControllerOf(); c != nil && c.Kind == "DaemonSet" && strings.HasPrefix(c.Name, agentPrefix) {
				return Touched{Full: true}
			}
		}
		t.add("Pod/" + snapshot.Key(p.Namespace, p.Name))
		s.ownersOf(&t, p.Namespace, &p.ObjectMeta)
		t.add("ServiceAccount/" + snapshot.Key(p.Namespace, p.Spec.ServiceAccount()))
	}
	return t
}

// ownersOf adds the controllers above meta, up to five levels.
func (s *Store) ownersOf(t *Touched, ns string, meta *snapshot.ObjectMeta) {
	for depth := 0; depth < 5; depth++ {
		c := meta.ControllerOf()
		if c == nil {
			return
		}
		t.add(c.Kind + "/" + snapshot.Key(ns, c.Name))
		switch c.Kind {
		case "ReplicaSet":
			if hash := meta.Labels["pod-template-hash"]; hash != "" {
				if dep, ok := strings.CutSuffix(c.Name, "-"+hash); ok {
					t.add("Deployment/" + snapshot.Key(ns, dep))
				}
			}
		case "Job":
			if i := strings.LastIndexByte(c.Name, '-'); i > 0 {
				t.add("CronJob/" + snapshot.Key(ns, c.Name[:i]))
			}
		}
		next := s.workloads[c.Kind+"/"+snapshot.Key(ns, c.Name)]
		if next == nil {
			return
		}
		meta = &next.ObjectMeta
	}
}

// workloadTouched: the workload, the workloads above it, everything below
// it (its ReplicaSets or Jobs and their pods: a pod's finding that its
// template shares is reported on the workload, so both are judged
// together), and its ServiceAccount before and after. The agent's
// DaemonSet concerns every Pod Identity target.
func (s *Store) workloadTouched(old, cur *snapshot.Workload) Touched {
	var t Touched
	for _, w := range []*snapshot.Workload{old, cur} {
		if w == nil {
			continue
		}
		if w.Kind == "DaemonSet" && w.Namespace == agentNamespace && strings.HasPrefix(w.Name, agentPrefix) {
			return Touched{Full: true}
		}
		key := w.Kind + "/" + snapshot.Key(w.Namespace, w.Name)
		t.add(key)
		s.ownersOf(&t, w.Namespace, &w.ObjectMeta)
		s.descendants(&t, key, 0)
		t.add("ServiceAccount/" + snapshot.Key(w.Namespace, w.Template.Spec.ServiceAccount()))
	}
	return t
}

func (s *Store) descendants(t *Touched, key string, depth int) {
	if depth > 5 {
		return
	}
	for child := range s.children[key] {
		t.add(child)
		s.descendants(t, child, depth+1)
	}
}

// saTouched: the ServiceAccount itself, every pod and workload that runs
// as it (their role, and so their whole IAM side, comes from it), the
// workloads above those, and the association targets of its namespace.
// cur is the ServiceAccount now (nil once deleted): the role it names.
func (s *Store) saTouched(ns, name string, cur *snapshot.ServiceAccount) Touched {
	t := Touched{AssocNamespaces: map[string]bool{ns: true}}
	t.add("ServiceAccount/" + snapshot.Key(ns, name))
	for key := range s.bySA[snapshot.Key(ns, name)] {
		t.add(key)
		kind, rest, _ := strings.Cut(key, "/")
		_, objName, _ := strings.Cut(rest, "/")
		var meta *snapshot.ObjectMeta
		if kind == "Pod" {
			if p := s.pods[snapshot.Key(ns, objName)]; p != nil {
				meta = &p.ObjectMeta
			}
		} else if w := s.workloads[key]; w != nil {
			meta = &w.ObjectMeta
		}
		if meta != nil {
			s.ownersOf(&t, ns, meta)
		}
	}
	if cur != nil {
		if role := strings.TrimSpace(cur.Annotations[roleAnnotation]); role != "" {
			t.Roles = map[string]bool{role: true}
		}
	}
	return t
}

// Facts returns the objects held, as the snapshot keeps them. The slices
// and maps are the caller's (rebuilt only for the kinds that changed);
// the objects are shared and never changed in place.
func (s *Store) Facts() Facts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.factsLocked()
}

// FactsWithin returns Facts and, taken under the same lock (events change
// the store while a diagnosis runs), the objects of those facts that a
// selection with t.Keep needs to walk (model.Within): the pods and
// workloads t touches, and every one that runs as a ServiceAccount t
// touches or as one of sas (NS/NAME: the ServiceAccounts of the
// association targets t keeps). bySA finds them without a walk of every
// pod, so that re-diagnosing one ServiceAccount's users does not grow
// with the cluster.
func (s *Store) FactsWithin(t Touched, sas []string) (Facts, *model.Within) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.factsLocked()
	w := &model.Within{ServiceAccounts: make(map[string]bool, len(sas)+1)}
	for _, sa := range sas {
		w.ServiceAccounts[sa] = true
	}
	pods := map[string]*snapshot.Pod{}
	workloads := map[string]*snapshot.Workload{}
	add := func(key string) {
		kind, rest, _ := strings.Cut(key, "/")
		switch kind {
		case "Pod":
			if p := s.pods[rest]; p != nil {
				pods[rest] = p
			}
		case "ServiceAccount", "PodIdentityAssociation":
		default:
			if o := s.workloads[key]; o != nil {
				workloads[key] = o
			}
		}
	}
	for key := range t.Targets {
		if sa, ok := strings.CutPrefix(key, "ServiceAccount/"); ok {
			w.ServiceAccounts[sa] = true
		}
		add(key)
	}
	for sa := range w.ServiceAccounts {
		for key := range s.bySA[sa] {
			add(key)
		}
	}
	// In the order of Facts, as model.Within asks.
	w.Pods = sortedValues(pods, podOrder)
	w.Workloads = sortedValues(workloads, workloadOrderKey)
	return f, w
}

// podOrder and workloadOrderKey are the sort keys of Facts' pods and
// workloads.
func podOrder(p *snapshot.Pod) string { return p.Namespace + "\x00" + p.Name }

func workloadOrderKey(w *snapshot.Workload) string {
	return string(rune('0'+workloadOrder(w.Kind))) + "\x00" + w.Namespace + "\x00" + w.Name
}

func (s *Store) factsLocked() Facts {
	f := &s.facts
	if s.dirty["pods"] {
		f.Pods = sortedValues(s.pods, podOrder)
	}
	if s.dirty["workloads"] {
		f.Workloads = sortedValues(s.workloads, workloadOrderKey)
	}
	if s.dirty["sas"] {
		f.ServiceAccounts = make(map[string]*snapshot.ServiceAccount, len(s.sas))
		for k, v := range s.sas {
			f.ServiceAccounts[k] = v
		}
	}
	if s.dirty["namespaces"] {
		f.Namespaces = make(map[string]*snapshot.Namespace, len(s.namespaces))
		for k, v := range s.namespaces {
			f.Namespaces[k] = v
		}
	}
	if s.dirty["webhooks"] {
		f.Webhooks = sortedValues(s.webhooks, func(w *snapshot.WebhookConfiguration) string { return w.Name })
	}
	if s.dirty["nodes"] {
		f.Nodes = sortedValues(s.nodes, func(n *snapshot.Node) string { return n.Name })
	}
	clear(s.dirty)
	return *f
}

// workloadOrder is the order scan lists the workload kinds in
// (internal/collect/kube/kinds.go).
func workloadOrder(kind string) int {
	return slices.Index([]string{"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"}, kind) + 1
}

// sortedValues returns m's values sorted by key, each computed once.
func sortedValues[T any](m map[string]*T, key func(*T) string) []*T {
	type keyed struct {
		k string
		v *T
	}
	ks := make([]keyed, 0, len(m))
	for _, v := range m {
		ks = append(ks, keyed{key(v), v})
	}
	slices.SortFunc(ks, func(a, b keyed) int { return strings.Compare(a.k, b.k) })
	out := make([]*T, len(ks))
	for i := range ks {
		out[i] = ks[i].v
	}
	return out
}

// RolesNamed returns the role ARNs the ServiceAccounts held name, sorted.
func (s *Store) RolesNamed() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[string]bool{}
	var out []string
	for _, sa := range s.sas {
		if r := strings.TrimSpace(sa.Annotations[roleAnnotation]); r != "" && !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out
}

// UID returns the UID of a Pod, ServiceAccount or workload held, and
// whether it is held.
func (s *Store) UID(kind, ns, name string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := snapshot.Key(ns, name)
	switch kind {
	case "Pod":
		if p := s.pods[k]; p != nil {
			return p.UID, true
		}
	case "ServiceAccount":
		if sa := s.sas[k]; sa != nil {
			return sa.UID, true
		}
	default:
		if w := s.workloads[kind+"/"+k]; w != nil {
			return w.UID, true
		}
	}
	return "", false
}

func (s *Store) noteIgnore(key string, meta *snapshot.ObjectMeta) {
	if _, ok := meta.Annotations[suppress.Annotation]; ok {
		s.ignoring[key] = true
	} else {
		delete(s.ignoring, key)
	}
}

// Ignoring reports whether an object held carries the
// irsa-doctor.io/ignore annotation.
func (s *Store) Ignoring() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.ignoring) > 0
}
