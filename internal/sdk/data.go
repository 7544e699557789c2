package sdk

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"path"
	"strings"
	"sync"
)

// Mechanism is the way a pod gets its IAM role.
type Mechanism int

const (
	// IRSA is IAM roles for service accounts: web identity from
	// AWS_WEB_IDENTITY_TOKEN_FILE.
	IRSA Mechanism = iota
	// PodIdentity is EKS Pod Identity: container credentials from
	// AWS_CONTAINER_CREDENTIALS_FULL_URI (http://169.254.170.23).
	PodIdentity
)

// String is the mechanism's name in messages.
func (m Mechanism) String() string {
	if m == PodIdentity {
		return "EKS Pod Identity"
	}
	return "IRSA"
}

// Minimum is the first version of an SDK that supports a mechanism.
type Minimum struct {
	Version string `json:"version,omitempty"`
	// All is true when the guide says every version supports it.
	All    bool   `json:"all,omitempty"`
	Note   string `json:"note,omitempty"`
	Source string `json:"source"`

	v Version
}

// SDK is one row of the minimum-version tables.
type SDK struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Package string   `json:"package"`
	IRSA    *Minimum `json:"irsa,omitempty"`
	PodID   *Minimum `json:"podIdentity,omitempty"`
}

// Minimum returns the SDK's minimum for m, or nil when the guide does not
// list the SDK for it.
func (s *SDK) Minimum(m Mechanism) *Minimum {
	if m == PodIdentity {
		return s.PodID
	}
	return s.IRSA
}

// Release is an image version whose credential client version a source
// states.
type Release struct {
	Version string `json:"version"`
	// SDKVersion is the version the release carries; SDKAtLeast a lower
	// bound where only that is known.
	SDKVersion string `json:"sdkVersion,omitempty"`
	SDKAtLeast string `json:"sdkAtLeast,omitempty"`
	Source     string `json:"source"`

	v, sdk Version
}

// Support is a source's statement that the image supports a mechanism
// from a version on, and not before.
type Support struct {
	Since  string `json:"since"`
	Source string `json:"source"`

	v Version
}

// Image is a well-known AWS tool or controller image.
type Image struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Repositories []string `json:"repositories"`
	// SDK is the id of the SDK it carries (minimums.json); empty when it
	// carries a credential client of its own, named by Client.
	SDK    string `json:"sdk,omitempty"`
	Client string `json:"client,omitempty"`
	// TagIsSDKVersion: the image's tag is the SDK's own version (the AWS
	// CLI images); Source says so.
	TagIsSDKVersion bool                `json:"tagIsSDKVersion,omitempty"`
	Source          string              `json:"source,omitempty"`
	Releases        []Release           `json:"releases,omitempty"`
	Support         map[string]*Support `json:"support,omitempty"`
	// Users are the user the image's processes run as (its USER), for the
	// image versions a source shows it.
	Users []User `json:"users,omitempty"`
	// EKSAddon is the Amazon EKS add-on that ships the image from the
	// repositories it names (the add-on's own registry): there the image
	// is a field Amazon EKS manages, and the add-on is what to update.
	EKSAddon *EKSAddon `json:"eksAddon,omitempty"`

	sdk *SDK
}

// EKSAddon names the Amazon EKS add-on an image is shipped by.
type EKSAddon struct {
	Name         string   `json:"name"`
	Repositories []string `json:"repositories"`
	Source       string   `json:"source"`
}

// User is the user an image runs as from one version to another, both
// included, as a source (the Dockerfile at those tags) shows it.
type User struct {
	Since string `json:"since"`
	Until string `json:"until"`
	UID   int64  `json:"uid"`
	// Name is the user name the Dockerfile gives, when it gives one.
	Name   string `json:"name,omitempty"`
	Source string `json:"source"`

	since, until Version
}

// support returns the image's support statement for m.
func (im *Image) support(m Mechanism) *Support {
	if m == PodIdentity {
		return im.Support["podIdentity"]
	}
	return im.Support["irsa"]
}

