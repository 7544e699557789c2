package sdk

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestEmbeddedData proves the data files load and spot-checks them
// against docs/reference/sdk-versions.md#irsa-minimum-versions, docs/reference/sdk-versions.md#eks-pod-identity-minimum-versions.
func TestEmbeddedData(t *testing.T) {
	d, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	got := map[string][2]string{}
	for _, s := range d.SDKs {
		var row [2]string
		for i, m := range []Mechanism{IRSA, PodIdentity} {
			switch min := s.Minimum(m); {
			case min == nil:
				row[i] = "-"
			case min.All:
				row[i] = "all"
			default:
				row[i] = min.Version
			}
		}
		got[s.ID] = row
	}
	want := map[string][2]string{
		"java-v2": {"2.10.11", "2.21.30"}, "java-v1": {"1.12.782", "1.12.746"},
		"go-v1": {"1.23.13", "v1.47.11"}, "go-v2": {"all", "release-2023-11-14"},
		"boto3": {"1.9.220", "1.34.41"}, "botocore": {"1.12.200", "1.34.41"},
		"aws-cli-v1": {"1.16.232", "1.30.0"}, "aws-cli-v2": {"-", "2.15.0"},
		"js-v2": {"2.525.0", "2.1550.0"}, "js-v3": {"3.27.0", "v3.458.0"},
		"kotlin": {"-", "v1.0.1"}, "ruby": {"3.58.0", "3.188.0"}, "rust": {"-", "release-2024-03-13"},
		"cpp": {"1.7.174", "1.11.263"}, "dotnet": {"3.3.659.1", "3.7.734.0"},
		"powershell": {"-", "4.1.502"}, "php": {"3.110.7", "3.287.1"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("minimums mismatch (-want +got):\n%s", diff)
	}
	for _, im := range d.Images {
		for _, r := range im.Releases {
			if !strings.HasPrefix(r.Source, "https://") {
				t.Errorf("image %s release %s: source %q is not a URL", im.ID, r.Version, r.Source)
			}
		}
		for k, s := range im.Support {
			if !strings.HasPrefix(s.Source, "https://") {
				t.Errorf("image %s support %s: source %q is not a URL", im.ID, k, s.Source)
			}
		}
	}
}

// TestPointsToIRSA: Pod Identity support implies IRSA support only where
// the guide's Pod Identity minimum is at or above its IRSA minimum.
func TestPointsToIRSA(t *testing.T) {
	d, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, s := range d.SDKs {
		got[s.ID] = (&Image{sdk: s}).pointsToIRSA()
	}
	want := map[string]bool{
		"java-v2": true, "java-v1": false, "go-v1": true, "go-v2": true, "boto3": true, "botocore": true,
		"aws-cli-v1": true, "aws-cli-v2": false, "js-v2": true, "js-v3": true, "kotlin": false, "ruby": true,
		"rust": false, "cpp": true, "dotnet": true, "powershell": false, "php": true,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pointsToIRSA mismatch (-want +got):\n%s", diff)
	}
	if !(&Image{Client: "own"}).pointsToIRSA() {
		t.Error("an image's own client: want Pod Identity support to imply IRSA support")
	}
}

func TestParseRejectsBrokenData(t *testing.T) {
	const goodMin = `{"sdks": [{"id": "go-v1", "name": "Go v1", "package": "github.com/aws/aws-sdk-go", "podIdentity": {"version": "v1.47.11", "source": "https://x"}}]}`
	tests := []struct {
		name, minimums, images, wantErr string
	}{
		{name: "unknown field", minimums: `{"sdks": [], "extra": 1}`, images: `{"images": []}`,
			wantErr: `read minimums.json: json: unknown field "extra"`},
		{name: "minimum without a source", minimums: `{"sdks": [{"id": "a", "name": "A", "package": "a", "irsa": {"version": "1.0.0"}}]}`, images: `{"images": []}`,
			wantErr: `minimums.json: SDK "a": a minimum without a source`},
		{name: "bad minimum version", minimums: `{"sdks": [{"id": "a", "name": "A", "package": "a", "irsa": {"version": "soon", "source": "s"}}]}`, images: `{"images": []}`,
			wantErr: `minimums.json: SDK "a": version "soon": names no version`},
		{name: "SDK twice", minimums: `{"sdks": [{"id": "a", "name": "A", "package": "a"}, {"id": "a", "name": "A", "package": "a"}]}`, images: `{"images": []}`,
			wantErr: `minimums.json: SDK "a" listed twice`},
		{name: "unknown SDK", minimums: goodMin, images: `{"images": [{"id": "x", "name": "X", "repositories": ["x/x"], "sdk": "go-v9"}]}`,
			wantErr: `images.json: image "x": unknown SDK "go-v9"`},
		{name: "neither SDK nor client", minimums: goodMin, images: `{"images": [{"id": "x", "name": "X", "repositories": ["x/x"]}]}`,
			wantErr: `images.json: image "x" names neither an SDK nor its own client`},
		{name: "release without a source", minimums: goodMin, images: `{"images": [{"id": "x", "name": "X", "repositories": ["x/x"], "sdk": "go-v1", "releases": [{"version": "v1.0.0", "sdkVersion": "v1.40.0"}]}]}`,
			wantErr: `images.json: image "x" release "v1.0.0" has no source`},
		{name: "release with both SDK fields", minimums: goodMin, images: `{"images": [{"id": "x", "name": "X", "repositories": ["x/x"], "sdk": "go-v1", "releases": [{"version": "v1.0.0", "sdkVersion": "v1.40.0", "sdkAtLeast": "v1.40.0", "source": "s"}]}]}`,
			wantErr: `images.json: image "x" release "v1.0.0" needs sdkVersion or sdkAtLeast`},
		{name: "tag is the version without a source", minimums: goodMin, images: `{"images": [{"id": "x", "name": "X", "repositories": ["x/x"], "sdk": "go-v1", "tagIsSDKVersion": true}]}`,
			wantErr: `images.json: image "x": tagIsSDKVersion needs a source`},
		{name: "support for an unknown mechanism", minimums: goodMin, images: `{"images": [{"id": "x", "name": "X", "repositories": ["x/x"], "client": "own", "support": {"kiam": {"since": "1.0.0", "source": "s"}}}]}`,
			wantErr: `images.json: image "x": support for "kiam": want irsa or podIdentity`},
		{name: "own client with SDK versions", minimums: goodMin, images: `{"images": [{"id": "x", "name": "X", "repositories": ["x/x"], "client": "own", "releases": [{"version": "1.0.0", "sdkVersion": "1.0.0", "source": "s"}]}]}`,
			wantErr: `images.json: image "x": SDK versions need an SDK from minimums.json`},
		{name: "user without a source", minimums: goodMin, images: `{"images": [{"id": "x", "name": "X", "repositories": ["x/x"], "users": [{"since": "v1.0.0", "until": "v1.2.0", "uid": 65534}]}]}`,
			wantErr: `images.json: image "x": user from "v1.0.0" needs a source and a UID`},
		{name: "user versions out of order", minimums: goodMin, images: `{"images": [{"id": "x", "name": "X", "repositories": ["x/x"], "users": [{"since": "v1.2.0", "until": "v1.0.0", "uid": 65534, "source": "s"}]}]}`,
			wantErr: `images.json: image "x": user versions v1.2.0 to v1.0.0 are out of order`},
		{name: "user-only image with support facts", minimums: goodMin, images: `{"images": [{"id": "x", "name": "X", "repositories": ["x/x"], "users": [{"since": "v1.0.0", "until": "v1.0.0", "uid": 1, "source": "s"}], "support": {"irsa": {"since": "v1.0.0", "source": "s"}}}]}`,
			wantErr: `images.json: image "x": support facts need an SDK or a client`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse([]byte(tt.minimums), []byte(tt.images))
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("parse error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}
