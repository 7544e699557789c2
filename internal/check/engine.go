// Package check holds the registry of checks (registry.go: one explicit
// slice sorted by ID, each check's documentation from
// docs/checks/IRSAnnn.md), the engine (engine*.go: the Check type, the
// Recorder, cascades, merging of findings and the chain of links), and one
// leaf file per check, irsaNNN_slug.go, which reads the typed facts of
// internal/model and records outcomes.
//
// Checks are pure functions of the snapshot: no check performs I/O. A
// check file defines nothing that another check file uses (a test
// enforces it); what several checks share belongs in internal/model.
// check imports model, snapshot, policy, arn, webhook, sdk and finding,
// and nothing imports check but the CLI.
package check

import (
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// Options configure one run of the engine.
type Options struct {
	// Checks to run, sorted by ID; nil runs All.
	Checks   []*Check
	Selector model.Selector
	Now      time.Time
	// DropPasses leaves passing findings out of Output.Findings (they still
	// decide the chain's links): the CLI without --show-passed.
	DropPasses bool
	// Questions are the --can questions, asked of every container whose
	// credentials are an IAM role (IRSA601-603, containers[].permissions).
	Questions []policy.Question
}

// Output is what the engine found: every outcome (passes included; the
// caller drops them unless --show-passed), and one chain per target.
type Output struct {
	Targets  []finding.Target
	Findings []finding.Finding
	// Gaps are what the run could not tie to a target: the files of
	// errors seen that no target gets (unattributed).
	Gaps []finding.Gap
}

// targetChunk is how many neighbouring targets an engine worker takes at
// a time (Run).
const targetChunk = 32

// maxAffected caps the "affects ..." evidence a merged finding lists.
const maxAffected = 20

// Run picks the targets, runs every check on each, applies cascades, and
// merges findings shared by several targets.
func Run(s *snapshot.Snapshot, opts Options) *Output {
	checks := opts.Checks
	if checks == nil {
		checks = All
	}
	checks = runOrder(checks)
	ix := model.NewIndex(s)
	targets := model.Targets(s, opts.Selector, ix)
	// Targets are independent: judge them on every core. Each worker has
	// its own Context (and so its own memo); the records are put back in
	// target order, so the output does not depend on scheduling. Workers
	// take runs of targetChunk neighbours: targets are sorted by
	// namespace and name, so the pods of one workload (one ServiceAccount,
	// one role) mostly land on one worker, whose memo then judges their
	// shared facts once rather than once per worker.
	perTarget := make([][]record, len(targets))
	chains := make([]finding.Target, len(targets))
	workers := runtime.GOMAXPROCS(0)
	if len(targets) < 64 {
		workers = 1
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			ctx := &model.Context{Snap: s, Now: opts.Now, Targets: targets, Index: ix, Questions: opts.Questions}
			shared := map[*model.Verdict]*finding.Finding{}
			// scratch holds one target's records at a time: what is kept
			// of them is copied out (withFindings).
			var scratch []record
			// verdicts is the array Recorder.Scratch lends, target after
			// target.
			var verdicts model.Verdicts
			// ns is the namespace of the worker's last target: past it,
			// the memo's entries about its ServiceAccounts are let go.
			ns := ""
			// rec is the worker's Recorder, which runTarget readies for
			// each target in turn.
			rec := &Recorder{keepPasses: !opts.DropPasses, fails: failures{}, shared: shared, verdicts: &verdicts, out: &scratch}
			// room is the memo of the worker's last target, emptied, for
			// the next one (model.MemoRoom).
			var room model.MemoRoom
			for {
				start := int(next.Add(targetChunk) - targetChunk)
				if start >= len(targets) {
					return
				}
				for i := start; i < min(start+targetChunk, len(targets)); i++ {
					t := targets[i]
					if t.Namespace != ns {
						ctx.ForgetServiceAccounts()
						ns = t.Namespace
					}
					t.UseRoom(&room)
					recs := runTarget(ctx, t, checks, rec)
					ft := chain(s, t, recs)
					ft.Symptoms = observe(ctx, t, recs)
					addPermissions(s, &ft, model.PermissionQuestions(ctx, t), opts.Questions)
					chains[i] = ft
					// Past the chain, only the outcomes with a finding
					// matter (merge): most records are passes without
					// one, and 100,000 targets would hold millions.
					perTarget[i] = withFindings(recs)
					// What the checks derived for this target alone (its
					// mutated spec above all) is not needed past here: a
					// 10,000-pod run would otherwise hold all of it at once.
					t.ForgetInto(&room)
				}
			}
		})
	}
	wg.Wait()

	out := &Output{Targets: chains}
	if len(chains) == 0 {
		out.Targets = nil
	}
	out.Gaps = unattributed(&model.Context{Snap: s, Now: opts.Now, Targets: targets, Index: ix})
	// The records stay in their per-target slices: merge reads them in
	// target order without one more copy of them all.
	out.Findings = mergeRuns(perTarget, !opts.DropPasses)
	finding.Sort(out.Findings)
	return out
}

