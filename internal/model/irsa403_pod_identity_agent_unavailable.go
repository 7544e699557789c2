package model

// usesPodIdentity: a template that the webhook will mutate for Pod
// Identity, or a pod that carries the injection. A pod created before its
// association has none (IRSA406 judges it).
func UsesPodIdentity(c *Context, t *Target) bool {
	if t.IsTemplate() {
		return t.PodIdentity
	}
	injected, _ := PodInjected(t)
	return t.IsPod() && injected
}
