package bundle

import (
	"errors"
	"hash/maphash"
	"sync"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// The Kubernetes objects the bundle keeps (kubeObject) are decoded by hand,
// token by token, rather than by json.Unmarshal's reflection: on a
// 10,000-pod List the reflective decode was about half of the reader's CPU
// time (BenchmarkRead's profile: json.Unmarshal 7.65 s of about 16 s over
// 33 reads; struct field lookups by name, reflect.Value calls, slices grown
// an element at a time) and most of its garbage, and go-json-experiment
// has no code generator. By hand, the decode takes about a third less CPU,
// with fewer, exactly sized allocations; its tokens are read by a
// hand-written validating cursor over the item's bytes (scan,
// kubescan.go), which took the place of jsontext's Decoder, most of what
// was left. The hand-written decode is a fast path only: it gives
// up (errFallback) on anything it does not handle exactly as the
// reflective decode would (a member named twice in one object, a number
// that is not a plain integer, a value of the wrong kind, a member it does
// not know that kubeObject decodes, such as webhooks, every syntax error,
// and all invalid UTF-8), and decodeKubeWith then decodes the item with json.Unmarshal, so
// the values, errors and messages of every input that is not a plain
// Kubernetes object stay those of the reflective decode.
// FuzzDecodeFastEquivalent checks that whenever the fast path succeeds,
// the reflective decode succeeds with a reflect.DeepEqual value.
//
// The semantics followed are json.Unmarshal's (v2) with
// AllowDuplicateNames: exact, case-sensitive member names; unknown members
// skipped (and validated); null sets a field to its zero value (nil for a
// pointer, slice or map); [] is an empty, non-nil slice and {} an empty,
// non-nil map; a duplicate map key replaces the earlier value; a string
// without escapes or non-ASCII bytes is copied as is, any other is
// unquoted by jsontext.AppendUnquote, as the reflective decode does (one
// that AppendUnquote finds invalid falls back, even where the options
// allow invalid UTF-8).

// errFallback makes decodeKubeWith decode the item reflectively.
var errFallback = errors.New("fast decode: use json.Unmarshal")

// fastDec is the state of one goroutine's hand-written decodes: its
// cursor, and the strings it interns.
type fastDec struct {
	s scan
	// strs interns the strings that repeat from object to object (a
	// namespace, a ServiceAccount, an image, an environment variable, a
	// mount path, a label): the pods of a List then share one copy of
	// each, and decoding one allocates nothing. Values unique to an
	// object (names, uids, timestamps) are not interned.
	strs *[internSlots]string
	last string // str's last recent string
	// lastMaps are the last maps stringMap made, by use; pairs its
	// scratch.
	lastMaps [3]map[string]string
	pairs    []string

	// Element scratch: arrays are decoded here, then copied to a slice
	// of the exact length, so growing them leaves no garbage. No array
	// of a type is nested in another array of the same type.
	containers []snapshot.Container
	envs       []snapshot.EnvVar
	mounts     []snapshot.VolumeMount
	volumes    []snapshot.Volume
	conds      []snapshot.PodCondition
	statuses   []snapshot.ContainerStatus
}

// strs is a direct-mapped cache, indexed by a hash of the bytes: a string
// that repeats is found in one probe of a table that stays in the CPU's
// cache (a map of the same strings cost a third of the decode's time in
// lookups), and one that does not repeat is soon replaced by another with
// the same slot. Long values (annotations holding JSON) are not interned:
// they rarely repeat.
const (
	internSlots  = 1 << 12
	maxInternLen = 128
)

var internSeed = maphash.MakeSeed()

var fastDecs = sync.Pool{New: func() any {
	return &fastDec{strs: new([internSlots]string)}
}}

// decodeKubeFast decodes raw into o by hand; false (o then is to be
// discarded) when the reflective decode must decide.
func decodeKubeFast(raw []byte, o *kubeObject, opts json.Options) bool {
	f := fastDecs.Get().(*fastDec)
	defer fastDecs.Put(f)
	return f.decode(raw, o, opts)
}

func (f *fastDec) decode(raw []byte, o *kubeObject, opts json.Options) bool {
	// The cursor skips a member named twice in an object it does not
	// decode (managedFields'), which only AllowDuplicateNames accepts; it
	// falls back on all invalid UTF-8, whatever the options.
	if dup, _ := json.GetOption(opts, jsontext.AllowDuplicateNames); !dup {
		return false
	}
	f.s.reset(raw)
	err := f.kubeObject(o)
	if err == nil && !f.s.end() {
		err = errFallback // json.Unmarshal rejects anything after the value
	}
	if err != nil {
		// A decode that gave up may have left elements in the scratch
		// slices (array empties them only at an array's end): drop them,
		// or a List of such items would grow them without end.
		f.containers = reset(f.containers)
		f.envs = reset(f.envs)
		f.mounts = reset(f.mounts)
		f.volumes = reset(f.volumes)
		f.conds = reset(f.conds)
		f.statuses = reset(f.statuses)
	}
	f.s.reset(nil) // drop the reference to raw
	return err == nil
}

// How str makes a string of what it read.
const (
	unique   = iota // a copy: a name, a uid
	interned        // from strs: a value that repeats across objects
	recent          // the string str returned last for a recent value, if the same: a timestamp
)

// str reads a string (or null: "").
func (f *fastDec) str(how int) (string, error) {
	switch f.s.peek() {
	case 'n':
		return "", f.s.literal("null")
	case '"':
	default:
		return "", errFallback
	}
	b, err := f.s.str()
	if err != nil {
		return "", err
	}
	return f.text(b, how), nil
}

// text makes a string of the unquoted bytes b, as how says.
func (f *fastDec) text(b []byte, how int) string {
	switch {
	case how == recent:
		// An object's timestamps are often the same second (created,
		// scheduled, started, ready): one copy of each serves them all.
		if string(b) != f.last {
			f.last = string(b)
		}
		return f.last
	case how == unique || len(b) > maxInternLen:
		return string(b)
	}
	slot := &f.strs[maphash.Bytes(internSeed, b)&(internSlots-1)]
	if *slot == string(b) {
		return *slot
	}
	*slot = string(b)
	return *slot
}

// name reads the next member name of an object, unquoted, and the ':'
// after it, or nil at the object's end (whose '}' it consumes): first
// after its '{', else after a member's value. The bytes are valid until
// the next read.
func (f *fastDec) name(first bool) ([]byte, error) {
	more, err := f.s.more('}', first)
	if !more || err != nil {
		return nil, err
	}
	return f.s.name()
}

// open reads the start of an object ('{': true) or null (false); anything
// else falls back.
func (f *fastDec) open() (bool, error) {
	return f.begin('{')
}

func (f *fastDec) begin(k byte) (bool, error) {
	switch f.s.peek() {
	case 'n':
		return false, f.s.literal("null")
	case k:
		err := f.s.enter()
		return err == nil, err
	}
	return false, errFallback
}

// seen marks field i of an object as read; a second member for it falls
// back (the reflective decode merges it into the first).
func seen(mask *uint32, i uint) error {
	if *mask&(1<<i) != 0 {
		return errFallback
	}
	*mask |= 1 << i
	return nil
}

// object decodes an object member by member into what member writes
// (null leaves it as it is, as the reflective decode does): member
// decodes or skips the value of the member it is handed. The caller's
// member marks the fields read in a mask of its own (seen), declared
// beside it: a mask handed to member through a pointer would be moved to
// the heap, one allocation per object.
func (f *fastDec) object(member func(n []byte) error) error {
	if ok, err := f.open(); !ok || err != nil {
		return err
	}
	return f.members(member)
}

// members reads the members of an object whose '{' was read.
func (f *fastDec) members(member func(n []byte) error) error {
	for first := true; ; first = false {
		n, err := f.name(first)
		if n == nil || err != nil {
			return err
		}
		if err := member(n); err != nil {
			return err
		}
	}
}

// pointer decodes null as nil and an object into a new T, member by
// member (object); anything else falls back.
func pointer[T any](f *fastDec, member func(o *T, n []byte) error) (*T, error) {
	if f.s.null() {
		return nil, nil
	}
	if ok, err := f.open(); !ok || err != nil {
		return nil, cmpOr(err, errFallback)
	}
	o := new(T)
	if err := f.members(func(n []byte) error { return member(o, n) }); err != nil {
		return nil, err
	}
	return o, nil
}

func (f *fastDec) boolean() (bool, error) {
	switch f.s.peek() {
	case 'n':
		return false, f.s.literal("null")
	case 't':
		return true, f.s.literal("true")
	case 'f':
		return false, f.s.literal("false")
	}
	return false, errFallback
}

func (f *fastDec) boolPtr() (*bool, error) {
	if f.s.null() {
		return nil, nil
	}
	b, err := f.boolean()
	if err != nil {
		return nil, err
	}
	return &b, nil
}

// integer reads a JSON integer of bits bits (or null: 0). Anything but
// -?digits that fits falls back, for the reflective decode's error.
func (f *fastDec) integer(bits uint) (int64, error) {
	if f.s.null() {
		return 0, nil
	}
	v, err := f.s.number()
	if err != nil {
		return 0, err
	}
	neg := v[0] == '-'
	if neg {
		v = v[1:]
	}
	if len(v) == 0 || len(v) > 18 {
		return 0, errFallback // 18 digits cannot overflow uint64
	}
	var n uint64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, errFallback
		}
		n = n*10 + uint64(c-'0')
	}
	max := uint64(1) << (bits - 1)
	if (neg && n > max) || (!neg && n >= max) {
		return 0, errFallback
	}
	if neg {
		return -int64(n), nil
	}
	return int64(n), nil
}

