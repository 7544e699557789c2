package bundle

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle/gen"
)

// kubeSeeds are Kubernetes objects for the differential test: every
// object (and List item) of the JSON files under testdata and the
// examples, the pods of a small generated bundle, and hand-written edge
// cases.
func kubeSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	add := func(v jsontext.Value) {
		var o struct {
			Kind  string           `json:"kind"`
			Items []jsontext.Value `json:"items"`
		}
		if json.Unmarshal(v, &o) != nil {
			return
		}
		if strings.HasSuffix(o.Kind, "List") {
			for _, it := range o.Items {
				seeds = append(seeds, it)
			}
			return
		}
		if o.Kind != "" {
			seeds = append(seeds, v)
		}
	}
	genDir := t.TempDir()
	if err := gen.Write(genDir, gen.Config{Pods: 40, ServiceAccounts: 10, Roles: 5, Namespaces: 3, Deployments: 4}); err != nil {
		t.Fatal(err)
	}
	for _, root := range []string{"testdata", "../../examples", genDir} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			dec := jsontext.NewDecoder(strings.NewReader(string(b)))
			for {
				v, err := dec.ReadValue()
				if err != nil {
					break
				}
				add(v.Clone())
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []string{
		`{"kind":"Pod","metadata":null,"spec":null,"status":null}`,
		`{"kind":"Pod","metadata":{"labels":{},"annotations":null,"ownerReferences":[]},"spec":{"containers":[],"volumes":null}}`,
		`{"kind":"Pod","metadata":{"labels":{"a":"1","a":"2","\u0061":"3"}}}`,
		`{"kind":"Pod","metadata":{"name":"a","name":"b"}}`,
		`{"kind":"Pod","spec":{"containers":[{"name":"a"}],"containers":[{"image":"b"}]}}`,
		`{"kind":"Pod","spec":{"securityContext":{"runAsUser":1},"securityContext":{"fsGroup":2}}}`,
		`{"kind":"Pod","spec":{"containers":[null,{"env":[null,{"name":"A","valueFrom":null}]}]}}`,
		`{"kind":"Pod","spec":{"containers":[{"env":[{"name":"A","valueFrom":{"fieldRef":{"fieldPath":"x"},"secretKeyRef":null}}]}]}}`,
		`{"kind":"Pod","spec":{"securityContext":{"runAsUser":1.0}}}`,
		`{"kind":"Pod","spec":{"securityContext":{"runAsUser":1e3}}}`,
		`{"kind":"Pod","spec":{"securityContext":{"runAsUser":-9223372036854775808,"fsGroup":9223372036854775807}}}`,
		`{"kind":"Pod","spec":{"securityContext":{"runAsUser":9223372036854775808}}}`,
		`{"kind":"Pod","spec":{"securityContext":{"runAsUser":-0,"supplementalGroups":[1,null,-2]}}}`,
		`{"kind":"Pod","spec":{"volumes":[{"projected":{"defaultMode":2147483648}}]}}`,
		`{"kind":"Pod","spec":{"volumes":[{"projected":{"defaultMode":-2147483648,"sources":[{"serviceAccountToken":{"audience":"sts.amazonaws.com","expirationSeconds":86400,"path":"token"}}]}}]}}`,
		`{"kind":"Pod","spec":{"volumes":[{"name":"v","secret":{"secretName":"s"},"configMap":{"name":"c","items":[{"key":"k","path":"p"}],"optional":true}}]}}`,
		`{"kind":"Pod","spec":{"hostNetwork":"true"}}`,
		`{"kind":"Pod","spec":{"hostNetwork":null,"automountServiceAccountToken":false,"os":{"name":"linux"},"nodeSelector":{"k":"v"}}}`,
		`{"kind":"Pod","spec":{"serviceAccountName":1}}`,
		`{"kind":"Pod","spec":{"containers":{}}}`,
		`{"kind":"Pod","Spec":{"serviceAccountName":"x"},"SPEC":{}}`,
		`{"kind":"Pod","metadata":{"name":"caf\u00e9 \"q\" \ud83d\ude00","namespace":"é"}}`,
		"{\"kind\":\"Pod\",\"metadata\":{\"name\":\"bad \xff utf8\"}}",
		"{\"kind\":\"Pod\",\"metadata\":{\"labels\":{\"\xff\":\"\xfe\"}}}",
		`{"kind":"Pod","metadata":{"name":"a"}} {}`,
		`{"kind":"Pod","metadata":{"name":"a"}`,
		`{"kind":"Pod","status":{"phase":"Running","conditions":[{"type":"Ready","status":"True","message":"m"}],"containerStatuses":[{"name":"c","restartCount":3}]}}`,
		`{"kind":"Pod","status":{"containerStatuses":[{"restartCount":"3"}]}}`,
		`{"kind":"Deployment","spec":{"replicas":3,"template":{"metadata":{"labels":{"a":"b"}},"spec":{"serviceAccountName":"s"}}}}`,
		`{"kind":"Deployment","spec":{"replicas":null,"template":null}}`,
		`{"kind":"CronJob","spec":{"jobTemplate":{"spec":{"template":{"spec":{}}}}}}`,
		`{"kind":"MutatingWebhookConfiguration","webhooks":[{"name":"w"}]}`,
		`{"kind":"Pod","spec":{"containers":[{"command":["a",null],"args":[],"restartPolicy":"Always","securityContext":{"privileged":true,"runAsNonRoot":null}}]}}`,
		`{"kind":"Pod","spec":{"containers":[{"envFrom":[{"prefix":"P_","secretRef":{"name":"s","optional":true},"configMapRef":null}]}]}}`,
		`null`,
		`[]`,
		`{"kind":"Pod","metadata":{"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"r","uid":"u","controller":true}]}}`,
	} {
		seeds = append(seeds, []byte(s))
	}
	for _, tc := range scanInvalid { // the cursor's edge cases (kubescan_test.go)
		seeds = append(seeds, []byte(tc.raw))
	}
	for _, s := range scanValid {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}

// checkFastEquivalent fails unless the hand-written decode of raw, where
// it succeeds, gives what json.Unmarshal gives, under both sets of
// options the reader decodes with.
func checkFastEquivalent(t *testing.T, raw []byte) (fast bool) {
	for _, opts := range []json.Options{itemOpts, strictOpts} {
		var got kubeObject
		ok := decodeKubeFast(raw, &got, opts)
		var want kubeObject
		err := json.Unmarshal(raw, &want, opts)
		if !ok {
			continue
		}
		fast = true
		if err != nil {
			t.Fatalf("%q: the fast decode succeeded, json.Unmarshal failed: %v", raw, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: the fast decode gave\n%#v\njson.Unmarshal\n%#v", raw, got, want)
		}
	}
	return fast
}

func TestDecodeFastEquivalent(t *testing.T) {
	fast, slow := 0, 0
	for _, raw := range kubeSeeds(t) {
		if checkFastEquivalent(t, raw) {
			fast++
		} else {
			slow++
		}
	}
	t.Logf("%d objects decoded by hand, %d fell back", fast, slow)
}

// TestDecodeFastTakesPlainObjects: the objects kubectl prints take the
// fast path (else it would be equivalent and useless), and the inputs it
// does not handle exactly fall back.
func TestDecodeFastTakesPlainObjects(t *testing.T) {
	dir := t.TempDir()
	if err := gen.Write(dir, gen.Config{Pods: 100, ServiceAccounts: 20, Roles: 5, Namespaces: 3, Deployments: 4}); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, name := range []string{"pods.json", "serviceaccounts.json", "namespaces.json", "deployments.json"} {
		b, err := os.ReadFile(filepath.Join(dir, "kube", name))
		if err != nil {
			t.Fatal(err)
		}
		var list struct {
			Items []jsontext.Value `json:"items"`
		}
		if err := json.Unmarshal(b, &list); err != nil {
			t.Fatal(err)
		}
		for _, it := range list.Items {
			var o kubeObject
			if !decodeKubeFast(it, &o, strictOpts) {
				t.Fatalf("%s: fell back on %s", name, it)
			}
			n++
		}
	}
	if n != 100+20+3+4 {
		t.Errorf("decoded %d objects, want %d", n, 100+20+3+4)
	}
	for _, s := range []string{
		`{"kind":"Pod","metadata":{"name":"a","name":"b"}}`,           // merged by json.Unmarshal
		`{"kind":"Pod","spec":{"securityContext":{"runAsUser":1.0}}}`, // not a plain integer
		`{"kind":"Pod","spec":{"serviceAccountName":1}}`,              // an error
		`{"kind":"MutatingWebhookConfiguration","webhooks":[]}`,       // not decoded by hand
		`{"kind":"CronJob","spec":{"jobTemplate":{}}}`,                // not decoded by hand
		`{"kind":"Pod"} {}`, // an error
		`null`,              // the zero kubeObject
	} {
		var o kubeObject
		if decodeKubeFast([]byte(s), &o, strictOpts) {
			t.Errorf("%s: decoded by hand, want a fall back", s)
		}
	}
}

// FuzzDecodeFastEquivalent: go test ./internal/bundle -run '^$' -fuzz FuzzDecodeFastEquivalent
func FuzzDecodeFastEquivalent(f *testing.F) {
	for _, s := range kubeSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkFastEquivalent(t, raw)
	})
}

