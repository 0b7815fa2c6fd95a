#!/usr/bin/env bash
# A backup of jitsudo's database as runbook 3 expects it: `pg_dump | gzip` into DIR/backup-YYYY-MM-DD.sql.gz (UTC day),
# keeping the newest N. For installs without Kubernetes (cron/systemd timer); the Helm chart's CronJob `jitsudo-backup`
# runs this same script (a copy in helm/jitsudo/files/, kept identical by ops/alerts/check.sh).
#
#   DATABASE_URL=postgres://owner@host:5432/jitsudo ops/backup.sh DIR
#   BACKUP_RETENTION   how many daily files to keep (default 7)
#   BACKUP_DAY         the day in the file name (default: today, UTC)
#
# The URL's role must read every table and sequence (the database owner; jitsudo_app may not read sequences). The dump
# is plain SQL of the one database without owners (`--no-owner`) — what a JitsudoRestore and runbook 3's
# `gunzip -c … | psql -U postgres jitsudo_restore` load. Written to a temporary name, checked with `gzip -t`, then
# renamed: a failed run leaves no file that looks like a backup, and exits non-zero (the Job fails: an Event, the alert).
set -euo pipefail
dir=${1:?usage: backup.sh DIR (DATABASE_URL, BACKUP_RETENTION, BACKUP_DAY from the environment)}
: "${DATABASE_URL:?DATABASE_URL is required: the database to back up}"
retention=${BACKUP_RETENTION:-7}
[[ "$retention" =~ ^[1-9][0-9]*$ ]] || { echo "backup: BACKUP_RETENTION must be a positive integer, got '$retention'" >&2; exit 2; }
day=${BACKUP_DAY:-$(date -u +%F)}
[[ "$day" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || { echo "backup: BACKUP_DAY must be YYYY-MM-DD, got '$day'" >&2; exit 2; }
if [ ! -d "$dir" ] || [ ! -w "$dir" ]; then echo "backup: $dir is not a writable directory" >&2; exit 1; fi
file=$dir/backup-$day.sql.gz
partial=$dir/.backup-$day.sql.gz.partial
trap 'rm -f "$partial"' EXIT
pg_dump --no-owner --dbname="$DATABASE_URL" | gzip >"$partial"
gzip -t "$partial"
mv -f "$partial" "$file"
removed=0
while IFS= read -r old; do
    rm -f "$old"
    removed=$((removed + 1))
done < <(find "$dir" -maxdepth 1 -name 'backup-[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9].sql.gz' | sort -r | tail -n +$((retention + 1)))
echo "backup: wrote $file ($(wc -c <"$file") bytes); removed $removed older than the newest $retention"
