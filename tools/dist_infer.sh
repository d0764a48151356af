#!/usr/bin/env bash
# Sharded, resumable pose inference on NPROC processes of this machine: one
# per GPU, or NPROC CPU processes sharing the cores.
#   tools/dist_infer.sh NPROC INPUTS... --out-dir D [tools/infer.py / demo options]
# Several machines: run it on each with NNODES, NODE_RANK, MASTER_ADDR, PORT set.
# PYTHON (default: python) must have torch and mmalphapose; torchrun is not needed.
set -euo pipefail
if [ $# -lt 2 ]; then
    echo "usage: $0 NPROC INPUTS... --out-dir D [options]" >&2
    exit 2
fi
NPROC=$1
TOOLS=$(cd "$(dirname "$0")" && pwd)
source "$TOOLS/dist_env.sh"
PYTHONPATH="$TOOLS/..${PYTHONPATH:+:$PYTHONPATH}" exec "${PYTHON:-python}" -m torch.distributed.run \
    --nnodes="$NNODES" --node_rank="$NODE_RANK" --master_addr="$MASTER_ADDR" \
    --master_port="$PORT" --nproc_per_node="$NPROC" \
    "$TOOLS/infer.py" "${@:2}" --launcher pytorch
