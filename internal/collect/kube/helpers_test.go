package kube

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/version"
	fakediscovery "k8s.io/client-go/discovery/fake"
	"k8s.io/client-go/kubernetes/fake"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	k8stesting "k8s.io/client-go/testing"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
)

// The fixtures are shaped like what EKS returns for an IRSA workload: a
// Deployment whose pod the pod identity webhook mutated (docs/reference/README.md
// §1.2), its ReplicaSet, an annotated ServiceAccount, and EKS's
// pod-identity-webhook configuration (§1.5).

var created = metav1.NewTime(time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC))

func ptr[T any](v T) *T { return &v }

func objMeta(ns, name string, uid string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID(uid), ResourceVersion: "1001", CreationTimestamp: created}
}

func namespace(name string) *corev1.Namespace {
	m := objMeta("", name, "ns-"+name)
	m.Labels = map[string]string{"kubernetes.io/metadata.name": name}
	return &corev1.Namespace{ObjectMeta: m, Spec: corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{"kubernetes"}}, Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive}}
}

func serviceAccount(ns, name, roleARN string) *corev1.ServiceAccount {
	sa := &corev1.ServiceAccount{ObjectMeta: objMeta(ns, name, "sa-"+ns+"-"+name)}
	if roleARN != "" {
		sa.Annotations = map[string]string{"eks.amazonaws.com/role-arn": roleARN}
	}
	return sa
}

// podSpec is the spec of an IRSA pod after the webhook mutated it.
func podSpec(sa, roleARN string) corev1.PodSpec {
	return corev1.PodSpec{
		ServiceAccountName: sa,
		Containers: []corev1.Container{{
			Name:  "app",
			Image: "public.ecr.aws/aws-cli/aws-cli:2.17.0",
			Env: []corev1.EnvVar{
				{Name: "AWS_STS_REGIONAL_ENDPOINTS", Value: "regional"},
				{Name: "AWS_DEFAULT_REGION", Value: "us-west-2"},
				{Name: "AWS_REGION", Value: "us-west-2"},
				{Name: "AWS_ROLE_ARN", Value: roleARN},
				{Name: "AWS_WEB_IDENTITY_TOKEN_FILE", Value: "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"},
			},
			VolumeMounts: []corev1.VolumeMount{{Name: "aws-iam-token", MountPath: "/var/run/secrets/eks.amazonaws.com/serviceaccount", ReadOnly: true}},
		}},
		Volumes: []corev1.Volume{{
			Name: "aws-iam-token",
			VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
				DefaultMode: ptr(int32(420)),
				Sources: []corev1.VolumeProjection{{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{
					Audience: "sts.amazonaws.com", ExpirationSeconds: ptr(int64(86400)), Path: "token",
				}}},
			}},
		}},
	}
}

func pod(ns, name, sa, roleARN string) *corev1.Pod {
	m := objMeta(ns, name, "pod-"+ns+"-"+name)
	m.Labels = map[string]string{"app": "api", "pod-template-hash": "7d9f8b6c5"}
	m.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "api-7d9f8b6c5", UID: "rs-api", Controller: ptr(true), BlockOwnerDeletion: ptr(true)}}
	return &corev1.Pod{ObjectMeta: m, Spec: podSpec(sa, roleARN), Status: corev1.PodStatus{Phase: corev1.PodRunning, StartTime: &created}}
}

func template(sa string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "api"}},
		Spec:       corev1.PodSpec{ServiceAccountName: sa, Containers: []corev1.Container{{Name: "app", Image: "public.ecr.aws/aws-cli/aws-cli:2.17.0"}}},
	}
}

const roleARN = "arn:aws:iam::111122223333:role/payments-s3-reader"

