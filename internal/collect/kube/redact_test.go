package kube

import (
	"context"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/kubeclient/clientset"
)

// TestCollectRedacts: the captures of the collector, which scan reads and
// dump writes, carry no literal env value but the AWS SDK settings the
// checks read, no arguments and no last-applied-configuration, on pods and
// on every workload's template (issue 9); names and references stay.
func TestCollectRedacts(t *testing.T) {
	const lastApplied = `{"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"env":[{"name":"DB_PASSWORD","value":"hunter2"}]}]}}`
	secretEnv := []corev1.EnvVar{
		{Name: "AWS_ACCESS_KEY_ID", Value: "AKIAIOSFODNN7EXAMPLE"},
		{Name: "AWS_SECRET_ACCESS_KEY", Value: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
		{Name: "DB_PASSWORD", Value: "hunter2"},
		{Name: "API_KEY", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "api"}, Key: "key"}}},
	}
	withSecrets := func(spec corev1.PodSpec) corev1.PodSpec {
		spec.Containers = append([]corev1.Container(nil), spec.Containers...)
		c := spec.Containers[0]
		c.Env = append(append([]corev1.EnvVar(nil), c.Env...), secretEnv...)
		c.Args = []string{"--db-password=hunter2"}
		spec.Containers[0] = c
		return spec
	}
	p := pod("payments", "api-7d9f8b6c5-x2k4p", "s3-reader", roleARN)
	p.Spec = withSecrets(p.Spec)
	p.Annotations = map[string]string{bundle.AnnotationLastApplied: lastApplied, "eks.amazonaws.com/skip-containers": "none"}
	tmpl := template("s3-reader")
	tmpl.Spec = withSecrets(tmpl.Spec)
	depMeta := objMeta("payments", "api", "dep-api")
	depMeta.Annotations = map[string]string{bundle.AnnotationLastApplied: lastApplied}
	cron := template("report")
	cron.Spec = withSecrets(cron.Spec)
	cron.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
	sa := serviceAccount("payments", "s3-reader", roleARN)
	sa.Annotations[bundle.AnnotationLastApplied] = `{"metadata":{"name":"s3-reader"}}`
	cs := newClientset(namespace("payments"), sa, p,
		&appsv1.Deployment{ObjectMeta: depMeta, Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "api"}}, Template: tmpl}},
		&batchv1.CronJob{ObjectMeta: objMeta("payments", "report", "cj-report"), Spec: batchv1.CronJobSpec{Schedule: "0 * * * *", JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: cron}}}},
	)
	res, err := Collect(context.Background(), clientset.Wrap(cs), Options{Namespaces: []string{"payments"}})
	if err != nil {
		t.Fatal(err)
	}
	checked := map[string]bool{}
	for _, c := range res.Captures {
		data := string(c.Data)
		for _, secret := range []string{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI", "hunter2", "last-applied-configuration"} {
			if strings.Contains(data, secret) {
				t.Errorf("capture %s holds %q", c.Path, secret)
			}
		}
		switch c.Path {
		case "kube/pods-payments.json", "kube/deployments-payments.json", "kube/cronjobs-payments.json":
			checked[c.Path] = true
			// kubectl's encoder escapes < and > (HTML-safe JSON).
			placeholder := strings.NewReplacer("<", `\u003c`, ">", `\u003e`).Replace(bundle.RedactedValue)
			for _, want := range []string{`"name": "DB_PASSWORD",`, placeholder, `"name": "api"`} {
				if !strings.Contains(data, want) {
					t.Errorf("capture %s lacks %s", c.Path, want)
				}
			}
			if c.Path == "kube/pods-payments.json" && !strings.Contains(data, `"value": "`+roleARN+`"`) {
				t.Errorf("capture %s lacks the value of AWS_ROLE_ARN", c.Path)
			}
		}
	}
	if len(checked) != 3 {
		t.Errorf("captures checked: %v", checked)
	}
	// What the checks read is still there.
	snap, err := bundle.ReadCaptures(context.Background(), res.Captures, bundle.Manifest{Listed: res.Listed})
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Pods) != 1 || snap.Pods[0].Annotations["eks.amazonaws.com/skip-containers"] != "none" {
		t.Fatalf("pod annotations lost: %+v", snap.Pods)
	}
	env := map[string]string{}
	for _, e := range snap.Pods[0].Spec.Containers[0].Env {
		env[e.Name] = e.Value
	}
	if env["AWS_ROLE_ARN"] != roleARN || env["AWS_ACCESS_KEY_ID"] != bundle.RedactedValue || env["API_KEY"] != "" {
		t.Errorf("env read back as %v", env)
	}
}
