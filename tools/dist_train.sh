#!/usr/bin/env bash
# Train on NPROC processes of this machine: one per GPU (NCCL), or NPROC CPU
# processes (gloo) on a machine without CUDA.
#   tools/dist_train.sh CONFIG NPROC [tools/train.py args...]
# Several machines: run it on each with NNODES, NODE_RANK, MASTER_ADDR, PORT set.
# PYTHON (default: python) must have torch and mmalphapose; torchrun is not needed.
set -euo pipefail
if [ $# -lt 2 ]; then
    echo "usage: $0 CONFIG NPROC [tools/train.py args...]" >&2
    exit 2
fi
CONFIG=$1
NPROC=$2
TOOLS=$(cd "$(dirname "$0")" && pwd)
source "$TOOLS/dist_env.sh"
PYTHONPATH="$TOOLS/..${PYTHONPATH:+:$PYTHONPATH}" exec "${PYTHON:-python}" -m torch.distributed.run \
    --nnodes="$NNODES" --node_rank="$NODE_RANK" --master_addr="$MASTER_ADDR" \
    --master_port="$PORT" --nproc_per_node="$NPROC" \
    "$TOOLS/train.py" "$CONFIG" --launcher pytorch "${@:3}"
