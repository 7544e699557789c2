package check

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// Fixtures of the IAM-side tests: cluster prod in us-west-2, account
// 111122223333; ServiceAccount payments/s3-reader names role s3-reader;
// pod payments/api-7d9f8b6c5-x2k4p runs as it, mutated.
const (
	iamIssuer   = "https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
	iamHP       = "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
	iamAcct     = "111122223333"
	iamRoleARN  = "arn:aws:iam::111122223333:role/s3-reader"
	iamProvider = "arn:aws:iam::111122223333:oidc-provider/" + iamHP
	iamSub      = "system:serviceaccount:payments:s3-reader"
	iamPod      = "api-7d9f8b6c5-x2k4p"
)

var (
	iamNow         = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	iamClusterSrc  = snapshot.Source{Kind: "bundle", Ref: "describe-cluster.json"}
	iamSASrc       = snapshot.Source{Kind: "bundle", Ref: "serviceaccounts.json"}
	iamPodSrc      = snapshot.Source{Kind: "bundle", Ref: "pods.json"}
	iamRoleSrc     = snapshot.Source{Kind: "bundle", Ref: "get-role.json"}
	iamListSrc     = snapshot.Source{Kind: "bundle", Ref: "oidc-providers.json"}
	iamProviderSrc = snapshot.Source{Kind: "bundle", Ref: "oidc-provider.json"}
	iamDeploySrc   = snapshot.Source{Kind: "bundle", Ref: "deployments.json"}
)

// iamTrust is the trust policy EKS documents, for one subject and audience.
func iamTrust(sub, aud string) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":%q},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{%q:%q,%q:%q}}}]}`,
		iamProvider, iamHP+":sub", sub, iamHP+":aud", aud)
}

// iamSnapshot is a healthy bundle; mods break it.
func iamSnapshot(mods ...func(*snapshot.Snapshot)) *snapshot.Snapshot {
	s := snapshot.New("offline")
	s.Clusters = []*snapshot.Cluster{{Name: "prod", ARN: "arn:aws:eks:us-west-2:111122223333:cluster/prod", Region: "us-west-2",
		Account: iamAcct, Version: "1.30", Issuer: iamIssuer, Source: iamClusterSrc}}
	s.ServiceAccounts["payments/s3-reader"] = &snapshot.ServiceAccount{ObjectMeta: snapshot.ObjectMeta{Namespace: "payments", Name: "s3-reader",
		Annotations: map[string]string{webhook.AnnotationRoleARN: iamRoleARN}}, Source: iamSASrc}
	s.Listings = append(s.Listings, snapshot.Listing{Kind: snapshot.KindServiceAccount, Namespace: "payments", Source: iamSASrc})
	s.Pods = []*snapshot.Pod{iamMutatedPod("payments", iamPod, "s3-reader", "sts.amazonaws.com")}
	s.Roles[iamRoleARN] = &snapshot.Role{ARN: iamRoleARN, Name: "s3-reader", Path: "/", Account: iamAcct,
		TrustPolicy: iamTrust(iamSub, "sts.amazonaws.com"), Source: iamRoleSrc}
	s.ProviderLists = []snapshot.ProviderList{{Account: iamAcct, ARNs: []string{iamProvider,
		"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"}, Source: iamListSrc}}
	s.OIDCProviders = []*snapshot.OIDCProvider{{ARN: iamProvider, Account: iamAcct, URL: iamHP, ClientIDs: []string{"sts.amazonaws.com"},
		Thumbprints: []string{"9e99a48a9960b14926bb7f3b02e22da2b0ab7280"}, Detailed: true, Source: iamProviderSrc}}
	for _, m := range mods {
		m(s)
	}
	s.Sort()
	return s
}

// iamMutatedPod is a running pod as the webhook mutated it.
func iamMutatedPod(ns, name, sa, aud string) *snapshot.Pod {
	exp := int64(86400)
	mode := int32(420)
	return &snapshot.Pod{ObjectMeta: snapshot.ObjectMeta{Namespace: ns, Name: name}, Source: iamPodSrc,
		Status: snapshot.PodStatus{Phase: "Running"},
		Spec: snapshot.PodSpec{ServiceAccountName: sa,
			Volumes: []snapshot.Volume{{Name: webhook.VolumeName, Projected: &snapshot.ProjectedVolume{DefaultMode: &mode,
				Sources: []snapshot.VolumeProjection{{ServiceAccountToken: &snapshot.ServiceAccountTokenProjection{Audience: aud, ExpirationSeconds: &exp, Path: "token"}}}}}},
			Containers: []snapshot.Container{{Name: "app",
				Env:          []snapshot.EnvVar{{Name: webhook.EnvRoleARN, Value: iamRoleARN}, {Name: webhook.EnvTokenFile, Value: webhook.TokenPath}},
				VolumeMounts: []snapshot.VolumeMount{{Name: webhook.VolumeName, MountPath: webhook.MountPath, ReadOnly: true}}}}}}
}

// iamDeployment is Deployment payments/api with the pod spec as its
// template.
func iamDeployment(spec snapshot.PodSpec) *snapshot.Workload {
	return &snapshot.Workload{Kind: "Deployment", APIVersion: "apps/v1", ObjectMeta: snapshot.ObjectMeta{Namespace: "payments", Name: "api"},
		Template: snapshot.PodTemplate{ObjectMeta: snapshot.ObjectMeta{Labels: map[string]string{"app": "api"}}, Spec: spec}, Source: iamDeploySrc}
}

// iamOwnedPod makes the pod one of Deployment api's (through its
// ReplicaSet, which the input does not hold).
func iamOwnedPod(p *snapshot.Pod) *snapshot.Pod {
	ctrl := true
	p.Labels = map[string]string{"app": "api", "pod-template-hash": "7d9f8b6c5"}
	p.OwnerReferences = []snapshot.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "api-7d9f8b6c5", Controller: &ctrl}}
	return p
}

// iamSetTrust replaces the role's trust policy.
func iamSetTrust(doc string) func(*snapshot.Snapshot) {
	return func(s *snapshot.Snapshot) { s.Roles[iamRoleARN].TrustPolicy = doc }
}

