package report

import "github.com/irsa-doctor/irsa-doctor/internal/finding"

// Results the renderers are tested on, built the way the CLI builds them
// (internal/cli buildResult): schema and tool set, findings sorted as the
// engine leaves them, passes dropped unless --show-passed, summary last.

const (
	account   = "111122223333"
	issuerID  = "EXAMPLED539D4633E53DE1B71EXAMPLE"
	issuer    = "oidc.eks.us-west-2.amazonaws.com/id/" + issuerID
	roleARN   = "arn:aws:iam::" + account + ":role/s3-reader"
	oidcARN   = "arn:aws:iam::" + account + ":oidc-provider/" + issuer
	webIDRole = "web identity (IRSA): AWS_WEB_IDENTITY_TOKEN_FILE is set, role " + roleARN
	imdsWhy   = "no credentials in the environment: the SDK falls back to a shared profile baked into the image (which cannot be seen from the pod spec) or to the node's instance role through IMDS"
)

func result(mode string, files []finding.InputFile, targets []finding.Target, findings []finding.Finding, gaps []finding.Gap) *finding.Result {
	r := &finding.Result{
		SchemaVersion: finding.SchemaVersion,
		Tool:          finding.Tool{Name: "irsa-doctor", Version: "v0.1.0"},
		Input:         finding.Input{Mode: mode, Cluster: "prod", Region: "us-west-2", AccountID: account, Files: files},
		Targets:       targets,
		Findings:      findings,
		Gaps:          gaps,
	}
	finding.Sort(r.Findings) // as the engine leaves them
	r.Summarise()
	return r
}

func bundleFiles() []finding.InputFile {
	return []finding.InputFile{
		{Path: "b/pods.json", RecognisedAs: "kubectl:PodList"},
		{Path: "b/serviceaccounts.json", RecognisedAs: "kubectl:ServiceAccountList"},
		{Path: "b/webhooks.json", RecognisedAs: "kubectl:MutatingWebhookConfigurationList"},
		{Path: "b/describe-cluster.json", RecognisedAs: "aws:eks:DescribeCluster"},
		{Path: "b/get-role.json", RecognisedAs: "aws:iam:GetRole"},
		{Path: "b/oidc-providers.json", RecognisedAs: "aws:iam:ListOpenIDConnectProviders"},
	}
}

func links(statuses ...string) []finding.Link {
	var out []finding.Link
	for i, s := range statuses {
		l := finding.Link{Link: finding.Links[i], Status: s}
		if len(s) > 5 { // "fail:DETAIL" or "unknown:DETAIL"
			for k := range s {
				if s[k] == ':' {
					l.Status, l.Detail = s[:k], s[k+1:]
					break
				}
			}
		}
		out = append(out, l)
	}
	return out
}

func podTarget(name, sa string, ls []finding.Link, cs ...finding.Container) finding.Target {
	return finding.Target{Kind: "Pod", Namespace: "payments", Name: name, ServiceAccount: sa,
		Mechanism: "irsa", RoleARN: roleARN, Links: ls, Containers: cs}
}

func pass(id, slug string, subj finding.Subject, msg string) finding.Finding {
	return finding.Finding{CheckID: id, Slug: slug, Title: slug, Severity: finding.SeverityError,
		Status: finding.StatusPass, Subject: subj, Message: msg, Evidence: []finding.Evidence{}}
}

func skipped(id, slug string, sev finding.Severity, subj finding.Subject, why string) finding.Finding {
	return finding.Finding{CheckID: id, Slug: slug, Title: slug, Severity: sev,
		Status: finding.StatusSkipped, Subject: subj, Message: why, Evidence: []finding.Evidence{}}
}

func sa(name string) finding.Subject {
	return finding.Subject{Kind: "ServiceAccount", Namespace: "payments", Name: name}
}

func pod(name, container string) finding.Subject {
	return finding.Subject{Kind: "Pod", Namespace: "payments", Name: name, Container: container}
}