// paymentsObjects is one namespace with one object of every kind, and a
// second namespace that must not be listed when only payments is asked.
func paymentsObjects() []runtime.Object {
	sel := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "api"}}
	cronTemplate := batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: template("report")}}
	cronTemplate.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
	jobTemplate := template("report")
	jobTemplate.Spec.RestartPolicy = corev1.RestartPolicyNever
	jobMeta := objMeta("payments", "report-29000000", "job-report")
	jobMeta.OwnerReferences = []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "CronJob", Name: "report", UID: "cj-report", Controller: ptr(true)}}
	rsMeta := objMeta("payments", "api-7d9f8b6c5", "rs-api")
	rsMeta.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "api", UID: "dep-api", Controller: ptr(true)}}
	return []runtime.Object{
		namespace("payments"), namespace("kube-system"),
		serviceAccount("payments", "default", ""),
		serviceAccount("payments", "s3-reader", roleARN),
		serviceAccount("kube-system", "default", ""),
		pod("payments", "api-7d9f8b6c5-x2k4p", "s3-reader", roleARN),
		pod("kube-system", "coredns-5d78c9869d-abcde", "coredns", ""),
		&appsv1.Deployment{ObjectMeta: objMeta("payments", "api", "dep-api"), Spec: appsv1.DeploymentSpec{Replicas: ptr(int32(2)), Selector: sel, Template: template("s3-reader")}},
		&appsv1.ReplicaSet{ObjectMeta: rsMeta, Spec: appsv1.ReplicaSetSpec{Replicas: ptr(int32(2)), Selector: sel, Template: template("s3-reader")}},
		&appsv1.StatefulSet{ObjectMeta: objMeta("payments", "ledger", "sts-ledger"), Spec: appsv1.StatefulSetSpec{Replicas: ptr(int32(1)), Selector: sel, Template: template("s3-reader"), ServiceName: "ledger"}},
		&appsv1.DaemonSet{ObjectMeta: objMeta("payments", "log-shipper", "ds-log"), Spec: appsv1.DaemonSetSpec{Selector: sel, Template: template("s3-reader")}},
		&batchv1.Job{ObjectMeta: jobMeta, Spec: batchv1.JobSpec{Template: jobTemplate}},
		&batchv1.CronJob{ObjectMeta: objMeta("payments", "report", "cj-report"), Spec: batchv1.CronJobSpec{Schedule: "0 * * * *", JobTemplate: cronTemplate}},
		&admissionregistrationv1.MutatingWebhookConfiguration{
			ObjectMeta: objMeta("", "pod-identity-webhook", "mwc-piw"),
			Webhooks: []admissionregistrationv1.MutatingWebhook{{
				Name:                    "iam-for-pods.amazonaws.com",
				AdmissionReviewVersions: []string{"v1beta1"},
				ClientConfig:            admissionregistrationv1.WebhookClientConfig{URL: ptr("https://127.0.0.1:23443/mutate"), CABundle: []byte("-----BEGIN CERTIFICATE-----\n")},
				FailurePolicy:           ptr(admissionregistrationv1.Ignore),
				Rules: []admissionregistrationv1.RuleWithOperations{{
					Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
					Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}, Scope: ptr(admissionregistrationv1.AllScopes)},
				}},
				SideEffects:    ptr(admissionregistrationv1.SideEffectClassNone),
				TimeoutSeconds: ptr(int32(10)),
			}},
		},
	}
}

// eksVersion is what an EKS 1.31 API server answers at /version.
var eksVersion = &version.Info{
	Major: "1", Minor: "31+", GitVersion: "v1.31.4-eks-2d5f260", GitCommit: "2d5f2601ef6b9cd2ea9b5c5c2c5a7e1b6e3b9f3e",
	GitTreeState: "clean", BuildDate: "2025-01-09T18:45:47Z", GoVersion: "go1.22.10", Compiler: "gc", Platform: "linux/amd64",
}

func newClientset(objs ...runtime.Object) *fake.Clientset {
	cs := fake.NewClientset(objs...)
	cs.Discovery().(*fakediscovery.FakeDiscovery).FakedServerVersion = eksVersion
	return cs
}

// call is one request the fake recorded, as RBAC sees it.
type call struct {
	Verb, Group, Resource, Namespace string
}

func (c call) String() string {
	s := c.Verb + " " + c.Resource
	if c.Group != "" {
		s += "." + c.Group
	}
	if c.Namespace != "" {
		s += " -n " + c.Namespace
	}
	return s
}

// calls returns the fake's recorded actions, sorted, with their count.
func calls(actions []k8stesting.Action) map[string]int {
	out := map[string]int{}
	for _, a := range actions {
		res := a.GetResource()
		c := call{Verb: a.GetVerb(), Group: res.Group, Resource: res.Resource, Namespace: a.GetNamespace()}
		if a.GetSubresource() != "" {
			c.Resource += "/" + a.GetSubresource()
		}
		out[c.String()]++
	}
	return out
}

