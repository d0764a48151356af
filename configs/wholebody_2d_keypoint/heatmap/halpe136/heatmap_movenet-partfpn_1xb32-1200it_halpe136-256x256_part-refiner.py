# The whole-body Halpe-136 student with the part refiner (issue 31): the model index's
# `halpe136-student` and the demo's default. After the pose network and P-NMS, the face and
# hands of each kept person are cut from the image at the part nets' own resolution
# (face-api 68 on 112-px face crops, MediaPipe hand landmark on 224-px hand crops; boxes
# from the body keypoints) and their points replace the student's (WholeBodyPartRefiner,
# run by the pipeline's PartRefineStage; --no-part-refine switches it off). Faces and hands
# under 24 px keep the student's points (below that the face net loses to the student and
# few hands pass the hand net; the speed against the Halpe-26 student is measured in
# docs/wholebody.md). Same weights as the student:
#   python demo/topdown_demo.py IMAGE     # (the default model)
#   python demo/topdown_demo.py IMAGE --pose-config THIS_FILE \
#       --pose-checkpoint checkpoints/movenet-partfpn_heatmap_halpe136-distill-256x256.pth
# Measured in docs/wholebody.md ("Through the default pipeline").
_base_ = ['./heatmap_movenet-partfpn_1xb32-1200it_halpe136-256x256.py']

# num_threads=1: the part nets on one thread; with the pose stage's two threads their own
# default threads (onnxruntime's spinning pool, torch's) contended for the 2 cores
# (basketball, both at 2 threads, interleaved: 1.38x the Halpe-26 student against 1.26x
# with 1 thread; docs/wholebody.md)
# face_backend='onnxruntime': the face net exported once from the bundled weights into the
# ONNX cache (points within 0.03 px of torch's). hand_retry_min=0.05: the quarter-turn search
# only for hands whose presence along the forearm is >= 0.05; below it the crop shows no hand
# (noise / black crops give 0.002-0.008): in the first 30 arm-wrestling and 75 basketball
# frames 26 of the 64 gated hands were < 0.05 and no quarter turn lifted any of them to the
# 0.3 that accepts a hand (best 0.083), while the search did rescue hands from 0.067 and 0.129
# (basketball), so the written hands are those of the full search there. On hands21 (GT box,
# no forearm: orientation unknown) the full search stays what is measured (docs/wholebody.md).
part_refiner = dict(type='WholeBodyPartRefiner', min_face_size=24, min_hand_size=24,
                    face_backend='onnxruntime', hand_retry_min=0.05, num_threads=1)
# the flip test only for person boxes >= 192 px, as the Halpe-26 student (its config has the
# measurements): with the refiner the faces and hands >= 24 px come from the part nets, which
# do not use the student's flip (the student config without the refiner flips everybody: its
# own hands21 PCK -0.041 with 96 px). Through the pipeline, 2026-12-07 (docs/speed.md): HELEN
# photos face median NME / misses 0.043 / 4.5 % (photo size) and 0.051 / 7.6 % (50-px faces)
# flipping boxes >= 96 px, 0.0424 / 3.9 % and 0.0502 / 7.6 % flipping nobody; hands21 PCK of
# the hand stage 0.879 both
model = dict(test_cfg=dict(flip_test=True, flip_min_height=192))
