package cli

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/collect/probe"
	"github.com/irsa-doctor/irsa-doctor/internal/kubeclient"
	"github.com/irsa-doctor/irsa-doctor/internal/model"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// probeHelp is the --probe flag's help: what it does, what it needs, and
// that it keeps nothing secret.
const probeHelp = "also test live (opt-in): request a token for each ServiceAccount (TokenRequest API) and exchange it at STS " +
	"AssumeRoleWithWebIdentity, and dry-run create a pod from each workload's template to see whether the webhook mutates it; " +
	"needs create on serviceaccounts/token and pods (deploy/rbac.yaml's irsa-doctor-probe), is the only action that is not " +
	"read-only (a dry run stores nothing), and never prints or keeps tokens or credentials"

// probeLive runs the probe after the read-only collectors, on what they
// found: the ServiceAccounts of the selection's IRSA targets and the
// workloads in scope (model.PlanProbe), with the pod templates exactly as
// the Kubernetes captures hold them.
func probeLive(ctx context.Context, cs kubeclient.Interface, stsCfg aws.Config, caps []bundle.Capture, facts func() (*snapshot.Snapshot, error), sel model.Selector) (probe.Result, error) {
	snap, err := facts()
	if err != nil {
		return probe.Result{}, err
	}
	plan := model.PlanProbe(snap, sel)
	targets := make([]probe.Target, 0, len(plan.SAs))
	for _, sa := range plan.SAs {
		targets = append(targets, probe.Target{Namespace: sa.Namespace, ServiceAccount: sa.Name, RoleARN: sa.RoleARN, Audience: sa.Audience})
	}
	refs := make([]probe.Ref, 0, len(plan.Workloads))
	for _, w := range plan.Workloads {
		refs = append(refs, probe.Ref{Kind: w.Kind, Namespace: w.Namespace, Name: w.Name})
	}
	workloads, err := probe.Templates(caps, refs)
	if err != nil {
		return probe.Result{}, err
	}
	return probe.Collect(ctx, cs, stsCfg, targets, workloads), nil
}
