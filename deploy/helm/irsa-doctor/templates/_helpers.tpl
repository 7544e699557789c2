{{/* The name of the chart's objects: the release name, or release-chart. */}}
{{- define "irsa-doctor.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "irsa-doctor.serviceAccountName" -}}
{{- default (include "irsa-doctor.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{/* Labels that select the pods; never change them in an upgrade. */}}
{{- define "irsa-doctor.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "irsa-doctor.labels" -}}
{{ include "irsa-doctor.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "irsa-doctor.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end -}}

{{/* Both credentials on one ServiceAccount would leave which one the SDK uses to its chain's order. */}}
{{- define "irsa-doctor.validate" -}}
{{- if and .Values.serviceAccount.roleArn .Values.serviceAccount.podIdentity -}}
{{- fail "serviceAccount.roleArn (IRSA) and serviceAccount.podIdentity (EKS Pod Identity) are exclusive: set one" -}}
{{- end -}}
{{- if not (has .Values.logFormat (list "text" "json")) -}}
{{- fail (printf "logFormat %q: want text or json" .Values.logFormat) -}}
{{- end -}}
{{- if and (not .Values.leaderElection.enabled) (gt (int .Values.replicas) 1) -}}
{{- fail "leaderElection.enabled=false needs replicas: 1 (two replicas without a lease would both emit Events)" -}}
{{- end -}}
{{- end -}}
