{{- define "gridlake-agent.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "gridlake-agent.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
gridlake.io/site: {{ .Values.site | quote }}
{{- end -}}

{{- define "gridlake-agent.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: agent
{{- end -}}

{{/* The rules between values that values.schema.json cannot say with a readable message. */}}
{{- define "gridlake-agent.validate" -}}
{{- $b := .Values.bootstrap -}}
{{- $given := 0 -}}
{{- range (list $b.existingSecret $b.kubeconfig $b.token) }}{{ if . }}{{ $given = add1 $given }}{{ end }}{{ end -}}
{{- if ne $given 1 -}}
{{- fail "bootstrap: give exactly one of bootstrap.existingSecret, bootstrap.kubeconfig or bootstrap.token" -}}
{{- end -}}
{{- if and $b.token (or (not .Values.hub.apiServer) (not .Values.hub.caCert)) -}}
{{- fail "bootstrap.token needs hub.apiServer and hub.caCert: the chart writes the bootstrap kubeconfig from them" -}}
{{- end -}}
{{- $k := .Values.kafka -}}
{{- if and $k.existingSecret (or $k.caCert $k.username $k.password) -}}
{{- fail "kafka: give either kafka.existingSecret or kafka.caCert, kafka.username and kafka.password, not both" -}}
{{- end -}}
{{- if and (not $k.existingSecret) (or (not $k.caCert) (not $k.username) (not $k.password)) -}}
{{- fail "kafka: give kafka.existingSecret (keys ca.crt, username, password) or all of kafka.caCert, kafka.username and kafka.password" -}}
{{- end -}}
{{- end -}}

{{- define "gridlake-agent.bootstrapSecret" -}}
{{- .Values.bootstrap.existingSecret | default (printf "%s-bootstrap" (include "gridlake-agent.fullname" .)) -}}
{{- end -}}

{{- define "gridlake-agent.kafkaSecret" -}}
{{- .Values.kafka.existingSecret | default (printf "%s-kafka" (include "gridlake-agent.fullname" .)) -}}
{{- end -}}

{{- define "gridlake-agent.claim" -}}
{{- .Values.spool.existingClaim | default (printf "%s-spool" (include "gridlake-agent.fullname" .)) -}}
{{- end -}}
