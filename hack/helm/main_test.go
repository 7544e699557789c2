package main

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// root is the repository, from this module's folder.
const root = "../.."

// rendered are the objects of one render, decoded strictly: a field the
// Kubernetes types do not know (a typo in a template) fails the test.
type rendered struct {
	order              []string // "Kind/name" in the manifest's order
	serviceAccount     *corev1.ServiceAccount
	clusterRole        *rbacv1.ClusterRole
	clusterRoleBinding *rbacv1.ClusterRoleBinding
	role               *rbacv1.Role
	roleBinding        *rbacv1.RoleBinding
	service            *corev1.Service
	deployment         *appsv1.Deployment
	networkPolicy      *networkingv1.NetworkPolicy
	serviceMonitor     map[string]any
	prometheusRule     map[string]any
	notes              string
}

func render(t *testing.T, values map[string]any) *rendered {
	t.Helper()
	manifest, notes, err := Render(root, Namespace, values)
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, manifest, notes, Namespace)
}

// decode decodes a render in namespace ns.
func decode(t *testing.T, manifest, notes, ns string) *rendered {
	t.Helper()
	r := &rendered{notes: notes}
	for _, doc := range splitDocuments(manifest) {
		var meta struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name, Namespace string
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			t.Fatalf("decode %q: %v", doc, err)
		}
		if meta.Kind != "ClusterRole" && meta.Kind != "ClusterRoleBinding" && meta.Metadata.Namespace != ns {
			t.Errorf("%s/%s: namespace %q, want %q", meta.Kind, meta.Metadata.Name, meta.Metadata.Namespace, ns)
		}
		r.order = append(r.order, meta.Kind+"/"+meta.Metadata.Name)
		var into any
		switch meta.Kind {
		case "ServiceAccount":
			r.serviceAccount = new(corev1.ServiceAccount)
			into = r.serviceAccount
		case "ClusterRole":
			r.clusterRole = new(rbacv1.ClusterRole)
			into = r.clusterRole
		case "ClusterRoleBinding":
			r.clusterRoleBinding = new(rbacv1.ClusterRoleBinding)
			into = r.clusterRoleBinding
		case "Role":
			r.role = new(rbacv1.Role)
			into = r.role
		case "RoleBinding":
			r.roleBinding = new(rbacv1.RoleBinding)
			into = r.roleBinding
		case "Service":
			r.service = new(corev1.Service)
			into = r.service
		case "Deployment":
			r.deployment = new(appsv1.Deployment)
			into = r.deployment
		case "NetworkPolicy":
			r.networkPolicy = new(networkingv1.NetworkPolicy)
			into = r.networkPolicy
		case "ServiceMonitor":
			into = &r.serviceMonitor
		case "PrometheusRule":
			into = &r.prometheusRule
		default:
			t.Fatalf("unexpected kind %s in the rendered chart", meta.Kind)
		}
		if err := yaml.UnmarshalStrict([]byte(doc), into); err != nil {
			t.Fatalf("decode %s/%s: %v", meta.Kind, meta.Metadata.Name, err)
		}
	}
	return r
}

// wantClusterRules is the precision of issue 15: the read verbs of
// deploy/rbac.yaml's irsa-doctor-reader plus watch, and create/patch on
// events in both Event APIs; nothing else (no Secrets, no writes).
var wantClusterRules = []rbacv1.PolicyRule{
	{APIGroups: []string{""}, Resources: []string{"pods", "serviceaccounts"}, Verbs: []string{"list", "watch"}},
	{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"get", "list", "watch"}},
	{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"list", "watch"}},
	{APIGroups: []string{"apps"}, Resources: []string{"daemonsets", "deployments", "replicasets", "statefulsets"}, Verbs: []string{"list", "watch"}},
	{APIGroups: []string{"batch"}, Resources: []string{"cronjobs", "jobs"}, Verbs: []string{"list", "watch"}},
	{APIGroups: []string{"admissionregistration.k8s.io"}, Resources: []string{"mutatingwebhookconfigurations"}, Verbs: []string{"list", "watch"}},
	{NonResourceURLs: []string{"/version"}, Verbs: []string{"get"}},
	{APIGroups: []string{"", "events.k8s.io"}, Resources: []string{"events"}, Verbs: []string{"create", "patch"}},
}