// SDKRow is the minimum-version row of the SDK the image carries; nil when
// it carries a client of its own.
func (im *Image) SDKRow() *SDK { return im.sdk }

// ClientName is what the image carries, in messages: "aws-sdk-go" (the
// SDK's package) or the image's own client.
func (im *Image) ClientName() string {
	if im.sdk != nil {
		return im.sdk.Package
	}
	return im.Client
}

//go:embed minimums.json
var minimumsJSON []byte

//go:embed images.json
var imagesJSON []byte

type minimumsFile struct {
	Comment string            `json:"comment"`
	Sources map[string]string `json:"sources"`
	SDKs    []*SDK            `json:"sdks"`
}

type imagesFile struct {
	Comment string   `json:"comment"`
	Images  []*Image `json:"images"`
}

// Data is the loaded, validated data files.
type Data struct {
	SDKs   []*SDK
	Images []*Image
	// Sources are the guide's pages: "irsa" and "podIdentity".
	Sources map[string]string

	// byLast indexes Images (by position) under the last path segment of
	// each repository pattern; wild holds those with a pattern whose last
	// segment has a wildcard. '*' never matches '/', so only these can
	// match a name: Image tries a few patterns, not the whole table, for
	// each of the pods of a large cluster.
	byLast map[string][]int
	wild   []int
}

var (
	loadOnce sync.Once
	loaded   *Data
	loadErr  error
)

// Load returns the embedded data. An error means a data file is broken;
// the package's tests prove it is not.
func Load() (*Data, error) {
	loadOnce.Do(func() { loaded, loadErr = parse(minimumsJSON, imagesJSON) })
	return loaded, loadErr
}

func decode(raw []byte, v any, name string) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	return nil
}