// iamRender runs checks and renders every finding as want.txt does, with
// fix files by name.
func iamRender(t *testing.T, s *snapshot.Snapshot, checks ...*Check) []string {
	t.Helper()
	out := Run(s, Options{Checks: checks, Now: iamNow})
	var blocks []string
	for _, f := range out.Findings {
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s %s: %s", f.CheckID, f.Status, f.Subject, f.Message)
		for _, c := range checks {
			if c.ID == f.CheckID && f.Status == finding.StatusFail && c.Severity != f.Severity {
				fmt.Fprintf(&b, "\n  severity: %s", f.Severity)
			}
		}
		for _, e := range f.Evidence {
			// The engine's merge notes (affected targets) are its own
			// tests' concern.
			if strings.HasPrefix(e.Value, "affects ") || strings.HasSuffix(e.Value, " has the same finding") {
				continue
			}
			fmt.Fprintf(&b, "\n  evidence: %s %s: %s", e.Source, e.Ref, e.Value)
		}
		if f.Fix != nil {
			for _, c := range f.Fix.Commands {
				fmt.Fprintf(&b, "\n  fix: %s", c)
			}
			for _, fl := range f.Fix.Files {
				fmt.Fprintf(&b, "\n  fix-file: %s", fl.Name)
			}
		}
		blocks = append(blocks, b.String())
	}
	sort.Strings(blocks)
	return blocks
}

// iamFinding runs one check and returns its only finding.
func iamFinding(t *testing.T, s *snapshot.Snapshot, c *Check) finding.Finding {
	t.Helper()
	out := Run(s, Options{Checks: []*Check{c}, Now: iamNow})
	if len(out.Findings) != 1 {
		t.Fatalf("want 1 finding, got %d: %+v", len(out.Findings), out.Findings)
	}
	return out.Findings[0]
}

func TestTargetRole(t *testing.T) {
	tests := []struct {
		name        string
		annotations map[string]string
		wantPresent bool
		wantARN     string
		wantErr     string
	}{
		{name: "valid", annotations: map[string]string{webhook.AnnotationRoleARN: iamRoleARN}, wantPresent: true, wantARN: iamRoleARN},
		{name: "surrounding whitespace is trimmed", annotations: map[string]string{webhook.AnnotationRoleARN: " " + iamRoleARN + "\n"}, wantPresent: true, wantARN: iamRoleARN},
		{name: "no annotation", annotations: map[string]string{"other": "x"}},
		{name: "empty", annotations: map[string]string{webhook.AnnotationRoleARN: " "}, wantPresent: true, wantErr: "the eks.amazonaws.com/role-arn annotation is empty"},
		{name: "bare name", annotations: map[string]string{webhook.AnnotationRoleARN: "s3-reader"}, wantPresent: true,
			wantErr: "the eks.amazonaws.com/role-arn annotation: \"s3-reader\" is not a valid IAM role ARN: it is a bare role name, not an ARN: the annotation needs the role's full ARN, arn:PARTITION:iam::ACCOUNT:role/NAME"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := &model.Target{Namespace: "payments", SAName: "s3-reader", SA: &snapshot.ServiceAccount{
				ObjectMeta: snapshot.ObjectMeta{Namespace: "payments", Name: "s3-reader", Annotations: tt.annotations}, Source: iamSASrc}}
			ref, present, err := model.TargetRole(tg)
			if present != tt.wantPresent {
				t.Fatalf("present = %v, want %v", present, tt.wantPresent)
			}
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if gotErr != tt.wantErr {
				t.Errorf("err = %q, want %q", gotErr, tt.wantErr)
			}
			if ref.ARN.ARN != tt.wantARN {
				t.Errorf("ARN = %q, want %q", ref.ARN.ARN, tt.wantARN)
			}
		})
	}
}

func TestFindRole(t *testing.T) {
	role := func(arnS, name, path string) *snapshot.Role {
		return &snapshot.Role{ARN: arnS, Name: name, Path: path, Account: iamAcct, Source: iamRoleSrc}
	}
	tests := []struct {
		name      string
		roles     []*snapshot.Role
		annotated string
		wantRole  string
		wantNote  string
		wantCase  string
	}{
		{name: "by ARN", roles: []*snapshot.Role{role(iamRoleARN, "s3-reader", "/")}, annotated: iamRoleARN, wantRole: iamRoleARN},
		{name: "by name under another path", roles: []*snapshot.Role{role("arn:aws:iam::111122223333:role/service/s3-reader", "s3-reader", "/service/")},
			annotated: iamRoleARN, wantRole: "arn:aws:iam::111122223333:role/service/s3-reader",
			wantNote: "the annotation names the role with path /, IAM holds it with path /service/ (arn:aws:iam::111122223333:role/service/s3-reader)"},
		{name: "letter case differs", roles: []*snapshot.Role{role("arn:aws:iam::111122223333:role/S3-Reader", "S3-Reader", "/")},
			annotated: iamRoleARN, wantCase: "arn:aws:iam::111122223333:role/S3-Reader"},
		{name: "other account", roles: []*snapshot.Role{{ARN: "arn:aws:iam::444455556666:role/s3-reader", Name: "s3-reader", Path: "/", Account: "444455556666"}},
			annotated: iamRoleARN},
		{name: "other partition", roles: []*snapshot.Role{role("arn:aws-cn:iam::111122223333:role/s3-reader", "s3-reader", "/")},
			annotated: iamRoleARN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := snapshot.New("offline")
			for _, r := range tt.roles {
				s.Roles[r.ARN] = r
			}
			ref, err := arn.ParseRole(tt.annotated)
			if err != nil {
				t.Fatal(err)
			}
			lk := model.FindRole(s, ref)
			got := [3]string{}
			if lk.Role != nil {
				got[0] = lk.Role.ARN
			}
			got[1] = lk.PathNote
			if lk.CaseMiss != nil {
				got[2] = lk.CaseMiss.ARN
			}
			if diff := cmp.Diff([3]string{tt.wantRole, tt.wantNote, tt.wantCase}, got); diff != "" {
				t.Errorf("lookup (-want +got):\n%s", diff)
			}
		})
	}
}

