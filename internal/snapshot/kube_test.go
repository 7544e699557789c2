package snapshot

import "testing"

func TestControllerOf(t *testing.T) {
	yes, no := true, false
	m := ObjectMeta{OwnerReferences: []OwnerReference{
		{Kind: "ConfigMap", Name: "unset"},
		{Kind: "Deployment", Name: "not-controller", Controller: &no},
		{Kind: "Deployment", Name: "api", Controller: &yes},
	}}
	if c := m.ControllerOf(); c == nil || c.Name != "api" {
		t.Errorf("ControllerOf = %+v, want the reference with controller: true", c)
	}
	w := &Workload{Kind: "ReplicaSet", ObjectMeta: m}
	if w.TopLevel() {
		t.Error("a ReplicaSet with a controlling Deployment is top level")
	}
	m.OwnerReferences = m.OwnerReferences[:2]
	if c := m.ControllerOf(); c != nil {
		t.Errorf("ControllerOf without a controller = %+v, want nil", c)
	}
	if w := (&Workload{Kind: "ReplicaSet", ObjectMeta: m}); !w.TopLevel() {
		t.Error("a ReplicaSet whose owners are not controllers is not top level")
	}
}

func TestPodFinished(t *testing.T) {
	for phase, want := range map[string]bool{"Succeeded": true, "Failed": true, "Running": false, "Pending": false, "Unknown": false, "": false} {
		if got := (&Pod{Status: PodStatus{Phase: phase}}).Finished(); got != want {
			t.Errorf("Finished() in phase %q = %v, want %v", phase, got, want)
		}
	}
}

func TestPodSpecServiceAccount(t *testing.T) {
	for _, tc := range []struct {
		spec PodSpec
		want string
	}{
		{PodSpec{ServiceAccountName: "s3-reader"}, "s3-reader"},
		{PodSpec{DeprecatedServiceAccount: "legacy"}, "legacy"},
		{PodSpec{ServiceAccountName: "s3-reader", DeprecatedServiceAccount: "legacy"}, "s3-reader"},
		{PodSpec{}, "default"},
	} {
		if got := tc.spec.ServiceAccount(); got != tc.want {
			t.Errorf("%+v.ServiceAccount() = %q, want %q", tc.spec, got, tc.want)
		}
	}
}

func TestIsOptional(t *testing.T) {
	yes, no := true, false
	for _, tc := range []struct {
		name     string
		optional *bool
		want     bool
	}{{"unset", nil, false}, {"false", &no, false}, {"true", &yes, true}} {
		if got := (&KeySelector{Name: "aws", Key: "id", Optional: tc.optional}).IsOptional(); got != tc.want {
			t.Errorf("KeySelector optional %s: IsOptional = %v, want %v", tc.name, got, tc.want)
		}
		if got := (&NameRef{Name: "aws", Optional: tc.optional}).IsOptional(); got != tc.want {
			t.Errorf("NameRef optional %s: IsOptional = %v, want %v", tc.name, got, tc.want)
		}
	}
	var k *KeySelector
	var n *NameRef
	if k.IsOptional() || n.IsOptional() {
		t.Error("a nil selector is optional")
	}
}

func TestPodReady(t *testing.T) {
	ready := []PodCondition{{Type: "Initialized", Status: "True"}, {Type: "Ready", Status: "True"}}
	for _, tc := range []struct {
		name  string
		phase string
		conds []PodCondition
		want  bool
	}{
		{"running and ready", "Running", ready, true},
		{"running, not ready", "Running", []PodCondition{{Type: "Ready", Status: "False", Reason: "ContainersNotReady"}}, false},
		{"running, no condition", "Running", nil, false},
		{"ready but pending", "Pending", ready, false},
		{"ready but finished", "Succeeded", ready, false},
	} {
		p := &Pod{Status: PodStatus{Phase: tc.phase, Conditions: tc.conds}}
		if got := p.Ready(); got != tc.want {
			t.Errorf("%s: Ready() = %v, want %v", tc.name, got, tc.want)
		}
	}
	p := &Pod{Status: PodStatus{Conditions: ready}}
	if c := p.Condition("Initialized"); c == nil || c.Status != "True" {
		t.Errorf("Condition(Initialized) = %+v", c)
	}
	if c := p.Condition("PodScheduled"); c != nil {
		t.Errorf("Condition(PodScheduled) = %+v, want nil", c)
	}
}
