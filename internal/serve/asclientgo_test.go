package serve

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/kubernetes/scheme"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"

	"github.com/irsa-doctor/irsa-doctor/internal/kubeclient/clientset"
)

// The recorder and the elector are client-go's tools/events and
// tools/leaderelection written again (recorder.go, leader.go): these tests
// run both against client-go's fake clientset and hold the API calls, and
// the objects written, equal.

// eventCall is one call on events, as the API server would store it:
// names and times left out (they hold the clock).
type eventCall struct {
	Verb, Namespace, Type, Reason, Action, Controller, Instance, Note string
	Regarding                                                         corev1.ObjectReference
	Series                                                            int32
	Patch                                                             string
}

func eventActions(t *testing.T, cs *fake.Clientset) []eventCall {
	t.Helper()
	var out []eventCall
	for _, a := range cs.Actions() {
		if a.GetResource().Resource != "events" {
			continue
		}
		ea := eventCall{Verb: a.GetVerb(), Namespace: a.GetNamespace()}
		switch a := a.(type) {
		case k8stesting.CreateAction:
			ev := a.GetObject().(*eventsv1.Event)
			ea.Type, ea.Reason, ea.Action, ea.Note = ev.Type, ev.Reason, ev.Action, ev.Note
			ea.Controller, ea.Instance, ea.Regarding = ev.ReportingController, ev.ReportingInstance, ev.Regarding
			if !strings.HasPrefix(ev.Name, ev.Regarding.Name+".") {
				t.Errorf("event name %q: want %q and the time", ev.Name, ev.Regarding.Name+".")
			}
			if ev.Series != nil {
				ea.Series = ev.Series.Count
			}
		case k8stesting.PatchAction:
			var p struct {
				Series struct {
					Count            int32           `json:"count"`
					LastObservedTime json.RawMessage `json:"lastObservedTime"`
				} `json:"series"`
			}
			if err := json.Unmarshal(a.GetPatch(), &p); err != nil {
				t.Fatalf("patch %s: %v", a.GetPatch(), err)
			}
			ea.Series = p.Series.Count
			ea.Patch = string(a.GetPatchType())
		}
		out = append(out, ea)
	}
	return out
}

