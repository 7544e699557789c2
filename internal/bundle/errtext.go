package bundle

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// Error texts saved to a file, as kubectl and the AWS CLI print them on
// stderr, are evidence (docs/contract.md#absence-needs-proof): a NotFound
// proves an object missing; a denied call is a gap.

// looksLikeErrorText reports whether the first line is a CLI error.
func looksLikeErrorText(trimmed []byte) bool {
	first, _, _ := bytes.Cut(trimmed, []byte{'\n'})
	first = bytes.TrimSpace(first)
	for _, p := range []string{"Error from server", "An error occurred (", "aws: [ERROR]:", "error: "} {
		if bytes.HasPrefix(first, []byte(p)) {
			return true
		}
	}
	return false
}

var (
	// Error from server (NotFound): serviceaccounts "x" not found
	// Error from server (NotFound): deployments.apps "x" not found
	// kubectl does not print the namespace, even with -n.
	kubeNotFound = regexp.MustCompile(`^Error from server \(NotFound\): ([a-z0-9.-]+) "([^"]*)" not found$`)
	// Error from server (Forbidden): serviceaccounts "x" is forbidden: User "u" cannot get resource
	// "serviceaccounts" in API group "" in the namespace "payments"; the list form has no name; a
	// cluster-scoped one ends "at the cluster scope".
	kubeForbidden = regexp.MustCompile(`^Error from server \(Forbidden\): (?:[a-z0-9.-]+(?: "([^"]*)")? is forbidden: )?User "[^"]*" cannot ([a-z]+) resource "([^"]*)" in API group "[^"]*"(?: in the namespace "([^"]*)")?`)
	// An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name X cannot be found.
	// AWS CLI v2 from 2.25 prefixes "aws: [ERROR]: " and may add "(reached max retries: N)".
	awsError = regexp.MustCompile(`^(?:aws: \[ERROR\]: )?An error occurred \(([A-Za-z0-9.]+)\) when calling the ([A-Za-z]+) operation(?: \(reached max retries: \d+\))?: (.*)$`)

	awsRoleNotFound     = regexp.MustCompile(`^The role with name (\S+) cannot be found\.?$`)
	awsProviderNotFound = regexp.MustCompile(`^OpenIDConnect Provider not found for arn (\S+?)\.?$`)
	awsClusterNotFound  = regexp.MustCompile(`^No cluster found for name: (\S+?)\.?$`)
	// User: arn:... is not authorized to perform: iam:GetRole on resource: role X because no
	// identity-based policy allows the iam:GetRole action
	awsDenied = regexp.MustCompile(`is not authorized to perform: (\S+)(?: on resource: (.+?))?(?: because .*|\.)?$`)
)

// kubeResourceKinds maps the resource names kubectl prints to the kind of
// fact their absence proves.
var kubeResourceKinds = map[string]snapshot.Kind{
	"pods":                          snapshot.KindPod,
	"serviceaccounts":               snapshot.KindServiceAccount,
	"namespaces":                    snapshot.KindNamespace,
	"mutatingwebhookconfigurations": snapshot.KindWebhookConfiguration,
	"deployments":                   snapshot.KindWorkload,
	"statefulsets":                  snapshot.KindWorkload,
	"daemonsets":                    snapshot.KindWorkload,
	"replicasets":                   snapshot.KindWorkload,
	"jobs":                          snapshot.KindWorkload,
	"cronjobs":                      snapshot.KindWorkload,
	"nodes":                         snapshot.KindNode,
}

// awsServices are the services of the operations the bundle reads, for the
// IAM action name of a gap (iam:GetRole).
var awsServices = map[string]string{
	"GetRole":                        "iam",
	"ListRoles":                      "iam",
	"GetOpenIDConnectProvider":       "iam",
	"ListOpenIDConnectProviders":     "iam",
	"DescribeCluster":                "eks",
	"ListPodIdentityAssociations":    "eks",
	"DescribePodIdentityAssociation": "eks",
	"GetCallerIdentity":              "sts",
	"DescribeInstances":              "ec2",
	// Roles' permission policies (rolepolicies.go).
	"GetInstanceProfile":             "iam",
	"ListAttachedRolePolicies":       "iam",
	"ListRolePolicies":               "iam",
	"GetRolePolicy":                  "iam",
	"GetPolicy":                      "iam",
	"GetPolicyVersion":               "iam",
	"GetAccountAuthorizationDetails": "iam",
}