var (
	leaseRule  = rbacv1.PolicyRule{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, Verbs: []string{"get", "create", "update"}}
	podGetRule = rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get"}}
)

var defaultArgs = []string{
	"serve", "--listen=:8080", "--resync=10m", "--aws-refresh=10m", "--log-format=json",
	"--leader-elect=true", "--all-namespaces",
}

var defaultOrder = []string{
	"NetworkPolicy/irsa-doctor", "ServiceAccount/irsa-doctor", "ClusterRole/irsa-doctor",
	"ClusterRoleBinding/irsa-doctor", "Role/irsa-doctor", "RoleBinding/irsa-doctor",
	"Service/irsa-doctor", "Deployment/irsa-doctor",
}

func TestRenderDefaults(t *testing.T) {
	r := render(t, nil)
	if diff := cmp.Diff(defaultOrder, r.order); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
	checkRBAC(t, r, true)
	if r.serviceAccount.Annotations != nil {
		t.Errorf("ServiceAccount annotations = %v, want none without serviceAccount.roleArn", r.serviceAccount.Annotations)
	}
	if r.serviceAccount.AutomountServiceAccountToken != nil {
		t.Errorf("ServiceAccount automountServiceAccountToken = %v, want unset (serve needs its token)", *r.serviceAccount.AutomountServiceAccountToken)
	}

	d := r.deployment
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 2 {
		t.Errorf("replicas = %v, want 2", d.Spec.Replicas)
	}
	selector := map[string]string{"app.kubernetes.io/name": "irsa-doctor", "app.kubernetes.io/instance": "irsa-doctor"}
	if diff := cmp.Diff(&metav1.LabelSelector{MatchLabels: selector}, d.Spec.Selector); diff != "" {
		t.Errorf("Deployment selector (-want +got):\n%s", diff)
	}
	pod := d.Spec.Template.Spec
	if pod.ServiceAccountName != "irsa-doctor" {
		t.Errorf("serviceAccountName = %q, want irsa-doctor", pod.ServiceAccountName)
	}
	checkSecurityContext(t, pod)
	c := pod.Containers[0]
	if c.Image != "irsa-doctor:v0.1.0" || c.ImagePullPolicy != corev1.PullIfNotPresent {
		t.Errorf("image = %q (%s), want irsa-doctor:v0.1.0 (IfNotPresent): the repository is a value, the tag the chart's appVersion", c.Image, c.ImagePullPolicy)
	}
	if c.Command != nil {
		t.Errorf("command = %q, want the image's entrypoint (/irsa-doctor)", c.Command)
	}
	if diff := cmp.Diff(defaultArgs, c.Args); diff != "" {
		t.Errorf("args (-want +got):\n%s", diff)
	}
	wantEnv := []corev1.EnvVar{
		{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
		{Name: "POD_NAMESPACE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}},
	}
	if diff := cmp.Diff(wantEnv, c.Env); diff != "" {
		t.Errorf("env (-want +got):\n%s", diff)
	}
	wantProbe := func(path string, period, failures int32) *corev1.Probe {
		return &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromString("metrics")}},
			PeriodSeconds: period, TimeoutSeconds: 5, FailureThreshold: failures,
		}
	}
	if diff := cmp.Diff(wantProbe("/healthz", 20, 3), c.LivenessProbe); diff != "" {
		t.Errorf("livenessProbe (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantProbe("/readyz", 10, 0), c.ReadinessProbe); diff != "" {
		t.Errorf("readinessProbe (-want +got):\n%s", diff)
	}
	wantResources := corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("512Mi")},
	}
	if !equalResources(wantResources, c.Resources) {
		t.Errorf("resources = %v, want %v", c.Resources, wantResources)
	}
	if pod.NodeSelector != nil || pod.Tolerations != nil || pod.Affinity != nil {
		t.Errorf("scheduling = %v %v %v, want none by default", pod.NodeSelector, pod.Tolerations, pod.Affinity)
	}
	checkMetricsOnly(t, r)
	for _, want := range []string{
		"kubectl -n irsa-doctor port-forward service/irsa-doctor 8080:8080",
		"None configured: without serviceAccount.roleArn",
		"kubectl label namespace irsa-doctor pod-security.kubernetes.io/enforce=restricted",
	} {
		if !strings.Contains(r.notes, want) {
			t.Errorf("notes lack %q:\n%s", want, r.notes)
		}
	}
	if strings.Contains(r.notes, "/report") {
		t.Errorf("notes name /report, which is off by default:\n%s", r.notes)
	}
}

