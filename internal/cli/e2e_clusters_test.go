package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv/awsfake"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// fleetDoc is the multi-cluster document.
type fleetDoc struct {
	SchemaVersion int              `json:"schemaVersion"`
	Clusters      []finding.Result `json:"clusters"`
}

// TestE2EScanSeveralContexts: `scan --context team-a --context team-b`
// against one real API server under two contexts whose namespaces and AWS
// profiles differ (each user's exec plugin is `aws eks get-token
// --cluster-name prod --region R` with AWS_PROFILE set, as `aws eks
// update-kubeconfig --profile` writes it; the plugin really runs, and
// gives the harness's client certificate). Each cluster is read with its
// own profile and region, and its own document holds its own findings; a
// third context whose API server is down is a gap in its document, and
// only all contexts down is exit 3 (issue 15, part 3).
func TestE2EScanSeveralContexts(t *testing.T) {
	c := sharedCluster(t)
	const nsA, nsB = "e2e-fleet-a", "e2e-fleet-b"
	roleA, roleB := e2eRoleARN("e2e-fleet-a-reader"), e2eRoleARN("e2e-fleet-b-reader")
	// team-a's account: the role trusts team-a's ServiceAccount.
	a := newE2E(t, nsA, awsfake.State{
		Roles:     []awsfake.Role{{ARN: roleA, TrustPolicy: e2eTrustPolicy(c, nsA, "s3-reader", webhook.DefaultAudience)}},
		Providers: []awsfake.OIDCProvider{e2eGoodProvider(c)},
	})
	// team-b's account: its role trusts team-a's namespace, not team-b's.
	b := newE2E(t, nsB, awsfake.State{
		Roles:     []awsfake.Role{{ARN: roleB, TrustPolicy: e2eTrustPolicy(c, nsA, "s3-reader", webhook.DefaultAudience)}},
		Providers: []awsfake.OIDCProvider{e2eGoodProvider(c)},
	})
	c.StartWebhook(t, testenv.WebhookOptions{})
	a.serviceAccount("s3-reader", roleA, nil)
	a.pod(e2ePod("api", "s3-reader"))
	b.serviceAccount("s3-reader", roleB, nil)
	b.pod(e2ePod("api", "s3-reader"))

	kc := fleetKubeconfigFile(t, c, a.kubeconfig, map[string]string{"team-a": nsA, "team-b": nsB})
	var mu sync.Mutex
	var asked []string
	scan := func(args ...string) run {
		t.Helper()
		var out, errOut bytes.Buffer
		deps := a.deps(&out, &errOut)
		deps.Live.AWSConfig = func(_ context.Context, profile, region string) (aws.Config, error) {
			mu.Lock()
			asked = append(asked, profile+" "+region)
			mu.Unlock()
			switch profile {
			case "team-a":
				return a.aws.Config(), nil
			case "team-b":
				return b.aws.Config(), nil
			}
			return aws.Config{}, fmt.Errorf("failed to get shared config profile, %s", profile)
		}
		code := Main(append([]string{"scan", "--kubeconfig", kc}, args...), deps)
		r := run{code: code, stdout: out.String(), stderr: errOut.String()}
		if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic") {
			t.Fatalf("stack trace on stderr:\n%s", r.stderr)
		}
		return r
	}
	wantB := []failing{{"IRSA205", "error", "IAMRole e2e-fleet-b-reader", "Statement[0] requires " + e2eIssuerHostPath(c) +
		`:sub StringEquals "system:serviceaccount:e2e-fleet-a:s3-reader"; the token has "system:serviceaccount:e2e-fleet-b:s3-reader": ` +
		`the namespace differs: "e2e-fleet-a" in the policy, "e2e-fleet-b" in the token`}}

	t.Run("json", func(t *testing.T) {
		asked = nil
		r := scan("-o", "json", "--context", "team-a", "--context", "team-b", "--context", "gone")
		if r.code != ExitFindings {
			t.Errorf("exit %d, want 1 (team-b's trust fails, gone not scanned); stderr %s", r.code, r.stderr)
		}
		var doc fleetDoc
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatalf("stdout: %v\n%s", err, r.stdout)
		}
		if doc.SchemaVersion != 1 || len(doc.Clusters) != 3 {
			t.Fatalf("schemaVersion %d, %d clusters; want 1 and 3:\n%s", doc.SchemaVersion, len(doc.Clusters), r.stdout)
		}
		slices.Sort(asked)
		if want := []string{"team-a eu-west-1", "team-b us-east-2"}; !slices.Equal(asked, want) {
			t.Errorf("AWS configurations asked %q, want %q (each context's own profile and region)", asked, want)
		}
		docA, docB, docGone := doc.Clusters[0], doc.Clusters[1], doc.Clusters[2]
		for i, want := range []finding.Input{
			{Mode: "live", Context: "team-a", Cluster: e2eCluster, Region: awsfake.DefaultRegion, AccountID: e2eAccount},
			{Mode: "live", Context: "team-b", Cluster: e2eCluster, Region: awsfake.DefaultRegion, AccountID: e2eAccount},
			{Mode: "live", Context: "gone", Cluster: e2eCluster, Region: "ap-south-1", AccountID: ""},
		} {
			if diff := cmp.Diff(want, doc.Clusters[i].Input, cmpopts.IgnoreFields(finding.Input{}, "Files")); diff != "" {
				t.Errorf("clusters[%d].input (-want +got):\n%s", i, diff)
			}
		}
		if diff := cmp.Diff([]failing(nil), failures(docA)); diff != "" {
			t.Errorf("team-a's failing findings (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(wantB, failures(docB)); diff != "" {
			t.Errorf("team-b's failing findings (-want +got):\n%s", diff)
		}
		for i, d := range []finding.Result{docA, docB} {
			if len(d.Targets) != 1 || d.Targets[0].Namespace != []string{nsA, nsB}[i] || len(d.Gaps) != 0 {
				t.Errorf("clusters[%d]: targets %+v, gaps %+v; want its namespace's pod, no gap", i, d.Targets, d.Gaps)
			}
		}
		if len(docGone.Targets) != 0 || len(docGone.Gaps) != 1 || docGone.Gaps[0].Source != "live" || docGone.Gaps[0].Operation != "collect" ||
			docGone.Gaps[0].Resource != "context gone" || !strings.Contains(docGone.Gaps[0].Reason, "127.0.0.1:1") ||
			docGone.Summary.Incomplete != "incomplete: the cluster could not be scanned" {
			t.Errorf("gone's document: targets %+v, gaps %+v, summary %+v; want one gap naming its API server", docGone.Targets, docGone.Gaps, docGone.Summary)
		}
		if !strings.Contains(r.stderr, "irsa-doctor: context gone: not scanned (see the gap in its document): ") {
			t.Errorf("stderr %q does not name the context not scanned", r.stderr)
		}
	})

	t.Run("text", func(t *testing.T) {
		r := scan("--context", "team-a", "--context", "team-b")
		if r.code != ExitFindings {
			t.Errorf("exit %d, want 1; stderr %s", r.code, r.stderr)
		}
		for _, want := range []string{
			"Scanned live: 2 clusters, 1 with failing findings.\n",
			"CLUSTER  EKS CLUSTER  REGION     ACCOUNT       TARGETS  ERRORS  WARNINGS  GAPS  NOTE\n",
			"team-a   prod         us-west-2  " + e2eAccount + "  1        0       0         0     -\n",
			"team-b   prod         us-west-2  " + e2eAccount + "  1        1       0         0     -\n",
			"\n== cluster team-a ===",
			"\nScanned live: context team-a, cluster prod, region us-west-2, account " + e2eAccount + "; ",
			"\n1 target healthy; --show-passed lists them.\n",
			"\n== cluster team-b ===",
			"\nScanned live: context team-b, cluster prod, region us-west-2, account " + e2eAccount + "; ",
			// The CLUSTER column of the section's table.
			"\nCLUSTER  TARGET               MECHANISM  SA  WEBHOOK  ROLE  OIDC  ISSUER  FAILING\n" +
				"team-b   Pod " + nsB + "/api  irsa       P   P        F     P     P       IRSA205\n",
		} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("text report lacks %q", want)
			}
		}
	})

	t.Run("--all-contexts", func(t *testing.T) {
		r := scan("-o", "json", "--all-contexts")
		if r.code != ExitFindings {
			t.Errorf("exit %d, want 1; stderr %s", r.code, r.stderr)
		}
		var doc fleetDoc
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatalf("stdout: %v\n%s", err, r.stdout)
		}
		var got []string
		for _, d := range doc.Clusters {
			got = append(got, fmt.Sprintf("%s %d targets %d gaps %d fail", d.Input.Context, len(d.Targets), len(d.Gaps), d.Summary.Fail))
		}
		want := []string{"gone 0 targets 1 gaps 0 fail", "gone-too 0 targets 1 gaps 0 fail", "team-a 1 targets 0 gaps 0 fail", "team-b 1 targets 0 gaps 1 fail"}
		if !slices.Equal(got, want) {
			t.Errorf("clusters %q, want %q (every context, sorted)", got, want)
		}
	})

	t.Run("all contexts down", func(t *testing.T) {
		r := scan("-o", "json", "--context", "gone", "--context", "gone-too")
		if r.code != ExitError {
			t.Errorf("exit %d, want 3", r.code)
		}
		lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
		if len(lines) != 1 || !strings.HasPrefix(lines[0], "irsa-doctor: no context could be scanned: gone: ") || !strings.Contains(lines[0], "; gone-too: ") {
			t.Errorf("stderr %q, want one line naming both contexts", r.stderr)
		}
		var doc fleetDoc
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || len(doc.Clusters) != 2 || len(doc.Clusters[1].Gaps) != 1 {
			t.Errorf("stdout (%v): want both documents, each with its gap:\n%s", err, r.stdout)
		}
	})

	t.Run("one context is today's document", func(t *testing.T) {
		r := scan("-o", "json", "--context", "team-b")
		res := decode(t, r.stdout)
		if diff := cmp.Diff(wantB, failures(res)); diff != "" || res.Input.Context != "" || strings.Contains(r.stdout, `"clusters"`) || strings.Contains(r.stdout, `"context"`) {
			t.Errorf("one --context: not the one-cluster document (failures -want +got %s):\n%s", diff, r.stdout)
		}
	})
}

