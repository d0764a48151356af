# Sourced by tools/slurm_*.sh: the srun resources, as OpenMMLab's slurm scripts.
#   GPUS (8): processes (tasks) in all; GPUS_PER_NODE (min(GPUS, 8)): tasks per node
#   and the GPUs each node asks for (--gres=gpu:N); CPU_ONLY=1: no --gres, CPU tasks
#   (gloo); CPUS_PER_TASK (5); SRUN_ARGS: more srun options; PYTHON (python).
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-$(( GPUS < 8 ? GPUS : 8 ))}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-}
GRES="--gres=gpu:${GPUS_PER_NODE}"
if [ "${CPU_ONLY:-0}" = "1" ]; then
    GRES=""
    export OMP_NUM_THREADS=${OMP_NUM_THREADS:-$CPUS_PER_TASK}
fi
export PYTHONPATH="$TOOLS/..${PYTHONPATH:+:$PYTHONPATH}"
