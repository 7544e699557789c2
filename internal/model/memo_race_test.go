package model

import (
	"sync"
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// TestOnceForAcrossWorkers: a check reads other targets (the pods of the
// same ServiceAccount) while another engine worker judges them and then
// forgets their memo; the memo must stay consistent under that (run with
// -race, as CI does: without the lock this is a concurrent map write).
func TestOnceForAcrossWorkers(t *testing.T) {
	sa := &snapshot.ServiceAccount{ObjectMeta: snapshot.ObjectMeta{Name: "s", Namespace: "n",
		Annotations: map[string]string{webhook.AnnotationRoleARN: "arn:aws:iam::111122223333:role/r"}}}
	pod := &snapshot.Pod{ObjectMeta: snapshot.ObjectMeta{Name: "p", Namespace: "n"},
		Spec: snapshot.PodSpec{ServiceAccountName: "s", Containers: []snapshot.Container{{Name: "c"}}}}
	tg := &Target{Kind: "Pod", Namespace: "n", Name: "p", Pod: pod, Meta: &pod.ObjectMeta, Spec: &pod.Spec, SAName: "s", SA: sa}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for range 200 {
				ref, present, err := TargetRole(tg)
				if !present || err != nil || ref.ARN.Name != "r" {
					t.Errorf("TargetRole = %+v, %v, %v", ref, present, err)
					return
				}
				if res := tg.Mutated(w%2 == 0); res.Mode != webhook.ModeIRSA {
					t.Errorf("Mutated: mode %q (%s)", res.Mode, res.Reason)
					return
				}
				if a := TokenAudience(tg); a.Value != webhook.DefaultAudience {
					t.Errorf("TokenAudience = %+v", a)
					return
				}
				if w == 0 {
					tg.Forget()
				}
			}
		})
	}
	wg.Wait()
}
