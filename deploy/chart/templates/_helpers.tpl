{{/* Labels every object carries; `component` names the part. */}}
{{- define "tiphys.labels" -}}
app.kubernetes.io/part-of: tiphys
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- if .component }}
app.kubernetes.io/component: {{ .component }}
{{- end }}
{{- end -}}

{{- define "tiphys.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* Cluster-scoped names carry the namespace: two installations must not share a ClusterRole. */}}
{{- define "tiphys.clusterName" -}}
tiphys-{{ .root.Release.Namespace }}-{{ .name }}
{{- end -}}

{{/* The Pod settings both Deployments share: non-root, read-only root, writable emptyDirs. */}}
{{- define "tiphys.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "tiphys.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end -}}

{{- define "tiphys.env" -}}
- name: TIPHYS_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: TIPHYS_CACHE_DIR
  value: /var/cache/tiphys
- name: HOME
  value: /home/tiphys
{{- if eq .Values.rbac.mode "namespaced" }}
- name: TIPHYS_MANAGED_NAMESPACES
  value: {{ include "tiphys.managedNamespaces" . | quote }}
{{- end }}
{{- with .Values.webhook.existingSecret }}
{{- range $provider := list "github" "gitlab" "gitea" }}
- name: TIPHYS_WEBHOOK_{{ upper $provider }}_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ $.Values.webhook.existingSecret }}
      key: {{ $provider }}
      optional: true
{{- end }}
{{- end }}
{{- end -}}

{{- define "tiphys.probes" -}}
livenessProbe:
  httpGet:
    path: /healthz
    port: http
    {{- if .https }}
    scheme: HTTPS
    {{- end }}
  initialDelaySeconds: 10
  periodSeconds: 20
  failureThreshold: 3
readinessProbe:
  httpGet:
    path: /healthz
    port: http
    {{- if .https }}
    scheme: HTTPS
    {{- end }}
  periodSeconds: 5
{{- end -}}

{{- define "tiphys.volumeMounts" -}}
- name: cache
  mountPath: /var/cache/tiphys
- name: home
  mountPath: /home/tiphys
- name: tmp
  mountPath: /tmp
{{- end -}}

{{- define "tiphys.volumes" -}}
- name: cache
  emptyDir: {}
- name: home
  emptyDir: {}
- name: tmp
  emptyDir: {}
{{- end -}}

{{/* Namespaced mode: the release namespace and rbac.deployNamespaces, each bound and watched. */}}
{{- define "tiphys.managedNamespaces" -}}
{{ prepend .Values.rbac.deployNamespaces .Release.Namespace | uniq | join "," }}
{{- end -}}