// checkRBAC asserts the exact rules and bindings.
func checkRBAC(t *testing.T, r *rendered, leases bool) {
	t.Helper()
	if diff := cmp.Diff(wantClusterRules, r.clusterRole.Rules); diff != "" {
		t.Errorf("ClusterRole rules (-want +got):\n%s", diff)
	}
	wantRole := []rbacv1.PolicyRule{podGetRule}
	if leases {
		wantRole = []rbacv1.PolicyRule{leaseRule, podGetRule}
	}
	if diff := cmp.Diff(wantRole, r.role.Rules); diff != "" {
		t.Errorf("Role rules (-want +got):\n%s", diff)
	}
	subjects := []rbacv1.Subject{{Kind: "ServiceAccount", Name: "irsa-doctor", Namespace: Namespace}}
	if diff := cmp.Diff(subjects, r.clusterRoleBinding.Subjects); diff != "" {
		t.Errorf("ClusterRoleBinding subjects (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "irsa-doctor"}, r.clusterRoleBinding.RoleRef); diff != "" {
		t.Errorf("ClusterRoleBinding roleRef (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(subjects, r.roleBinding.Subjects); diff != "" {
		t.Errorf("RoleBinding subjects (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "irsa-doctor"}, r.roleBinding.RoleRef); diff != "" {
		t.Errorf("RoleBinding roleRef (-want +got):\n%s", diff)
	}
}

// checkSecurityContext asserts the restricted Pod Security profile and the
// image's numeric user, at the pod's and the container's level.
func checkSecurityContext(t *testing.T, pod corev1.PodSpec) {
	t.Helper()
	yes, no, uid := true, false, int64(65532)
	runtimeDefault := &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}
	wantPod := &corev1.PodSecurityContext{RunAsNonRoot: &yes, RunAsUser: &uid, RunAsGroup: &uid, SeccompProfile: runtimeDefault}
	if diff := cmp.Diff(wantPod, pod.SecurityContext); diff != "" {
		t.Errorf("pod securityContext (-want +got):\n%s", diff)
	}
	if len(pod.Containers) != 1 || len(pod.InitContainers) != 0 {
		t.Fatalf("containers = %d, init containers = %d, want 1 and 0", len(pod.Containers), len(pod.InitContainers))
	}
	wantContainer := &corev1.SecurityContext{
		RunAsNonRoot: &yes, RunAsUser: &uid, RunAsGroup: &uid,
		ReadOnlyRootFilesystem: &yes, AllowPrivilegeEscalation: &no,
		Capabilities:   &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		SeccompProfile: runtimeDefault,
	}
	if diff := cmp.Diff(wantContainer, pod.Containers[0].SecurityContext); diff != "" {
		t.Errorf("container securityContext (-want +got):\n%s", diff)
	}
	if pod.HostNetwork || pod.HostPID || pod.HostIPC || len(pod.Volumes) != 0 {
		t.Errorf("host namespaces or volumes in the pod: %+v", pod)
	}
}

// checkMetricsOnly asserts that the metrics port is the only one the pod
// declares, the Service exposes and the NetworkPolicy admits: /report
// listens on the pod's loopback whatever report.enabled says.
func checkMetricsOnly(t *testing.T, r *rendered) {
	t.Helper()
	wantPorts := []corev1.ContainerPort{{Name: "metrics", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}}
	if diff := cmp.Diff(wantPorts, r.deployment.Spec.Template.Spec.Containers[0].Ports); diff != "" {
		t.Errorf("container ports (-want +got):\n%s", diff)
	}
	wantService := corev1.ServiceSpec{
		Type:     corev1.ServiceTypeClusterIP,
		Selector: map[string]string{"app.kubernetes.io/name": "irsa-doctor", "app.kubernetes.io/instance": "irsa-doctor"},
		Ports:    []corev1.ServicePort{{Name: "metrics", Port: 8080, TargetPort: intstr.FromString("metrics"), Protocol: corev1.ProtocolTCP}},
	}
	if diff := cmp.Diff(wantService, r.service.Spec); diff != "" {
		t.Errorf("Service spec (-want +got):\n%s", diff)
	}
	tcp, metrics := corev1.ProtocolTCP, intstr.FromString("metrics")
	wantPolicy := networkingv1.NetworkPolicySpec{
		PodSelector: metav1.LabelSelector{MatchLabels: wantService.Selector},
		PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
		Ingress:     []networkingv1.NetworkPolicyIngressRule{{Ports: []networkingv1.NetworkPolicyPort{{Protocol: &tcp, Port: &metrics}}}},
	}
	if r.networkPolicy == nil {
		t.Fatal("no NetworkPolicy rendered")
	}
	if diff := cmp.Diff(wantPolicy, r.networkPolicy.Spec); diff != "" {
		t.Errorf("NetworkPolicy spec (-want +got):\n%s", diff)
	}
}

func equalResources(a, b corev1.ResourceRequirements) bool {
	eq := func(x, y corev1.ResourceList) bool {
		return maps.EqualFunc(x, y, func(p, q resource.Quantity) bool { return p.Cmp(q) == 0 })
	}
	return eq(a.Requests, b.Requests) && eq(a.Limits, b.Limits) && len(b.Claims) == 0
}

const roleARN = "arn:aws:iam::111122223333:role/irsa-doctor"

func TestRenderToggles(t *testing.T) {
	r := render(t, map[string]any{
		"serviceMonitor": map[string]any{"enabled": true},
		"prometheusRule": map[string]any{"enabled": true},
		"report":         map[string]any{"enabled": true},
		"serviceAccount": map[string]any{"roleArn": roleARN},
	})
	wantOrder := append(slices.Clone(defaultOrder), "PrometheusRule/irsa-doctor", "ServiceMonitor/irsa-doctor")
	if diff := cmp.Diff(wantOrder, r.order); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
	checkRBAC(t, r, true)
	if diff := cmp.Diff(map[string]string{"eks.amazonaws.com/role-arn": roleARN}, r.serviceAccount.Annotations); diff != "" {
		t.Errorf("ServiceAccount annotations (-want +got):\n%s", diff)
	}
	pod := r.deployment.Spec.Template.Spec
	checkSecurityContext(t, pod)
	wantArgs := append(slices.Clone(defaultArgs), "--report", "--report-listen=127.0.0.1:8081")
	if diff := cmp.Diff(wantArgs, pod.Containers[0].Args); diff != "" {
		t.Errorf("args (-want +got):\n%s", diff)
	}
	// /report on: still nothing but the metrics port outside the pod.
	checkMetricsOnly(t, r)

	wantMonitor := map[string]any{
		"selector":          map[string]any{"matchLabels": map[string]any{"app.kubernetes.io/name": "irsa-doctor", "app.kubernetes.io/instance": "irsa-doctor"}},
		"namespaceSelector": map[string]any{"matchNames": []any{"irsa-doctor"}},
		"endpoints":         []any{map[string]any{"port": "metrics", "path": "/metrics", "interval": "30s", "scrapeTimeout": "10s"}},
	}
	if diff := cmp.Diff("monitoring.coreos.com/v1", r.serviceMonitor["apiVersion"]); diff != "" {
		t.Errorf("ServiceMonitor apiVersion (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantMonitor, r.serviceMonitor["spec"]); diff != "" {
		t.Errorf("ServiceMonitor spec (-want +got):\n%s", diff)
	}
	wantRule := map[string]any{"groups": []any{map[string]any{
		"name": "irsa-doctor",
		"rules": []any{map[string]any{
			"alert":  "IRSAFindingsPresent",
			"expr":   `max by (check, slug, namespace, kind) (irsa_doctor_findings{severity="error"}) > 0`,
			"for":    "15m",
			"labels": map[string]any{"severity": "warning"},
			"annotations": map[string]any{
				"summary":     "{{ $labels.check }} {{ $labels.slug }}: {{ $value }} {{ $labels.kind }} subject(s) in namespace {{ $labels.namespace }}",
				"description": "irsa-doctor reports error findings of {{ $labels.check }} ({{ $labels.slug }}) in namespace {{ $labels.namespace }}: pods there may run without their IAM role. See: irsa-doctor explain {{ $labels.check }}",
			},
		}},
	}}}
	if diff := cmp.Diff(wantRule, r.prometheusRule["spec"]); diff != "" {
		t.Errorf("PrometheusRule spec (-want +got):\n%s", diff)
	}
	for _, want := range []string{
		"IRSA: ServiceAccount irsa-doctor/irsa-doctor is annotated with role " + roleARN,
		"kubectl -n irsa-doctor port-forward deployment/irsa-doctor 8081:8081",
		"curl -s 'localhost:8081/report?format=text'",
	} {
		if !strings.Contains(r.notes, want) {
			t.Errorf("notes lack %q:\n%s", want, r.notes)
		}
	}
}

// TestRenderValues: the other values and the combinations the chart refuses.
func TestRenderValues(t *testing.T) {
	tests := []struct {
		name    string
		values  map[string]any
		check   func(t *testing.T, r *rendered)
		wantErr string
	}{
		{
			name:   "one watched namespace, a region, text logs",
			values: map[string]any{"watchNamespace": "payments", "region": "eu-west-1", "logFormat": "text"},
			check: func(t *testing.T, r *rendered) {
				want := []string{"serve", "--listen=:8080", "--resync=10m", "--aws-refresh=10m", "--log-format=text",
					"--leader-elect=true", "--namespace=payments", "--region=eu-west-1"}
				if diff := cmp.Diff(want, r.deployment.Spec.Template.Spec.Containers[0].Args); diff != "" {
					t.Errorf("args (-want +got):\n%s", diff)
				}
				// Cluster-scoped kinds are read whatever the namespace.
				checkRBAC(t, r, true)
				if !strings.Contains(r.notes, "watching namespace payments.") {
					t.Errorf("notes:\n%s", r.notes)
				}
			},
		},
		{
			name:   "intervals and image",
			values: map[string]any{"resync": "2m", "awsRefresh": "30m", "image": map[string]any{"repository": "registry.example/irsa-doctor", "tag": "v1.2.3"}},
			check: func(t *testing.T, r *rendered) {
				c := r.deployment.Spec.Template.Spec.Containers[0]
				if c.Image != "registry.example/irsa-doctor:v1.2.3" {
					t.Errorf("image = %q", c.Image)
				}
				if c.Args[2] != "--resync=2m" || c.Args[3] != "--aws-refresh=30m" {
					t.Errorf("args = %q", c.Args)
				}
			},
		},
		{
			name:   "image by digest",
			values: map[string]any{"image": map[string]any{"digest": "sha256:" + strings.Repeat("ab", 32)}},
			check: func(t *testing.T, r *rendered) {
				if c := r.deployment.Spec.Template.Spec.Containers[0]; c.Image != "irsa-doctor@sha256:"+strings.Repeat("ab", 32) {
					t.Errorf("image = %q", c.Image)
				}
			},
		},
		{
			name:   "one replica without leader election has no lease rule",
			values: map[string]any{"replicas": 1, "leaderElection": map[string]any{"enabled": false}},
			check: func(t *testing.T, r *rendered) {
				if got := r.deployment.Spec.Template.Spec.Containers[0].Args[5]; got != "--leader-elect=false" {
					t.Errorf("args[5] = %q, want --leader-elect=false", got)
				}
				checkRBAC(t, r, false)
			},
		},
		{
			name:   "Pod Identity: no annotation, the association command in the notes",
			values: map[string]any{"serviceAccount": map[string]any{"podIdentity": true, "annotations": map[string]any{"team": "platform"}}},
			check: func(t *testing.T, r *rendered) {
				if diff := cmp.Diff(map[string]string{"team": "platform"}, r.serviceAccount.Annotations); diff != "" {
					t.Errorf("ServiceAccount annotations (-want +got):\n%s", diff)
				}
				want := "aws eks create-pod-identity-association --cluster-name CLUSTER \\\n      --namespace irsa-doctor --service-account irsa-doctor --role-arn ROLE_ARN"
				if !strings.Contains(r.notes, want) {
					t.Errorf("notes lack %q:\n%s", want, r.notes)
				}
			},
		},
		{
			name:   "scheduling and metrics peers",
			values: map[string]any{"nodeSelector": map[string]any{"kubernetes.io/os": "linux"}, "networkPolicy": map[string]any{"from": []any{map[string]any{"namespaceSelector": map[string]any{"matchLabels": map[string]any{"kubernetes.io/metadata.name": "monitoring"}}}}}},
			check: func(t *testing.T, r *rendered) {
				if diff := cmp.Diff(map[string]string{"kubernetes.io/os": "linux"}, r.deployment.Spec.Template.Spec.NodeSelector); diff != "" {
					t.Errorf("nodeSelector (-want +got):\n%s", diff)
				}
				want := []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "monitoring"}}}}
				if diff := cmp.Diff(want, r.networkPolicy.Spec.Ingress[0].From); diff != "" {
					t.Errorf("NetworkPolicy from (-want +got):\n%s", diff)
				}
			},
		},
		{
			name:   "NetworkPolicy off",
			values: map[string]any{"networkPolicy": map[string]any{"enabled": false}},
			check: func(t *testing.T, r *rendered) {
				if r.networkPolicy != nil || slices.Contains(r.order, "NetworkPolicy/irsa-doctor") {
					t.Errorf("objects = %q, want no NetworkPolicy", r.order)
				}
			},
		},
		{
			name:    "IRSA and Pod Identity together",
			values:  map[string]any{"serviceAccount": map[string]any{"roleArn": roleARN, "podIdentity": true}},
			wantErr: "serviceAccount.roleArn (IRSA) and serviceAccount.podIdentity (EKS Pod Identity) are exclusive: set one",
		},
		{
			name:    "two replicas without leader election",
			values:  map[string]any{"leaderElection": map[string]any{"enabled": false}},
			wantErr: "leaderElection.enabled=false needs replicas: 1",
		},
		// values.schema.json refuses these before any template runs.
		{
			name:    "unknown log format",
			values:  map[string]any{"logFormat": "xml"},
			wantErr: "at '/logFormat': value must be one of 'text', 'json'",
		},
		{
			name:    "a misspelt value is not ignored",
			values:  map[string]any{"serviceAccount": map[string]any{"rolearn": roleARN}},
			wantErr: "at '/serviceAccount': additional properties 'rolearn' not allowed",
		},
		{
			name:    "a role ARN that is not one",
			values:  map[string]any{"serviceAccount": map[string]any{"roleArn": "irsa-doctor"}},
			wantErr: "at '/serviceAccount/roleArn': 'irsa-doctor' does not match pattern",
		},
		{
			name:    "an interval that is not a duration",
			values:  map[string]any{"resync": "10"},
			wantErr: "at '/resync': '10' does not match pattern",
		},
		{
			name:    "no replica",
			values:  map[string]any{"replicas": 0},
			wantErr: "at '/replicas': minimum: got 0, want 1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			manifest, notes, err := Render(root, Namespace, tt.values)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			r := decode(t, manifest, notes, Namespace)
			checkSecurityContext(t, r.deployment.Spec.Template.Spec)
			tt.check(t, r)
		})
	}
}

