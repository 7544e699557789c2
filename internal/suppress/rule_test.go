package suppress

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseFlag(t *testing.T) {
	tests := []struct {
		in   string
		want Rule
		err  string
	}{
		{in: "IRSA207", want: Rule{Check: "IRSA207", Reason: FlagReason, Source: "--ignore IRSA207"}},
		{in: "irsa207", want: Rule{Check: "IRSA207", Reason: FlagReason, Source: "--ignore irsa207"}},
		{in: "trust-too-broad", want: Rule{Check: "IRSA207", Reason: FlagReason, Source: "--ignore trust-too-broad"}},
		{in: "IRSA205:sa/payments/s3-reader", want: Rule{Check: "IRSA205", Reason: FlagReason, Source: "--ignore IRSA205:sa/payments/s3-reader",
			Object: &Object{Kind: "ServiceAccount", Namespace: "payments", Name: "s3-reader"}}},
		{in: "IRSA205:Deploy/payments/api", want: Rule{Check: "IRSA205", Reason: FlagReason, Source: "--ignore IRSA205:Deploy/payments/api",
			Object: &Object{Kind: "Deployment", Namespace: "payments", Name: "api"}}},
		{in: "IRSA207:IAMRole/payments-s3-reader", want: Rule{Check: "IRSA207", Reason: FlagReason, Source: "--ignore IRSA207:IAMRole/payments-s3-reader",
			Object: &Object{Kind: "IAMRole", Name: "payments-s3-reader"}}},
		{in: "IRSA207:role/arn:aws:iam::111122223333:role/team/x", want: Rule{Check: "IRSA207", Reason: FlagReason, Source: "--ignore IRSA207:role/arn:aws:iam::111122223333:role/team/x",
			Object: &Object{Kind: "IAMRole", Name: "arn:aws:iam::111122223333:role/team/x"}}},
		{in: "IRSA999", err: `--ignore "IRSA999": unknown check "IRSA999" (see 'irsa-doctor checks')`},
		{in: "", err: `--ignore "": unknown check "" (see 'irsa-doctor checks')`},
		{in: "IRSA205:widget/a/b", err: `--ignore "IRSA205:widget/a/b": object "widget/a/b": unknown kind "widget"; ` + objectHelp},
		{in: "IRSA205:pod/x", err: `--ignore "IRSA205:pod/x": object "pod/x": a Pod is namespaced: want pod/NAMESPACE/NAME`},
		{in: "IRSA205:sa/a/b/c", err: `--ignore "IRSA205:sa/a/b/c": object "sa/a/b/c": a ServiceAccount is namespaced: want sa/NAMESPACE/NAME`},
		{in: "IRSA205:", err: `--ignore "IRSA205:": object "": ` + objectHelp},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseFlag(tt.in)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error %v, want %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestExpired(t *testing.T) {
	now := time.Date(2027, 1, 31, 23, 59, 0, 0, time.UTC)
	for _, tt := range []struct {
		expires string
		want    bool
	}{{"", false}, {"2027-01-31", false}, {"2027-01-30", true}, {"2026-12-31", true}, {"2027-02-01", false}} {
		if got := (Rule{Expires: tt.expires}).Expired(now); got != tt.want {
			t.Errorf("expires %q on %s: expired %v, want %v", tt.expires, now, got, tt.want)
		}
	}
}
