package kubeconfig

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/client-go/tools/clientcmd"
)

// updateKubeconfig is what `aws eks update-kubeconfig --name prod --region
// us-west-2 --profile prod-admin` (AWS CLI v2) writes.
const updateKubeconfig = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==
    server: https://A95FF6C8E2E2A9D5C0B6D3B8E4F6A7B1.gr7.us-west-2.eks.amazonaws.com
  name: arn:aws:eks:us-west-2:111122223333:cluster/prod
contexts:
- context:
    cluster: arn:aws:eks:us-west-2:111122223333:cluster/prod
    user: arn:aws:eks:us-west-2:111122223333:cluster/prod
  name: arn:aws:eks:us-west-2:111122223333:cluster/prod
current-context: arn:aws:eks:us-west-2:111122223333:cluster/prod
kind: Config
preferences: {}
users:
- name: arn:aws:eks:us-west-2:111122223333:cluster/prod
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args:
      - --region
      - us-west-2
      - eks
      - get-token
      - --cluster-name
      - prod
      - --output
      - json
      command: aws
      env:
      - name: AWS_PROFILE
        value: prod-admin
`

// updateKubeconfigAlias is `aws eks update-kubeconfig --name payments-eu
// --region eu-central-1 --alias payments` followed by `kubectl config
// set-context --current --namespace payments`: the context is renamed, the
// cluster and user keep the ARN.
const updateKubeconfigAlias = `apiVersion: v1
clusters:
- cluster:
    server: https://0F1E2D3C4B5A69788796A5B4C3D2E1F0.yl4.eu-central-1.eks.amazonaws.com
  name: arn:aws:eks:eu-central-1:444455556666:cluster/payments-eu
contexts:
- context:
    cluster: arn:aws:eks:eu-central-1:444455556666:cluster/payments-eu
    namespace: payments
    user: arn:aws:eks:eu-central-1:444455556666:cluster/payments-eu
  name: payments
current-context: payments
kind: Config
users:
- name: arn:aws:eks:eu-central-1:444455556666:cluster/payments-eu
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args: [--region, eu-central-1, eks, get-token, --cluster-name, payments-eu, --output, json]
      command: aws
`

// eksctlGetToken is what `eksctl create cluster --name prod --region
// eu-west-1` writes with the AWS CLI installed.
const eksctlGetToken = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==
    server: https://5E8D2C6B1A9F4E3D7C2B1A0F9E8D7C6B.sk1.eu-west-1.eks.amazonaws.com
  name: prod.eu-west-1.eksctl.io
contexts:
- context:
    cluster: prod.eu-west-1.eksctl.io
    user: alice@prod.eu-west-1.eksctl.io
  name: alice@prod.eu-west-1.eksctl.io
current-context: alice@prod.eu-west-1.eksctl.io
kind: Config
preferences: {}
users:
- name: alice@prod.eu-west-1.eksctl.io
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args:
      - eks
      - get-token
      - --output
      - json
      - --cluster-name
      - prod
      - --region
      - eu-west-1
      command: aws
      env:
      - name: AWS_STS_REGIONAL_ENDPOINTS
        value: regional
      provideClusterInfo: false
`

// eksctlAuthenticator is eksctl's kubeconfig with aws-iam-authenticator
// (pkg/utils/kubeconfig AppendAuthenticator): `token -i NAME`, the region
// in AWS_DEFAULT_REGION; here on a private endpoint reached through a
// proxy, so the host says nothing.
const eksctlAuthenticator = `apiVersion: v1
clusters:
- cluster:
    server: https://k8s-proxy.internal.example.com
  name: staging.ap-southeast-2.eksctl.io
contexts:
- context:
    cluster: staging.ap-southeast-2.eksctl.io
    user: ci@staging.ap-southeast-2.eksctl.io
  name: ci@staging.ap-southeast-2.eksctl.io
current-context: ci@staging.ap-southeast-2.eksctl.io
kind: Config
users:
- name: ci@staging.ap-southeast-2.eksctl.io
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args: [token, -i, staging, -r, "arn:aws:iam::111122223333:role/ci-deployer"]
      command: /usr/local/bin/aws-iam-authenticator
      env:
      - name: AWS_STS_REGIONAL_ENDPOINTS
        value: regional
      - name: AWS_DEFAULT_REGION
        value: ap-southeast-2