var (
	role = finding.Subject{Kind: "IAMRole", Name: "s3-reader", ARN: roleARN}
	oidc = finding.Subject{Kind: "OIDCProvider", ARN: oidcARN}
)

// healthyResult: one IRSA pod whose chain passes end to end.
func healthyResult() *finding.Result {
	return result("offline", bundleFiles(),
		[]finding.Target{podTarget("api-7d9f8b6c5-x2k4p", "s3-reader", links("pass", "pass", "pass", "pass", "pass"),
			finding.Container{Name: "app", CredentialSource: "web-identity", Reason: webIDRole})},
		[]finding.Finding{}, []finding.Gap{})
}

// passedFindings are what the engine records for healthyResult; the CLI
// keeps them only with --show-passed.
func passedFindings() []finding.Finding {
	p := "api-7d9f8b6c5-x2k4p"
	return []finding.Finding{
		pass("IRSA101", "service-account-missing", pod(p, ""), `ServiceAccount "s3-reader" exists in namespace payments`),
		pass("IRSA102", "role-annotation-missing", sa("s3-reader"), `eks.amazonaws.com/role-arn is "`+roleARN+`"`),
		pass("IRSA205", "trust-subject-mismatch", sa("s3-reader"), `trust policy admits sub "system:serviceaccount:payments:s3-reader" (statement 0, StringEquals)`),
		pass("IRSA301", "oidc-provider-missing", oidc, "IAM lists an OIDC provider for "+issuer),
	}
}

func showPassedResult() *finding.Result {
	r := healthyResult()
	r.Findings = passedFindings()
	r.Summarise()
	return r
}

const trustPolicyFix = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {"Federated": "` + oidcARN + `"},
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {
        "StringEquals": {
          "` + issuer + `:sub": "system:serviceaccount:payments:s3-reader",
          "` + issuer + `:aud": "sts.amazonaws.com"
        }
      }
    }
  ]
}
`

const subjectRemedy = "The role's trust policy must name the ServiceAccount the pod runs as, " +
	"`system:serviceaccount:NAMESPACE:NAME`, in the `:sub` condition of the statement that trusts the cluster's **OIDC provider**.\n\n" +
	"1. Write the corrected policy (below) to `s3-reader.trust-policy.json`.\n" +
	"2. Apply it:\n\n" +
	"   ```sh\n" +
	"   aws iam update-assume-role-policy --role-name s3-reader --policy-document file://s3-reader.trust-policy.json\n" +
	"   ```\n\n" +
	"3. New pods pick it up at once; running pods need no restart.\n\n" +
	"See [IAM roles for service accounts](https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts.html)."

func trustSubjectMismatch() finding.Finding {
	return finding.Finding{
		CheckID: "IRSA205", Slug: "trust-subject-mismatch", Title: "The trust policy does not admit the ServiceAccount",
		Severity: finding.SeverityError, Status: finding.StatusFail, Subject: sa("s3-reader"),
		Message: `trust policy allows sub "system:serviceaccount:payment:s3-reader", pod runs as "system:serviceaccount:payments:s3-reader"`,
		Evidence: []finding.Evidence{
			{Source: "bundle", Ref: "b/get-role.json", Value: `Condition.StringEquals["` + issuer + `:sub"] = "system:serviceaccount:payment:s3-reader"`},
			{Source: "bundle", Ref: "b/serviceaccounts.json", Value: "ServiceAccount payments/s3-reader"},
		},
		Remediation: subjectRemedy,
		Fix: fixOf([]finding.File{{Name: "s3-reader.trust-policy.json", Content: trustPolicyFix}},
			[]string{"aws", "iam", "update-assume-role-policy", "--role-name", "s3-reader", "--policy-document", "file://s3-reader.trust-policy.json"}),
	}
}

