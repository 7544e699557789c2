package webhook

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

const testRole = "arn:aws:iam::111122223333:role/s3-reader"

func sa(annotations map[string]string) *snapshot.ServiceAccount {
	return &snapshot.ServiceAccount{ObjectMeta: snapshot.ObjectMeta{Name: "s3-reader", Namespace: "payments", Annotations: annotations}}
}

func roleSA(extra map[string]string) *snapshot.ServiceAccount {
	a := map[string]string{AnnotationRoleARN: testRole}
	for k, v := range extra {
		a[k] = v
	}
	return sa(a)
}

func i64(v int64) *int64 { return &v }
func i32(v int32) *int32 { return &v }

// tokenVolume is the volume the webhook prepends, as the API server stores
// it (defaultMode 420 filled in).
func tokenVolume(aud string, exp int64) snapshot.Volume {
	return snapshot.Volume{Name: VolumeName, Projected: &snapshot.ProjectedVolume{
		Sources:     []snapshot.VolumeProjection{{ServiceAccountToken: &snapshot.ServiceAccountTokenProjection{Audience: aud, ExpirationSeconds: i64(exp), Path: "token"}}},
		DefaultMode: i32(420),
	}}
}

var tokenMount = snapshot.VolumeMount{Name: VolumeName, MountPath: MountPath, ReadOnly: true}

func env(kv ...string) []snapshot.EnvVar {
	var out []snapshot.EnvVar
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, snapshot.EnvVar{Name: kv[i], Value: kv[i+1]})
	}
	return out
}

func irsaEnv(kv ...string) []snapshot.EnvVar {
	return append(env(kv...), env(EnvRoleARN, testRole, EnvTokenFile, TokenPath)...)
}

func spec(containers ...snapshot.Container) *snapshot.PodSpec {
	return &snapshot.PodSpec{ServiceAccountName: "s3-reader", Containers: containers}
}

