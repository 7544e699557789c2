package bundle

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// kubeObject is the union of the Kubernetes kinds the bundle keeps, decoded
// in one pass: each kind's fields have distinct JSON names (a Pod's spec
// has containers, a Deployment's has template, a CronJob's jobTemplate), so
// one struct serves them all, and fields no check reads are skipped by the
// decoder without being built.
type kubeObject struct {
	Kind       string                     `json:"kind"`
	APIVersion string                     `json:"apiVersion"`
	Metadata   snapshot.ObjectMeta        `json:"metadata"`
	Spec       kubeSpec                   `json:"spec"`
	Status     snapshot.PodStatus         `json:"status"`
	Webhooks   []snapshot.MutatingWebhook `json:"webhooks"`
}

type kubeSpec struct {
	snapshot.PodSpec `json:",inline"`
	Replicas         *int32                `json:"replicas"`
	Template         *snapshot.PodTemplate `json:"template"`
	JobTemplate      *struct {
		Spec struct {
			Template *snapshot.PodTemplate `json:"template"`
		} `json:"spec"`
	} `json:"jobTemplate"`
}

// kubeKinds are the kinds the bundle keeps, with the API groups they may
// come from (group "" is core/v1; "extensions" held Deployments, DaemonSets
// and ReplicaSets before apps/v1). A kind from another group (a Volcano
// "Job", say) is a different object and is ignored.
var kubeKinds = map[string][]string{
	"Pod":                          {""},
	"ServiceAccount":               {""},
	"Namespace":                    {""},
	"MutatingWebhookConfiguration": {"admissionregistration.k8s.io"},
	"Deployment":                   {"apps", "extensions"},
	"StatefulSet":                  {"apps"},
	"DaemonSet":                    {"apps", "extensions"},
	"ReplicaSet":                   {"apps", "extensions"},
	"Job":                          {"batch"},
	"CronJob":                      {"batch"},
	"Node":                         {""}, // node.go
	"ConfigMap":                    {""}, // configmap.go: AWS config files only
}

// used reports whether kind (of apiVersion, "" when unknown) is kept.
func used(kind, apiVersion string) bool {
	groups, ok := kubeKinds[kind]
	if !ok {
		return false
	}
	if apiVersion == "" {
		return true
	}
	group := ""
	if i := strings.LastIndexByte(apiVersion, '/'); i >= 0 {
		group = apiVersion[:i]
	}
	return contains(groups, group)
}

// listingKinds maps the kinds whose complete Lists prove absence
// (docs/contract.md#absence-needs-proof) to their snapshot.Kind, and says
// which are cluster-scoped.
var listingKinds = map[string]struct {
	kind    snapshot.Kind
	cluster bool
}{
	"Pod":                          {snapshot.KindPod, false},
	"ServiceAccount":               {snapshot.KindServiceAccount, false},
	"Namespace":                    {snapshot.KindNamespace, true},
	"MutatingWebhookConfiguration": {snapshot.KindWebhookConfiguration, true},
	"Node":                         {snapshot.KindNode, true},
	// A DaemonSet List proves the EKS Pod Identity Agent's DaemonSet
	// missing from kube-system (IRSA403).
	"DaemonSet": {snapshot.KindDaemonSet, false},
}

func isClusterScoped(kind string) bool { return listingKinds[kind].cluster }

// item is one decoded Kubernetes object.
type item struct {
	kind, apiVersion string
	namespace, name  string
	obj              any // *snapshot.Pod, *snapshot.Workload, ...
	err              error
}

// Unmarshal options for values the walk in parseJSON already validated:
// skip the duplicate-name bookkeeping and the second UTF-8 check.
var itemOpts = json.JoinOptions(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))

// decodeKube decodes one object whose kind is known to be used.
func decodeKube(raw []byte, kind, apiVersion string, src snapshot.Source) item {
	return decodeKubeWith(raw, kind, apiVersion, src, itemOpts)
}

