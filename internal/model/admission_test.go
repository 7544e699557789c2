package model

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// TestAdmissionOf: what the webhook would do to a pod at CREATE, from its
// ServiceAccount and its own spec: which containers it must give the
// variables, and whether a skip label or a missing annotation leaves the
// pod alone.
func TestAdmissionOf(t *testing.T) {
	tests := []struct {
		name      string
		snap      *snapshot.Snapshot
		annotated bool
		needs     []string
		matters   bool
	}{
		{name: "an unmutated pod of an annotated ServiceAccount", snap: fx.Snapshot(fx.OwnedPod()),
			annotated: true, needs: []string{"app"}, matters: true},
		{name: "a mutated pod", snap: fx.Snapshot(fx.OwnedPod(fx.Mutated)),
			annotated: true, needs: nil, matters: false},
		{name: "a container skipped on purpose", snap: fx.Snapshot(fx.OwnedPod(func(p *snapshot.Pod) {
			p.Annotations = map[string]string{webhook.AnnotationSkipContainers: "app"}
		})), annotated: true, needs: nil, matters: false},
		{name: "no role annotation", snap: fx.Snapshot(fx.OwnedPod(), func(s *snapshot.Snapshot) {
			delete(s.ServiceAccounts[snapshot.Key(fx.NS, "api")].Annotations, webhook.AnnotationRoleARN)
		}), annotated: false, needs: nil, matters: false}, // the webhook does nothing without a role
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Context{Snap: tt.snap}
			var pod *Target
			for _, tg := range Targets(tt.snap, Selector{Pods: []NamespacedName{{Namespace: fx.NS, Name: fx.Pod}}}, NewIndex(tt.snap)) {
				if tg.IsPod() {
					pod = tg
				}
			}
			if pod == nil {
				t.Fatal("no pod target")
			}
			a := AdmissionOf(c, pod)
			if a.Annotated != tt.annotated || a.webhookMatters() != tt.matters {
				t.Errorf("annotated %v, matters %v; want %v, %v", a.Annotated, a.webhookMatters(), tt.annotated, tt.matters)
			}
			if diff := cmp.Diff(tt.needs, a.Needs); diff != "" {
				t.Errorf("needs (-want +got):\n%s", diff)
			}
		})
	}
}
