#!/usr/bin/env bash
# Reproduce the bundled Halpe-26 student end to end (CPU):
#   1. teacher pseudo-labels (MoveNet Thunder body, BlazePose feet, derived
#      head/neck/pelvis; PoseTrack18 GT wins) -> data/distill/*.json
#   2. distillation training with mmengine's Runner (tools/train.py)
#   3. export the student (float16, weights only) to checkpoints/
#   4. evaluation -> work_dirs/distill_halpe26/eval.json
# Usage: bash tools/distill/run_all.sh [SHARED_DIR] [PHASE2_EPOCHS]
#   SHARED_DIR holds data/ (sample images/videos) and models/ (teacher ONNX files).
set -euo pipefail
cd "$(dirname "$0")/../.."
SHARED=${1:-../shared}
EPOCHS=${2:-14}  # phase-2 epochs
CFG=configs/distillation/fastpose-se18_sikr_halpe26-distill-96x72.py
WORK=work_dirs/distill_halpe26
OUT=checkpoints/fastpose-se18_sikr_halpe26-distill-96x72.pth
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}

python tools/distill/make_teacher_labels.py --shared "$SHARED" --out-dir data/distill
# phase 1: 16 epochs, Adam 1e-3, steps at 11 and 14
python tools/train.py "$CFG" --work-dir "$WORK"
# phase 2 (fine-tune from phase 1): EPOCHS more epochs, 1e-3 then 1e-4 for the last 2
python tools/train.py "$CFG" --work-dir "${WORK}_ft" --cfg-options \
    load_from="$WORK/epoch_16.pth" train_cfg.max_epochs="$EPOCHS" \
    param_scheduler.0.start_factor=1.0 param_scheduler.0.end=1 "param_scheduler.1.milestones=[$((EPOCHS - 2))]" \
    param_scheduler.1.end="$EPOCHS"
python tools/distill/export_student.py "${WORK}_ft/epoch_${EPOCHS}.pth" "$OUT" --config "$CFG"
python benchmarks/distill_eval.py "$CFG" "$OUT" --teacher --models-dir "$SHARED/models" \
    --out "$WORK/eval.json"