// decodeKubeWith is decodeKube with the decoder's options: itemOpts for a
// value the walk validated, strictOpts for one it only split.
func decodeKubeWith(raw []byte, kind, apiVersion string, src snapshot.Source, opts json.Options) item {
	switch kind {
	case "Node":
		return decodeNode(raw, apiVersion, src, opts)
	case "ConfigMap":
		return decodeConfigMap(raw, apiVersion, src, opts)
	}
	// o stays on the stack when decoded by hand; json.Unmarshal's
	// argument escapes, so the fall back decodes into a copy.
	var o kubeObject
	if !decodeKubeFast(raw, &o, opts) {
		ref := new(kubeObject)
		if err := json.Unmarshal(raw, ref, opts); err != nil {
			return item{kind: kind, apiVersion: apiVersion, err: err}
		}
		o = *ref
	}
	if o.Kind == "" {
		o.Kind = kind // an item of a typed List (PodList) carries no kind
	}
	if o.APIVersion == "" {
		o.APIVersion = apiVersion
	}
	it := item{kind: o.Kind, apiVersion: o.APIVersion, namespace: o.Metadata.Namespace, name: o.Metadata.Name}
	switch o.Kind {
	case "Pod":
		it.obj = &snapshot.Pod{ObjectMeta: o.Metadata, Spec: o.Spec.PodSpec, Status: o.Status, Source: src}
	case "ServiceAccount":
		it.obj = &snapshot.ServiceAccount{ObjectMeta: o.Metadata, Source: src}
	case "Namespace":
		it.obj = &snapshot.Namespace{ObjectMeta: o.Metadata, Source: src}
	case "MutatingWebhookConfiguration":
		it.obj = &snapshot.WebhookConfiguration{ObjectMeta: o.Metadata, Webhooks: o.Webhooks, Source: src}
	default:
		w := &snapshot.Workload{Kind: o.Kind, APIVersion: o.APIVersion, ObjectMeta: o.Metadata, Source: src}
		switch o.Kind {
		case "Deployment", "StatefulSet", "ReplicaSet":
			// Only these have spec.replicas; DaemonSets, Jobs and CronJobs
			// keep nil (Workload.Replicas).
			w.Replicas = o.Spec.Replicas
		}
		switch {
		case o.Kind == "CronJob":
			if jt := o.Spec.JobTemplate; jt != nil && jt.Spec.Template != nil {
				w.Template = *jt.Spec.Template
			}
		case o.Spec.Template != nil:
			w.Template = *o.Spec.Template
		}
		it.obj = w
	}
	return it
}

