package bundle

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

func testCaptures() ([]Capture, Manifest) {
	caps := []Capture{
		{Path: "kube/serviceaccounts-payments.json", Source: snapshot.Source{Kind: "kube", Ref: "list serviceaccounts -n payments"},
			Data: []byte(`{"apiVersion":"v1","kind":"List","metadata":{"resourceVersion":""},"items":[]}`)},
		{Path: "kube/pods-payments.json", Source: snapshot.Source{Kind: "kube", Ref: "list pods -n payments"},
			Data: []byte(`{"apiVersion":"v1","kind":"List","metadata":{"resourceVersion":""},"items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"api-1","namespace":"payments"},"spec":{"serviceAccountName":"api","containers":[{"name":"app","image":"x"}]},"status":{"phase":"Running"}}]}`)},
	}
	m := Manifest{CollectedAt: "2026-11-26T11:58:03Z", Cluster: "prod", Accounts: []string{"111122223333"},
		Listed: []ManifestEntry{{Kind: snapshot.KindServiceAccount, Namespace: "payments", File: "kube/serviceaccounts-payments.json"}},
		Gaps:   []snapshot.Gap{{Source: "aws", Operation: "iam:GetRole", Resource: "arn:aws:iam::111122223333:role/api", Reason: "AccessDenied"}}}
	return caps, m
}

// TestCapturesRoundTrip: scan reads captures in memory, dump writes them;
// analyze of the dump must see the same facts (sources aside), and an
// empty List the manifest vouches for proves absence.
func TestCapturesRoundTrip(t *testing.T) {
	caps, m := testCaptures()
	live, err := ReadCaptures(context.Background(), caps, m)
	if err != nil {
		t.Fatal(err)
	}
	if live.Mode != "live" || len(live.Pods) != 1 || live.Pods[0].Source.Kind != "kube" || live.Pods[0].Source.Ref != "list pods -n payments" {
		t.Fatalf("live snapshot: mode %q, pods %+v", live.Mode, live.Pods)
	}
	if _, ok := live.ListedIn(snapshot.KindServiceAccount, "payments"); !ok {
		t.Errorf("the manifest's listing of an empty ServiceAccount List is not a proof of absence: %+v", live.Listings)
	}
	dir := filepath.Join(t.TempDir(), "dump")
	if err := WriteDump(dir, caps, m); err != nil {
		t.Fatal(err)
	}
	off, err := Read(context.Background(), []string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ignore := cmp.Options{
		cmpopts.IgnoreFields(snapshot.Snapshot{}, "Mode", "Files"),
		cmpopts.IgnoreTypes(snapshot.Source{}),
		cmpopts.EquateEmpty(),
	}
	if diff := cmp.Diff(live, off, ignore); diff != "" {
		t.Errorf("dump + read differs from the live read (-live +dump):\n%s", diff)
	}
	if err := WriteDump(dir, caps, m); err == nil {
		t.Errorf("WriteDump into a non-empty folder: no error")
	}
	if err := WriteDump(filepath.Join(t.TempDir(), "x"), []Capture{{Path: "../escape.json"}}, m); err == nil {
		t.Errorf("a capture path leaving the dump folder: no error")
	}
	if _, err := os.Stat(filepath.Join(dir, ManifestFile)); err != nil {
		t.Errorf("no manifest: %v", err)
	}
}
