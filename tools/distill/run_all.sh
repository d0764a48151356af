#!/usr/bin/env bash
# Reproduce the bundled distilled students end to end on the CPU:
#   1. teacher pseudo-labels -> data/distill/*.json (MoveNet Thunder body, BlazePose
#      feet, derived head/neck/pelvis, MediaPipe hand landmark + face mesh for the
#      whole body; PoseTrack18 GT wins)
#   2. the Halpe-26 student: mmengine Runner (tools/train.py), ~15 min on 2 cores (MoveNet's
#      own body and offsets, 9 new output rows learn: head / neck / pelvis and the feet)
#   (steps 3-5 were run from the Halpe-26 student of before 2026-12-07, whose FPN was
#   fine-tuned and had no offsets: checkpoints/movenet-fpn_heatmap_halpe26-distill-256x256.pth
#   of commit 4ce6135; the bundled whole-body student's part path comes from them, its body
#   path was then swapped for the new Halpe-26 student with merge_part_path.py)
#   3. the Halpe-136 student, warm-started from the Halpe-26 one, ~20 min (the bundled
#      file is the iteration-500 checkpoint of this 1000-iteration run, see its card)
#   4. the single-path whole-body Halpe-136 student of the halpe136-teachers ensemble
#      (issue 16): tools/distill/make_wholebody_labels.py over people_photos, HELEN train
#      faces and the clip labels (research-only data: the labels stay in
#      work_dirs/distill_wb136/labels), then stage 1 (MobileNetV2 frozen, warm-started from
#      step 3's student, ~20 min) and stage 2 run twice (MobileNetV2 stages 4-7 trainable,
#      ~26 min each)
#   5. the bundled halpe136-student (partpath136): the Halpe-26 student as the frozen body
#      path + step 4's upper network as the part path (tools/distill/merge_part_path.py),
#      the part path trained on the same labels twice (~25 min each): with 3 shared
#      MobileNetV2 stages, then re-cut to 5 shared stages
#   6. export the students (float16, weights only) into $OUT_DIR and evaluate them
# Training runs the distiller configs (configs/distillation/); they wrap the plain
# student configs, which the exported checkpoints belong to. Nothing is written over the
# bundled checkpoints/: copy a result there yourself once it has been evaluated.
# Usage: bash tools/distill/run_all.sh SHARED_DIR [STAGE...]
#   SHARED_DIR holds data/ (sample images/videos, people_photos, faces68, ...) and models/
#   (teacher ONNX files);
#   STAGE is any of labels, halpe26, halpe136, wholebody136, partpath136, eval (default: all);
#   OUT_DIR (environment, default work_dirs/release) receives the exported students.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ $# -lt 1 ]; then
  echo "usage: bash tools/distill/run_all.sh SHARED_DIR [STAGE...]" >&2
  exit 2
fi
SHARED=$1
shift
STAGES=${*:-labels halpe26 halpe136 wholebody136 partpath136 eval}
PY=${PY:-python}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
# distiller configs (training) and the plain student configs they wrap (export, eval,
# inference)
CFG26=configs/distillation/movenet-fpn_heatmap_halpe26-distill-256x256.py
CFG136=configs/distillation/movenet-fpn_heatmap_halpe136-distill-256x192.py
CFGWB=configs/distillation/movenet-fpn_heatmap_halpe136-wholebody-distill-256x192.py
CFGWB2=configs/distillation/movenet-fpn_heatmap_halpe136-wholebody-distill-finetune-256x192.py
CFGPP=configs/distillation/movenet-partfpn_heatmap_halpe136-wholebody-distill-256x192.py
STUDENT26=configs/body_2d_keypoint/heatmap/halpe26/heatmap_movenet-fpn_1xb32-300it_halpe26-256x256.py
STUDENT136=configs/wholebody_2d_keypoint/heatmap/halpe136/heatmap_movenet-fpn_1xb32-1000it_halpe136-256x192.py
STUDENTPP=configs/wholebody_2d_keypoint/heatmap/halpe136/heatmap_movenet-partfpn_1xb32-1200it_halpe136-256x256.py
OUT_DIR=${OUT_DIR:-work_dirs/release}
mkdir -p "$OUT_DIR"
OUT26=$OUT_DIR/movenet-fpn_heatmap_halpe26-distill-256x256.pth
OUT136=$OUT_DIR/movenet-fpn_heatmap_halpe136-clips-distill-256x192.pth
OUTWB=$OUT_DIR/movenet-fpn_heatmap_halpe136-wholebody-distill-256x192.pth
OUTPP=$OUT_DIR/movenet-partfpn_heatmap_halpe136-distill-256x256.pth
# the body path of the part-path student: the Halpe-26 student of the halpe26 stage when
# it ran, else the bundled one (the published run used the bundled file)
BODY26=$OUT26
[ -f "$BODY26" ] || BODY26=checkpoints/movenet-fpn_heatmap_halpe26-distill-256x256.pth

