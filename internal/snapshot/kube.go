package snapshot

// The types below decode `kubectl get -o json` (and YAML converted to JSON)
// directly. Field names follow the Kubernetes API (k8s.io/api/core/v1 and
// friends); only the fields a check reads are declared.

// ObjectMeta is the subset of metav1.ObjectMeta the checks read.
type ObjectMeta struct {
	Name              string            `json:"name"`
	Namespace         string            `json:"namespace"`
	UID               string            `json:"uid,omitempty"`
	Labels            map[string]string `json:"labels,omitempty"`
	Annotations       map[string]string `json:"annotations,omitempty"`
	OwnerReferences   []OwnerReference  `json:"ownerReferences,omitempty"`
	CreationTimestamp string            `json:"creationTimestamp,omitempty"`
	DeletionTimestamp string            `json:"deletionTimestamp,omitempty"`
}

// OwnerReference is metav1.OwnerReference.
type OwnerReference struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	UID        string `json:"uid,omitempty"`
	Controller *bool  `json:"controller,omitempty"`
}

// ControllerOf returns the controlling owner reference, or nil.
func (m *ObjectMeta) ControllerOf() *OwnerReference {
	for i := range m.OwnerReferences {
		if c := m.OwnerReferences[i].Controller; c != nil && *c {
			return &m.OwnerReferences[i]
		}
	}
	return nil
}

// Pod is a core/v1 Pod.
type Pod struct {
	ObjectMeta `json:"metadata"`
	Spec       PodSpec   `json:"spec"`
	Status     PodStatus `json:"status"`
	Source     Source    `json:"-"`
}

// PodStatus is the subset of core/v1 PodStatus the checks read.
type PodStatus struct {
	Phase     string `json:"phase,omitempty"`
	StartTime string `json:"startTime,omitempty"`
	// Conditions are the pod's conditions (Ready above all; podidentity.go).
	Conditions []PodCondition `json:"conditions,omitempty"`
	// ContainerStatuses say which containers restarted: scan --logs reads
	// the previous instance's log of those.
	ContainerStatuses []ContainerStatus `json:"containerStatuses,omitempty"`
}

// ContainerStatus is the subset of core/v1 ContainerStatus the live
// collection reads.
type ContainerStatus struct {
	Name         string `json:"name"`
	RestartCount int64  `json:"restartCount,omitempty"`
}

// Finished reports a pod in phase Succeeded or Failed.
func (p *Pod) Finished() bool { return p.Status.Phase == "Succeeded" || p.Status.Phase == "Failed" }

// PodSpec is the subset of core/v1 PodSpec the checks read.
type PodSpec struct {
	ServiceAccountName string `json:"serviceAccountName,omitempty"`
	// DeprecatedServiceAccount is the deprecated `serviceAccount` field, which
	// the API server still mirrors.
	DeprecatedServiceAccount     string              `json:"serviceAccount,omitempty"`
	AutomountServiceAccountToken *bool               `json:"automountServiceAccountToken,omitempty"`
	NodeName                     string              `json:"nodeName,omitempty"`
	NodeSelector                 map[string]string   `json:"nodeSelector,omitempty"`
	HostNetwork                  bool                `json:"hostNetwork,omitempty"`
	SecurityContext              *PodSecurityContext `json:"securityContext,omitempty"`
	InitContainers               []Container         `json:"initContainers,omitempty"`
	Containers                   []Container         `json:"containers,omitempty"`
	EphemeralContainers          []Container         `json:"ephemeralContainers,omitempty"`
	Volumes                      []Volume            `json:"volumes,omitempty"`
	OS                           *PodOS              `json:"os,omitempty"`
}

// ServiceAccount returns the effective ServiceAccount name: the field, the
// deprecated field, or "default" as the API server assigns.
func (s *PodSpec) ServiceAccount() string {
	switch {
	case s.ServiceAccountName != "":
		return s.ServiceAccountName
	case s.DeprecatedServiceAccount != "":
		return s.DeprecatedServiceAccount
	}
	return "default"
}

// PodOS is core/v1 PodOS.
type PodOS struct {
	Name string `json:"name"`
}

// PodSecurityContext is the subset of core/v1 PodSecurityContext the checks read.
type PodSecurityContext struct {
	RunAsUser          *int64  `json:"runAsUser,omitempty"`
	RunAsGroup         *int64  `json:"runAsGroup,omitempty"`
	RunAsNonRoot       *bool   `json:"runAsNonRoot,omitempty"`
	FSGroup            *int64  `json:"fsGroup,omitempty"`
	SupplementalGroups []int64 `json:"supplementalGroups,omitempty"`
}