// withFindings returns the records that carry a finding, in a slice of
// their own (recs is let go).
func withFindings(recs []record) []record {
	n := 0
	for i := range recs {
		if recs[i].f != nil {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]record, 0, n)
	for _, r := range recs {
		if r.f != nil {
			out = append(out, r)
		}
	}
	return out
}

// runOrder keeps ID order but moves a check after the checks it Requires
// or Sees (IRSA104 waits for IRSA107 and IRSA111, IRSA407 for IRSA408).
// Prerequisites that are not selected are ignored; a cycle falls back to
// ID order.
func runOrder(checks []*Check) []*Check {
	selected := map[*Check]bool{}
	for _, c := range checks {
		selected[c] = true
	}
	done := map[*Check]bool{}
	var out []*Check
	for len(out) < len(checks) {
		progressed := false
		for _, c := range checks {
			if done[c] {
				continue
			}
			ready := true
			for _, p := range append(c.Requires[:len(c.Requires):len(c.Requires)], c.Sees...) {
				if selected[p] && !done[p] {
					ready = false
					break
				}
			}
			if ready {
				done[c] = true
				out = append(out, c)
				progressed = true
			}
		}
		if !progressed {
			for _, c := range checks {
				if !done[c] {
					done[c] = true
					out = append(out, c)
				}
			}
		}
	}
	return out
}

// failures are the failures recorded so far on one target, by check: on
// the target's own subjects (the target, its ServiceAccount, its role,
// its provider or issuer), or on named containers only.
type failures map[*Check]*failed

type failed struct {
	target     bool
	containers map[string]bool
	// root is the check whose failure blocked this one, when this one was
	// blocked rather than failed: a check that requires it is blocked by
	// the root cause too (IRSA407 behind IRSA104 behind IRSA108).
	root *Check
}

func (fs failures) note(c *Check, subj finding.Subject) {
	f := fs[c]
	if f == nil {
		f = &failed{}
		fs[c] = f
	}
	if subj.Container == "" {
		f.target = true
		return
	}
	if f.containers == nil {
		f.containers = map[string]bool{}
	}
	f.containers[subj.Container] = true
}

// runTarget runs the checks on one target, in order. The engine, not the
// check, applies cascades (a failed prerequisite: Requires) and Needs
// (facts the input lacks): a check blocked for the target is never
// called, and its outcome is a skip on its Subject, with the reason.
//
// r is the engine worker's Recorder: one serves every check of every
// target in turn (a check does not keep it past Run; 10,000 targets times
// 40 checks). Its records (r.out) and failures are emptied here; the
// records returned are in r.out's array, valid until the next target.
func runTarget(ctx *model.Context, t *model.Target, checks []*Check, r *Recorder) []record {
	*r.out = (*r.out)[:0]
	clear(r.fails)
	r.target = t
	fails := r.fails
	for _, c := range checks {
		if !applies(c, t) || c.Applies != nil && !c.Applies(ctx, t) {
			continue
		}
		r.check, r.blocked, r.link = c, nil, ""
		if why, root := blockedFor(ctx, c, fails); why != "" {
			if root != nil {
				fails[c] = &failed{target: true, root: root}
			}
			subj := t.Subject()
			if c.Subject != nil {
				subj = c.Subject(ctx, t)
			}
			if c.Containers != nil {
				if names := c.Containers(ctx, t); names != nil {
					for _, name := range names {
						r.add(finding.StatusSkipped, t.ContainerSubject(name), why, nil)
					}
					continue
				}
			}
			r.add(finding.StatusSkipped, subj, why, nil)
			continue
		}
		for _, p := range c.Requires {
			if f := fails[p]; f != nil {
				for name := range f.containers {
					if r.blocked == nil {
						r.blocked = map[string]string{}
					}
					if _, ok := r.blocked[name]; !ok {
						r.blocked[name] = "blocked by " + p.ID
					}
				}
			}
		}
		c.Run(ctx, t, r)
	}
	r.check, r.blocked, r.link = nil, nil, ""
	return *r.out
}

