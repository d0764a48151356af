# Sourced by tools/dist_*.sh: the torch.distributed.run settings and the CPU
# threads of each process.
#   NNODES (1), NODE_RANK (0), MASTER_ADDR (127.0.0.1), PORT (29500)
#   OMP_NUM_THREADS: when unset, this machine's cores / NPROC (torch.distributed.run
#   would set 1), so NPROC CPU processes share the cores instead of fighting for them.
case "$NPROC" in
    ''|*[!0-9]*|0) echo "$0: NPROC must be a positive number, got \"$NPROC\"" >&2; exit 2 ;;
esac
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
if [ -z "${OMP_NUM_THREADS:-}" ]; then
    CORES=$(nproc 2>/dev/null || echo 1)
    OMP_NUM_THREADS=$(( CORES / NPROC > 0 ? CORES / NPROC : 1 ))
    export OMP_NUM_THREADS
fi
