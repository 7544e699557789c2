package check

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

const (
	fxNodeName = "ip-192-168-33-74.us-west-2.compute.internal"
	fxInstance = "i-0a1b2c3d4e5f60718"
	fxProfile  = "arn:aws:iam::111122223333:instance-profile/eks-general"
)

// fxNode adds the EC2 node fxNodeName; mods change it.
func fxNode(mods ...func(*snapshot.Node)) func(*snapshot.Snapshot) {
	return func(s *snapshot.Snapshot) {
		n := &snapshot.Node{ObjectMeta: snapshot.ObjectMeta{Name: fxNodeName, Labels: map[string]string{"kubernetes.io/os": "linux"}},
			Spec: snapshot.NodeSpec{ProviderID: "aws:///us-west-2a/" + fxInstance}, Source: fxSrc("nodes.json")}
		for _, m := range mods {
			m(n)
		}
		s.Nodes = append(s.Nodes, n)
	}
}

// fxEC2 adds the instance of fxNodeName with IMDS settings tokens and hop.
func fxEC2(tokens string, hop int, mods ...func(*snapshot.EC2Instance)) func(*snapshot.Snapshot) {
	return func(s *snapshot.Snapshot) {
		i := &snapshot.EC2Instance{InstanceID: fxInstance, State: "running", InstanceProfileARN: fxProfile,
			Metadata: snapshot.MetadataOptions{HTTPTokens: tokens, HopLimit: &hop, HTTPEndpoint: "enabled"}, Source: fxSrc("describe-instances.json")}
		for _, m := range mods {
			m(i)
		}
		s.Instances = append(s.Instances, i)
	}
}

// fxOnNode schedules a pod on fxNodeName.
func fxOnNode(p *snapshot.Pod) { p.Spec.NodeName = fxNodeName }

func lit(name, value string) snapshot.EnvVar { return snapshot.EnvVar{Name: name, Value: value} }

func secretEnv(name, secret, key string, optional bool) snapshot.EnvVar {
	ks := &snapshot.KeySelector{Name: secret, Key: key}
	if optional {
		yes := true
		ks.Optional = &yes
	}
	return snapshot.EnvVar{Name: name, ValueFrom: &snapshot.EnvVarSource{SecretKeyRef: ks}}
}

