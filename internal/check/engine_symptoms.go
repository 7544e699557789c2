package check

import (
	"slices"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/model"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// Symptoms (issue 12): the errors seen in a target's logs or pasted error
// texts (model.ObservationsOf) are evidence. An observation is explained
// when one of its signature's candidate checks failed for the target (on
// the target, its ServiceAccount, its role or its provider): the engine
// adds "observed: ..." evidence to that failing finding and lists the
// check in the symptom's explainedBy. IRSA501 reports the observations no
// failing check explains, by the same rule (explainers).

// observedPrefix starts the evidence an observation adds to a finding.
const observedPrefix = "observed: "

// explainers returns the candidates of o that failed, most likely first.
func explainers(o *snapshot.Observation, failed func(id string) bool) []string {
	var out []string
	for _, id := range o.Candidates {
		if failed(id) && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// observe builds the target's symptoms and adds each explained
// observation to the failing findings that explain it.
func observe(ctx *model.Context, t *model.Target, recs []record) []finding.Symptom {
	obs := model.ObservationsOf(ctx, t)
	if len(obs) == 0 {
		return nil
	}
	failing := map[string][]int{}
	for i := range recs {
		if recs[i].status == finding.StatusFail && recs[i].f != nil {
			failing[recs[i].check.ID] = append(failing[recs[i].check.ID], i)
		}
	}
	// The observed evidence is this target's: a finding recorded for many
	// targets (Recorder.RecordShared) gets it on a copy of its own.
	own := map[int]bool{}
	out := make([]finding.Symptom, 0, len(obs))
	for _, o := range obs {
		by := explainers(o, func(id string) bool {
			return len(failing[id]) > 0 && (!model.IsPermissionCheck(id) || model.PermissionExplains(ctx, t, o, id))
		})
		for _, id := range by {
			for _, i := range failing[id] {
				if !own[i] {
					own[i] = true
					f := *recs[i].f
					f.Evidence = slices.Clip(f.Evidence)
					recs[i].f = &f
				}
				recs[i].f.Evidence = append(recs[i].f.Evidence, finding.Evidence{Source: o.File.Kind, Ref: o.File.Ref, Value: model.ObservedText(o)})
			}
		}
		out = append(out, finding.Symptom{Source: o.Source, Container: o.Container, Signature: o.Signature, Title: o.Title,
			Count: o.Count, First: o.First, Last: o.Last, Sample: o.Sample, ExplainedBy: append([]string{}, by...)})
	}
	return out
}

// mergeObserved copies the observed evidence of a finding merged into
// another (the same provider's IRSA303 on two pods, each with its log).
func mergeObserved(into *finding.Finding, from *finding.Finding) {
	for _, e := range from.Evidence {
		if strings.HasPrefix(e.Value, observedPrefix) && !slices.Contains(into.Evidence, e) {
			into.Evidence = append(into.Evidence, e)
		}
	}
}

// GapUnattributed is the Operation of the gap for a log or error text that
// no target gets: its errors are kept out of every target's symptoms.
const GapUnattributed = "attribute log"

// unattributed lists, once per file, the observations no target gets.
func unattributed(ctx *model.Context) []finding.Gap {
	var out []finding.Gap
	seen := map[string]bool{}
	for _, o := range model.Unattributed(ctx) {
		key := o.File.Ref
		if o.Source == snapshot.ObservedInCloudTrail {
			// One file of CloudTrail events holds several callers.
			key += "\x00" + o.Namespace + "/" + o.ServiceAccount + "\x00" + o.Role
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		why := "it names no pod and the input has no single pod or workload to give it to: name it logs/NAMESPACE/POD/CONTAINER.log"
		switch {
		case o.Source == snapshot.ObservedInCloudTrail && o.ServiceAccount != "":
			why = "its CloudTrail events name ServiceAccount " + o.Namespace + "/" + o.ServiceAccount + ", which no target of this run uses"
		case o.Source == snapshot.ObservedInCloudTrail:
			why = "its CloudTrail events name no ServiceAccount and role " + o.Role + ", which no target's ServiceAccount names, and the input has no single pod or workload to give them to"
		case o.Pod != "":
			why = "it names pod " + strings.TrimPrefix(o.Namespace+"/"+o.Pod, "/") + ", which is not a target of this run"
		}
		out = append(out, finding.Gap{Source: o.File.Kind, Operation: GapUnattributed, Resource: o.File.Ref, Reason: why})
	}
	return out
}
