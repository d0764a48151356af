#!/usr/bin/env bash
# Evaluate with srun on a slurm partition (one task per GPU; CPU_ONLY=1 for CPU tasks).
#   [GPUS=8 GPUS_PER_NODE=8 CPUS_PER_TASK=5 CPU_ONLY=0 SRUN_ARGS=...] \
#   tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [tools/test.py args...]
set -euo pipefail
if [ $# -lt 4 ]; then
    echo "usage: $0 PARTITION JOB_NAME CONFIG CHECKPOINT [tools/test.py args...]" >&2
    exit 2
fi
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
CHECKPOINT=$4
TOOLS=$(cd "$(dirname "$0")" && pwd)
source "$TOOLS/slurm_env.sh"
# shellcheck disable=SC2086
exec srun -p "$PARTITION" --job-name="$JOB_NAME" $GRES --ntasks="$GPUS" \
    --ntasks-per-node="$GPUS_PER_NODE" --cpus-per-task="$CPUS_PER_TASK" \
    --kill-on-bad-exit=1 $SRUN_ARGS \
    "${PYTHON:-python}" -u "$TOOLS/test.py" "$CONFIG" "$CHECKPOINT" \
    --launcher slurm "${@:5}"
