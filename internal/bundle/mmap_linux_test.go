package bundle

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle/gen"
)

// TestMappedFileShrinks: a streamed file that shrinks while a window of it
// is mapped faults (SIGBUS) where the window passes its new end. The read
// recovers from the fault and reads the file whole, as it is now, instead
// of ending the process.
func TestMappedFileShrinks(t *testing.T) {
	dir := t.TempDir()
	if err := gen.Write(dir, gen.Config{Pods: 300, ServiceAccounts: 60, Roles: 20, Namespaces: 5}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, gen.PodsFile)
	full, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer readWithChunks(1 << 20)()
	readMapped(int64(os.Getpagesize()))
	windowsMapped := 0
	testAfterMap = func() {
		windowsMapped++
		if windowsMapped == 3 {
			// The window just mapped, and every later one, is past the
			// new end: the next byte read from it faults.
			if err := os.Truncate(path, int64(os.Getpagesize())); err != nil {
				t.Error(err)
			}
		}
	}
	defer func() { testAfterMap = nil }()

	streamed, _, did := readBothWays(t, path)
	if did {
		t.Fatal("the read went on as a stream past the fault")
	}
	if windowsMapped < 3 {
		t.Fatalf("only %d windows were mapped: the file was not cut while mapped", windowsMapped)
	}
	// What the whole-file read makes of the file as it is now.
	testAfterMap = nil
	if err := os.WriteFile(path, full[:os.Getpagesize()], 0o644); err != nil {
		t.Fatal(err)
	}
	_, whole, _ := readBothWays(t, path)
	if streamed != whole {
		t.Errorf("after the fault the file was not read whole as it is now:\nstreamed %s\nwhole    %s", streamed, whole)
	}
}
