package sdk

import (
	"strings"
	"testing"
)

// TestImageIndexMatchesScan: the indexed lookup finds the image a scan of
// the whole table in order finds, for every repository the table names
// (wildcards filled in), each with a registry prefix or suffix that must
// not match, and names the table does not know.
func TestImageIndexMatchesScan(t *testing.T) {
	d, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	scan := func(name string) *Image {
		for _, im := range d.Images {
			if matchRepository(im.Repositories, name) {
				return im
			}
		}
		return nil
	}
	names := []string{"", "nginx", "library/nginx", "evil/amazon/aws-cli", "public.ecr.aws/aws-cli/aws-cli/extra"}
	for _, im := range d.Images {
		for _, p := range im.Repositories {
			n := strings.ReplaceAll(p, "*", "602401143452")
			names = append(names, n, n+"-fork", "mirror.example.com/"+n, strings.ToUpper(n))
		}
	}
	matched := 0
	for _, n := range names {
		want, got := scan(n), d.Image(ImageRef{Name: n})
		if want != got {
			t.Errorf("Image(%q) = %v, a scan finds %v", n, id(got), id(want))
		}
		if got != nil {
			matched++
		}
	}
	if matched < len(d.Images) {
		t.Errorf("only %d names matched an image; the table has %d images", matched, len(d.Images))
	}
}

func id(im *Image) string {
	if im == nil {
		return "none"
	}
	return im.ID
}
