#!/bin/sh
# Waits for a recipe of the Scale API to complete: examples/wait-recipe.sh <server> <recipe id> [seconds, default 60]
# Exits 0 when every job of it completed (or was skipped), 1 when one failed or it was canceled (its
# jobs are printed), 2 when it is still going after the wait. Needs curl and jq.
set -eu
server=$1 recipe=$2 wait=${3:-60}
while :; do
  state=$(curl -fsS "$server/scale/recipes/$recipe/" | jq -r 'if .is_completed then "completed" elif .is_canceled or .jobs_failed > 0 then "failed" else "running" end')
  case $state in
    completed) exit 0 ;;
    failed)
      curl -fsS "$server/scale/recipes/$recipe/" | jq '[.jobs[] | {job_name, status: .job.status, error_message: .job.error_message}]' >&2
      exit 1 ;;
  esac
  wait=$((wait - 1))
  [ "$wait" -gt 0 ] || { echo "recipe $recipe is still running" >&2; exit 2; }
  sleep 1
done
