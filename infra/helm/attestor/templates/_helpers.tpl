{{/* The chart's name, overridable. */}}
{{- define "attestor.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release's resource name. */}}
{{- define "attestor.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "attestor.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "attestor.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "attestor.selectorLabels" -}}
app.kubernetes.io/name: {{ include "attestor.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "attestor.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "attestor.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* The service binds loopback only (no authentication yet): probe from inside the container. */}}
{{- define "attestor.loopback" -}}
{{- if or (eq .Values.config.host "127.0.0.1") (eq .Values.config.host "localhost") (eq .Values.config.host "::1") -}}true{{- end -}}
{{- end -}}

{{/* An exec probe that GETs one path on the loopback address with Node's fetch. */}}
{{- define "attestor.execProbe" -}}
exec:
  command:
    - node
    - -e
    - {{ printf "fetch('http://127.0.0.1:%v%s',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" .port .path | quote }}
{{- end -}}
