package model

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// observationsKey memoises the attribution of the run's observations.
type observationsKey struct{}

// attribution is which target each observation belongs to.
type attribution struct {
	byPod map[string][]*snapshot.Observation // "namespace/pod", or "/pod" from kubectl --prefix
	// sole is the bundle's only pod or workload target, which gets the
	// observations that name no pod; nil when there are none or several.
	sole *Target
	// byTarget holds the CloudTrail observations, given by ServiceAccount
	// or role rather than by pod (attributeTrail).
	byTarget     map[*Target][]*snapshot.Observation
	unattributed []*snapshot.Observation
}

func attribute(c *Context) *attribution {
	return Once(c, observationsKey{}, func() *attribution {
		a := &attribution{byPod: map[string][]*snapshot.Observation{}, byTarget: map[*Target][]*snapshot.Observation{}}
		if len(c.Snap.Observations) == 0 {
			return a
		}
		pods := map[string]bool{}
		names := map[string]int{}
		n := 0
		for _, t := range c.Targets {
			if t.Pod == nil && t.Workload == nil {
				continue
			}
			n++
			a.sole = t
			if t.Pod != nil {
				pods[snapshot.Key(t.Namespace, t.Name)] = true
				names[t.Name]++
			}
		}
		if n != 1 {
			a.sole = nil
		}
		for _, o := range c.Snap.Observations {
			if o.Source == snapshot.ObservedInCloudTrail {
				a.attributeTrail(c, o)
				continue
			}
			switch {
			case o.Pod != "" && o.Namespace != "" && pods[snapshot.Key(o.Namespace, o.Pod)]:
				a.byPod[snapshot.Key(o.Namespace, o.Pod)] = append(a.byPod[snapshot.Key(o.Namespace, o.Pod)], o)
			case o.Pod != "" && o.Namespace == "" && names[o.Pod] == 1:
				a.byPod["/"+o.Pod] = append(a.byPod["/"+o.Pod], o)
			case o.Pod == "" && a.sole != nil:
				a.byPod[""] = append(a.byPod[""], o)
			default:
				a.unattributed = append(a.unattributed, o)
			}
		}
		return a
	})
}

// ObservationsOf returns the errors seen in the target's output (its
// logs, or error texts pasted beside it): those whose file or line names
// the pod, and, when the target is the input's only pod or workload,
// those that name none. In input order.
func ObservationsOf(c *Context, t *Target) []*snapshot.Observation {
	a := attribute(c)
	if len(c.Snap.Observations) == 0 {
		return nil
	}
	var out []*snapshot.Observation
	if t.Pod != nil {
		out = append(out, a.byPod[snapshot.Key(t.Namespace, t.Name)]...)
		out = append(out, a.byPod["/"+t.Name]...)
	}
	if a.sole == t {
		out = append(out, a.byPod[""]...)
	}
	return append(out, a.byTarget[t]...)
}

// attributeTrail gives a CloudTrail event (bundle/cloudtrail.go) to the
// targets that made the call: those running as the ServiceAccount its
// token's subject names (its pods, the workloads whose template uses it,
// the ServiceAccount itself); when the subject names no ServiceAccount,
// those whose role is the one asked for; failing that, the input's only
// pod or workload. An event of a ServiceAccount no target uses is
// unattributed: another ServiceAccount's failure is no evidence about
// this one.
func (a *attribution) attributeTrail(c *Context, o *snapshot.Observation) {
	var to []*Target
	for _, t := range c.Targets {
		if t.Association != nil || t.Mechanism == MechanismPodIdentity {
			continue // EKS Pod Identity: no web identity call
		}
		if o.ServiceAccount != "" {
			if t.Namespace == o.Namespace && t.SAName == o.ServiceAccount {
				to = append(to, t)
			}
			continue
		}
		if ref, present, err := TargetRole(t); o.Role != "" && present && err == nil && ref.Value == o.Role {
			to = append(to, t)
		}
	}
	if len(to) == 0 && o.ServiceAccount == "" && a.sole != nil {
		to = append(to, a.sole)
	}
	if len(to) == 0 {
		a.unattributed = append(a.unattributed, o)
		return
	}
	for _, t := range to {
		a.byTarget[t] = append(a.byTarget[t], o)
	}
}

// Unattributed returns the observations that no target gets: they name a
// pod the input does not diagnose, or none while the input has several
// targets (or none). The report lists their files.
func Unattributed(c *Context) []*snapshot.Observation { return attribute(c).unattributed }

// timeRE finds a time inside a sample line: findings carry no timestamps
// (docs/contract.md), only targets[].symptoms[] do.
var timeRE = regexp.MustCompile(`\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?`)

// ObservedText is the evidence an observation gives a finding: the
// signature, where and how often it was seen, and the sample line without
// its times.
func ObservedText(o *snapshot.Observation) string {
	where := "in the pasted error text"
	switch o.Source {
	case snapshot.ObservedInLog:
		where = "in the log"
	case snapshot.ObservedInCloudTrail:
		where = "in CloudTrail"
	}
	if o.Container != "" {
		where = "in container " + o.Container
	}
	times := "once"
	if o.Count > 1 {
		times = fmt.Sprintf("%d times", o.Count)
	}
	return fmt.Sprintf("observed: %s %s, %s: %s", o.Signature, where, times, strings.TrimSpace(timeRE.ReplaceAllString(o.Sample, "TIME")))
}
