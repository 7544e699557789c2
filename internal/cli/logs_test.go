package cli

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/collect/kube"
	"github.com/irsa-doctor/irsa-doctor/internal/model"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"
)

// TestLogFlagsValidated: --log-lines below 1 and a negative or malformed
// --log-since are usage errors (exit 2) of scan and dump, before anything
// is collected.
func TestLogFlagsValidated(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"scan", "--logs", "--log-lines", "0"}, `invalid argument "0" for "--log-lines" flag: want a whole number of lines, 1 or more`},
		{[]string{"scan", "--logs", "--log-lines", "-3"}, `invalid argument "-3" for "--log-lines" flag: want a whole number of lines, 1 or more`},
		{[]string{"dump", "d", "--logs", "--log-lines", "many"}, `invalid argument "many" for "--log-lines" flag`},
		{[]string{"scan", "--logs", "--log-since", "-1h"}, `invalid argument "-1h" for "--log-since" flag: want a duration of 0 or more, e.g. 30m or 2h`},
		{[]string{"dump", "d", "--logs", "--log-since", "yesterday"}, `invalid argument "yesterday" for "--log-since" flag`},
		{[]string{"scan", "--log-lines", "5"}, `irsa-doctor: --log-lines needs --logs (see 'irsa-doctor scan --help')`},
		{[]string{"dump", "d", "--log-since", "1h"}, `irsa-doctor: --log-since needs --logs (see 'irsa-doctor dump --help')`},
	} {
		r := runCLI(t, "", tc.args...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, r.code, r.stderr, ExitUsage, tc.want)
		}
	}
}

// TestLogFlagsHelp: the flags say what they need.
func TestLogFlagsHelp(t *testing.T) {
	for _, cmd := range []string{"scan", "dump"} {
		r := runCLI(t, "", cmd, "--help")
		for _, want := range []string{"--logs", "--log-lines N", "(default 200)", "--log-since DUR", "pods/log", "irsa-doctor-logs"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%s --help lacks %q", cmd, want)
			}
		}
	}
}

// TestLogPods: --logs reads the pods that use a role (the ServiceAccount's
// role-arn, a container's AWS_ROLE_ARN or AWS_CONTAINER_CREDENTIALS_FULL_URI,
// an EKS Pod Identity association of the ServiceAccount) and have run on
// a node; their containers, not init containers; the previous instance
// of a container that restarted.
func TestLogPods(t *testing.T) {
	on := func(p *snapshot.Pod) { p.Spec.NodeName = "ip-10-0-1-23.eu-west-1.compute.internal" }
	as := func(sa string) func(*snapshot.Pod) { return func(p *snapshot.Pod) { p.Spec.ServiceAccountName = sa } }
	env := func(name string) func(*snapshot.Pod) {
		return func(p *snapshot.Pod) { p.Spec.Containers[0].Env = []snapshot.EnvVar{{Name: name, Value: "x"}} }
	}
	s := snapshottest.Snapshot(
		func(s *snapshot.Snapshot) {
			for _, sa := range []string{"plain", "associated"} {
				s.ServiceAccounts[snapshot.Key(snapshottest.NS, sa)] = snapshottest.SA(sa)
			}
		},
		snapshottest.Association("prod", "111122223333", "eu-west-1", snapshottest.NS, "associated"),
		// The annotated ServiceAccount api, restarted, with an init and a
		// second container.
		snapshottest.BarePod("annotated", on, func(p *snapshot.Pod) {
			p.Spec.InitContainers = []snapshot.Container{{Name: "init"}}
			p.Spec.Containers = append(p.Spec.Containers, snapshot.Container{Name: "proxy"})
			p.Status.ContainerStatuses = []snapshot.ContainerStatus{{Name: "app", RestartCount: 3}, {Name: "proxy"}}
		}),
		snapshottest.BarePod("role-env", on, as("plain"), env("AWS_ROLE_ARN")),
		snapshottest.BarePod("container-uri", on, as("plain"), env("AWS_CONTAINER_CREDENTIALS_FULL_URI")),
		snapshottest.BarePod("association", on, as("associated")),
		snapshottest.BarePod("no-role", on, as("plain")),
		snapshottest.BarePod("unscheduled"),
		snapshottest.BarePod("pending", on, func(p *snapshot.Pod) { p.Status.Phase = "Pending" }),
	)
	sel := model.Selector{Namespaces: []string{snapshottest.NS}, Pods: []model.NamespacedName{}}
	for _, p := range s.Pods {
		sel.Pods = append(sel.Pods, model.NamespacedName{Namespace: p.Namespace, Name: p.Name})
	}
	want := []kube.LogPod{
		{Namespace: snapshottest.NS, Name: "annotated", Containers: []kube.LogContainer{{Name: "app", Restarted: true}, {Name: "proxy"}}},
		{Namespace: snapshottest.NS, Name: "role-env", Containers: []kube.LogContainer{{Name: "app"}}},
		{Namespace: snapshottest.NS, Name: "container-uri", Containers: []kube.LogContainer{{Name: "app"}}},
		{Namespace: snapshottest.NS, Name: "association", Containers: []kube.LogContainer{{Name: "app"}}},
	}
	if diff := cmp.Diff(want, logPods(s, sel)); diff != "" {
		t.Errorf("logPods (-want +got):\n%s", diff)
	}
}
