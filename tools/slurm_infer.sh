#!/usr/bin/env bash
# Sharded, resumable pose inference with srun (one task per GPU; CPU_ONLY=1 for
# CPU tasks). Re-submit the same command after a pre-emption: complete inputs
# are skipped.
#   [GPUS=8 GPUS_PER_NODE=8 CPUS_PER_TASK=5 CPU_ONLY=0 SRUN_ARGS=...] \
#   tools/slurm_infer.sh PARTITION JOB_NAME INPUTS... --out-dir D [options]
set -euo pipefail
if [ $# -lt 3 ]; then
    echo "usage: $0 PARTITION JOB_NAME INPUTS... --out-dir D [options]" >&2
    exit 2
fi
PARTITION=$1
JOB_NAME=$2
TOOLS=$(cd "$(dirname "$0")" && pwd)
source "$TOOLS/slurm_env.sh"
# shellcheck disable=SC2086
exec srun -p "$PARTITION" --job-name="$JOB_NAME" $GRES --ntasks="$GPUS" \
    --ntasks-per-node="$GPUS_PER_NODE" --cpus-per-task="$CPUS_PER_TASK" \
    --kill-on-bad-exit=1 $SRUN_ARGS \
    "${PYTHON:-python}" -u "$TOOLS/infer.py" "${@:3}" --launcher slurm
