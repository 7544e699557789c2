package model

import (
	"testing"

	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// TestWalkChain covers every branch of both default chains
// (aws-sdk-go-v2 LoadDefaultConfig and botocore; docs/reference/credential-chain.md#aws-sdk-go-v2,
// §7.2) for one container, with a fixed IMDS verdict.
func TestWalkChain(t *testing.T) {
	irsa := []snapshot.EnvVar{fx.Lit(webhook.EnvRoleARN, fx.Role), fx.Lit(webhook.EnvTokenFile, webhook.TokenPath)}
	podID := []snapshot.EnvVar{fx.Lit(webhook.EnvContainerFullURI, webhook.PodIdentityFullURI), fx.Lit(webhook.EnvContainerToken, webhook.PodIdentityTokenPath)}
	with := func(a []snapshot.EnvVar, b ...snapshot.EnvVar) []snapshot.EnvVar {
		return append(append([]snapshot.EnvVar(nil), a...), b...)
	}
	const (
		webID    = "IRSA role " + fx.Role + ", through the token in " + webhook.TokenPath + " (AWS_WEB_IDENTITY_TOKEN_FILE)"
		caveat   = " (unless a shared profile in the image, which the pod spec cannot show, comes first)"
		reach    = "IMDS answers pods on instance " + fx.Instance + " of node " + fx.NodeName + " (HttpTokens optional: IMDSv1 works whatever the hop limit)"
		blocked  = "IMDS is blocked: instance " + fx.Instance + " of node " + fx.NodeName + " requires IMDSv2 (HttpTokens required) with HttpPutResponseHopLimit 1, so the token response never reaches the pod's network namespace"
		noEnv    = "no AWS credentials are set in its environment"
		piAgent  = "EKS Pod Identity: the associated role's credentials from the Pod Identity agent at " + webhook.PodIdentityFullURI
		nodeRole = "the node role through IMDS, because "
	)
	reachable := &ImdsVerdict{State: ImdsReachable, Why: reach}
	tests := []struct {
		name   string
		env    []snapshot.EnvVar
		mounts []snapshot.VolumeMount
		imds   *ImdsVerdict
		want   ContainerChain
	}{
		{
			name: "static keys win over IRSA in every SDK",
			env:  with(irsa, fx.Lit("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"), fx.Lit("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")),
			want: ContainerChain{Source: SourceStaticEnv, Role: fx.Role, HasWebIdentity: true,
				reason: "static keys from the environment (AWS_ACCESS_KEY_ID from a literal value in the manifest, AWS_SECRET_ACCESS_KEY from a literal value in the manifest): every SDK's default chain takes them first, so they win over the IRSA role " + fx.Role},
		},
		{
			name: "static keys from a required Secret, with a session token, win over Pod Identity",
			env: with(podID, fx.SecretEnv("AWS_ACCESS_KEY_ID", "aws-creds", "id", false), fx.SecretEnv("AWS_SECRET_ACCESS_KEY", "aws-creds", "secret", false),
				fx.SecretEnv("AWS_SESSION_TOKEN", "aws-creds", "token", false)),
			want: ContainerChain{Source: SourceStaticEnv, fullURI: webhook.PodIdentityFullURI, HasContainer: true,
				reason: "static keys from the environment (AWS_ACCESS_KEY_ID from Secret aws-creds key id, AWS_SECRET_ACCESS_KEY from Secret aws-creds key secret, with AWS_SESSION_TOKEN): every SDK's default chain takes them first, so they win over EKS Pod Identity"},
		},
		{
			name: "static keys from an optional Secret: web identity, with the caveat",
			env:  with(irsa, fx.SecretEnv("AWS_ACCESS_KEY_ID", "aws-secret", "key_id", true), fx.SecretEnv("AWS_SECRET_ACCESS_KEY", "aws-secret", "access_key", true)),
			want: ContainerChain{Source: SourceWebIdentity, Role: fx.Role, HasWebIdentity: true,
				reason: "static keys from optional references first, if the kubelet sets them (it leaves them unset when the Secret or key is missing); otherwise " + webID},
		},
		{
			name: "empty static keys are unset",
			env:  with(irsa, fx.Lit("AWS_ACCESS_KEY_ID", ""), fx.Lit("AWS_SECRET_ACCESS_KEY", "")),
			want: ContainerChain{Source: SourceWebIdentity, Role: fx.Role, HasWebIdentity: true, reason: webID},
		},
		{
			name: "the Go-only key names: static for Go v2, ignored by botocore",
			env:  with(irsa, fx.Lit("AWS_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE"), fx.Lit("AWS_SECRET_KEY", "wJalrXUtnFEMI")),
			want: ContainerChain{Source: SourceStaticEnv, Role: fx.Role, HasWebIdentity: true,
				reason: "static keys from the environment (AWS_ACCESS_KEY from a literal value in the manifest, AWS_SECRET_KEY from a literal value in the manifest): every SDK's default chain takes them first, so they win over the IRSA role " + fx.Role +
					"; botocore (boto3, the AWS CLI) ignores AWS_ACCESS_KEY and AWS_SECRET_KEY and goes on"},
		},
		{
			name: "an access key without its secret: Go v2 goes on, botocore stops",
			env:  with(irsa, fx.Lit("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")),
			want: ContainerChain{Source: SourceWebIdentity, Role: fx.Role, HasWebIdentity: true,
				reason: webID + "; botocore (boto3, the AWS CLI) stops with PartialCredentialsError: AWS_ACCESS_KEY_ID is set without AWS_SECRET_ACCESS_KEY"},
		},
		{
			name: "web identity",
			env:  irsa,
			want: ContainerChain{Source: SourceWebIdentity, Role: fx.Role, HasWebIdentity: true, reason: webID},
		},
		{
			name: "web identity without a role ARN stops both chains",
			env:  []snapshot.EnvVar{fx.Lit(webhook.EnvTokenFile, webhook.TokenPath)},
			want: ContainerChain{Source: SourceNone, HasWebIdentity: true,
				Stopped: `AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not, and the chain stops there with an error (Go SDK v2: "role ARN is not set"; botocore: InvalidConfigError, no role ARN configured)`,
				reason:  `no credentials: AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not, and the chain stops there with an error (Go SDK v2: "role ARN is not set"; botocore: InvalidConfigError, no role ARN configured)`},
		},
		{
			name: "web identity wins over the Pod Identity variables it also has",
			env:  with(irsa, podID...),
			want: ContainerChain{Source: SourceWebIdentity, Role: fx.Role, fullURI: webhook.PodIdentityFullURI, HasWebIdentity: true, HasContainer: true,
				reason: webID + "; every SDK's chain tries web identity before the container credentials it also has (AWS_CONTAINER_CREDENTIALS_FULL_URI)"},
		},
		{
			name: "web identity with AWS_PROFILE: botocore tries the profile's role_arn first",
			env:  with(irsa, fx.Lit("AWS_PROFILE", "reports")),
			want: ContainerChain{Source: SourceWebIdentity, Role: fx.Role, HasWebIdentity: true, Profile: "AWS_PROFILE=reports",
				reason: webID + "; botocore (boto3, the AWS CLI) first tries a role_arn in the shared profile (AWS_PROFILE=reports), which cannot be seen from the pod spec"},
		},
		{
			name: "AWS_PROFILE alone: a profile, then IMDS",
			env:  []snapshot.EnvVar{fx.Lit("AWS_PROFILE", "reports")},
			imds: reachable,
			want: ContainerChain{Source: SourceProfile, Imds: reachable, Because: noEnv, Profile: "AWS_PROFILE=reports",
				reason: "a shared profile (AWS_PROFILE=reports), from files the pod spec cannot show; if it holds no credentials, the SDK goes on to: " + nodeRole + noEnv + "; " + reach + caveat +
					" (the Go SDK v2 fails instead when profile reports does not exist)"},
		},
		{
			name:   "a mounted .aws folder: a profile, then Pod Identity",
			env:    podID,
			mounts: []snapshot.VolumeMount{{Name: "aws-config", MountPath: "/home/app/.aws", ReadOnly: true}},
			want: ContainerChain{Source: SourceProfile, fullURI: webhook.PodIdentityFullURI, HasContainer: true, Profile: "volume aws-config mounted at /home/app/.aws",
				reason: "a shared profile (volume aws-config mounted at /home/app/.aws), from files the pod spec cannot show; if it holds no credentials, the SDK goes on to: " + piAgent},
		},
		{
			name: "EKS Pod Identity",
			env:  podID,
			want: ContainerChain{Source: SourceContainer, fullURI: webhook.PodIdentityFullURI, HasContainer: true, reason: piAgent},
		},
		{
			name: "a container credentials URI on a host both SDKs refuse",
			env:  []snapshot.EnvVar{fx.Lit(webhook.EnvContainerFullURI, "http://10.0.12.7:8080/creds")},
			want: ContainerChain{Source: SourceNone, fullURI: "http://10.0.12.7:8080/creds", HasContainer: true,
				Stopped: `AWS_CONTAINER_CREDENTIALS_FULL_URI "http://10.0.12.7:8080/creds" is refused (Go SDK v2: invalid endpoint host "10.0.12.7", only loopback/ecs/eks hosts are allowed), and the chain stops there with an error`,
				reason:  `no credentials: AWS_CONTAINER_CREDENTIALS_FULL_URI "http://10.0.12.7:8080/creds" is refused (Go SDK v2: invalid endpoint host "10.0.12.7", only loopback/ecs/eks hosts are allowed), and the chain stops there with an error`},
		},
		{
			name: "an https credentials URI: Go v2 accepts any host, botocore refuses it",
			env:  []snapshot.EnvVar{fx.Lit(webhook.EnvContainerFullURI, "https://creds.internal.example.com/v1/credentials")},
			want: ContainerChain{Source: SourceContainer, fullURI: "https://creds.internal.example.com/v1/credentials", HasContainer: true,
				reason: `container credentials from https://creds.internal.example.com/v1/credentials; botocore (boto3, the AWS CLI) refuses that host ("Unsupported host"): it accepts only loopback, 169.254.170.2, 169.254.170.23 and fd00:ec2::23, whatever the scheme`},
		},
		{
			name: "a relative URI: the ECS-style endpoint",
			env:  []snapshot.EnvVar{fx.Lit("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/1f0e2d3c")},
			want: ContainerChain{Source: SourceContainer, HasContainer: true,
				reason: "container credentials from http://169.254.170.2/v2/credentials/1f0e2d3c (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, the ECS-style endpoint)"},
		},
		{
			name: "both URIs: Go v2 takes the full one, botocore the relative one",
			env:  with(podID, fx.Lit("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/1f0e2d3c")),
			want: ContainerChain{Source: SourceContainer, fullURI: webhook.PodIdentityFullURI, HasContainer: true,
				reason: piAgent + "; botocore (boto3, the AWS CLI) uses AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (/v2/credentials/1f0e2d3c) instead, which it tries before AWS_CONTAINER_CREDENTIALS_FULL_URI"},
		},
		{
			name: "nothing in the environment: the node role",
			imds: reachable,
			want: ContainerChain{Source: SourceIMDS, Imds: reachable, Because: noEnv, reason: nodeRole + noEnv + "; " + reach + caveat},
		},
		{
			name: "nothing in the environment and IMDS blocked: no credentials",
			imds: &ImdsVerdict{State: ImdsBlocked, Why: blocked},
			want: ContainerChain{Source: SourceNone, Imds: &ImdsVerdict{State: ImdsBlocked, Why: blocked}, Because: noEnv,
				reason: "no credentials: " + noEnv + ", and " + blocked + caveat},
		},
		{
			name: "nothing in the environment on Fargate: no credentials",
			imds: &ImdsVerdict{State: ImdsAbsent, Why: "node fargate-ip-10-0-3-4 is an AWS Fargate node, which has no IMDS"},
			want: ContainerChain{Source: SourceNone, Imds: &ImdsVerdict{State: ImdsAbsent, Why: "node fargate-ip-10-0-3-4 is an AWS Fargate node, which has no IMDS"}, Because: noEnv,
				reason: "no credentials: " + noEnv + ", and node fargate-ip-10-0-3-4 is an AWS Fargate node, which has no IMDS" + caveat},
		},
		{
			name: "nothing in the environment, IMDS unknown",
			imds: &ImdsVerdict{Why: "the pod is not scheduled on a node"},
			want: ContainerChain{Source: SourceIMDS, Imds: &ImdsVerdict{Why: "the pod is not scheduled on a node"}, Because: noEnv,
				reason: nodeRole + noEnv + "; whether IMDS answers is unknown: the pod is not scheduled on a node" + caveat},
		},
		{
			name: "AWS_ROLE_ARN without the token file: the node role",
			env:  []snapshot.EnvVar{fx.Lit(webhook.EnvRoleARN, fx.Role)},
			imds: reachable,
			want: ContainerChain{Source: SourceIMDS, Role: fx.Role, Imds: reachable, Because: "AWS_ROLE_ARN is set without AWS_WEB_IDENTITY_TOKEN_FILE, so the SDK skips web identity",
				reason: nodeRole + "AWS_ROLE_ARN is set without AWS_WEB_IDENTITY_TOKEN_FILE, so the SDK skips web identity; " + reach + caveat},
		},
		{
			name: "an empty token file: the node role",
			env:  []snapshot.EnvVar{fx.Lit(webhook.EnvRoleARN, fx.Role), fx.Lit(webhook.EnvTokenFile, "")},
			imds: reachable,
			want: ContainerChain{Source: SourceIMDS, Role: fx.Role, Imds: reachable, Because: "AWS_WEB_IDENTITY_TOKEN_FILE is empty, so the SDK skips web identity",
				reason: nodeRole + "AWS_WEB_IDENTITY_TOKEN_FILE is empty, so the SDK skips web identity; " + reach + caveat},
		},
		{
			name: "a later entry of the same name wins",
			env:  with(irsa, fx.Lit(webhook.EnvTokenFile, "")),
			imds: reachable,
			want: ContainerChain{Source: SourceIMDS, Role: fx.Role, Imds: reachable, Because: "AWS_WEB_IDENTITY_TOKEN_FILE is empty, so the SDK skips web identity",
				reason: nodeRole + "AWS_WEB_IDENTITY_TOKEN_FILE is empty, so the SDK skips web identity; " + reach + caveat},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			imds := func() *ImdsVerdict {
				calls++
				if tt.imds == nil {
					t.Fatal("the chain asked for IMDS, which this case does not expect")
				}
				return tt.imds
			}
			got := walkChain(&snapshot.Container{Name: "app", Env: tt.env, VolumeMounts: tt.mounts}, imds)
			tt.want.Name = "app"
			if d := cmp.Diff(tt.want, got, cmp.AllowUnexported(ContainerChain{}, ImdsVerdict{})); d != "" {
				t.Errorf("walkChain (-want +got):\n%s", d)
			}
			if calls > 1 {
				t.Errorf("IMDS asked %d times, want at most once", calls)
			}
		})
	}
}

