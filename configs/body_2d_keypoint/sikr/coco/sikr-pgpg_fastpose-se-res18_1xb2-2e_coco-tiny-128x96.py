# Tiny smoke-test config with PGPG proposals (see the res50 sikr-pgpg config):
# the 4 COCO test images, PGPG statistics fitted on the same sample.
_base_ = ['./sikr_fastpose-se-res18_1xb2-2e_coco-tiny-128x96.py']

train_pipeline = [
    dict(type='LoadImage'),
    dict(
        type='PartGuidedProposal',
        pgpg_file='configs/_base_/pgpg/coco_sample_det_k3.json',
        prob=1.0),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', direction='horizontal'),
    dict(
        type='RandomBBoxTransform',
        shift_prob=0.,
        scale_factor=(0.7, 1.3),
        rotate_factor=40,
        rotate_prob=0.6),
    dict(type='TopdownAffine', input_size=(96, 128)),
    dict(type='GenerateTarget', encoder={{_base_.codec}}),
    dict(type='PackPoseInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