// multiFailureResult: one pod with two errors on the IAM side, a warning on
// a container and an info note.
func multiFailureResult() *finding.Result {
	p := "api-7d9f8b6c5-x2k4p"
	return result("offline", bundleFiles(),
		[]finding.Target{podTarget(p, "s3-reader",
			links("pass", "pass", "fail:IRSA205, IRSA206", "pass", "pass"),
			finding.Container{Name: "app", CredentialSource: "web-identity", Reason: webIDRole},
			finding.Container{Name: "log-shipper", CredentialSource: "imds", Reason: imdsWhy})},
		[]finding.Finding{
			trustSubjectMismatch(),
			{
				CheckID: "IRSA206", Slug: "trust-audience-mismatch", Title: "The trust policy does not admit the token's audience",
				Severity: finding.SeverityError, Status: finding.StatusFail, Subject: role,
				Message: `trust policy requires aud "sts.amazonaws.com.cn", the projected token carries aud "sts.amazonaws.com"`,
				Evidence: []finding.Evidence{
					{Source: "bundle", Ref: "b/get-role.json", Value: "{\n  \"StringEquals\": {\n    \"" + issuer + ":aud\": \"sts.amazonaws.com.cn\"\n  }\n}"},
					{Source: "bundle", Ref: "b/pods.json", Value: `volume aws-iam-token: serviceAccountToken.audience "sts.amazonaws.com"`},
				},
				Remediation: "Make the `:aud` condition equal the audience of the projected token.",
				Fix: fixOf([]finding.File{{Name: "s3-reader.trust-policy.json", Content: trustPolicyFix}},
					[]string{"aws", "iam", "update-assume-role-policy", "--role-name", "s3-reader", "--policy-document", "file://s3-reader.trust-policy.json"}),
			},
			{
				CheckID: "IRSA109", Slug: "token-file-unreadable", Title: "The container cannot read the token file",
				Severity: finding.SeverityWarning, Status: finding.StatusFail, Subject: pod(p, "app"),
				Message:  "container app runs as user 1000 and the pod sets no fsGroup: the projected token file is mode 0600, owned by root, so the SDK fails with \"permission denied\" on /var/run/secrets/eks.amazonaws.com/serviceaccount/token",
				Evidence: []finding.Evidence{{Source: "bundle", Ref: "b/pods.json", Value: "securityContext.runAsUser = 1000; fsGroup unset"}},
				Remediation: "Set `fsGroup` in the pod's security context:\n\n" +
					"```yaml\nspec:\n  securityContext:\n    fsGroup: 65534\n```\n",
			},
			{
				CheckID: "IRSA112", Slug: "sidecar-uses-node-role", Title: "A container falls back to the node role",
				Severity: finding.SeverityInfo, Status: finding.StatusFail, Subject: pod(p, "log-shipper"),
				Message:  "container log-shipper gets no web identity environment: it uses the node's instance role",
				Evidence: []finding.Evidence{},
			},
		}, []finding.Gap{})
}