`

// several holds contexts of other shapes, picked by name.
const several = `apiVersion: v1
clusters:
- cluster:
    server: https://10.20.0.15
  name: outpost
- cluster:
    server: https://9A8B7C6D5E4F3A2B1C0D9E8F7A6B5C4D.gr7.us-east-1.eks.amazonaws.com
  name: wrapped
- cluster:
    server: https://9A8B7C6D5E4F3A2B1C0D9E8F7A6B5C4D.gr7.us-east-2.eks.amazonaws.com
  name: arn:aws:eks:us-east-2:777788889999:cluster/tokens-only
- cluster:
    server: https://B1C2D3E4F5A6B7C8D9E0F1A2B3C4D5E6.yl4.cn-north-1.eks.amazonaws.com.cn
  name: china
- cluster:
    server: https://127.0.0.1:6443
  name: kind-kind
- cluster:
    server: https://9A8B7C6D5E4F3A2B1C0D9E8F7A6B5C4D.gr7.us-east-2.eks.amazonaws.com
  name: renamed
contexts:
- context: {cluster: outpost, user: outpost}
  name: outpost
- context: {cluster: wrapped, user: wrapped, namespace: jobs}
  name: wrapped
- context: {cluster: "arn:aws:eks:us-east-2:777788889999:cluster/tokens-only", user: token}
  name: arn:aws:eks:us-east-2:777788889999:cluster/tokens-only
- context: {cluster: china, user: china}
  name: arn:aws-cn:eks:cn-north-1:111122223333:cluster/beijing
- context: {cluster: kind-kind, user: kind-kind}
  name: kind-kind
- context: {cluster: renamed, user: renamed}
  name: arn:aws:eks:us-east-2:777788889999:cluster/old-name
- context: {cluster: missing, user: token}
  name: dangling
current-context: kind-kind
kind: Config
users:
- name: outpost
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [--region, us-west-2, eks, get-token, --cluster-id, 8d0f4b4c-3e5a-4f9e-9c7b-2a1d6e8f0b3c, --output, json]
- name: wrapped
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws-vault
      args: [exec, jobs-admin, --, aws.exe, eks, get-token, --cluster-name=batch, --profile=jobs-admin]
      env:
      - {name: AWS_DEFAULT_REGION, value: us-west-1}
      - {name: AWS_REGION, value: us-east-1}
- name: token
  user:
    token: not-a-real-token
- name: china
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [eks, get-token, --cluster-name, beijing]
- name: kind-kind
  user:
    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==