// blockedFor returns why c cannot run on the target at all: a
// prerequisite failed on one of the target's own subjects (or was itself
// blocked: root is the check whose failure started the cascade), or the
// input holds none of a kind of fact the check needs.
func blockedFor(ctx *model.Context, c *Check, fails failures) (why string, root *Check) {
	for _, p := range c.Requires {
		if f := fails[p]; f != nil && f.target {
			root = p
			if f.root != nil {
				root = f.root
			}
			return "blocked by " + root.ID, root
		}
	}
	for _, k := range c.Needs {
		if !ctx.Snap.Has(k) {
			return "the input has no " + describeKind(k), nil
		}
	}
	return "", nil
}

func applies(c *Check, t *model.Target) bool {
	switch {
	case t.IsPod() && c.Scope&ScopePod == 0,
		t.IsTemplate() && c.Scope&ScopeTemplate == 0,
		t.IsServiceAccount() && c.Scope&ScopeServiceAccount == 0,
		t.IsAssociation() && c.Scope&ScopeAssociation == 0:
		return false
	}
	if c.IRSA {
		switch t.Mechanism {
		case model.MechanismPodIdentity:
			return false
		case model.MechanismNone:
			// A target without IRSA intent is here only because its
			// ServiceAccount is missing (IRSA101); the IRSA checks concern
			// it only when the user named it.
			return t.Named
		}
	}
	return true
}

func describeKind(k snapshot.Kind) string {
	switch k {
	case snapshot.KindWebhookConfiguration:
		return "MutatingWebhookConfigurations (capture: kubectl get mutatingwebhookconfigurations -o json)"
	case snapshot.KindServerVersion:
		return "server version (capture: kubectl version -o json)"
	case snapshot.KindCluster:
		return "EKS cluster (capture: aws eks describe-cluster --name CLUSTER --output json)"
	case snapshot.KindRole:
		return "IAM role (capture: aws iam get-role --role-name ROLE --output json)"
	case snapshot.KindOIDCProvider:
		return "IAM OIDC providers (capture: aws iam list-open-id-connect-providers --output json)"
	case snapshot.KindServiceAccount:
		return "ServiceAccounts (capture: kubectl get serviceaccounts -A -o json)"
	case snapshot.KindNamespace:
		return "Namespaces (capture: kubectl get namespaces -o json)"
	}
	return string(k)
}

// ownerOf names the workload a pod belongs to (finding.Target.Owner).
func ownerOf(t *model.Target) *finding.Ref {
	if t.Pod == nil || t.Meta == nil {
		return nil
	}
	if w := t.Owner; w != nil {
		return &finding.Ref{Kind: w.Kind, Namespace: w.Namespace, Name: w.Name}
	}
	c := t.Meta.ControllerOf()
	if c == nil {
		return nil
	}
	ref := &finding.Ref{Kind: c.Kind, Namespace: t.Namespace, Name: c.Name}
	// A Deployment names its ReplicaSets NAME-HASH, HASH being the
	// pod-template-hash label it puts on their pods.
	if h := t.Meta.Labels["pod-template-hash"]; c.Kind == "ReplicaSet" && h != "" {
		if name, ok := strings.CutSuffix(c.Name, "-"+h); ok && name != "" {
			ref.Kind, ref.Name = "Deployment", name
		}
	}
	return ref
}

// imagesOf lists the images of a pod's or template's containers, each once.
func imagesOf(t *model.Target) []string {
	if t.Spec == nil {
		return nil
	}
	var out []string
	for _, cs := range [][]snapshot.Container{t.Spec.InitContainers, t.Spec.Containers} {
		for _, c := range cs {
			if c.Image != "" && !slices.Contains(out, c.Image) {
				out = append(out, c.Image)
			}
		}
	}
	return out
}

