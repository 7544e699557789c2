package check

import (
	"testing"

	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

func TestIRSA101(t *testing.T) {
	ghost := func(w *snapshot.Workload) { w.Template.Spec.ServiceAccountName = "ghost" }
	tests := []struct {
		name    string
		snap    *snapshot.Snapshot
		sel     model.Selector
		details bool
		want    []string
	}{
		{
			name:    "service account exists",
			snap:    fx.Snapshot(fx.Deployment(), fx.OwnedPod(fx.Mutated)),
			details: true,
			want: []string{
				"IRSA101 pass Deployment payments/api: ServiceAccount \"api\" exists in namespace \"payments\"" +
					"\n  evidence: bundle deployments.json: Deployment payments/api: pod template spec.serviceAccountName: api" +
					"\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/api" +
					"\n  evidence: bundle pods.json: pod payments/api-7d9f8b6c5-x2k4p has the same finding",
			},
		},
		{
			name:    "missing, proven by the namespace's list, with the name in another namespace",
			details: true,
			snap: fx.Snapshot(fx.Deployment(func(w *snapshot.Workload) { w.Template.Spec.ServiceAccountName = "payment-api" }),
				func(s *snapshot.Snapshot) {
					other := fx.SA("payment-api", webhook.AnnotationRoleARN, fx.Role)
					other.Namespace = "payment"
					s.ServiceAccounts[snapshot.Key("payment", "payment-api")] = other
				}),
			want: []string{
				"IRSA101 fail Deployment payments/api: ServiceAccount \"payment-api\" does not exist in namespace \"payments\" (a ServiceAccount \"payment-api\" exists in namespace \"payment\"): the API server rejects every new pod that names it, and running pods lose their tokens once the current ones expire" +
					"\n  evidence: bundle deployments.json: Deployment payments/api: pod template spec.serviceAccountName: payment-api" +
					"\n  evidence: bundle serviceaccounts.json: proof of absence: a ServiceAccount List of namespace payments" +
					"\n  evidence: bundle serviceaccounts.json: ServiceAccount payment/payment-api exists" +
					"\n  fix: kubectl create serviceaccount payment-api -n payments",
			},
		},
		{
			name: "missing, with a near name in the namespace",
			snap: fx.Snapshot(fx.Deployment(func(w *snapshot.Workload) { w.Template.Spec.ServiceAccountName = "apii" })),
			want: []string{
				"IRSA101 fail Deployment payments/api: ServiceAccount \"apii\" does not exist in namespace \"payments\": the API server rejects every new pod that names it, and running pods lose their tokens once the current ones expire; namespace \"payments\" has ServiceAccount \"api\": a typo?",
			},
		},
		{
			name: "missing, the namespace has the name without -sa",
			snap: fx.Snapshot(fx.Deployment(func(w *snapshot.Workload) { w.Template.Spec.ServiceAccountName = "api-sa" })),
			want: []string{
				"IRSA101 fail Deployment payments/api: ServiceAccount \"api-sa\" does not exist in namespace \"payments\": the API server rejects every new pod that names it, and running pods lose their tokens once the current ones expire; namespace \"payments\" has ServiceAccount \"api\": a typo?",
			},
		},
		{
			name: "missing from several namespaces' view",
			snap: fx.Snapshot(fx.Deployment(ghost), func(s *snapshot.Snapshot) {
				for _, ns := range []string{"staging", "dev"} {
					sa := fx.SA("ghost")
					sa.Namespace = ns
					s.ServiceAccounts[snapshot.Key(ns, "ghost")] = sa
				}
			}),
			want: []string{
				"IRSA101 fail Deployment payments/api: ServiceAccount \"ghost\" does not exist in namespace \"payments\" (ServiceAccounts \"ghost\" exist in namespaces \"dev\", \"staging\"): the API server rejects every new pod that names it, and running pods lose their tokens once the current ones expire",
			},
		},
		{
			name:    "missing, proven by kubectl's NotFound text",
			details: true,
			snap: fx.Snapshot(fx.BarePod("worker", func(p *snapshot.Pod) { p.Spec.ServiceAccountName = "ghost"; fx.Mutated(p) }), func(s *snapshot.Snapshot) {
				s.Listings = nil
				s.NotFounds = append(s.NotFounds, snapshot.NotFound{Kind: snapshot.KindServiceAccount, Namespace: fx.NS, Name: "ghost",
					Message: `Error from server (NotFound): serviceaccounts "ghost" not found`, Source: fx.Src("sa-ghost.txt")})
			}),
			want: []string{
				"IRSA101 fail Pod payments/worker: ServiceAccount \"ghost\" does not exist in namespace \"payments\": the API server rejects every new pod that names it, and running pods lose their tokens once the current ones expire" +
					"\n  evidence: bundle pods.json: pod payments/worker: spec.serviceAccountName: ghost" +
					"\n  evidence: bundle sa-ghost.txt: proof of absence: Error from server (NotFound): serviceaccounts \"ghost\" not found" +
					"\n  fix: kubectl create serviceaccount ghost -n payments",
			},
		},
		{
			name: "missing, proven by an all-namespaces list",
			snap: fx.Snapshot(fx.Deployment(ghost), func(s *snapshot.Snapshot) {
				s.Listings = []snapshot.Listing{{Kind: snapshot.KindServiceAccount, AllNamespaces: true, Source: fx.Src("sa-all.json")}}
			}),
			details: true,
			want: []string{
				"IRSA101 fail Deployment payments/api: ServiceAccount \"ghost\" does not exist in namespace \"payments\": the API server rejects every new pod that names it, and running pods lose their tokens once the current ones expire" +
					"\n  evidence: bundle deployments.json: Deployment payments/api: pod template spec.serviceAccountName: ghost" +
					"\n  evidence: bundle sa-all.json: proof of absence: a ServiceAccount List of every namespace" +
					"\n  fix: kubectl create serviceaccount ghost -n payments",
			},
		},
		{
			name: "not in the input and not proven missing",
			snap: fx.Snapshot(fx.Deployment(ghost), func(s *snapshot.Snapshot) { s.Listings = nil }),
			sel:  model.Selector{Workloads: []model.WorkloadRef{{Kind: "deployment", Namespace: fx.NS, Name: "api"}}},
			want: []string{
				"IRSA101 skipped Deployment payments/api: ServiceAccount \"ghost\" is not in the input, and nothing proves it missing from namespace \"payments\" (capture: kubectl get serviceaccounts -n payments -o json)",
			},
		},
		{
			name:    "unset serviceAccountName means default, which is missing",
			details: true,
			snap: fx.Snapshot(fx.Deployment(func(w *snapshot.Workload) { w.Template.Spec.ServiceAccountName = "" }), func(s *snapshot.Snapshot) {
				delete(s.ServiceAccounts, snapshot.Key(fx.NS, "default"))
			}),
			want: []string{
				"IRSA101 fail Deployment payments/api: ServiceAccount \"default\" does not exist in namespace \"payments\": the API server rejects every new pod that names it, and running pods lose their tokens once the current ones expire" +
					"\n  evidence: bundle deployments.json: Deployment payments/api: pod template spec.serviceAccountName is unset, so the pod runs as \"default\"" +
					"\n  evidence: bundle serviceaccounts.json: proof of absence: a ServiceAccount List of namespace payments" +
					"\n  fix: kubectl create serviceaccount default -n payments",
			},
		},
		{
			name: "pod identity pods are judged too",
			snap: fx.Snapshot(fx.BarePod("pi", func(p *snapshot.Pod) {
				p.Spec.ServiceAccountName = "ghost"
				p.Spec.Containers[0].Env = []snapshot.EnvVar{{Name: webhook.EnvContainerFullURI, Value: webhook.PodIdentityFullURI},
					{Name: webhook.EnvContainerToken, Value: webhook.PodIdentityTokenPath}}
			})),
			want: []string{
				"IRSA101 fail Pod payments/pi: ServiceAccount \"ghost\" does not exist in namespace \"payments\": the API server rejects every new pod that names it, and running pods lose their tokens once the current ones expire",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fxRun(t, tt.snap, tt.sel, tt.details, irsa101)
			fxAssert(t, got, tt.want)
		})
	}
}

func TestIRSA101BlocksLaterChecks(t *testing.T) {
	s := fx.Snapshot(fx.Deployment(func(w *snapshot.Workload) { w.Template.Spec.ServiceAccountName = "ghost" }))
	// Named, so the IRSA checks concern it although it shows no IRSA intent.
	got := fxRun(t, s, model.Selector{Workloads: []model.WorkloadRef{{Kind: "Deployment", Namespace: "payments", Name: "api"}}}, false, irsa101, irsa102, irsa103, irsa110)
	fxAssert(t, got, []string{
		"IRSA101 fail Deployment payments/api: ServiceAccount \"ghost\" does not exist in namespace \"payments\": the API server rejects every new pod that names it, and running pods lose their tokens once the current ones expire",
		"IRSA102 skipped ServiceAccount payments/ghost: blocked by IRSA101",
		"IRSA103 skipped ServiceAccount payments/ghost: blocked by IRSA101",
		"IRSA110 skipped Deployment payments/api container app: blocked by IRSA101",
	})
	// Not named, and without IRSA intent, it gets IRSA101 only; the
	// ServiceAccount api is now annotated and unused.
	got = fxRun(t, s, model.Selector{}, false, irsa101, irsa102, irsa103, irsa110)
	fxAssert(t, got, []string{
		"IRSA101 fail Deployment payments/api: ServiceAccount \"ghost\" does not exist in namespace \"payments\": the API server rejects every new pod that names it, and running pods lose their tokens once the current ones expire",
		"IRSA102 pass ServiceAccount payments/api: ServiceAccount has eks.amazonaws.com/role-arn \"arn:aws:iam::111122223333:role/payments-api\"",
		"IRSA103 pass ServiceAccount payments/api: eks.amazonaws.com/role-arn \"arn:aws:iam::111122223333:role/payments-api\" is a valid IAM role ARN (partition aws, account 111122223333, role payments-api)",
	})
}
