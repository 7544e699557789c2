package sdk

import (
	"fmt"
	"slices"
)

// Status is what is known of an image version's support for a mechanism.
type Status int

const (
	// Unknown: not a well-known image, or nothing is known of this version.
	Unknown Status = iota
	// NoVersion: a well-known image whose reference names no version
	// ("latest", no tag, a digest alone, a tag that is a word).
	NoVersion
	// Supported: the version carries a client that supports the mechanism.
	Supported
	// TooOld: the version carries a client older than the minimum.
	TooOld
)

// Verdict is the judgement of one image reference for one mechanism.
type Verdict struct {
	Status    Status
	Image     *Image
	Ref       ImageRef
	Mechanism Mechanism
	// Tag is the parsed tag (Status Supported or TooOld).
	Tag Version
	// Minimum is the SDK's minimum for the mechanism; nil when the image
	// carries a client of its own or the guide does not list the SDK.
	Minimum *Minimum
	// Carries says what the version carries: "AWS CLI v2 2.13.0",
	// "github.com/aws/aws-sdk-go v1.45.7 or older".
	Carries string
	// Basis is the fact that decided, for evidence.
	Basis string
	// FirstFixed is the earliest image version known to support the
	// mechanism (earlier ones may too, unless a fact says otherwise); ""
	// when none is known.
	FirstFixed string
	// Sources are the URLs (with notes) of the facts used.
	Sources []string
	// Why says, for NoVersion, why the reference names no version.
	Why string
}

// Addon is the Amazon EKS add-on the judged reference comes from (its
// image is pulled from the add-on's registry), or nil.
func (v Verdict) Addon() *EKSAddon {
	if v.Image == nil || v.Image.EKSAddon == nil || !matchRepository(v.Image.EKSAddon.Repositories, v.Ref.Name) {
		return nil
	}
	return v.Image.EKSAddon
}

// Judge judges an image reference for a mechanism with the embedded data.
func Judge(image string, m Mechanism) Verdict {
	d, err := Load()
	if err != nil {
		return Verdict{Status: Unknown, Ref: ParseImage(image), Mechanism: m}
	}
	return d.Judge(image, m)
}

// Judge judges an image reference for a mechanism.
func (d *Data) Judge(image string, m Mechanism) Verdict {
	ref := ParseImage(image)
	v := Verdict{Status: Unknown, Ref: ref, Mechanism: m}
	im := d.Image(ref)
	if im == nil || im.sdk == nil && im.Client == "" {
		// Not well known, or known only for its USER.
		return v
	}
	v.Image = im
	if im.sdk != nil {
		v.Minimum = im.sdk.Minimum(m)
	}
	v.FirstFixed = im.firstFixed(m)
	switch {
	case ref.Tag == "" && ref.Digest != "":
		v.Status, v.Why = NoVersion, "the image is pinned by digest alone, which does not say which version it is"
		return v
	case ref.Tag == "":
		v.Status, v.Why = NoVersion, "the image has no tag, so the runtime pulls \"latest\", which does not say which version it is"
		return v
	}
	tag, err := Parse(ref.Tag)
	if err != nil {
		v.Status, v.Why = NoVersion, fmt.Sprintf("tag %q does not say which version it is", ref.Tag)
		return v
	}
	v.Tag = tag
	if judgeVersion(im, tag, m, &v) {
		if v.Status == TooOld {
			// The fix is an upgrade: an earlier line may have been fixed
			// first (Cluster Autoscaler 1.14.6 before 1.15.6).
			v.FirstFixed = im.firstFixedAfter(m, tag)
		}
		return v
	}
	if m == IRSA && im.pointsToIRSA() {
		// A version that supports Pod Identity (November 2023) supports
		// IRSA (September 2019): every SDK's Pod Identity minimum is at or
		// above its IRSA minimum, which pointsToIRSA checks.
		pv := Verdict{Mechanism: PodIdentity}
		if judgeVersion(im, tag, PodIdentity, &pv) && pv.Status == Supported {
			v.Status, v.Carries = Supported, pv.Carries
			v.Basis = pv.Basis + ", and EKS Pod Identity support implies IRSA support"
			v.Sources = pv.Sources
			if v.Minimum != nil {
				v.Sources = appendUniq(v.Sources, v.Minimum.Source)
			}
		}
	}
	return v
}

// pointsToIRSA: support for Pod Identity implies support for IRSA, because
// the SDK's Pod Identity minimum is at or above its IRSA minimum, or the
// image carries a client of its own (its IRSA support predates Pod
// Identity). Java v1 is the exception: the guide raised its IRSA minimum
// to 1.12.782, above its Pod Identity minimum 1.12.746.
func (im *Image) pointsToIRSA() bool {
	if im.sdk == nil {
		return true
	}
	irsa, pod := im.sdk.IRSA, im.sdk.PodID
	if irsa == nil || pod == nil || pod.All {
		return false
	}
	if irsa.All {
		return true
	}
	c, err := Compare(pod.v, irsa.v)
	return err == nil && c >= 0
}