// skippedResult: the pod's ServiceAccount is missing, so everything that
// depends on it is blocked; the IAM side lacks facts.
func skippedResult() *finding.Result {
	p := "api-7d9f8b6c5-x2k4p"
	t := podTarget(p, "s3-reader",
		links("fail:IRSA101", "unknown:IRSA103: blocked by IRSA101", "unknown:IRSA201: blocked by IRSA101", "unknown:not checked", "unknown:not checked"),
		finding.Container{Name: "app", CredentialSource: "imds", Reason: imdsWhy})
	t.RoleARN = ""
	return result("offline", bundleFiles()[:2],
		[]finding.Target{t},
		[]finding.Finding{
			{
				CheckID: "IRSA101", Slug: "service-account-missing", Title: "The pod's ServiceAccount does not exist",
				Severity: finding.SeverityError, Status: finding.StatusFail, Subject: pod(p, ""),
				Message:     `pod runs as ServiceAccount "s3-reader", which namespace payments does not have`,
				Evidence:    []finding.Evidence{{Source: "bundle", Ref: "b/serviceaccounts.json", Value: "a ServiceAccount List of namespace payments"}},
				Remediation: "Create the ServiceAccount, or point `spec.serviceAccountName` at one that exists.",
				Fix:         fixOf(nil, []string{"kubectl", "create", "serviceaccount", "s3-reader", "-n", "payments"}),
			},
			skipped("IRSA102", "role-annotation-missing", finding.SeverityError, sa("s3-reader"), "blocked by IRSA101"),
			skipped("IRSA103", "role-arn-malformed", finding.SeverityError, sa("s3-reader"), "blocked by IRSA101"),
			skipped("IRSA201", "role-missing", finding.SeverityError, sa("s3-reader"), "blocked by IRSA101"),
			skipped("IRSA104", "pod-not-mutated", finding.SeverityWarning, pod(p, ""), "blocked by IRSA101"),
			skipped("IRSA301", "oidc-provider-missing", finding.SeverityError, oidc,
				"the input has no IAM OIDC providers (capture: aws iam list-open-id-connect-providers --output json)"),
		}, []finding.Gap{})
}

// podIdentityResult: a pod that uses EKS Pod Identity, not IRSA.
func podIdentityResult() *finding.Result {
	const why = "uses EKS Pod Identity, not IRSA"
	t := finding.Target{Kind: "Pod", Namespace: "billing", Name: "invoicer-5f6d7c8b9-q2w3e", ServiceAccount: "invoicer",
		Mechanism: "pod-identity",
		Links:     links("pass", "unknown:"+why, "unknown:"+why, "unknown:"+why, "unknown:"+why),
		Containers: []finding.Container{{Name: "invoicer", CredentialSource: "container",
			Reason: "container credentials (EKS Pod Identity) from http://169.254.170.23/v1/credentials"}},
	}
	return result("live", nil, []finding.Target{t}, []finding.Finding{}, []finding.Gap{})
}

// gapsResult: facts that could not be collected, a file that could not be
// read and one that was not recognised; nothing fails.
func gapsResult() *finding.Result {
	files := append(bundleFiles()[:2],
		finding.InputFile{Path: "b/get-role.json", Error: "b/get-role.json:3:1: unexpected end of JSON input"},
		finding.InputFile{Path: "b/notes.txt"})
	t := podTarget("api-7d9f8b6c5-x2k4p", "s3-reader",
		links("pass", "pass", "unknown:IRSA201: iam:GetRole was denied (AccessDenied)", "unknown:IRSA301: iam:ListOpenIDConnectProviders was denied (AccessDenied)", "pass"),
		finding.Container{Name: "app", CredentialSource: "web-identity", Reason: webIDRole})
	return result("offline", files, []finding.Target{t},
		[]finding.Finding{
			skipped("IRSA201", "role-missing", finding.SeverityError, role, "iam:GetRole was denied (AccessDenied)"),
			skipped("IRSA205", "trust-subject-mismatch", finding.SeverityError, role, "iam:GetRole was denied (AccessDenied)"),
			skipped("IRSA301", "oidc-provider-missing", finding.SeverityError, oidc, "iam:ListOpenIDConnectProviders was denied (AccessDenied)"),
		},
		[]finding.Gap{
			{Source: "aws", Operation: "iam:GetRole", Resource: roleARN, Reason: "AccessDenied"},
			{Source: "aws", Operation: "iam:ListOpenIDConnectProviders", Reason: "AccessDenied"},
		})
}

