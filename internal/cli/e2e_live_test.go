package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv/awsfake"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// TestE2ELiveNamedPodReadsOnlyItsNamespace: `scan --pod NS/NAME` lists
// only the pod's namespace and reads only its ServiceAccount's role, so a
// user with rights only in that namespace gets no gap about the
// kubeconfig's namespace (issue 10, item 8).
func TestE2ELiveNamedPodReadsOnlyItsNamespace(t *testing.T) {
	c := sharedCluster(t)
	const ns = "e2e-narrow"
	role := e2eRoleARN("e2e-narrow-reader")
	other := e2eRoleARN("e2e-narrow-other")
	e := newE2E(t, ns, awsfake.State{
		Roles: []awsfake.Role{{ARN: role, TrustPolicy: e2eTrustPolicy(c, ns, "s3-reader", webhook.DefaultAudience)},
			{ARN: other, TrustPolicy: e2eTrustPolicy(c, ns, "other", webhook.DefaultAudience)}},
		Providers: []awsfake.OIDCProvider{e2eGoodProvider(c)},
	})
	applyRBAC(t, c)
	e.serviceAccount("s3-reader", role, nil)
	e.serviceAccount("other", other, nil)
	e.pod(e2ePod("api", "s3-reader"))
	// An annotated ServiceAccount in the kubeconfig's namespace, which the
	// user cannot read and the target does not use.
	if _, err := c.Admin.Client.CoreV1().ServiceAccounts("default").Create(e.ctx(), &corev1.ServiceAccount{
		ObjectMeta: metav1.ObjectMeta{Name: "e2e-narrow-default", Annotations: map[string]string{webhook.AnnotationRoleARN: other}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.Admin.Client.CoreV1().ServiceAccounts("default").Delete(e.ctx(), "e2e-narrow-default", metav1.DeleteOptions{})
	})
	if _, err := c.Admin.Client.RbacV1().RoleBindings(ns).Create(e.ctx(), &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "irsa-doctor-reader"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "irsa-doctor-reader"},
		Subjects:   []rbacv1.Subject{{APIGroup: "rbac.authorization.k8s.io", Kind: "User", Name: "dora"}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	u := c.CreateUser(t, "dora")
	e.kubeconfig = u.KubeconfigIn(t, "default")

	e.aws.Reset()
	r, res := e.scan("--pod", ns+"/api")
	for _, g := range res.Gaps {
		if strings.Contains(g.Resource, "default") || strings.Contains(g.Reason, `"default"`) {
			t.Errorf("gap about the kubeconfig's namespace, which no target needs: %+v", g)
		}
	}
	if len(res.Targets) != 1 || res.Targets[0].Name != "api" {
		t.Errorf("targets %+v, want the pod api alone", res.Targets)
	}
	if n := e.aws.Calls()["iam:GetRole"]; n != 1 {
		t.Errorf("iam:GetRole called %d times, want once (the pod's role only); stderr %s", n, r.stderr)
	}
}

// TestE2ELiveDescribeClusterRefused: a refused eks:DescribeCluster still
// lists the Pod Identity associations (they need only the cluster's name),
// and what needs the issuer is skipped naming exactly that (issue 10,
// item 10).
func TestE2ELiveDescribeClusterRefused(t *testing.T) {
	c := sharedCluster(t)
	const ns = "e2e-nodescribe"
	role := e2eRoleARN("e2e-nodescribe-reader")
	e := newE2E(t, ns, awsfake.State{
		Roles:     []awsfake.Role{{ARN: role, TrustPolicy: e2eTrustPolicy(c, ns, "s3-reader", webhook.DefaultAudience)}},
		Providers: []awsfake.OIDCProvider{e2eGoodProvider(c)},
	})
	e.serviceAccount("s3-reader", role, nil)
	e.pod(e2ePod("api", "s3-reader"))
	e.aws.Deny("eks:DescribeCluster", "")
	e.aws.Reset()
	r, res := e.scan()
	if n := e.aws.Calls()["eks:ListPodIdentityAssociations"]; n != 1 {
		t.Errorf("eks:ListPodIdentityAssociations called %d times, want once; stderr %s", n, r.stderr)
	}
	const why = "eks:DescribeCluster was refused (AccessDeniedException), so the cluster's issuer is unknown (capture: aws eks describe-cluster --name " + e2eCluster + " --output json)"
	var seen bool
	for _, f := range res.Findings {
		if f.CheckID != "IRSA202" {
			continue
		}
		seen = true
		if f.Status != "skipped" || !strings.Contains(f.Message, why) {
			t.Errorf("IRSA202 %s: %q, want skipped naming %q", f.Status, f.Message, why)
		}
	}
	if !seen {
		t.Errorf("no IRSA202 finding: %+v", res.Findings)
	}
}

// TestE2ELiveIncomplete: a collection cut short by --timeout, or by an
// sts:GetCallerIdentity that fails, still diagnoses what was collected:
// the JSON is printed, the incompleteness is in the summary and the gaps,
// the targets it left undiagnosed say so, and the exit is never 0
// (issue 10, item 9).
func TestE2ELiveIncomplete(t *testing.T) {
	c := sharedCluster(t)
	const ns = "e2e-incomplete"
	role := e2eRoleARN("e2e-incomplete-reader")
	e := newE2E(t, ns, awsfake.State{
		Roles:     []awsfake.Role{{ARN: role, TrustPolicy: e2eTrustPolicy(c, ns, "s3-reader", webhook.DefaultAudience)}},
		Providers: []awsfake.OIDCProvider{e2eGoodProvider(c)},
		Delays:    map[string]time.Duration{"iam:GetRole": 30 * time.Second},
	})
	e.serviceAccount("s3-reader", role, nil)
	e.pod(e2ePod("api", "s3-reader"))

	check := func(t *testing.T, r run, why string) {
		t.Helper()
		if r.code != ExitFindings {
			t.Errorf("exit %d, want 1 (a target not diagnosed); stderr %s", r.code, r.stderr)
		}
		res := decode(t, r.stdout)
		if res.Summary.Incomplete != why {
			t.Errorf("summary.incomplete %q, want %q", res.Summary.Incomplete, why)
		}
		var gap bool
		for _, g := range res.Gaps {
			gap = gap || (g.Source == "live" && g.Resource == why)
		}
		if !gap {
			t.Errorf("no gap saying %q: %+v", why, res.Gaps)
		}
		if len(res.Targets) != 1 || res.Targets[0].Incomplete != "not diagnosed: "+why {
			t.Errorf("targets %+v, want the pod, not diagnosed", res.Targets)
		}
		for _, l := range res.Targets[0].Links {
			if l.Link == finding.LinkIAMRole && l.Status != finding.LinkUnknown {
				t.Errorf("iam-role link %+v, want unknown", l)
			}
		}
		if !strings.Contains(r.stderr, why+"; 1 of 1 targets not diagnosed") {
			t.Errorf("stderr %q does not say the scan is incomplete", r.stderr)
		}
	}

	t.Run("timeout", func(t *testing.T) {
		start := time.Now()
		r := e.main("scan", "-o", "json", "--cluster", e2eCluster, "--timeout", "3s")
		if d := time.Since(start); d > 15*time.Second {
			t.Errorf("scan took %s with --timeout 3s", d)
		}
		check(t, r, "incomplete: timed out after 3s")
	})
	t.Run("dump cut short, analyze reads it back incomplete", func(t *testing.T) {
		dir := t.TempDir() + "/bundle"
		d := e.main("dump", dir, "--cluster", e2eCluster, "--timeout", "3s")
		if d.code != ExitOK || !strings.Contains(d.stderr, "incomplete: timed out after 3s") {
			t.Fatalf("dump: exit %d, stderr %q", d.code, d.stderr)
		}
		var out, errOut bytes.Buffer
		code := Main([]string{"analyze", dir, "-o", "json"}, e.deps(&out, &errOut))
		check(t, run{code: code, stdout: out.String(), stderr: errOut.String()}, "incomplete: timed out after 3s")
	})
	t.Run("sts:GetCallerIdentity fails", func(t *testing.T) {
		e.aws.Deny("sts:GetCallerIdentity", "")
		r := e.main("scan", "-o", "json", "--cluster", e2eCluster)
		check(t, r, "incomplete: no AWS fact could be read")
	})
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{5 * time.Minute: "5m", time.Hour: "1h", 90 * time.Second: "1m30s", 3 * time.Second: "3s", 1500 * time.Millisecond: "1.5s"} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%s) = %q, want %q", d, got, want)
		}
	}
}

// TestE2ELiveScanName: `scan NAME` without -n is a pod in the kubeconfig
// context's namespace, as scan --help says.
func TestE2ELiveScanName(t *testing.T) {
	e := newE2E(t, "e2e-scanname", awsfake.State{})
	e.pod(e2ePod("api", "default"))
	r, res := e.scan("api")
	if len(res.Targets) != 1 || res.Targets[0].Namespace != "e2e-scanname" || res.Targets[0].Name != "api" {
		t.Errorf("targets %+v, want e2e-scanname/api; stderr %s", res.Targets, r.stderr)
	}
}
