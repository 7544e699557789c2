package bundle

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// Several copies of one object (issue 10): two captures of a role, or the
// same ServiceAccount in several example folders. The merger keeps the
// first copy of each key; a later copy with the same key is compared with
// it only then (so merging stays linear), and when the content differs the
// copies are recorded here and settled in merger.finish, when the
// collection time of every folder is known.
//
// Content is the object as JSON: Source is `json:"-"`, so the file a copy
// came from does not count, and only the fields the checks read are
// declared, so a difference the checks cannot see does not either.
// resourceVersion is opaque and not even decoded: it is never compared.

// copyOf is one copy of an object, with the file it came from.
type copyOf struct {
	r       *result
	obj     any
	created string // metadata.creationTimestamp; a role's CreateDate
}

// conflict is an object the input holds in several differing copies.
type conflict struct {
	what string // "ServiceAccount payments/s3-reader", "role arn:..."
	// created names copyOf.created: "CreateDate" for a role, else
	// creationTimestamp.
	created string
	copies  []copyOf
	seen    map[string]bool // the content of each copy
	// use puts the chosen copy in place of the kept one; drop removes the
	// kept one and records why (nil when the object cannot be skipped
	// cleanly: the first copy stays, with the warning).
	use  func(obj any)
	drop func(reason string)
}

// content is the object as the checks read it, without its Source.
func content(obj any) string {
	if r, ok := obj.(*snapshot.Role); ok {
		// list-roles prints no Tags and no PermissionsBoundary (IAM API
		// reference, ListRoles: "does not return the following attributes
		// ... PermissionsBoundary, RoleLastUsed, Tags"), and
		// get-account-authorization-details no MaxSessionDuration (its
		// RoleDetail has none); get-role prints them all: the same role
		// from any two is one copy, and fillRole completes the kept one.
		c := *r
		c.Tags, c.PermissionsBoundary, c.MaxSessionDuration = nil, "", 0
		obj = &c
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return fmt.Sprintf("%p", obj) // never equal to another copy
	}
	return string(b)
}

// fillRole completes the kept copy of a role with what a later copy of
// the same content (content) holds and it lacks.
func fillRole(kept, later *snapshot.Role) {
	if kept == nil || kept == later {
		return
	}
	if kept.Tags == nil {
		kept.Tags = later.Tags
	}
	if kept.PermissionsBoundary == "" {
		kept.PermissionsBoundary = later.PermissionsBoundary
	}
	if kept.MaxSessionDuration == 0 {
		kept.MaxSessionDuration = later.MaxSessionDuration
	}
}

// collide compares a later copy (nw, from r) with the kept one of the same
// key; kept is called only now, and its content only computed once.
func (m *merger) collide(key string, kept func() copyOf, nw copyOf, mk func() *conflict) {
	work(1)
	c := m.conflicts[key]
	if c == nil {
		k, have := m.contents[key]
		first := kept()
		if !have {
			k = content(first.obj)
			m.contents[key] = k
		}
		n := content(nw.obj)
		if n == k {
			return // an identical copy: a folder and a file in it, a List and a single capture
		}
		c = mk()
		c.copies = []copyOf{first, nw}
		c.seen = map[string]bool{k: true, n: true}
		m.conflicts[key] = c
		m.conflictList = append(m.conflictList, c)
		return
	}
	if n := content(nw.obj); !c.seen[n] {
		c.seen[n] = true
		c.copies = append(c.copies, nw)
	}
}

// settleCopies chooses, for each conflict, the newest copy: by the
// collectedAt of the dump manifest of its folder, else by its
// creationTimestamp. When neither tells (a time unknown, or the newest
// time shared), the object is dropped with the reason where the checks
// can skip it, else the first copy stays and the warning says so.
func (m *merger) settleCopies() {
	if len(m.conflictList) == 0 {
		return
	}
	manifests := map[string]string{} // folder -> its manifest's collectedAt
	for _, r := range m.results {
		if r.dir != "" && r.oidc.collectedAt != "" && manifests[r.dir] == "" {
			manifests[r.dir] = r.oidc.collectedAt
		}
	}
	// A dump writes its captures in sub-folders of its manifest's (kube/,
	// aws/...): the nearest manifest above a file dates it.
	collected := func(dir string) string {
		for dir != "" {
			if t := manifests[dir]; t != "" {
				return t
			}
			up := filepath.Dir(dir)
			if up == dir {
				break
			}
			dir = up
		}
		return ""
	}
	for _, c := range m.conflictList {
		var files []string
		seen := map[string]bool{}
		for _, cp := range c.copies {
			if !seen[cp.r.ref] {
				seen[cp.r.ref] = true
				files = append(files, cp.r.ref)
			}
		}
		differ := fmt.Sprintf("%d copies that differ: %s", len(c.copies), strings.Join(files, ", "))
		i, when, how := newest(c.copies, func(cp copyOf) string { return collected(cp.r.dir) }), "", "collectedAt of its dump manifest"
		if i >= 0 {
			when = collected(c.copies[i].r.dir)
		} else if i = newest(c.copies, func(cp copyOf) string { return cp.created }); i >= 0 {
			when, how = c.copies[i].created, "creationTimestamp"
			if c.created != "" {
				how = c.created
			}
		}
		switch {
		case i >= 0:
			c.use(c.copies[i].obj)
			m.addGap(snapshot.Gap{Source: "bundle", Operation: "copies", Resource: c.what,
				Reason: fmt.Sprintf("%s; used %s, the newest by %s (%s)", differ, c.copies[i].r.ref, how, when)})
		case c.drop != nil:
			c.drop(differ + "; keep one copy in the input (move the others out) and run again")
		default:
			m.addGap(snapshot.Gap{Source: "bundle", Operation: "copies", Resource: c.what,
				Reason: fmt.Sprintf("%s, and none is known to be newer; used the first, %s; keep one copy in the input (move the others out) and run again", differ, c.copies[0].r.ref)})
		}
	}
}

// newest is the index of the copy with the latest time, or -1 when a copy
// has no time (or not an RFC 3339 one) or the latest is shared.
func newest(copies []copyOf, at func(copyOf) string) int {
	best, tie := -1, false
	var bt time.Time
	for i, cp := range copies {
		t, err := time.Parse(time.RFC3339, at(cp))
		if err != nil {
			return -1
		}
		switch {
		case best < 0 || t.After(bt):
			best, bt, tie = i, t, false
		case t.Equal(bt):
			tie = true
		}
	}
	if tie {
		return -1
	}
	return best
}
