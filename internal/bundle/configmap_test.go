package bundle

import (
	"bytes"
	json "github.com/go-json-experiment/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// A realistic AWS config file as a ConfigMap holds it: a chained profile
// whose source is the web identity profile, an [sso-session] (not a
// profile), nested s3 settings, comments.
const chainedConfig = `# mounted at /etc/aws/config
[default]
region = eu-west-1
s3 =
    max_concurrent_requests = 20
    role_arn = arn:aws:iam::999999999999:role/not-a-profile-key

[profile irsa]
web_identity_token_file = /var/run/secrets/eks.amazonaws.com/serviceaccount/token
role_arn = arn:aws:iam::111122223333:role/app-irsa

[profile  dns ]
role_arn = arn:aws:iam::444455556666:role/route53-writer ; the zone's account
source_profile = irsa
role_session_name = external-dns
external_id = zone-4711
duration_seconds = 3600

[sso-session corp]
sso_start_url = https://example.awsapps.com/start
`

func TestParseAWSConfig(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []snapshot.AWSProfile
	}{
		{
			name: "profiles, nested settings and sso-session",
			text: chainedConfig,
			want: []snapshot.AWSProfile{
				{Name: "default"},
				{Name: "irsa", RoleARN: "arn:aws:iam::111122223333:role/app-irsa", WebIdentityTokenFile: "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"},
				{Name: "dns", RoleARN: "arn:aws:iam::444455556666:role/route53-writer", SourceProfile: "irsa", RoleSessionName: "external-dns", ExternalID: "zone-4711", DurationSeconds: "3600"},
			},
		},
		{
			name: "credential_source",
			text: "[profile chained]\nrole_arn=arn:aws:iam::111122223333:role/b\ncredential_source = Environment\n",
			want: []snapshot.AWSProfile{{Name: "chained", RoleARN: "arn:aws:iam::111122223333:role/b", CredentialSource: "Environment"}},
		},
		{
			name: "a repeated section merges",
			text: "[profile a]\nrole_arn = arn:aws:iam::111122223333:role/x\n[profile a]\nsource_profile = b\n",
			want: []snapshot.AWSProfile{{Name: "a", RoleARN: "arn:aws:iam::111122223333:role/x", SourceProfile: "b"}},
		},
		{name: "JSON is not a config file", text: `{"a": [1, 2]}`},
		{name: "a properties file is not a config file", text: "log.level=debug\nfeature=[x]\n"},
		{name: "sections that are not profiles", text: "[server]\nport = 80\n[profiles]\nx = 1\n"},
		{name: "empty", text: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseAWSConfig(tt.text)
			if ok != (tt.want != nil) {
				t.Fatalf("ok = %v, want %v (profiles %+v)", ok, tt.want != nil, got)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("profiles (-want +got):\n%s", diff)
			}
		})
	}
}

// A ConfigMap keeps its name and the profiles of its AWS config file keys;
// every other key and value is dropped.
func TestReadConfigMap(t *testing.T) {
	input := `{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "aws-config", "namespace": "dns"},
	  "data": {"config": ` + jsonString(chainedConfig) + `, "app.properties": "password=hunter2\n", "notes": "[x]\ny=1\n"}}`
	s := readStdin(t, input)
	want := []*snapshot.ConfigMap{{Namespace: "dns", Name: "aws-config", Source: stdinSrc, AWSConfigFiles: []snapshot.AWSConfigFile{{Key: "config", Profiles: []snapshot.AWSProfile{
		{Name: "default"},
		{Name: "irsa", RoleARN: "arn:aws:iam::111122223333:role/app-irsa", WebIdentityTokenFile: "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"},
		{Name: "dns", RoleARN: "arn:aws:iam::444455556666:role/route53-writer", SourceProfile: "irsa", RoleSessionName: "external-dns", ExternalID: "zone-4711", DurationSeconds: "3600"},
	}}}}}
	if diff := cmp.Diff(want, s.ConfigMaps); diff != "" {
		t.Errorf("ConfigMaps (-want +got):\n%s", diff)
	}
	if f := s.Files[0]; f.RecognisedAs != "kubectl:ConfigMap" || f.Error != "" {
		t.Errorf("file = %+v, want recognised as kubectl:ConfigMap without error", f)
	}
}

// FuzzParseAWSConfig: any text parses or is refused without a panic, and a
// profile it returns has a name.
func FuzzParseAWSConfig(f *testing.F) {
	f.Add(chainedConfig)
	f.Add("[profile a]\nrole_arn = x\n  nested = y\n")
	f.Add("[default\nrole_arn=\n")
	f.Add("[profile ]\n= =\n\\\n")
	f.Fuzz(func(t *testing.T, text string) {
		profiles, ok := ParseAWSConfig(text)
		if ok != (len(profiles) > 0) {
			t.Fatalf("ok = %v with %d profiles", ok, len(profiles))
		}
		for _, p := range profiles {
			if p.Name == "" {
				t.Fatalf("a profile without a name: %+v", p)
			}
		}
	})
}

func jsonString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// KeepAWSConfig keeps only what the bundle reads of a ConfigMap: the
// profiles' assume-role settings of the keys that are AWS config files.
// The rest (another key, the region, the nested s3 settings, the
// sso-session, annotations holding the whole object) is gone, and reading
// the result gives the same profiles.
func TestKeepAWSConfig(t *testing.T) {
	raw, err := json.Marshal(map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata":   map[string]any{"namespace": "dns", "name": "aws", "annotations": map[string]string{"kubectl.kubernetes.io/last-applied-configuration": "s3cr3t-annotation"}},
		"data":       map[string]string{"config": chainedConfig, "token": "s3cr3t-value"},
		"binaryData": map[string]string{"blob": "czNjcjN0"},
	})
	if err != nil {
		t.Fatal(err)
	}
	kept, err := KeepAWSConfig(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{"s3cr3t", "czNjcjN0", "region", "max_concurrent_requests", "sso", "999999999999", "token\""} {
		if bytes.Contains(kept, []byte(gone)) {
			t.Errorf("kept %q:\n%s", gone, kept)
		}
	}
	var o configMapObject
	if err := json.Unmarshal(kept, &o); err != nil {
		t.Fatal(err)
	}
	want, _ := ParseAWSConfig(chainedConfig)
	got, ok := ParseAWSConfig(o.Data["config"])
	if !ok || len(o.Data) != 1 || o.Metadata.Namespace != "dns" || o.Metadata.Name != "aws" {
		t.Fatalf("kept %s", kept)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("profiles (-raw +kept):\n%s", d)
	}
	if _, err := KeepAWSConfig([]byte("{")); err == nil {
		t.Error("no error for a broken object")
	}
}
