package sdk

import "fmt"

// UserVerdict is what is known of the user an image reference runs as when
// the pod sets no runAsUser: its USER, as images.json records it.
type UserVerdict struct {
	// Known: a source shows the USER of this version.
	Known bool
	// Image is the well-known image; nil when the reference is not one.
	Image *Image
	Ref   ImageRef
	UID   int64
	// Name is the user name the source gives ("nobody"), or "".
	Name string
	// Basis says which fact decided, for evidence; Source is its URL.
	Basis, Source string
}

// ImageUser is the USER of an image reference, from the embedded data.
func ImageUser(image string) UserVerdict {
	d, err := Load()
	if err != nil {
		return UserVerdict{Ref: ParseImage(image)}
	}
	return d.ImageUser(image)
}

// ImageUser is the USER of an image reference: known only for a
// well-known image whose tag is a version inside a range a source shows.
// A digest alone, "latest", or a version outside every range is unknown.
func (d *Data) ImageUser(image string) UserVerdict {
	ref := ParseImage(image)
	v := UserVerdict{Ref: ref}
	im := d.Image(ref)
	if im == nil {
		return v
	}
	v.Image = im
	if ref.Tag == "" {
		return v
	}
	tag, err := Parse(ref.Tag)
	if err != nil {
		return v
	}
	for _, u := range im.Users {
		lo, err1 := Compare(u.since, tag)
		hi, err2 := Compare(tag, u.until)
		if err1 != nil || err2 != nil || lo > 0 || hi > 0 {
			continue
		}
		v.Known, v.UID, v.Name, v.Source = true, u.UID, u.Name, u.Source
		user := fmt.Sprintf("UID %d", u.UID)
		if u.Name != "" {
			user = fmt.Sprintf("%s (UID %d)", u.Name, u.UID)
		}
		if u.Since == u.Until {
			v.Basis = fmt.Sprintf("%s %s runs as %s", im.Name, u.Since, user)
		} else {
			v.Basis = fmt.Sprintf("%s %s to %s runs as %s", im.Name, u.Since, u.Until, user)
		}
		return v
	}
	return v
}
