# The whole-body Halpe-136 student with the part refiner (issue 31): after the pose
# network, each person's face and hands are cut from the image at the part nets' own
# resolution (face-api 68 on 112-px face crops, MediaPipe hand landmark on 224-px hand
# crops; boxes from the body keypoints) and their points replace the student's
# (WholeBodyPartRefiner, run by the pipeline's PartRefineStage before P-NMS;
# --no-part-refine switches it off). Same weights as the student:
#   python demo/topdown_demo.py IMAGE --pose-config THIS_FILE \
#       --pose-checkpoint checkpoints/movenet-partfpn_heatmap_halpe136-distill-256x192.pth
# Not the default: it misses the demo speed budget (docs/wholebody.md, "Part refiner").
_base_ = ['./heatmap_movenet-partfpn_1xb32-1200it_halpe136-256x192.py']

part_refiner = dict(type='WholeBodyPartRefiner')
