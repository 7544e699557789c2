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
				switch w {
				case 0:
					tg.Forget()
				case 1:
					// An engine worker hands a judged target's memo on
					// (MemoRoom) while others read the target.
					var room MemoRoom
					tg.ForgetInto(&room)
					tg.UseRoom(&room)
				}
			}
		})
	}
	wg.Wait()
}

// TestMemoRoom: the room a judged target's memo leaves (ForgetInto) is
// empty when the next target takes it (UseRoom): that target computes its
// own values, not the last target's.
func TestMemoRoom(t *testing.T) {
	a, b := &Target{Name: "a"}, &Target{Name: "b"}
	type k struct{}
	if v := OnceFor(a, k{}, func() string { return "a" }); v != "a" {
		t.Fatalf("a: %q", v)
	}
	var room MemoRoom
	a.ForgetInto(&room)
	if cap(room.free) == 0 || len(room.free) != 0 {
		t.Fatalf("room: len %d cap %d", len(room.free), cap(room.free))
	}
	b.UseRoom(&room)
	if room.free != nil {
		t.Fatal("the room was not taken")
	}
	if v := OnceFor(b, k{}, func() string { return "b" }); v != "b" {
		t.Fatalf("b: %q, the last target's value", v)
	}
	if v := OnceFor(a, k{}, func() string { return "a again" }); v != "a again" {
		t.Fatalf("a after ForgetInto: %q", v)
	}
	// A target with a memo of its own keeps it.
	b.ForgetInto(&room)
	OnceFor(a, k{}, func() string { return "x" })
	a.UseRoom(&room)
	if room.free == nil {
		t.Fatal("a target with a memo took the room")
	}
}
