#!/bin/sh
# Waits for a job of the Scale API to end: examples/wait-job.sh <server> <job id> [seconds, default 60]
# Exits 0 when the job COMPLETED, 1 when it FAILED or was CANCELED (its error is printed), 2 when
# it is still going after the wait. Needs curl and jq.
set -eu
server=$1 job=$2 wait=${3:-60}
while :; do
  status=$(curl -fsS "$server/scale/jobs/$job/" | jq -r .status)
  case $status in
    COMPLETED) exit 0 ;;
    FAILED|CANCELED)
      curl -fsS "$server/scale/jobs/$job/" | jq '{status, error, error_message}' >&2
      exit 1 ;;
  esac
  wait=$((wait - 1))
  [ "$wait" -gt 0 ] || { echo "job $job is still $status" >&2; exit 2; }
  sleep 1
done
