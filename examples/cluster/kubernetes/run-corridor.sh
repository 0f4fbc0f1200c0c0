#!/usr/bin/env bash
# Shards, wait for all of them, then the merge (Kubernetes has no job dependencies of its own).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
kubectl apply -f "$here/corridor-job.yaml"
kubectl wait --for=condition=complete --timeout="${TIMEOUT:-24h}" job/permasar-corridor-shards
kubectl apply -f "$here/corridor-merge.yaml"
kubectl wait --for=condition=complete --timeout="${TIMEOUT:-24h}" job/permasar-corridor-merge