func forbidden(resource, group, verb, ns string) error {
	where := "at the cluster scope"
	if ns != "" {
		where = fmt.Sprintf("in the namespace %q", ns)
	}
	return apierrors.NewForbidden(schema.GroupResource{Group: group, Resource: resource}, "",
		fmt.Errorf("User \"alice\" cannot %s resource %q in API group %q %s", verb, resource, group, where))
}

// deny makes the fake refuse verb on resource in namespace ns ("" for
// every namespace or cluster scope), as RBAC does.
func deny(cs *fake.Clientset, verb, resource, group, ns string) {
	cs.PrependReactor(verb, resource, func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetNamespace() != ns {
			return false, nil, nil
		}
		return true, nil, forbidden(resource, group, verb, ns)
	})
}

// pagingClientset paginates pod Lists as the API server does: the fake
// clientset ignores Limit and Continue, and its reactors never see them
// (client-go testing.NewListActionWithOptions keeps only the selectors),
// so the pods client is wrapped. Each page is one recorded "list pods"
// action of the fake underneath.
type pagingClientset struct {
	*fake.Clientset
	mu   sync.Mutex
	opts []metav1.ListOptions // every pod List's options, in order
	// expireAt makes the request with this continue token fail with 410
	// Gone, as a token older than etcd's compaction window does.
	expireAt string
}

func (c *pagingClientset) CoreV1() corev1client.CoreV1Interface {
	return pagingCore{c.Clientset.CoreV1(), c}
}

type pagingCore struct {
	corev1client.CoreV1Interface
	c *pagingClientset
}

func (p pagingCore) Pods(ns string) corev1client.PodInterface {
	return pagingPods{p.CoreV1Interface.Pods(ns), p.c}
}

type pagingPods struct {
	corev1client.PodInterface
	c *pagingClientset
}

func (p pagingPods) List(ctx context.Context, o metav1.ListOptions) (*corev1.PodList, error) {
	p.c.mu.Lock()
	p.c.opts = append(p.c.opts, o)
	expire := o.Continue != "" && o.Continue == p.c.expireAt
	if expire {
		p.c.expireAt = ""
	}
	p.c.mu.Unlock()
	all, err := p.PodInterface.List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	if expire {
		return nil, apierrors.NewResourceExpired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results.")
	}
	sort.Slice(all.Items, func(i, j int) bool { return all.Items[i].Name < all.Items[j].Name })
	start := 0
	if o.Continue != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(o.Continue, "offset-"))
		if err != nil || n > len(all.Items) {
			return nil, apierrors.NewBadRequest("invalid continue token " + o.Continue)
		}
		start = n
	}
	end := len(all.Items)
	if o.Limit > 0 {
		end = min(start+int(o.Limit), end)
	}
	out := &corev1.PodList{ListMeta: metav1.ListMeta{ResourceVersion: "5000"}, Items: all.Items[start:end]}
	if end < len(all.Items) {
		out.Continue = fmt.Sprintf("offset-%d", end)
	}
	return out, nil
}

// checkGolden compares the captures with testdata/golden/NAME/PATH, and
// rewrites them with UPDATE_GOLDEN=1. A missing or surplus file fails.
func checkGolden(t *testing.T, name string, caps []bundle.Capture) {
	t.Helper()
	dir := filepath.Join("testdata", "golden", name)
	if os.Getenv("UPDATE_GOLDEN") == "1" {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		for _, c := range caps {
			p := filepath.Join(dir, filepath.FromSlash(c.Path))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, c.Data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := map[string]bool{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		want[filepath.ToSlash(rel)] = true
		return nil
	})
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	for _, c := range caps {
		if !want[c.Path] {
			t.Errorf("capture %s has no golden file (run with UPDATE_GOLDEN=1)", c.Path)
			continue
		}
		delete(want, c.Path)
		golden, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(c.Path)))
		if err != nil {
			t.Fatal(err)
		}
		if string(golden) != string(c.Data) {
			t.Errorf("capture %s differs from its golden file (run with UPDATE_GOLDEN=1 and review the diff):\n%s", c.Path, c.Data)
		}
	}
	for p := range want {
		t.Errorf("golden file %s was not captured", p)
	}
}
