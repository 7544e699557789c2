package model

import (
	"time"

	"github.com/irsa-doctor/irsa-doctor/internal/policy"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// Context is what every check may read besides its target.
type Context struct {
	Snap *snapshot.Snapshot
	// Now is the injected clock (token ages).
	Now time.Time
	// Targets are all targets of the run (for checks that look across them).
	Targets []*Target
	// Index helps checks find related objects.
	Index *Index
	// Questions are the --can questions of the run, asked of every
	// container whose credentials are an IAM role (permissions.go).
	Questions []policy.Question

	memo map[any]any
	// images is JudgeImage's memo.
	images *imageCache
}
