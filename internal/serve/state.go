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
	// findings by their identity (what the engine merges on), with the
	// targets each concerns.
	findings map[findingKey]*findingEntry
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
	return &State{targets: map[string]*targetState{}, findings: map[findingKey]*findingEntry{}}
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

// Apply replaces the state of the targets keep selects (every target when
// full) with res, the engine's output for exactly those targets, and
// returns the failures that appeared and cleared.
func (s *State) Apply(res *finding.Result, keep func(kind, ns, name string) bool, full bool) Transitions {
	s.mu.Lock()
	defer s.mu.Unlock()
	before := s.failingLocked()
	// removed holds the chains of the targets replaced, for the failures
	// that clear with them.
	removed := map[string]finding.Target{}
	if full {
		for k, ts := range s.targets {
			removed[k] = ts.t
		}
		s.targets = map[string]*targetState{}
		s.findings = map[findingKey]*findingEntry{}
		s.full = true
	} else {
		for key, ts := range s.targets {
			if !keep(ts.t.Kind, ts.t.Namespace, ts.t.Name) {
				continue
			}
			removed[key] = ts.t
			for _, fk := range ts.findings {
				if e := s.findings[fk]; e != nil {
					delete(e.refs, key)
					if len(e.refs) == 0 {
						delete(s.findings, fk)
					}
				}
			}
			delete(s.targets, key)
		}
	}
	inRun := make(map[string]bool, len(res.Targets))
	for _, t := range res.Targets {
		k := refKey(t.Kind, t.Namespace, t.Name)
		s.targets[k] = &targetState{t: t}
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
			s.findings[fk] = e
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
	tr := diff(before, s.failingLocked())
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
// status fail (not skipped, not ignored), the container aside.
func (s *State) failingLocked() map[failKey]Failing {
	out := map[failKey]Failing{}
	for _, e := range s.findings {
		f := &e.f
		if f.Status != finding.StatusFail {
			continue
		}
		ref := finding.Ref{Kind: f.Subject.Kind, Namespace: f.Subject.Namespace, Name: f.Subject.Name}
		k := failKey{f.CheckID, ref}
		have, ok := out[k]
		if !ok {
			have = Failing{Check: f.CheckID, Slug: f.Slug, Severity: f.Severity, Subject: ref, Message: f.Message}
		}
		for r := range e.refs {
			if r != "" && !slices.Contains(have.refs, r) {
				have.refs = append(have.refs, r)
			}
		}
		out[k] = have
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
	for _, f := range s.failingLocked() {
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