// peekTypeMeta reads the kind and apiVersion of an object without decoding
// the rest: kubectl prints them first (its keys are sorted), so this stops
// after two members in the common case, and an object of a kind we do not
// keep (a Secret above all: the tool never reads Secrets) is never decoded.
func peekTypeMeta(dec *jsontext.Decoder, raw []byte) (kind, apiVersion string) {
	dec.Reset(bytes.NewBuffer(raw), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	if t, err := dec.ReadToken(); err != nil || t.Kind() != '{' {
		return "", ""
	}
	var haveKind, haveVersion bool
	for dec.PeekKind() == '"' && !(haveKind && haveVersion) {
		name, err := dec.ReadToken()
		if err != nil {
			return kind, apiVersion
		}
		switch name.String() {
		case "kind":
			haveKind = true
			if v, err := dec.ReadToken(); err == nil && v.Kind() == '"' {
				kind = v.String()
			}
		case "apiVersion":
			haveVersion = true
			if v, err := dec.ReadToken(); err == nil && v.Kind() == '"' {
				apiVersion = v.String()
			}
		default:
			if dec.SkipValue() != nil {
				return kind, apiVersion
			}
		}
	}
	return kind, apiVersion
}

// strictOpts decode what walkStreamed split without validating: the
// walk's options (UTF-8 checked), so that what decodes is what the walk
// would have accepted.
var strictOpts json.Options = walkOpts

// decodeStrict decodes one item of a streamed List (walkStreamed). An item
// of a kind not used is validated all the same; an item that is not valid
// JSON gets an error, which makes the streamed read give up (failOff).
func decodeStrict(dec *jsontext.Decoder, raw jsontext.Value, src snapshot.Source) item {
	kind, apiVersion := peekTypeMeta(dec, raw)
	if !used(kind, apiVersion) {
		it := item{kind: kind, apiVersion: apiVersion}
		if !raw.IsValid(walkOpts) {
			it.err = errSplit
		}
		return it
	}
	return decodeKubeWith(raw, kind, apiVersion, src, strictOpts)
}

// decodeOne decodes one List item. An item without kind (an item of a
// typed List such as PodList) is left pending (kind "") until the List's
// kind is known: kubectl prints "kind" after "items".
func decodeOne(dec *jsontext.Decoder, raw jsontext.Value, hintKind, hintVersion string, src snapshot.Source) item {
	kind, apiVersion := peekTypeMeta(dec, raw)
	if kind == "" {
		kind = hintKind
	}
	if apiVersion == "" {
		apiVersion = hintVersion
	}
	if !used(kind, apiVersion) {
		return item{kind: kind, apiVersion: apiVersion}
	}
	return decodeKube(raw, kind, apiVersion, src)
}

// itemBatch is the unit of work of an itemPipeline.
const itemBatch = 64

// itemPipeline decodes the items of a List while the walk is still
// splitting the rest: the walk (one core) and the decoding (every core)
// overlap, so a 10,000-pod List costs little more than its split.
type itemPipeline struct {
	ctx     context.Context
	src     snapshot.Source
	batches []*batch
	cur     *batch
	work    chan *batch
	wg      sync.WaitGroup
	// free holds the buffers of decoded batches for reuse (addFrom): a
	// streamed List's items are copied out of the file's chunks, and
	// recycling the copies keeps 120 MB of them from becoming garbage.
	free chan []byte
	// bufCap is the capacity new buffers are made with: the largest a
	// batch needed so far, so that batches do not outgrow theirs (a
	// 64-pod batch is about 300 KB without white space).
	bufCap int
	// strict: the items were split, not validated (walkStreamed); decode
	// them with the walk's options, and report what does not decode.
	strict bool
}

type batch struct {
	vals []jsontext.Value
	// buf holds the items' bytes when they were copied (addFrom); vals
	// are slices of it.
	buf    []byte
	out    []item
	free   chan []byte
	strict bool
}

func newItemPipeline(ctx context.Context, src snapshot.Source) *itemPipeline {
	return &itemPipeline{ctx: ctx, src: src}
}

func (b *batch) decode(ctx context.Context, dec *jsontext.Decoder, src snapshot.Source) {
	b.out = make([]item, len(b.vals))
	for i, v := range b.vals {
		if ctx.Err() != nil {
			break
		}
		if b.strict {
			b.out[i] = decodeStrict(dec, v, src)
			continue
		}
		b.out[i] = decodeOne(dec, v, "", "", src)
	}
	// The values are slices of the file's bytes, or of a copy that the
	// next batch may reuse: let them go.
	b.vals = nil
	if b.buf != nil {
		select {
		case b.free <- b.buf[:0]:
		default:
		}
		b.buf = nil
	}
}

// add queues one item; full batches go to the workers, started on the
// first one, so a small List starts no goroutine.
func (p *itemPipeline) add(v jsontext.Value) {
	if p.cur == nil {
		p.cur = &batch{vals: make([]jsontext.Value, 0, itemBatch)}
		p.batches = append(p.batches, p.cur)
	}
	p.cur.vals = append(p.cur.vals, v)
	if len(p.cur.vals) == itemBatch {
		p.dispatch()
	}
}

// addFrom queues the item that fill appends to the batch's buffer (a
// streamed List: walkStreamed). Batches recycle the buffers of decoded
// ones, so a List's items do not all become garbage.
func (p *itemPipeline) addFrom(fill func(dst []byte) ([]byte, error)) error {
	if p.free == nil {
		// As many buffers as batches can be alive at once: one filled,
		// GOMAXPROCS queued (work) and GOMAXPROCS being decoded.
		p.free = make(chan []byte, 2*runtime.GOMAXPROCS(0)+1)
		p.bufCap = 256 << 10
	}
	if p.cur == nil {
		p.cur = &batch{vals: make([]jsontext.Value, 0, itemBatch), free: p.free, strict: p.strict}
		select {
		case p.cur.buf = <-p.free:
		default:
			p.cur.buf = itemBuf(p.bufCap)
		}
		p.batches = append(p.batches, p.cur)
	}
	b := p.cur
	start := len(b.buf)
	buf, err := fill(b.buf)
	if err != nil {
		return err
	}
	if start > 0 && cap(buf) != cap(b.buf) {
		// append moved the buffer: the values so far keep the old array.
		// Start this batch's next buffer from the item alone.
		buf = append(make([]byte, 0, 2*cap(b.buf)), buf[start:]...)
		start = 0
	}
	p.bufCap = max(p.bufCap, cap(buf))
	b.buf = buf
	b.vals = append(b.vals, jsontext.Value(buf[start:len(buf):len(buf)]))
	// A batch whose buffer is nearly full goes before it has itemBatch
	// items: the next item would likely not fit, and growing the buffer
	// copies it twice (append, then here).
	if len(b.vals) == itemBatch || len(buf) > cap(buf)-cap(buf)/8 {
		p.dispatch()
	}
	return nil
}

// spareItemBufs holds the item buffers of finished pipelines (wait) for
// the next file's: a 100,000-pod bundle in 50 files made 70 MB of them
// garbage, a set per file.
var spareItemBufs sync.Pool

// itemBuf is an empty buffer of at least n bytes, a spare one if there is.
func itemBuf(n int) []byte {
	if b, ok := spareItemBufs.Get().(*[]byte); ok && cap(*b) >= n {
		return (*b)[:0]
	}
	return make([]byte, 0, n)
}

// dispatch hands the current batch to the workers.
func (p *itemPipeline) dispatch() {
	if p.work == nil {
		p.work = make(chan *batch, runtime.GOMAXPROCS(0))
		for range runtime.GOMAXPROCS(0) {
			p.wg.Go(func() {
				dec := jsontext.NewDecoder(bytes.NewBuffer(nil))
				for b := range p.work {
					b.decode(p.ctx, dec, p.src)
				}
			})
		}
	}
	p.work <- p.cur
	p.cur = nil
}

// wait decodes the last partial batch, waits for the workers, and returns
// every item in order. It must be called once, error or not.
func (p *itemPipeline) wait() []item {
	if p.cur != nil {
		p.cur.decode(p.ctx, jsontext.NewDecoder(bytes.NewBuffer(nil)), p.src)
	}
	if p.work != nil {
		close(p.work)
		p.wg.Wait()
	}
	for len(p.free) > 0 {
		b := <-p.free
		spareItemBufs.Put(&b)
	}
	n := 0
	for _, b := range p.batches {
		n += len(b.out)
	}
	out := make([]item, 0, n)
	for _, b := range p.batches {
		out = append(out, b.out...)
	}
	return out
}

// resolvePending decodes the items left without kind, now that the List's
// kind (hintKind, "Pod" for a PodList) is known, in parallel.
func resolvePending(ctx context.Context, items []item, raws []jsontext.Value, hintKind, hintVersion string, src snapshot.Source) {
	if hintKind == "" {
		return
	}
	var pending []int
	for i := range items {
		if items[i].kind == "" && items[i].obj == nil && items[i].err == nil {
			pending = append(pending, i)
		}
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), (len(pending)+itemBatch-1)/itemBatch) {
		wg.Go(func() {
			dec := jsontext.NewDecoder(bytes.NewBuffer(nil))
			for ctx.Err() == nil {
				start := int(next.Add(itemBatch)) - itemBatch
				if start >= len(pending) {
					return
				}
				for _, i := range pending[start:min(start+itemBatch, len(pending))] {
					items[i] = decodeOne(dec, raws[i], hintKind, hintVersion, src)
				}
			}
		})
	}
	wg.Wait()
}

