package report

import (
	"slices"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// entry is a finding shown in a section of the text report: in full, or,
// when ref is set, as one line that says where it is printed in full.
type entry struct {
	f   int // index into Result.Findings
	ref string
}

// layout says where each finding is shown. A user reading one target must
// see everything that breaks it, yet a finding shared by several targets (a
// ServiceAccount two Deployments use, a missing webhook) is printed in full
// only once:
//   - a finding's home is the first target it concerns directly (the target
//     itself or one of its containers, its ServiceAccount, its IAM role, its
//     namespace, or a target the engine listed in the evidence when it
//     merged the finding); it is printed in full there;
//   - any later target it concerns directly refers back to it in one line;
//   - a failure that concerns no target directly (the webhook, an OIDC
//     provider, the cluster) is printed in full in the cluster-wide section;
//     every target whose chain names its check ID as a failing or blocking
//     cause refers to it.
type layout struct {
	targets [][]entry
	cluster []entry
	// notChecked are skips about the input as a whole (no TLS chain, no
	// token, no associations captured): listed once at the end rather than
	// under the first target, where they would bury what breaks it.
	notChecked []entry
}

// inputWide reports a skipped finding about the cluster or an OIDC
// provider: it says what the input lacks, not what breaks a target.
func inputWide(f finding.Finding) bool {
	return f.Status == finding.StatusSkipped && (f.Subject.Kind == "EKSCluster" || f.Subject.Kind == "OIDCProvider") &&
		!strings.HasPrefix(f.Message, "blocked by ")
}

func place(r *finding.Result, showPassed bool) layout {
	lay := layout{targets: make([][]entry, len(r.Targets))}
	ix := newTargetIndex(r.Targets)
	direct := make([][]int, len(r.Findings)) // targets each finding concerns directly, ascending
	for i, f := range r.Findings {
		if !inputWide(f) {
			direct[i] = ix.concerned(f)
		}
	}
	home := func(i int) int {
		if len(direct[i]) == 0 {
			return -1
		}
		return direct[i][0]
	}
	visible := func(f finding.Finding) bool { return f.Status != finding.StatusPass || showPassed }
	where := func(h, j int) string {
		switch {
		case h < 0:
			return "see Cluster-wide below"
		case h < j:
			return "see above, under " + targetName(r.Targets[h])
		}
		return "see below, under " + targetName(r.Targets[h])
	}
	// Check IDs each target has a direct finding of: its chain naming one
	// of them is explained by that finding.
	own := make([]map[string]bool, len(r.Targets))
	failing := map[string][]int{} // the failing findings of each check
	for i, f := range r.Findings {
		for _, j := range direct[i] {
			if own[j] == nil {
				own[j] = map[string]bool{}
			}
			own[j][f.CheckID] = true
		}
		if f.Status == finding.StatusFail {
			failing[f.CheckID] = append(failing[f.CheckID], i)
		}
	}
	// Each target's entries, in the order of the findings: a finding is
	// shown in full at its home, referred to from every other target it
	// concerns directly, and from every target whose chain names its check
	// as a cause that no finding of the target's own explains.
	placed := make([]map[int]entry, len(r.Targets))
	put := func(j, i int, e entry) {
		if placed[j] == nil {
			placed[j] = map[int]entry{}
		}
		if _, ok := placed[j][i]; !ok {
			placed[j][i] = e
		}
	}
	for i, f := range r.Findings {
		if !visible(f) {
			continue
		}
		for _, j := range direct[i] {
			switch {
			case home(i) == j:
				put(j, i, entry{f: i})
			case f.Status == finding.StatusFail:
				put(j, i, entry{f: i, ref: where(home(i), j)})
			}
		}
	}
	for j, tg := range r.Targets {
		for id := range chainCheckIDs(tg) {
			if own[j][id] {
				continue
			}
			for _, i := range failing[id] {
				if visible(r.Findings[i]) && home(i) != j {
					put(j, i, entry{f: i, ref: where(home(i), j)})
				}
			}
		}
		if len(placed[j]) == 0 {
			continue
		}
		idx := make([]int, 0, len(placed[j]))
		for i := range placed[j] {
			idx = append(idx, i)
		}
		slices.Sort(idx)
		for _, i := range idx {
			lay.targets[j] = append(lay.targets[j], placed[j][i])
		}
	}
	for i, f := range r.Findings {
		switch {
		case !visible(f):
		case inputWide(f):
			lay.notChecked = append(lay.notChecked, entry{f: i})
		case home(i) < 0:
			lay.cluster = append(lay.cluster, entry{f: i})
		}
	}
	return lay
}

// targetIndex finds the targets a finding concerns without comparing it
// with every target (a whole cluster is 10,000 of them): candidates by
// subject, ServiceAccount, namespace, role and the targets the merged
// evidence names, each confirmed with concerns.
type targetIndex struct {
	targets  []finding.Target
	byObject map[string][]int // KIND/NS/NAME
	bySA     map[string][]int // NS/SA
	byNS     map[string][]int
	byRole   map[string][]int // role ARN, and role name
}

func newTargetIndex(ts []finding.Target) *targetIndex {
	ix := &targetIndex{targets: ts, byObject: map[string][]int{}, bySA: map[string][]int{}, byNS: map[string][]int{}, byRole: map[string][]int{}}
	for j, tg := range ts {
		ix.byObject[tg.Kind+"/"+tg.Namespace+"/"+tg.Name] = append(ix.byObject[tg.Kind+"/"+tg.Namespace+"/"+tg.Name], j)
		if tg.ServiceAccount != "" {
			ix.bySA[tg.Namespace+"/"+tg.ServiceAccount] = append(ix.bySA[tg.Namespace+"/"+tg.ServiceAccount], j)
		}
		ix.byNS[tg.Namespace] = append(ix.byNS[tg.Namespace], j)
		if tg.RoleARN != "" {
			ix.byRole[tg.RoleARN] = append(ix.byRole[tg.RoleARN], j)
			if n := roleName(tg.RoleARN); n != "" && n != tg.RoleARN {
				ix.byRole[n] = append(ix.byRole[n], j)
			}
		}
	}
	return ix
}

// concerned returns the targets f concerns, ascending.
func (ix *targetIndex) concerned(f finding.Finding) []int {
	s := f.Subject
	var cand []int
	cand = append(cand, ix.byObject[s.Kind+"/"+s.Namespace+"/"+s.Name]...)
	switch s.Kind {
	case "ServiceAccount":
		cand = append(cand, ix.bySA[s.Namespace+"/"+s.Name]...)
	case "Namespace":
		cand = append(cand, ix.byNS[s.Name]...)
	case "IAMRole":
		if s.ARN != "" {
			cand = append(cand, ix.byRole[s.ARN]...)
		} else if s.Name != "" {
			cand = append(cand, ix.byRole[s.Name]...)
		}
	}
	for _, ev := range f.Evidence {
		if kind, ref, ok := mentioned(ev.Value); ok {
			cand = append(cand, ix.byObject[kind+"/"+ref]...)
		}
	}
	slices.Sort(cand)
	cand = slices.Compact(cand)
	out := cand[:0]
	for _, j := range cand {
		if concernsFn(f, ix.targets[j]) {
			out = append(out, j)
		}
	}
	return out
}

// mentioned reads the evidence the engine adds when it merges a finding
// of several targets: the kind and NS/NAME of the target it names.
func mentioned(v string) (kind, ref string, ok bool) {
	if rest, found := strings.CutPrefix(v, "affects "); found {
		kind, ref, ok = strings.Cut(rest, " ")
		return kind, ref, ok
	}
	if rest, found := strings.CutPrefix(v, "pod "); found {
		if ref, found := strings.CutSuffix(rest, " has the same finding"); found {
			return "Pod", ref, true
		}
	}
	return "", "", false
}

// concernsFn is concerns; a test counts its calls.
var concernsFn = concerns

// concerns reports whether f is about tg or something tg alone depends on.
func concerns(f finding.Finding, tg finding.Target) bool {
	s := f.Subject
	switch {
	case s.Kind == tg.Kind && s.Namespace == tg.Namespace && s.Name == tg.Name:
		return true
	case s.Kind == "ServiceAccount" && tg.ServiceAccount != "" && s.Namespace == tg.Namespace && s.Name == tg.ServiceAccount:
		return true
	case s.Kind == "Namespace" && s.Name == tg.Namespace:
		return true
	case s.Kind == "IAMRole" && tg.RoleARN != "":
		if s.ARN != "" {
			return s.ARN == tg.RoleARN
		}
		return s.Name != "" && s.Name == roleName(tg.RoleARN)
	}
	for _, ev := range f.Evidence {
		if mentions(ev.Value, tg) {
			return true
		}
	}
	return false
}

// mentions recognises the evidence the engine adds when it merges one
// finding of several targets (check.merge): "affects KIND NS/NAME" for a
// shared subject, "pod NS/NAME has the same finding" for a pod folded into
// its workload's template.
func mentions(v string, tg finding.Target) bool {
	ref := tg.Namespace + "/" + tg.Name
	return v == "affects "+tg.Kind+" "+ref ||
		(tg.Kind == "Pod" && v == "pod "+ref+" has the same finding")
}

// roleName is the last path element of a role ARN
// (arn:PARTITION:iam::ACCOUNT:role/PATH/NAME), "" when arn is not one.
func roleName(arn string) string {
	i := strings.Index(arn, ":role/")
	if i < 0 {
		return ""
	}
	res := arn[i+len(":role/"):]
	return res[strings.LastIndexByte(res, '/')+1:]
}

// chainCheckIDs collects the check IDs a target's chain names in the detail
// of a link that did not pass: the engine writes "IRSA205, IRSA206" for a
// failing link and "IRSA302: blocked by IRSA301" for an unknown one.
func chainCheckIDs(tg finding.Target) map[string]bool {
	ids := map[string]bool{}
	for _, l := range tg.Links {
		if l.Status == finding.LinkPass {
			continue
		}
		d := l.Detail
		for {
			i := strings.Index(d, "IRSA")
			if i < 0 {
				break
			}
			j := i + len("IRSA")
			for j < len(d) && d[j] >= '0' && d[j] <= '9' {
				j++
			}
			if j > i+len("IRSA") {
				ids[d[i:j]] = true
			}
			d = d[j:]
		}
	}
	return ids
}