// TestIMDSOf: whether a pod reaches IMDS, from its node and instance.
func TestIMDSOf(t *testing.T) {
	const where = "instance " + fx.Instance + " of node " + fx.NodeName
	const role = "; the node role is that of instance profile " + fx.Profile
	hostNet := func(p *snapshot.Pod) { p.Spec.HostNetwork = true }
	tests := []struct {
		name  string
		snap  *snapshot.Snapshot
		state int
		why   string
	}{
		{name: "IMDSv1 allowed", snap: fx.Snapshot(fx.OwnedPod(fx.OnNode), fx.Node(), fx.EC2("optional", 1)), state: ImdsReachable,
			why: "IMDS answers pods on " + where + " (HttpTokens optional: IMDSv1 works whatever the hop limit)" + role},
		{name: "IMDSv2 required, hop limit 2", snap: fx.Snapshot(fx.OwnedPod(fx.OnNode), fx.Node(), fx.EC2("required", 2)), state: ImdsReachable,
			why: "IMDS answers pods on " + where + " (IMDSv2 required, with HttpPutResponseHopLimit 2, enough to reach the pod)" + role},
		{name: "IMDSv2 required, hop limit 1", snap: fx.Snapshot(fx.OwnedPod(fx.OnNode), fx.Node(), fx.EC2("required", 1)), state: ImdsBlocked,
			why: "IMDS is blocked: " + where + " requires IMDSv2 (HttpTokens required) with HttpPutResponseHopLimit 1, so the token response never reaches the pod's network namespace"},
		{name: "hop limit 1 does not stop a hostNetwork pod", snap: fx.Snapshot(fx.OwnedPod(fx.OnNode, hostNet), fx.Node(), fx.EC2("required", 1)), state: ImdsReachable,
			why: "IMDS answers the pod, which uses the host network of " + where + " (the hop limit does not apply)" + role},
		{name: "IMDS disabled", snap: fx.Snapshot(fx.OwnedPod(fx.OnNode, hostNet), fx.Node(), fx.EC2("optional", 2, func(i *snapshot.EC2Instance) { i.Metadata.HTTPEndpoint = "disabled" })),
			state: ImdsBlocked, why: "IMDS is disabled on " + where + " (HttpEndpoint disabled)"},
		{name: "instance without metadata options", snap: fx.Snapshot(fx.OwnedPod(fx.OnNode), fx.Node(), fx.EC2("", 0, func(i *snapshot.EC2Instance) { i.Metadata = snapshot.MetadataOptions{} })),
			why: "the describe-instances output of " + where + " does not give HttpTokens and HttpPutResponseHopLimit"},
		{name: "Fargate", snap: fx.Snapshot(fx.OwnedPod(fx.OnNode), fx.Node(func(n *snapshot.Node) {
			n.Labels["eks.amazonaws.com/compute-type"] = "fargate"
			n.Spec.ProviderID = "aws:///us-west-2b/3f2e1d0c9b/" + fx.NodeName
		})), state: ImdsAbsent, why: "node " + fx.NodeName + " is an AWS Fargate node, which has no IMDS"},
		{name: "hybrid node", snap: fx.Snapshot(fx.OwnedPod(fx.OnNode), fx.Node(func(n *snapshot.Node) { n.Labels["eks.amazonaws.com/compute-type"] = "hybrid" })),
			state: ImdsAbsent, why: "node " + fx.NodeName + " is an EKS hybrid node, not an EC2 instance: it has no IMDS"},
		{name: "instance not in the input", snap: fx.Snapshot(fx.OwnedPod(fx.OnNode), fx.Node()),
			why: "instance " + fx.Instance + " of node " + fx.NodeName + " is not in the input (capture: aws ec2 describe-instances --instance-ids " + fx.Instance + " --output json)"},
		{name: "DescribeInstances refused", snap: fx.Snapshot(fx.OwnedPod(fx.OnNode), fx.Node(), func(s *snapshot.Snapshot) {
			s.Gaps = append(s.Gaps, snapshot.Gap{Source: "aws", Operation: "ec2:DescribeInstances", Resource: "i-0ffffffffffffffff " + fx.Instance, Reason: "UnauthorizedOperation"})
		}), why: "ec2:DescribeInstances of instance " + fx.Instance + " (node " + fx.NodeName + ") was not answered (UnauthorizedOperation)"},
		{name: "node without an instance ID", snap: fx.Snapshot(fx.OwnedPod(fx.OnNode), fx.Node(func(n *snapshot.Node) { n.Spec.ProviderID = "" })),
			why: "node " + fx.NodeName + ` has no EC2 instance ID in its providerID ""`},
		{name: "node not in the input", snap: fx.Snapshot(fx.OwnedPod(fx.OnNode)),
			why: "node " + fx.NodeName + " is not in the input (capture: kubectl get nodes -o json)"},
		{name: "nodes List refused", snap: fx.Snapshot(fx.OwnedPod(fx.OnNode), func(s *snapshot.Snapshot) {
			s.Gaps = append(s.Gaps, snapshot.Gap{Source: "kube", Operation: "list nodes", Reason: "Forbidden"})
		}), why: "node " + fx.NodeName + " is not in the input: list nodes was refused (Forbidden)"},
		{name: "pod not scheduled", snap: fx.Snapshot(fx.OwnedPod()), why: "the pod is not scheduled on a node"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tgt := &Target{Kind: "Pod", Pod: tt.snap.Pods[0], Spec: &tt.snap.Pods[0].Spec}
			got := imdsOf(tt.snap, tgt)
			if got.State != tt.state || got.Why != tt.why {
				t.Errorf("imdsOf = (%d, %q)\nwant     (%d, %q)", got.State, got.Why, tt.state, tt.why)
			}
		})
	}
	t.Run("a template depends on the node", func(t *testing.T) {
		s := fx.Snapshot(fx.Deployment())
		got := imdsOf(s, &Target{Kind: "Deployment", Workload: s.Workloads[0], Spec: &s.Workloads[0].Template.Spec})
		if want := "it depends on the node each pod of the deployment runs on"; got.State != ImdsUnknown || got.Why != want {
			t.Errorf("imdsOf = (%d, %q), want (unknown, %q)", got.State, got.Why, want)
		}
	})
}