// fleetKubeconfigFile writes a kubeconfig whose contexts (name ->
// namespace) reach the harness's API server through an exec plugin that
// names the EKS cluster prod and the context's profile and region, and
// two contexts, gone and gone-too, whose API server does not answer.
func fleetKubeconfigFile(t *testing.T, c *testenv.Cluster, adminKubeconfig string, contexts map[string]string) string {
	t.Helper()
	admin, err := clientcmd.LoadFromFile(adminKubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	user := admin.AuthInfos[admin.Contexts[testenv.ContextName].AuthInfo]
	dir := t.TempDir()
	cred, err := json.Marshal(map[string]any{
		"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
		"status": map[string]string{"clientCertificateData": string(user.ClientCertificateData), "clientKeyData": string(user.ClientKeyData)},
	})
	if err != nil {
		t.Fatal(err)
	}
	credFile := filepath.Join(dir, "credential.json")
	if err := os.WriteFile(credFile, cred, 0o600); err != nil {
		t.Fatal(err)
	}
	regions := map[string]string{"team-a": "eu-west-1", "team-b": "us-east-2"}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["harness"] = admin.Clusters[testenv.ContextName]
	cfg.Clusters["gone"] = &clientcmdapi.Cluster{Server: "https://127.0.0.1:1", CertificateAuthorityData: admin.Clusters[testenv.ContextName].CertificateAuthorityData}
	cfg.AuthInfos["admin"] = user
	for name, ns := range contexts {
		cfg.AuthInfos[name] = &clientcmdapi.AuthInfo{Exec: &clientcmdapi.ExecConfig{
			APIVersion: "client.authentication.k8s.io/v1", InteractiveMode: clientcmdapi.NeverExecInteractiveMode,
			// sh runs the script; the words after it are $0... for the
			// script, and what kubeconfig.Identify reads.
			Command: "/bin/sh",
			Args:    []string{"-c", "cat " + credFile, "aws", "--region", regions[name], "eks", "get-token", "--cluster-name", e2eCluster},
			Env:     []clientcmdapi.ExecEnvVar{{Name: "AWS_PROFILE", Value: name}},
		}}
		cfg.Contexts[name] = &clientcmdapi.Context{Cluster: "harness", AuthInfo: name, Namespace: ns}
	}
	// gone's exec plugin names the cluster and region, so its document
	// says which cluster it could not reach.
	cfg.AuthInfos["gone"] = &clientcmdapi.AuthInfo{Exec: &clientcmdapi.ExecConfig{
		APIVersion: "client.authentication.k8s.io/v1", InteractiveMode: clientcmdapi.NeverExecInteractiveMode,
		Command: "/bin/sh", Args: []string{"-c", "cat " + credFile, "aws", "eks", "get-token", "--cluster-name", e2eCluster, "--region", "ap-south-1"},
		Env: []clientcmdapi.ExecEnvVar{{Name: "AWS_PROFILE", Value: "gone"}},
	}}
	cfg.Contexts["gone"] = &clientcmdapi.Context{Cluster: "gone", AuthInfo: "gone"}
	cfg.Contexts["gone-too"] = &clientcmdapi.Context{Cluster: "gone", AuthInfo: "admin"}
	cfg.CurrentContext = "team-a"
	path := filepath.Join(dir, "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}
