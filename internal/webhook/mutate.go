package webhook

import "github.com/irsa-doctor/irsa-doctor/internal/snapshot"

// Config is the webhook's flag configuration; the zero value means the
// upstream defaults (audience sts.amazonaws.com, expiration 86400,
// regional STS off, no default region, annotation prefix eks.amazonaws.com).
type Config struct {
	Audience      string
	Expiration    int64
	RegionalSTS   bool
	DefaultRegion string
}

// ContainerResult says what Mutate did to one container and why.
type ContainerResult struct {
	Name string
	// Skipped: named in eks.amazonaws.com/skip-containers.
	Skipped bool
	// Injected lists the env var names added, in order; MountAdded tells
	// whether the aws-iam-token mount was added.
	Injected   []string
	MountAdded bool
	// Reason explains an env var group left out (already defined, ...).
	Reason string
}

// Result is the predicted outcome of admission.
type Result struct {
	// Spec is the pod spec after mutation (a copy; the input is unchanged).
	Spec *snapshot.PodSpec
	// Mutated is false when the webhook leaves the pod as it is.
	Mutated bool
	// Mode is "irsa", "pod-identity" or "" when not mutated.
	Mode string
	// Reason says why the pod is not mutated ("" when mutated).
	Reason     string
	Containers []ContainerResult
	// Audience and Expiration are the projected token's, when mutated.
	Audience   string
	Expiration int64
}

// Mutate predicts what the webhook does at CREATE for a pod (or template)
// in namespace ns with metadata meta and spec, running as sa (nil when the
// SA is unknown to the webhook's cache: not mutated).
func Mutate(ns string, meta *snapshot.ObjectMeta, spec *snapshot.PodSpec, sa *snapshot.ServiceAccount, cfg Config) Result {
	// Implemented in the webhook-model step; see irsa-facts.md §1.
	return Result{Spec: spec}
}
