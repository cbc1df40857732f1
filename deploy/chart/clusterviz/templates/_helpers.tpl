{{/* The release's name for its objects: <release>-clusterviz, or <release> when it already says clusterviz. */}}
{{- define "clusterviz.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "clusterviz.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* selector labels of one component: include "clusterviz.selector" (list . "web") */}}
{{- define "clusterviz.selector" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ $root.Chart.Name }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "clusterviz.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "clusterviz.secretName" -}}
{{- .Values.existingSecret | default (include "clusterviz.fullname" .) -}}
{{- end -}}

{{- define "clusterviz.serviceAccountName" -}}
{{- printf "%s-watcher" (include "clusterviz.fullname" .) -}}
{{- end -}}

{{/* A generated secret value that survives upgrades: the one in the release's Secret if it exists. */}}
{{- define "clusterviz.keep" -}}
{{- $root := index . 0 -}}{{- $key := index . 1 -}}
{{- $existing := lookup "v1" "Secret" $root.Release.Namespace (include "clusterviz.fullname" $root) -}}
{{- if and $existing (hasKey $existing.data $key) -}}
{{- index $existing.data $key | b64dec -}}
{{- else -}}
{{- randAlphaNum 64 -}}
{{- end -}}
{{- end -}}

{{/* The environment shared by the web, watcher and migration containers. */}}
{{- define "clusterviz.env" -}}
- name: DJANGO_SETTINGS_MODULE
  value: dashboard.settings_production
- name: SECRET_KEY
  valueFrom: {secretKeyRef: {name: {{ include "clusterviz.secretName" . }}, key: secret-key}}
- name: ALLOWED_HOSTS
  value: {{ join "," .Values.hosts | quote }}
- name: CSRF_TRUSTED_ORIGINS
  value: {{ join "," .Values.csrfTrustedOrigins | quote }}
- name: SECURE_SSL_REDIRECT
  value: {{ ternary "1" "0" .Values.sslRedirect | quote }}
- name: CLUSTERVIZ_ANONYMOUS_READ
  value: {{ ternary "1" "0" .Values.anonymousRead | quote }}
- name: LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: CLUSTERVIZ_WATCHER
  value: external
- name: CLUSTERVIZ_IN_CLUSTER
  value: "1"
- name: CLUSTERVIZ_IN_CLUSTER_NAME
  value: {{ .Values.clusterName | quote }}
- name: CLUSTERVIZ_FAKE_ENABLED
  value: "0"
- name: CLUSTERVIZ_HISTORY
  value: {{ ternary "1" "0" .Values.history.enabled | quote }}
- name: CLUSTERVIZ_RETENTION_HOURS
  value: {{ .Values.history.retentionHours | quote }}
- name: CLUSTERVIZ_RETENTION_MB
  value: {{ .Values.history.retentionMB | quote }}
- name: CLUSTERVIZ_IMPORT_MAX_MB
  value: {{ .Values.importMaxMB | quote }}
{{- if .Values.redis.enabled }}
- name: REDIS_URL
  value: {{ printf "redis://%s-redis:6379/0" (include "clusterviz.fullname" .) | quote }}
{{- else if .Values.externalRedis.existingSecret }}
- name: REDIS_URL
  valueFrom: {secretKeyRef: {name: {{ .Values.externalRedis.existingSecret }}, key: {{ .Values.externalRedis.existingSecretKey }}}}
{{- else }}
- name: REDIS_URL
  value: {{ required "externalRedis.url is required when redis.enabled is false" .Values.externalRedis.url | quote }}
{{- end }}
{{- if .Values.postgresql.enabled }}
- name: POSTGRES_HOST
  value: {{ printf "%s-postgresql" (include "clusterviz.fullname" .) }}
- name: POSTGRES_PORT
  value: "5432"
- name: POSTGRES_DB
  value: {{ .Values.postgresql.database | quote }}
- name: POSTGRES_USER
  value: {{ .Values.postgresql.username | quote }}
- name: POSTGRES_PASSWORD
  valueFrom: {secretKeyRef: {name: {{ include "clusterviz.fullname" . }}, key: postgres-password}}
{{- else }}
- name: POSTGRES_HOST
  value: {{ required "externalDatabase.host is required when postgresql.enabled is false" .Values.externalDatabase.host | quote }}
- name: POSTGRES_PORT
  value: {{ .Values.externalDatabase.port | quote }}
- name: POSTGRES_DB
  value: {{ .Values.externalDatabase.database | quote }}
- name: POSTGRES_USER
  value: {{ .Values.externalDatabase.username | quote }}
- name: POSTGRES_PASSWORD
  {{- if .Values.externalDatabase.existingSecret }}
  valueFrom: {secretKeyRef: {name: {{ .Values.externalDatabase.existingSecret }}, key: {{ .Values.externalDatabase.existingSecretKey }}}}
  {{- else }}
  valueFrom: {secretKeyRef: {name: {{ include "clusterviz.fullname" . }}, key: postgres-password}}
  {{- end }}
{{- end }}
{{- end -}}

{{/* Waits until the migrations Job has migrated the database (`migrate --check` fails while any is unapplied). */}}
{{- define "clusterviz.waitForMigrations" -}}
- name: wait-for-migrations
  image: {{ include "clusterviz.image" . }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  command: [/bin/sh, -c, "until python manage.py migrate --check --no-input -v 0; do echo waiting for the migrations Job; sleep 3; done"]
  env:
    {{- include "clusterviz.env" . | nindent 4 }}
  resources:
    {{- toYaml .Values.migrations.resources | nindent 4 }}
  securityContext:
    {{- toYaml .Values.securityContext | nindent 4 }}
  volumeMounts:
    - {name: tmp, mountPath: /tmp}
{{- end -}}

{{/* NetworkPolicy egress rules: DNS, and the database and Redis (bundled: their pods; external: their ports). */}}
{{- define "clusterviz.np.dns" -}}
- ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
{{- end -}}
{{- define "clusterviz.np.stores" -}}
{{- if .Values.postgresql.enabled }}
- to: [{podSelector: {matchLabels: {{ include "clusterviz.selector" (list . "postgresql") | fromYaml | toJson }}}}]
  ports: [{port: 5432, protocol: TCP}]
{{- else }}
- ports: [{port: {{ .Values.externalDatabase.port }}, protocol: TCP}]
{{- end }}
{{- if .Values.redis.enabled }}
- to: [{podSelector: {matchLabels: {{ include "clusterviz.selector" (list . "redis") | fromYaml | toJson }}}}]
  ports: [{port: 6379, protocol: TCP}]
{{- else }}
- ports: [{port: {{ .Values.networkPolicy.externalRedisPort | default 6379 }}, protocol: TCP}]
{{- end }}
{{- end -}}

{{/* The watcher's liveness: its alive file was touched within the last 30 seconds. */}}
{{- define "clusterviz.aliveCheck" -}}
import os, sys, time; sys.exit(time.time() - os.stat('/tmp/alive').st_mtime > 30)
{{- end -}}
