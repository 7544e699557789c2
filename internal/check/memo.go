package check

import (
	"sort"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/policy"
	"github.com/irsa-doctor/irsa-doctor/internal/sdk"
)

// memo caches work that many targets share (each engine worker has its
// own Context, so there is no locking): 10,000 pods often use a few
// hundred roles, so each trust policy is parsed once and each distinct
// request evaluated once per run. Cached values are read-only.
type memo struct {
	docs    map[string]docEntry
	evals   map[evalKey]policy.Result
	diags   map[diagKey]*trustDiag
	breadth map[breadthKey]breadth
	issuer  *issuerEntry
	bare    *bareEntry
	// restarts are the re-create commands of the pods of one
	// ServiceAccount whose token audience is stale (staleRestart).
	restarts map[string][]string
	images   map[imageKey]sdk.Verdict
	// nodeRoles are IRSA411's verdicts, by node role and cluster ARN.
	nodeRoles map[nodeRoleKey]nodeRoleVerdict
}

type imageKey struct {
	image string
	mech  sdk.Mechanism
}

// judgeImage is sdk.Judge once per image and mechanism: a cluster runs the
// same few images in thousands of pods.
func (c *Context) judgeImage(image string, m sdk.Mechanism) sdk.Verdict {
	k := imageKey{image, m}
	if v, ok := c.memo.images[k]; ok {
		return v
	}
	if c.memo.images == nil {
		c.memo.images = map[imageKey]sdk.Verdict{}
	}
	v := sdk.Judge(image, m)
	c.memo.images[k] = v
	return v
}

type breadthKey struct {
	diagKey
	account string
}

type issuerEntry struct {
	fact    IssuerFact
	why     string
	missing bool
}

type diagKey struct {
	doc      *policy.Document
	req      string
	hostPath string
}

// ClusterIssuer is the snapshot's ClusterIssuer, computed once per run.
func (c *Context) ClusterIssuer() (fact IssuerFact, why string, missing bool) {
	if c.memo.issuer == nil {
		f, w, m := ClusterIssuer(c.Snap)
		c.memo.issuer = &issuerEntry{f, w, m}
	}
	e := c.memo.issuer
	return e.fact, e.why, e.missing
}

// trustDiagnosis is diagnoseTrust once per distinct document, request and
// issuer; the copy it returns carries this target's input (its evidence).
func (c *Context) trustDiagnosis(in *trustInput) *trustDiag {
	if c.memo.diags == nil {
		c.memo.diags = map[diagKey]*trustDiag{}
	}
	k := diagKey{doc: in.Doc, req: requestKey(in.Request()), hostPath: in.Issuer.HostPath}
	d, ok := c.memo.diags[k]
	if !ok {
		d = diagnoseTrust(c, in)
		c.memo.diags[k] = d
	}
	cp := *d
	cp.in = in
	return &cp
}

type docEntry struct {
	doc *policy.Document
	err error
}

type evalKey struct {
	doc *policy.Document
	req string
}

// TrustDocument parses a trust policy once per run.
func (c *Context) TrustDocument(text string) (*policy.Document, error) {
	if c.memo.docs == nil {
		c.memo.docs = map[string]docEntry{}
	}
	if e, ok := c.memo.docs[text]; ok {
		return e.doc, e.err
	}
	doc, err := policy.ParseDocument(text)
	c.memo.docs[text] = docEntry{doc, err}
	return doc, err
}

// Evaluate evaluates a request against a parsed document once per run.
// Callers must not modify the result.
func (c *Context) Evaluate(doc *policy.Document, req policy.Request) policy.Result {
	if c.memo.evals == nil {
		c.memo.evals = map[evalKey]policy.Result{}
	}
	k := evalKey{doc: doc, req: requestKey(req)}
	if r, ok := c.memo.evals[k]; ok {
		return r
	}
	r := doc.Evaluate(req)
	c.memo.evals[k] = r
	return r
}

// requestKey is a canonical text of a request.
func requestKey(req policy.Request) string {
	var b strings.Builder
	b.WriteString(req.Action)
	b.WriteByte(0)
	b.WriteString(string(req.Principal.Type))
	b.WriteByte(0)
	b.WriteString(req.Principal.Value)
	b.WriteByte(0)
	b.WriteString(req.Resource)
	keys := make([]string, 0, len(req.Context))
	for k := range req.Context {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteByte(0)
		b.WriteString(k)
		for _, v := range req.Context[k] {
			b.WriteByte(1)
			b.WriteString(v)
		}
	}
	return b.String()
}
