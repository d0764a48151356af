# FastPose SE-ResNet-50 + SIKR on COCO, trained on PGPG proposals
# (Part-Guided Proposal Generation) instead of GT boxes.
#
# The PGPG statistics (atomic poses and per-atom detector-box offset
# Gaussians) come from tools/analysis_tools/fit_pgpg.py. The committed file is
# fitted on the 4-image test sample only; for a real run refit it on the
# training set and the detector you will test with, e.g.
#   python tools/analysis_tools/fit_pgpg.py \
#       data/coco/annotations/person_keypoints_train2017.json \
#       --det <detections on train2017>.json --k 8 \
#       --out configs/_base_/pgpg/coco_train2017_k8.json
# and point `pgpg_file` below to it. pgpg_file=None falls back to AlphaPose's
# addDPG box jitter.
_base_ = ['./sikr_fastpose-se-res50_8xb32-270e_coco-256x192.py']

pgpg_file = 'configs/_base_/pgpg/coco_sample_det_k3.json'
train_pipeline = [
    dict(type='LoadImage'),
    # AlphaPose trains on jittered boxes in its last phase only; here half of
    # the samples use a sampled proposal for the whole schedule.
    dict(type='PartGuidedProposal', pgpg_file=pgpg_file, prob=0.5),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomHalfBody', prob=0.3),
    dict(
        type='RandomBBoxTransform',
        shift_prob=0.,
        scale_factor=(0.65, 1.35),
        rotate_factor=45,
        rotate_prob=0.6),
    dict(type='TopdownAffine', input_size=(192, 256)),
    dict(type='GenerateTarget', encoder={{_base_.codec}}),
    dict(type='PackPoseInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