func TestMutate(t *testing.T) {
	tests := []struct {
		name string
		meta *snapshot.ObjectMeta
		spec *snapshot.PodSpec
		sa   *snapshot.ServiceAccount
		cfg  Config
		want Result
	}{
		{
			name: "service account not in the cache",
			spec: spec(snapshot.Container{Name: "app"}),
			want: Result{
				Spec:   spec(snapshot.Container{Name: "app"}),
				Reason: "ServiceAccount payments/s3-reader is not in the webhook's cache (it does not exist, or the webhook had not seen it yet)",
			},
		},
		{
			name: "no role annotation",
			spec: spec(snapshot.Container{Name: "app"}),
			sa:   sa(map[string]string{"eks.amazon.com/role-arn": testRole}),
			want: Result{
				Spec:   spec(snapshot.Container{Name: "app"}),
				Reason: "ServiceAccount payments/s3-reader has no eks.amazonaws.com/role-arn annotation",
			},
		},
		{
			name: "empty role annotation",
			spec: spec(snapshot.Container{Name: "app"}),
			sa:   sa(map[string]string{AnnotationRoleARN: ""}),
			want: Result{
				Spec:   spec(snapshot.Container{Name: "app"}),
				Reason: "ServiceAccount payments/s3-reader has an empty eks.amazonaws.com/role-arn annotation",
			},
		},
		{
			name: "skip label with any value",
			meta: &snapshot.ObjectMeta{Labels: map[string]string{LabelSkip: "false"}},
			spec: spec(snapshot.Container{Name: "app"}),
			sa:   roleSA(nil),
			want: Result{
				Spec:   spec(snapshot.Container{Name: "app"}),
				Reason: `the pod carries the label eks.amazonaws.com/skip-pod-identity-webhook="false", which the webhook's objectSelector excludes`,
			},
		},
		{
			name: "skip label left to the caller",
			meta: &snapshot.ObjectMeta{Labels: map[string]string{LabelSkip: "true"}},
			spec: spec(snapshot.Container{Name: "app"}),
			sa:   roleSA(nil),
			cfg:  Config{IgnoreSkipLabel: true},
			want: Result{
				Spec: &snapshot.PodSpec{ServiceAccountName: "s3-reader",
					Containers: []snapshot.Container{{Name: "app", Env: irsaEnv(), VolumeMounts: []snapshot.VolumeMount{tokenMount}}},
					Volumes:    []snapshot.Volume{tokenVolume(DefaultAudience, 86400)}},
				Mutated: true, Mode: ModeIRSA,
				Containers: []ContainerResult{{Name: "app", Injected: []string{EnvRoleARN, EnvTokenFile}, MountAdded: true}},
				Audience:   DefaultAudience, Expiration: 86400, RoleARN: testRole, TokenPath: TokenPath,
				VolumeAdded: true, Volume: ptr(tokenVolume(DefaultAudience, 86400)),
			},
		},
		{
			name: "defaults: env appended, mount added, volume first with defaultMode 420",
			spec: &snapshot.PodSpec{ServiceAccountName: "s3-reader",
				Containers: []snapshot.Container{{Name: "app", Env: env("LOG_LEVEL", "debug"),
					VolumeMounts: []snapshot.VolumeMount{{Name: "config", MountPath: "/etc/app"}}}},
				Volumes: []snapshot.Volume{{Name: "config"}}},
			sa: roleSA(nil),
			want: Result{
				Spec: &snapshot.PodSpec{ServiceAccountName: "s3-reader",
					Containers: []snapshot.Container{{Name: "app", Env: irsaEnv("LOG_LEVEL", "debug"),
						VolumeMounts: []snapshot.VolumeMount{{Name: "config", MountPath: "/etc/app"}, tokenMount}}},
					Volumes: []snapshot.Volume{tokenVolume(DefaultAudience, 86400), {Name: "config"}}},
				Mutated: true, Mode: ModeIRSA,
				Containers: []ContainerResult{{Name: "app", Injected: []string{EnvRoleARN, EnvTokenFile}, MountAdded: true}},
				Audience:   DefaultAudience, Expiration: 86400, RoleARN: testRole, TokenPath: TokenPath,
				VolumeAdded: true, Volume: ptr(tokenVolume(DefaultAudience, 86400)),
			},
		},
		{
			name: "invalid ARN is injected as written",
			spec: spec(snapshot.Container{Name: "app"}),
			sa:   sa(map[string]string{AnnotationRoleARN: " s3-reader"}),
			want: Result{
				Spec: &snapshot.PodSpec{ServiceAccountName: "s3-reader",
					Containers: []snapshot.Container{{Name: "app", Env: env(EnvRoleARN, " s3-reader", EnvTokenFile, TokenPath), VolumeMounts: []snapshot.VolumeMount{tokenMount}}},
					Volumes:    []snapshot.Volume{tokenVolume(DefaultAudience, 86400)}},
				Mutated: true, Mode: ModeIRSA,
				Containers: []ContainerResult{{Name: "app", Injected: []string{EnvRoleARN, EnvTokenFile}, MountAdded: true}},
				Audience:   DefaultAudience, Expiration: 86400, RoleARN: " s3-reader", TokenPath: TokenPath,
				VolumeAdded: true, Volume: ptr(tokenVolume(DefaultAudience, 86400)),
			},
		},
		{
			name: "SA annotations: audience, expiration, regional STS; flag region",
			spec: spec(snapshot.Container{Name: "app"}),
			sa: roleSA(map[string]string{AnnotationAudience: "sts.amazonaws.com.cn",
				AnnotationTokenExpiration: "3600", AnnotationSTSRegional: "1"}),
			cfg: Config{DefaultRegion: "cn-north-1", Audience: "ignored.example.com"},
			want: Result{
				Spec: &snapshot.PodSpec{ServiceAccountName: "s3-reader",
					Containers: []snapshot.Container{{Name: "app",
						Env:          irsaEnv(EnvSTSRegional, "regional", EnvDefaultRegion, "cn-north-1", EnvRegion, "cn-north-1"),
						VolumeMounts: []snapshot.VolumeMount{tokenMount}}},
					Volumes: []snapshot.Volume{tokenVolume("sts.amazonaws.com.cn", 3600)}},
				Mutated: true, Mode: ModeIRSA,
				Containers: []ContainerResult{{Name: "app", Injected: []string{EnvSTSRegional, EnvDefaultRegion, EnvRegion, EnvRoleARN, EnvTokenFile}, MountAdded: true}},
				Audience:   "sts.amazonaws.com.cn", Expiration: 3600, RoleARN: testRole, RegionalSTS: true, TokenPath: TokenPath,
				VolumeAdded: true, Volume: ptr(tokenVolume("sts.amazonaws.com.cn", 3600)),
			},
		},
		{
			name: "empty audience annotation wins over the flag; regional STS false overrides flag",
			spec: spec(snapshot.Container{Name: "app"}),
			sa:   roleSA(map[string]string{AnnotationAudience: "", AnnotationSTSRegional: "false"}),
			cfg:  Config{Audience: "flag.example.com", RegionalSTS: true},
			want: Result{
				Spec: &snapshot.PodSpec{ServiceAccountName: "s3-reader",
					Containers: []snapshot.Container{{Name: "app", Env: irsaEnv(), VolumeMounts: []snapshot.VolumeMount{tokenMount}}},
					Volumes:    []snapshot.Volume{tokenVolume("", 86400)}},
				Mutated: true, Mode: ModeIRSA,
				Containers: []ContainerResult{{Name: "app", Injected: []string{EnvRoleARN, EnvTokenFile}, MountAdded: true}},
				Audience:   "", Expiration: 86400, RoleARN: testRole, TokenPath: TokenPath,
				VolumeAdded: true, Volume: ptr(tokenVolume("", 86400)),
			},
		},
		{
			name: "flag audience, flag regional STS kept on invalid annotation, flag expiration raised to 600",
			spec: spec(snapshot.Container{Name: "app"}),
			sa:   roleSA(map[string]string{AnnotationSTSRegional: "yes"}),
			cfg:  Config{Audience: "flag.example.com", RegionalSTS: true, Expiration: 60},
			want: Result{
				Spec: &snapshot.PodSpec{ServiceAccountName: "s3-reader",
					Containers: []snapshot.Container{{Name: "app", Env: irsaEnv(EnvSTSRegional, "regional"), VolumeMounts: []snapshot.VolumeMount{tokenMount}}},
					Volumes:    []snapshot.Volume{tokenVolume("flag.example.com", 600)}},
				Mutated: true, Mode: ModeIRSA,
				Containers: []ContainerResult{{Name: "app", Injected: []string{EnvSTSRegional, EnvRoleARN, EnvTokenFile}, MountAdded: true}},
				Audience:   "flag.example.com", Expiration: 600, RoleARN: testRole, RegionalSTS: true, TokenPath: TokenPath,
				VolumeAdded: true, Volume: ptr(tokenVolume("flag.example.com", 600)),
			},
		},
		{
			name: "pod expiration annotation beats the SA's",
			meta: &snapshot.ObjectMeta{Annotations: map[string]string{AnnotationTokenExpiration: "7200"}},
			spec: spec(snapshot.Container{Name: "app"}),
			sa:   roleSA(map[string]string{AnnotationTokenExpiration: "3600"}),
			want: mutatedOne(7200),
		},
		{
			name: "pod expiration below 600 is raised",
			meta: &snapshot.ObjectMeta{Annotations: map[string]string{AnnotationTokenExpiration: "-5"}},
			spec: spec(snapshot.Container{Name: "app"}),
			sa:   roleSA(map[string]string{AnnotationTokenExpiration: "3600"}),
			want: mutatedOne(600),
		},
		{
			name: "unparsable pod expiration keeps the SA's",
			meta: &snapshot.ObjectMeta{Annotations: map[string]string{AnnotationTokenExpiration: "1h"}},
			spec: spec(snapshot.Container{Name: "app"}),
			sa:   roleSA(map[string]string{AnnotationTokenExpiration: "3600"}),
			want: mutatedOne(3600),
		},
		{
			name: "unparsable SA expiration keeps the flag; no upper clamp",
			spec: spec(snapshot.Container{Name: "app"}),
			sa:   roleSA(map[string]string{AnnotationTokenExpiration: "1.5"}),
			cfg:  Config{Expiration: 172800},
			want: mutatedOne(172800),
		},
		{
			name: "web identity group already set: neither var added, mount still added",
			spec: spec(snapshot.Container{Name: "app", Env: env(EnvRoleARN, "arn:aws:iam::111122223333:role/other")}),
			sa:   roleSA(nil),
			want: Result{
				Spec: &snapshot.PodSpec{ServiceAccountName: "s3-reader",
					Containers: []snapshot.Container{{Name: "app", Env: env(EnvRoleARN, "arn:aws:iam::111122223333:role/other"), VolumeMounts: []snapshot.VolumeMount{tokenMount}}},
					Volumes:    []snapshot.Volume{tokenVolume(DefaultAudience, 86400)}},
				Mutated: true, Mode: ModeIRSA,
				Containers: []ContainerResult{{Name: "app", MountAdded: true, Defined: []string{EnvRoleARN},
					Reason: "AWS_ROLE_ARN or AWS_WEB_IDENTITY_TOKEN_FILE is already set, so neither is injected"}},
				Audience: DefaultAudience, Expiration: 86400, RoleARN: testRole, TokenPath: TokenPath,
				VolumeAdded: true, Volume: ptr(tokenVolume(DefaultAudience, 86400)),
			},
		},
		{
			name: "region group set: no region vars even with a flag region",
			spec: spec(snapshot.Container{Name: "app", Env: env(EnvRegion, "eu-west-1")}),
			sa:   roleSA(nil),
			cfg:  Config{DefaultRegion: "us-west-2"},
			want: Result{
				Spec: &snapshot.PodSpec{ServiceAccountName: "s3-reader",
					Containers: []snapshot.Container{{Name: "app", Env: irsaEnv(EnvRegion, "eu-west-1"), VolumeMounts: []snapshot.VolumeMount{tokenMount}}},
					Volumes:    []snapshot.Volume{tokenVolume(DefaultAudience, 86400)}},
				Mutated: true, Mode: ModeIRSA,
				Containers: []ContainerResult{{Name: "app", Injected: []string{EnvRoleARN, EnvTokenFile}, MountAdded: true, Defined: []string{EnvRegion},
					Reason: "a region variable is already set, so AWS_DEFAULT_REGION and AWS_REGION are not injected"}},
				Audience: DefaultAudience, Expiration: 86400, RoleARN: testRole, TokenPath: TokenPath,
				VolumeAdded: true, Volume: ptr(tokenVolume(DefaultAudience, 86400)),
			},
		},
		{
			// rawPodHasAll.pod.yaml: the container is returned unchanged, with
			// no mount, but the pod volume is still added.
			name: "all three groups set: container unchanged, no mount, volume added",
			spec: spec(snapshot.Container{Name: "app", Env: env(EnvRegion, "cn-northwest-1", EnvSTSRegional, "regional", EnvRoleARN, testRole)}),
			sa:   roleSA(map[string]string{AnnotationSTSRegional: "true"}),
			cfg:  Config{DefaultRegion: "cn-north-1"},
			want: Result{
				Spec: &snapshot.PodSpec{ServiceAccountName: "s3-reader",
					Containers: []snapshot.Container{{Name: "app", Env: env(EnvRegion, "cn-northwest-1", EnvSTSRegional, "regional", EnvRoleARN, testRole)}},
					Volumes:    []snapshot.Volume{tokenVolume(DefaultAudience, 86400)}},
				Mutated: true, Mode: ModeIRSA,
				Containers: []ContainerResult{{Name: "app", Defined: []string{EnvRegion, EnvSTSRegional, EnvRoleARN},
					Reason: "the container already sets the credential, region and AWS_STS_REGIONAL_ENDPOINTS variables, so the webhook leaves it unchanged, without the token mount"}},
				Audience: DefaultAudience, Expiration: 86400, RoleARN: testRole, RegionalSTS: true, TokenPath: TokenPath,
				VolumeAdded: true, Volume: ptr(tokenVolume(DefaultAudience, 86400)),
			},
		},
		{
			name: "already mutated pod: nothing changes",
			spec: &snapshot.PodSpec{ServiceAccountName: "s3-reader",
				Containers: []snapshot.Container{{Name: "app", Env: irsaEnv(), VolumeMounts: []snapshot.VolumeMount{tokenMount}}},
				Volumes:    []snapshot.Volume{tokenVolume(DefaultAudience, 86400)}},
			sa: roleSA(nil),
			want: Result{
				Spec: &snapshot.PodSpec{ServiceAccountName: "s3-reader",
					Containers: []snapshot.Container{{Name: "app", Env: irsaEnv(), VolumeMounts: []snapshot.VolumeMount{tokenMount}}},
					Volumes:    []snapshot.Volume{tokenVolume(DefaultAudience, 86400)}},
				Mode:   ModeIRSA,
				Reason: "every container already has the env vars and the token mount, and the pod has the aws-iam-token volume",
				Containers: []ContainerResult{{Name: "app", Defined: []string{EnvRoleARN, EnvTokenFile},
					Reason: "AWS_ROLE_ARN or AWS_WEB_IDENTITY_TOKEN_FILE is already set, so neither is injected; a mount named aws-iam-token already exists, so none is added"}},
				Audience: DefaultAudience, Expiration: 86400, RoleARN: testRole, TokenPath: TokenPath,
			},
		},
		{
			name: "existing volume of the same name is kept as it is",
			spec: &snapshot.PodSpec{ServiceAccountName: "s3-reader",
				Containers: []snapshot.Container{{Name: "app"}},
				Volumes:    []snapshot.Volume{{Name: VolumeName, Secret: &snapshot.SecretVolume{SecretName: "token"}}}},
			sa: roleSA(nil),
			want: Result{
				Spec: &snapshot.PodSpec{ServiceAccountName: "s3-reader",
					Containers: []snapshot.Container{{Name: "app", Env: irsaEnv(), VolumeMounts: []snapshot.VolumeMount{tokenMount}}},
					Volumes:    []snapshot.Volume{{Name: VolumeName, Secret: &snapshot.SecretVolume{SecretName: "token"}}}},
				Mutated: true, Mode: ModeIRSA,
				Containers: []ContainerResult{{Name: "app", Injected: []string{EnvRoleARN, EnvTokenFile}, MountAdded: true}},
				Audience:   DefaultAudience, Expiration: 86400, RoleARN: testRole, TokenPath: TokenPath,
			},
		},
		{
			name: "skip-containers applies to init and regular containers; native sidecar mutated",
			meta: &snapshot.ObjectMeta{Annotations: map[string]string{AnnotationSkipContainers: `istio-init,"istio-proxy"`}},
			spec: &snapshot.PodSpec{ServiceAccountName: "s3-reader",
				InitContainers: []snapshot.Container{{Name: "istio-init"}, {Name: "log-shipper", RestartPolicy: "Always"}},
				Containers:     []snapshot.Container{{Name: "app"}, {Name: "istio-proxy"}}},
			sa: roleSA(nil),
			want: Result{
				Spec: &snapshot.PodSpec{ServiceAccountName: "s3-reader",
					InitContainers: []snapshot.Container{{Name: "istio-init"},
						{Name: "log-shipper", RestartPolicy: "Always", Env: irsaEnv(), VolumeMounts: []snapshot.VolumeMount{tokenMount}}},
					Containers: []snapshot.Container{{Name: "app", Env: irsaEnv(), VolumeMounts: []snapshot.VolumeMount{tokenMount}}, {Name: "istio-proxy"}},
					Volumes:    []snapshot.Volume{tokenVolume(DefaultAudience, 86400)}},
				Mutated: true, Mode: ModeIRSA,
				Containers: []ContainerResult{
					{Name: "istio-init", Init: true, Skipped: true, Reason: "named in eks.amazonaws.com/skip-containers"},
					{Name: "log-shipper", Init: true, Injected: []string{EnvRoleARN, EnvTokenFile}, MountAdded: true},
					{Name: "app", Injected: []string{EnvRoleARN, EnvTokenFile}, MountAdded: true},
					{Name: "istio-proxy", Skipped: true, Reason: "named in eks.amazonaws.com/skip-containers"},
				},
				Audience: DefaultAudience, Expiration: 86400, RoleARN: testRole, TokenPath: TokenPath,
				VolumeAdded: true, Volume: ptr(tokenVolume(DefaultAudience, 86400)),
			},
		},
		{
			name: "skip-containers names are not trimmed",
			meta: &snapshot.ObjectMeta{Annotations: map[string]string{AnnotationSkipContainers: "app, sidecar"}},
			spec: spec(snapshot.Container{Name: "sidecar"}),
			sa:   roleSA(nil),
			want: Result{
				Spec: &snapshot.PodSpec{ServiceAccountName: "s3-reader",
					Containers: []snapshot.Container{{Name: "sidecar", Env: irsaEnv(), VolumeMounts: []snapshot.VolumeMount{tokenMount}}},
					Volumes:    []snapshot.Volume{tokenVolume(DefaultAudience, 86400)}},
				Mutated: true, Mode: ModeIRSA,
				Containers: []ContainerResult{{Name: "sidecar", Injected: []string{EnvRoleARN, EnvTokenFile}, MountAdded: true}},
				Audience:   DefaultAudience, Expiration: 86400, RoleARN: testRole, TokenPath: TokenPath,
				VolumeAdded: true, Volume: ptr(tokenVolume(DefaultAudience, 86400)),
			},
		},
		{
			name: "unparsable skip-containers skips nothing",
			meta: &snapshot.ObjectMeta{Annotations: map[string]string{AnnotationSkipContainers: `app"x`}},
			spec: spec(snapshot.Container{Name: "app"}),
			sa:   roleSA(nil),
			want: func() Result {
				r := mutatedOne(86400)
				r.SkipContainersError = `parse eks.amazonaws.com/skip-containers "app\"x": parse error on line 1, column 4: bare " in non-quoted-field`
				return r
			}(),
		},
		{
			name: "every container skipped: only the volume is added",
			meta: &snapshot.ObjectMeta{Annotations: map[string]string{AnnotationSkipContainers: "app"}},
			spec: spec(snapshot.Container{Name: "app"}),
			sa:   roleSA(nil),
			want: Result{
				Spec: &snapshot.PodSpec{ServiceAccountName: "s3-reader",
					Containers: []snapshot.Container{{Name: "app"}},
					Volumes:    []snapshot.Volume{tokenVolume(DefaultAudience, 86400)}},
				Mutated: true, Mode: ModeIRSA,
				Containers: []ContainerResult{{Name: "app", Skipped: true, Reason: "named in eks.amazonaws.com/skip-containers"}},
				Audience:   DefaultAudience, Expiration: 86400, RoleARN: testRole, TokenPath: TokenPath,
				VolumeAdded: true, Volume: ptr(tokenVolume(DefaultAudience, 86400)),
			},
		},
		{
			name: "windows token path through nodeSelector",
			spec: &snapshot.PodSpec{ServiceAccountName: "s3-reader", NodeSelector: map[string]string{"kubernetes.io/os": "windows"},
				Containers: []snapshot.Container{{Name: "app"}}},
			sa: roleSA(nil),
			want: Result{
				Spec: &snapshot.PodSpec{ServiceAccountName: "s3-reader", NodeSelector: map[string]string{"kubernetes.io/os": "windows"},
					Containers: []snapshot.Container{{Name: "app", Env: env(EnvRoleARN, testRole, EnvTokenFile, WindowsTokenPath), VolumeMounts: []snapshot.VolumeMount{tokenMount}}},
					Volumes:    []snapshot.Volume{tokenVolume(DefaultAudience, 86400)}},
				Mutated: true, Mode: ModeIRSA,
				Containers: []ContainerResult{{Name: "app", Injected: []string{EnvRoleARN, EnvTokenFile}, MountAdded: true}},
				Audience:   DefaultAudience, Expiration: 86400, RoleARN: testRole, TokenPath: WindowsTokenPath,
				VolumeAdded: true, Volume: ptr(tokenVolume(DefaultAudience, 86400)),
			},
		},
		{
			name: "windows through the beta label; os field alone is not looked at",
			spec: &snapshot.PodSpec{ServiceAccountName: "s3-reader", NodeSelector: map[string]string{"beta.kubernetes.io/os": "windows"},
				Containers: []snapshot.Container{{Name: "app"}}},
			sa: roleSA(nil),
			want: Result{
				Spec: &snapshot.PodSpec{ServiceAccountName: "s3-reader", NodeSelector: map[string]string{"beta.kubernetes.io/os": "windows"},
					Containers: []snapshot.Container{{Name: "app", Env: env(EnvRoleARN, testRole, EnvTokenFile, WindowsTokenPath), VolumeMounts: []snapshot.VolumeMount{tokenMount}}},
					Volumes:    []snapshot.Volume{tokenVolume(DefaultAudience, 86400)}},
				Mutated: true, Mode: ModeIRSA,
				Containers: []ContainerResult{{Name: "app", Injected: []string{EnvRoleARN, EnvTokenFile}, MountAdded: true}},
				Audience:   DefaultAudience, Expiration: 86400, RoleARN: testRole, TokenPath: WindowsTokenPath,
				VolumeAdded: true, Volume: ptr(tokenVolume(DefaultAudience, 86400)),
			},
		},
		{
			name: "os.name windows without nodeSelector keeps the Linux path",
			spec: &snapshot.PodSpec{ServiceAccountName: "s3-reader", OS: &snapshot.PodOS{Name: "windows"},
				Containers: []snapshot.Container{{Name: "app"}}},
			sa: roleSA(nil),
			want: func() Result {
				r := mutatedOne(86400)
				r.Spec.OS = &snapshot.PodOS{Name: "windows"}
				return r
			}(),
		},
		{
			name: "default service account when the spec names none",
			spec: &snapshot.PodSpec{Containers: []snapshot.Container{{Name: "app"}}},
			want: Result{
				Spec:   &snapshot.PodSpec{Containers: []snapshot.Container{{Name: "app"}}},
				Reason: "ServiceAccount payments/default is not in the webhook's cache (it does not exist, or the webhook had not seen it yet)",
			},
		},
		{
			name: "pod identity takes precedence over the role annotation",
			meta: &snapshot.ObjectMeta{Annotations: map[string]string{AnnotationTokenExpiration: "3600"}},
			spec: spec(snapshot.Container{Name: "app", Env: env(EnvRoleARN, testRole)}),
			sa:   roleSA(map[string]string{AnnotationSTSRegional: "true"}),
			cfg:  Config{PodIdentity: func(ns, name string) bool { return ns == "payments" && name == "s3-reader" }},
			want: Result{
				Spec: &snapshot.PodSpec{ServiceAccountName: "s3-reader",
					Containers: []snapshot.Container{{Name: "app",
						Env:          env(EnvRoleARN, testRole, EnvSTSRegional, "regional", EnvContainerFullURI, PodIdentityFullURI, EnvContainerToken, PodIdentityTokenPath),
						VolumeMounts: []snapshot.VolumeMount{{Name: PodIdentityVolumeName, MountPath: PodIdentityMountPath, ReadOnly: true}}}},
					Volumes: []snapshot.Volume{{Name: PodIdentityVolumeName, Projected: &snapshot.ProjectedVolume{
						Sources:     []snapshot.VolumeProjection{{ServiceAccountToken: &snapshot.ServiceAccountTokenProjection{Audience: PodIdentityAudience, ExpirationSeconds: i64(3600), Path: "eks-pod-identity-token"}}},
						DefaultMode: i32(420)}}}},
				Mutated: true, Mode: ModePodIdentity,
				Containers: []ContainerResult{{Name: "app", Injected: []string{EnvSTSRegional, EnvContainerFullURI, EnvContainerToken}, MountAdded: true}},
				Audience:   PodIdentityAudience, Expiration: 3600, RegionalSTS: true, TokenPath: PodIdentityTokenPath,
				VolumeAdded: true,
				Volume: &snapshot.Volume{Name: PodIdentityVolumeName, Projected: &snapshot.ProjectedVolume{
					Sources:     []snapshot.VolumeProjection{{ServiceAccountToken: &snapshot.ServiceAccountTokenProjection{Audience: PodIdentityAudience, ExpirationSeconds: i64(3600), Path: "eks-pod-identity-token"}}},
					DefaultMode: i32(420)}},
				AddedLabels: map[string]string{LabelPodIdentity: "enabled"},
			},
		},
		{
			name: "pod identity without the SA in the cache: default expiration, jittered",
			spec: spec(snapshot.Container{Name: "app"}),
			cfg:  Config{RegionalSTS: true, Expiration: 3600, PodIdentity: func(string, string) bool { return true }},
			want: Result{
				Spec: &snapshot.PodSpec{ServiceAccountName: "s3-reader",
					Containers: []snapshot.Container{{Name: "app",
						Env:          env(EnvContainerFullURI, PodIdentityFullURI, EnvContainerToken, PodIdentityTokenPath),
						VolumeMounts: []snapshot.VolumeMount{{Name: PodIdentityVolumeName, MountPath: PodIdentityMountPath, ReadOnly: true}}}},
					Volumes: []snapshot.Volume{{Name: PodIdentityVolumeName, Projected: &snapshot.ProjectedVolume{
						Sources:     []snapshot.VolumeProjection{{ServiceAccountToken: &snapshot.ServiceAccountTokenProjection{Audience: PodIdentityAudience, ExpirationSeconds: i64(86400), Path: "eks-pod-identity-token"}}},
						DefaultMode: i32(420)}}}},
				Mutated: true, Mode: ModePodIdentity,
				Containers: []ContainerResult{{Name: "app", Injected: []string{EnvContainerFullURI, EnvContainerToken}, MountAdded: true}},
				Audience:   PodIdentityAudience, Expiration: 86400, ExpirationJitter: true, TokenPath: PodIdentityTokenPath,
				VolumeAdded: true,
				Volume: &snapshot.Volume{Name: PodIdentityVolumeName, Projected: &snapshot.ProjectedVolume{
					Sources:     []snapshot.VolumeProjection{{ServiceAccountToken: &snapshot.ServiceAccountTokenProjection{Audience: PodIdentityAudience, ExpirationSeconds: i64(86400), Path: "eks-pod-identity-token"}}},
					DefaultMode: i32(420)}},
				AddedLabels: map[string]string{LabelPodIdentity: "enabled"},
			},
		},
		{
			name: "custom mount path",
			spec: spec(snapshot.Container{Name: "app"}),
			sa:   roleSA(nil),
			cfg:  Config{MountPath: "/var/run/aws/"},
			want: Result{
				Spec: &snapshot.PodSpec{ServiceAccountName: "s3-reader",
					Containers: []snapshot.Container{{Name: "app", Env: env(EnvRoleARN, testRole, EnvTokenFile, "/var/run/aws/token"),
						VolumeMounts: []snapshot.VolumeMount{{Name: VolumeName, MountPath: "/var/run/aws/", ReadOnly: true}}}},
					Volumes: []snapshot.Volume{tokenVolume(DefaultAudience, 86400)}},
				Mutated: true, Mode: ModeIRSA,
				Containers: []ContainerResult{{Name: "app", Injected: []string{EnvRoleARN, EnvTokenFile}, MountAdded: true}},
				Audience:   DefaultAudience, Expiration: 86400, RoleARN: testRole, TokenPath: "/var/run/aws/token",
				VolumeAdded: true, Volume: ptr(tokenVolume(DefaultAudience, 86400)),
			},
		},
		{
			name: "nil spec",
			sa:   roleSA(nil),
			want: Result{Reason: "the pod has no spec"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			meta := tt.meta
			if meta == nil {
				meta = &snapshot.ObjectMeta{Name: "api", Namespace: "payments"}
			}
			var before *snapshot.PodSpec
			if tt.spec != nil {
				before = copySpec(tt.spec)
			}
			got := Mutate("payments", meta, tt.spec, tt.sa, tt.cfg)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Mutate() mismatch (-want +got):\n%s", diff)
			}
			// MutateShared answers the same, sharing what it leaves.
			shared := MutateShared("payments", meta, tt.spec, tt.sa, tt.cfg)
			if diff := cmp.Diff(tt.want, shared); diff != "" {
				t.Errorf("MutateShared() mismatch (-want +got):\n%s", diff)
			}
			if tt.spec != nil {
				if diff := cmp.Diff(before, tt.spec); diff != "" {
					t.Errorf("input spec changed (-before +after):\n%s", diff)
				}
				if !shared.Mutated && !shared.VolumeAdded && shared.Spec != tt.spec {
					t.Errorf("MutateShared() copied a spec it left as it was")
				}
			}
		})
	}
}

