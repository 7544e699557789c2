package model

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestFilterConds: filterConds returns the conditions on a claim in
// order, whether they are neighbours in Conds (a clipped subslice, which
// an append must not write through) or not (a copy).
func TestFilterConds(t *testing.T) {
	for _, claims := range [][]string{nil, {"sub"}, {"sub", "aud"}, {"aud", "sub", "sub"}, {"sub", "aud", "sub"}, {"", "sub", "sub", "aud"}, {"aud", "aud", "x", "aud"}} {
		d := &trustCore{}
		for i, c := range claims {
			d.Conds = append(d.Conds, TrustCond{Claim: c, Misnamed: i%2 == 0})
		}
		for _, claim := range []string{"sub", "aud", "x", "nope"} {
			var want []TrustCond
			for _, c := range d.Conds {
				if c.Claim == claim {
					want = append(want, c)
				}
			}
			got := d.filterConds(claim)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%q: filterConds(%q) (-want +got):\n%s", claims, claim, diff)
			}
			before := slices.Clone(d.Conds)
			_ = append(got, TrustCond{Claim: "appended"})
			if diff := cmp.Diff(before, d.Conds); diff != "" {
				t.Errorf("%q: an append to filterConds(%q) wrote into Conds:\n%s", claims, claim, diff)
			}
		}
	}
}
