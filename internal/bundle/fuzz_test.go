package bundle

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzRead feeds arbitrary content as one file. Read must not panic, must
// list exactly that file, and any error must be one line naming it.
func FuzzRead(f *testing.F) {
	err := filepath.WalkDir("testdata/bundle", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f.Add(b)
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		saJSON + "\n" + saJSON,
		`{"apiVersion": "v1", "kind": "List", "items": [` + saJSON + `]}`,
		`{"kind": "PodList", "apiVersion": "v1", "items": [{"metadata": {"name": "p", "namespace": "n"}, "spec": {"containers": [{"name": "c"}]}}]}`,
		`{"Roles": [{"RoleName": "r", "Arn": "arn:aws:iam::1:role/r", "AssumeRolePolicyDocument": "%7B%7D"}], "IsTruncated": false}`,
		`{"OpenIDConnectProviderList": []}`,
		assocList,
		assocDescribe,
		getProfileOut + listAttachedOut + listInlineOut + getRolePolicyOut + getPolicyOut + getPolicyVersionOut,
		`{"PolicyVersion": {"Document": "%7B%7D", "VersionId": "v1", "IsDefaultVersion": true}}`,
		authDetailsOut,
		authDetailsOut + listAttachedOut + getPolicyOut + getPolicyVersionOut,
		`{"RoleDetailList": [{"RoleName": "r", "Arn": "arn:aws:iam::1:role/r", "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": "%7B%7D"}], "AttachedManagedPolicies": [{"PolicyName": "a", "PolicyArn": "arn:aws:iam::aws:policy/a"}]}], "Policies": [{"Arn": "arn:aws:iam::aws:policy/a", "DefaultVersionId": "v1", "PolicyVersionList": [{"Document": "%7B%7D", "VersionId": "v1"}]}], "IsTruncated": true}`,
		`{"associations": [{"namespace": "n", "serviceAccount": "s", "associationArn": "arn:aws:eks:r:1:podidentityassociation//"}]}`,
		"apiVersion: v1\nkind: ServiceAccount\nmetadata:\n\tname: x\n",
		"---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: a\n---\n",
		"Error from server (NotFound): serviceaccounts \"x\" not found\n",
		"\xEF\xBB\xBF[" + saJSON + "]",
		utf16LE(saJSON),
		strings.Repeat("[", 20000),
		"a: &a [*a, *a]\nb: *a\n",
		aliasBomb(1000, 200),
		"a: &a [x,x,x]\nb: &b [*a,*a,*a]\nc: [*b,*b,*b]\n---\nkind: List\napiVersion: v1\nitems: [&i {kind: Namespace, apiVersion: v1, metadata: {name: n}}, *i]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, content []byte) {
		s, err := Read(context.Background(), []string{"-"}, Options{Stdin: bytes.NewReader(content)})
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		if len(s.Files) != 1 || s.Files[0].Path != "-" {
			t.Fatalf("Files = %+v, want one entry for -", s.Files)
		}
		fe := s.Files[0]
		if fe.RecognisedAs == "" && fe.Error == "" {
			t.Fatalf("a file neither recognised nor in error: %+v", fe)
		}
		if fe.Error != "" && (!strings.HasPrefix(fe.Error, "-:") || strings.ContainsAny(fe.Error, "\n\r")) {
			t.Fatalf("error %q: want one line starting with the file name", fe.Error)
		}
		for _, p := range s.Pods {
			if p.Source.Ref != "-" {
				t.Fatalf("pod source %v", p.Source)
			}
		}
	})
}
