#!/usr/bin/env bash
# The GPU path in one run (sized for under 5 minutes on a GPU machine; not yet run on one): the demo's
# frames/s on the three clips per pose backend (PyTorch fp16 autocast,
# onnxruntime CUDA provider, TensorRT provider where installed), the outputs'
# agreement with the CPU, and FastPose-R50 training iterations/s with AMP.
# See benchmarks/gpu_check.py for what each number is.
#
#   bash benchmarks/gpu_check.sh                       # --device cuda, writes gpu_check.json
#   bash benchmarks/gpu_check.sh --device cpu --frames 2 --clips basketball \
#       --train-iters 3 --train-warmup 1 --train-batch 2 \
#       --train-config configs/body_2d_keypoint/sikr/coco/sikr_fastpose-se-res18_1xb2-2e_coco-tiny-128x96.py
#                                                    # the CPU dry run
#
# GPU_CHECK_TIMEOUT (seconds, default 290) bounds the run; results printed
# so far stay on the screen. Needs onnxruntime-gpu for the CUDA/TensorRT
# providers (pip install onnxruntime-gpu in place of onnxruntime).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}
if [ -x .venv/bin/python ] && [ -z "${PYTHON:-}" ]; then PY=.venv/bin/python; fi
args=("$@")
case " $* " in *" --device "*) ;; *) args=(--device cuda "${args[@]}") ;; esac
case " $* " in *" --out "*) ;; *) args+=(--out gpu_check.json) ;; esac
exec timeout "${GPU_CHECK_TIMEOUT:-290}" "$PY" benchmarks/gpu_check.py "${args[@]}"