// chain computes a target's links from its own records: fail when a check
// of the link failed with severity error, else unknown when one was skipped
// (a Secondary check's skip only when nothing of the link passed), else
// pass when one passed, else unknown (nothing could be checked).
func chain(s *snapshot.Snapshot, t *model.Target, recs []record) finding.Target {
	ft := finding.Target{
		Kind: t.Kind, Namespace: t.Namespace, Name: t.Name,
		ServiceAccount: t.SAName, Mechanism: t.Mechanism,
		Containers: model.CredentialsIn(s, t),
		Owner:      ownerOf(t), Images: imagesOf(t),
	}
	if v, ok := model.RoleAnnotation(t.SA); ok {
		ft.RoleARN = strings.TrimSpace(v)
	}
	if t.Mechanism == model.MechanismPodIdentity {
		// Its role is the association's: the annotation is not used
		// (docs/reference/pod-identity.md#pod-identity-and-irsa-together).
		ft.RoleARN = ""
		a := t.Association
		if a == nil {
			a = s.PodIdentityAssociationFor(t.Namespace, t.SAName)
		}
		if a != nil {
			ft.RoleARN = a.RoleARN
		}
	}
	// What the chain needs of a link's records: the failing checks, the
	// first skip (of a primary check, and of a Secondary one), and whether
	// one passed. Links are few: a small slice, not a map.
	type agg struct {
		link            string
		fail            []string
		skip, secondary *record
		pass            bool
	}
	// One per link at most: room for all of them up front, on the stack
	// (the chain is built for every target).
	var buf [8]agg
	aggs := buf[:0]
	get := func(link string) *agg {
		for i := range aggs {
			if aggs[i].link == link {
				return &aggs[i]
			}
		}
		return nil
	}
	for i := range recs {
		r := &recs[i]
		a := get(r.link)
		if a == nil {
			aggs = append(aggs, agg{link: r.link})
			a = &aggs[len(aggs)-1]
		}
		switch r.status {
		case finding.StatusFail:
			if r.severity == finding.SeverityError {
				a.fail = append(a.fail, r.check.ID)
			}
		case finding.StatusSkipped:
			if r.check.Secondary {
				if a.secondary == nil {
					a.secondary = r
				}
			} else if a.skip == nil {
				a.skip = r
			}
		case finding.StatusPass:
			a.pass = true
		}
	}
	ft.Links = make([]finding.Link, 0, len(finding.Links))
	for _, l := range finding.Links {
		a := get(l)
		switch {
		case t.Mechanism == model.MechanismPodIdentity && (l == finding.LinkOIDCProvider || l == finding.LinkIssuer):
			// EKS Pod Identity gets credentials from the agent and EKS
			// Auth, not from the cluster's OIDC issuer (docs/reference/pod-identity.md);
			// its webhook and role links are judged like any target's
			// (IRSA403/405/406, IRSA404/410).
			ft.Links = append(ft.Links, finding.Link{Link: l, Status: finding.LinkUnknown, Detail: "not used by EKS Pod Identity"})
		case a == nil:
			ft.Links = append(ft.Links, finding.Link{Link: l, Status: finding.LinkUnknown, Detail: "not checked"})
		case len(a.fail) > 0:
			ft.Links = append(ft.Links, finding.Link{Link: l, Status: finding.LinkFail, Detail: strings.Join(uniq(a.fail), ", ")})
		case a.skip != nil:
			ft.Links = append(ft.Links, finding.Link{Link: l, Status: finding.LinkUnknown, Detail: a.skip.check.ID + ": " + a.skip.f.Message})
		case !a.pass && a.secondary != nil:
			ft.Links = append(ft.Links, finding.Link{Link: l, Status: finding.LinkUnknown, Detail: a.secondary.check.ID + ": " + a.secondary.f.Message})
		default:
			ft.Links = append(ft.Links, finding.Link{Link: l, Status: finding.LinkPass})
		}
	}
	stoppedBy(ft.Containers, recs)
	return ft
}

// podIdentityBlockers are the checks whose error means that container
// credentials give the container nothing: no agent on the node (IRSA403),
// a role EKS Auth cannot assume (IRSA404, IRSA410), a node where Pod
// Identity does not work (IRSA405; docs/reference/pod-identity.md, docs/reference/pod-identity.md#failure-modes).
var podIdentityBlockers = map[string]bool{"IRSA403": true, "IRSA404": true, "IRSA405": true, "IRSA410": true}

