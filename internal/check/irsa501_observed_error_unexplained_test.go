package check

import (
	"slices"
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/symptom"
)

// TestIRSA501SeesEveryCandidate: IRSA501 reads the outcome of every check
// a signature may name, so it must run after each (Sees).
func TestIRSA501SeesEveryCandidate(t *testing.T) {
	cat, err := symptom.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range cat.Signatures {
		for _, c := range s.Candidates {
			if !slices.ContainsFunc(irsa501.Sees, func(x *Check) bool { return x.ID == c.Check }) {
				t.Errorf("signature %s names %s, which IRSA501 does not see", s.ID, c.Check)
			}
		}
	}
}
