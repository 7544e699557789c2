package bundle

import (
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// TestReadLinear (issue 9): reading ten times the values costs at most
// about ten times the work, counted (workCounter: bytes scanned for line
// numbers, lookups of kept objects), not timed. Each case is one shape of
// many values that used to cost O(N²): a line number counted from the top
// of the file for every bad value, or every object compared with each kept
// before it.
func TestReadLinear(t *testing.T) {
	repeat := func(n int, f func(i int) string) string {
		var b strings.Builder
		for i := range n {
			b.WriteString(f(i))
		}
		return b.String()
	}
	list := func(n int, f func(i int) string) string {
		items := make([]string, n)
		for i := range items {
			items[i] = f(i)
		}
		return strings.Join(items, ",")
	}
	moreProblems := func(t *testing.T, s *snapshot.Snapshot, n int) {
		t.Helper()
		if want := fmt.Sprintf("; and %d more problems", n-maxErrors); !strings.HasSuffix(s.Files[0].Error, want) {
			t.Errorf("error %q does not end with %q", s.Files[0].Error, want)
		}
	}
	tests := []struct {
		name  string
		files func(n int) map[string]string
		check func(t *testing.T, s *snapshot.Snapshot, n int)
	}{
		{
			name: "empty objects",
			files: func(n int) map[string]string {
				return map[string]string{"f.json": strings.Repeat("{}\n", n)}
			},
			check: moreProblems,
		},
		{
			name: "arrays of numbers",
			files: func(n int) map[string]string {
				return map[string]string{"f.json": strings.Repeat("[1]\n", n)}
			},
			check: moreProblems,
		},
		{
			name: "YAML documents indented with a tab",
			files: func(n int) map[string]string {
				return map[string]string{"f.yaml": strings.Repeat("---\n\ta: 1\n", n)}
			},
			check: func(t *testing.T, s *snapshot.Snapshot, n int) {
				moreProblems(t, s, n)
				if !strings.Contains(s.Files[0].Error, "f.yaml:4:1: invalid YAML: yaml: found character that cannot start any token (a tab") {
					t.Errorf("error %q", s.Files[0].Error)
				}
			},
		},
		{
			name: "PEM blocks that are not certificates",
			files: func(n int) map[string]string {
				return map[string]string{"f.pem": strings.Repeat("-----BEGIN X-----\n-----END X-----\n", n)}
			},
			check: func(t *testing.T, s *snapshot.Snapshot, n int) {
				moreProblems(t, s, n)
				if !strings.Contains(s.Files[0].Error, "f.pem:5:1: a X PEM block") {
					t.Errorf("error %q", s.Files[0].Error)
				}
			},
		},
		{
			name: "Forbidden errors, each a gap",
			files: func(n int) map[string]string {
				return map[string]string{"f.txt": repeat(n, func(i int) string {
					return fmt.Sprintf("Error from server (Forbidden): serviceaccounts \"sa%d\" is forbidden: User \"u\" cannot get resource \"serviceaccounts\" in API group \"\" in the namespace \"ns%d\"\n", i, i)
				})}
			},
			check: func(t *testing.T, s *snapshot.Snapshot, n int) {
				if len(s.Gaps) != n {
					t.Errorf("%d gaps", len(s.Gaps))
				}
			},
		},
		{
			name: "providers listed, and their get-open-id-connect-provider outputs",
			files: func(n int) map[string]string {
				url := func(i int) string { return fmt.Sprintf("oidc.eks.us-west-2.amazonaws.com/id/%032X", i) }
				return map[string]string{"f.json": `{"OpenIDConnectProviderList": [` + list(n, func(i int) string {
					return `{"Arn": "arn:aws:iam::111122223333:oidc-provider/` + url(i) + `"}`
				}) + "]}\n" + repeat(n, func(i int) string {
					return `{"Url": "` + url(i) + `", "ClientIDList": ["sts.amazonaws.com"], "ThumbprintList": []}` + "\n"
				})}
			},
			check: func(t *testing.T, s *snapshot.Snapshot, n int) {
				if len(s.OIDCProviders) != n || !s.OIDCProviders[n-1].Detailed || s.OIDCProviders[n-1].Account != "111122223333" {
					t.Errorf("%d providers, the last %+v", len(s.OIDCProviders), s.OIDCProviders[len(s.OIDCProviders)-1])
				}
			},
		},
		{
			name: "a NodeList",
			files: func(n int) map[string]string {
				return map[string]string{"f.json": `{"apiVersion": "v1", "kind": "List", "items": [` + list(n, func(i int) string {
					return fmt.Sprintf(`{"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-%d"}}`, i)
				}) + "]}"}
			},
			check: func(t *testing.T, s *snapshot.Snapshot, n int) {
				if len(s.Nodes) != n {
					t.Errorf("%d nodes", len(s.Nodes))
				}
			},
		},
		{
			name: "EC2 instances",
			files: func(n int) map[string]string {
				return map[string]string{"f.json": repeat(n, func(i int) string {
					return fmt.Sprintf(`{"InstanceId": "i-%017x", "MetadataOptions": {}}`+"\n", i)
				})}
			},
			check: func(t *testing.T, s *snapshot.Snapshot, n int) {
				if len(s.Instances) != n {
					t.Errorf("%d instances", len(s.Instances))
				}
			},
		},
		{
			name: "probe results",
			files: func(n int) map[string]string {
				return map[string]string{"f.json": repeat(n, func(i int) string {
					return fmt.Sprintf(`{"kind": "IrsaDoctorProbeResult", "namespace": "ns", "serviceAccount": "sa%d", "roleArn": "arn:aws:iam::111122223333:role/r", "ok": true}`+"\n", i)
				})}
			},
			check: func(t *testing.T, s *snapshot.Snapshot, n int) {
				if len(s.Probes) != n {
					t.Errorf("%d probes", len(s.Probes))
				}
			},
		},
		{
			name: "instance profiles",
			files: func(n int) map[string]string {
				return map[string]string{"f.json": repeat(n, func(i int) string {
					return fmt.Sprintf(`{"InstanceProfile": {"InstanceProfileName": "p%d", "Arn": "arn:aws:iam::111122223333:instance-profile/p%d", "Roles": [{"RoleName": "r%d", "Arn": "arn:aws:iam::111122223333:role/r%d"}]}}`+"\n", i, i, i, i)
				})}
			},
			check: func(t *testing.T, s *snapshot.Snapshot, n int) {
				if len(s.InstanceProfiles) != n {
					t.Errorf("%d instance profiles", len(s.InstanceProfiles))
				}
			},
		},
		{
			name: "inline policies of one role",
			files: func(n int) map[string]string {
				return map[string]string{"f.json": repeat(n, func(i int) string {
					return fmt.Sprintf(`{"RoleName": "node", "PolicyName": "p%d", "PolicyDocument": {"Version": "2012-10-17", "Statement": []}}`+"\n", i)
				})}
			},
			check: func(t *testing.T, s *snapshot.Snapshot, n int) {
				if len(s.RolePolicies) != 1 || len(s.RolePolicies[0].Inline) != n {
					t.Errorf("%d role policies", len(s.RolePolicies))
				}
			},
		},
		{
			name: "managed policies, and versions in another file that name none",
			files: func(n int) map[string]string {
				return map[string]string{
					"a.json": repeat(n, func(i int) string {
						return fmt.Sprintf(`{"Policy": {"PolicyName": "p%d", "Arn": "arn:aws:iam::111122223333:policy/p%d", "DefaultVersionId": "v1"}}`+"\n", i, i)
					}),
					"b.json": strings.Repeat(`{"PolicyVersion": {"Document": {"Version": "2012-10-17", "Statement": []}, "VersionId": "v1", "IsDefaultVersion": true}}`+"\n", n),
				}
			},
			check: func(t *testing.T, s *snapshot.Snapshot, n int) {
				if len(s.ManagedPolicies) != n {
					t.Errorf("%d managed policies", len(s.ManagedPolicies))
				}
				if want := fmt.Sprintf("the bundle has %d get-policy outputs without a document", n); !strings.Contains(s.Files[1].Error, want) {
					t.Errorf("error %q, want one with %q", s.Files[1].Error, want)
				}
			},
		},
		{
			name: "a JWKS of many keys",
			files: func(n int) map[string]string {
				return map[string]string{"f.json": `{"keys": [` + list(n, func(i int) string {
					return fmt.Sprintf(`{"kty": "RSA", "kid": "k%d"}`, i)
				}) + "]}"}
			},
			check: func(t *testing.T, s *snapshot.Snapshot, n int) {
				if len(s.JWKSets) != 1 || len(s.JWKSets[0].KeyIDs) != n {
					t.Errorf("%+v", s.JWKSets)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cost := func(n int) int64 {
				files := tt.files(n)
				writeTree(t, files)
				var names []string
				for name := range files {
					names = append(names, name)
				}
				sort.Strings(names)
				var w atomic.Int64
				workCounter = &w
				defer func() { workCounter = nil }()
				s := readPaths(t, names...)
				tt.check(t, s, n)
				return w.Load()
			}
			small, large := cost(1000), cost(10000)
			t.Logf("work %d for 1,000 values, %d for 10,000", small, large)
			if large > 12*small+1000 {
				t.Errorf("work %d for 1,000 values, %d for 10,000: not linear", small, large)
			}
		})
	}
}

// TestFoldKey: foldKey(a) == foldKey(b) exactly when strings.EqualFold(a, b).
func TestFoldKey(t *testing.T) {
	words := []string{"", "a", "A", "k", "K", "\u212a", "s", "S", "\u017f", "ß", "\u1e9e", "SS", "σ", "ς", "Σ",
		"arn:aws:iam::1:role/Node", "ARN:AWS:IAM::1:ROLE/NODE", "\xff", "\ufffd", "é", "É"}
	for _, a := range words {
		for _, b := range words {
			if got, want := foldKey(a) == foldKey(b), strings.EqualFold(a, b); got != want {
				t.Errorf("foldKey(%q) == foldKey(%q) is %t, EqualFold %t", a, b, got, want)
			}
		}
	}
}

// FuzzFoldKey checks foldKey against strings.EqualFold, which the
// snapshot's case-insensitive lookups use.
//
//	go test ./internal/bundle -run '^$' -fuzz FuzzFoldKey -fuzztime 60s
func FuzzFoldKey(f *testing.F) {
	f.Add("arn:aws:iam::1:role/Node", "ARN:AWS:IAM::1:ROLE/NODE")
	f.Add("\u212a\u017f", "ks")
	f.Add("\xff", "\ufffd")
	f.Fuzz(func(t *testing.T, a, b string) {
		if got, want := foldKey(a) == foldKey(b), strings.EqualFold(a, b); got != want {
			t.Fatalf("foldKey(%q) == foldKey(%q) is %t, EqualFold %t", a, b, got, want)
		}
		if !strings.EqualFold(a, foldKey(a)) {
			t.Fatalf("foldKey(%q) = %q, not EqualFold to it", a, foldKey(a))
		}
	})
}