// stoppedBy appends to a container's reason the failing checks that keep
// its credential source from giving it credentials, so the chain view does
// not promise what the findings refute: for container credentials, an
// error of IRSA403/404/405/410; for web identity, an error on the
// iam-role, oidc-provider or issuer link (AssumeRoleWithWebIdentity is
// refused, and the SDK does not fall through to the next provider:
// docs/reference/credential-chain.md). credentialSource keeps its value: it says what the
// SDK picks.
func stoppedBy(cs []finding.Container, recs []record) {
	for i := range cs {
		var ids []string
		for _, r := range recs {
			if r.status != finding.StatusFail || r.severity != finding.SeverityError || r.f == nil {
				continue
			}
			if c := r.f.Subject.Container; c != "" && c != cs[i].Name {
				continue
			}
			if strings.HasPrefix(r.check.ID, "IRSA6") {
				// Role permissions (6xx) judge what the credentials may
				// do once obtained, never whether they are.
				continue
			}
			switch cs[i].CredentialSource {
			case model.SourceContainer:
				if podIdentityBlockers[r.check.ID] {
					ids = append(ids, r.check.ID)
				}
			case model.SourceWebIdentity:
				if permissionFamily(r.check.ID) {
					// IRSA6xx judge what the credentials may do (a
					// chained role included), not whether STS gives them.
					continue
				}
				if r.link == finding.LinkIAMRole || r.link == finding.LinkOIDCProvider || r.link == finding.LinkIssuer {
					ids = append(ids, r.check.ID)
				}
			}
		}
		if len(ids) > 0 {
			ids = uniq(ids)
			sort.Strings(ids)
			cs[i].Reason += stoppedPhrase[cs[i].CredentialSource] + strings.Join(ids, ", ")
		}
	}
}

// permissionFamily reports a check of the 6xx family, role permissions
// (docs/contract.md check families): its failure leaves the container's
// credentials working.
func permissionFamily(id string) bool { return strings.HasPrefix(id, "IRSA6") }

// stoppedPhrase introduces the failing checks in a container's reason.
var stoppedPhrase = map[string]string{
	model.SourceContainer:   "; but it gets none: ",
	model.SourceWebIdentity: "; but STS refuses its AssumeRoleWithWebIdentity: ",
}

