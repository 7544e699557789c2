package cli

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv/awsfake"
)

// Role chaining, live (IRSA604; chain.go): a pod whose AWS config file,
// mounted from a ConfigMap, chains from its IRSA role to another role.

const chainSecret = "s3cr3t-not-an-aws-config"

// chainWorld is namespace ns holding pod api, whose ServiceAccount app has
// the IRSA role e2e-chain-source (allowed sts:AssumeRole on any role), and
// whose AWS config file (ConfigMap aws-config, key config, mounted at
// /etc/aws) makes the SDK assume e2e-chain-target from it. The target's
// trust admits trusted, which is not the source role unless the test
// makes it so.
func chainWorld(t *testing.T, ns, trusted string) *e2e {
	t.Helper()
	c := sharedCluster(t)
	applyRBAC(t, c)
	source, target := e2eRoleARN("e2e-chain-source"), e2eRoleARN("e2e-chain-target")
	e := newE2E(t, ns, awsfake.State{
		Roles: []awsfake.Role{
			{ARN: source, TrustPolicy: e2eTrustPolicy(c, ns, "app", "sts.amazonaws.com"),
				InlinePolicies: map[string]string{"chain": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`}},
			{ARN: target, TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + trusted + `"},"Action":"sts:AssumeRole"}]}`},
		},
		Providers: []awsfake.OIDCProvider{e2eGoodProvider(c)},
	})
	c.StartWebhook(t, testenv.WebhookOptions{})
	e.serviceAccount("app", source, nil)
	if _, err := c.Admin.Client.CoreV1().ConfigMaps(ns).Create(e.ctx(), &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "aws-config"},
		Data: map[string]string{
			"config": "[profile irsa]\nregion = eu-west-1\nweb_identity_token_file = /var/run/secrets/eks.amazonaws.com/serviceaccount/token\nrole_arn = " + source +
				"\n\n[profile chained]\nrole_arn = " + target + "\nsource_profile = irsa\n",
			"token": chainSecret,
		},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	p := e2ePod("api", "app")
	p.Spec.Volumes = []corev1.Volume{{Name: "aws", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: "aws-config"}}}}}
	p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "aws", MountPath: "/etc/aws"}}
	p.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "AWS_CONFIG_FILE", Value: "/etc/aws/config"}, {Name: "AWS_PROFILE", Value: "chained"}}
	e.pod(p)
	return e
}

// getRoles are the roles iam:GetRole was called for, in call order (an
// SDK retry of a call is not another call).
func getRoles(f *awsfake.Fake) []string {
	var out []string
	for _, c := range f.Log() {
		if c.Action == "iam:GetRole" && c.Attempt <= 1 {
			out = append(out, c.Resource)
		}
	}
	return out
}

// chainFinding is the one finding of check on a target, or nil.
func chainFinding(res finding.Result, check string) *finding.Finding {
	for i := range res.Findings {
		if res.Findings[i].CheckID == check {
			return &res.Findings[i]
		}
	}
	return nil
}

