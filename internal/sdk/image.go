package sdk

import (
	"path"
	"strings"
)

// ImageRef is a container image reference split into its parts.
type ImageRef struct {
	Raw string
	// Name is the repository with its registry, normalised: lower-case,
	// Docker Hub's registry names dropped ("docker.io/amazon/aws-cli" and
	// "amazon/aws-cli" are both "amazon/aws-cli").
	Name   string
	Tag    string
	Digest string
}

// dockerHub names that a reference may spell out for Docker Hub.
var dockerHub = []string{"docker.io/", "index.docker.io/", "registry-1.docker.io/"}

// ParseImage splits REGISTRY/REPOSITORY[:TAG][@DIGEST] as the container
// runtime reads it: the tag is after the last ':' that follows the last
// '/', so a registry port ("localhost:5000/x") is not a tag.
func ParseImage(ref string) ImageRef {
	r := ImageRef{Raw: ref}
	s := strings.TrimSpace(ref)
	if i := strings.IndexByte(s, '@'); i >= 0 {
		r.Digest = s[i+1:]
		s = s[:i]
	}
	slash := strings.LastIndexByte(s, '/')
	if i := strings.LastIndexByte(s, ':'); i > slash {
		r.Tag = s[i+1:]
		s = s[:i]
	}
	s = strings.ToLower(s)
	for _, h := range dockerHub {
		s = strings.TrimPrefix(s, h)
	}
	r.Name = s
	return r
}

// matchRepository reports whether name matches one of the patterns, in
// which '*' stands for any text without '/' (the account and region of an
// Amazon ECR registry: "*.dkr.ecr.*.amazonaws.com/amazon/...").
func matchRepository(patterns []string, name string) bool {
	for _, p := range patterns {
		if ok, err := path.Match(p, name); err == nil && ok {
			return true
		}
	}
	return false
}