// SecurityContext is the subset of core/v1 SecurityContext the checks read.
type SecurityContext struct {
	RunAsUser    *int64 `json:"runAsUser,omitempty"`
	RunAsGroup   *int64 `json:"runAsGroup,omitempty"`
	RunAsNonRoot *bool  `json:"runAsNonRoot,omitempty"`
	Privileged   *bool  `json:"privileged,omitempty"`
}

// Container is the subset of core/v1 Container (and EphemeralContainer) the
// checks read.
type Container struct {
	Name         string          `json:"name"`
	Image        string          `json:"image,omitempty"`
	Env          []EnvVar        `json:"env,omitempty"`
	EnvFrom      []EnvFromSource `json:"envFrom,omitempty"`
	VolumeMounts []VolumeMount   `json:"volumeMounts,omitempty"`
	// Command and Args are read for the documented flags that make a
	// program assume a role (IRSA604); a live capture redacts all but
	// those (bundle.Redact).
	Command         []string         `json:"command,omitempty"`
	Args            []string         `json:"args,omitempty"`
	SecurityContext *SecurityContext `json:"securityContext,omitempty"`
	// RestartPolicy "Always" on an init container makes it a native sidecar.
	RestartPolicy string `json:"restartPolicy,omitempty"`
}

// EnvVar is core/v1 EnvVar.
type EnvVar struct {
	Name      string        `json:"name"`
	Value     string        `json:"value,omitempty"`
	ValueFrom *EnvVarSource `json:"valueFrom,omitempty"`
}

// EnvVarSource is the subset of core/v1 EnvVarSource the checks read.
type EnvVarSource struct {
	SecretKeyRef    *KeySelector `json:"secretKeyRef,omitempty"`
	ConfigMapKeyRef *KeySelector `json:"configMapKeyRef,omitempty"`
	FieldRef        *struct {
		FieldPath string `json:"fieldPath"`
	} `json:"fieldRef,omitempty"`
}

// KeySelector is core/v1 SecretKeySelector / ConfigMapKeySelector.
type KeySelector struct {
	Name string `json:"name"`
	Key  string `json:"key"`
	// Optional true lets the container start when the Secret or ConfigMap,
	// or the key, is missing: the kubelet then leaves the variable unset
	// (core/v1 SecretKeySelector.optional).
	Optional *bool `json:"optional,omitempty"`
}

// IsOptional reports optional: true.
func (k *KeySelector) IsOptional() bool { return k != nil && k.Optional != nil && *k.Optional }

// EnvFromSource is core/v1 EnvFromSource.
type EnvFromSource struct {
	Prefix       string   `json:"prefix,omitempty"`
	SecretRef    *NameRef `json:"secretRef,omitempty"`
	ConfigMapRef *NameRef `json:"configMapRef,omitempty"`
}

// NameRef is a reference by name (core/v1 SecretEnvSource /
// ConfigMapEnvSource in envFrom).
type NameRef struct {
	Name string `json:"name"`
	// Optional true lets the container start without the Secret or
	// ConfigMap: the kubelet then sets none of its variables.
	Optional *bool `json:"optional,omitempty"`
}

// IsOptional reports optional: true.
func (n *NameRef) IsOptional() bool { return n != nil && n.Optional != nil && *n.Optional }

// VolumeMount is core/v1 VolumeMount.
type VolumeMount struct {
	Name      string `json:"name"`
	MountPath string `json:"mountPath"`
	ReadOnly  bool   `json:"readOnly,omitempty"`
	SubPath   string `json:"subPath,omitempty"`
}

// Volume is the subset of core/v1 Volume the checks read.
type Volume struct {
	Name      string           `json:"name"`
	Projected *ProjectedVolume `json:"projected,omitempty"`
	Secret    *SecretVolume    `json:"secret,omitempty"`
	ConfigMap *ConfigMapVolume `json:"configMap,omitempty"`
}

// ConfigMapVolume is core/v1 ConfigMapVolumeSource without its modes.
type ConfigMapVolume struct {
	Name string `json:"name"`
	// Items, when set, project only these keys, each to its path; without
	// them every key is a file named after it.
	Items    []KeyToPath `json:"items,omitempty"`
	Optional *bool       `json:"optional,omitempty"`
}

// KeyToPath is core/v1 KeyToPath without its mode.
type KeyToPath struct {
	Key  string `json:"key"`
	Path string `json:"path"`
}

// SecretVolume is the subset of a secret volume the checks read (its name
// only: the tool never reads Secrets).
type SecretVolume struct {
	SecretName string `json:"secretName"`
}

// ProjectedVolume is core/v1 ProjectedVolumeSource.
type ProjectedVolume struct {
	Sources     []VolumeProjection `json:"sources"`
	DefaultMode *int32             `json:"defaultMode,omitempty"`
}

// VolumeProjection is the subset of core/v1 VolumeProjection the checks read.
type VolumeProjection struct {
	ServiceAccountToken *ServiceAccountTokenProjection `json:"serviceAccountToken,omitempty"`
}