func uniq(ss []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// mergeRuns reports a finding once when several targets produce it, over
// the records of runs (each engine worker's, one slice per target), in
// order:
//   - a pod's finding that its top-level workload's template also has (same
//     check, status, container and message) is dropped, and the pod is
//     listed in the workload finding's evidence (docs/contract.md); runtime
//     checks, which do not run on templates, stay per pod;
//   - findings about the same subject (a ServiceAccount that several pods
//     use) are reported once, listing the targets they affect.
func mergeRuns(runs [][]record, keepPasses bool) []finding.Finding {
	type key struct {
		check, status, container, message string
		subject                           finding.Subject
	}
	templateKey := func(w *snapshot.Workload, r *record) key {
		subj := r.f.Subject
		if subj.Kind == "Pod" {
			subj = finding.Subject{Kind: w.Kind, Namespace: w.Namespace, Name: w.Name, Container: subj.Container}
		}
		return key{check: r.f.CheckID, status: string(r.f.Status), container: r.f.Subject.Container, message: r.f.Message, subject: subj}
	}
	idx := map[key]int{}
	byFinding := map[*finding.Finding]int{}
	// affected[i] counts the targets finding i affects (each finding has
	// one key in idx).
	var affected []int
	var out []finding.Finding
	// note lists the target of the record at hand among those finding i
	// affects: every one in Affects, the first maxAffected in the
	// evidence. The evidence line is built for the first maxAffected
	// only: a finding may affect thousands of targets.
	//
	// Affects is filled afterwards, from noted, each list at its final
	// size: grown one target at a time, it would be copied over and over.
	var noted []int32
	note := func(i int, ev func() finding.Evidence) {
		noted[len(noted)-1] = int32(i)
		for len(affected) <= i {
			affected = append(affected, 0)
		}
		affected[i]++
		switch {
		case affected[i] <= maxAffected:
			out[i].Evidence = append(out[i].Evidence, ev())
		case affected[i] == maxAffected+1:
			out[i].Evidence = append(out[i].Evidence, finding.Evidence{Value: "and more (see targets)"})
		}
	}
	// Templates first, so pods can fold into them.
	n := 0
	for _, recs := range runs {
		n += len(recs)
	}
	sorted := make([]*record, 0, n)
	for _, recs := range runs {
		for i := range recs {
			if recs[i].target.IsTemplate() {
				sorted = append(sorted, &recs[i])
			}
		}
	}
	for _, recs := range runs {
		for i := range recs {
			if !recs[i].target.IsTemplate() {
				sorted = append(sorted, &recs[i])
			}
		}
	}
	// noted[k] is the finding that lists sorted[k]'s target in its
	// Affects, or -1.
	noted = make([]int32, 0, len(sorted))
	for _, r := range sorted {
		noted = append(noted, -1)
		if r.f == nil || r.status == finding.StatusPass && !keepPasses {
			continue
		}
		if r.target.IsPod() && r.target.Owner != nil && r.check.Scope&ScopeTemplate != 0 && r.f.Subject.Kind == "Pod" {
			if i, ok := idx[templateKey(r.target.Owner, r)]; ok {
				mergeObserved(&out[i], r.f)
				note(i, func() finding.Evidence {
					return finding.Evidence{Source: r.target.Source.Kind, Ref: r.target.Source.Ref,
						Value: fmt.Sprintf("pod %s/%s has the same finding", r.target.Namespace, r.target.Name)}
				})
				continue
			}
		}
		// A pass about a shared object (the webhook configuration) needs no
		// list of the targets it covers; a failure or a skip does.
		listAffected := r.f.Status != finding.StatusPass && !sameObject(r.f.Subject, r.target.Subject())
		// A finding recorded for many targets (Recorder.RecordShared) is
		// one pointer: its key is looked up once.
		i, ok := byFinding[r.f]
		var k key
		if !ok {
			k = key{check: r.f.CheckID, status: string(r.f.Status), container: r.f.Subject.Container, message: r.f.Message, subject: r.f.Subject}
			i, ok = idx[k]
			if ok {
				byFinding[r.f] = i
			}
		}
		if ok {
			mergeObserved(&out[i], r.f)
			if listAffected {
				note(i, affects(r.target))
			}
			continue
		}
		idx[k] = len(out)
		byFinding[r.f] = len(out)
		out = append(out, *r.f)
		if listAffected {
			note(len(out)-1, affects(r.target))
		}
	}
	for i, n := range affected {
		out[i].Affects = slices.Grow(out[i].Affects, n)
	}
	for k, i := range noted {
		if i >= 0 {
			tg := sorted[k].target
			out[i].Affects = append(out[i].Affects, finding.Ref{Kind: tg.Kind, Namespace: tg.Namespace, Name: tg.Name})
		}
	}
	return out
}

// affects is the evidence line that names a target a finding affects.
func affects(t *model.Target) func() finding.Evidence {
	return func() finding.Evidence {
		return finding.Evidence{Source: t.Source.Kind, Ref: t.Source.Ref, Value: fmt.Sprintf("affects %s %s/%s", t.Kind, t.Namespace, t.Name)}
	}
}

// sameObject compares subjects without their container.
func sameObject(a, b finding.Subject) bool {
	a.Container, b.Container = "", ""
	return a == b
}

// addPermissions lists each container's questions and their answers in
// its containers[] entry (docs/contract.md: targets[].containers[].permissions).
//
// A container whose credentials are no IAM role the input names (static
// keys, a profile, the node's role through IMDS, none) gets each --can
// question as unknown, saying why, so that a question is never silently
// left unanswered.
func addPermissions(s *snapshot.Snapshot, ft *finding.Target, qs []*model.PermissionQuestion, asked []policy.Question) {
	answered := map[string]bool{}
	for _, q := range qs {
		answered[q.Container] = true
		for i := range ft.Containers {
			if ft.Containers[i].Name == q.Container {
				p := q.Permission()
				if sim := s.SimulationFor(q.Role.ARN, q.Question.Action, q.Question.Resource); sim != nil && sim.Reason == "" {
					p.Simulated = sim.Decision
				}
				ft.Containers[i].Permissions = append(ft.Containers[i].Permissions, p)
				break
			}
		}
	}
	for i := range ft.Containers {
		c := &ft.Containers[i]
		if answered[c.Name] {
			continue
		}
		for _, q := range asked {
			if model.IsChainQuestion(q) {
				continue // IRSA604 answers it, as a finding
			}
			c.Permissions = append(c.Permissions, finding.Permission{Action: q.Action, Resource: q.Resource, Decision: finding.DecisionUnknown,
				Statements: []finding.StatementRef{}, Asked: model.AskedCan,
				Reason: fmt.Sprintf("not evaluated: the container's credentials (credentialSource %s) are no IAM role the input names; --can is answered for an IRSA or EKS Pod Identity role", c.CredentialSource)})
		}
	}
}