func parseErrorText(r *result, data []byte) {
	// Lines that are no capture's error may be the error a user saw (an
	// STS refusal, "Unable to locate credentials"): read together, as a
	// pasted error text (logs.go), they are an observation; otherwise
	// each is listed as a problem.
	var other []int
	var otherText []byte
	lines := bytes.Split(data, []byte{'\n'})
	for i, raw := range lines {
		line := strings.TrimSpace(string(raw))
		if line == "" {
			continue
		}
		switch label := r.errorLine(line); label {
		case "":
			other = append(other, i)
			otherText = append(append(otherText, raw...), '\n')
		default:
			r.recognise(label)
		}
	}
	if len(other) == 0 || parseObservedText(r, otherText) {
		return
	}
	for _, i := range other {
		shown := strings.TrimSpace(string(lines[i]))
		if len(shown) > 120 {
			shown = shown[:120] + "..."
		}
		r.failAt(i+1, 1, "not an error text irsa-doctor reads: "+strconv.Quote(shown))
	}
}

// errorLine records the evidence in one line and returns its label, or ""
// when the line says nothing irsa-doctor uses.
func (r *result) errorLine(line string) string {
	if m := kubeNotFound.FindStringSubmatch(line); m != nil {
		resource, _, _ := strings.Cut(m[1], ".")
		kind, ok := kubeResourceKinds[resource]
		if !ok {
			return ""
		}
		r.notFounds = append(r.notFounds, snapshot.NotFound{Kind: kind, Name: m[2], Message: line, Source: r.src})
		return "kubectl:Error"
	}
	if m := kubeForbidden.FindStringSubmatch(line); m != nil {
		name, verb, resource, ns := m[1], m[2], m[3], m[4]
		res := name
		if ns != "" {
			res = ns
			if name != "" {
				res = snapshot.Key(ns, name)
			}
		}
		r.gaps = append(r.gaps, snapshot.Gap{Source: "kube", Operation: verb + " " + resource, Resource: res, Reason: "Forbidden"})
		return "kubectl:Error"
	}
	m := awsError.FindStringSubmatch(line)
	if m == nil {
		return ""
	}
	code, op, msg := m[1], m[2], m[3]
	service, ok := awsServices[op]
	if !ok {
		return ""
	}
	nf := func(kind snapshot.Kind, name string) string {
		r.notFounds = append(r.notFounds, snapshot.NotFound{Kind: kind, Name: name, Message: line, Source: r.src})
		return "aws:Error"
	}
	switch code {
	case "NoSuchEntity", "ResourceNotFoundException":
		if mm := awsRoleNotFound.FindStringSubmatch(msg); mm != nil && op == "GetRole" {
			return nf(snapshot.KindRole, mm[1])
		}
		if mm := awsProviderNotFound.FindStringSubmatch(msg); mm != nil && op == "GetOpenIDConnectProvider" {
			return nf(snapshot.KindOIDCProvider, mm[1])
		}
		if mm := awsClusterNotFound.FindStringSubmatch(msg); mm != nil && op == "DescribeCluster" {
			return nf(snapshot.KindCluster, mm[1])
		}
	}
	// Any other error of a call the bundle reads (AccessDenied,
	// ExpiredToken, throttling) leaves that fact unknown: a gap.
	g := snapshot.Gap{Source: "aws", Operation: service + ":" + op, Reason: code}
	if mm := awsDenied.FindStringSubmatch(msg); mm != nil {
		g.Operation = mm[1]
		g.Resource = mm[2]
	}
	r.gaps = append(r.gaps, g)
	return "aws:Error"
}
