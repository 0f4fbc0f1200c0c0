#!/usr/bin/env bash
# Runs a corridor on Slurm: one array task per shard (each runs its share of the work units: frames,
# and the inversion bands of frames given as interferograms), then one
# merge job that starts only when every shard succeeded (--dependency=afterok) and mosaics and runs
# the later stages. Every task shares OUT, so OUT must be on a file system all nodes see.
#
#   examples/cluster/slurm/submit.sh MANIFEST OUT [SHARDS]
#
# Environment: PERMASAR (the command, default "npx permasar"), DEVICE (gpu|cpu|auto, default auto),
# SBATCH_SHARD_ARGS / SBATCH_MERGE_ARGS (extra sbatch options, e.g. "--partition=gpu --gres=gpu:1").
# Prints the two job ids. Shards are numbered from 0: --array=0-(SHARDS-1), --shard I/SHARDS.
# A rerun skips the units already done (their inputs and options unchanged). SHARDS may exceed the
# number of frames when frames are split into inversion bands.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ $# -lt 2 ]; then echo "usage: $0 MANIFEST OUT [SHARDS]" >&2; exit 2; fi
MANIFEST="$(realpath "$1")"
OUT="$(realpath -m "$2")"
SHARDS="${3:-8}"
export MANIFEST OUT SHARDS PERMASAR="${PERMASAR:-npx permasar}" DEVICE="${DEVICE:-auto}"
mkdir -p "$OUT"
# shellcheck disable=SC2086
shards=$(sbatch --parsable --array="0-$((SHARDS - 1))" --export=ALL --output="$OUT/slurm-shard-%A_%a.out" ${SBATCH_SHARD_ARGS:-} "$here/shard.sbatch")
shards="${shards%%;*}"
# shellcheck disable=SC2086
merge=$(sbatch --parsable --dependency="afterok:$shards" --kill-on-invalid-dep=yes --export=ALL --output="$OUT/slurm-merge-%j.out" ${SBATCH_MERGE_ARGS:-} "$here/merge.sbatch")
echo "$shards ${merge%%;*}"
