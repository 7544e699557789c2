package sdk

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    Version
		wantErr string
	}{
		{in: "1.47.11", want: Version{Raw: "1.47.11", Parts: []int{1, 47, 11}}},
		{in: "v2.7.0", want: Version{Raw: "v2.7.0", Parts: []int{2, 7, 0}}},
		{in: "3.3.659.1", want: Version{Raw: "3.3.659.1", Parts: []int{3, 3, 659, 1}}},
		{in: "release-2023-11-14", want: Version{Raw: "release-2023-11-14", Date: true, Parts: []int{2023, 11, 14}}},
		{in: "2.15.0-amd64", want: Version{Raw: "2.15.0-amd64", Parts: []int{2, 15, 0}, Suffix: "-amd64"}},
		{in: "v2.7.1-eks-1-29-2", want: Version{Raw: "v2.7.1-eks-1-29-2", Parts: []int{2, 7, 1}, Suffix: "-eks-1-29-2"}},
		{in: "0.14.0-debian-11-r2", want: Version{Raw: "0.14.0-debian-11-r2", Parts: []int{0, 14, 0}, Suffix: "-debian-11-r2"}},
		{in: "v1.14.0-alpha.0", want: Version{Raw: "v1.14.0-alpha.0", Parts: []int{1, 14, 0}, Pre: "alpha.0"}},
		{in: "1.2.3-RC1", want: Version{Raw: "1.2.3-RC1", Parts: []int{1, 2, 3}, Pre: "rc1"}},
		{in: "1.2.3+build.5", want: Version{Raw: "1.2.3+build.5", Parts: []int{1, 2, 3}, Suffix: "+build.5"}},
		{in: "2.32.2.20240516", want: Version{Raw: "2.32.2.20240516", Parts: []int{2, 32, 2, 20240516}}},
		{in: "2.15", want: Version{Raw: "2.15", Parts: []int{2, 15}}},
		{in: "latest", wantErr: `version "latest": names no version`},
		{in: "stable", wantErr: `version "stable": names no version`},
		{in: "2", wantErr: `version "2": names no version (a major version alone moves)`},
		{in: "v1", wantErr: `version "v1": names no version (a major version alone moves)`},
		{in: "", wantErr: `version "": names no version`},
		{in: "init-2.32.5", wantErr: `version "init-2.32.5": names no version`},
		{in: "1.2.3abc", wantErr: `version "1.2.3abc": unexpected "abc" after the version`},
		{in: "release-2023-13-14", wantErr: `version "release-2023-13-14": not a date`},
		{in: "release-23-11-14", wantErr: `version "release-23-11-14": want release-YYYY-MM-DD`},
		{in: "1.99999999999999999999.0", wantErr: `version "1.99999999999999999999.0": names no version`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Parse(%q) error = %v, want %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestCompare(t *testing.T) {
	tests := []struct {
		a, b    string
		want    int
		wantErr string
	}{
		{a: "1.47.11", b: "v1.47.11", want: 0},
		{a: "v1.44.311", b: "v1.47.11", want: -1},
		{a: "v1.51.1", b: "v1.47.11", want: 1},
		{a: "1.47.9", b: "1.47.11", want: -1},
		{a: "2.15", b: "2.15.0", want: 0},
		{a: "2.15.0-amd64", b: "2.15.0", want: 0},
		{a: "2.14.6-arm64", b: "2.15.0", want: -1},
		{a: "v2.7.1-eks-1-29-2", b: "v2.7.0", want: 1},
		{a: "3.7.734.0", b: "3.7.734", want: 0},
		{a: "3.7.733.99", b: "3.7.734.0", want: -1},
		{a: "v1.14.0-alpha.0", b: "v1.14.0", want: -1},
		{a: "v1.14.0", b: "v1.14.0-rc.1", want: 1},
		{a: "v1.14.0-beta.1", b: "v1.14.0-alpha.2", want: 1},
		{a: "release-2023-11-14", b: "release-2023-11-13", want: 1},
		{a: "release-2023-11-14", b: "release-2024-03-13", want: -1},
		{a: "release-2023-11-14", b: "1.25.0", wantErr: `compare "release-2023-11-14" with "1.25.0": a release date and a version number do not compare`},
	}
	for _, tt := range tests {
		t.Run(tt.a+" vs "+tt.b, func(t *testing.T) {
			a, err := Parse(tt.a)
			if err != nil {
				t.Fatal(err)
			}
			b, err := Parse(tt.b)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Compare(a, b)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Compare error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Compare(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
			}
			if back, _ := Compare(b, a); back != -tt.want {
				t.Errorf("Compare(%s, %s) = %d, want %d (antisymmetry)", tt.b, tt.a, back, -tt.want)
			}
		})
	}
}

func TestCompareZeroVersion(t *testing.T) {
	if _, err := Compare(Version{Raw: "x"}, Version{Raw: "1.0", Parts: []int{1, 0}}); err == nil || err.Error() != `compare "x" with "1.0": not a version` {
		t.Errorf("Compare with an empty version: err = %v", err)
	}
}

func TestCore(t *testing.T) {
	for in, want := range map[string]string{"v2.7.1-eks-1-29-2": "2.7.1", "release-2023-11-14": "release-2023-11-14", "3.3.659.1": "3.3.659.1"} {
		t.Run(in, func(t *testing.T) {
			v, err := Parse(in)
			if err != nil {
				t.Fatal(err)
			}
			if got := v.Core(); got != want {
				t.Errorf("Core() = %q, want %q", got, want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"1.47.11", "v2.7.1-eks-1-29-2", "release-2023-11-14", "latest", "2.15.0-amd64", "1.2.3-rc.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Parse(s)
		if err != nil {
			return
		}
		if c, err := Compare(v, v); err != nil || c != 0 {
			t.Errorf("Compare(%q, itself) = %d, %v", s, c, err)
		}
		w, err := Parse(v.Core())
		if err != nil {
			t.Fatalf("Parse(Core(%q) = %q): %v", s, v.Core(), err)
		}
		if compareParts(v.Parts, w.Parts) != 0 {
			t.Errorf("Core(%q) = %q does not parse back to the same numbers", s, v.Core())
		}
	})
}
