package model

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

func TestSelectorMatch(t *testing.T) {
	labels := map[string]string{"app": "api", "team": "payments", "kubernetes.io/metadata.name": "payments"}
	expr := func(key, op string, values ...string) snapshot.LabelSelectorRequirement {
		return snapshot.LabelSelectorRequirement{Key: key, Operator: op, Values: values}
	}
	tests := []struct {
		name      string
		sel       *snapshot.LabelSelector
		wantOK    bool
		wantUnmet []string // String() of each unmet requirement
		wantErr   string
	}{
		{name: "nil matches everything", sel: nil, wantOK: true},
		{name: "empty matches everything", sel: &snapshot.LabelSelector{}, wantOK: true},
		{name: "matchLabels equal", sel: &snapshot.LabelSelector{MatchLabels: map[string]string{"app": "api"}}, wantOK: true},
		{name: "matchLabels different value", sel: &snapshot.LabelSelector{MatchLabels: map[string]string{"app": "web", "team": "payments"}},
			wantUnmet: []string{"app=web"}},
		{name: "matchLabels absent key, sorted", sel: &snapshot.LabelSelector{MatchLabels: map[string]string{"z": "1", "b": "2"}},
			wantUnmet: []string{"b=2", "z=1"}},
		{name: "In", sel: &snapshot.LabelSelector{MatchExpressions: []snapshot.LabelSelectorRequirement{expr("team", "In", "billing", "payments")}}, wantOK: true},
		{name: "In absent key", sel: &snapshot.LabelSelector{MatchExpressions: []snapshot.LabelSelectorRequirement{expr("tier", "In", "web")}},
			wantUnmet: []string{"tier=web"}},
		{name: "NotIn value listed", sel: &snapshot.LabelSelector{MatchExpressions: []snapshot.LabelSelectorRequirement{
			expr("kubernetes.io/metadata.name", "NotIn", "kube-system", "payments")}},
			wantUnmet: []string{"kubernetes.io/metadata.name notin (kube-system,payments)"}},
		{name: "NotIn absent key matches", sel: &snapshot.LabelSelector{MatchExpressions: []snapshot.LabelSelectorRequirement{expr("tier", "NotIn", "web")}}, wantOK: true},
		{name: "Exists", sel: &snapshot.LabelSelector{MatchExpressions: []snapshot.LabelSelectorRequirement{expr("app", "Exists")}}, wantOK: true},
		{name: "Exists absent", sel: &snapshot.LabelSelector{MatchExpressions: []snapshot.LabelSelectorRequirement{expr("irsa", "Exists")}},
			wantUnmet: []string{"irsa"}},
		{name: "DoesNotExist absent", sel: &snapshot.LabelSelector{MatchExpressions: []snapshot.LabelSelectorRequirement{
			expr("eks.amazonaws.com/skip-pod-identity-webhook", "DoesNotExist")}}, wantOK: true},
		{name: "DoesNotExist present", sel: &snapshot.LabelSelector{MatchExpressions: []snapshot.LabelSelectorRequirement{expr("team", "DoesNotExist")}},
			wantUnmet: []string{"!team"}},
		{name: "matchLabels and expressions are ANDed", sel: &snapshot.LabelSelector{MatchLabels: map[string]string{"app": "api"},
			MatchExpressions: []snapshot.LabelSelectorRequirement{expr("team", "In", "billing"), expr("app", "Exists")}},
			wantUnmet: []string{"team=billing"}},
		{name: "operators are case-sensitive", sel: &snapshot.LabelSelector{MatchExpressions: []snapshot.LabelSelectorRequirement{expr("app", "in", "api")}},
			wantErr: `matchExpressions[0] "app": unknown operator "in"`},
		{name: "In without values", sel: &snapshot.LabelSelector{MatchExpressions: []snapshot.LabelSelectorRequirement{expr("app", "In")}},
			wantErr: `matchExpressions[0] "app": operator In needs values`},
		{name: "Exists with values", sel: &snapshot.LabelSelector{MatchExpressions: []snapshot.LabelSelectorRequirement{expr("app", "Exists", "x")}},
			wantErr: `matchExpressions[0] "app": operator Exists takes no values`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, unmet, err := SelectorMatch(tt.sel, labels)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if gotErr != tt.wantErr {
				t.Fatalf("error = %q, want %q", gotErr, tt.wantErr)
			}
			if ok != tt.wantOK {
				t.Errorf("ok = %v, want %v", ok, tt.wantOK)
			}
			var got []string
			for _, r := range unmet {
				got = append(got, r.String())
			}
			if diff := cmp.Diff(tt.wantUnmet, got); diff != "" {
				t.Errorf("unmet mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLabelRequirementUnmetAndSelectorString(t *testing.T) {
	labels := map[string]string{"team": "billing"}
	tests := []struct {
		name      string
		req       LabelRequirement
		wantUnmet string
	}{
		{name: "present", req: LabelRequirement{Key: "team", Operator: SelectorOpIn, Values: []string{"payments"}}, wantUnmet: `label team="billing"`},
		{name: "absent", req: LabelRequirement{Key: "tier", Operator: SelectorOpExists}, wantUnmet: "label tier is absent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.req.Unmet(labels); got != tt.wantUnmet {
				t.Errorf("Unmet() = %q, want %q", got, tt.wantUnmet)
			}
		})
	}
	sel := &snapshot.LabelSelector{MatchLabels: map[string]string{"a": "1"}, MatchExpressions: []snapshot.LabelSelectorRequirement{
		{Key: "b", Operator: "In", Values: []string{"x", "y"}}, {Key: "c", Operator: "DoesNotExist"}, {Key: "d", Operator: "Exists"}}}
	if got, want := SelectorString(sel), "a=1,b in (x,y),!c,d"; got != want {
		t.Errorf("SelectorString() = %q, want %q", got, want)
	}
	if got := SelectorString(nil); got != "" {
		t.Errorf("SelectorString(nil) = %q, want empty", got)
	}
}