// TestCredentialsIn: the containers of targets end to end, as the JSON
// document and the text report's "will use:" lines show them.
func TestCredentialsIn(t *testing.T) {
	const caveat = " (unless a shared profile in the image, which the pod spec cannot show, comes first)"
	webID := "IRSA role " + fx.Role + ", through the token in " + webhook.TokenPath + " (AWS_WEB_IDENTITY_TOKEN_FILE)"
	skipSidecar := func(w *snapshot.Workload) {
		w.Template.Annotations = map[string]string{webhook.AnnotationSkipContainers: "istio-proxy"}
		w.Template.Spec.Containers = append(w.Template.Spec.Containers, snapshot.Container{Name: "istio-proxy", Image: "docker.io/istio/proxyv2:1.24.2"})
	}
	tests := []struct {
		name string
		snap *snapshot.Snapshot
		key  string
		want []finding.Container
	}{
		{
			name: "a template is judged as the webhook mutates it; a skipped container gets nothing",
			snap: fx.Snapshot(fx.Deployment(skipSidecar)),
			key:  "Deployment/payments/api",
			want: []finding.Container{
				{Name: "app", CredentialSource: SourceWebIdentity, Reason: webID},
				{Name: "istio-proxy", CredentialSource: SourceIMDS, Reason: "the node role through IMDS, because it is named in eks.amazonaws.com/skip-containers, so the webhook gave it no credentials; whether IMDS answers is unknown: it depends on the node each pod of the deployment runs on" + caveat},
			},
		},
		{
			name: "a template whose ServiceAccount has a Pod Identity association gets Pod Identity",
			snap: fx.Snapshot(fx.Deployment(), fx.Cluster("prod", "111122223333", "eu-west-1"), fx.Association("prod", "111122223333", "eu-west-1", fx.NS, "api")),
			key:  "Deployment/payments/api",
			want: []finding.Container{{Name: "app", CredentialSource: SourceContainer,
				Reason: "EKS Pod Identity: the associated role's credentials from the Pod Identity agent at " + webhook.PodIdentityFullURI +
					"; the ServiceAccount's IRSA role " + fx.Role + " is not used: for a ServiceAccount with an association the webhook injects Pod Identity instead (IRSA401)"}},
		},
		{
			name: "a pod the webhook never mutated uses the node role",
			snap: fx.Snapshot(fx.OwnedPod(fx.OnNode), fx.Node(), fx.EC2("optional", 2)),
			key:  "Pod/payments/" + fx.Pod,
			want: []finding.Container{{Name: "app", CredentialSource: SourceIMDS,
				Reason: "the node role through IMDS, because no AWS credentials are set in its environment; IMDS answers pods on instance " + fx.Instance + " of node " + fx.NodeName +
					" (HttpTokens optional: IMDSv1 works whatever the hop limit); the node role is that of instance profile " + fx.Profile + caveat}},
		},
		{
			name: "a pod the webhook never mutated, on a node that blocks IMDS, finds no credentials",
			snap: fx.Snapshot(fx.OwnedPod(fx.OnNode), fx.Node(), fx.EC2("required", 1)),
			key:  "Pod/payments/" + fx.Pod,
			want: []finding.Container{{Name: "app", CredentialSource: SourceNone,
				Reason: "no credentials: no AWS credentials are set in its environment, and IMDS is blocked: instance " + fx.Instance + " of node " + fx.NodeName +
					" requires IMDSv2 (HttpTokens required) with HttpPutResponseHopLimit 1, so the token response never reaches the pod's network namespace" + caveat}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, tg := range Targets(tt.snap, Selector{}, NewIndex(tt.snap)) {
				if tg.Key() == tt.key {
					if d := cmp.Diff(tt.want, CredentialsIn(tt.snap, tg)); d != "" {
						t.Errorf("containers (-want +got):\n%s", d)
					}
					return
				}
			}
			t.Fatalf("no target %s", tt.key)
		})
	}
}
