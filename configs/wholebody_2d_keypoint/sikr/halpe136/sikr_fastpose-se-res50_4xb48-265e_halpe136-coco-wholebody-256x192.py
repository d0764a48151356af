# AlphaPose config: halpe_coco_wholebody_136/256x192_res50_lr1e-3_2x-regression.yaml
# Multi-domain training (alphapose/datasets/halpe_coco_wholebody_136.py:85-88):
# Halpe-FullBody (repeated 6x, the domain re-sampling) + COCO-WholeBody read
# into the Halpe-136 layout (three empty head/neck/hip joints, feet reordered
# to Halpe's order), FastPose R50 with conv_dim 128 and the SIKR (L1, sigmoid)
# head, 4 GPUs x 48. Schedule, DPG phase
# and half-body groups as the base config (BEGIN_EPOCH: 5 as here: 265 epochs);
# both datasets use AlphaPose's v >= 0.35 visibility.
_base_ = ['./sikr_fastpose-se-res50_8xb48-265e_halpe136-256x192.py']

auto_scale_lr = dict(base_batch_size=192)
model = dict(
    neck=dict(channels=(1024, 512)),  # CONV_DIM 128
    head=dict(in_channels=128))

halpe_root = 'data/halpe/'
coco_wb_root = 'data/coco/'
train_dataloader = dict(
    batch_size=48,
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[
            dict(
                type='RepeatDataset',
                times=6,
                dataset=dict(
                    type='Halpe136Dataset',
                    data_root=halpe_root,
                    ann_file='annotations/halpe_train_v1.json',
                    data_prefix=dict(img='images/train2015/'),
                    filter_cfg=dict(vis_thr=0.35, skip_zero_num_keypoints=True),
                    pipeline={{_base_.train_pipeline}})),
            dict(
                type='CocoWholeBodyHalpe136Dataset',
                data_root=coco_wb_root,
                ann_file='annotations/coco_wholebody_train_v1.0.json',
                data_prefix=dict(img='train2017/'),
                filter_cfg=dict(vis_thr=0.35, skip_zero_num_keypoints=True),
                pipeline={{_base_.train_pipeline}}),
        ]))