// mutatedOne is the result for spec(app) with the default config and the
// given expiration.
func mutatedOne(exp int64) Result {
	return Result{
		Spec: &snapshot.PodSpec{ServiceAccountName: "s3-reader",
			Containers: []snapshot.Container{{Name: "app", Env: irsaEnv(), VolumeMounts: []snapshot.VolumeMount{tokenMount}}},
			Volumes:    []snapshot.Volume{tokenVolume(DefaultAudience, exp)}},
		Mutated: true, Mode: ModeIRSA,
		Containers: []ContainerResult{{Name: "app", Injected: []string{EnvRoleARN, EnvTokenFile}, MountAdded: true}},
		Audience:   DefaultAudience, Expiration: exp, RoleARN: testRole, TokenPath: TokenPath,
		VolumeAdded: true, Volume: ptr(tokenVolume(DefaultAudience, exp)),
	}
}

func ptr[T any](v T) *T { return &v }

// TestMutateDoesNotModifyInput mutates a pod with every kind of change and
// checks the input is byte-for-byte what it was.
func TestMutateDoesNotModifyInput(t *testing.T) {
	in := &snapshot.PodSpec{ServiceAccountName: "s3-reader",
		InitContainers: []snapshot.Container{{Name: "init", Env: env("A", "1")}},
		Containers: []snapshot.Container{{Name: "app", Env: env("B", "2"), VolumeMounts: []snapshot.VolumeMount{{Name: "config", MountPath: "/etc"}}},
			{Name: "other", Env: env(EnvRegion, "us-east-1")}},
		Volumes: []snapshot.Volume{{Name: "config"}}}
	meta := &snapshot.ObjectMeta{Name: "api", Namespace: "payments",
		Labels: map[string]string{"app": "api"}, Annotations: map[string]string{AnnotationSkipContainers: "other"}}
	account := roleSA(map[string]string{AnnotationSTSRegional: "true"})
	wantSpec, wantMeta, wantSA := copySpec(in), copyMeta(t, meta), copyMeta(t, &account.ObjectMeta)

	got := Mutate("payments", meta, in, account, Config{DefaultRegion: "us-west-2"})
	if !got.Mutated {
		t.Fatalf("Mutate() did not mutate: %s", got.Reason)
	}
	// Writing through the result must not reach the input either.
	got.Spec.Containers[0].Env[0].Value = "changed"
	got.Spec.Volumes[1].Name = "changed"

	if diff := cmp.Diff(wantSpec, in); diff != "" {
		t.Errorf("input spec changed (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(wantMeta, meta); diff != "" {
		t.Errorf("input metadata changed (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(wantSA, &account.ObjectMeta); diff != "" {
		t.Errorf("input ServiceAccount changed (-before +after):\n%s", diff)
	}
}

// TestMutateSharedAppendsCopy: MutateShared's result shares the input's
// arrays where it changes nothing, but what it appends goes to arrays of
// its own, even when the input's have room past their length, and
// appending to the result's arrays never writes into the input's.
func TestMutateSharedAppendsCopy(t *testing.T) {
	roomy := func(n int, vs ...snapshot.EnvVar) []snapshot.EnvVar {
		return append(make([]snapshot.EnvVar, 0, n), vs...)
	}
	in := &snapshot.PodSpec{ServiceAccountName: "s3-reader",
		InitContainers: []snapshot.Container{{Name: "init", Env: roomy(8, env("A", "1")...)}},
		Containers: []snapshot.Container{
			{Name: "done", Env: roomy(8, append(irsaEnv(), env(EnvSTSRegional, "regional")...)...), VolumeMounts: []snapshot.VolumeMount{tokenMount}},
			{Name: "app", Env: roomy(8, env("B", "2")...)}},
		Volumes: append(make([]snapshot.Volume, 0, 4), snapshot.Volume{Name: "config"})}
	in.Containers[0].Env = append(in.Containers[0].Env, env(EnvRegion, "us-east-1")...)
	want := copySpec(in)
	got := MutateShared("payments", &snapshot.ObjectMeta{Name: "api", Namespace: "payments"}, in, roleSA(nil), Config{})
	if !got.Mutated {
		t.Fatalf("not mutated: %s", got.Reason)
	}
	if &got.Spec.Containers[0].Env[0] != &in.Containers[0].Env[0] {
		t.Errorf("the unchanged container's env was copied")
	}
	for _, c := range append(got.Spec.InitContainers, got.Spec.Containers...) {
		c.Env = append(c.Env, env("X", "x")...)
		c.VolumeMounts = append(c.VolumeMounts, snapshot.VolumeMount{Name: "x"})
		_ = c
	}
	_ = append(got.Spec.Volumes, snapshot.Volume{Name: "x"})
	// Nothing was written into the room past the input's lengths either.
	for _, c := range append(in.InitContainers, in.Containers...) {
		for _, e := range c.Env[len(c.Env):cap(c.Env)] {
			if e != (snapshot.EnvVar{}) {
				t.Errorf("container %s: %+v written past the input's env", c.Name, e)
			}
		}
	}
	for _, v := range in.Volumes[len(in.Volumes):cap(in.Volumes)] {
		if v.Name != "" {
			t.Errorf("volume %s written past the input's volumes", v.Name)
		}
	}
	if diff := cmp.Diff(want, in); diff != "" {
		t.Errorf("input spec changed (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(Mutate("payments", &snapshot.ObjectMeta{Name: "api", Namespace: "payments"}, in, roleSA(nil), Config{}), got); diff != "" {
		t.Errorf("MutateShared differs from Mutate (-Mutate +MutateShared):\n%s", diff)
	}
}

func copyMeta(t *testing.T, m *snapshot.ObjectMeta) *snapshot.ObjectMeta {
	t.Helper()
	var out snapshot.ObjectMeta
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatalf("marshal metadata: %v", err)
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("unmarshal metadata: %v", err)
	}
	return &out
}

func TestSkipContainers(t *testing.T) {
	tests := []struct {
		name    string
		value   *string
		want    map[string]bool
		wantErr string
	}{
		{name: "absent", want: map[string]bool{}},
		{name: "empty value", value: ptr(""), want: map[string]bool{}, wantErr: `parse eks.amazonaws.com/skip-containers "": EOF`},
		{name: "one", value: ptr("istio-proxy"), want: map[string]bool{"istio-proxy": true}},
		{name: "several, spaces kept", value: ptr("a, b ,c"), want: map[string]bool{"a": true, " b ": true, "c": true}},
		{name: "quoted comma", value: ptr(`"a,b",c`), want: map[string]bool{"a,b": true, "c": true}},
		{name: "only the first record", value: ptr("a\nb"), want: map[string]bool{"a": true}},
		{name: "bare quote", value: ptr(`a"b`), want: map[string]bool{}, wantErr: `parse eks.amazonaws.com/skip-containers "a\"b": parse error on line 1, column 2: bare " in non-quoted-field`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ann := map[string]string{}
			if tt.value != nil {
				ann[AnnotationSkipContainers] = *tt.value
			}
			got, err := SkipContainers(ann)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if gotErr != tt.wantErr {
				t.Errorf("error = %q, want %q", gotErr, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("SkipContainers() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// copySpec copies a pod spec deeply enough to keep what Mutate could
// change (containers' env and mounts, the volumes): the test compares the
// input with it after Mutate.
func copySpec(s *snapshot.PodSpec) *snapshot.PodSpec {
	out := *s
	out.InitContainers = copyContainers(s.InitContainers)
	out.Containers = copyContainers(s.Containers)
	out.EphemeralContainers = copyContainers(s.EphemeralContainers)
	out.Volumes = slices.Clone(s.Volumes)
	return &out
}

func copyContainers(cs []snapshot.Container) []snapshot.Container {
	if cs == nil {
		return nil
	}
	out := make([]snapshot.Container, len(cs))
	for i, c := range cs {
		c.Env = slices.Clip(slices.Clone(c.Env))
		c.VolumeMounts = slices.Clip(slices.Clone(c.VolumeMounts))
		out[i] = c
	}
	return out
}