// TestDecodeFastSharesEqualMaps: consecutive objects with equal labels
// share one map; a different map, or one with a key named twice, is not
// shared, and every object's map has its own entries. One decoder decodes
// them all, as one worker does a List's items: through decodeKubeFast's
// sync.Pool, which drops items at random under the race detector, the
// next object could get a decoder that saw none of them.
func TestDecodeFastSharesEqualMaps(t *testing.T) {
	f := fastDecs.New().(*fastDec)
	decode := func(labels string) map[string]string {
		t.Helper()
		var o kubeObject
		if !f.decode([]byte(`{"kind":"Pod","metadata":{"labels":`+labels+`}}`), &o, strictOpts) {
			t.Fatalf("%s: fell back", labels)
		}
		return o.Metadata.Labels
	}
	same := func(a, b map[string]string) bool {
		return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
	}
	a := decode(`{"app":"web","pod-template-hash":"1"}`)
	b := decode(`{"pod-template-hash":"1","app":"web"}`)
	if !same(a, b) || !reflect.DeepEqual(b, map[string]string{"app": "web", "pod-template-hash": "1"}) {
		t.Errorf("equal labels: %v and %v, shared %v", a, b, same(a, b))
	}
	c := decode(`{"app":"web","pod-template-hash":"2"}`)
	if same(b, c) || !reflect.DeepEqual(c, map[string]string{"app": "web", "pod-template-hash": "2"}) {
		t.Errorf("different labels: %v after %v, shared %v", c, b, same(b, c))
	}
	d := decode(`{"app":"x","app":"web","pod-template-hash":"2"}`)
	if same(c, d) || !reflect.DeepEqual(d, map[string]string{"app": "web", "pod-template-hash": "2"}) {
		t.Errorf("a key named twice: %v after %v, shared %v", d, c, same(c, d))
	}
	e := decode(`{}`)
	if e == nil || len(e) != 0 {
		t.Errorf("{}: %#v, want an empty map", e)
	}
}

// TestDecodeFastFallBackLeavesNoScratch: an object given up on in the
// middle of an array leaves nothing in the scratch slices, which the
// next decode would otherwise keep after.
func TestDecodeFastFallBackLeavesNoScratch(t *testing.T) {
	f := fastDecs.New().(*fastDec)
	for range 100 {
		var o kubeObject
		if f.decode([]byte(`{"kind":"Pod","spec":{"containers":[{"name":"a"},{"name":1}]}}`), &o, strictOpts) {
			t.Fatal("decoded a number as a string")
		}
	}
	if len(f.containers) != 0 {
		t.Errorf("%d containers left in the scratch slice", len(f.containers))
	}
}