has() { [[ " $STAGES " == *" $1 "* ]]; }

if has labels; then
  $PY tools/distill/make_teacher_labels.py --shared "$SHARED" --out-dir data/distill \
      --det-thr 0.25 --wholebody
fi
if has halpe26; then
  $PY tools/train.py "$CFG26" --work-dir work_dirs/distill_mn26
  $PY tools/distill/export_student.py work_dirs/distill_mn26/iter_300.pth "$OUT26" \
      --config "$STUDENT26"
fi
if has halpe136; then
  $PY tools/train.py "$CFG136" --work-dir work_dirs/distill_mn136
  $PY tools/distill/export_student.py work_dirs/distill_mn136/iter_1000.pth "$OUT136" \
      --config "$STUDENT136" --num-keypoints 136 --dataset-name halpe136 \
      --metainfo configs/_base_/datasets/halpe136.py
fi
if has wholebody136; then
  $PY tools/distill/make_wholebody_labels.py "$SHARED/data" --out-dir work_dirs/distill_wb136/labels \
      --clip-labels data/distill/halpe136_train.json --threads 1
  $PY tools/train.py "$CFGWB" --work-dir work_dirs/distill_wb136/train \
      --cfg-options load_from="$OUT136"
  # stage 2, run twice (each run a fresh warm-up + cosine from the end of the one before)
  $PY tools/train.py "$CFGWB2" --work-dir work_dirs/distill_wb136/train2 \
      --cfg-options load_from=work_dirs/distill_wb136/train/iter_1200.pth
  $PY tools/train.py "$CFGWB2" --work-dir work_dirs/distill_wb136/train3 \
      --cfg-options load_from=work_dirs/distill_wb136/train2/iter_1200.pth
  $PY tools/distill/export_student.py work_dirs/distill_wb136/train3/iter_1200.pth "$OUTWB" \
      --config "$STUDENT136" --num-keypoints 136 --dataset-name halpe136 \
      --metainfo configs/_base_/datasets/halpe136.py
fi
if has partpath136; then
  # run 1: part path = MobileNetV2 stages 4-7 + FPN + branch (3 shared stages), from the
  # single-path student; run 2: re-cut to 5 shared stages (the bundled network, cheaper),
  # from the end of run 1
  $PY tools/distill/merge_part_path.py "$BODY26" "$OUTWB" "$OUT_DIR/partpath-init-s3.pth" \
      --shared-stages 3
  $PY tools/train.py "$CFGPP" --work-dir work_dirs/distill_pp136/s3 \
      --cfg-options load_from="$OUT_DIR/partpath-init-s3.pth" model.student.backbone.shared_stages=3
  $PY tools/distill/merge_part_path.py "$BODY26" work_dirs/distill_pp136/s3/iter_1200.pth \
      "$OUT_DIR/movenet-partfpn_heatmap_halpe136-init.pth" --shared-stages 5
  $PY tools/train.py "$CFGPP" --work-dir work_dirs/distill_pp136/s5 \
      --cfg-options load_from="$OUT_DIR/movenet-partfpn_heatmap_halpe136-init.pth"
  $PY tools/distill/export_student.py work_dirs/distill_pp136/s5/iter_1200.pth "$OUTPP" \
      --config "$STUDENTPP" --num-keypoints 136 --dataset-name halpe136 \
      --metainfo configs/_base_/datasets/halpe136.py
fi
if has eval; then
  $PY benchmarks/distill_eval.py "$STUDENT26" "$OUT26" --teacher --models-dir "$SHARED/models" \
      --out work_dirs/distill_mn26/eval.json
  $PY benchmarks/distill_eval.py "$STUDENT136" "$OUT136" \
      --clip-json data/distill/halpe136_heldout_clip.json --out work_dirs/distill_mn136/eval.json
  # face NME (HELEN test), hands21 PCK, whole-body AP; the Halpe-26 student as the body
  # reference (coco_mini_train body AP, speed)
  $PY benchmarks/wholebody_eval.py "$SHARED/data" --threads 1 --skip-teacher \
      --student-checkpoint "$OUTPP" --out work_dirs/distill_pp136/wholebody.json
fi