- name: renamed
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [eks, get-token, --cluster-name, new-name]
`

func TestIdentify(t *testing.T) {
	tests := []struct {
		name       string
		kubeconfig string
		context    string
		want       Cluster
	}{{
		name: "aws eks update-kubeconfig", kubeconfig: updateKubeconfig,
		want: Cluster{Context: "arn:aws:eks:us-west-2:111122223333:cluster/prod", Name: "prod", Region: "us-west-2", Account: "111122223333",
			Endpoint: "https://A95FF6C8E2E2A9D5C0B6D3B8E4F6A7B1.gr7.us-west-2.eks.amazonaws.com", Namespace: "default", Profile: "prod-admin", From: FromExec},
	}, {
		name: "update-kubeconfig with an alias and a namespace", kubeconfig: updateKubeconfigAlias,
		want: Cluster{Context: "payments", Name: "payments-eu", Region: "eu-central-1", Account: "444455556666",
			Endpoint: "https://0F1E2D3C4B5A69788796A5B4C3D2E1F0.yl4.eu-central-1.eks.amazonaws.com", Namespace: "payments", From: FromExec},
	}, {
		name: "eksctl with aws eks get-token", kubeconfig: eksctlGetToken,
		want: Cluster{Context: "alice@prod.eu-west-1.eksctl.io", Name: "prod", Region: "eu-west-1",
			Endpoint: "https://5E8D2C6B1A9F4E3D7C2B1A0F9E8D7C6B.sk1.eu-west-1.eks.amazonaws.com", Namespace: "default", From: FromExec},
	}, {
		name: "eksctl with aws-iam-authenticator", kubeconfig: eksctlAuthenticator,
		want: Cluster{Context: "ci@staging.ap-southeast-2.eksctl.io", Name: "staging", Region: "ap-southeast-2",
			Endpoint: "https://k8s-proxy.internal.example.com", Namespace: "default", From: FromExec},
	}, {
		name: "local cluster on Outposts", kubeconfig: several, context: "outpost",
		want: Cluster{Context: "outpost", ID: "8d0f4b4c-3e5a-4f9e-9c7b-2a1d6e8f0b3c", Region: "us-west-2",
			Endpoint: "https://10.20.0.15", Namespace: "default", From: FromExec},
	}, {
		// --flag=value, a wrapper command, aws.exe; the endpoint's
		// region wins over the env's.
		name: "aws-vault wrapper", kubeconfig: several, context: "wrapped",
		want: Cluster{Context: "wrapped", Name: "batch", Region: "us-east-1",
			Endpoint: "https://9A8B7C6D5E4F3A2B1C0D9E8F7A6B5C4D.gr7.us-east-1.eks.amazonaws.com", Namespace: "jobs", Profile: "jobs-admin", From: FromExec},
	}, {
		name: "ARN context with a static token", kubeconfig: several, context: "arn:aws:eks:us-east-2:777788889999:cluster/tokens-only",
		want: Cluster{Context: "arn:aws:eks:us-east-2:777788889999:cluster/tokens-only", Name: "tokens-only", Region: "us-east-2", Account: "777788889999",
			Endpoint: "https://9A8B7C6D5E4F3A2B1C0D9E8F7A6B5C4D.gr7.us-east-2.eks.amazonaws.com", Namespace: "default", From: FromARN},
	}, {
		name: "China partition", kubeconfig: several, context: "arn:aws-cn:eks:cn-north-1:111122223333:cluster/beijing",
		want: Cluster{Context: "arn:aws-cn:eks:cn-north-1:111122223333:cluster/beijing", Name: "beijing", Region: "cn-north-1", Account: "111122223333",
			Endpoint: "https://B1C2D3E4F5A6B7C8D9E0F1A2B3C4D5E6.yl4.cn-north-1.eks.amazonaws.com.cn", Namespace: "default", From: FromExec},
	}, {
		// The context still carries the ARN of a cluster the exec
		// plugin no longer names: the ARN lends neither its account
		// nor its region.
		name: "ARN of another cluster", kubeconfig: several, context: "arn:aws:eks:us-east-2:777788889999:cluster/old-name",
		want: Cluster{Context: "arn:aws:eks:us-east-2:777788889999:cluster/old-name", Name: "new-name", Region: "us-east-2",
			Endpoint: "https://9A8B7C6D5E4F3A2B1C0D9E8F7A6B5C4D.gr7.us-east-2.eks.amazonaws.com", Namespace: "default", From: FromExec},
	}, {
		// Not EKS, or nothing says which cluster: only the endpoint,
		// for the AWS collector to match against DescribeCluster.
		name: "current context without EKS hints", kubeconfig: several,
		want: Cluster{Context: "kind-kind", Endpoint: "https://127.0.0.1:6443", Namespace: "default"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := clientcmd.Load([]byte(tt.kubeconfig))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Identify(cfg, tt.context)
			if err != nil {
				t.Fatalf("Identify: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestIdentifyErrors(t *testing.T) {
	tests := []struct {
		name       string
		kubeconfig string
		context    string
		want       string
	}{
		{name: "unknown context", kubeconfig: eksctlGetToken, context: "prod",
			want: `context "prod" is not in the kubeconfig (contexts: alice@prod.eu-west-1.eksctl.io)`},
		{name: "no current context", kubeconfig: "apiVersion: v1\nkind: Config\n",
			want: "the kubeconfig has no current context: pass --context (contexts: none)"},
		{name: "context without its cluster", kubeconfig: several, context: "dangling",
			want: `context "dangling" names the cluster "missing", which is not in the kubeconfig`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := clientcmd.Load([]byte(tt.kubeconfig))
			if err != nil {
				t.Fatal(err)
			}
			_, err = Identify(cfg, tt.context)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("error:\n got %v\nwant %s", err, tt.want)
			}
		})
	}
	if _, err := Identify(nil, ""); err == nil || err.Error() != "no kubeconfig" {
		t.Errorf("nil config: %v", err)
	}
}