func (f *fastDec) int64Ptr() (*int64, error) {
	if f.s.null() {
		return nil, nil
	}
	n, err := f.integer(64)
	if err != nil {
		return nil, err
	}
	return &n, nil
}

func (f *fastDec) int32Ptr() (*int32, error) {
	if f.s.null() {
		return nil, nil
	}
	n, err := f.integer(32)
	if err != nil {
		return nil, err
	}
	n32 := int32(n)
	return &n32, nil
}

// array decodes a JSON array (or null: nil) of T, each element by elem
// into a zeroed *T, through scratch.
func array[T any](f *fastDec, scratch *[]T, elem func(*fastDec, *T) error) ([]T, error) {
	ok, err := f.begin('[')
	if !ok || err != nil {
		return nil, err
	}
	start := len(*scratch)
	for first := true; ; first = false {
		more, err := f.s.more(']', first)
		if err != nil {
			return nil, err
		}
		if !more {
			break
		}
		var zero T
		*scratch = append(*scratch, zero)
		if err := elem(f, &(*scratch)[len(*scratch)-1]); err != nil {
			return nil, err
		}
	}
	out := make([]T, len(*scratch)-start)
	copy(out, (*scratch)[start:])
	clear((*scratch)[start:])
	*scratch = (*scratch)[:start]
	return out, nil
}

