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
#       --pose-checkpoint checkpoints/movenet-partfpn_heatmap_halpe136-distill-256x192.pth
# Measured in docs/wholebody.md ("Through the default pipeline").
_base_ = ['./heatmap_movenet-partfpn_1xb32-1200it_halpe136-256x192.py']

# num_threads=1: the part nets on one thread; with the pose stage's two threads their own
# default threads (onnxruntime's spinning pool, torch's) contended for the 2 cores
# (basketball, both at 2 threads, interleaved: 1.38x the Halpe-26 student against 1.26x
# with 1 thread; docs/wholebody.md)
part_refiner = dict(type='WholeBodyPartRefiner', min_face_size=24, min_hand_size=24,
                    num_threads=1)
