package model

import (
	"hash/maphash"
	"sort"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/policy"
	"github.com/irsa-doctor/irsa-doctor/internal/sdk"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// Once returns f's value for the key k, computed once per Context: every
// cache of the model goes through it. Work that many targets share is
// done once per run (each engine worker has its own Context, so there is
// no locking): 10,000 pods often use a few hundred roles, so each trust
// policy is parsed once and each distinct request evaluated once. A key's
// type tells the caches apart: each cache has a key type of its own, and
// a map of its own, typed, so that neither its keys nor its values are
// boxed in interfaces (thousands of entries per run). Cached values are
// read-only.
func Once[K comparable, V any](c *Context, k K, f func() V) V {
	m, _ := c.memo[memoID[K, V]{}].(map[K]V)
	if v, ok := m[k]; ok {
		return v
	}
	if m == nil {
		// Made before f runs: f may ask the same cache again.
		m = map[K]V{}
		if c.memo == nil {
			c.memo = map[any]any{}
		}
		c.memo[memoID[K, V]{}] = m
	}
	v := f()
	m[k] = v
	return v
}

// ForgetServiceAccounts drops the caches whose entries each concern one
// ServiceAccount: the trust diagnoses and the policy evaluations of a
// request, which names its ServiceAccount (its :sub), and the subjects. An engine worker
// calls it when it moves on to another namespace: ServiceAccounts are
// namespaced and targets come in namespace order, so those entries are
// not asked for again, and a 100,000-pod run need not hold them all. An
// entry asked for again is computed again, the same: the caches hold the
// values of pure functions, and no one compares them by address.
func (c *Context) ForgetServiceAccounts() {
	delete(c.memo, memoID[DiagKey, *trustCore]{})
	delete(c.memo, memoID[evalKey, policy.Result]{})
	delete(c.memo, memoID[subjectKey, string]{})
}

// memoID names the cache of the key type K (and value type V) in
// Context.memo; being empty, it costs nothing to make an interface of.
type memoID[K comparable, V any] struct{}

// OnceFor is Once for work about one target, kept with the target. It may
// be called for a target another engine worker is judging (a check that
// looks at the other pods of a ServiceAccount): the memo is locked, f runs
// unlocked (it may ask OnceFor again), and when two goroutines compute the
// same value at once the first one stored is the one both return.
func OnceFor[K comparable, V any](t *Target, k K, f func() V) V {
	t.mu.Lock()
	v, ok := t.memoGet(k)
	t.mu.Unlock()
	if ok {
		return v.(V)
	}
	nv := f()
	t.mu.Lock()
	defer t.mu.Unlock()
	if v, ok := t.memoGet(k); ok {
		return v.(V)
	}
	if t.memo == nil {
		t.memo = make([]memoEntry, 0, memoSize)
	}
	// Only a key that is stored is put on the heap (memoGet does not keep
	// it): a lookup costs no allocation.
	t.memo = append(t.memo, memoEntry{k, nv})
	return nv
}

// memoEntry is one value of a target's memo (OnceFor).
type memoEntry struct{ k, v any }

// memoSize is room for the values a target's memo usually holds (one per
// OnceFor key type, about ten): a slice searched in order, not a map,
// because a map that small costs more to build and grow than to scan,
// and every target builds one.
const memoSize = 12

func (t *Target) memoGet(k any) (any, bool) {
	for i := range t.memo {
		if t.memo[i].k == k {
			return t.memo[i].v, true
		}
	}
	return nil, false
}

type imageKey struct {
	image string
	mech  sdk.Mechanism
}

// JudgeImage is sdk.Judge, memoised by image and mechanism: a cluster runs
// the same few images in thousands of pods, and two checks ask of each
// container (IRSA407 and IRSA408, each twice).
func (c *Context) JudgeImage(image string, m sdk.Mechanism) sdk.Verdict {
	if c.images == nil {
		c.images = &imageCache{seed: maphash.MakeSeed()}
	}
	k := imageKey{image, m}
	s := &c.images.slots[(maphash.String(c.images.seed, image)+uint64(m))%imageSlots]
	if !s.ok || s.k != k {
		s.k, s.v, s.ok = k, sdk.Judge(image, m), true
	}
	return s.v
}

// imageCache is JudgeImage's memo: a table of imageSlots verdicts, each
// slot holding the last image and mechanism judged there (the slot is
// chosen by a hash of the two). Unlike a map (Once), it does not grow
// with the images of the run: pods come in namespace and name order, so
// those of one workload, which share images, come together, and where
// every pod runs an image of its own a map would only hold garbage, a
// verdict of a few hundred bytes per container. sdk.Judge is a pure
// function: a verdict judged again, after its slot was taken, is the same.
type imageCache struct {
	seed  maphash.Seed
	slots [imageSlots]imageSlot
}

type imageSlot struct {
	k  imageKey
	v  sdk.Verdict
	ok bool
}

const imageSlots = 256

// BreadthKey identifies one trust-breadth judgement (IRSA207): a document,
// a request and an issuer, in the role's partition and account.
type BreadthKey struct {
	DiagKey
	Partition, Account string
}

type issuerEntry struct {
	fact    IssuerFact
	why     string
	missing bool
}

type issuerKey struct{}

// DiagKey identifies one trust diagnosis: a document, a request and an
// issuer.
type DiagKey struct {
	Doc *policy.Document
	// Req is RequestKey of the request, or TrustInput.RequestID.
	Req      any
	HostPath string
}

// ClusterIssuer is the snapshot's ClusterIssuer, computed once per run.
func (c *Context) ClusterIssuer() (fact IssuerFact, why string, missing bool) {
	e := Once(c, issuerKey{}, func() issuerEntry {
		f, w, m := ClusterIssuer(c.Snap)
		return issuerEntry{f, w, m}
	})
	return e.fact, e.why, e.missing
}

// trustDiagnosis is diagnoseTrust once per distinct document, request and
// issuer; what it returns carries this target's input (its evidence)
// with the shared diagnosis.
func (c *Context) trustDiagnosis(in *TrustInput) *TrustDiag {
	k := DiagKey{Doc: in.Doc, Req: in.RequestID(), HostPath: in.Issuer.HostPath}
	d := Once(c, k, func() *trustCore { return diagnoseTrust(c, in) })
	return &TrustDiag{In: in, trustCore: d}
}

type partitionKey struct{}

// ClusterPartition is the partition of ClusterIssuer (IssuerFact.Partition),
// computed once per run: every target compares its role's partition with it.
func (c *Context) ClusterPartition() string {
	return Once(c, partitionKey{}, func() string {
		f, _, _ := c.ClusterIssuer()
		return f.Partition()
	})
}

type docEntry struct {
	doc *policy.Document
	err error
}

type docKey string

type evalKey struct {
	doc *policy.Document
	req any // RequestKey, or TrustInput.RequestID
}

// TrustDocument parses a trust policy once per run.
func (c *Context) TrustDocument(text string) (*policy.Document, error) {
	e := Once(c, docKey(text), func() docEntry {
		if c.Index != nil {
			if e, ok := c.Index.docs.Load(text); ok {
				return e.(docEntry)
			}
		}
		doc, err := policy.ParseDocument(text)
		e := docEntry{doc, err}
		if c.Index != nil {
			v, _ := c.Index.docs.LoadOrStore(text, e)
			e = v.(docEntry)
		}
		return e
	})
	return e.doc, e.err
}

type roleDocKey struct{ role *snapshot.Role }

// RoleTrustDocument is TrustDocument of the role's trust policy, found by
// the role rather than by its text: every target asks, and hashing the
// text each time costs more than the rest of the lookup.
func (c *Context) RoleTrustDocument(role *snapshot.Role) (*policy.Document, error) {
	e := Once(c, roleDocKey{role}, func() docEntry {
		doc, err := c.TrustDocument(role.TrustPolicy)
		return docEntry{doc, err}
	})
	return e.doc, e.err
}

// Evaluate evaluates a request against a parsed document once per run.
// Callers must not modify the result.
func (c *Context) Evaluate(doc *policy.Document, req policy.Request) policy.Result {
	return Once(c, evalKey{doc: doc, req: RequestKey(req)}, func() policy.Result { return doc.Evaluate(req) })
}

// EvaluateInput is Evaluate of the input's request against its document.
func (c *Context) EvaluateInput(in *TrustInput) policy.Result {
	return Once(c, evalKey{doc: in.Doc, req: in.RequestID()}, func() policy.Result { return in.Doc.Evaluate(in.Request()) })
}

// RequestKey is a canonical text of a request.
func RequestKey(req policy.Request) string {
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