// TestWalkChain covers every branch of both default chains
// (aws-sdk-go-v2 LoadDefaultConfig and botocore; irsa-facts.md §7.1,
// §7.2) for one container, with a fixed IMDS verdict.
func TestWalkChain(t *testing.T) {
	irsa := []snapshot.EnvVar{lit(webhook.EnvRoleARN, fxRole), lit(webhook.EnvTokenFile, webhook.TokenPath)}
	podID := []snapshot.EnvVar{lit(webhook.EnvContainerFullURI, webhook.PodIdentityFullURI), lit(webhook.EnvContainerToken, webhook.PodIdentityTokenPath)}
	with := func(a []snapshot.EnvVar, b ...snapshot.EnvVar) []snapshot.EnvVar {
		return append(append([]snapshot.EnvVar(nil), a...), b...)
	}
	const (
		webID    = "IRSA role " + fxRole + ", through the token in " + webhook.TokenPath + " (AWS_WEB_IDENTITY_TOKEN_FILE)"
		caveat   = " (unless a shared profile in the image, which the pod spec cannot show, comes first)"
		reach    = "IMDS answers pods on instance " + fxInstance + " of node " + fxNodeName + " (HttpTokens optional: IMDSv1 works whatever the hop limit)"
		blocked  = "IMDS is blocked: instance " + fxInstance + " of node " + fxNodeName + " requires IMDSv2 (HttpTokens required) with HttpPutResponseHopLimit 1, so the token response never reaches the pod's network namespace"
		noEnv    = "no AWS credentials are set in its environment"
		piAgent  = "EKS Pod Identity: the associated role's credentials from the Pod Identity agent at " + webhook.PodIdentityFullURI
		nodeRole = "the node role through IMDS, because "
	)
	reachable := &imdsVerdict{state: imdsReachable, why: reach}
	tests := []struct {
		name   string
		env    []snapshot.EnvVar
		mounts []snapshot.VolumeMount
		imds   *imdsVerdict
		want   containerChain
	}{
		{
			name: "static keys win over IRSA in every SDK",
			env:  with(irsa, lit("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"), lit("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")),
			want: containerChain{source: SourceStaticEnv, role: fxRole, hasWebIdentity: true,
				reason: "static keys from the environment (AWS_ACCESS_KEY_ID from a literal value in the manifest, AWS_SECRET_ACCESS_KEY from a literal value in the manifest): every SDK's default chain takes them first, so they win over the IRSA role " + fxRole},
		},
		{
			name: "static keys from a required Secret, with a session token, win over Pod Identity",
			env: with(podID, secretEnv("AWS_ACCESS_KEY_ID", "aws-creds", "id", false), secretEnv("AWS_SECRET_ACCESS_KEY", "aws-creds", "secret", false),
				secretEnv("AWS_SESSION_TOKEN", "aws-creds", "token", false)),
			want: containerChain{source: SourceStaticEnv, fullURI: webhook.PodIdentityFullURI, hasContainer: true,
				reason: "static keys from the environment (AWS_ACCESS_KEY_ID from Secret aws-creds key id, AWS_SECRET_ACCESS_KEY from Secret aws-creds key secret, with AWS_SESSION_TOKEN): every SDK's default chain takes them first, so they win over EKS Pod Identity"},
		},
		{
			name: "static keys from an optional Secret: web identity, with the caveat",
			env:  with(irsa, secretEnv("AWS_ACCESS_KEY_ID", "aws-secret", "key_id", true), secretEnv("AWS_SECRET_ACCESS_KEY", "aws-secret", "access_key", true)),
			want: containerChain{source: SourceWebIdentity, role: fxRole, hasWebIdentity: true,
				reason: "static keys from optional references first, if the kubelet sets them (it leaves them unset when the Secret or key is missing); otherwise " + webID},
		},
		{
			name: "empty static keys are unset",
			env:  with(irsa, lit("AWS_ACCESS_KEY_ID", ""), lit("AWS_SECRET_ACCESS_KEY", "")),
			want: containerChain{source: SourceWebIdentity, role: fxRole, hasWebIdentity: true, reason: webID},
		},
		{
			name: "the Go-only key names: static for Go v2, ignored by botocore",
			env:  with(irsa, lit("AWS_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE"), lit("AWS_SECRET_KEY", "wJalrXUtnFEMI")),
			want: containerChain{source: SourceStaticEnv, role: fxRole, hasWebIdentity: true,
				reason: "static keys from the environment (AWS_ACCESS_KEY from a literal value in the manifest, AWS_SECRET_KEY from a literal value in the manifest): every SDK's default chain takes them first, so they win over the IRSA role " + fxRole +
					"; botocore (boto3, the AWS CLI) ignores AWS_ACCESS_KEY and AWS_SECRET_KEY and goes on"},
		},
		{
			name: "an access key without its secret: Go v2 goes on, botocore stops",
			env:  with(irsa, lit("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")),
			want: containerChain{source: SourceWebIdentity, role: fxRole, hasWebIdentity: true,
				reason: webID + "; botocore (boto3, the AWS CLI) stops with PartialCredentialsError: AWS_ACCESS_KEY_ID is set without AWS_SECRET_ACCESS_KEY"},
		},
		{
			name: "web identity",
			env:  irsa,
			want: containerChain{source: SourceWebIdentity, role: fxRole, hasWebIdentity: true, reason: webID},
		},
		{
			name: "web identity without a role ARN stops both chains",
			env:  []snapshot.EnvVar{lit(webhook.EnvTokenFile, webhook.TokenPath)},
			want: containerChain{source: SourceNone, hasWebIdentity: true,
				stopped: `AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not, and the chain stops there with an error (Go SDK v2: "role ARN is not set"; botocore: InvalidConfigError, no role ARN configured)`,
				reason:  `no credentials: AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not, and the chain stops there with an error (Go SDK v2: "role ARN is not set"; botocore: InvalidConfigError, no role ARN configured)`},
		},
		{
			name: "web identity wins over the Pod Identity variables it also has",
			env:  with(irsa, podID...),
			want: containerChain{source: SourceWebIdentity, role: fxRole, fullURI: webhook.PodIdentityFullURI, hasWebIdentity: true, hasContainer: true,
				reason: webID + "; every SDK's chain tries web identity before the container credentials it also has (AWS_CONTAINER_CREDENTIALS_FULL_URI)"},
		},
		{
			name: "web identity with AWS_PROFILE: botocore tries the profile's role_arn first",
			env:  with(irsa, lit("AWS_PROFILE", "reports")),
			want: containerChain{source: SourceWebIdentity, role: fxRole, hasWebIdentity: true, profile: "AWS_PROFILE=reports",
				reason: webID + "; botocore (boto3, the AWS CLI) first tries a role_arn in the shared profile (AWS_PROFILE=reports), which cannot be seen from the pod spec"},
		},
		{
			name: "AWS_PROFILE alone: a profile, then IMDS",
			env:  []snapshot.EnvVar{lit("AWS_PROFILE", "reports")},
			imds: reachable,
			want: containerChain{source: SourceProfile, imds: reachable, because: noEnv, profile: "AWS_PROFILE=reports",
				reason: "a shared profile (AWS_PROFILE=reports), from files the pod spec cannot show; if it holds no credentials, the SDK goes on to: " + nodeRole + noEnv + "; " + reach + caveat +
					" (the Go SDK v2 fails instead when profile reports does not exist)"},
		},
		{
			name:   "a mounted .aws folder: a profile, then Pod Identity",
			env:    podID,
			mounts: []snapshot.VolumeMount{{Name: "aws-config", MountPath: "/home/app/.aws", ReadOnly: true}},
			want: containerChain{source: SourceProfile, fullURI: webhook.PodIdentityFullURI, hasContainer: true, profile: "volume aws-config mounted at /home/app/.aws",
				reason: "a shared profile (volume aws-config mounted at /home/app/.aws), from files the pod spec cannot show; if it holds no credentials, the SDK goes on to: " + piAgent},
		},
		{
			name: "EKS Pod Identity",
			env:  podID,
			want: containerChain{source: SourceContainer, fullURI: webhook.PodIdentityFullURI, hasContainer: true, reason: piAgent},
		},
		{
			name: "a container credentials URI on a host both SDKs refuse",
			env:  []snapshot.EnvVar{lit(webhook.EnvContainerFullURI, "http://10.0.12.7:8080/creds")},
			want: containerChain{source: SourceNone, fullURI: "http://10.0.12.7:8080/creds", hasContainer: true,
				stopped: `AWS_CONTAINER_CREDENTIALS_FULL_URI "http://10.0.12.7:8080/creds" is refused (Go SDK v2: invalid endpoint host "10.0.12.7", only loopback/ecs/eks hosts are allowed), and the chain stops there with an error`,
				reason:  `no credentials: AWS_CONTAINER_CREDENTIALS_FULL_URI "http://10.0.12.7:8080/creds" is refused (Go SDK v2: invalid endpoint host "10.0.12.7", only loopback/ecs/eks hosts are allowed), and the chain stops there with an error`},
		},
		{
			name: "an https credentials URI: Go v2 accepts any host, botocore refuses it",
			env:  []snapshot.EnvVar{lit(webhook.EnvContainerFullURI, "https://creds.internal.example.com/v1/credentials")},
			want: containerChain{source: SourceContainer, fullURI: "https://creds.internal.example.com/v1/credentials", hasContainer: true,
				reason: `container credentials from https://creds.internal.example.com/v1/credentials; botocore (boto3, the AWS CLI) refuses that host ("Unsupported host"): it accepts only loopback, 169.254.170.2, 169.254.170.23 and fd00:ec2::23, whatever the scheme`},
		},
		{
			name: "a relative URI: the ECS-style endpoint",
			env:  []snapshot.EnvVar{lit("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/1f0e2d3c")},
			want: containerChain{source: SourceContainer, hasContainer: true,
				reason: "container credentials from http://169.254.170.2/v2/credentials/1f0e2d3c (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, the ECS-style endpoint)"},
		},
		{
			name: "both URIs: Go v2 takes the full one, botocore the relative one",
			env:  with(podID, lit("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/1f0e2d3c")),
			want: containerChain{source: SourceContainer, fullURI: webhook.PodIdentityFullURI, hasContainer: true,
				reason: piAgent + "; botocore (boto3, the AWS CLI) uses AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (/v2/credentials/1f0e2d3c) instead, which it tries before AWS_CONTAINER_CREDENTIALS_FULL_URI"},
		},
		{
			name: "nothing in the environment: the node role",
			imds: reachable,
			want: containerChain{source: SourceIMDS, imds: reachable, because: noEnv, reason: nodeRole + noEnv + "; " + reach + caveat},
		},
		{
			name: "nothing in the environment and IMDS blocked: no credentials",
			imds: &imdsVerdict{state: imdsBlocked, why: blocked},
			want: containerChain{source: SourceNone, imds: &imdsVerdict{state: imdsBlocked, why: blocked}, because: noEnv,
				reason: "no credentials: " + noEnv + ", and " + blocked + caveat},
		},
		{
			name: "nothing in the environment on Fargate: no credentials",
			imds: &imdsVerdict{state: imdsAbsent, why: "node fargate-ip-10-0-3-4 is an AWS Fargate node, which has no IMDS"},
			want: containerChain{source: SourceNone, imds: &imdsVerdict{state: imdsAbsent, why: "node fargate-ip-10-0-3-4 is an AWS Fargate node, which has no IMDS"}, because: noEnv,
				reason: "no credentials: " + noEnv + ", and node fargate-ip-10-0-3-4 is an AWS Fargate node, which has no IMDS" + caveat},
		},
		{
			name: "nothing in the environment, IMDS unknown",
			imds: &imdsVerdict{why: "the pod is not scheduled on a node"},
			want: containerChain{source: SourceIMDS, imds: &imdsVerdict{why: "the pod is not scheduled on a node"}, because: noEnv,
				reason: nodeRole + noEnv + "; whether IMDS answers is unknown: the pod is not scheduled on a node" + caveat},
		},
		{
			name: "AWS_ROLE_ARN without the token file: the node role",
			env:  []snapshot.EnvVar{lit(webhook.EnvRoleARN, fxRole)},
			imds: reachable,
			want: containerChain{source: SourceIMDS, role: fxRole, imds: reachable, because: "AWS_ROLE_ARN is set without AWS_WEB_IDENTITY_TOKEN_FILE, so the SDK skips web identity",
				reason: nodeRole + "AWS_ROLE_ARN is set without AWS_WEB_IDENTITY_TOKEN_FILE, so the SDK skips web identity; " + reach + caveat},
		},
		{
			name: "an empty token file: the node role",
			env:  []snapshot.EnvVar{lit(webhook.EnvRoleARN, fxRole), lit(webhook.EnvTokenFile, "")},
			imds: reachable,
			want: containerChain{source: SourceIMDS, role: fxRole, imds: reachable, because: "AWS_WEB_IDENTITY_TOKEN_FILE is empty, so the SDK skips web identity",
				reason: nodeRole + "AWS_WEB_IDENTITY_TOKEN_FILE is empty, so the SDK skips web identity; " + reach + caveat},
		},
		{
			name: "a later entry of the same name wins",
			env:  with(irsa, lit(webhook.EnvTokenFile, "")),
			imds: reachable,
			want: containerChain{source: SourceIMDS, role: fxRole, imds: reachable, because: "AWS_WEB_IDENTITY_TOKEN_FILE is empty, so the SDK skips web identity",
				reason: nodeRole + "AWS_WEB_IDENTITY_TOKEN_FILE is empty, so the SDK skips web identity; " + reach + caveat},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			imds := func() *imdsVerdict {
				calls++
				if tt.imds == nil {
					t.Fatal("the chain asked for IMDS, which this case does not expect")
				}
				return tt.imds
			}
			got := walkChain(&snapshot.Container{Name: "app", Env: tt.env, VolumeMounts: tt.mounts}, imds)
			tt.want.name = "app"
			if d := cmp.Diff(tt.want, got, cmp.AllowUnexported(containerChain{}, imdsVerdict{})); d != "" {
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
	const where = "instance " + fxInstance + " of node " + fxNodeName
	const role = "; the node role is that of instance profile " + fxProfile
	hostNet := func(p *snapshot.Pod) { p.Spec.HostNetwork = true }
	tests := []struct {
		name  string
		snap  *snapshot.Snapshot
		state int
		why   string
	}{
		{name: "IMDSv1 allowed", snap: fxSnapshot(fxOwnedPod(fxOnNode), fxNode(), fxEC2("optional", 1)), state: imdsReachable,
			why: "IMDS answers pods on " + where + " (HttpTokens optional: IMDSv1 works whatever the hop limit)" + role},
		{name: "IMDSv2 required, hop limit 2", snap: fxSnapshot(fxOwnedPod(fxOnNode), fxNode(), fxEC2("required", 2)), state: imdsReachable,
			why: "IMDS answers pods on " + where + " (IMDSv2 required, with HttpPutResponseHopLimit 2, enough to reach the pod)" + role},
		{name: "IMDSv2 required, hop limit 1", snap: fxSnapshot(fxOwnedPod(fxOnNode), fxNode(), fxEC2("required", 1)), state: imdsBlocked,
			why: "IMDS is blocked: " + where + " requires IMDSv2 (HttpTokens required) with HttpPutResponseHopLimit 1, so the token response never reaches the pod's network namespace"},
		{name: "hop limit 1 does not stop a hostNetwork pod", snap: fxSnapshot(fxOwnedPod(fxOnNode, hostNet), fxNode(), fxEC2("required", 1)), state: imdsReachable,
			why: "IMDS answers the pod, which uses the host network of " + where + " (the hop limit does not apply)" + role},
		{name: "IMDS disabled", snap: fxSnapshot(fxOwnedPod(fxOnNode, hostNet), fxNode(), fxEC2("optional", 2, func(i *snapshot.EC2Instance) { i.Metadata.HTTPEndpoint = "disabled" })),
			state: imdsBlocked, why: "IMDS is disabled on " + where + " (HttpEndpoint disabled)"},
		{name: "instance without metadata options", snap: fxSnapshot(fxOwnedPod(fxOnNode), fxNode(), fxEC2("", 0, func(i *snapshot.EC2Instance) { i.Metadata = snapshot.MetadataOptions{} })),
			why: "the describe-instances output of " + where + " does not give HttpTokens and HttpPutResponseHopLimit"},
		{name: "Fargate", snap: fxSnapshot(fxOwnedPod(fxOnNode), fxNode(func(n *snapshot.Node) {
			n.Labels["eks.amazonaws.com/compute-type"] = "fargate"
			n.Spec.ProviderID = "aws:///us-west-2b/3f2e1d0c9b/" + fxNodeName
		})), state: imdsAbsent, why: "node " + fxNodeName + " is an AWS Fargate node, which has no IMDS"},
		{name: "hybrid node", snap: fxSnapshot(fxOwnedPod(fxOnNode), fxNode(func(n *snapshot.Node) { n.Labels["eks.amazonaws.com/compute-type"] = "hybrid" })),
			state: imdsAbsent, why: "node " + fxNodeName + " is an EKS hybrid node, not an EC2 instance: it has no IMDS"},
		{name: "instance not in the input", snap: fxSnapshot(fxOwnedPod(fxOnNode), fxNode()),
			why: "instance " + fxInstance + " of node " + fxNodeName + " is not in the input (capture: aws ec2 describe-instances --instance-ids " + fxInstance + " --output json)"},
		{name: "DescribeInstances refused", snap: fxSnapshot(fxOwnedPod(fxOnNode), fxNode(), func(s *snapshot.Snapshot) {
			s.Gaps = append(s.Gaps, snapshot.Gap{Source: "aws", Operation: "ec2:DescribeInstances", Resource: "i-0ffffffffffffffff " + fxInstance, Reason: "UnauthorizedOperation"})
		}), why: "ec2:DescribeInstances of instance " + fxInstance + " (node " + fxNodeName + ") was not answered (UnauthorizedOperation)"},
		{name: "node without an instance ID", snap: fxSnapshot(fxOwnedPod(fxOnNode), fxNode(func(n *snapshot.Node) { n.Spec.ProviderID = "" })),
			why: "node " + fxNodeName + ` has no EC2 instance ID in its providerID ""`},
		{name: "node not in the input", snap: fxSnapshot(fxOwnedPod(fxOnNode)),
			why: "node " + fxNodeName + " is not in the input (capture: kubectl get nodes -o json)"},
		{name: "nodes List refused", snap: fxSnapshot(fxOwnedPod(fxOnNode), func(s *snapshot.Snapshot) {
			s.Gaps = append(s.Gaps, snapshot.Gap{Source: "kube", Operation: "list nodes", Reason: "Forbidden"})
		}), why: "node " + fxNodeName + " is not in the input: list nodes was refused (Forbidden)"},
		{name: "pod not scheduled", snap: fxSnapshot(fxOwnedPod()), why: "the pod is not scheduled on a node"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tgt := &Target{Kind: "Pod", Pod: tt.snap.Pods[0], Spec: &tt.snap.Pods[0].Spec}
			got := imdsOf(tt.snap, tgt)
			if got.state != tt.state || got.why != tt.why {
				t.Errorf("imdsOf = (%d, %q)\nwant     (%d, %q)", got.state, got.why, tt.state, tt.why)
			}
		})
	}
	t.Run("a template depends on the node", func(t *testing.T) {
		s := fxSnapshot(fxDeployment())
		got := imdsOf(s, &Target{Kind: "Deployment", Workload: s.Workloads[0], Spec: &s.Workloads[0].Template.Spec})
		if want := "it depends on the node each pod of the deployment runs on"; got.state != imdsUnknown || got.why != want {
			t.Errorf("imdsOf = (%d, %q), want (unknown, %q)", got.state, got.why, want)
		}
	})
}

// TestCredentialsIn: the containers of targets end to end, as the JSON
// document and the text report's "will use:" lines show them.
func TestCredentialsIn(t *testing.T) {
	const caveat = " (unless a shared profile in the image, which the pod spec cannot show, comes first)"
	webID := "IRSA role " + fxRole + ", through the token in " + webhook.TokenPath + " (AWS_WEB_IDENTITY_TOKEN_FILE)"
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
			snap: fxSnapshot(fxDeployment(skipSidecar)),
			key:  "Deployment/payments/api",
			want: []finding.Container{
				{Name: "app", CredentialSource: SourceWebIdentity, Reason: webID},
				{Name: "istio-proxy", CredentialSource: SourceIMDS, Reason: "the node role through IMDS, because it is named in eks.amazonaws.com/skip-containers, so the webhook gave it no credentials; whether IMDS answers is unknown: it depends on the node each pod of the deployment runs on" + caveat},
			},
		},
		{
			name: "a template whose ServiceAccount has a Pod Identity association gets Pod Identity",
			snap: fxSnapshot(fxDeployment(), fxCluster("prod", "111122223333", "eu-west-1"), fxAssociation("prod", "111122223333", "eu-west-1", fxNS, "api")),
			key:  "Deployment/payments/api",
			want: []finding.Container{{Name: "app", CredentialSource: SourceContainer,
				Reason: "EKS Pod Identity: the associated role's credentials from the Pod Identity agent at " + webhook.PodIdentityFullURI +
					"; the ServiceAccount's IRSA role " + fxRole + " is not used: for a ServiceAccount with an association the webhook injects Pod Identity instead (IRSA401)"}},
		},
		{
			name: "a pod the webhook never mutated uses the node role",
			snap: fxSnapshot(fxOwnedPod(fxOnNode), fxNode(), fxEC2("optional", 2)),
			key:  "Pod/payments/" + fxPod,
			want: []finding.Container{{Name: "app", CredentialSource: SourceIMDS,
				Reason: "the node role through IMDS, because no AWS credentials are set in its environment; IMDS answers pods on instance " + fxInstance + " of node " + fxNodeName +
					" (HttpTokens optional: IMDSv1 works whatever the hop limit); the node role is that of instance profile " + fxProfile + caveat}},
		},
		{
			name: "a pod the webhook never mutated, on a node that blocks IMDS, finds no credentials",
			snap: fxSnapshot(fxOwnedPod(fxOnNode), fxNode(), fxEC2("required", 1)),
			key:  "Pod/payments/" + fxPod,
			want: []finding.Container{{Name: "app", CredentialSource: SourceNone,
				Reason: "no credentials: no AWS credentials are set in its environment, and IMDS is blocked: instance " + fxInstance + " of node " + fxNodeName +
					" requires IMDSv2 (HttpTokens required) with HttpPutResponseHopLimit 1, so the token response never reaches the pod's network namespace" + caveat}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := Run(tt.snap, Options{Now: fxNow})
			for _, tg := range out.Targets {
				if tg.Kind+"/"+tg.Namespace+"/"+tg.Name == tt.key {
					if d := cmp.Diff(tt.want, tg.Containers); d != "" {
						t.Errorf("containers (-want +got):\n%s", d)
					}
					return
				}
			}
			t.Fatalf("no target %s in %+v", tt.key, out.Targets)
		})
	}
}
