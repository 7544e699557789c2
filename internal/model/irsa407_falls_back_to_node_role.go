package model

// hasLabel reports a label that is present, whatever its value (the
// webhook's objectSelector tests existence: irsa-facts.md §1.1).
func HasLabel(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}

// fullURIOr is the container credentials endpoint for messages.
func (ch ContainerChain) FullURIOr() string {
	if ch.fullURI != "" {
		return ch.fullURI
	}
	return EnvContainerRel
}