func TestRecorderAsClientGo(t *testing.T) {
	refs := []*corev1.ObjectReference{
		{Kind: "Deployment", APIVersion: "apps/v1", Namespace: "payments", Name: "api", UID: "u1"},
		{Kind: "ServiceAccount", APIVersion: "v1", Namespace: "payments", Name: "s3-reader", UID: "u2"},
		{Kind: "Deployment", APIVersion: "apps/v1", Namespace: "payments", Name: "api", UID: "u1"}, // again: a series
	}
	emit := func(eventf func(ref *corev1.ObjectReference, typ, reason string)) {
		eventf(refs[0], corev1.EventTypeWarning, "TrustSubjectMismatch")
		eventf(refs[1], corev1.EventTypeWarning, "TrustSubjectMismatch")
		eventf(refs[0], corev1.EventTypeNormal, "TrustSubjectMismatchResolved")
		eventf(refs[2], corev1.EventTypeWarning, "TrustSubjectMismatch")
	}
	wait := func(t *testing.T, cs *fake.Clientset, n int) []eventCall {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			got := eventActions(t, cs)
			if len(got) >= n || time.Now().After(deadline) {
				time.Sleep(100 * time.Millisecond) // and no more come
				return eventActions(t, cs)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// One Event at a time: the order of the calls is then fixed.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	want := func() []eventCall {
		cs := fake.NewClientset()
		b := events.NewBroadcaster(&events.EventSinkImpl{Interface: cs.EventsV1()})
		if err := b.StartRecordingToSinkWithContext(ctx); err != nil {
			t.Fatal(err)
		}
		r := b.NewRecorder(scheme.Scheme, eventController)
		n := 0
		emit(func(ref *corev1.ObjectReference, typ, reason string) {
			r.Eventf(ref, nil, typ, reason, eventAction, "%s", "note of "+ref.Name)
			n++
			wait(t, cs, n)
		})
		return eventActions(t, cs)
	}()
	got := func() []eventCall {
		cs := fake.NewClientset()
		r := newRecorder(ctx, clientset.Wrap(cs), eventController)
		n := 0
		emit(func(ref *corev1.ObjectReference, typ, reason string) {
			r.Eventf(ref, typ, reason, eventAction, "%s", "note of "+ref.Name)
			n++
			wait(t, cs, n)
		})
		return eventActions(t, cs)
	}()
	if len(want) != 4 || want[3].Verb != "patch" || want[3].Series != 2 {
		t.Fatalf("client-go's recorder: %+v; want 3 creates and a series patch", want)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("event calls (-client-go +recorder.go):\n%s", diff)
	}
}

// leaseView is a Lease as the election leaves it, without the times.
type leaseView struct {
	Holder               string
	DurationSeconds      int32
	Transitions          int32
	HasAcquire, HasRenew bool
}

func viewOf(t *testing.T, cs *fake.Clientset) leaseView {
	t.Helper()
	l, err := cs.CoordinationV1().Leases("irsa-doctor").Get(context.Background(), DefaultLeaseName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return leaseView{Holder: *l.Spec.HolderIdentity, DurationSeconds: *l.Spec.LeaseDurationSeconds, Transitions: *l.Spec.LeaseTransitions,
		HasAcquire: l.Spec.AcquireTime != nil, HasRenew: l.Spec.RenewTime != nil}
}

// elect runs one replica's election with run until it leads, then a while,
// then cancels it; it returns the Lease while leading and after release,
// and the calls on leases.
func elect(t *testing.T, cs *fake.Clientset, run func(ctx context.Context, started func(), stopped func())) (leading, released leaseView, verbs []string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var started, stopped bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		run(ctx, func() { mu.Lock(); started = true; mu.Unlock() }, func() { mu.Lock(); stopped = true; mu.Unlock() })
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		s := started
		mu.Unlock()
		if s {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("never led")
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(700 * time.Millisecond) // a few renewals
	leading = viewOf(t, cs)
	cancel()
	<-done
	if !stopped {
		t.Error("not told it stopped leading")
	}
	released = viewOf(t, cs)
	for _, a := range cs.Actions() {
		if a.GetResource().Resource == "leases" && !slices.Contains(verbs, a.GetVerb()) {
			verbs = append(verbs, a.GetVerb())
		}
	}
	return leading, released, verbs
}

func TestElectorAsClientGo(t *testing.T) {
	o := LeaderOptions{Namespace: "irsa-doctor", Name: DefaultLeaseName, Identity: "first",
		LeaseDuration: 3 * time.Second, RenewDeadline: 2 * time.Second, RetryPeriod: 200 * time.Millisecond}
	// An earlier holder's Lease, released: the election counts a transition.
	seed := func() *fake.Clientset {
		empty, one, five := "", int32(1), int32(5)
		return fake.NewClientset(&coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: o.Namespace, Name: o.Name},
			Spec: coordinationv1.LeaseSpec{HolderIdentity: &empty, LeaseDurationSeconds: &one, LeaseTransitions: &five,
				AcquireTime: &metav1.MicroTime{}, RenewTime: &metav1.MicroTime{}}})
	}
	for _, tt := range []struct {
		name string
		cs   func() *fake.Clientset
	}{{"no lease", func() *fake.Clientset { return fake.NewClientset() }}, {"released lease", seed}} {
		t.Run(tt.name, func(t *testing.T) {
			csWant := tt.cs()
			wantLeading, wantReleased, wantVerbs := elect(t, csWant, func(ctx context.Context, started, stopped func()) {
				le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
					Lock: &resourcelock.LeaseLock{LeaseMeta: metav1.ObjectMeta{Namespace: o.Namespace, Name: o.Name}, Client: csWant.CoordinationV1(),
						LockConfig: resourcelock.ResourceLockConfig{Identity: o.Identity}},
					LeaseDuration: o.LeaseDuration, RenewDeadline: o.RenewDeadline, RetryPeriod: o.RetryPeriod, ReleaseOnCancel: true, Name: o.Name,
					Callbacks: leaderelection.LeaderCallbacks{OnStartedLeading: func(context.Context) { started() }, OnStoppedLeading: stopped},
				})
				if err != nil {
					t.Error(err)
					return
				}
				le.Run(ctx)
			})
			csGot := tt.cs()
			gotLeading, gotReleased, gotVerbs := elect(t, csGot, func(ctx context.Context, started, stopped func()) {
				le, err := newElector(&leaseLock{client: clientset.Wrap(csGot), namespace: o.Namespace, name: o.Name, identity: o.Identity}, o,
					electorCallbacks{started: func(context.Context) { started() }, stopped: stopped})
				if err != nil {
					t.Error(err)
					return
				}
				le.run(ctx)
			})
			if wantLeading.Holder != "first" || wantReleased.Holder != "" || wantReleased.DurationSeconds != 1 {
				t.Fatalf("client-go's elector: leading %+v, released %+v", wantLeading, wantReleased)
			}
			if diff := cmp.Diff(wantLeading, gotLeading); diff != "" {
				t.Errorf("lease while leading (-client-go +leader.go):\n%s", diff)
			}
			if diff := cmp.Diff(wantReleased, gotReleased); diff != "" {
				t.Errorf("lease released (-client-go +leader.go):\n%s", diff)
			}
			if diff := cmp.Diff(wantVerbs, gotVerbs); diff != "" {
				t.Errorf("calls on leases (-client-go +leader.go):\n%s", diff)
			}
		})
	}
}

// A replica that finds the Lease held, and not expired, waits.
func TestElectorWaitsForHeldLease(t *testing.T) {
	holder, fifteen, zero := "other", int32(15), int32(0)
	now := metav1.NewMicroTime(time.Now())
	cs := fake.NewClientset(&coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: "irsa-doctor", Name: DefaultLeaseName},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &fifteen, LeaseTransitions: &zero, AcquireTime: &now, RenewTime: &now}})
	o := LeaderOptions{Namespace: "irsa-doctor", Name: DefaultLeaseName, Identity: "first",
		LeaseDuration: 3 * time.Second, RenewDeadline: 2 * time.Second, RetryPeriod: 200 * time.Millisecond}
	var leaders []string
	var mu sync.Mutex
	le, err := newElector(&leaseLock{client: clientset.Wrap(cs), namespace: o.Namespace, name: o.Name, identity: o.Identity}, o,
		electorCallbacks{started: func(context.Context) { t.Error("led while another holds the Lease") }, stopped: func() {},
			newLeader: func(id string) { mu.Lock(); leaders = append(leaders, id); mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	le.run(ctx)
	time.Sleep(50 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(leaders, []string{"other"}) {
		t.Errorf("leaders reported: %q, want [other]", leaders)
	}
	if v := viewOf(t, cs); v.Holder != "other" {
		t.Errorf("lease holder %q, want other", v.Holder)
	}
}
