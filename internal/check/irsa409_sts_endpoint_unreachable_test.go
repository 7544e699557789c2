package check

import (
	"testing"

	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

func TestIRSA409(t *testing.T) {
	const externalDNS = "registry.k8s.io/external-dns/external-dns:v0.14.0"
	no, yes := false, true
	cluster := func(region, version string, public bool) func(*snapshot.Snapshot) {
		return func(s *snapshot.Snapshot) {
			fx.Cluster("prod", "111122223333", region)(s)
			c := s.Clusters[len(s.Clusters)-1]
			c.Version = version
			c.EndpointPublicAccess, c.EndpointPrivateAccess = &no, &yes
			if public {
				c.EndpointPublicAccess = &yes
			}
		}
	}
	image := func(img string) func(*snapshot.Pod) {
		return func(p *snapshot.Pod) { p.Spec.Containers[0].Image = img }
	}
	env := func(vars ...snapshot.EnvVar) func(*snapshot.Pod) {
		return func(p *snapshot.Pod) { p.Spec.Containers[0].Env = append(p.Spec.Containers[0].Env, vars...) }
	}
	tmplImage := func(w *snapshot.Workload) { w.Template.Spec.Containers[0].Image = externalDNS }
	saRegional := func(v string) func(*snapshot.Snapshot) {
		return func(s *snapshot.Snapshot) {
			s.ServiceAccounts[snapshot.Key(fx.NS, "api")].Annotations[webhook.AnnotationSTSRegional] = v
		}
	}
	tests := []struct {
		name    string
		snap    *snapshot.Snapshot
		details bool
		want    []string
	}{
		{name: "pod with the regional setting", snap: fx.Snapshot(fx.OwnedPod(fx.Mutated, env(fx.Lit(webhook.EnvSTSRegional, "regional"))), cluster("us-west-2", "1.31", false)),
			want: []string{
				"IRSA409 pass Pod payments/api-7d9f8b6c5-x2k4p container app: the container's SDK calls the regional STS endpoint (AWS_STS_REGIONAL_ENDPOINTS=regional)",
			},
		},
		{name: "aws-sdk-go v1 in a private cluster", snap: fx.Snapshot(fx.OwnedPod(fx.Mutated, image(externalDNS)), cluster("us-west-2", "1.31", false)), details: true,
			want: []string{
				"IRSA409 fail Pod payments/api-7d9f8b6c5-x2k4p container app: AWS_STS_REGIONAL_ENDPOINTS is unset and the container sets no Region (AWS_REGION, AWS_DEFAULT_REGION), and the container's SDK (github.com/aws/aws-sdk-go, image registry.k8s.io/external-dns/external-dns:v0.14.0) defaults to the global endpoint, so AssumeRoleWithWebIdentity goes to sts.amazonaws.com, which fails here: the cluster's API server endpoint is private only (endpointPublicAccess false), a hint (not a proof) that its VPC has no route to the internet: sts.amazonaws.com is public, and an STS VPC endpoint serves only the Regional name\n  severity: warning\n  evidence: bundle pods.json: container app: AWS_STS_REGIONAL_ENDPOINTS: not in the container's environment\n  evidence: bundle describe-cluster.json: cluster prod (region us-west-2): endpointPublicAccess false, endpointPrivateAccess true\n  evidence: bundle pods.json: container app: image registry.k8s.io/external-dns/external-dns:v0.14.0 carries github.com/aws/aws-sdk-go (aws-sdk-go CHANGELOG v1.25.18 (#2779): the STS regional flag \"defaults to legacy\"; aws-sdk-go is in maintenance and never changed it)\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/api: eks.amazonaws.com/sts-regional-endpoints unset\n  fix: kubectl annotate serviceaccount api -n payments --overwrite eks.amazonaws.com/sts-regional-endpoints=true\n  fix: kubectl rollout restart deployment/api -n payments",
			},
		},
		{name: "aws-sdk-go v1 in a public cluster", snap: fx.Snapshot(fx.OwnedPod(fx.Mutated, image(externalDNS)), cluster("us-west-2", "1.31", true)),
			want: []string{
				"IRSA409 pass Pod payments/api-7d9f8b6c5-x2k4p container app: AWS_STS_REGIONAL_ENDPOINTS is unset and the container sets no Region (AWS_REGION, AWS_DEFAULT_REGION), so an SDK with the legacy default calls sts.amazonaws.com, which a cluster with a public API endpoint in partition aws usually reaches (regional is recommended)",
			},
		},
		{name: "a Region outside the legacy list", snap: fx.Snapshot(fx.OwnedPod(fx.Mutated, image(externalDNS), env(fx.Lit(webhook.EnvRegion, "ap-east-1"))), cluster("ap-east-1", "1.31", false)),
			want: []string{
				"IRSA409 pass Pod payments/api-7d9f8b6c5-x2k4p container app: region ap-east-1 is not one where the legacy setting uses the global endpoint, so the container's SDK calls sts.ap-east-1.amazonaws.com",
			},
		},
		{name: "aws-sdk-go v1 in China without a Region", snap: fx.Snapshot(fx.OwnedPod(fx.Mutated, image(externalDNS)), cluster("cn-north-1", "1.31", true)), details: true,
			want: []string{
				"IRSA409 fail Pod payments/api-7d9f8b6c5-x2k4p container app: AWS_STS_REGIONAL_ENDPOINTS is unset and the container sets no Region (AWS_REGION, AWS_DEFAULT_REGION), and the container's SDK (github.com/aws/aws-sdk-go, image registry.k8s.io/external-dns/external-dns:v0.14.0) defaults to the global endpoint, so AssumeRoleWithWebIdentity goes to sts.amazonaws.com, which fails here: partition aws-cn has no global STS endpoint: sts.amazonaws.com is the commercial partition's, where the role does not exist\n  evidence: bundle pods.json: container app: AWS_STS_REGIONAL_ENDPOINTS: not in the container's environment\n  evidence: bundle describe-cluster.json: cluster prod (region cn-north-1): endpointPublicAccess true, endpointPrivateAccess true\n  evidence: bundle pods.json: container app: image registry.k8s.io/external-dns/external-dns:v0.14.0 carries github.com/aws/aws-sdk-go (aws-sdk-go CHANGELOG v1.25.18 (#2779): the STS regional flag \"defaults to legacy\"; aws-sdk-go is in maintenance and never changed it)\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/api: eks.amazonaws.com/sts-regional-endpoints unset\n  fix: kubectl annotate serviceaccount api -n payments --overwrite eks.amazonaws.com/sts-regional-endpoints=true\n  fix: kubectl rollout restart deployment/api -n payments",
			},
		},
		{name: "an unknown image in a private cluster", snap: fx.Snapshot(fx.OwnedPod(fx.Mutated), cluster("us-west-2", "1.31", false)),
			want: []string{
				"IRSA409 skipped Pod payments/api-7d9f8b6c5-x2k4p container app: AWS_STS_REGIONAL_ENDPOINTS is unset and the container sets no Region (AWS_REGION, AWS_DEFAULT_REGION); the container's image ghcr.io/example/payments-api:1.4.2 is not a well-known AWS image, so whether its SDK calls sts.amazonaws.com is unknown: if it does, the call fails, because the cluster's API server endpoint is private only (endpointPublicAccess false), a hint (not a proof) that its VPC has no route to the internet: sts.amazonaws.com is public, and an STS VPC endpoint serves only the Regional name",
			},
		},
		{name: "no cluster in the input", snap: fx.Snapshot(fx.OwnedPod(fx.Mutated, image(externalDNS))),
			want: []string{
				"IRSA409 skipped Pod payments/api-7d9f8b6c5-x2k4p container app: AWS_STS_REGIONAL_ENDPOINTS is unset and the container sets no Region (AWS_REGION, AWS_DEFAULT_REGION), so an SDK with the legacy default calls sts.amazonaws.com; whether that endpoint is reachable is unknown: the input has no EKS cluster (capture: aws eks describe-cluster --name CLUSTER --output json)",
			},
		},
		{name: "template on EKS 1.31: injected", snap: fx.Snapshot(fx.Deployment(tmplImage), cluster("us-west-2", "1.31", false)),
			want: []string{
				"IRSA409 pass Deployment payments/api container app: the container's SDK calls the regional STS endpoint (AWS_STS_REGIONAL_ENDPOINTS=regional)",
			},
		},
		{name: "template whose ServiceAccount turns it off", snap: fx.Snapshot(fx.Deployment(tmplImage), cluster("us-west-2", "1.31", false), saRegional("false")),
			want: []string{
				"IRSA409 fail Deployment payments/api container app: AWS_STS_REGIONAL_ENDPOINTS is unset and the container sets no Region (AWS_REGION, AWS_DEFAULT_REGION), and the container's SDK (github.com/aws/aws-sdk-go, image registry.k8s.io/external-dns/external-dns:v0.14.0) defaults to the global endpoint, so AssumeRoleWithWebIdentity goes to sts.amazonaws.com, which fails here: the cluster's API server endpoint is private only (endpointPublicAccess false), a hint (not a proof) that its VPC has no route to the internet: sts.amazonaws.com is public, and an STS VPC endpoint serves only the Regional name",
			},
		},
		{name: "template on a cluster of unknown version", snap: fx.Snapshot(fx.Deployment(tmplImage)),
			want: []string{
				"IRSA409 skipped Deployment payments/api container app: whether AWS_STS_REGIONAL_ENDPOINTS=regional is injected is unknown: the webhook's default depends on the cluster (EKS injects it from Kubernetes 1.22 on), and the input shows neither an EKS cluster's version nor an EKS server version (capture: aws eks describe-cluster --name CLUSTER --output json)",
			},
		},
		{name: "template on EKS 1.21", snap: fx.Snapshot(fx.Deployment(tmplImage), cluster("us-west-2", "1.21", false)),
			want: []string{
				"IRSA409 fail Deployment payments/api container app: AWS_STS_REGIONAL_ENDPOINTS is unset and the container sets no Region (AWS_REGION, AWS_DEFAULT_REGION), and the container's SDK (github.com/aws/aws-sdk-go, image registry.k8s.io/external-dns/external-dns:v0.14.0) defaults to the global endpoint, so AssumeRoleWithWebIdentity goes to sts.amazonaws.com, which fails here: the cluster's API server endpoint is private only (endpointPublicAccess false), a hint (not a proof) that its VPC has no route to the internet: sts.amazonaws.com is public, and an STS VPC endpoint serves only the Regional name",
			},
		},
		{name: "not mutated: no web identity, nothing to judge", snap: fx.Snapshot(fx.OwnedPod(image(externalDNS)), cluster("us-west-2", "1.31", false)),
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fxOnly(fxRun(t, tt.snap, model.Selector{}, tt.details, All...), "IRSA409")
			fxAssert(t, got, tt.want)
		})
	}
}
