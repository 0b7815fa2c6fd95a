#!/usr/bin/env bash
# The alerting rules' gate in `make test`: promtool accepts them, their unit tests pass, and the Helm chart ships
# exactly the same groups as its PrometheusRule (helm/jitsudo/files/ is a copy; the chart cannot read outside itself).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=ops/lib/report.sh
. "$root/ops/lib/report.sh"

rules_are_valid() { promtool check rules "$here/jitsudo-rules.yaml"; }
rules_unit_tests_pass() { (cd "$here" && promtool test rules jitsudo-rules.test.yaml); }
chart_copy_is_identical() {
    cmp "$here/jitsudo-rules.yaml" "$root/helm/jitsudo/files/jitsudo-rules.yaml" \
        || { echo "helm/jitsudo/files/jitsudo-rules.yaml differs from ops/alerts/jitsudo-rules.yaml: copy it"; return 1; }
}
chart_copy_of_the_backup_script_is_identical() {
    cmp "$root/ops/backup.sh" "$root/helm/jitsudo/files/backup.sh" \
        || { echo "helm/jitsudo/files/backup.sh differs from ops/backup.sh: copy it"; return 1; }
}
chart_renders_the_rules_only_when_enabled() {
    local helm rendered
    helm=$("$root/scripts/ensure-helm.sh") || return 1
    rendered=$("$helm" template jitsudo "$root/helm/jitsudo" --namespace jitsudo --set prometheusRule.enabled=true \
        --set prometheusRule.labels.release=prometheus --show-only templates/prometheusrule.yaml) || return 1
    python3 -c '
import sys, yaml
rule = yaml.safe_load(sys.stdin)
want = yaml.safe_load(open(sys.argv[1]))
assert rule["apiVersion"] == "monitoring.coreos.com/v1" and rule["kind"] == "PrometheusRule", rule
assert rule["metadata"]["labels"]["release"] == "prometheus", rule["metadata"]
assert rule["spec"] == want, "the rendered spec differs from ops/alerts/jitsudo-rules.yaml"
' "$here/jitsudo-rules.yaml" <<<"$rendered" || return 1
    if "$helm" template jitsudo "$root/helm/jitsudo" | grep -q 'kind: PrometheusRule'; then
        echo "a PrometheusRule is rendered with prometheusRule.enabled unset (default false)"
        return 1
    fi
}

report_case promtoolCheckRules rules_are_valid
report_case promtoolTestRules rules_unit_tests_pass
report_case chartCopyOfTheRulesIsIdentical chart_copy_is_identical
report_case chartCopyOfTheBackupScriptIsIdentical chart_copy_of_the_backup_script_is_identical
report_case chartRendersThePrometheusRuleOnlyWhenEnabled chart_renders_the_rules_only_when_enabled
report_summary