// TestE2EChainConfigMap: scan reads the ConfigMap the pod mounts as its
// AWS config file (one Get), and the role it chains to (one GetRole), and
// IRSA604 fails on the chained role's trust, which names another role; the
// fix writes the trust that admits the source role. dump writes the
// ConfigMap with only its AWS config's assume-role settings (not the other
// key), and analyze of the dump gives the same finding.
func TestE2EChainConfigMap(t *testing.T) {
	const ns = "e2e-chain-cm"
	e := chainWorld(t, ns, e2eRoleARN("someone-else"))
	r, res := e.scan("--pod", ns+"/api")
	wantFailures(t, r, res, []failing{{"IRSA604", "error", "Pod " + ns + "/api container app",
		"container app assumes role e2e-chain-target (AWS_CONFIG_FILE=/etc/aws/config (ConfigMap " + ns + "/aws-config key config), profile chained) " +
			"with the credentials of role e2e-chain-source, but the trust policy of role e2e-chain-target does not allow sts:AssumeRole to role e2e-chain-source's session: " +
			`sts:AssumeRole implicitly denied: Statement[0] trusts AWS "arn:aws:iam::111122223333:role/someone-else"; ` +
			`the request comes from AWS "arn:aws:sts::111122223333:assumed-role/e2e-chain-source/irsa-doctor-session"`}})
	f := chainFinding(res, "IRSA604")
	if f == nil || f.Fix.Empty() {
		t.Fatalf("IRSA604 %+v, want a failure with a fix", f)
	}
	wantTrust := `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {
        "AWS": [
          "arn:aws:iam::111122223333:role/someone-else",
          "arn:aws:iam::111122223333:role/e2e-chain-source"
        ]
      },
      "Action": "sts:AssumeRole"
    }
  ]
}
`
	var gotTrust string
	for _, fl := range f.Fix.Files {
		if fl.Name == "e2e-chain-target.trust-policy.json" {
			gotTrust = fl.Content
		}
	}
	if diff := cmp.Diff(wantTrust, gotTrust); diff != "" {
		t.Errorf("fixed trust policy (-want +got):\n%s", diff)
	}
	if want := "aws iam update-assume-role-policy --role-name e2e-chain-target --policy-document file://e2e-chain-target.trust-policy.json"; !slices.Contains(f.Fix.Commands, want) {
		t.Errorf("fix commands %q lack %q", f.Fix.Commands, want)
	}
	if got := getRoles(e.aws); cmp.Diff([]string{"e2e-chain-source", "e2e-chain-target"}, sorted(got)) != "" {
		t.Errorf("GetRole of %q, want e2e-chain-source and e2e-chain-target once each", got)
	}

	dir := t.TempDir() + "/bundle"
	if d := e.main("dump", dir, "--cluster", e2eCluster, "--pod", ns+"/api"); d.code != ExitOK {
		t.Fatalf("dump: exit %d, stderr %q", d.code, d.stderr)
	}
	cm, err := os.ReadFile(filepath.Join(dir, "kube", "configmaps", ns, "aws-config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cm), "role_arn = "+e2eRoleARN("e2e-chain-target")) || strings.Contains(string(cm), "region") {
		t.Errorf("ConfigMap capture:\n%s", cm)
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if bytes.Contains(b, []byte(chainSecret)) {
			t.Errorf("%s holds the ConfigMap's other key", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	deps := e.deps(&out, &errOut)
	deps.Live = LiveDeps{}
	if code := Main([]string{"analyze", dir, "-o", "json", "--pod", ns + "/api"}, deps); code != ExitFindings {
		t.Fatalf("analyze: exit %d, stderr %q", code, errOut.String())
	}
	af := chainFinding(decode(t, out.String()), "IRSA604")
	if af == nil {
		t.Fatal("analyze: no IRSA604")
	}
	// The same finding; only where its evidence was read differs (the
	// live call, the dump's file).
	noWhere := cmpopts.IgnoreFields(finding.Evidence{}, "Source", "Ref")
	if diff := cmp.Diff(*f, *af, noWhere); diff != "" {
		t.Errorf("analyze's IRSA604 (-scan +analyze):\n%s", diff)
	}
}

// TestE2EChainConfigMapRefused: a user bound only to irsa-doctor-reader
// (no get configmaps) gets one gap naming irsa-doctor-configmaps; IRSA604
// skips with the kubectl command that captures the ConfigMap, and the
// chained role is not read.
func TestE2EChainConfigMapRefused(t *testing.T) {
	const ns = "e2e-chain-rbac"
	e := chainWorld(t, ns, e2eRoleARN("someone-else"))
	if _, err := e.c.Admin.Client.RbacV1().RoleBindings(ns).Create(e.ctx(), &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "irsa-doctor-reader"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "irsa-doctor-reader"},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: "chain-lena"}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	e.kubeconfig = e.c.CreateUser(t, "chain-lena").KubeconfigIn(t, ns)
	r := e.main("scan", "-o", "json", "--cluster", e2eCluster, "--pod", ns+"/api")
	res := decode(t, r.stdout)
	var cmGaps []finding.Gap
	for _, g := range res.Gaps {
		if strings.Contains(g.Operation, "configmap") {
			cmGaps = append(cmGaps, g)
		}
	}
	want := []finding.Gap{{Source: "kube", Operation: "get configmaps", Resource: "namespace " + ns,
		Reason: `Forbidden: configmaps "aws-config" is forbidden: User "chain-lena" cannot get resource "configmaps" in API group "" in the namespace "` + ns +
			`" (grant it with deploy/rbac.yaml's ClusterRole irsa-doctor-configmaps)`}}
	if diff := cmp.Diff(want, cmGaps); diff != "" {
		t.Errorf("ConfigMap gaps (-want +got):\n%s", diff)
	}
	f := chainFinding(res, "IRSA604")
	if f == nil || f.Status != finding.StatusSkipped || !strings.Contains(f.Message, "(capture: kubectl get configmap aws-config -n "+ns+" -o json)") {
		t.Errorf("IRSA604 %+v, want a skip with the kubectl command", f)
	}
	if got := getRoles(e.aws); cmp.Diff([]string{"e2e-chain-source"}, got) != "" {
		t.Errorf("GetRole of %q, want only e2e-chain-source", got)
	}
	if r.code != ExitOK {
		t.Errorf("exit %d, want 0 (nothing fails; IRSA604 skips): %s", r.code, r.stderr)
	}
}

// TestE2EChainCan: scan --can sts:AssumeRole=ROLE_ARN reads that role
// (once) and IRSA604 passes: its trust admits the pod's role, whose inline
// policy allows sts:AssumeRole.
func TestE2EChainCan(t *testing.T) {
	const ns = "e2e-chain-can"
	e := chainWorld(t, ns, e2eRoleARN("e2e-chain-source"))
	other := e2eRoleARN("e2e-chain-other")
	e.aws.Update(func(s *awsfake.State) {
		s.Roles = append(s.Roles, awsfake.Role{ARN: other,
			TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + e2eRoleARN("e2e-chain-source") + `"},"Action":"sts:AssumeRole"}]}`})
	})
	r, res := e.scan("--pod", ns+"/api", "--can", "sts:AssumeRole="+other, "--show-passed")
	if r.code != ExitOK {
		t.Errorf("exit %d, want 0: %s", r.code, r.stderr)
	}
	var got []string
	for _, f := range res.Findings {
		if f.CheckID == "IRSA604" {
			got = append(got, string(f.Status)+": "+f.Message)
		}
	}
	want := []string{
		"pass: container app assumes role e2e-chain-other (--can sts:AssumeRole=" + other + ") with the credentials of role e2e-chain-source: " +
			"the trust policy of role e2e-chain-other allows sts:AssumeRole to it by naming the role, which within one account suffices",
		"pass: container app assumes role e2e-chain-target (AWS_CONFIG_FILE=/etc/aws/config (ConfigMap " + ns + "/aws-config key config), profile chained) " +
			"with the credentials of role e2e-chain-source: the trust policy of role e2e-chain-target allows sts:AssumeRole to it by naming the role, which within one account suffices",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("IRSA604 (-want +got):\n%s", diff)
	}
	if len(res.Gaps) != 0 {
		t.Errorf("gaps %+v, want none", res.Gaps)
	}
	if got := getRoles(e.aws); cmp.Diff([]string{"e2e-chain-other", "e2e-chain-source", "e2e-chain-target"}, sorted(got)) != "" {
		t.Errorf("GetRole of %q, want each role once", got)
	}
}
