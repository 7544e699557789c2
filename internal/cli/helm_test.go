package cli

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// helmFindings lists a report's findings as "ID status Kind ns/name [container]".
func helmFindings(t *testing.T, r run) []string {
	t.Helper()
	res := decode(t, r.stdout)
	var got []string
	for _, f := range res.Findings {
		s := fmt.Sprintf("%s %s %s %s/%s", f.CheckID, f.Status, f.Subject.Kind, f.Subject.Namespace, f.Subject.Name)
		if f.Subject.Container != "" {
			s += " " + f.Subject.Container
		}
		if f.Status == "fail" || f.CheckID == "IRSA101" {
			got = append(got, s)
		}
	}
	slices.Sort(got)
	return got
}

// Before deploying: `helm template ... | irsa-doctor analyze - -n NS`
// judges the rendered manifests alone (testdata/helm-template/rendered.yaml
// is a chart as helm template prints it, `# Source:` comments and
// namespace-less objects included).
func TestHelmTemplateBeforeDeploying(t *testing.T) {
	chart, err := os.ReadFile("testdata/helm-template/rendered.yaml")
	if err != nil {
		t.Fatal(err)
	}
	common := []string{
		// eks.amazonaws.com/role_arn: a near-miss of the key.
		"IRSA102 fail ServiceAccount payments/s3-reader",
		// The annotation on the pod template instead of the SA.
		"IRSA102 fail ServiceAccount payments/ledger",
		// An account ID of 11 digits.
		"IRSA103 fail ServiceAccount payments/queue-consumer",
		// Hand-written env: both variables without the token volume.
		"IRSA109 fail StatefulSet payments/payments-exporter exporter",
	}

	r := runCLI(t, string(chart), "analyze", "-", "-n", "payments", "-o", "json")
	if r.code != ExitFindings {
		t.Fatalf("exit %d, want 1 (stderr %q)", r.code, r.stderr)
	}
	// Manifests alone cannot prove the CronJob's ServiceAccount missing (it
	// may exist in the cluster): IRSA101 is skipped with the capture.
	// AWS_ROLE_ARN alone in the CronJob is reported.
	want := append(slices.Clone(common), "IRSA101 skipped CronJob payments/payments-reports",
		"IRSA109 fail CronJob payments/payments-reports reports")
	slices.Sort(want)
	if got := helmFindings(t, r); !slices.Equal(got, want) {
		t.Errorf("manifests only:\n got %q\nwant %q", got, want)
	}
	// -n places the namespace-less manifests in the namespace, as helm
	// install -n would: the capture command names it.
	if !strings.Contains(r.stdout, "capture: kubectl get serviceaccounts -n payments -o json") {
		t.Errorf("IRSA101's reason does not name the namespace:\n%s", r.stdout)
	}

	// With the namespace's ServiceAccounts from the cluster, it is missing,
	// and IRSA101 is the root cause the CronJob's IRSA109 waits behind.
	r = runCLI(t, string(chart), "analyze", "-", "testdata/helm-template/serviceaccounts.json", "-n", "payments", "-o", "json")
	if r.code != ExitFindings {
		t.Fatalf("exit %d, want 1 (stderr %q)", r.code, r.stderr)
	}
	want = append(slices.Clone(common), "IRSA101 fail CronJob payments/payments-reports")
	slices.Sort(want)
	if got := helmFindings(t, r); !slices.Equal(got, want) {
		t.Errorf("manifests and the cluster's ServiceAccounts:\n got %q\nwant %q", got, want)
	}
}
