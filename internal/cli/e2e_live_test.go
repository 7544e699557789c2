package cli

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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
