package bundle

import (
	stdjson "encoding/json"
	"fmt"
	"slices"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// The opt-in probe (`scan --probe`, `dump --probe`) writes two documents of
// its own, so that `dump --probe` followed by `analyze` judges what `scan
// --probe` judged:
//
//	{"kind": "IrsaDoctorProbeResult", "namespace": "payments", "serviceAccount": "s3-reader",
//	 "roleArn": "arn:aws:iam::111122223333:role/payments-s3-reader", "audience": "sts.amazonaws.com",
//	 "issuer": "https://oidc.eks...", "subject": "system:serviceaccount:payments:s3-reader",
//	 "ok": false, "errorCode": "InvalidIdentityToken", "errorMessage": "Incorrect token audience",
//	 "httpStatus": 400}
//
// is one STS AssumeRoleWithWebIdentity answer to a fresh token of the
// ServiceAccount (never the token or the credentials), and
//
//	{"kind": "IrsaDoctorDryRun", "target": {"kind": "Deployment", "namespace": "payments", "name": "api"},
//	 "pod": {...the Pod the API server returned, as kubectl prints it...}}
//
// is a server-side dry-run create of the workload's pod template, with
// "error" in place of "pod" when admission refused it. The embedded Pod
// never ran: it becomes a snapshot.DryRunResult, not a snapshot Pod.

// Kinds of the probe's documents.
const (
	ProbeResultKind = "IrsaDoctorProbeResult"
	DryRunKind      = "IrsaDoctorDryRun"
)

const (
	labelProbe  = "irsa-doctor:ProbeResult"
	labelDryRun = "irsa-doctor:DryRun"
)

// probeFacts are what one file contributed of the probe's facts.
type probeFacts struct {
	probes  []*snapshot.ProbeResult
	dryRuns []*snapshot.DryRunResult
}

// probeDoc is the JSON form of an IrsaDoctorProbeResult.
type probeDoc struct {
	Kind           string `json:"kind"`
	Namespace      string `json:"namespace"`
	ServiceAccount string `json:"serviceAccount"`
	RoleARN        string `json:"roleArn"`
	Audience       string `json:"audience"`
	Issuer         string `json:"issuer,omitempty"`
	Subject        string `json:"subject,omitempty"`
	OK             bool   `json:"ok"`
	AssumedRoleARN string `json:"assumedRoleArn,omitempty"`
	ErrorCode      string `json:"errorCode,omitempty"`
	ErrorMessage   string `json:"errorMessage,omitempty"`
	HTTPStatus     int    `json:"httpStatus"`
}

// DryRunTarget names the workload whose pod template was dry-run created.
type DryRunTarget struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// dryRunDoc is the JSON form of an IrsaDoctorDryRun.
type dryRunDoc struct {
	Kind   string       `json:"kind"`
	Target DryRunTarget `json:"target"`
	Pod    any          `json:"pod,omitempty"`
	Error  string       `json:"error,omitempty"`
}

// EncodeProbeResult renders a probe result as the capture
// probe/assume-NS-SA.json holds it (4-space indent, as the other
// captures). p.Source is not written.
func EncodeProbeResult(p snapshot.ProbeResult) ([]byte, error) {
	return encodeIndent(probeDoc{Kind: ProbeResultKind, Namespace: p.Namespace, ServiceAccount: p.ServiceAccount,
		RoleARN: p.RoleARN, Audience: p.Audience, Issuer: p.Issuer, Subject: p.Subject, OK: p.OK,
		AssumedRoleARN: p.AssumedRoleARN, ErrorCode: p.ErrorCode, ErrorMessage: p.ErrorMessage, HTTPStatus: p.HTTPStatus})
}

// EncodeDryRun renders a dry-run capture: pod is the Pod the API server
// returned, as kubectl prints it (a map with apiVersion and kind set), or
// nil with refusal set to the API server's error.
func EncodeDryRun(target DryRunTarget, pod map[string]any, refusal string) ([]byte, error) {
	d := dryRunDoc{Kind: DryRunKind, Target: target, Error: refusal}
	if pod != nil {
		d.Pod = pod
	}
	return encodeIndent(d)
}

func encodeIndent(v any) ([]byte, error) {
	b, err := stdjson.MarshalIndent(v, "", "    ")
	if err != nil {
		return nil, fmt.Errorf("encode probe capture: %w", err)
	}
	return append(b, '\n'), nil
}

// classifyProbe recognises the probe's documents; it returns false, having
// recorded nothing, for any other object.
func classifyProbe(r *result, src *jsonSrc, o *object) bool {
	switch o.str("kind") {
	case ProbeResultKind:
		parseProbeResult(r, src, o)
	case DryRunKind:
		parseDryRun(r, src, o)
	default:
		return false
	}
	return true
}

func parseProbeResult(r *result, src *jsonSrc, o *object) {
	var d probeDoc
	if o.raw == nil || !r.decodeMember(src, o.raw, &d, "probe result") {
		return
	}
	if d.Namespace == "" || d.ServiceAccount == "" || d.RoleARN == "" {
		r.failOff(src, o.start, fmt.Sprintf("probe result lacks namespace, serviceAccount or roleArn (%q, %q, %q); skipped", d.Namespace, d.ServiceAccount, d.RoleARN))
		return
	}
	if !d.OK && d.ErrorCode == "" {
		r.failOff(src, o.start, fmt.Sprintf("probe result of ServiceAccount %s/%s is neither ok nor an error (no errorCode); skipped", d.Namespace, d.ServiceAccount))
		return
	}
	if d.OK && d.ErrorCode != "" {
		r.failOff(src, o.start, fmt.Sprintf("probe result of ServiceAccount %s/%s is ok but has errorCode %q; skipped", d.Namespace, d.ServiceAccount, d.ErrorCode))
		return
	}
	r.probe.probes = append(r.probe.probes, &snapshot.ProbeResult{Namespace: d.Namespace, ServiceAccount: d.ServiceAccount,
		RoleARN: d.RoleARN, Audience: d.Audience, Issuer: d.Issuer, Subject: d.Subject, OK: d.OK,
		AssumedRoleARN: d.AssumedRoleARN, ErrorCode: d.ErrorCode, ErrorMessage: d.ErrorMessage, HTTPStatus: d.HTTPStatus, Source: r.src})
	r.recognise(labelProbe)
}

func parseDryRun(r *result, src *jsonSrc, o *object) {
	var d struct {
		Target DryRunTarget `json:"target"`
		Error  string       `json:"error"`
	}
	if o.raw == nil || !r.decodeMember(src, o.raw, &d, "dry-run capture") {
		return
	}
	// The member itself (not a decoded copy) aliases the file's bytes, so
	// a problem in it is reported at its position.
	podValue, _ := o.get("pod")
	t := d.Target
	if t.Kind == "" || t.Namespace == "" || t.Name == "" {
		r.failOff(src, o.start, fmt.Sprintf("dry-run capture target lacks kind, namespace or name (%q, %q, %q); skipped", t.Kind, t.Namespace, t.Name))
		return
	}
	res := &snapshot.DryRunResult{Kind: t.Kind, Namespace: t.Namespace, Name: t.Name, Error: d.Error, Source: r.src}
	hasPod := len(podValue) > 0 && podValue.Kind() != 'n'
	switch {
	case hasPod && d.Error != "":
		r.failOff(src, o.start, fmt.Sprintf("dry-run capture of %s %s/%s has both a pod and an error; skipped", t.Kind, t.Namespace, t.Name))
		return
	case !hasPod && d.Error == "":
		r.failOff(src, o.start, fmt.Sprintf("dry-run capture of %s %s/%s has neither a pod nor an error; skipped", t.Kind, t.Namespace, t.Name))
		return
	case hasPod:
		var pod struct {
			Kind string           `json:"kind"`
			Spec snapshot.PodSpec `json:"spec"`
		}
		if !r.decodeMember(src, podValue, &pod, "dry-run capture pod") {
			return
		}
		if pod.Kind != "Pod" {
			r.failOff(src, offsetOf(src.data, podValue), fmt.Sprintf("dry-run capture of %s %s/%s holds a %q, not a Pod; skipped", t.Kind, t.Namespace, t.Name, pod.Kind))
			return
		}
		fillDryRun(res, &pod.Spec)
	}
	r.probe.dryRuns = append(r.probe.dryRuns, res)
	r.recognise(labelDryRun)
}

// Names the pod identity webhook injects (docs/reference/webhook.md#what-it-injects, docs/reference/webhook.md#token-file-permissions, docs/reference/webhook.md#pod-identity-mode); the
// bundle reader does not import the webhook package, which judges.
var (
	tokenVolumes    = []string{"aws-iam-token", "eks-pod-identity-token"}
	credentialNames = []string{"AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"}
)

// fillDryRun keeps the names the checks compare: env var names (never
// values), mounted volume names, and the pod's volume names.
func fillDryRun(res *snapshot.DryRunResult, spec *snapshot.PodSpec) {
	conv := func(cs []snapshot.Container) []snapshot.DryRunContainer {
		var out []snapshot.DryRunContainer
		for _, c := range cs {
			dc := snapshot.DryRunContainer{Name: c.Name}
			for _, e := range c.Env {
				dc.Env = append(dc.Env, e.Name)
			}
			for _, m := range c.VolumeMounts {
				dc.Mounts = append(dc.Mounts, m.Name)
			}
			out = append(out, dc)
		}
		return out
	}
	res.InitContainers = conv(spec.InitContainers)
	res.Containers = conv(spec.Containers)
	for _, v := range spec.Volumes {
		res.Volumes = append(res.Volumes, v.Name)
	}
	volume := slices.ContainsFunc(res.Volumes, func(v string) bool { return slices.Contains(tokenVolumes, v) })
	creds := false
	for _, c := range append(append([]snapshot.DryRunContainer(nil), res.InitContainers...), res.Containers...) {
		creds = creds || slices.ContainsFunc(c.Env, func(e string) bool { return slices.Contains(credentialNames, e) })
	}
	res.Mutated = volume && creds
}

// addProbe merges one file's probe facts; the first result for a
// ServiceAccount or a workload wins, as for every other object.
func (m *merger) addProbe(r *result) {
	s := m.s
	for _, p := range r.probe.probes {
		if firstOf(m.probes, [2]string{p.Namespace, p.ServiceAccount}) {
			s.Probes = append(s.Probes, p)
		}
	}
	for _, d := range r.probe.dryRuns {
		if firstOf(m.dryRuns, [3]string{d.Kind, d.Namespace, d.Name}) {
			s.DryRuns = append(s.DryRuns, d)
		}
	}
}
