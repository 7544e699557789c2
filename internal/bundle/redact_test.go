package bundle

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// testdata/secrets holds a kubectl List of pods with every place a pod
// spec carries a credential in clear: literal env values (static keys, a
// session token, a database password, the container credentials token
// itself), args, exec commands, HTTP probe headers, and the
// last-applied-configuration annotation that repeats them; and what must
// survive: the AWS SDK settings the checks read, references, empty values,
// names, annotations. internal/cli's TestRedactionKeepsFindings judges it.
func secretFile(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "secrets", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestRedact: exactly the secret-bearing values go; what the checks read
// stays.
func TestRedact(t *testing.T) {
	var got any
	if err := json.Unmarshal([]byte(secretFile(t, "pods.json")), &got); err != nil {
		t.Fatal(err)
	}
	if !Redact(got) {
		t.Fatalf("Redact changed nothing")
	}
	pod := got.(map[string]any)["items"].([]any)[0].(map[string]any)
	spec := pod["spec"].(map[string]any)
	app := spec["containers"].([]any)[0].(map[string]any)
	envOf := func(c map[string]any) map[string]any {
		out := map[string]any{}
		for _, e := range c["env"].([]any) {
			m := e.(map[string]any)
			if v, ok := m["value"]; ok {
				out[m["name"].(string)] = v
			} else {
				out[m["name"].(string)] = m["valueFrom"]
			}
		}
		return out
	}
	wantEnv := map[string]any{
		"AWS_ACCESS_KEY_ID":                 RedactedValue,
		"AWS_SECRET_ACCESS_KEY":             RedactedValue,
		"AWS_SESSION_TOKEN":                 RedactedValue,
		"AWS_CONTAINER_AUTHORIZATION_TOKEN": RedactedValue,
		"DB_PASSWORD":                       RedactedValue,
		"API_KEY":                           map[string]any{"secretKeyRef": map[string]any{"name": "api", "key": "key"}},
		"EMPTY":                             "",
		"AWS_ROLE_ARN":                      "arn:aws:iam::111122223333:role/api",
		"AWS_WEB_IDENTITY_TOKEN_FILE":       "/var/run/secrets/eks.amazonaws.com/serviceaccount/token",
		"AWS_REGION":                        "eu-west-1",
		"AWS_STS_REGIONAL_ENDPOINTS":        "regional",
		"AWS_PROFILE":                       "default",
	}
	if diff := cmp.Diff(wantEnv, envOf(app)); diff != "" {
		t.Errorf("app env (-want +got):\n%s", diff)
	}
	sidecar := spec["containers"].([]any)[1].(map[string]any)
	if diff := cmp.Diff(map[string]any{"AWS_SECRET_ACCESS_KEY": "", "AWS_ACCESS_KEY": RedactedValue}, envOf(sidecar)); diff != "" {
		t.Errorf("sidecar env (-want +got):\n%s", diff)
	}
	init := spec["initContainers"].([]any)[0].(map[string]any)
	if diff := cmp.Diff(map[string]any{"INIT_TOKEN": RedactedValue}, envOf(init)); diff != "" {
		t.Errorf("init env (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"args", app["args"], []any{RedactedValue, ""}},
		{"init command", init["command"], []any{"sh", RedactedValue, RedactedValue}},
		{"preStop command", app["lifecycle"].(map[string]any)["preStop"].(map[string]any)["exec"].(map[string]any)["command"], []any{"/bin/stop", RedactedValue, RedactedValue}},
		{"probe header", app["livenessProbe"].(map[string]any)["httpGet"].(map[string]any)["httpHeaders"], []any{map[string]any{"name": "Authorization", "value": RedactedValue}}},
		{"annotations", pod["metadata"].(map[string]any)["annotations"], map[string]any{"eks.amazonaws.com/skip-containers": "sidecar"}},
	} {
		if diff := cmp.Diff(tc.want, tc.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
	if Redact(got) {
		t.Errorf("a second Redact changed something")
	}
}

// TestWriteDumpRedacts: whatever the captures hold, the dump on disk holds
// none of the secrets, its folders are 0700 and its files 0600, and the
// manifest says what was redacted (issue 9).
func TestWriteDumpRedacts(t *testing.T) {
	caps := []Capture{
		{Path: "kube/pods-payments.json", Data: []byte(secretFile(t, "pods.json"))},
		{Path: "kube/serviceaccounts-payments.json", Data: []byte(secretFile(t, "serviceaccounts.json"))},
		// AWS CLI output is written as it is.
		{Path: "111122223333/get-caller-identity.json", Data: []byte(`{"UserId": "AIDAEXAMPLE", "Account": "111122223333", "Arn": "arn:aws:iam::111122223333:user/me"}` + "\n")},
	}
	dir := filepath.Join(t.TempDir(), "dump")
	if err := WriteDump(dir, caps, Manifest{CollectedAt: "2026-11-26T11:58:03Z", Cluster: "prod"}); err != nil {
		t.Fatal(err)
	}
	secrets := []string{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI", "FwoGZXIvYXdzEXAMPLE", "hunter2", "s3cr3t", "Bearer abc", "AKIAOTHER", "init-secret", "last-applied-configuration"}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700 | fs.ModeDir
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode(), want)
		}
		if d.IsDir() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, s := range secrets {
			if strings.Contains(string(data), s) && !(d.Name() == ManifestFile && s == "last-applied-configuration") {
				t.Errorf("%s holds %q", p, s)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "111122223333", "get-caller-identity.json")); string(got) != string(caps[2].Data) {
		t.Errorf("AWS output rewritten: %s", got)
	}
	var m struct {
		Redacted []string `json:"redacted"`
	}
	data, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Redactions, m.Redacted); diff != "" {
		t.Errorf("manifest redacted (-want +got):\n%s", diff)
	}
	// The dump reads back: the redacted values are there as the
	// placeholder, and static keys are still keys.
	snap, err := Read(context.Background(), []string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Pods) != 1 || len(snap.ServiceAccounts) != 1 {
		t.Fatalf("read back %d pods, %d service accounts", len(snap.Pods), len(snap.ServiceAccounts))
	}
	if e := snap.Pods[0].Spec.Containers[0].Env[0]; e.Name != "AWS_ACCESS_KEY_ID" || e.Value != RedactedValue {
		t.Errorf("first env var read back as %+v", e)
	}
}

// The value of a documented role-assuming flag is a role ARN, kept in both
// forms; every other argument, the external ID's included, is redacted.
func TestRedactKeepsAssumeRoleFlag(t *testing.T) {
	var got any
	if err := json.Unmarshal([]byte(`{"kind": "Pod", "spec": {"containers": [{"name": "external-dns",
	  "command": ["/bin/external-dns", "--password=hunter2"],
	  "args": ["--provider=aws", "--aws-assume-role=arn:aws:iam::444455556666:role/dns", "--aws-assume-role-external-id=zone-4711",
	           "--aws-assume-role", "arn:aws:iam::444455556666:role/dns2", "--token", "s3cr3t"]}]}}`), &got); err != nil {
		t.Fatal(err)
	}
	Redact(got)
	c := got.(map[string]any)["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)
	want := []any{RedactedValue, "--aws-assume-role=arn:aws:iam::444455556666:role/dns", RedactedValue, "--aws-assume-role", "arn:aws:iam::444455556666:role/dns2", RedactedValue, RedactedValue}
	if diff := cmp.Diff(want, c["args"]); diff != "" {
		t.Errorf("args (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]any{"/bin/external-dns", RedactedValue}, c["command"]); diff != "" {
		t.Errorf("command (-want +got):\n%s", diff)
	}
}
