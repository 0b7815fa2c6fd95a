{{/* Labels every object of the chart carries. */}}
{{- define "jitsudo.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: jitsudo
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{/* The operator's selector labels (stable across upgrades). */}}
{{- define "jitsudo.operatorSelector" -}}
app.kubernetes.io/name: jitsudo-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* image reference: repository:tag, the tag defaulting to the chart's appVersion. */}}
{{- define "jitsudo.image" -}}
{{- printf "%s:%s" .image.repository (default .appVersion .image.tag) -}}
{{- end -}}

{{/* The certificate's DNS names: the Service's in-cluster names, then the extra ones from values. */}}
{{- define "jitsudo.dnsNames" -}}
{{- $ns := .Release.Namespace -}}
{{- $names := list "jitsudod" (printf "jitsudod.%s" $ns) (printf "jitsudod.%s.svc" $ns) (printf "jitsudod.%s.svc.cluster.local" $ns) -}}
{{- range .Values.tls.dnsNames }}{{ if not (has . $names) }}{{ $names = append $names . }}{{ end }}{{ end -}}
{{- toYaml $names -}}
{{- end -}}
