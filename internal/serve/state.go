package serve

import (
	"slices"
	"strings"
	"sync"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// State is the current diagnosis, per target: each target's chain and the
// findings that concern it. A re-diagnosis replaces the state of the
// targets it judged and nothing else. It is safe for concurrent use.
type State struct {
	mu sync.Mutex
	// targets by KIND/NS/NAME.
	targets map[string]*targetState
	// assocs: namespace -> the keys of its association targets (Kind
	// PodIdentityAssociation), which Touched keeps by namespace.
	assocs map[string]map[string]bool
	// findings by their identity (what the engine merges on), with the
	// targets each concerns.
	findings map[findingKey]*findingEntry
	// failing: the findings of status fail, by their (check, subject).
	// With it and assocs, a partial Apply visits only the targets and
	// failing pairs it changes: its cost does not grow with the cluster.
	failing map[failKey]map[findingKey]bool
	// full is set once a full diagnosis was applied.
	full bool
}

type targetState struct {
	t        finding.Target
	findings []findingKey
}

// findingKey is what the engine merges findings on (check.merge): one
// finding per check, status, subject and message.
type findingKey struct {
	check, status, message string
	subject                finding.Subject
}

type findingEntry struct {
	f finding.Finding
	// refs are the keys of the targets the finding concerns; "" for a
	// finding no target of its run claimed (kept until a full diagnosis).
	refs map[string]bool
}

// NewState returns an empty state.
func NewState() *State {
	return &State{targets: map[string]*targetState{}, assocs: map[string]map[string]bool{},
		findings: map[findingKey]*findingEntry{}, failing: map[failKey]map[findingKey]bool{}}
}

func (k findingKey) fail() (failKey, bool) {
	return failKey{k.check, finding.Ref{Kind: k.subject.Kind, Namespace: k.subject.Namespace, Name: k.subject.Name}},
		k.status == string(finding.StatusFail)
}

func (s *State) putTarget(key string, ts *targetState) {
	s.targets[key] = ts
	if ts.t.Kind == "PodIdentityAssociation" {
		setAdd(s.assocs, ts.t.Namespace, key)
	}
}

func (s *State) deleteTarget(key string) {
	if ts := s.targets[key]; ts != nil && ts.t.Kind == "PodIdentityAssociation" {
		setDel(s.assocs, ts.t.Namespace, key)
	}
	delete(s.targets, key)
}

func (s *State) putFinding(fk findingKey, e *findingEntry) {
	s.findings[fk] = e
	if k, ok := fk.fail(); ok {
		if s.failing[k] == nil {
			s.failing[k] = map[findingKey]bool{}
		}
		s.failing[k][fk] = true
	}
}

func (s *State) deleteFinding(fk findingKey) {
	delete(s.findings, fk)
	if k, ok := fk.fail(); ok {
		if m := s.failing[k]; m != nil {
			delete(m, fk)
			if len(m) == 0 {
				delete(s.failing, k)
			}
		}
	}
}

func keyOf(f *finding.Finding) findingKey {
	return findingKey{check: f.CheckID, status: string(f.Status), message: f.Message, subject: f.Subject}
}

func refKey(kind, ns, name string) string { return kind + "/" + ns + "/" + name }

// Failing is one failing check on one object (its subject, container
// aside): what the findings gauge counts and Events announce.
type Failing struct {
	Check    string
	Slug     string
	Severity finding.Severity
	Subject  finding.Ref
	// Message is that of one of its findings.
	Message string
	// Targets are the chains of the targets it concerns.
	Targets []finding.Target
	// refs are the keys of those targets, sorted.
	refs []string
}

// Transitions are the failing (check, subject) pairs that a diagnosis
// made appear or disappear.
type Transitions struct {
	Appeared, Resolved []Failing
}

// Apply replaces the state of the targets t keeps (every target when
// t.Full) with res, the engine's output for exactly those targets, and
// returns the failures that appeared and cleared.
func (s *State) Apply(res *finding.Result, t Touched) Transitions {
	s.mu.Lock()
	defer s.mu.Unlock()
	// removed holds the chains of the targets replaced, for the failures
	// that clear with them.
	removed := map[string]finding.Target{}
	// changed, for a partial Apply, are the failing pairs it can change:
	// those of the findings of the targets replaced and of res. The
	// others keep their findings, so only these are compared.
	var changed, existed map[failKey]bool
	var gone map[failKey]*Failing
	var before map[failKey]Failing
	if t.Full {
		before = s.failingLocked(nil)
		for k, ts := range s.targets {
			removed[k] = ts.t
		}
		s.targets, s.assocs = map[string]*targetState{}, map[string]map[string]bool{}
		s.findings, s.failing = map[findingKey]*findingEntry{}, map[failKey]map[findingKey]bool{}
		s.full = true
	} else {
		// The targets t keeps are those it names and the association
		// targets of its namespaces (Touched.Keep): found without a
		// walk of every target.
		var keys []string
		for k := range t.Targets {
			if s.targets[k] != nil {
				keys = append(keys, k)
			}
		}
		for ns := range t.AssocNamespaces {
			for k := range s.assocs[ns] {
				if !t.Targets[k] {
					keys = append(keys, k)
				}
			}
		}
		changed = map[failKey]bool{}
		for _, k := range keys {
			for _, fk := range s.targets[k].findings {
				if fail, ok := fk.fail(); ok {
					changed[fail] = true
				}
			}
		}
		for i := range res.Findings {
			if fail, ok := keyOf(&res.Findings[i]).fail(); ok {
				changed[fail] = true
			}
		}
		// Only whether each pair fails is noted before: a pair on a
		// role or the cluster concerns every target that shares it, and
		// listing those would grow with the cluster. A pair that clears
		// had all its findings removed here, with every target they
		// concerned: gone collects those targets as they are removed.
		existed = make(map[failKey]bool, len(changed))
		for k := range changed {
			existed[k] = len(s.failing[k]) > 0
		}
		gone = map[failKey]*Failing{}
		for _, key := range keys {
			ts := s.targets[key]
			if !t.Keep(ts.t.Kind, ts.t.Namespace, ts.t.Name) {
				continue
			}
			removed[key] = ts.t
			for _, fk := range ts.findings {
				e := s.findings[fk]
				if e == nil {
					continue
				}
				delete(e.refs, key)
				if fail, ok := fk.fail(); ok {
					g := gone[fail]
					if g == nil {
						g = &Failing{Check: e.f.CheckID, Slug: e.f.Slug, Severity: e.f.Severity, Subject: fail.subject, Message: e.f.Message}
						gone[fail] = g
					}
					if !slices.Contains(g.refs, key) {
						g.refs = append(g.refs, key)
					}
				}
				if len(e.refs) == 0 {
					s.deleteFinding(fk)
				}
			}
			s.deleteTarget(key)
		}
	}
	inRun := make(map[string]bool, len(res.Targets))
	for _, tg := range res.Targets {
		k := refKey(tg.Kind, tg.Namespace, tg.Name)
		s.putTarget(k, &targetState{t: tg})
		inRun[k] = true
	}
	for i := range res.Findings {
		f := &res.Findings[i]
		fk := keyOf(f)
		var owners []string
		if k := refKey(f.Subject.Kind, f.Subject.Namespace, f.Subject.Name); inRun[k] {
			owners = append(owners, k)
		}
		for _, a := range f.Affects {
			owners = append(owners, refKey(a.Kind, a.Namespace, a.Name))
		}
		if len(owners) == 0 {
			owners = []string{""}
		}
		e := s.findings[fk]
		if e == nil {
			e = &findingEntry{refs: map[string]bool{}}
			s.putFinding(fk, e)
		}
		e.f = *f
		for _, o := range owners {
			if e.refs[o] {
				continue
			}
			e.refs[o] = true
			if ts := s.targets[o]; ts != nil {
				ts.findings = append(ts.findings, fk)
			}
		}
	}
	var tr Transitions
	if t.Full {
		tr = diff(before, s.failingLocked(nil))
	} else {
		var appeared map[failKey]bool
		for k, was := range existed {
			switch now := len(s.failing[k]) > 0; {
			case was && !now:
				g := gone[k]
				slices.Sort(g.refs)
				tr.Resolved = append(tr.Resolved, *g)
			case !was && now:
				// Its findings are all of res: listing its targets
				// costs what res holds.
				if appeared == nil {
					appeared = map[failKey]bool{}
				}
				appeared[k] = true
			}
		}
		if len(appeared) > 0 {
			for _, f := range s.failingLocked(appeared) {
				tr.Appeared = append(tr.Appeared, f)
			}
		}
		sortFailing(tr.Appeared)
		sortFailing(tr.Resolved)
	}
	chains := func(fs []Failing) {
		for i := range fs {
			for _, k := range fs[i].refs {
				if ts := s.targets[k]; ts != nil {
					fs[i].Targets = append(fs[i].Targets, ts.t)
				} else if t, ok := removed[k]; ok {
					fs[i].Targets = append(fs[i].Targets, t)
				}
			}
			fs[i].refs = nil
		}
	}
	chains(tr.Appeared)
	chains(tr.Resolved)
	return tr
}

type failKey struct {
	check   string
	subject finding.Ref
}

// failingLocked returns the failing (check, subject) pairs: findings of
// status fail (not skipped, not ignored), the container aside; only the
// pairs of only when it is not nil.
func (s *State) failingLocked(only map[failKey]bool) map[failKey]Failing {
	out := map[failKey]Failing{}
	// seen dedupes each pair's targets: a pair on a role or the cluster
	// may concern thousands.
	seen := map[failKey]map[string]bool{}
	add := func(k failKey, e *findingEntry) {
		f := &e.f
		have, ok := out[k]
		if !ok {
			have = Failing{Check: f.CheckID, Slug: f.Slug, Severity: f.Severity, Subject: k.subject, Message: f.Message}
			seen[k] = map[string]bool{}
		}
		for r := range e.refs {
			if r != "" && !seen[k][r] {
				seen[k][r] = true
				have.refs = append(have.refs, r)
			}
		}
		out[k] = have
	}
	if only == nil {
		for fk, e := range s.findings {
			if k, ok := fk.fail(); ok {
				add(k, e)
			}
		}
	} else {
		for k := range only {
			for fk := range s.failing[k] {
				add(k, s.findings[fk])
			}
		}
	}
	for k, f := range out {
		slices.Sort(f.refs)
		out[k] = f
	}
	return out
}

func diff(before, after map[failKey]Failing) Transitions {
	var t Transitions
	for k, f := range after {
		if _, ok := before[k]; !ok {
			t.Appeared = append(t.Appeared, f)
		}
	}
	for k, f := range before {
		if _, ok := after[k]; !ok {
			t.Resolved = append(t.Resolved, f)
		}
	}
	sortFailing(t.Appeared)
	sortFailing(t.Resolved)
	return t
}

func sortFailing(fs []Failing) {
	slices.SortFunc(fs, func(a, b Failing) int {
		return strings.Compare(a.Check+"\x00"+a.Subject.Kind+"\x00"+a.Subject.Namespace+"\x00"+a.Subject.Name,
			b.Check+"\x00"+b.Subject.Kind+"\x00"+b.Subject.Namespace+"\x00"+b.Subject.Name)
	})
}

// namespaces are the namespaces a failure is counted in: its subject's;
// for a subject outside Kubernetes (IAMRole, OIDCProvider, EKSCluster),
// each namespace of the targets it concerns, so that a team alerting on
// its namespace sees its role's failures ("" when it concerns none).
func (f Failing) namespaces() []string {
	if f.Subject.Namespace != "" {
		return []string{f.Subject.Namespace}
	}
	var out []string
	for _, r := range f.refs {
		_, rest, _ := strings.Cut(r, "/")
		ns, _, _ := strings.Cut(rest, "/")
		if ns != "" && !slices.Contains(out, ns) {
			out = append(out, ns)
		}
	}
	if len(out) == 0 {
		return []string{""}
	}
	return out
}

// FindingLabels are the labels of irsa_doctor_findings.
type FindingLabels struct {
	Check, Slug, Severity, Namespace, Kind string
}

// TargetLabels are the labels of irsa_doctor_targets.
type TargetLabels struct {
	Namespace, Mechanism, State string
}

// Target states of irsa_doctor_targets.
const (
	StateHealthy = "healthy"
	StateFailing = "failing"
	StateUnknown = "unknown"
)

// Aggregate counts what the gauges show: the distinct failing subjects
// per check, slug, severity, namespace and kind; and the targets per
// namespace, mechanism and state.
func (s *State) Aggregate() (findings map[FindingLabels]int, targets map[TargetLabels]int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	findings = map[FindingLabels]int{}
	for _, f := range s.failingLocked(nil) {
		for _, ns := range f.namespaces() {
			findings[FindingLabels{Check: f.Check, Slug: f.Slug, Severity: string(f.Severity), Namespace: ns, Kind: f.Subject.Kind}]++
		}
	}
	targets = map[TargetLabels]int{}
	for _, ts := range s.targets {
		targets[TargetLabels{Namespace: ts.t.Namespace, Mechanism: ts.t.Mechanism, State: stateOf(ts.t)}]++
	}
	return findings, targets
}

// stateOf is a target's state from its chain: failing when a link
// fails (a check of it failed with severity error), unknown when a link
// the target's mechanism uses could not be judged, else healthy.
func stateOf(t finding.Target) string {
	state := StateHealthy
	for _, l := range t.Links {
		switch {
		case l.Status == finding.LinkFail:
			return StateFailing
		case l.Status == finding.LinkUnknown && l.Detail != notUsedByPodIdentity:
			state = StateUnknown
		}
	}
	return state
}

// notUsedByPodIdentity is the detail of the IRSA links of a Pod Identity
// target (check.chain): not judged, and not needed.
const notUsedByPodIdentity = "not used by EKS Pod Identity"

// Result is the current diagnosis as one document: the targets, and each
// finding once, listing every target it concerns.
func (s *State) Result() (targets []finding.Target, findings []finding.Finding) {
	s.mu.Lock()
	defer s.mu.Unlock()
	targets = make([]finding.Target, 0, len(s.targets))
	for _, ts := range s.targets {
		targets = append(targets, ts.t)
	}
	slices.SortFunc(targets, func(a, b finding.Target) int {
		return strings.Compare(a.Namespace+"\x00"+a.Kind+"\x00"+a.Name, b.Namespace+"\x00"+b.Kind+"\x00"+b.Name)
	})
	findings = make([]finding.Finding, 0, len(s.findings))
	for _, e := range s.findings {
		f := e.f
		f.Affects = nil
		subj := refKey(f.Subject.Kind, f.Subject.Namespace, f.Subject.Name)
		for o := range e.refs {
			if o == "" || o == subj {
				continue
			}
			kind, rest, _ := strings.Cut(o, "/")
			ns, name, _ := strings.Cut(rest, "/")
			f.Affects = append(f.Affects, finding.Ref{Kind: kind, Namespace: ns, Name: name})
		}
		slices.SortFunc(f.Affects, func(a, b finding.Ref) int {
			return strings.Compare(refKey(a.Kind, a.Namespace, a.Name), refKey(b.Kind, b.Namespace, b.Name))
		})
		findings = append(findings, f)
	}
	finding.Sort(findings)
	return targets, findings
}

// Target returns the chain of the target key (KIND/NS/NAME) and the
// checks failing on it.
func (s *State) Target(key string) (finding.Target, []string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ts := s.targets[key]
	if ts == nil {
		return finding.Target{}, nil, false
	}
	var failing []string
	for _, fk := range ts.findings {
		if fk.status == string(finding.StatusFail) && !slices.Contains(failing, fk.check) {
			failing = append(failing, fk.check)
		}
	}
	slices.Sort(failing)
	return ts.t, failing, true
}

// Ready reports whether a full diagnosis was applied.
func (s *State) Ready() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.full
}
