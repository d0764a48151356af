#!/usr/bin/env bash
# Reproduce the bundled Halpe-26 student end to end (CPU):
#   1. teacher pseudo-labels (MoveNet Thunder body, BlazePose feet, derived
#      head/neck/pelvis; PoseTrack18 GT wins) -> data/distill/*.json
#   2. distillation training with mmengine's Runner (tools/train.py)
#   3. export the student (float16, weights only) to checkpoints/
#   4. evaluation -> work_dirs/distill_hm/eval.json
# Usage: bash tools/distill/run_all.sh [SHARED_DIR] [EPOCHS]
#   SHARED_DIR holds data/ (sample images/videos) and models/ (teacher ONNX files).
set -euo pipefail
cd "$(dirname "$0")/../.."
SHARED=${1:-../shared}
EPOCHS=${2:-60}
CFG=configs/distillation/fastpose-se18_heatmap_halpe26-distill-128x96.py
WORK=work_dirs/distill_hm
OUT=checkpoints/fastpose-se18_heatmap_halpe26-distill-128x96.pth
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}

python tools/distill/make_teacher_labels.py --shared "$SHARED" --out-dir data/distill
# 60 epochs, batch 32, Adam 1e-3, x0.1 at epochs 45 and 55 (the heatmap student;
# the SIKR student config is the first recipe, kept for comparison: checkpoints/README.md)
python tools/train.py "$CFG" --work-dir "$WORK" --cfg-options train_cfg.max_epochs="$EPOCHS"
python tools/distill/export_student.py "$WORK/epoch_${EPOCHS}.pth" "$OUT" --config "$CFG"
python benchmarks/distill_eval.py "$CFG" "$OUT" --teacher --models-dir "$SHARED/models" \
    --out "$WORK/eval.json"
