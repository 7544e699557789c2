package bundle

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// TestReadBundleFolder reads testdata/bundle, a folder of real-format
// kubectl and aws CLI outputs (JSON and YAML, an error text with CRLF line
// ends), and checks every file and the facts the checks depend on.
func TestReadBundleFolder(t *testing.T) {
	s := readPaths(t, "testdata/bundle")
	ref := func(name string) snapshot.Source { return src("testdata/bundle/" + name) }

	t.Run("files", func(t *testing.T) {
		wantFiles := []snapshot.File{
			{Path: "testdata/bundle/aws/caller.json", RecognisedAs: "aws:GetCallerIdentity"},
			{Path: "testdata/bundle/aws/describe-cluster.json", RecognisedAs: "aws:DescribeCluster"},
			{Path: "testdata/bundle/aws/errors.txt", RecognisedAs: "aws:Error"},
			{Path: "testdata/bundle/aws/oidc-provider.json", RecognisedAs: "aws:GetOpenIDConnectProvider"},
			{Path: "testdata/bundle/aws/oidc-providers.json", RecognisedAs: "aws:ListOpenIDConnectProviders"},
			{Path: "testdata/bundle/aws/roles.json", RecognisedAs: "aws:GetRole"},
			{Path: "testdata/bundle/kube/missing-sa.txt", RecognisedAs: "kubectl:Error"},
			{Path: "testdata/bundle/kube/pods.json", RecognisedAs: "kubectl:PodList"},
			{Path: "testdata/bundle/kube/serviceaccounts.json", RecognisedAs: "kubectl:ServiceAccountList"},
			{Path: "testdata/bundle/kube/version.json", RecognisedAs: "kubectl:Version"},
			{Path: "testdata/bundle/kube/webhooks.yaml", RecognisedAs: "kubectl:MutatingWebhookConfigurationList"},
			{Path: "testdata/bundle/kube/workloads.yaml", RecognisedAs: "kubectl:Deployment,kubectl:CronJob"},
		}
		if d := cmp.Diff(wantFiles, s.Files, ignoreLines); d != "" {
			t.Errorf("Files (-want +got):\n%s", d)
		}
	})

	t.Run("proof of absence", func(t *testing.T) {
		wantListings := []snapshot.Listing{
			{Kind: snapshot.KindWebhookConfiguration, AllNamespaces: true, Source: ref("kube/webhooks.yaml")},
			{Kind: snapshot.KindPod, Namespace: "payments", Source: ref("kube/pods.json")},
			{Kind: snapshot.KindServiceAccount, Namespace: "payments", Source: ref("kube/serviceaccounts.json")},
		}
		if d := cmp.Diff(wantListings, s.Listings); d != "" {
			t.Errorf("Listings (-want +got):\n%s", d)
		}
		wantNotFounds := []snapshot.NotFound{
			{Kind: snapshot.KindRole, Name: "ghost", Source: ref("aws/errors.txt"),
				Message: "An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name ghost cannot be found."},
			{Kind: snapshot.KindServiceAccount, Name: "reporter", Source: ref("kube/missing-sa.txt"),
				Message: `Error from server (NotFound): serviceaccounts "reporter" not found`},
		}
		if d := cmp.Diff(wantNotFounds, s.NotFounds); d != "" {
			t.Errorf("NotFounds (-want +got):\n%s", d)
		}
		wantGaps := []snapshot.Gap{{Source: "aws", Operation: "iam:GetRole", Resource: "role secret-role", Reason: "AccessDenied"}}
		if d := cmp.Diff(wantGaps, s.Gaps); d != "" {
			t.Errorf("Gaps (-want +got):\n%s", d)
		}
	})

	t.Run("kubernetes facts", func(t *testing.T) {
		if len(s.Pods) != 2 {
			t.Fatalf("got %d pods, want 2", len(s.Pods))
		}
		api := s.Pods[0]
		wantAPI := &snapshot.Pod{
			ObjectMeta: snapshot.ObjectMeta{
				Name: "api-7d9f8b6c5-x2k4p", Namespace: "payments", UID: "5e0f1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b",
				Labels:            map[string]string{"app": "api", "pod-template-hash": "7d9f8b6c5"},
				Annotations:       map[string]string{"kubectl.kubernetes.io/restartedAt": "2024-05-01T10:00:00Z"},
				OwnerReferences:   []snapshot.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "api-7d9f8b6c5", UID: "0b8c1f2e-4a3d-4b1e-9c7a-2f6d8e9a1b3c", Controller: ptr(true)}},
				CreationTimestamp: "2024-05-02T08:15:31Z",
			},
			Spec: snapshot.PodSpec{
				ServiceAccountName: "s3-reader", DeprecatedServiceAccount: "s3-reader",
				NodeName:        "ip-10-0-1-23.us-west-2.compute.internal",
				SecurityContext: &snapshot.PodSecurityContext{FSGroup: ptr[int64](65534)},
				Containers: []snapshot.Container{{
					Name: "app", Image: "public.ecr.aws/example/api:1.4.2",
					Env: []snapshot.EnvVar{
						{Name: "AWS_STS_REGIONAL_ENDPOINTS", Value: "regional"},
						{Name: "AWS_ROLE_ARN", Value: "arn:aws:iam::111122223333:role/s3-reader"},
						{Name: "AWS_WEB_IDENTITY_TOKEN_FILE", Value: "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"},
					},
					VolumeMounts: []snapshot.VolumeMount{
						{Name: "kube-api-access-7xq2m", MountPath: "/var/run/secrets/kubernetes.io/serviceaccount", ReadOnly: true},
						{Name: "aws-iam-token", MountPath: "/var/run/secrets/eks.amazonaws.com/serviceaccount", ReadOnly: true},
					},
				}},
				Volumes: []snapshot.Volume{
					{Name: "aws-iam-token", Projected: &snapshot.ProjectedVolume{DefaultMode: ptr[int32](420), Sources: []snapshot.VolumeProjection{
						{ServiceAccountToken: &snapshot.ServiceAccountTokenProjection{Audience: "sts.amazonaws.com", ExpirationSeconds: ptr[int64](86400), Path: "token"}},
					}}},
					{Name: "kube-api-access-7xq2m", Projected: &snapshot.ProjectedVolume{DefaultMode: ptr[int32](420), Sources: []snapshot.VolumeProjection{
						{ServiceAccountToken: &snapshot.ServiceAccountTokenProjection{ExpirationSeconds: ptr[int64](3607), Path: "token"}},
						{}, // the configMap source: not read
					}}},
				},
			},
			Status: snapshot.PodStatus{Phase: "Running", StartTime: "2024-05-02T08:15:31Z",
				Conditions: []snapshot.PodCondition{{Type: "Ready", Status: "True", LastTransitionTime: "2024-05-02T08:15:31Z"}}},
			Source: ref("kube/pods.json"),
		}
		if d := cmp.Diff(wantAPI, api, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("pod (-want +got):\n%s", d)
		}
		if got := s.Pods[1]; got.Name != "batch-1" || !got.Finished() {
			t.Errorf("second pod = %s, finished %t; want batch-1, finished", got.Name, got.Finished())
		}
		var kinds []string
		for _, w := range s.Workloads {
			kinds = append(kinds, w.Kind+"/"+w.Name+"/"+w.Template.Spec.ServiceAccountName)
		}
		if d := cmp.Diff([]string{"CronJob/report/reporter", "Deployment/api/s3-reader"}, kinds); d != "" {
			t.Errorf("workloads (-want +got):\n%s", d)
		}
		if len(s.Webhooks) != 1 || s.Webhooks[0].Webhooks[0].Name != "iam-for-pods.amazonaws.com" || s.Webhooks[0].Webhooks[0].ClientConfig.URL == nil {
			t.Errorf("webhooks = %+v, want pod-identity-webhook with iam-for-pods.amazonaws.com and a url", s.Webhooks)
		}
		if s.ServerVersion == nil || s.ServerVersion.GitVersion != "v1.29.4-eks-036c24b" {
			t.Errorf("server version = %+v", s.ServerVersion)
		}
	})

	t.Run("aws facts", func(t *testing.T) {
		const issuerHost = "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
		wantClusters := []*snapshot.Cluster{{Name: "prod", ARN: "arn:aws:eks:us-west-2:111122223333:cluster/prod", Region: "us-west-2",
			Account: "111122223333", Version: "1.29", Issuer: "https://" + issuerHost,
			Endpoint: "https://EXAMPLED539D4633E53DE1B71EXAMPLE.gr7.us-west-2.eks.amazonaws.com", PlatformVersion: "eks.7",
			EndpointPublicAccess: ptr(true), EndpointPrivateAccess: ptr(true), Source: ref("aws/describe-cluster.json")}}
		if d := cmp.Diff(wantClusters, s.Clusters); d != "" {
			t.Errorf("Clusters (-want +got):\n%s", d)
		}
		wantCaller := &snapshot.CallerIdentity{Account: "111122223333", ARN: "arn:aws:sts::111122223333:assumed-role/Admin/alice", UserID: "AROAEXAMPLEID:alice", Source: ref("aws/caller.json")}
		if d := cmp.Diff(wantCaller, s.Caller); d != "" {
			t.Errorf("Caller (-want +got):\n%s", d)
		}
		wantRoles := map[string]*snapshot.Role{
			"arn:aws:iam::111122223333:role/s3-reader": {ARN: "arn:aws:iam::111122223333:role/s3-reader", Name: "s3-reader", Path: "/",
				Account: "111122223333", RoleID: "AROAEXAMPLES3READER01", MaxSessionDuration: 3600, Source: ref("aws/roles.json"),
				TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/` + issuerHost +
					`"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"` + issuerHost + `:sub":"system:serviceaccount:payments:s3-reader","` +
					issuerHost + `:aud":"sts.amazonaws.com"}}}]}`},
			"arn:aws:iam::111122223333:role/service/reporter": {ARN: "arn:aws:iam::111122223333:role/service/reporter", Name: "reporter", Path: "/service/",
				Account: "111122223333", RoleID: "AROAEXAMPLEREPORTER01", MaxSessionDuration: 3600, Source: ref("aws/roles.json"),
				TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`},
		}
		if d := cmp.Diff(wantRoles, s.Roles); d != "" {
			t.Errorf("Roles (-want +got):\n%s", d)
		}
		wantProviders := []*snapshot.OIDCProvider{
			{ARN: "arn:aws:iam::111122223333:oidc-provider/" + issuerHost, Account: "111122223333", URL: issuerHost,
				ClientIDs: []string{"sts.amazonaws.com"}, Thumbprints: []string{"9e99a48a9960b14926bb7f3b02e22da2b0ab7280"}, Detailed: true, Source: ref("aws/oidc-provider.json")},
			{ARN: "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com", Account: "111122223333",
				URL: "token.actions.githubusercontent.com", Source: ref("aws/oidc-providers.json")},
		}
		if d := cmp.Diff(wantProviders, s.OIDCProviders, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("OIDCProviders (-want +got):\n%s", d)
		}
		wantLists := []snapshot.ProviderList{{Account: "111122223333", Source: ref("aws/oidc-providers.json"), ARNs: []string{
			"arn:aws:iam::111122223333:oidc-provider/" + issuerHost, "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"}}}
		if d := cmp.Diff(wantLists, s.ProviderLists); d != "" {
			t.Errorf("ProviderLists (-want +got):\n%s", d)
		}
	})
}

func TestLineCount(t *testing.T) {
	for in, want := range map[string]int{"": 0, "{}": 1, "{}\n": 1, "a\nb": 2, "a\nb\n": 2, "\n\n": 2} {
		if got := lineCount([]byte(in)); got != want {
			t.Errorf("lineCount(%q) = %d, want %d", in, got, want)
		}
	}
	// A file read from disk carries its count; standard input has none
	// (no file a report could point at).
	s := readPaths(t, "testdata/bundle/kube/version.json")
	data, err := os.ReadFile("testdata/bundle/kube/version.json")
	if err != nil {
		t.Fatal(err)
	}
	if want := lineCount(data); len(s.Files) != 1 || s.Files[0].Lines != want || want == 0 {
		t.Errorf("Files = %+v, want one with Lines %d", s.Files, want)
	}
}
