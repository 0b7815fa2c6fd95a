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

{{/*
jitsudod's service account name: serviceAccount.name, or jitsudod when the chart creates it; empty means the
namespace's default (then the JitsudoCluster names none).
*/}}
{{- define "jitsudo.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default "jitsudod" .Values.serviceAccount.name -}}
{{- else -}}
{{- .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
What the cloudIdentity presets add, as YAML of {annotations, labels, env, volumes, mounts}: the service-account
annotations, pod labels, environment and projected token volumes each cloud documents (docs/providers/*.md,
"With the Helm chart"). The values of jitsudod.* come first, the presets after them.
*/}}
{{- define "jitsudo.cloudIdentity" -}}
{{- $c := .Values.cloudIdentity -}}
{{- $annotations := deepCopy (.Values.serviceAccount.annotations | default dict) -}}
{{- $labels := deepCopy (.Values.jitsudod.podLabels | default dict) -}}
{{- $env := .Values.jitsudod.env | default list -}}
{{- $volumes := .Values.jitsudod.extraVolumes | default list -}}
{{- $mounts := .Values.jitsudod.extraVolumeMounts | default list -}}
{{- range $key, $_ := $labels -}}
{{- if has $key (list "app" "pod-template-hash") -}}
{{- fail (printf "jitsudod.podLabels.%s: the operator owns the label %s (app=jitsudod is what the Service and the runbooks select); remove it" $key $key) -}}
{{- end -}}
{{- end -}}
{{- range $key, $_ := .Values.jitsudod.podAnnotations -}}
{{- if or (hasPrefix "jitsudo.dev/" $key) (eq $key "kubectl.kubernetes.io/restartedAt") -}}
{{- fail (printf "jitsudod.podAnnotations: %s belongs to the operator (configuration checksum, certificate restarts); remove it" $key) -}}
{{- end -}}
{{- end -}}
{{- $needsAnnotations := list -}}
{{- if .Values.serviceAccount.annotations -}}
{{- $needsAnnotations = append $needsAnnotations "serviceAccount.annotations" -}}
{{- end -}}
{{- if and $c.aws.irsa.roleArn $c.aws.podIdentity.enabled -}}
{{- fail "cloudIdentity.aws: set either irsa.roleArn or podIdentity.enabled, not both (the credential chain would use IRSA only)" -}}
{{- end -}}
{{- with $c.aws.irsa.roleArn -}}
{{- if not (regexMatch "^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$" .) -}}
{{- fail (printf "cloudIdentity.aws.irsa.roleArn %q is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)" .) -}}
{{- end -}}
{{- $_ := set $annotations "eks.amazonaws.com/role-arn" . -}}
{{- $needsAnnotations = append $needsAnnotations "cloudIdentity.aws.irsa.roleArn" -}}
{{- $env = concat $env (list (dict "name" "AWS_ROLE_ARN" "value" .) (dict "name" "AWS_WEB_IDENTITY_TOKEN_FILE" "value" "/var/run/secrets/eks.amazonaws.com/serviceaccount/token")) -}}
{{- $volumes = append $volumes (dict "name" "aws-iam-token" "projected" (dict "sources" (list (dict "serviceAccountToken" (dict "audience" "sts.amazonaws.com" "expirationSeconds" 86400 "path" "token"))))) -}}
{{- $mounts = append $mounts (dict "name" "aws-iam-token" "mountPath" "/var/run/secrets/eks.amazonaws.com/serviceaccount" "readOnly" true) -}}
{{- end -}}
{{- if $c.aws.podIdentity.enabled -}}
{{- $env = concat $env (list (dict "name" "AWS_CONTAINER_CREDENTIALS_FULL_URI" "value" $c.aws.podIdentity.credentialsURI) (dict "name" "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE" "value" "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token")) -}}
{{- $volumes = append $volumes (dict "name" "eks-pod-identity-token" "projected" (dict "sources" (list (dict "serviceAccountToken" (dict "audience" "pods.eks.amazonaws.com" "expirationSeconds" 86400 "path" "eks-pod-identity-token"))))) -}}
{{- $mounts = append $mounts (dict "name" "eks-pod-identity-token" "mountPath" "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount" "readOnly" true) -}}
{{- end -}}
{{- with $c.gcp.workloadIdentity.serviceAccount -}}
{{- if not (regexMatch "^[a-z][-a-z0-9]{4,28}[a-z0-9]@[-a-z0-9.]+\\.gserviceaccount\\.com$" .) -}}
{{- fail (printf "cloudIdentity.gcp.workloadIdentity.serviceAccount %q is not a Google service account email (NAME@PROJECT.iam.gserviceaccount.com)" .) -}}
{{- end -}}
{{- $_ := set $annotations "iam.gke.io/gcp-service-account" . -}}
{{- $needsAnnotations = append $needsAnnotations "cloudIdentity.gcp.workloadIdentity.serviceAccount" -}}
{{- end -}}
{{- $azure := $c.azure.workloadIdentity -}}
{{- if $azure.tenantId -}}
{{- if not $azure.clientId -}}
{{- fail "cloudIdentity.azure.workloadIdentity.tenantId is set without clientId; set clientId (the managed identity's client id) too" -}}
{{- end -}}
{{- end -}}
{{- with $azure.clientId -}}
{{- $uuid := "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$" -}}
{{- if not (regexMatch $uuid .) -}}
{{- fail (printf "cloudIdentity.azure.workloadIdentity.clientId %q is not a client id (a UUID)" .) -}}
{{- end -}}
{{- $_ := set $annotations "azure.workload.identity/client-id" . -}}
{{- $_ := set $labels "azure.workload.identity/use" "true" -}}
{{- $needsAnnotations = append $needsAnnotations "cloudIdentity.azure.workloadIdentity.clientId" -}}
{{- $env = concat $env (list (dict "name" "JITSUDOD_PROVIDERS_AZURE_CLIENT_ID" "value" .) (dict "name" "JITSUDOD_PROVIDERS_AZURE_FEDERATED_TOKEN_FILE" "value" "/var/run/secrets/azure/tokens/azure-identity-token")) -}}
{{- with $azure.tenantId -}}
{{- if not (regexMatch $uuid .) -}}
{{- fail (printf "cloudIdentity.azure.workloadIdentity.tenantId %q is not a tenant id (a UUID)" .) -}}
{{- end -}}
{{- $_ := set $annotations "azure.workload.identity/tenant-id" . -}}
{{- $env = append $env (dict "name" "JITSUDOD_PROVIDERS_AZURE_TENANT_ID" "value" .) -}}
{{- end -}}
{{- end -}}
{{- if and $needsAnnotations (not .Values.serviceAccount.create) -}}
{{- fail (printf "%s: these annotate jitsudod's service account, which the chart only does when it creates it; set serviceAccount.create=true, or annotate your own service account (serviceAccount.name) by hand and leave these empty" (join ", " $needsAnnotations)) -}}
{{- end -}}
{{- $names := dict -}}
{{- range $env -}}
{{- if hasKey $names .name -}}
{{- fail (printf "the environment variable %s is set twice (jitsudod.env and a cloudIdentity preset); keep one" .name) -}}
{{- end -}}
{{- $_ := set $names .name true -}}
{{- end -}}
{{- toYaml (dict "annotations" $annotations "labels" $labels "env" $env "volumes" $volumes "mounts" $mounts) -}}
{{- end -}}