func TestClusterIssuer(t *testing.T) {
	urlSrc := snapshot.Source{Kind: "bundle", Ref: "issuer.txt"}
	tests := []struct {
		name        string
		mod         func(*snapshot.Snapshot)
		wantURL     string
		wantHP      string
		wantRegion  string
		wantPart    string
		wantWhy     string
		wantMissing bool
	}{
		{name: "describe-cluster", wantURL: iamIssuer, wantHP: iamHP, wantRegion: "us-west-2", wantPart: "aws"},
		{name: "describe-cluster without issuer", mod: func(s *snapshot.Snapshot) { s.Clusters[0].Issuer = "" },
			wantRegion: "us-west-2", wantPart: "aws", wantMissing: true,
			wantWhy: "cluster prod has no OIDC issuer (describe-cluster shows no identity.oidc.issuer)"},
		{name: "issuer that is not https", mod: func(s *snapshot.Snapshot) { s.Clusters[0].Issuer = "http://oidc.example.com" },
			wantRegion: "us-west-2", wantPart: "aws", wantMissing: true,
			wantWhy: `cluster prod: issuer URL "http://oidc.example.com" uses http; IAM OIDC providers need an https URL`},
		{name: "bare issuer URL in China", mod: func(s *snapshot.Snapshot) {
			s.Clusters = nil
			s.IssuerURLs = []snapshot.IssuerURL{{URL: "https://oidc.eks.cn-north-1.amazonaws.com.cn/id/B1C4F9A2E7D3", Source: urlSrc}}
		}, wantURL: "https://oidc.eks.cn-north-1.amazonaws.com.cn/id/B1C4F9A2E7D3", wantHP: "oidc.eks.cn-north-1.amazonaws.com.cn/id/B1C4F9A2E7D3",
			wantRegion: "cn-north-1", wantPart: "aws-cn"},
		{name: "two bare issuer URLs", mod: func(s *snapshot.Snapshot) {
			s.Clusters = nil
			s.IssuerURLs = []snapshot.IssuerURL{{URL: iamIssuer, Source: urlSrc}, {URL: "https://oidc.eks.us-east-1.amazonaws.com/id/AAAA", Source: urlSrc}}
		}, wantWhy: "the input holds several issuer URLs (https://oidc.eks.us-east-1.amazonaws.com/id/AAAA, " + iamIssuer + ") and no describe-cluster output to choose one (capture: aws eks describe-cluster --name CLUSTER --output json)"},
		{name: "nothing", mod: func(s *snapshot.Snapshot) { s.Clusters = nil },
			wantWhy: "the input has no EKS cluster and no issuer URL (capture: aws eks describe-cluster --name CLUSTER --output json)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mods []func(*snapshot.Snapshot)
			if tt.mod != nil {
				mods = append(mods, tt.mod)
			}
			fact, why, missing := model.ClusterIssuer(iamSnapshot(mods...))
			got := []string{fact.URL, fact.HostPath, fact.Region, fact.Partition(), why, fmt.Sprint(missing)}
			want := []string{tt.wantURL, tt.wantHP, tt.wantRegion, tt.wantPart, tt.wantWhy, fmt.Sprint(tt.wantMissing)}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("issuer (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTokenAudience(t *testing.T) {
	sa := func(ann map[string]string) *snapshot.ServiceAccount {
		return &snapshot.ServiceAccount{ObjectMeta: snapshot.ObjectMeta{Namespace: "payments", Name: "s3-reader", Annotations: ann}, Source: iamSASrc}
	}
	pod := iamMutatedPod("payments", iamPod, "s3-reader", "sts.amazonaws.com")
	noAud := iamMutatedPod("payments", iamPod, "s3-reader", "")
	bare := iamMutatedPod("payments", iamPod, "s3-reader", "x")
	bare.Spec.Volumes = nil
	podTarget := func(p *snapshot.Pod, a *snapshot.ServiceAccount) *model.Target {
		return &model.Target{Kind: "Pod", Namespace: "payments", Name: p.Name, Pod: p, Meta: &p.ObjectMeta, Spec: &p.Spec, SAName: "s3-reader", SA: a, Source: iamPodSrc}
	}
	templateTarget := func(p *snapshot.Pod, a *snapshot.ServiceAccount) *model.Target {
		w := &snapshot.Workload{Kind: "Deployment", ObjectMeta: snapshot.ObjectMeta{Namespace: "payments", Name: "api"},
			Template: snapshot.PodTemplate{Spec: p.Spec}, Source: iamDeploySrc}
		return &model.Target{Kind: "Deployment", Namespace: "payments", Name: "api", Workload: w, Meta: &w.Template.ObjectMeta, Spec: &w.Template.Spec,
			SAName: "s3-reader", SA: a, Source: iamDeploySrc}
	}
	tests := []struct {
		name   string
		target *model.Target
		want   model.AudienceFact
	}{
		{name: "pod volume", target: podTarget(pod, sa(nil)),
			want: model.AudienceFact{Value: "sts.amazonaws.com", Known: true, FromVolume: true, Where: "volume aws-iam-token of Pod payments/" + iamPod, Source: iamPodSrc}},
		{name: "pod volume wins over the annotation", target: podTarget(pod, sa(map[string]string{webhook.AnnotationAudience: "other"})),
			want: model.AudienceFact{Value: "sts.amazonaws.com", Known: true, FromVolume: true, Where: "volume aws-iam-token of Pod payments/" + iamPod, Source: iamPodSrc}},
		{name: "pod volume without audience", target: podTarget(noAud, sa(nil)),
			want: model.AudienceFact{FromVolume: true, Where: "volume aws-iam-token of Pod payments/" + iamPod + " sets no audience", Source: iamPodSrc}},
		{name: "template's own volume is kept by the webhook", target: templateTarget(pod, sa(map[string]string{webhook.AnnotationAudience: "other"})),
			want: model.AudienceFact{Value: "sts.amazonaws.com", Known: true, FromVolume: true,
				Where: "volume aws-iam-token of the pod template of Deployment payments/api; the webhook keeps it, since it adds no volume whose name exists", Source: iamDeploySrc}},
		{name: "template's own volume without audience", target: templateTarget(noAud, sa(nil)),
			want: model.AudienceFact{FromVolume: true,
				Where: "volume aws-iam-token of the pod template of Deployment payments/api sets no audience; the webhook keeps it, since it adds no volume whose name exists", Source: iamDeploySrc}},
		{name: "template without the volume: what the webhook will inject", target: templateTarget(bare, sa(map[string]string{webhook.AnnotationAudience: "irsa.example.com"})),
			want: model.AudienceFact{Value: "irsa.example.com", Known: true, Where: "annotation eks.amazonaws.com/audience of ServiceAccount payments/s3-reader", Source: iamSASrc}},
		{name: "unmutated pod: what the webhook would inject", target: podTarget(bare, sa(map[string]string{webhook.AnnotationAudience: "sts.amazonaws.com.cn"})),
			want: model.AudienceFact{Value: "sts.amazonaws.com.cn", Known: true, Where: "annotation eks.amazonaws.com/audience of ServiceAccount payments/s3-reader", Source: iamSASrc}},
		{name: "service account default", target: &model.Target{Kind: "ServiceAccount", Namespace: "payments", Name: "s3-reader", SAName: "s3-reader", SA: sa(nil)},
			want: model.AudienceFact{Value: "sts.amazonaws.com", Known: true, Where: "the webhook's default: ServiceAccount payments/s3-reader has no eks.amazonaws.com/audience annotation", Source: iamSASrc}},
		{name: "empty annotation", target: &model.Target{Kind: "ServiceAccount", Namespace: "payments", Name: "s3-reader", SAName: "s3-reader", SA: sa(map[string]string{webhook.AnnotationAudience: ""})},
			want: model.AudienceFact{Where: "annotation eks.amazonaws.com/audience of ServiceAccount payments/s3-reader is empty", Source: iamSASrc}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, model.TokenAudience(tt.target)); diff != "" {
				t.Errorf("audience (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIssuerDiff(t *testing.T) {
	role, _ := arn.ParseRole("arn:aws:iam::222233334444:role/s3-reader")
	w := model.WebIdentity{Role: model.RoleRef{ARN: role}, Issuer: model.IssuerFact{URL: iamIssuer, HostPath: iamHP, Region: "us-west-2"}}
	tests := []struct {
		name  string
		got   string
		isKey bool
		want  []string
	}{
		{name: "account of the cluster", got: "arn:aws:iam::111122223333:oidc-provider/" + iamHP,
			want: []string{"account 111122223333: STS looks for the provider in the role's account 222233334444"}},
		{name: "https scheme in the ARN", got: "arn:aws:iam::222233334444:oidc-provider/https://" + iamHP,
			want: []string{"it keeps the issuer URL's https:// scheme"}},
		{name: "swapped host", got: "arn:aws:iam::222233334444:oidc-provider/oidc.us-west-2.eks.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
			want: []string{"host oidc.us-west-2.eks.amazonaws.com puts the region before eks; EKS issuers are oidc.eks.us-west-2.amazonaws.com"}},
		{name: "another region", got: "arn:aws:iam::222233334444:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
			want: []string{"region us-east-1 instead of the cluster's us-west-2"}},
		{name: "another cluster", got: "arn:aws:iam::222233334444:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/0A1B2C3D4E5F",
			want: []string{"cluster ID 0A1B2C3D4E5F instead of this cluster's EXAMPLED539D4633E53DE1B71EXAMPLE: another cluster's, or this cluster's before it was re-created"}},
		{name: "another partition", got: "arn:aws-cn:iam::222233334444:oidc-provider/" + iamHP,
			want: []string{"partition aws-cn instead of the role's aws"}},
		{name: "key with scheme and slash", got: "https://" + iamHP + "/", isKey: true,
			want: []string{"it keeps the issuer URL's https:// scheme", "it ends with a slash"}},
		{name: "key with the provider ARN", got: "arn:aws:iam::222233334444:oidc-provider/" + iamHP, isKey: true,
			want: []string{"it is the provider ARN, but condition keys start with the issuer's host and path"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, model.IssuerDiff(tt.got, w, tt.isKey)); diff != "" {
				t.Errorf("causes (-want +got):\n%s", diff)
			}
		})
	}
}

// iamChecks are the checks of this file's subject, with their prerequisites.
func iamChecks() []*Check {
	return []*Check{irsa101, irsa102, irsa103, irsa201, irsa202, irsa203, irsa204, irsa205, irsa206, irsa207, irsa208, irsa209, irsa210, irsa301, irsa302, irsa303}
}

// TestIAMCascades: docs/contract.md#cascades-report-the-root-cause: 102/103 before the IAM side;
// 201 before 202-210; 202 and 203 before 204-206 and 208; 301 before
// 302-306; 302 before 303. IRSA209 blocks the other trust checks (nothing
// can be evaluated) and IRSA210 blocks IRSA205/IRSA206 (the literal
// wildcard is the root cause).
func TestIAMCascades(t *testing.T) {
	tests := []struct {
		name string
		mods []func(*snapshot.Snapshot)
		want []string
	}{
		{name: "role missing", mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) {
			delete(s.Roles, iamRoleARN)
			s.NotFounds = []snapshot.NotFound{{Kind: snapshot.KindRole, Name: "s3-reader", Message: "An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name s3-reader cannot be found.", Source: iamRoleSrc}}
		}}, want: []string{
			"IRSA201 fail IAMRole s3-reader: role s3-reader does not exist in account 111122223333",
			"IRSA202 skipped IAMRole s3-reader: blocked by IRSA201",
			"IRSA203 skipped IAMRole s3-reader: blocked by IRSA201",
			"IRSA204 skipped IAMRole s3-reader: blocked by IRSA201",
			"IRSA205 skipped IAMRole s3-reader: blocked by IRSA201",
			"IRSA206 skipped IAMRole s3-reader: blocked by IRSA201",
			"IRSA207 skipped IAMRole s3-reader: blocked by IRSA201",
			"IRSA208 skipped IAMRole s3-reader: blocked by IRSA201",
			"IRSA209 skipped IAMRole s3-reader: blocked by IRSA201",
			"IRSA210 skipped IAMRole s3-reader: blocked by IRSA201",
		}},
		{name: "trust policy invalid", mods: []func(*snapshot.Snapshot){iamSetTrust(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"AssumeRole"}]}`)}, want: []string{
			"IRSA202 skipped IAMRole s3-reader: blocked by IRSA209",
			"IRSA203 skipped IAMRole s3-reader: blocked by IRSA209",
			"IRSA204 skipped IAMRole s3-reader: blocked by IRSA209",
			"IRSA205 skipped IAMRole s3-reader: blocked by IRSA209",
			"IRSA206 skipped IAMRole s3-reader: blocked by IRSA209",
			"IRSA207 skipped IAMRole s3-reader: blocked by IRSA209",
			"IRSA208 skipped IAMRole s3-reader: blocked by IRSA209",
			"IRSA209 fail IAMRole s3-reader: trust policy of role s3-reader is not a document IAM accepts (invalid policy at Statement[0].Action: action \"AssumeRole\" has no service prefix (IAM: \"Actions/Conditions must be prefaced by a vendor\")); IAM rejects such a document when it is written, so this copy was edited after it was captured",
			"IRSA210 skipped IAMRole s3-reader: blocked by IRSA209",
		}},
		{name: "action missing", mods: []func(*snapshot.Snapshot){
			iamSetTrust(fx.PolicyDoc(`{"Effect":"Allow","Principal":{"Federated":"` + iamProvider + `"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"` + iamHP + `:sub":"system:serviceaccount:payment:s3-reader"}}}`)),
		}, want: []string{
			"IRSA202 fail IAMRole s3-reader: trust policy does not allow sts:AssumeRoleWithWebIdentity: Statement[0] allows action \"sts:AssumeRole\"; the request is for \"sts:AssumeRoleWithWebIdentity\"",
			"IRSA204 skipped IAMRole s3-reader: blocked by IRSA202",
			"IRSA205 skipped IAMRole s3-reader: blocked by IRSA202",
			"IRSA206 skipped IAMRole s3-reader: blocked by IRSA202",
			"IRSA208 skipped IAMRole s3-reader: blocked by IRSA202",
			"IRSA210 skipped IAMRole s3-reader: blocked by IRSA202",
		}},
		{name: "literal wildcard", mods: []func(*snapshot.Snapshot){iamSetTrust(fixStatementDoc(iamProvider, iamHP, "StringEquals", "system:serviceaccount:payments:*", "sts.amazonaws.com"))}, want: []string{
			"IRSA205 skipped IAMRole s3-reader: blocked by IRSA210",
			"IRSA206 skipped IAMRole s3-reader: blocked by IRSA210",
			"IRSA210 fail IAMRole s3-reader: Statement[0] compares oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub with StringEquals \"system:serviceaccount:payments:*\", which IAM reads literally: under StringEquals * and ? are plain characters, so \"system:serviceaccount:payments:s3-reader\" does not match; as a StringLike pattern it would",
		}},
		{name: "no issuer", mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) { s.Clusters[0].Issuer = "" }}, want: []string{
			"IRSA202 skipped IAMRole s3-reader: blocked by IRSA301",
			"IRSA203 skipped IAMRole s3-reader: blocked by IRSA301",
			"IRSA204 skipped IAMRole s3-reader: blocked by IRSA301",
			"IRSA205 skipped IAMRole s3-reader: blocked by IRSA301",
			"IRSA206 skipped IAMRole s3-reader: blocked by IRSA301",
			"IRSA207 skipped IAMRole s3-reader: blocked by IRSA301",
			"IRSA208 skipped IAMRole s3-reader: blocked by IRSA301",
			"IRSA210 skipped IAMRole s3-reader: blocked by IRSA301",
			"IRSA301 fail EKSCluster prod: cluster prod has no OIDC issuer (describe-cluster shows no identity.oidc.issuer)",
			"IRSA302 skipped OIDCProvider: blocked by IRSA301",
			"IRSA303 skipped OIDCProvider: blocked by IRSA301",
		}},
		{name: "annotation malformed", mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) {
			s.ServiceAccounts["payments/s3-reader"].Annotations[webhook.AnnotationRoleARN] = "arn:aws:iam::111122223333:s3-reader"
		}}, want: []string{
			"IRSA103 fail ServiceAccount payments/s3-reader: eks.amazonaws.com/role-arn \"arn:aws:iam::111122223333:s3-reader\" is not a valid IAM role ARN: the resource \"s3-reader\" has no type; a role ARN's resource is role/NAME or role/PATH/NAME; the webhook injects it as AWS_ROLE_ARN anyway (it only logs \"arn is invalid\"), and AssumeRoleWithWebIdentity fails (typically \"ValidationError: Request ARN is invalid\")",
			"IRSA201 skipped ServiceAccount payments/s3-reader: blocked by IRSA103",
			"IRSA202 skipped ServiceAccount payments/s3-reader: blocked by IRSA103",
			"IRSA203 skipped ServiceAccount payments/s3-reader: blocked by IRSA103",
			"IRSA204 skipped ServiceAccount payments/s3-reader: blocked by IRSA103",
			"IRSA205 skipped ServiceAccount payments/s3-reader: blocked by IRSA103",
			"IRSA206 skipped ServiceAccount payments/s3-reader: blocked by IRSA103",
			"IRSA207 skipped ServiceAccount payments/s3-reader: blocked by IRSA103",
			"IRSA208 skipped ServiceAccount payments/s3-reader: blocked by IRSA103",
			"IRSA209 skipped ServiceAccount payments/s3-reader: blocked by IRSA103",
			"IRSA210 skipped ServiceAccount payments/s3-reader: blocked by IRSA103",
			"IRSA302 skipped ServiceAccount payments/s3-reader: blocked by IRSA103",
			"IRSA303 skipped ServiceAccount payments/s3-reader: blocked by IRSA103",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, h := range headsOf(iamRender(t, iamSnapshot(tt.mods...), iamChecks()...)) {
				if !strings.Contains(h, " pass ") {
					got = append(got, h)
				}
			}
			assertBlocks(t, got, tt.want)
		})
	}
}

// TestStaleAudience: pods created before their ServiceAccount's
// eks.amazonaws.com/audience annotation changed keep the old audience (the
// webhook acts on CREATE only, docs/reference/webhook.md#webhook-configuration-and-failure-policy, docs/reference/webhook.md#pods-are-mutated-only-at-creation, docs/reference/webhook.md#serviceaccount-cache); when a re-created pod
// would be accepted, IRSA206 and IRSA303 say so and put the restart first.
func TestStaleAudience(t *testing.T) {
	const newAud = "irsa.example.com"
	// stale: Deployment api's pods have the default audience; the
	// ServiceAccount now asks for irsa.example.com, which the provider
	// and the trust policy accept.
	stale := func(clientIDs ...string) func(*snapshot.Snapshot) {
		return func(s *snapshot.Snapshot) {
			s.ServiceAccounts["payments/s3-reader"].Annotations[webhook.AnnotationAudience] = newAud
			s.Roles[iamRoleARN].TrustPolicy = iamTrust(iamSub, newAud)
			s.OIDCProviders[0].ClientIDs = clientIDs
			s.Workloads = []*snapshot.Workload{iamDeployment(snapshot.PodSpec{ServiceAccountName: "s3-reader", Containers: []snapshot.Container{{Name: "app"}}})}
			s.Pods = []*snapshot.Pod{
				iamOwnedPod(iamMutatedPod("payments", "api-7d9f8b6c5-q8w3z", "s3-reader", "sts.amazonaws.com")),
				iamOwnedPod(iamMutatedPod("payments", iamPod, "s3-reader", "sts.amazonaws.com")),
			}
		}
	}
	const provider = "OIDCProvider " + iamProvider
	tests := []struct {
		name   string
		mods   []func(*snapshot.Snapshot)
		checks []*Check
		want   []string
		// remedy is the start of the failing finding's remediation.
		remedy string
	}{
		{
			name:   "IRSA206: the condition admits a re-created pod",
			mods:   []func(*snapshot.Snapshot){stale(newAud)},
			checks: []*Check{irsa206},
			want: []string{
				"IRSA206 fail IAMRole s3-reader: Statement[0] requires " + iamHP + ":aud StringEquals \"irsa.example.com\"; the token has \"sts.amazonaws.com\"; the pods keep the audience they were created with, and a re-created pod gets \"irsa.example.com\", which the condition admits: restart the pods\n" +
					"  evidence: bundle get-role.json: role s3-reader trust policy: " + iamTrust(iamSub, newAud) + "\n" +
					"  evidence: bundle pods.json: the token's aud: sts.amazonaws.com (volume aws-iam-token of Pod payments/api-7d9f8b6c5-q8w3z)\n" +
					"  evidence: bundle serviceaccounts.json: a re-created pod's aud: irsa.example.com (annotation eks.amazonaws.com/audience of ServiceAccount payments/s3-reader)\n" +
					"  fix: kubectl rollout restart deployment/api -n payments\n" +
					"  fix: require_trust_policy s3-reader s3-reader.trust-policy.before.json\n" +
					"  fix: aws iam update-assume-role-policy --role-name s3-reader --policy-document file://s3-reader.trust-policy.json\n" +
					"  fix-file: s3-reader.trust-policy.json\n" +
					"  fix-file: s3-reader.trust-policy.before.json",
				"IRSA206 pass IAMRole s3-reader: aud \"irsa.example.com\" satisfies the :aud condition of Statement[0]",
			},
			remedy: "Restart the pods first. Their token has the audience \"sts.amazonaws.com\", set when they were created; the webhook acts only when a pod is created, and gives a new pod \"irsa.example.com\" (annotation eks.amazonaws.com/audience of ServiceAccount payments/s3-reader), which is accepted:\n\n" +
				"    kubectl rollout restart deployment/api -n payments\n\n" +
				"Only if these pods must keep the old audience, widen what IAM accepts instead. Apply the corrected trust policy `s3-reader.trust-policy.json`",
		},
		{
			name:   "IRSA303: the ClientIDList includes a re-created pod's audience",
			mods:   []func(*snapshot.Snapshot){stale(newAud)},
			checks: []*Check{irsa303},
			want: []string{
				"IRSA303 fail " + provider + ": provider's ClientIDList [\"irsa.example.com\"] lacks the token's audience \"sts.amazonaws.com\": STS answers \"Incorrect token audience\"; the pods keep the audience they were created with, and a re-created pod gets \"irsa.example.com\", which the ClientIDList includes: restart the pods\n" +
					"  evidence: bundle oidc-provider.json: provider " + iamProvider + " ClientIDList: [\"irsa.example.com\"]\n" +
					"  evidence: bundle pods.json: the token's aud: sts.amazonaws.com (volume aws-iam-token of Pod payments/api-7d9f8b6c5-q8w3z)\n" +
					"  evidence: bundle serviceaccounts.json: a re-created pod's aud: irsa.example.com (annotation eks.amazonaws.com/audience of ServiceAccount payments/s3-reader)\n" +
					"  fix: kubectl rollout restart deployment/api -n payments\n" +
					"  fix: aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn " + iamProvider + " --client-id sts.amazonaws.com",
				"IRSA303 pass " + provider + ": provider's ClientIDList [\"irsa.example.com\"] includes the token's audience \"irsa.example.com\"",
			},
			remedy: "Restart the pods first.",
		},
		{
			name:   "IRSA303: a re-created pod would be refused too",
			mods:   []func(*snapshot.Snapshot){stale("sts.amazonaws.com.cn")},
			checks: []*Check{irsa303},
			want: []string{
				"IRSA303 fail " + provider + ": provider's ClientIDList [\"sts.amazonaws.com.cn\"] lacks the token's audience \"irsa.example.com\": STS answers \"Incorrect token audience\"\n" +
					"  evidence: bundle oidc-provider.json: provider " + iamProvider + " ClientIDList: [\"sts.amazonaws.com.cn\"]\n" +
					"  evidence: bundle serviceaccounts.json: the token's aud: irsa.example.com (annotation eks.amazonaws.com/audience of ServiceAccount payments/s3-reader)\n" +
					"  fix: aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn " + iamProvider + " --client-id irsa.example.com",
				"IRSA303 fail " + provider + ": provider's ClientIDList [\"sts.amazonaws.com.cn\"] lacks the token's audience \"sts.amazonaws.com\": STS answers \"Incorrect token audience\"; a re-created pod would get \"irsa.example.com\", which it lacks too\n" +
					"  evidence: bundle oidc-provider.json: provider " + iamProvider + " ClientIDList: [\"sts.amazonaws.com.cn\"]\n" +
					"  evidence: bundle pods.json: the token's aud: sts.amazonaws.com (volume aws-iam-token of Pod payments/api-7d9f8b6c5-q8w3z)\n" +
					"  evidence: bundle serviceaccounts.json: a re-created pod's aud: irsa.example.com (annotation eks.amazonaws.com/audience of ServiceAccount payments/s3-reader)\n" +
					"  fix: aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn " + iamProvider + " --client-id sts.amazonaws.com",
			},
			remedy: "Add the token's audience",
		},
		{
			name: "pods created after the annotation are not stale",
			mods: []func(*snapshot.Snapshot){stale("sts.amazonaws.com.cn"), func(s *snapshot.Snapshot) {
				for _, p := range s.Pods {
					p.Spec.Volumes[0].Projected.Sources[0].ServiceAccountToken.Audience = newAud
				}
			}},
			checks: []*Check{irsa303},
			want: []string{
				"IRSA303 fail " + provider + ": provider's ClientIDList [\"sts.amazonaws.com.cn\"] lacks the token's audience \"irsa.example.com\": STS answers \"Incorrect token audience\"\n" +
					"  evidence: bundle oidc-provider.json: provider " + iamProvider + " ClientIDList: [\"sts.amazonaws.com.cn\"]\n" +
					"  evidence: bundle serviceaccounts.json: the token's aud: irsa.example.com (annotation eks.amazonaws.com/audience of ServiceAccount payments/s3-reader)\n" +
					"  fix: aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn " + iamProvider + " --client-id irsa.example.com",
			},
			remedy: "Add the token's audience",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := iamSnapshot(tt.mods...)
			assertBlocks(t, iamRender(t, s, tt.checks...), tt.want)
			out := Run(s, Options{Checks: tt.checks, Now: iamNow})
			for _, f := range out.Findings {
				if f.Status == finding.StatusFail && !strings.HasPrefix(f.Remediation, tt.remedy) {
					t.Errorf("%s remediation does not start with %q:\n%s", f.CheckID, tt.remedy, f.Remediation)
				}
			}
		})
	}
}

// TestBareTrustPolicy: a bare policy document (`aws iam get-role --query
// Role.AssumeRolePolicyDocument`) names no role; it is taken as the trust
// policy only of the one role in question, when the input holds neither
// that role nor another candidate, and otherwise named in the skip reason.
func TestBareTrustPolicy(t *testing.T) {
	bareSrc := snapshot.Source{Kind: "bundle", Ref: "trust.json"}
	typo := iamTrust("system:serviceaccount:payment:s3-reader", "sts.amazonaws.com")
	bare := func(docs ...string) func(*snapshot.Snapshot) {
		return func(s *snapshot.Snapshot) {
			delete(s.Roles, iamRoleARN)
			for _, d := range docs {
				s.Policies = append(s.Policies, snapshot.LoosePolicy{Document: d, Source: bareSrc})
			}
		}
	}
	const notInInput = "role s3-reader is not in the input; the input has a bare policy document but not the role it belongs to ("
	const capture = "); capture it with aws iam get-role --role-name s3-reader --output json"
	tests := []struct {
		name string
		mods []func(*snapshot.Snapshot)
		want []string
	}{
		{
			name: "the one role in question takes the bare document",
			mods: []func(*snapshot.Snapshot){bare(typo)},
			want: []string{
				"IRSA201 skipped IAMRole s3-reader: role s3-reader is not in the input, only a bare policy document that the trust-policy checks take as its trust policy (capture the role: aws iam get-role --role-name s3-reader --output json)\n" +
					"  evidence: bundle trust.json: bare policy document: " + typo,
				"IRSA205 fail IAMRole s3-reader: Statement[0] requires " + iamHP + ":sub StringEquals \"system:serviceaccount:payment:s3-reader\"; the token has \"" + iamSub + "\": the namespace differs: \"payment\" in the policy, \"payments\" in the token\n" +
					"  evidence: bundle trust.json: bare policy document, taken as the trust policy of role s3-reader (the only role the service accounts name, and the only trust policy in the input): " + typo + "\n" +
					"  evidence: bundle pods.json: the token's sub: " + iamSub + "\n" +
					"  fix: require_trust_policy s3-reader s3-reader.trust-policy.before.json\n" +
					"  fix: aws iam update-assume-role-policy --role-name s3-reader --policy-document file://s3-reader.trust-policy.json\n" +
					"  fix-file: s3-reader.trust-policy.json\n" +
					"  fix-file: s3-reader.trust-policy.before.json",
			},
		},
		{
			name: "two roles in question",
			mods: []func(*snapshot.Snapshot){bare(typo), func(s *snapshot.Snapshot) {
				s.ServiceAccounts["billing/exporter"] = &snapshot.ServiceAccount{ObjectMeta: snapshot.ObjectMeta{Namespace: "billing", Name: "exporter",
					Annotations: map[string]string{webhook.AnnotationRoleARN: "arn:aws:iam::111122223333:role/exporter"}}, Source: iamSASrc}
			}},
			want: []string{
				"IRSA201 skipped IAMRole exporter: role exporter is not in the input; the input has a bare policy document but not the role it belongs to (" +
					"the service accounts name 2 roles: arn:aws:iam::111122223333:role/exporter, arn:aws:iam::111122223333:role/s3-reader); capture it with aws iam get-role --role-name exporter --output json",
				"IRSA201 skipped IAMRole s3-reader: " + notInInput + "the service accounts name 2 roles: arn:aws:iam::111122223333:role/exporter, arn:aws:iam::111122223333:role/s3-reader" + capture,
				"IRSA205 skipped IAMRole exporter: role exporter is not in the input; the input has a bare policy document but not the role it belongs to (" +
					"the service accounts name 2 roles: arn:aws:iam::111122223333:role/exporter, arn:aws:iam::111122223333:role/s3-reader); capture it with aws iam get-role --role-name exporter --output json",
				"IRSA205 skipped IAMRole s3-reader: " + notInInput + "the service accounts name 2 roles: arn:aws:iam::111122223333:role/exporter, arn:aws:iam::111122223333:role/s3-reader" + capture,
			},
		},
		{
			name: "a permissions policy is no trust policy",
			mods: []func(*snapshot.Snapshot){bare(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::reports/*"}]}`)},
			want: []string{
				"IRSA201 skipped IAMRole s3-reader: " + notInInput + "it is not a trust policy for an IAM OIDC provider" + capture,
				"IRSA205 skipped IAMRole s3-reader: " + notInInput + "it is not a trust policy for an IAM OIDC provider" + capture,
			},
		},
		{
			name: "two bare documents",
			mods: []func(*snapshot.Snapshot){bare(typo, iamTrust(iamSub, "sts.amazonaws.com"))},
			want: []string{
				"IRSA201 skipped IAMRole s3-reader: role s3-reader is not in the input; the input has a bare policy document but not the role it belongs to (it has 2 different bare documents, none of which names its role); capture it with aws iam get-role --role-name s3-reader --output json",
				"IRSA205 skipped IAMRole s3-reader: role s3-reader is not in the input; the input has a bare policy document but not the role it belongs to (it has 2 different bare documents, none of which names its role); capture it with aws iam get-role --role-name s3-reader --output json",
			},
		},
		{
			name: "the role in the input wins over a bare document",
			mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) {
				s.Policies = []snapshot.LoosePolicy{{Document: typo, Source: bareSrc}}
			}},
			want: []string{
				"IRSA201 pass IAMRole s3-reader: role s3-reader exists in account 111122223333",
				"IRSA205 pass IAMRole s3-reader: sub \"" + iamSub + "\" satisfies the :sub condition of Statement[0]",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := iamRender(t, iamSnapshot(tt.mods...), irsa201, irsa205)
			if !strings.Contains(strings.Join(tt.want, ""), "\n") {
				got = headsOf(got)
			}
			assertBlocks(t, got, tt.want)
		})
	}
}

func TestNewPodAudience(t *testing.T) {
	sa := &snapshot.ServiceAccount{ObjectMeta: snapshot.ObjectMeta{Namespace: "payments", Name: "s3-reader",
		Annotations: map[string]string{webhook.AnnotationRoleARN: iamRoleARN, webhook.AnnotationAudience: "irsa.example.com"}}, Source: iamSASrc}
	podTarget := func(p *snapshot.Pod, owner *snapshot.Workload) *model.Target {
		return &model.Target{Kind: "Pod", Namespace: "payments", Name: p.Name, Pod: p, Meta: &p.ObjectMeta, Spec: &p.Spec,
			SAName: "s3-reader", SA: sa, Owner: owner, Source: iamPodSrc}
	}
	plain := snapshot.PodSpec{ServiceAccountName: "s3-reader", Containers: []snapshot.Container{{Name: "app"}}}
	withVolume := iamMutatedPod("payments", "", "s3-reader", "sts.amazonaws.com").Spec
	otherSA := plain
	otherSA.ServiceAccountName = "other"
	skipped := iamMutatedPod("payments", iamPod, "s3-reader", "sts.amazonaws.com")
	skipped.Labels = map[string]string{webhook.LabelSkip: "true"}
	annotated := "irsa.example.com (annotation eks.amazonaws.com/audience of ServiceAccount payments/s3-reader)"
	tests := []struct {
		name   string
		target *model.Target
		stale  bool
		now    string // audienceText and Where of the re-created pod's audience, when stale
	}{
		{name: "owner template without the volume: the webhook's audience", target: podTarget(iamMutatedPod("payments", iamPod, "s3-reader", "sts.amazonaws.com"), iamDeployment(plain)),
			stale: true, now: annotated},
		{name: "owner template with the same volume: not stale", target: podTarget(iamMutatedPod("payments", iamPod, "s3-reader", "sts.amazonaws.com"), iamDeployment(withVolume))},
		{name: "owner template runs as another ServiceAccount: not judged", target: podTarget(iamMutatedPod("payments", iamPod, "s3-reader", "sts.amazonaws.com"), iamDeployment(otherSA))},
		{name: "no owner: what the webhook injects into the spec without the volume", target: podTarget(iamMutatedPod("payments", iamPod, "s3-reader", "sts.amazonaws.com"), nil),
			stale: true, now: annotated},
		{name: "no owner, the webhook skips the pod: its volume is its manifest's", target: podTarget(skipped, nil)},
		{name: "the pod already has the current audience", target: podTarget(iamMutatedPod("payments", iamPod, "s3-reader", "irsa.example.com"), nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now, stale := model.StaleAudience(tt.target)
			if stale != tt.stale {
				t.Fatalf("stale = %v, want %v", stale, tt.stale)
			}
			if got := model.AudienceText(now) + " (" + now.Where + ")"; stale && got != tt.now {
				t.Errorf("re-created pod's audience = %q, want %q", got, tt.now)
			}
		})
	}
}
