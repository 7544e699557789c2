package cli

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/check"
)

// complete runs cobra's hidden __complete command, as the shell scripts do,
// and returns its candidate lines and directive line.
func complete(t *testing.T, args ...string) []string {
	t.Helper()
	r := runCLI(t, "", append([]string{"__complete"}, args...)...)
	if r.code != 0 {
		t.Fatalf("__complete %q: exit %d, stderr %q", args, r.code, r.stderr)
	}
	return strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
}

const (
	noFile        = ":4" // ShellCompDirectiveNoFileComp
	noFileNoSpace = ":6" // and ShellCompDirectiveNoSpace
)

func TestCompletion(t *testing.T) {
	healthy := "../../examples/healthy"
	pi := "../../examples/pod-identity-healthy"
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"namespaces of the bundle", []string{"analyze", pi, "-n", ""}, []string{"kube-system", "payments", noFile}},
		{"namespaces, prefix", []string{"analyze", pi, "--namespace", "k"}, []string{"kube-system", noFile}},
		{"pods as NS/NAME", []string{"analyze", healthy, "--pod", ""}, []string{
			"payments/api-7d9f8b6c5-q8w3z", "payments/api-7d9f8b6c5-x2k4p", noFile}},
		{"pods as NAME with -n", []string{"analyze", pi, "-n", "kube-system", "--pod", ""}, []string{
			"eks-pod-identity-agent-6xk2p", "eks-pod-identity-agent-tq9vb", noFile}},
		{"pods of a namespace with none", []string{"analyze", healthy, "-n", "default", "--pod", ""}, []string{noFile}},
		{"service accounts", []string{"analyze", healthy, "--service-account", "payments/s"}, []string{"payments/s3-reader", noFile}},
		{"workloads, lower-case kind", []string{"analyze", pi, "--workload", ""}, []string{
			"daemonset/kube-system/eks-pod-identity-agent", "deployment/payments/api", noFile}},
		{"workloads with -n", []string{"analyze", pi, "-n", "payments", "--workload", ""}, []string{"deployment/api", noFile}},
		{"no bundle yet", []string{"analyze", "--pod", ""}, []string{noFile}},
		{"standard input is not read", []string{"analyze", "-", "--pod", ""}, []string{noFile}},
		{"unreadable bundle", []string{"analyze", "../../examples/no-such-folder", "-n", ""}, []string{noFile}},
		{"--fail-on", []string{"analyze", healthy, "--fail-on", ""}, []string{"error", "warning", "info", "none", noFile}},
		{"-o on analyze", []string{"analyze", healthy, "-o", ""}, append(formatNames(), noFile)},
		{"-o on explain", []string{"explain", "IRSA101", "-o", ""}, []string{"text", "markdown", "json", noFile}},
		{"explain, prefix of an ID in any case", []string{"explain", "irsa20"}, []string{
			"IRSA201\tThe IAM role named by eks.amazonaws.com/role-arn does not exist",
			"IRSA202\tThe role's trust policy does not allow sts:AssumeRoleWithWebIdentity",
			"IRSA203\tThe role's trust policy does not trust the cluster's OIDC provider",
			"IRSA204\tA trust policy condition key names another issuer, so it never matches",
			"IRSA205\tThe trust policy's :sub condition rejects the service account",
			"IRSA206\tThe trust policy's :aud condition rejects the token's audience",
			"IRSA207\tThe trust policy lets service accounts of other namespaces or clusters assume the role",
			"IRSA208\tA Deny statement of the trust policy matches the pod's request",
			"IRSA209\tThe role's trust policy is not a document IAM accepts",
			noFile}},
		{"explain, slug and topic", []string{"explain", "s"}, []string{
			"service-account-not-found\tThe pod's ServiceAccount does not exist",
			"static-credentials-override\tStatic AWS keys in the environment override the IAM role",
			"stringequals-wildcard\tA * or ? under StringEquals is compared literally",
			"sdk-too-old\tA well-known AWS image carries an SDK too old for IRSA or EKS Pod Identity",
			"sts-endpoint-unreachable\tThe SDK calls the global STS endpoint where it cannot be reached",
			"simulation-contradicts-model\tIAM's policy simulator contradicts irsa-doctor's evaluation of the role's policies",
			"sdk-versions\tMinimum AWS SDK versions for IRSA and EKS Pod Identity",
			noFile}},
		{"explain takes one argument", []string{"explain", "IRSA101", ""}, []string{noFile}},
		{"--checks, the item after the last comma, excluded form", []string{"analyze", healthy, "--checks", "IRSA101,-trust-s"}, []string{
			"IRSA101,-trust-subject-mismatch\tThe trust policy's :sub condition rejects the service account",
			noFileNoSpace}},
		{"--checks leaves out what the list names", []string{"scan", "--checks", "IRSA30,IRSA301,IRSA30"}, []string{
			"IRSA30,IRSA301,IRSA302\tThe role's account has no IAM OIDC provider for the cluster's issuer",
			"IRSA30,IRSA301,IRSA303\tThe IAM OIDC provider's ClientIDList lacks the token's audience",
			"IRSA30,IRSA301,IRSA304\tThe IAM OIDC provider's ThumbprintList lacks the issuer host's certificate",
			"IRSA30,IRSA301,IRSA305\tThe issuer's discovery document or key set does not fit the cluster's tokens",
			"IRSA30,IRSA301,IRSA306\tThe service account token's claims differ from what the role and provider expect",
			noFileNoSpace}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, complete(t, tc.args...)); diff != "" {
				t.Errorf("__complete %q (-want +got):\n%s", tc.args, diff)
			}
		})
	}
}

// TestCompletionExplainEveryCheck: with nothing typed, explain offers every
// check's ID and slug and the topic.
func TestCompletionExplainEveryCheck(t *testing.T) {
	got := complete(t, "explain", "")
	if want := 2*len(check.All) + 2; len(got) != want {
		t.Errorf("%d lines, want %d (every ID and slug, sdk-versions, the directive)", len(got), want)
	}
}
