package model

import (
	"fmt"
	"sort"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// LabelRequirement is one requirement of a metav1.LabelSelector: a
// matchLabels entry (operator In with one value) or a matchExpressions entry.
type LabelRequirement struct {
	Key      string
	Operator string // In, NotIn, Exists, DoesNotExist
	Values   []string
	// FromMatchLabels is true for a matchLabels entry.
	FromMatchLabels bool
}

// Label selector operators (metav1.LabelSelectorOperator).
const (
	SelectorOpIn           = "In"
	SelectorOpNotIn        = "NotIn"
	SelectorOpExists       = "Exists"
	SelectorOpDoesNotExist = "DoesNotExist"
)

// SelectorRequirements returns the selector's requirements in the order they are
// reported: matchLabels by key, then matchExpressions as written. It fails
// on what the API server would reject (metav1 validation): an unknown
// operator, In/NotIn without values, Exists/DoesNotExist with values.
func SelectorRequirements(sel *snapshot.LabelSelector) ([]LabelRequirement, error) {
	if sel == nil {
		return nil, nil
	}
	var out []LabelRequirement
	keys := make([]string, 0, len(sel.MatchLabels))
	for k := range sel.MatchLabels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, LabelRequirement{Key: k, Operator: SelectorOpIn, Values: []string{sel.MatchLabels[k]}, FromMatchLabels: true})
	}
	for i, e := range sel.MatchExpressions {
		switch e.Operator {
		case SelectorOpIn, SelectorOpNotIn:
			if len(e.Values) == 0 {
				return nil, fmt.Errorf("matchExpressions[%d] %q: operator %s needs values", i, e.Key, e.Operator)
			}
		case SelectorOpExists, SelectorOpDoesNotExist:
			if len(e.Values) > 0 {
				return nil, fmt.Errorf("matchExpressions[%d] %q: operator %s takes no values", i, e.Key, e.Operator)
			}
		default:
			return nil, fmt.Errorf("matchExpressions[%d] %q: unknown operator %q", i, e.Key, e.Operator)
		}
		out = append(out, LabelRequirement{Key: e.Key, Operator: e.Operator, Values: e.Values})
	}
	return out, nil
}

// Matches applies the requirement to a label set as
// k8s.io/apimachinery/pkg/labels does: NotIn and DoesNotExist match when the
// key is absent.
func (r LabelRequirement) Matches(labels map[string]string) bool {
	v, ok := labels[r.Key]
	switch r.Operator {
	case SelectorOpIn:
		return ok && SelectorHas(r.Values, v)
	case SelectorOpNotIn:
		return !ok || !SelectorHas(r.Values, v)
	case SelectorOpExists:
		return ok
	case SelectorOpDoesNotExist:
		return !ok
	}
	return false
}

// String renders the requirement as kubectl's -l syntax does
// (labels.Requirement.String): key=value, key in (a,b), key notin (a,b),
// key, !key.
func (r LabelRequirement) String() string {
	switch r.Operator {
	case SelectorOpIn:
		if len(r.Values) == 1 {
			return r.Key + "=" + r.Values[0]
		}
		return r.Key + " in (" + strings.Join(r.Values, ",") + ")"
	case SelectorOpNotIn:
		return r.Key + " notin (" + strings.Join(r.Values, ",") + ")"
	case SelectorOpExists:
		return r.Key
	case SelectorOpDoesNotExist:
		return "!" + r.Key
	}
	return r.Key + " " + r.Operator + " (" + strings.Join(r.Values, ",") + ")"
}

// Unmet says how the label set fails the requirement, e.g. `label team is
// absent` or `label team="billing"`.
func (r LabelRequirement) Unmet(labels map[string]string) string {
	if v, ok := labels[r.Key]; ok {
		return fmt.Sprintf("label %s=%q", r.Key, v)
	}
	return "label " + r.Key + " is absent"
}

// SelectorString renders a whole selector in kubectl's syntax, "" for an
// empty one (which matches everything).
func SelectorString(sel *snapshot.LabelSelector) string {
	reqs, err := SelectorRequirements(sel)
	if err != nil {
		return "invalid selector: " + err.Error()
	}
	var parts []string
	for _, r := range reqs {
		parts = append(parts, r.String())
	}
	return strings.Join(parts, ",")
}

// SelectorMatch evaluates a webhook's namespaceSelector or objectSelector
// against a label set. A nil or empty selector matches everything: the API
// server defaults both selectors to {} (admissionregistration/v1). It
// returns the requirements the labels fail (all of them, so a message can
// name each), and an error for a selector the API server would reject.
func SelectorMatch(sel *snapshot.LabelSelector, labels map[string]string) (ok bool, unmet []LabelRequirement, err error) {
	reqs, err := SelectorRequirements(sel)
	if err != nil {
		return false, nil, err
	}
	for _, r := range reqs {
		if !r.Matches(labels) {
			unmet = append(unmet, r)
		}
	}
	return len(unmet) == 0, unmet, nil
}

func SelectorHas(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