// ServiceAccountTokenProjection is core/v1 ServiceAccountTokenProjection.
type ServiceAccountTokenProjection struct {
	Audience          string `json:"audience,omitempty"`
	ExpirationSeconds *int64 `json:"expirationSeconds,omitempty"`
	Path              string `json:"path"`
}

// PodTemplate is core/v1 PodTemplateSpec.
type PodTemplate struct {
	ObjectMeta `json:"metadata"`
	Spec       PodSpec `json:"spec"`
}

// Workload is a Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or
// CronJob, reduced to what the checks read: its pod template.
type Workload struct {
	Kind       string `json:"kind"`
	APIVersion string `json:"apiVersion"`
	ObjectMeta `json:"metadata"`
	// Replicas is spec.replicas for Deployments, StatefulSets and
	// ReplicaSets; nil when unset (the API default is 1) or not applicable.
	Replicas *int32      `json:"replicas,omitempty"`
	Template PodTemplate `json:"template"`
	Source   Source      `json:"-"`
}

// TopLevel reports whether the workload has no controlling owner (a
// ReplicaSet of a Deployment or a Job of a CronJob is not top level).
func (w *Workload) TopLevel() bool { return w.ControllerOf() == nil }

// ServiceAccount is a core/v1 ServiceAccount.
type ServiceAccount struct {
	ObjectMeta `json:"metadata"`
	Source     Source `json:"-"`
}

// Namespace is a core/v1 Namespace.
type Namespace struct {
	ObjectMeta `json:"metadata"`
	Source     Source `json:"-"`
}

// ServerVersion is the serverVersion of `kubectl version -o json`.
type ServerVersion struct {
	Major      string `json:"major"`
	Minor      string `json:"minor"`
	GitVersion string `json:"gitVersion"`
	Source     Source `json:"-"`
}

// WebhookConfiguration is an admissionregistration.k8s.io MutatingWebhookConfiguration.
type WebhookConfiguration struct {
	ObjectMeta `json:"metadata"`
	Webhooks   []MutatingWebhook `json:"webhooks,omitempty"`
	Source     Source            `json:"-"`
}

// MutatingWebhook is admissionregistration/v1 MutatingWebhook.
type MutatingWebhook struct {
	Name                    string               `json:"name"`
	ClientConfig            WebhookClientConfig  `json:"clientConfig"`
	Rules                   []RuleWithOperations `json:"rules,omitempty"`
	FailurePolicy           string               `json:"failurePolicy,omitempty"`
	MatchPolicy             string               `json:"matchPolicy,omitempty"`
	NamespaceSelector       *LabelSelector       `json:"namespaceSelector,omitempty"`
	ObjectSelector          *LabelSelector       `json:"objectSelector,omitempty"`
	SideEffects             string               `json:"sideEffects,omitempty"`
	TimeoutSeconds          *int32               `json:"timeoutSeconds,omitempty"`
	AdmissionReviewVersions []string             `json:"admissionReviewVersions,omitempty"`
	ReinvocationPolicy      string               `json:"reinvocationPolicy,omitempty"`
	MatchConditions         []MatchCondition     `json:"matchConditions,omitempty"`
}

// WebhookClientConfig is admissionregistration/v1 WebhookClientConfig.
type WebhookClientConfig struct {
	URL      *string           `json:"url,omitempty"`
	Service  *ServiceReference `json:"service,omitempty"`
	CABundle string            `json:"caBundle,omitempty"`
}

// ServiceReference is admissionregistration/v1 ServiceReference.
type ServiceReference struct {
	Namespace string  `json:"namespace"`
	Name      string  `json:"name"`
	Path      *string `json:"path,omitempty"`
	Port      *int32  `json:"port,omitempty"`
}

// RuleWithOperations is admissionregistration/v1 RuleWithOperations.
type RuleWithOperations struct {
	Operations  []string `json:"operations,omitempty"`
	APIGroups   []string `json:"apiGroups,omitempty"`
	APIVersions []string `json:"apiVersions,omitempty"`
	Resources   []string `json:"resources,omitempty"`
	Scope       *string  `json:"scope,omitempty"`
}

// MatchCondition is admissionregistration/v1 MatchCondition.
type MatchCondition struct {
	Name       string `json:"name"`
	Expression string `json:"expression"`
}

// LabelSelector is metav1.LabelSelector.
type LabelSelector struct {
	MatchLabels      map[string]string          `json:"matchLabels,omitempty"`
	MatchExpressions []LabelSelectorRequirement `json:"matchExpressions,omitempty"`
}

// LabelSelectorRequirement is metav1.LabelSelectorRequirement.
type LabelSelectorRequirement struct {
	Key      string   `json:"key"`
	Operator string   `json:"operator"`
	Values   []string `json:"values,omitempty"`
}
