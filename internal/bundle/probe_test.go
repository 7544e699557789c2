package bundle

import (
	"context"
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// The captures `scan --probe` and `dump --probe` write (probe.go).
const (
	probeFailed = `{
    "kind": "IrsaDoctorProbeResult",
    "namespace": "payments",
    "serviceAccount": "s3-reader",
    "roleArn": "arn:aws:iam::111122223333:role/payments-s3-reader",
    "audience": "sts.amazonaws.com",
    "issuer": "https://oidc.eks.us-west-2.amazonaws.com/id/5B3F9E2A8C1D4E6F7A9B0C2D3E4F5A6B",
    "subject": "system:serviceaccount:payments:s3-reader",
    "ok": false,
    "errorCode": "InvalidIdentityToken",
    "errorMessage": "Incorrect token audience",
    "httpStatus": 400
}
`
	probeOK = `{"kind": "IrsaDoctorProbeResult", "namespace": "payments", "serviceAccount": "api",
 "roleArn": "arn:aws:iam::111122223333:role/payments-api", "audience": "sts.amazonaws.com", "ok": true,
 "assumedRoleArn": "arn:aws:sts::111122223333:assumed-role/payments-api/irsa-doctor-probe", "httpStatus": 200}`
	// A dry-run pod as the API server returns it after the webhook
	// mutated it (trimmed of nothing the reader keeps).
	dryRunMutated = `{
    "kind": "IrsaDoctorDryRun",
    "target": {"kind": "Deployment", "namespace": "payments", "name": "api"},
    "pod": {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"generateName": "api-", "name": "api-x7k2p", "namespace": "payments", "uid": "5f0c1f4e-3a55-4d4c-9a0e-0c2b1d7e9f11",
                     "creationTimestamp": "2026-11-26T11:58:07Z", "labels": {"app": "api"}},
        "spec": {
            "serviceAccountName": "api",
            "serviceAccount": "api",
            "initContainers": [{"name": "migrate", "image": "registry.example/api:1.4.2",
                "env": [{"name": "AWS_ROLE_ARN", "value": "arn:aws:iam::111122223333:role/payments-api"},
                        {"name": "AWS_WEB_IDENTITY_TOKEN_FILE", "value": "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"}],
                "volumeMounts": [{"name": "aws-iam-token", "mountPath": "/var/run/secrets/eks.amazonaws.com/serviceaccount", "readOnly": true}]}],
            "containers": [{"name": "api", "image": "registry.example/api:1.4.2",
                "env": [{"name": "LOG_LEVEL", "value": "info"},
                        {"name": "AWS_ROLE_ARN", "value": "arn:aws:iam::111122223333:role/payments-api"},
                        {"name": "AWS_WEB_IDENTITY_TOKEN_FILE", "value": "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"}],
                "volumeMounts": [{"name": "aws-iam-token", "mountPath": "/var/run/secrets/eks.amazonaws.com/serviceaccount", "readOnly": true},
                                 {"name": "kube-api-access-9xq2m", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true}]}],
            "volumes": [{"name": "aws-iam-token", "projected": {"defaultMode": 420, "sources": [{"serviceAccountToken": {"audience": "sts.amazonaws.com", "expirationSeconds": 86400, "path": "token"}}]}},
                        {"name": "kube-api-access-9xq2m", "projected": {"defaultMode": 420, "sources": []}}]
        },
        "status": {"phase": "Pending", "qosClass": "BestEffort"}
    }
}
`
	dryRunPlain = `{"kind": "IrsaDoctorDryRun", "target": {"kind": "CronJob", "namespace": "batch", "name": "report"},
 "pod": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "report-abcde", "namespace": "batch"},
  "spec": {"serviceAccountName": "report", "containers": [{"name": "report", "image": "r:1", "env": [{"name": "TZ", "value": "UTC"}]}]},
  "status": {"phase": "Pending"}}}`
	dryRunRefused = `{"kind": "IrsaDoctorDryRun", "target": {"kind": "StatefulSet", "namespace": "payments", "name": "ledger"},
 "error": "Internal error occurred: failed calling webhook \"iam-for-pods.amazonaws.com\": failed to call webhook: Post \"https://127.0.0.1:4443/mutate?timeout=10s\": dial tcp 127.0.0.1:4443: connect: connection refused"}`
)

func TestReadProbe(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    *snapshot.Snapshot
	}{
		{
			name:    "failed assume",
			content: probeFailed,
			want: want(func(s *snapshot.Snapshot) {
				s.Probes = []*snapshot.ProbeResult{{Namespace: "payments", ServiceAccount: "s3-reader",
					RoleARN: "arn:aws:iam::111122223333:role/payments-s3-reader", Audience: "sts.amazonaws.com",
					Issuer: "https://oidc.eks.us-west-2.amazonaws.com/id/5B3F9E2A8C1D4E6F7A9B0C2D3E4F5A6B", Subject: "system:serviceaccount:payments:s3-reader",
					ErrorCode: "InvalidIdentityToken", ErrorMessage: "Incorrect token audience", HTTPStatus: 400, Source: stdinSrc}}
				s.Files = file(labelProbe, "")
			}),
		},
		{
			name:    "successful assume",
			content: probeOK,
			want: want(func(s *snapshot.Snapshot) {
				s.Probes = []*snapshot.ProbeResult{{Namespace: "payments", ServiceAccount: "api",
					RoleARN: "arn:aws:iam::111122223333:role/payments-api", Audience: "sts.amazonaws.com", OK: true,
					AssumedRoleARN: "arn:aws:sts::111122223333:assumed-role/payments-api/irsa-doctor-probe", HTTPStatus: 200, Source: stdinSrc}}
				s.Files = file(labelProbe, "")
			}),
		},
		{
			// The embedded pod is a DryRunResult, never a snapshot Pod.
			name:    "mutated dry run",
			content: dryRunMutated,
			want: want(func(s *snapshot.Snapshot) {
				s.DryRuns = []*snapshot.DryRunResult{{Kind: "Deployment", Namespace: "payments", Name: "api", Mutated: true,
					InitContainers: []snapshot.DryRunContainer{{Name: "migrate", Env: []string{"AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"}, Mounts: []string{"aws-iam-token"}}},
					Containers: []snapshot.DryRunContainer{{Name: "api", Env: []string{"LOG_LEVEL", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"},
						Mounts: []string{"aws-iam-token", "kube-api-access-9xq2m"}}},
					Volumes: []string{"aws-iam-token", "kube-api-access-9xq2m"}, Source: stdinSrc}}
				s.Files = file(labelDryRun, "")
			}),
		},
		{
			name:    "unmutated dry run",
			content: dryRunPlain,
			want: want(func(s *snapshot.Snapshot) {
				s.DryRuns = []*snapshot.DryRunResult{{Kind: "CronJob", Namespace: "batch", Name: "report",
					Containers: []snapshot.DryRunContainer{{Name: "report", Env: []string{"TZ"}}}, Source: stdinSrc}}
				s.Files = file(labelDryRun, "")
			}),
		},
		{
			name:    "dry run refused by admission",
			content: dryRunRefused,
			want: want(func(s *snapshot.Snapshot) {
				s.DryRuns = []*snapshot.DryRunResult{{Kind: "StatefulSet", Namespace: "payments", Name: "ledger",
					Error:  `Internal error occurred: failed calling webhook "iam-for-pods.amazonaws.com": failed to call webhook: Post "https://127.0.0.1:4443/mutate?timeout=10s": dial tcp 127.0.0.1:4443: connect: connection refused`,
					Source: stdinSrc}}
				s.Files = file(labelDryRun, "")
			}),
		},
		{
			name:    "probe result without role",
			content: `{"kind": "IrsaDoctorProbeResult", "namespace": "payments", "serviceAccount": "api", "ok": true, "httpStatus": 200}`,
			want: want(func(s *snapshot.Snapshot) {
				s.Files = file("", `-:1:1: probe result lacks namespace, serviceAccount or roleArn ("payments", "api", ""); skipped`)
			}),
		},
		{
			name:    "probe result neither ok nor error",
			content: `{"kind": "IrsaDoctorProbeResult", "namespace": "payments", "serviceAccount": "api", "roleArn": "arn:aws:iam::111122223333:role/r", "ok": false, "httpStatus": 400}`,
			want: want(func(s *snapshot.Snapshot) {
				s.Files = file("", `-:1:1: probe result of ServiceAccount payments/api is neither ok nor an error (no errorCode); skipped`)
			}),
		},
		{
			name:    "probe result ok with an error",
			content: `{"kind": "IrsaDoctorProbeResult", "namespace": "payments", "serviceAccount": "api", "roleArn": "arn:aws:iam::111122223333:role/r", "ok": true, "errorCode": "AccessDenied"}`,
			want: want(func(s *snapshot.Snapshot) {
				s.Files = file("", `-:1:1: probe result of ServiceAccount payments/api is ok but has errorCode "AccessDenied"; skipped`)
			}),
		},
		{
			name:    "probe result with a wrong type",
			content: `{"kind": "IrsaDoctorProbeResult", "namespace": "payments", "serviceAccount": "api", "roleArn": "r", "ok": "yes"}`,
			want: want(func(s *snapshot.Snapshot) {
				s.Files = file("", `-:1:107: probe result: /ok: a string where true or false is expected`)
			}),
		},
		{
			name:    "dry run without target",
			content: `{"kind": "IrsaDoctorDryRun", "target": {"kind": "Deployment", "namespace": "payments"}, "pod": {"kind": "Pod"}}`,
			want: want(func(s *snapshot.Snapshot) {
				s.Files = file("", `-:1:1: dry-run capture target lacks kind, namespace or name ("Deployment", "payments", ""); skipped`)
			}),
		},
		{
			name:    "dry run with neither pod nor error",
			content: `{"kind": "IrsaDoctorDryRun", "target": {"kind": "Deployment", "namespace": "payments", "name": "api"}, "pod": null}`,
			want: want(func(s *snapshot.Snapshot) {
				s.Files = file("", `-:1:1: dry-run capture of Deployment payments/api has neither a pod nor an error; skipped`)
			}),
		},
		{
			name:    "dry run with both pod and error",
			content: `{"kind": "IrsaDoctorDryRun", "target": {"kind": "Deployment", "namespace": "payments", "name": "api"}, "pod": {"kind": "Pod"}, "error": "x"}`,
			want: want(func(s *snapshot.Snapshot) {
				s.Files = file("", `-:1:1: dry-run capture of Deployment payments/api has both a pod and an error; skipped`)
			}),
		},
		{
			name:    "dry run of something else than a pod",
			content: `{"kind": "IrsaDoctorDryRun", "target": {"kind": "Deployment", "namespace": "payments", "name": "api"}, "pod": {"kind": "Secret"}}`,
			want: want(func(s *snapshot.Snapshot) {
				s.Files = file("", `-:1:111: dry-run capture of Deployment payments/api holds a "Secret", not a Pod; skipped`)
			}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmpSnap(t, tt.want, readStdin(t, tt.content))
		})
	}
}

// TestProbeFirstWins: a probe result or dry run read twice (a dump folder
// and a file inside it) is kept once.
func TestProbeFirstWins(t *testing.T) {
	writeTree(t, map[string]string{"a/probe.json": probeFailed, "a/dry.json": dryRunPlain, "b/probe.json": probeFailed, "b/dry.json": dryRunPlain})
	s := readPaths(t, "a", "b")
	if len(s.Probes) != 1 || s.Probes[0].Source.Ref != "a/probe.json" {
		t.Errorf("probes = %+v, want one, from a/probe.json", s.Probes)
	}
	if len(s.DryRuns) != 1 || s.DryRuns[0].Source.Ref != "a/dry.json" {
		t.Errorf("dry runs = %+v, want one, from a/dry.json", s.DryRuns)
	}
}

// TestEncodeProbeRoundTrip: what the collector writes is what the reader
// reads, through ReadCaptures as `scan --probe` reads it.
func TestEncodeProbeRoundTrip(t *testing.T) {
	p := snapshot.ProbeResult{Namespace: "payments", ServiceAccount: "s3-reader", RoleARN: "arn:aws:iam::111122223333:role/payments-s3-reader",
		Audience: "sts.amazonaws.com", Issuer: "https://oidc.eks.us-west-2.amazonaws.com/id/X", Subject: "system:serviceaccount:payments:s3-reader",
		ErrorCode: "AccessDenied", ErrorMessage: "Not authorized to perform sts:AssumeRoleWithWebIdentity", HTTPStatus: 403}
	pb, err := EncodeProbeResult(p)
	if err != nil {
		t.Fatal(err)
	}
	pod := map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "api-1", "namespace": "payments"},
		"spec": map[string]any{"containers": []any{map[string]any{"name": "api", "image": "i", "env": []any{map[string]any{"name": "A", "value": "<b>"}}}}}}
	db, err := EncodeDryRun(DryRunTarget{Kind: "Deployment", Namespace: "payments", Name: "api"}, pod, "")
	if err != nil {
		t.Fatal(err)
	}
	rb, err := EncodeDryRun(DryRunTarget{Kind: "Deployment", Namespace: "payments", Name: "worker"}, nil, "admission webhook \"x\" denied the request: no")
	if err != nil {
		t.Fatal(err)
	}
	psrc := snapshot.Source{Kind: "aws", Ref: "sts:AssumeRoleWithWebIdentity payments-s3-reader"}
	dsrc := snapshot.Source{Kind: "kube", Ref: "create pod --dry-run=server -n payments (Deployment api)"}
	rsrc := snapshot.Source{Kind: "kube", Ref: "create pod --dry-run=server -n payments (Deployment worker)"}
	s, err := ReadCaptures(context.Background(), []Capture{
		{Path: "probe/assume-payments-s3-reader.json", Data: pb, Source: psrc},
		{Path: "probe/dry-run-deployment-payments-api.json", Data: db, Source: dsrc},
		{Path: "probe/dry-run-deployment-payments-worker.json", Data: rb, Source: rsrc},
	}, Manifest{})
	if err != nil {
		t.Fatal(err)
	}
	wantP := p
	wantP.Source = psrc
	got := s.ProbeFor("payments", "s3-reader")
	if got == nil || *got != wantP {
		t.Errorf("probe read back = %+v, want %+v", got, wantP)
	}
	d := s.DryRunFor("Deployment", "payments", "api")
	if d == nil || d.Source != dsrc || len(d.Containers) != 1 || d.Containers[0].Name != "api" || len(d.Containers[0].Env) != 1 || d.Containers[0].Env[0] != "A" || d.Mutated {
		t.Errorf("dry run read back = %+v", d)
	}
	if r := s.DryRunFor("Deployment", "payments", "worker"); r == nil || r.Error != `admission webhook "x" denied the request: no` {
		t.Errorf("refused dry run read back = %+v", r)
	}
	if len(s.Pods) != 0 {
		t.Errorf("the dry-run pod became a snapshot Pod: %+v", s.Pods)
	}
	for _, f := range s.Files {
		if f.Error != "" {
			t.Errorf("file %s: %s", f.Path, f.Error)
		}
	}
}