// parse reads and checks both files: every version parses, every fact has a
// source, every image names a known SDK or its own client.
func parse(minimums, images []byte) (*Data, error) {
	var mf minimumsFile
	if err := decode(minimums, &mf, "minimums.json"); err != nil {
		return nil, err
	}
	var imf imagesFile
	if err := decode(images, &imf, "images.json"); err != nil {
		return nil, err
	}
	d := &Data{SDKs: mf.SDKs, Images: imf.Images, Sources: mf.Sources}
	byID := map[string]*SDK{}
	for _, s := range d.SDKs {
		if s.ID == "" || s.Name == "" || s.Package == "" {
			return nil, fmt.Errorf("minimums.json: SDK %q needs an id, a name and a package", s.ID)
		}
		if byID[s.ID] != nil {
			return nil, fmt.Errorf("minimums.json: SDK %q listed twice", s.ID)
		}
		byID[s.ID] = s
		for _, m := range []*Minimum{s.IRSA, s.PodID} {
			if m == nil {
				continue
			}
			if m.Source == "" {
				return nil, fmt.Errorf("minimums.json: SDK %q: a minimum without a source", s.ID)
			}
			if m.All {
				continue
			}
			v, err := Parse(m.Version)
			if err != nil {
				return nil, fmt.Errorf("minimums.json: SDK %q: %w", s.ID, err)
			}
			m.v = v
		}
	}
	seen := map[string]bool{}
	for _, im := range d.Images {
		if im.ID == "" || im.Name == "" || len(im.Repositories) == 0 {
			return nil, fmt.Errorf("images.json: image %q needs an id, a name and repositories", im.ID)
		}
		if seen[im.ID] {
			return nil, fmt.Errorf("images.json: image %q listed twice", im.ID)
		}
		seen[im.ID] = true
		switch {
		case im.SDK != "":
			if im.sdk = byID[im.SDK]; im.sdk == nil {
				return nil, fmt.Errorf("images.json: image %q: unknown SDK %q", im.ID, im.SDK)
			}
		case im.Client == "" && len(im.Users) == 0:
			return nil, fmt.Errorf("images.json: image %q names neither an SDK nor its own client", im.ID)
		case im.Client == "" && (len(im.Releases) > 0 || len(im.Support) > 0):
			return nil, fmt.Errorf("images.json: image %q: support facts need an SDK or a client", im.ID)
		case im.TagIsSDKVersion || len(im.Releases) > 0:
			return nil, fmt.Errorf("images.json: image %q: SDK versions need an SDK from minimums.json", im.ID)
		}
		if im.TagIsSDKVersion && im.Source == "" {
			return nil, fmt.Errorf("images.json: image %q: tagIsSDKVersion needs a source", im.ID)
		}
		for i := range im.Releases {
			r := &im.Releases[i]
			if r.Source == "" {
				return nil, fmt.Errorf("images.json: image %q release %q has no source", im.ID, r.Version)
			}
			if (r.SDKVersion == "") == (r.SDKAtLeast == "") {
				return nil, fmt.Errorf("images.json: image %q release %q needs sdkVersion or sdkAtLeast", im.ID, r.Version)
			}
			var err error
			if r.v, err = Parse(r.Version); err != nil {
				return nil, fmt.Errorf("images.json: image %q: %w", im.ID, err)
			}
			if r.sdk, err = Parse(r.SDKVersion + r.SDKAtLeast); err != nil {
				return nil, fmt.Errorf("images.json: image %q release %q: %w", im.ID, r.Version, err)
			}
		}
		for i := range im.Users {
			u := &im.Users[i]
			if u.Source == "" || u.UID < 0 {
				return nil, fmt.Errorf("images.json: image %q: user from %q needs a source and a UID", im.ID, u.Since)
			}
			var err error
			if u.since, err = Parse(u.Since); err != nil {
				return nil, fmt.Errorf("images.json: image %q user: %w", im.ID, err)
			}
			if u.until, err = Parse(u.Until); err != nil {
				return nil, fmt.Errorf("images.json: image %q user: %w", im.ID, err)
			}
			if c, err := Compare(u.since, u.until); err != nil || c > 0 {
				return nil, fmt.Errorf("images.json: image %q: user versions %s to %s are out of order", im.ID, u.Since, u.Until)
			}
		}
		for key, s := range im.Support {
			if key != "irsa" && key != "podIdentity" {
				return nil, fmt.Errorf("images.json: image %q: support for %q: want irsa or podIdentity", im.ID, key)
			}
			if s == nil || s.Source == "" {
				return nil, fmt.Errorf("images.json: image %q: support for %s has no source", im.ID, key)
			}
			var err error
			if s.v, err = Parse(s.Since); err != nil {
				return nil, fmt.Errorf("images.json: image %q: %w", im.ID, err)
			}
		}
	}
	d.index()
	return d, nil
}

// index builds byLast and wild.
func (d *Data) index() {
	d.byLast = map[string][]int{}
	for i, im := range d.Images {
		seen := map[string]bool{}
		for _, p := range im.Repositories {
			last := path.Base(p)
			switch {
			case strings.ContainsAny(last, "*?[\\"):
				if len(d.wild) == 0 || d.wild[len(d.wild)-1] != i {
					d.wild = append(d.wild, i)
				}
			case !seen[last]:
				seen[last] = true
				d.byLast[last] = append(d.byLast[last], i)
			}
		}
	}
}

// SDK returns the SDK with that id, or nil.
func (d *Data) SDK(id string) *SDK {
	for _, s := range d.SDKs {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// Image returns the well-known image the reference names, or nil.
func (d *Data) Image(ref ImageRef) *Image {
	if d.byLast == nil {
		for _, im := range d.Images {
			if matchRepository(im.Repositories, ref.Name) {
				return im
			}
		}
		return nil
	}
	// The candidates in table order: the first image that matches wins,
	// as in a scan of the whole table.
	a, b := d.byLast[path.Base(ref.Name)], d.wild
	for len(a) > 0 || len(b) > 0 {
		var i int
		if len(b) == 0 || (len(a) > 0 && a[0] < b[0]) {
			i, a = a[0], a[1:]
		} else {
			i, b = b[0], b[1:]
		}
		if im := d.Images[i]; matchRepository(im.Repositories, ref.Name) {
			return im
		}
	}
	return nil
}