// reset empties a scratch slice, keeping its array.
func reset[T any](s []T) []T {
	clear(s)
	return s[:0]
}

// strings decodes an array of strings.
func (f *fastDec) strings(how int) ([]string, error) {
	ok, err := f.begin('[')
	if !ok || err != nil {
		return nil, err
	}
	out := []string{}
	for first := true; ; first = false {
		more, err := f.s.more(']', first)
		if !more || err != nil {
			return out, err
		}
		s, err := f.str(how)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
}

func (f *fastDec) int64s() ([]int64, error) {
	ok, err := f.begin('[')
	if !ok || err != nil {
		return nil, err
	}
	out := []int64{}
	for first := true; ; first = false {
		more, err := f.s.more(']', first)
		if !more || err != nil {
			return out, err
		}
		n, err := f.integer(64)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
}

// Which of fastDec.lastMaps a stringMap may reuse.
const (
	mapLabels = iota
	mapAnnotations
	mapNodeSelector
)

// stringMap decodes an object of strings (or null: nil); the keys are
// interned, the values made as how says. A map equal to the last one
// decoded for the same use (which) is that map, shared: the pods of a
// ReplicaSet have the same labels and annotations, one after the other in
// a List, and a map is the largest part of a small pod's snapshot (about
// 300 bytes; 84 MB of 300 for 100,000 pods). The snapshot's maps are
// read-only (snapshot's package documentation).
func (f *fastDec) stringMap(how, which int) (map[string]string, error) {
	ok, err := f.open()
	if !ok || err != nil {
		return nil, err
	}
	pairs := f.pairs[:0]
	for first := true; ; first = false {
		n, err := f.name(first)
		if err != nil {
			return nil, err
		}
		if n == nil {
			break
		}
		k := f.text(n, interned)
		v, err := f.str(how)
		if err != nil {
			return nil, err
		}
		pairs = append(pairs, k, v)
	}
	f.pairs = pairs
	defer clear(f.pairs)
	if last := f.lastMaps[which]; last != nil && samePairs(last, pairs) {
		return last, nil
	}
	m := make(map[string]string, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		m[pairs[i]] = pairs[i+1] // a key named twice: the last value, as json.Unmarshal
	}
	f.lastMaps[which] = m
	return m, nil
}

// samePairs reports whether the key-value pairs, a key at most once, are
// exactly the entries of m. Only a few are compared: past eight, or with a
// key named twice, false.
func samePairs(m map[string]string, pairs []string) bool {
	n := len(pairs) / 2
	if n != len(m) || n > 8 {
		return false
	}
	for i := 0; i < len(pairs); i += 2 {
		if v, ok := m[pairs[i]]; !ok || v != pairs[i+1] {
			return false
		}
		for j := i + 2; j < len(pairs); j += 2 {
			if pairs[i] == pairs[j] {
				return false
			}
		}
	}
	return true
}

// skip skips the value of a member no field reads.
func (f *fastDec) skip() error { return f.s.skip() }

func (f *fastDec) kubeObject(o *kubeObject) error {
	if ok, err := f.open(); !ok || err != nil {
		return cmpOr(err, errFallback) // null: let json.Unmarshal decide
	}
	var m uint32
	return f.members(func(n []byte) (err error) {
		switch string(n) {
		case "kind":
			if err = seen(&m, 0); err == nil {
				o.Kind, err = f.str(interned)
			}
		case "apiVersion":
			if err = seen(&m, 1); err == nil {
				o.APIVersion, err = f.str(interned)
			}
		case "metadata":
			if err = seen(&m, 2); err == nil {
				err = f.objectMeta(&o.Metadata)
			}
		case "spec":
			if err = seen(&m, 3); err == nil {
				err = f.kubeSpec(&o.Spec)
			}
		case "status":
			if err = seen(&m, 4); err == nil {
				err = f.podStatus(&o.Status)
			}
		case "webhooks":
			err = errFallback
		default:
			err = f.skip()
		}
		return err
	})
}

func cmpOr(err, def error) error {
	if err != nil {
		return err
	}
	return def
}

func (f *fastDec) objectMeta(o *snapshot.ObjectMeta) error {
	var m uint32
	return f.object(func(n []byte) (err error) {
		switch string(n) {
		case "name":
			if err = seen(&m, 0); err == nil {
				o.Name, err = f.str(unique)
			}
		case "namespace":
			if err = seen(&m, 1); err == nil {
				o.Namespace, err = f.str(interned)
			}
		case "uid":
			if err = seen(&m, 2); err == nil {
				o.UID, err = f.str(unique)
			}
		case "labels":
			if err = seen(&m, 3); err == nil {
				o.Labels, err = f.stringMap(interned, mapLabels)
			}
		case "annotations":
			if err = seen(&m, 4); err == nil {
				o.Annotations, err = f.stringMap(interned, mapAnnotations)
			}
		case "ownerReferences":
			if err = seen(&m, 5); err == nil {
				var scratch []snapshot.OwnerReference
				o.OwnerReferences, err = array(f, &scratch, (*fastDec).ownerReference)
			}
		case "creationTimestamp":
			if err = seen(&m, 6); err == nil {
				o.CreationTimestamp, err = f.str(recent)
			}
		case "deletionTimestamp":
			if err = seen(&m, 7); err == nil {
				o.DeletionTimestamp, err = f.str(recent)
			}
		default:
			err = f.skip()
		}
		return err
	})
}

func (f *fastDec) ownerReference(o *snapshot.OwnerReference) error {
	var m uint32
	return f.object(func(n []byte) (err error) {
		switch string(n) {
		case "apiVersion":
			if err = seen(&m, 0); err == nil {
				o.APIVersion, err = f.str(interned)
			}
		case "kind":
			if err = seen(&m, 1); err == nil {
				o.Kind, err = f.str(interned)
			}
		case "name":
			if err = seen(&m, 2); err == nil {
				o.Name, err = f.str(interned)
			}
		case "uid":
			if err = seen(&m, 3); err == nil {
				o.UID, err = f.str(interned)
			}
		case "controller":
			if err = seen(&m, 4); err == nil {
				o.Controller, err = f.boolPtr()
			}
		default:
			err = f.skip()
		}
		return err
	})
}

// kubeSpec decodes a spec: a PodSpec's members, a workload's replicas and
// template (a CronJob's jobTemplate falls back).
func (f *fastDec) kubeSpec(o *kubeSpec) error {
	var m uint32
	return f.object(func(n []byte) (err error) {
		switch string(n) {
		case "replicas":
			if err = seen(&m, 30); err == nil {
				o.Replicas, err = f.int32Ptr()
			}
		case "template":
			if err = seen(&m, 31); err == nil {
				o.Template, err = f.podTemplatePtr()
			}
		case "jobTemplate":
			err = errFallback
		default:
			var known bool
			known, err = f.podSpecMember(n, &o.PodSpec, &m)
			if err == nil && !known {
				err = f.skip()
			}
		}
		return err
	})
}

func (f *fastDec) podTemplatePtr() (*snapshot.PodTemplate, error) {
	var m uint32
	return pointer(f, func(o *snapshot.PodTemplate, n []byte) (err error) {
		switch string(n) {
		case "metadata":
			if err = seen(&m, 0); err == nil {
				err = f.objectMeta(&o.ObjectMeta)
			}
		case "spec":
			if err = seen(&m, 1); err == nil {
				err = f.podSpec(&o.Spec)
			}
		default:
			err = f.skip()
		}
		return err
	})
}

func (f *fastDec) podSpec(o *snapshot.PodSpec) error {
	var m uint32
	return f.object(func(n []byte) error {
		known, err := f.podSpecMember(n, o, &m)
		if err == nil && !known {
			err = f.skip()
		}
		return err
	})
}

// podSpecMember decodes member n of a PodSpec, if it is one; m's bits 0 to
// 12 are the PodSpec's fields.
func (f *fastDec) podSpecMember(n []byte, o *snapshot.PodSpec, m *uint32) (known bool, err error) {
	switch string(n) {
	case "serviceAccountName":
		if err = seen(m, 0); err == nil {
			o.ServiceAccountName, err = f.str(interned)
		}
	case "serviceAccount":
		if err = seen(m, 1); err == nil {
			o.DeprecatedServiceAccount, err = f.str(interned)
		}
	case "automountServiceAccountToken":
		if err = seen(m, 2); err == nil {
			o.AutomountServiceAccountToken, err = f.boolPtr()
		}
	case "nodeName":
		if err = seen(m, 3); err == nil {
			o.NodeName, err = f.str(interned)
		}
	case "nodeSelector":
		if err = seen(m, 4); err == nil {
			o.NodeSelector, err = f.stringMap(interned, mapNodeSelector)
		}
	case "hostNetwork":
		if err = seen(m, 5); err == nil {
			o.HostNetwork, err = f.boolean()
		}
	case "securityContext":
		if err = seen(m, 6); err == nil {
			o.SecurityContext, err = f.podSecurityContext()
		}
	case "initContainers":
		if err = seen(m, 7); err == nil {
			o.InitContainers, err = array(f, &f.containers, (*fastDec).container)
		}
	case "containers":
		if err = seen(m, 8); err == nil {
			o.Containers, err = array(f, &f.containers, (*fastDec).container)
		}
	case "ephemeralContainers":
		if err = seen(m, 9); err == nil {
			o.EphemeralContainers, err = array(f, &f.containers, (*fastDec).container)
		}
	case "volumes":
		if err = seen(m, 10); err == nil {
			o.Volumes, err = array(f, &f.volumes, (*fastDec).volume)
		}
	case "os":
		if err = seen(m, 11); err == nil {
			if f.s.null() {
				o.OS = nil
				break
			}
			o.OS = &snapshot.PodOS{}
			err = f.oneString("name", &o.OS.Name, interned)
		}
	default:
		return false, nil
	}
	return true, err
}

// oneString decodes an object (or null: zero) of which only member key, a
// string, is read.
func (f *fastDec) oneString(key string, dst *string, how int) error {
	if ok, err := f.open(); !ok || err != nil {
		return err
	}
	var m uint32
	for first := true; ; first = false {
		n, err := f.name(first)
		if n == nil || err != nil {
			return err
		}
		if string(n) == key {
			if err = seen(&m, 0); err == nil {
				*dst, err = f.str(how)
			}
		} else {
			err = f.skip()
		}
		if err != nil {
			return err
		}
	}
}

func (f *fastDec) podSecurityContext() (*snapshot.PodSecurityContext, error) {
	var m uint32
	return pointer(f, func(o *snapshot.PodSecurityContext, n []byte) (err error) {
		switch string(n) {
		case "runAsUser":
			if err = seen(&m, 0); err == nil {
				o.RunAsUser, err = f.int64Ptr()
			}
		case "runAsGroup":
			if err = seen(&m, 1); err == nil {
				o.RunAsGroup, err = f.int64Ptr()
			}
		case "runAsNonRoot":
			if err = seen(&m, 2); err == nil {
				o.RunAsNonRoot, err = f.boolPtr()
			}
		case "fsGroup":
			if err = seen(&m, 3); err == nil {
				o.FSGroup, err = f.int64Ptr()
			}
		case "supplementalGroups":
			if err = seen(&m, 4); err == nil {
				o.SupplementalGroups, err = f.int64s()
			}
		default:
			err = f.skip()
		}
		return err
	})
}

func (f *fastDec) securityContext() (*snapshot.SecurityContext, error) {
	var m uint32
	return pointer(f, func(o *snapshot.SecurityContext, n []byte) (err error) {
		switch string(n) {
		case "runAsUser":
			if err = seen(&m, 0); err == nil {
				o.RunAsUser, err = f.int64Ptr()
			}
		case "runAsGroup":
			if err = seen(&m, 1); err == nil {
				o.RunAsGroup, err = f.int64Ptr()
			}
		case "runAsNonRoot":
			if err = seen(&m, 2); err == nil {
				o.RunAsNonRoot, err = f.boolPtr()
			}
		case "privileged":
			if err = seen(&m, 3); err == nil {
				o.Privileged, err = f.boolPtr()
			}
		default:
			err = f.skip()
		}
		return err
	})
}

func (f *fastDec) container(o *snapshot.Container) error {
	var m uint32
	return f.object(func(n []byte) (err error) {
		switch string(n) {
		case "name":
			if err = seen(&m, 0); err == nil {
				o.Name, err = f.str(interned)
			}
		case "image":
			if err = seen(&m, 1); err == nil {
				o.Image, err = f.str(interned)
			}
		case "env":
			if err = seen(&m, 2); err == nil {
				o.Env, err = array(f, &f.envs, (*fastDec).envVar)
			}
		case "envFrom":
			if err = seen(&m, 3); err == nil {
				var scratch []snapshot.EnvFromSource
				o.EnvFrom, err = array(f, &scratch, (*fastDec).envFrom)
			}
		case "volumeMounts":
			if err = seen(&m, 4); err == nil {
				o.VolumeMounts, err = array(f, &f.mounts, (*fastDec).volumeMount)
			}
		case "command":
			if err = seen(&m, 5); err == nil {
				o.Command, err = f.strings(interned)
			}
		case "args":
			if err = seen(&m, 6); err == nil {
				o.Args, err = f.strings(interned)
			}
		case "securityContext":
			if err = seen(&m, 7); err == nil {
				o.SecurityContext, err = f.securityContext()
			}
		case "restartPolicy":
			if err = seen(&m, 8); err == nil {
				o.RestartPolicy, err = f.str(interned)
			}
		default:
			err = f.skip()
		}
		return err
	})
}

func (f *fastDec) envVar(o *snapshot.EnvVar) error {
	var m uint32
	return f.object(func(n []byte) (err error) {
		switch string(n) {
		case "name":
			if err = seen(&m, 0); err == nil {
				o.Name, err = f.str(interned)
			}
		case "value":
			if err = seen(&m, 1); err == nil {
				o.Value, err = f.str(interned)
			}
		case "valueFrom":
			if err = seen(&m, 2); err == nil {
				o.ValueFrom, err = f.envVarSource()
			}
		default:
			err = f.skip()
		}
		return err
	})
}

func (f *fastDec) envVarSource() (*snapshot.EnvVarSource, error) {
	var m uint32
	return pointer(f, func(o *snapshot.EnvVarSource, n []byte) (err error) {
		switch string(n) {
		case "secretKeyRef":
			if err = seen(&m, 0); err == nil {
				o.SecretKeyRef, err = f.keySelector()
			}
		case "configMapKeyRef":
			if err = seen(&m, 1); err == nil {
				o.ConfigMapKeyRef, err = f.keySelector()
			}
		case "fieldRef":
			if err = seen(&m, 2); err == nil {
				if f.s.null() {
					break
				}
				o.FieldRef = &struct {
					FieldPath string `json:"fieldPath"`
				}{}
				err = f.oneString("fieldPath", &o.FieldRef.FieldPath, interned)
			}
		default:
			err = f.skip()
		}
		return err
	})
}

func (f *fastDec) keySelector() (*snapshot.KeySelector, error) {
	var m uint32
	return pointer(f, func(o *snapshot.KeySelector, n []byte) (err error) {
		switch string(n) {
		case "name":
			if err = seen(&m, 0); err == nil {
				o.Name, err = f.str(interned)
			}
		case "key":
			if err = seen(&m, 1); err == nil {
				o.Key, err = f.str(interned)
			}
		case "optional":
			if err = seen(&m, 2); err == nil {
				o.Optional, err = f.boolPtr()
			}
		default:
			err = f.skip()
		}
		return err
	})
}

func (f *fastDec) envFrom(o *snapshot.EnvFromSource) error {
	var m uint32
	return f.object(func(n []byte) (err error) {
		switch string(n) {
		case "prefix":
			if err = seen(&m, 0); err == nil {
				o.Prefix, err = f.str(interned)
			}
		case "secretRef":
			if err = seen(&m, 1); err == nil {
				o.SecretRef, err = f.nameRef()
			}
		case "configMapRef":
			if err = seen(&m, 2); err == nil {
				o.ConfigMapRef, err = f.nameRef()
			}
		default:
			err = f.skip()
		}
		return err
	})
}

func (f *fastDec) nameRef() (*snapshot.NameRef, error) {
	var m uint32
	return pointer(f, func(o *snapshot.NameRef, n []byte) (err error) {
		switch string(n) {
		case "name":
			if err = seen(&m, 0); err == nil {
				o.Name, err = f.str(interned)
			}
		case "optional":
			if err = seen(&m, 1); err == nil {
				o.Optional, err = f.boolPtr()
			}
		default:
			err = f.skip()
		}
		return err
	})
}

func (f *fastDec) volumeMount(o *snapshot.VolumeMount) error {
	var m uint32
	return f.object(func(n []byte) (err error) {
		switch string(n) {
		case "name":
			if err = seen(&m, 0); err == nil {
				o.Name, err = f.str(interned)
			}
		case "mountPath":
			if err = seen(&m, 1); err == nil {
				o.MountPath, err = f.str(interned)
			}
		case "readOnly":
			if err = seen(&m, 2); err == nil {
				o.ReadOnly, err = f.boolean()
			}
		case "subPath":
			if err = seen(&m, 3); err == nil {
				o.SubPath, err = f.str(interned)
			}
		default:
			err = f.skip()
		}
		return err
	})
}

func (f *fastDec) volume(o *snapshot.Volume) error {
	var m uint32
	return f.object(func(n []byte) (err error) {
		switch string(n) {
		case "name":
			if err = seen(&m, 0); err == nil {
				o.Name, err = f.str(interned)
			}
		case "projected":
			if err = seen(&m, 1); err == nil {
				o.Projected, err = f.projected()
			}
		case "secret":
			if err = seen(&m, 2); err == nil {
				if f.s.null() {
					break
				}
				o.Secret = &snapshot.SecretVolume{}
				err = f.oneString("secretName", &o.Secret.SecretName, interned)
			}
		case "configMap":
			if err = seen(&m, 3); err == nil {
				o.ConfigMap, err = f.configMapVolume()
			}
		default:
			err = f.skip()
		}
		return err
	})
}

func (f *fastDec) configMapVolume() (*snapshot.ConfigMapVolume, error) {
	var m uint32
	return pointer(f, func(o *snapshot.ConfigMapVolume, n []byte) (err error) {
		switch string(n) {
		case "name":
			if err = seen(&m, 0); err == nil {
				o.Name, err = f.str(interned)
			}
		case "items":
			if err = seen(&m, 1); err == nil {
				var scratch []snapshot.KeyToPath
				o.Items, err = array(f, &scratch, (*fastDec).keyToPath)
			}
		case "optional":
			if err = seen(&m, 2); err == nil {
				o.Optional, err = f.boolPtr()
			}
		default:
			err = f.skip()
		}
		return err
	})
}

func (f *fastDec) keyToPath(o *snapshot.KeyToPath) error {
	var m uint32
	return f.object(func(n []byte) (err error) {
		switch string(n) {
		case "key":
			if err = seen(&m, 0); err == nil {
				o.Key, err = f.str(interned)
			}
		case "path":
			if err = seen(&m, 1); err == nil {
				o.Path, err = f.str(interned)
			}
		default:
			err = f.skip()
		}
		return err
	})
}

func (f *fastDec) projected() (*snapshot.ProjectedVolume, error) {
	var m uint32
	return pointer(f, func(o *snapshot.ProjectedVolume, n []byte) (err error) {
		switch string(n) {
		case "sources":
			if err = seen(&m, 0); err == nil {
				var scratch []snapshot.VolumeProjection
				o.Sources, err = array(f, &scratch, (*fastDec).volumeProjection)
			}
		case "defaultMode":
			if err = seen(&m, 1); err == nil {
				o.DefaultMode, err = f.int32Ptr()
			}
		default:
			err = f.skip()
		}
		return err
	})
}

func (f *fastDec) volumeProjection(o *snapshot.VolumeProjection) error {
	var m uint32
	return f.object(func(n []byte) (err error) {
		switch string(n) {
		case "serviceAccountToken":
			if err = seen(&m, 0); err == nil {
				o.ServiceAccountToken, err = f.saToken()
			}
		default:
			err = f.skip()
		}
		return err
	})
}

func (f *fastDec) saToken() (*snapshot.ServiceAccountTokenProjection, error) {
	var m uint32
	return pointer(f, func(o *snapshot.ServiceAccountTokenProjection, n []byte) (err error) {
		switch string(n) {
		case "audience":
			if err = seen(&m, 0); err == nil {
				o.Audience, err = f.str(interned)
			}
		case "expirationSeconds":
			if err = seen(&m, 1); err == nil {
				o.ExpirationSeconds, err = f.int64Ptr()
			}
		case "path":
			if err = seen(&m, 2); err == nil {
				o.Path, err = f.str(interned)
			}
		default:
			err = f.skip()
		}
		return err
	})
}

func (f *fastDec) podStatus(o *snapshot.PodStatus) error {
	var m uint32
	return f.object(func(n []byte) (err error) {
		switch string(n) {
		case "phase":
			if err = seen(&m, 0); err == nil {
				o.Phase, err = f.str(interned)
			}
		case "startTime":
			if err = seen(&m, 1); err == nil {
				o.StartTime, err = f.str(recent)
			}
		case "conditions":
			if err = seen(&m, 2); err == nil {
				o.Conditions, err = array(f, &f.conds, (*fastDec).podCondition)
			}
		case "containerStatuses":
			if err = seen(&m, 3); err == nil {
				o.ContainerStatuses, err = array(f, &f.statuses, (*fastDec).containerStatus)
			}
		default:
			err = f.skip()
		}
		return err
	})
}

func (f *fastDec) podCondition(o *snapshot.PodCondition) error {
	var m uint32
	return f.object(func(n []byte) (err error) {
		switch string(n) {
		case "type":
			if err = seen(&m, 0); err == nil {
				o.Type, err = f.str(interned)
			}
		case "status":
			if err = seen(&m, 1); err == nil {
				o.Status, err = f.str(interned)
			}
		case "reason":
			if err = seen(&m, 2); err == nil {
				o.Reason, err = f.str(interned)
			}
		case "message":
			if err = seen(&m, 3); err == nil {
				o.Message, err = f.str(unique)
			}
		case "lastTransitionTime":
			if err = seen(&m, 4); err == nil {
				o.LastTransitionTime, err = f.str(recent)
			}
		default:
			err = f.skip()
		}
		return err
	})
}

func (f *fastDec) containerStatus(o *snapshot.ContainerStatus) error {
	var m uint32
	return f.object(func(n []byte) (err error) {
		switch string(n) {
		case "name":
			if err = seen(&m, 0); err == nil {
				o.Name, err = f.str(interned)
			}
		case "restartCount":
			if err = seen(&m, 1); err == nil {
				o.RestartCount, err = f.integer(64)
			}
		default:
			err = f.skip()
		}
		return err
	})
}