// addKube adds decoded items to the result. list is true for the items of a
// List, which also prove absence (docs/contract.md#absence-needs-proof): a
// complete List of a namespaced kind proves it for each namespace its items
// come from, or for every namespace when they span two or more (a `-A`
// list); a List of a cluster-scoped kind is complete. An empty List proves
// nothing: its origin is unknown.
//
// A ServiceAccount List proves completeness only where it holds the
// namespace's `default` ServiceAccount, which every namespace has (the
// ServiceAccount controller creates it): `kubectl get sa api worker -n NS`
// and a jq-filtered `kubectl get sa -A` are Lists too, of chosen objects.
// An -A List proves it for every namespace only when each namespace it has
// items from has its `default`; otherwise for those namespaces only.
func (r *result) addKube(items []item, offsets func(i int) int64, src *jsonSrc, list bool) (usedKinds, unusedKinds []string) {
	namespaces := map[string]map[string]bool{}
	// withDefault: the namespaces whose `default` ServiceAccount the List has.
	withDefault := map[string]bool{}
	for i, it := range items {
		if it.err != nil {
			name := it.kind
			if it.name != "" {
				name += " " + snapshot.Key(it.namespace, it.name)
			}
			what := "cannot decode"
			if list {
				what = fmt.Sprintf("item %d (%s): cannot decode", i, name)
			}
			r.failOff(src, offsets(i)+errOffset(it.err), what+": "+describeJSONError(it.err)+"; skipped")
			if !contains(usedKinds, it.kind) {
				usedKinds = append(usedKinds, it.kind)
			}
			continue
		}
		if it.obj == nil {
			if it.kind != "" && !contains(unusedKinds, it.kind) {
				unusedKinds = append(unusedKinds, it.kind)
			}
			continue
		}
		if !contains(usedKinds, it.kind) {
			usedKinds = append(usedKinds, it.kind)
		}
		switch o := it.obj.(type) {
		case *snapshot.Pod:
			r.pods = append(r.pods, o)
		case *snapshot.ServiceAccount:
			r.sas = append(r.sas, o)
		case *snapshot.Namespace:
			r.namespaces = append(r.namespaces, o)
		case *snapshot.WebhookConfiguration:
			r.webhooks = append(r.webhooks, o)
		case *snapshot.Workload:
			r.workloads = append(r.workloads, o)
		case *snapshot.Node:
			r.nodes = append(r.nodes, o)
		case *snapshot.ConfigMap:
			r.configMaps = append(r.configMaps, o)
		}
		if list && (it.namespace != "" || isClusterScoped(it.kind)) {
			if namespaces[it.kind] == nil {
				namespaces[it.kind] = map[string]bool{}
			}
			namespaces[it.kind][it.namespace] = true
			if it.kind == "ServiceAccount" && it.name == "default" {
				withDefault[it.namespace] = true
			}
		}
	}
	kinds := make([]string, 0, len(namespaces))
	for k := range namespaces {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		lk, ok := listingKinds[k]
		if !ok {
			continue
		}
		nss := namespaces[k]
		if lk.kind == snapshot.KindServiceAccount {
			complete := map[string]bool{}
			for ns := range nss {
				if withDefault[ns] {
					complete[ns] = true
				}
			}
			if len(complete) < len(nss) {
				// Some namespace lacks its default: the List is a chosen
				// subset there; it still proves the namespaces that have it.
				for _, ns := range sortedKeys(complete) {
					r.listings = append(r.listings, snapshot.Listing{Kind: lk.kind, Namespace: ns, Source: r.src})
				}
				continue
			}
		}
		switch {
		case lk.cluster || len(nss) > 1:
			r.listings = append(r.listings, snapshot.Listing{Kind: lk.kind, AllNamespaces: true, Source: r.src})
		default:
			for ns := range nss {
				r.listings = append(r.listings, snapshot.Listing{Kind: lk.kind, Namespace: ns, Source: r.src})
			}
		}
	}
	return usedKinds, unusedKinds
}
