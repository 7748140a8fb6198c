{{- define "gridlake.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "gridlake.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "gridlake.labels" -}}
app.kubernetes.io/name: {{ include "gridlake.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "gridlake.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gridlake.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: controller
{{- end -}}

{{- define "gridlake.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "gridlake.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "gridlake.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{/* The labels controllers/workload-plan.ts puts on the collectors and sinks it makes. */}}
{{- define "gridlake.workerSelector" -}}
matchLabels:
  app.kubernetes.io/name: gridlake
  app.kubernetes.io/managed-by: gridlake-controller
matchExpressions:
  - { key: app.kubernetes.io/component, operator: In, values: [collector, sink] }
{{- end -}}
