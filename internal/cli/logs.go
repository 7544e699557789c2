package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/collect/kube"
	"github.com/irsa-doctor/irsa-doctor/internal/kubeclient"
	"github.com/irsa-doctor/irsa-doctor/internal/model"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// scan --logs, dump --logs (issue 12, item 4): after the read-only
// collection, the recent logs of the target pods that use a role, matched
// against the symptom catalogue through the same captures (and so the
// same bundle reader) as everything else. Only the matched entries with
// two lines around them, redacted, are kept (bundle.FilterLog): scan
// judges exactly what dump writes.

// defaultLogLines is --log-lines' default (kubectl logs --tail).
const defaultLogLines = 200

const logsHelp = "also read the recent logs of the target pods' containers (and of the previous instance of a container that restarted) " +
	"and match them against known IRSA errors; only the matched lines and 2 lines around them are kept, redacted. " +
	"Needs get on pods/log (deploy/rbac.yaml's optional ClusterRole " + kube.LogsRole + "); without it, a gap per namespace"

// logFlags are the flags of --logs.
type logFlags struct {
	On    bool
	Lines positiveInt
	Since nonNegativeDuration
}

func (f *logFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.BoolVar(&f.On, "logs", false, logsHelp)
	f.Lines = defaultLogLines
	fl.Var(&f.Lines, "log-lines", "with --logs: read the last N lines of each log (kubectl logs --tail)")
	fl.Var(&f.Since, "log-since", "with --logs: read only the lines newer than DUR, e.g. 1h (kubectl logs --since; with --log-lines, both apply)")
	requireFlag(cmd, &f.On, "logs", "log-lines", "log-since")
}

// positiveInt is a flag value of 1 or more.
type positiveInt int64

func (v *positiveInt) String() string { return strconv.FormatInt(int64(*v), 10) }
func (v *positiveInt) Type() string   { return "N" }
func (v *positiveInt) Set(s string) error {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 1 {
		return fmt.Errorf("want a whole number of lines, 1 or more")
	}
	*v = positiveInt(n)
	return nil
}

// nonNegativeDuration is a flag value of a duration of 0 or more; 0 (the
// default) means unset.
type nonNegativeDuration time.Duration

func (v *nonNegativeDuration) String() string {
	if *v == 0 {
		return ""
	}
	return shortDuration(time.Duration(*v))
}
func (v *nonNegativeDuration) Type() string { return "DUR" }
func (v *nonNegativeDuration) Set(s string) error {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d < 0 {
		return fmt.Errorf("want a duration of 0 or more, e.g. 30m or 2h")
	}
	*v = nonNegativeDuration(d)
	return nil
}

// collect reads the logs of the target pods that use a role, on what the
// collection found, and adds them (and their gaps) to caps and m. A
// collection already cut short reads no log: its gap says so.
func (f logFlags) collect(ctx context.Context, cs kubeclient.Interface, res *liveResult, m bundle.Manifest, facts func() (*snapshot.Snapshot, error), sel model.Selector, timeout time.Duration) ([]bundle.Capture, bundle.Manifest) {
	caps := res.captures
	if res.incomplete != "" {
		m.Gaps = append(m.Gaps, snapshot.Gap{Source: "live", Operation: "logs", Resource: "--logs", Reason: res.incomplete + ": no log was read"})
		return caps, m
	}
	snap, err := facts()
	if err != nil {
		m.Gaps = append(m.Gaps, snapshot.Gap{Source: "live", Operation: "logs", Resource: "--logs", Reason: "read the collected objects: " + err.Error()})
		return caps, m
	}
	if len(sel.Namespaces) == 0 {
		sel.Namespaces = res.namespaces
	}
	lres := kube.CollectLogs(ctx, cs, logPods(snap, sel), kube.LogOptions{
		TailLines: int64(f.Lines), Since: time.Duration(f.Since), Filter: bundle.FilterLog, PerCallTimeout: res.perCall,
	})
	caps = append(caps, lres.Captures...)
	m.Gaps = append(m.Gaps, lres.Gaps...)
	if ctx.Err() != nil {
		res.incomplete = stoppedWhy(ctx, timeout)
		m.Gaps = append(m.Gaps, incompleteGap(res.incomplete, "the logs not read by then were not collected"))
	}
	return caps, m
}

// logPods are the target pods whose logs --logs reads: those that use a
// role (their ServiceAccount's role-arn annotation, a container's
// AWS_ROLE_ARN or AWS_CONTAINER_CREDENTIALS_FULL_URI, or an EKS Pod
// Identity association of their ServiceAccount) and have run on a node.
// Their containers only: an init container's log holds no credential use
// the checks diagnose, and a sidecar's seldom does.
func logPods(s *snapshot.Snapshot, sel model.Selector) []kube.LogPod {
	var out []kube.LogPod
	for _, t := range model.Targets(s, sel, model.NewIndex(s)) {
		if !t.IsPod() || !usesRole(s, t) || !hasRun(t.Pod) {
			continue
		}
		restarts := map[string]bool{}
		for _, cs := range t.Pod.Status.ContainerStatuses {
			restarts[cs.Name] = cs.RestartCount > 0
		}
		lp := kube.LogPod{Namespace: t.Namespace, Name: t.Name}
		for _, c := range t.Pod.Spec.Containers {
			lp.Containers = append(lp.Containers, kube.LogContainer{Name: c.Name, Restarted: restarts[c.Name]})
		}
		out = append(out, lp)
	}
	return out
}

// usesRole reports a pod whose credential chain names a role.
func usesRole(s *snapshot.Snapshot, t *model.Target) bool {
	if role, _ := model.RoleAnnotation(t.SA); strings.TrimSpace(role) != "" {
		return true
	}
	for _, c := range model.AllContainers(t.Spec) {
		for _, name := range []string{"AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_FULL_URI"} {
			if _, ok := model.Env(c, name); ok {
				return true
			}
		}
	}
	return s.PodIdentityAssociationFor(t.Namespace, t.SAName) != nil
}

// hasRun reports a pod whose containers have run on a node, and so may
// have a log: scheduled, and Running, Succeeded or Failed.
func hasRun(p *snapshot.Pod) bool {
	switch p.Status.Phase {
	case "Running", "Succeeded", "Failed":
		return p.Spec.NodeName != ""
	}
	return false
}
