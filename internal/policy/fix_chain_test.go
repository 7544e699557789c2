package policy

import (
	"strings"
	"testing"
)

const (
	chainSource = "arn:aws:iam::111122223333:role/eks/external-dns"
	chainOther  = "arn:aws:iam::111122223333:role/external-dns-old"
)

func chainDenied(t *testing.T, doc *Document, a ChainAsk) []Result {
	t.Helper()
	var out []Result
	for _, action := range a.ChainActions() {
		if res := doc.Evaluate(a.Request(action)); res.Decision != Allowed {
			out = append(out, res)
		}
	}
	return out
}

func TestChainAskRequest(t *testing.T) {
	a := ChainAsk{SourceRole: chainSource}
	if got, want := a.SessionARN(), "arn:aws:sts::111122223333:assumed-role/external-dns/irsa-doctor-session"; got != want {
		t.Errorf("SessionARN = %q, want %q (the role's path is not part of it)", got, want)
	}
	tests := []struct {
		name, trust string
		ask         ChainAsk
		want        Decision
	}{
		{"the role ARN admits its sessions", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + chainSource + `"},"Action":"sts:AssumeRole"}]}`, a, Allowed},
		{"the account root admits the session", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}`, a, Allowed},
		{"another role does not", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + chainOther + `"},"Action":"sts:AssumeRole"}]}`, a, ImplicitDeny},
		{"another account does not", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"sts:AssumeRole"}]}`, a, ImplicitDeny},
		{"an external ID the caller passes", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + chainSource + `"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"zone-4711"}}}]}`, ChainAsk{SourceRole: chainSource, ExternalID: "zone-4711"}, Allowed},
		{"an external ID the caller does not pass", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + chainSource + `"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"zone-4711"}}}]}`, a, ImplicitDeny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := ParseDocument(tt.trust)
			if err != nil {
				t.Fatal(err)
			}
			if res := doc.Evaluate(tt.ask.Request("sts:AssumeRole")); res.Decision != tt.want {
				t.Errorf("Decision = %s, want %s: %s", res.Decision, tt.want, res.Explain())
			}
		})
	}
}

func TestCorrectChainTrust(t *testing.T) {
	tests := []struct {
		name, trust string
		ask         ChainAsk
		wantChange  string
		wantIn      string
	}{
		{
			name:       "the wrong role gains the source role beside it",
			trust:      `{"Version":"2012-10-17","Statement":[{"Sid":"Dns","Effect":"Allow","Principal":{"AWS":"` + chainOther + `"},"Action":"sts:AssumeRole"}]}`,
			ask:        ChainAsk{SourceRole: chainSource},
			wantChange: `statement "Dns" also trusts ` + chainSource,
			wantIn:     `"AWS": [`,
		},
		{
			name:       "a missing sts:TagSession is added to the statement that trusts the source",
			trust:      `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + chainSource + `"},"Action":"sts:AssumeRole"}]}`,
			ask:        ChainAsk{SourceRole: chainSource, Tags: true},
			wantChange: "also allows sts:TagSession",
			wantIn:     `"sts:TagSession"`,
		},
		{
			name:       "a service principal: a new statement",
			trust:      `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`,
			ask:        ChainAsk{SourceRole: chainSource, ExternalID: "zone-4711"},
			wantChange: "a new Statement[1] trusts " + chainSource + " for sts:AssumeRole",
			wantIn:     `"sts:ExternalId": "zone-4711"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := ParseDocument(tt.trust)
			if err != nil {
				t.Fatal(err)
			}
			denied := chainDenied(t, doc, tt.ask)
			if len(denied) == 0 {
				t.Fatal("the trust policy allows the ask already")
			}
			fix, err := CorrectChainTrust(doc, denied, tt.ask)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(fix.Changes, "; "); !strings.Contains(got, tt.wantChange) {
				t.Errorf("Changes = %q, want %q in it", got, tt.wantChange)
			}
			if !strings.Contains(fix.Content, tt.wantIn) {
				t.Errorf("Content misses %s:\n%s", tt.wantIn, fix.Content)
			}
			fixed, err := ParseDocument(fix.Content)
			if err != nil {
				t.Fatal(err)
			}
			if len(chainDenied(t, fixed, tt.ask)) != 0 {
				t.Errorf("the corrected policy still refuses:\n%s", fix.Content)
			}
		})
	}
	t.Run("an explicit Deny is not edited", func(t *testing.T) {
		doc, _ := ParseDocument(`{"Version":"2012-10-17","Statement":[{"Sid":"No","Effect":"Deny","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`)
		a := ChainAsk{SourceRole: chainSource}
		if _, err := CorrectChainTrust(doc, chainDenied(t, doc, a), a); err == nil || !strings.Contains(err.Error(), "a Deny is not edited") {
			t.Errorf("err = %v, want a Deny is not edited", err)
		}
	})
}

func TestNamesPrincipal(t *testing.T) {
	a := ChainAsk{SourceRole: chainSource}
	for trust, want := range map[string]bool{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + chainSource + `"},"Action":"sts:AssumeRole"}]}`:            true,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}`: false,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}]}`:                   false,
	} {
		doc, _ := ParseDocument(trust)
		if got := NamesPrincipal(doc.Evaluate(a.Request("sts:AssumeRole")), chainSource); got != want {
			t.Errorf("NamesPrincipal(%s) = %v, want %v", trust, got, want)
		}
	}
}