// TestRenderOtherNamespace: every namespaced object, binding subject and
// the ServiceMonitor's namespaceSelector follow the release's namespace
// (here not the release's name, so that one cannot stand for the other).
func TestRenderOtherNamespace(t *testing.T) {
	install := map[string]any{"serviceMonitor": map[string]any{"enabled": true}, "prometheusRule": map[string]any{"enabled": true}}
	manifest, notes, err := Render(root, "platform", install)
	if err != nil {
		t.Fatal(err)
	}
	r := decode(t, manifest, notes, "platform")
	subjects := []rbacv1.Subject{{Kind: "ServiceAccount", Name: "irsa-doctor", Namespace: "platform"}}
	if diff := cmp.Diff(subjects, r.clusterRoleBinding.Subjects); diff != "" {
		t.Errorf("ClusterRoleBinding subjects (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(subjects, r.roleBinding.Subjects); diff != "" {
		t.Errorf("RoleBinding subjects (-want +got):\n%s", diff)
	}
	sel := r.serviceMonitor["spec"].(map[string]any)["namespaceSelector"]
	if diff := cmp.Diff(map[string]any{"matchNames": []any{"platform"}}, sel); diff != "" {
		t.Errorf("ServiceMonitor namespaceSelector (-want +got):\n%s", diff)
	}
	if !strings.Contains(notes, "kubectl -n platform port-forward service/irsa-doctor 8080:8080") {
		t.Errorf("notes:\n%s", notes)
	}
}

// TestManifestsFresh holds deploy/manifests/ equal to the chart's render:
// a change to the chart needs `make manifests`.
func TestManifestsFresh(t *testing.T) {
	want, err := Manifests(root)
	if err != nil {
		t.Fatal(err)
	}
	got, err := read(filepath.Join(root, manifestsPath))
	if err != nil {
		t.Fatal(err)
	}
	if diff := diffFiles(want, got); diff != "" {
		t.Errorf("%s is stale, run `make manifests`:\n%s", manifestsPath, diff)
	}
}

// diffFiles describes how got differs from want, file by file.
func diffFiles(want, got map[string][]byte) string {
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(want)) {
		g, ok := got[name]
		switch {
		case !ok:
			fmt.Fprintf(&b, "%s: missing\n", name)
		case string(g) != string(want[name]):
			fmt.Fprintf(&b, "%s (-want +got):\n%s", name, cmp.Diff(strings.Split(string(want[name]), "\n"), strings.Split(string(g), "\n")))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[name]; !ok {
			fmt.Fprintf(&b, "%s: not generated\n", name)
		}
	}
	return b.String()
}

func TestDiffFiles(t *testing.T) {
	want := map[string][]byte{"a.yaml": []byte("x\ny\n"), "b.yaml": []byte("b\n")}
	if d := diffFiles(want, map[string][]byte{"a.yaml": []byte("x\ny\n"), "b.yaml": []byte("b\n")}); d != "" {
		t.Errorf("equal files differ:\n%s", d)
	}
	d := diffFiles(want, map[string][]byte{"a.yaml": []byte("x\nz\n"), "c.yaml": nil})
	for _, part := range []string{"a.yaml (-want +got):", `"y",`, `"z",`, "b.yaml: missing", "c.yaml: not generated"} {
		if !strings.Contains(d, part) {
			t.Errorf("diff lacks %q:\n%s", part, d)
		}
	}
}

// TestWrite: make manifests removes files the chart no longer renders.
func TestWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "manifests")
	if err := os.MkdirAll(filepath.Join(dir, "old"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "old", "gone.yaml"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"a.yaml": []byte("a\n"), "sub/b.yaml": []byte("b\n")}
	if err := write(dir, files); err != nil {
		t.Fatal(err)
	}
	got, err := read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(files, got); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}
