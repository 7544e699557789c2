package model

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/sdk"
)

// TestJudgeImageIsJudge: JudgeImage's table (imageCache) answers what
// sdk.Judge does, for more images than it has slots (so slots are taken
// over and judged again) and for both mechanisms of one image.
func TestJudgeImageIsJudge(t *testing.T) {
	c := &Context{}
	var images []string
	for i := range 3 * imageSlots {
		images = append(images, fmt.Sprintf("example.com/app-%d:1.%d", i, i%7))
	}
	images = append(images, "public.ecr.aws/aws-cli/aws-cli:2.13.0", "amazon/aws-cli:2.0.1", "amazon/aws-cli", "amazon/aws-cli@sha256:"+fmt.Sprintf("%064d", 0), "")
	for round := range 2 {
		for _, im := range images {
			for _, m := range []sdk.Mechanism{sdk.IRSA, sdk.PodIdentity} {
				if got, want := c.JudgeImage(im, m), sdk.Judge(im, m); !reflect.DeepEqual(got, want) {
					t.Fatalf("round %d: JudgeImage(%q, %v) = %+v, sdk.Judge: %+v", round, im, m, got, want)
				}
			}
		}
	}
}