// sharedResult: a Deployment and its pod (folded into the Deployment's
// finding by the engine), a second Deployment on the same ServiceAccount,
// and a missing OIDC provider that breaks all three.
func sharedResult() *finding.Result {
	const podName = "api-7d9f8b6c5-x2k4p"
	chain := links("pass", "pass", "fail:IRSA205", "fail:IRSA301", "pass")
	api := finding.Target{Kind: "Deployment", Namespace: "payments", Name: "api", ServiceAccount: "s3-reader",
		Mechanism: "irsa", RoleARN: roleARN, Links: chain,
		Containers: []finding.Container{{Name: "app", CredentialSource: "web-identity", Reason: webIDRole}}}
	worker := api
	worker.Name = "worker"
	worker.Containers = []finding.Container{{Name: "worker", CredentialSource: "web-identity", Reason: webIDRole}}
	p := podTarget(podName, "s3-reader", links("pass", "pass", "fail:IRSA205, IRSA107", "fail:IRSA301", "pass"),
		finding.Container{Name: "app", CredentialSource: "web-identity", Reason: webIDRole})

	subjectMismatch := trustSubjectMismatch()
	subjectMismatch.Evidence = append(subjectMismatch.Evidence,
		finding.Evidence{Source: "bundle", Ref: "b/deployments.json", Value: "affects Deployment payments/api"},
		finding.Evidence{Source: "bundle", Ref: "b/deployments.json", Value: "affects Deployment payments/worker"},
		finding.Evidence{Source: "bundle", Ref: "b/pods.json", Value: "affects Pod payments/" + podName},
	)
	subjectMismatch.Affects = []finding.Ref{
		{Kind: "Deployment", Namespace: "payments", Name: "api"}, {Kind: "Deployment", Namespace: "payments", Name: "worker"},
		{Kind: "Pod", Namespace: "payments", Name: podName},
	}
	return result("offline", bundleFiles(),
		[]finding.Target{api, worker, p},
		[]finding.Finding{
			subjectMismatch,
			{
				CheckID: "IRSA107", Slug: "static-keys-shadow-irsa", Title: "Static keys in the environment win over IRSA",
				Severity: finding.SeverityError, Status: finding.StatusFail,
				Subject: finding.Subject{Kind: "Deployment", Namespace: "payments", Name: "api", Container: "app"},
				Message: "container app sets AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY: every SDK takes them before web identity",
				Evidence: []finding.Evidence{
					{Source: "bundle", Ref: "b/deployments.json", Value: "env AWS_ACCESS_KEY_ID from secret payments/legacy-keys"},
					{Source: "bundle", Ref: "b/pods.json", Value: "pod payments/" + podName + " has the same finding"},
				},
				Affects:     []finding.Ref{{Kind: "Pod", Namespace: "payments", Name: podName}},
				Remediation: "Remove the static keys from the container's environment.",
			},
			{
				CheckID: "IRSA301", Slug: "oidc-provider-missing", Title: "IAM has no OIDC provider for the cluster's issuer",
				Severity: finding.SeverityError, Status: finding.StatusFail, Subject: oidc,
				Message:  "no IAM OIDC provider in account " + account + " has the URL https://" + issuer,
				Evidence: []finding.Evidence{{Source: "bundle", Ref: "b/describe-cluster.json", Value: "cluster.identity.oidc.issuer = https://" + issuer}},
				Fix: fixOf(nil,
					[]string{"eksctl", "utils", "associate-iam-oidc-provider", "--cluster", "prod", "--region", "us-west-2", "--approve"},
					[]string{"aws", "iam", "create-open-id-connect-provider", "--url", "https://" + issuer, "--client-id-list", "sts.amazonaws.com"}),
			},
			skipped("IRSA302", "oidc-audience-missing", finding.SeverityError, oidc, "blocked by IRSA301"),
			skipped("IRSA303", "oidc-thumbprint-mismatch", finding.SeverityWarning, oidc, "blocked by IRSA301"),
		}, []finding.Gap{})
}

// fixOf is a fix of files and commands, built as checks build them.
func fixOf(files []finding.File, argvs ...[]string) *finding.Fix {
	f := &finding.Fix{Files: files}
	for _, a := range argvs {
		f.AddStep(finding.Step{Argv: a})
	}
	return f
}
