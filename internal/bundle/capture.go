package bundle

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// Capture is one output a live collector produced, byte for byte what
// kubectl or the AWS CLI prints for the same call but for what Redact
// takes out of Kubernetes objects, so that a dump is a bundle like any
// other and `scan` judges exactly what `dump` writes (STYLE.md: live and
// offline take one path).
type Capture struct {
	// Path is the slash-separated path of the file inside a dump, e.g.
	// "kube/pods-payments.json" or "111122223333/get-role-api.json".
	Path string
	Data []byte
	// Source says where the facts came from live, e.g. {Kind: "kube",
	// Ref: "list pods -n payments"}; it becomes the facts' evidence source.
	Source snapshot.Source
}

// ManifestFile is the name of the dump manifest.
const ManifestFile = "manifest.json"

// Manifest is what `irsa-doctor dump` writes beside the captures
// (docs/contract.md#bundles; the entry shape is in doc.go).
type Manifest struct {
	Kind        string          `json:"kind"` // always IrsaDoctorBundleManifest
	CollectedAt string          `json:"collectedAt"`
	Cluster     string          `json:"cluster"`
	Accounts    []string        `json:"accounts"`
	Listed      []ManifestEntry `json:"listed"`
	Gaps        []snapshot.Gap  `json:"gaps"`
	// Redacted says what the dump left out of the captures (Redactions);
	// WriteDump sets it.
	Redacted []string `json:"redacted,omitempty"`
}

// ManifestEntry says that every object of Kind in a scope was captured.
type ManifestEntry struct {
	Kind          snapshot.Kind `json:"kind"`
	Namespace     string        `json:"namespace,omitempty"`
	AllNamespaces bool          `json:"allNamespaces,omitempty"`
	Account       string        `json:"account,omitempty"`
	File          string        `json:"file,omitempty"`
}

// Encode renders the manifest as the dump writes it.
func (m Manifest) Encode() ([]byte, error) {
	m.Kind = manifestKind
	if m.Accounts == nil {
		m.Accounts = []string{}
	}
	if m.Listed == nil {
		m.Listed = []ManifestEntry{}
	}
	if m.Gaps == nil {
		m.Gaps = []snapshot.Gap{}
	}
	b, err := json.MarshalIndent(m, "", "    ")
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	return append(b, '\n'), nil
}

// ReadCaptures reads live captures and their manifest into a live
// snapshot, through the same parser as Read.
func ReadCaptures(ctx context.Context, caps []Capture, m Manifest) (*snapshot.Snapshot, error) {
	mdata, err := m.Encode()
	if err != nil {
		return nil, err
	}
	inputs := make([]input, 0, len(caps)+1)
	for _, c := range caps {
		src := c.Source
		if src.Kind == "" {
			src = snapshot.Source{Kind: "live", Ref: c.Path}
		}
		inputs = append(inputs, input{ref: c.Path, data: c.Data, source: src})
	}
	inputs = append(inputs, input{ref: ManifestFile, data: mdata, source: snapshot.Source{Kind: "live", Ref: "collection manifest"}})
	return readInputs(ctx, inputs, Options{MaxFileSize: DefaultMaxFileSize}, "live")
}

// WriteDump writes the captures and the manifest under dir, which must be
// empty or not exist (a dump never mixes with older files). Every capture
// of a Kubernetes object goes through Redact first (the collectors
// redacted it already; this makes sure of it whatever produced the
// capture), and the manifest says what was redacted. The folders it
// creates are 0700 and the files 0600: a bundle describes the cluster's
// identities and is for the user and whom they send it to. A file is
// always created new (O_EXCL), and a folder or link that appears in the
// dump folder meanwhile is not written through.
func WriteDump(dir string, caps []Capture, m Manifest) error {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("dump folder %s is not empty: choose a new folder", dir)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("dump folder %s: %w", dir, err)
	}
	m.Redacted = Redactions
	mdata, err := m.Encode()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write dump: %w", err)
	}
	write := func(rel string, data []byte) error {
		clean := path.Clean(rel)
		if clean == "." || clean == ".." || strings.HasPrefix(clean, "../") || path.IsAbs(clean) {
			return fmt.Errorf("capture path %q leaves the dump folder", rel)
		}
		if err := mkdirsIn(dir, path.Dir(clean)); err != nil {
			return fmt.Errorf("write dump: %w", err)
		}
		p := filepath.Join(dir, filepath.FromSlash(clean))
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("write dump: %w", err)
		}
		if _, err := f.Write(data); err != nil {
			f.Close()
			return fmt.Errorf("write dump: %w", err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("write dump: %w", err)
		}
		return nil
	}
	seen := map[string]bool{ManifestFile: true}
	for _, c := range caps {
		if seen[path.Clean(c.Path)] {
			return fmt.Errorf("two captures write %s", c.Path)
		}
		seen[path.Clean(c.Path)] = true
		if err := write(c.Path, RedactCapture(c.Data)); err != nil {
			return err
		}
	}
	return write(ManifestFile, mdata)
}

// mkdirsIn creates the slash-separated folder rel inside dir, one level at
// a time, 0700; a level that exists must be a folder, not a link to one.
func mkdirsIn(dir, rel string) error {
	if rel == "." || rel == "" {
		return nil
	}
	p := dir
	for _, part := range strings.Split(rel, "/") {
		p = filepath.Join(p, part)
		err := os.Mkdir(p, 0o700)
		if err == nil {
			continue
		}
		if !errors.Is(err, os.ErrExist) {
			return err
		}
		fi, lerr := os.Lstat(p)
		if lerr != nil {
			return lerr
		}
		if !fi.IsDir() {
			return fmt.Errorf("%s exists and is not a folder", p)
		}
	}
	return nil
}
