{{/*
Names and labels shared by every template.
*/}}

{{/* The chart's name, or nameOverride. */}}
{{- define "driftdb.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The release's resources are named after the release, with the chart's name added unless the
release name already holds it. 63 characters at most (DNS labels); the headless Service adds
"-headless" and pods add "-N", so keep release names short.
*/}}
{{- define "driftdb.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "driftdb.headless" -}}
{{- printf "%s-headless" (include "driftdb.fullname" .) }}
{{- end }}

{{- define "driftdb.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that select the release's server pods; never change them (StatefulSet selectors are immutable). */}}
{{- define "driftdb.selectorLabels" -}}
app.kubernetes.io/name: {{ include "driftdb.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "driftdb.labels" -}}
helm.sh/chart: {{ include "driftdb.chart" . }}
{{ include "driftdb.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: driftdb
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "driftdb.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{- define "driftdb.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "driftdb.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Where the bootstrap superuser's password file is mounted. */}}
{{- define "driftdb.passwordFile" -}}
{{- printf "/etc/driftdb/auth/%s" .Values.auth.passwordKey }}
{{- end }}

{{/*
The cluster's members as the server's --cluster-peers takes them: node id (the pod ordinal)
= the pod's stable name in the headless Service : the inter-node port.
*/}}
{{- define "driftdb.clusterPeers" -}}
{{- $fullname := include "driftdb.fullname" . }}
{{- $headless := include "driftdb.headless" . }}
{{- $peers := list }}
{{- range $i := until (int .Values.replicaCount) }}
{{- $peers = append $peers (printf "%d=%s-%d.%s.%s.svc.%s:%d" $i $fullname $i $headless $.Release.Namespace $.Values.clusterDomain (int $.Values.cluster.port)) }}
{{- end }}
{{- join "," $peers }}
{{- end }}

{{/* The client Service's address inside the cluster. */}}
{{- define "driftdb.serviceHost" -}}
{{- printf "%s.%s.svc.%s" (include "driftdb.fullname" .) .Release.Namespace .Values.clusterDomain }}
{{- end }}

{{/* The PostgreSQL connection string for clients in the cluster, without a password. */}}
{{- define "driftdb.postgresUrl" -}}
{{- $sslmode := ternary "require" "disable" .Values.tls.enabled }}
{{- printf "postgres://driftdb@%s:%d/driftdb?sslmode=%s" (include "driftdb.serviceHost" .) (int .Values.ports.postgres) $sslmode }}
{{- end }}
