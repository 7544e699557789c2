package report

import (
	"slices"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// entry is a finding listed in a section of the text report.
type entry struct {
	f int // index into Result.Findings
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