// judgeVersion applies the facts in order of precision: a listed release,
// the tag as the SDK version, a support statement, then the bounds that
// listed releases set (doc.go). It reports whether a fact decided.
func judgeVersion(im *Image, tag Version, m Mechanism, v *Verdict) bool {
	var min *Minimum
	pkg := im.ClientName()
	if im.sdk != nil {
		min = im.sdk.Minimum(m)
	}
	decide := func(ok bool, carries, basis string, sources ...string) bool {
		v.Status = TooOld
		if ok {
			v.Status = Supported
		}
		v.Carries, v.Basis = carries, basis
		for _, s := range sources {
			v.Sources = appendUniq(v.Sources, s)
		}
		if min != nil {
			v.Sources = appendUniq(v.Sources, min.Source)
		}
		return true
	}
	// atLeast reports whether sdk meets the minimum, and whether that can
	// be told (a release date and a version number do not compare).
	atLeast := func(sdk Version) (ok, known bool) {
		if min.All {
			return true, true
		}
		c, err := Compare(sdk, min.v)
		return c >= 0, err == nil
	}

	if min != nil {
		for _, r := range im.Releases {
			if c, err := Compare(r.v, tag); err != nil || c != 0 || r.v.Pre != tag.Pre {
				continue
			}
			ok, known := atLeast(r.sdk)
			switch {
			case !known:
			case r.SDKVersion != "":
				return decide(ok, pkg+" "+r.SDKVersion, fmt.Sprintf("%s %s carries %s %s", im.Name, r.Version, pkg, r.SDKVersion), r.Source)
			case ok:
				return decide(true, pkg+" "+r.SDKAtLeast+" or newer", fmt.Sprintf("%s %s carries %s %s or newer", im.Name, r.Version, pkg, r.SDKAtLeast), r.Source)
			}
		}
		if im.TagIsSDKVersion {
			if min.All {
				return decide(true, im.sdk.Name+" "+tag.Core(), fmt.Sprintf("the tag is the %s version", im.sdk.Name), im.Source)
			}
			c, err := Compare(tag, min.v)
			if err == nil && !(tag.Pre != "" && compareParts(tag.Parts, min.v.Parts) == 0) {
				return decide(c >= 0, im.sdk.Name+" "+tag.Core(), fmt.Sprintf("the tag is the %s version", im.sdk.Name), im.Source)
			}
		}
	}
	if s := im.support(m); s != nil {
		c, err := Compare(tag, s.v)
		if err == nil && !(tag.Pre != "" && compareParts(tag.Parts, s.v.Parts) == 0) {
			basis := fmt.Sprintf("%s supports %s from %s on", im.Name, m, s.Since)
			if c >= 0 {
				return decide(true, fmt.Sprintf("%s with %s support", pkg, m), basis, s.Source)
			}
			carries := fmt.Sprintf("%s without %s support", pkg, m)
			if min != nil && !min.All {
				carries = fmt.Sprintf("a %s older than %s", pkg, min.Version)
			}
			return decide(false, carries, basis, s.Source)
		}
	}
	if min == nil {
		return false
	}
	// Bounds from listed releases (doc.go): a version at or below a release
	// of its own line carries that release's SDK or an older one; a version
	// at or above any release carries that release's SDK or a newer one.
	var upper, lower *Release
	for i := range im.Releases {
		r := &im.Releases[i]
		c, err := Compare(r.v, tag)
		if err != nil {
			continue
		}
		ok, known := atLeast(r.sdk)
		if !known {
			continue
		}
		if c >= 0 && !ok && r.SDKVersion != "" && sameLine(r.v, tag) {
			if upper == nil || mustCompare(r.v, upper.v) < 0 {
				upper = r
			}
		}
		if c <= 0 && ok {
			if lower == nil || mustCompare(r.v, lower.v) > 0 {
				lower = r
			}
		}
	}
	switch {
	case upper != nil:
		return decide(false, fmt.Sprintf("%s %s or older", pkg, upper.SDKVersion),
			fmt.Sprintf("%s %s, a later release of the same line, carries %s %s", im.Name, upper.Version, pkg, upper.SDKVersion), upper.Source)
	case lower != nil:
		return decide(true, fmt.Sprintf("%s %s or newer", pkg, lower.SDKVersion+lower.SDKAtLeast),
			fmt.Sprintf("%s %s, an earlier release, carries %s %s%s", im.Name, lower.Version, pkg, lower.SDKVersion+lower.SDKAtLeast, orNewer(lower)), lower.Source)
	}
	return false
}

func orNewer(r *Release) string {
	if r.SDKAtLeast != "" {
		return " or newer"
	}
	return ""
}

// mustCompare compares versions already known to compare.
func mustCompare(a, b Version) int {
	c, _ := Compare(a, b)
	return c
}

// firstFixed is the first image version known to support m: the SDK's own
// minimum when the tag is the SDK version, the support statement's
// version, or the earliest listed release whose SDK meets the minimum.
func (im *Image) firstFixed(m Mechanism) string { return im.firstFixedAfter(m, Version{}) }

// firstFixedAfter is firstFixed among the listed releases newer than
// after (all of them for the zero Version).
func (im *Image) firstFixedAfter(m Mechanism, after Version) string {
	var min *Minimum
	if im.sdk != nil {
		min = im.sdk.Minimum(m)
	}
	if im.TagIsSDKVersion && min != nil && !min.All {
		return min.Version
	}
	if s := im.support(m); s != nil {
		return s.Since
	}
	if min == nil {
		return ""
	}
	var first *Release
	for i := range im.Releases {
		r := &im.Releases[i]
		ok := min.All
		if !ok {
			c, err := Compare(r.sdk, min.v)
			ok = err == nil && c >= 0
		}
		if ok && len(after.Parts) > 0 {
			c, err := Compare(r.v, after)
			ok = err == nil && c > 0
		}
		if ok && (first == nil || mustCompare(r.v, first.v) < 0) {
			first = r
		}
	}
	if first == nil {
		return ""
	}
	return first.Version
}

func appendUniq(ss []string, s string) []string {
	if s == "" || slices.Contains(ss, s) {
		return ss
	}
	return append(ss, s)
}
