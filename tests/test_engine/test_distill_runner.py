"""KnowledgeDistillationHook, AutocastOptimWrapper and ChannelsLastHook in a real
mmengine Runner, on an unchanged TopdownPoseEstimator config."""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmalphapose.models.distillers import SOURCE_CODES


def _pseudo_labels(data_root, out):
    """The COCO sample as Halpe-26 'pseudo-labels': body from 'movenet', the
    rest unlabelled."""
    gt = json.load(open(osp.join(data_root, 'coco', 'test_coco.json')))
    anns = []
    for a in gt['annotations']:
        if a['num_keypoints'] == 0:
            continue
        k = np.zeros((26, 3), np.float32)
        k[:17] = np.asarray(a['keypoints'], np.float32).reshape(17, 3)
        k[:17, 2] = (k[:17, 2] > 0) * 0.8
        src = [SOURCE_CODES['movenet'] if k[i, 2] > 0 else 0 for i in range(26)]
        anns.append(
            dict(
                a,
                keypoints=k.ravel().tolist(),
                keypoint_sources=src,
                num_keypoints=int((k[:, 2] > 0).sum())))
    gt['annotations'] = anns
    with open(out, 'w') as f:
        json.dump(gt, f)


@pytest.mark.slow  # > 5 s (a fresh process or a training run): CI runs it in .ci/run
def test_hook_in_runner_reweights_and_trains(data_root, tmp_path):
    ann = str(tmp_path / 'pseudo.json')
    _pseudo_labels(data_root, ann)
    codec = dict(type='MSRAHeatmap', input_size=(64, 96), heatmap_size=(16, 24), sigma=2)
    cfg = Config(
        dict(
            default_scope='mmalphapose',
            model=dict(
                type='TopdownPoseEstimator',
                data_preprocessor=dict(type='PoseDataPreprocessor'),
                backbone=dict(type='SEResNet', depth=18),
                neck=dict(type='DUC', in_channels=512, channels=(256, 128)),
                head=dict(
                    type='FastPoseHeatmapHead',
                    in_channels=32,
                    out_channels=26,
                    loss=dict(type='KeypointMSELoss', use_target_weight=True),
                    decoder=codec),
                metainfo=dict(from_file='configs/_base_/datasets/halpe26.py')),
            train_dataloader=dict(
                batch_size=4,
                num_workers=0,
                sampler=dict(type='InfiniteSampler', shuffle=False),
                dataset=dict(
                    type='Halpe26Dataset',
                    data_root=osp.join(data_root, 'coco'),
                    ann_file=ann,
                    data_prefix=dict(img=''),
                    pipeline=[
                        dict(type='LoadImage', cache_mb=64),
                        dict(type='GetBBoxCenterScale'),
                        dict(type='TopdownAffine', input_size=(64, 96)),
                        dict(type='GenerateTarget', encoder=codec),
                        dict(type='PackPoseInputs')
                    ])),
            train_cfg=dict(by_epoch=False, max_iters=3),
            optim_wrapper=dict(type='AutocastOptimWrapper', optimizer=dict(type='Adam', lr=1e-3)),
            custom_hooks=[
                dict(type='ChannelsLastHook'),
                dict(
                    type='KnowledgeDistillationHook',
                    teachers=[
                        dict(source='movenet', keypoint_ids=list(range(5, 17)), loss_weight=2.0)
                    ])
            ],
            default_hooks=dict(
                logger=dict(type='LoggerHook', interval=1),
                checkpoint=dict(type='CheckpointHook', interval=100)),
            work_dir=str(tmp_path / 'work')))
    runner = Runner.from_cfg(cfg)
    seen = []
    orig = runner.model.loss

    def spy(inputs, data_samples):
        seen.extend(
            torch.as_tensor(d.gt_instance_labels.keypoint_weights).clone() for d in data_samples)
        return orig(inputs, data_samples)

    runner.model.loss = spy
    runner.train()
    assert len(seen) == 12
    w = torch.cat(seen)  # (N, 26)
    assert (w[:, :5] == 0).all()  # the head is outside the teacher's domain
    assert (w[:, 17:] == 0).all()  # unlabelled
    body = w[:, 5:17]
    # confidence 0.8 x teacher loss weight 2.0 where labelled, else 0
    labelled = body > 0
    assert labelled.any()
    torch.testing.assert_close(body[labelled], torch.full_like(body[labelled], 1.6))
    conv = runner.model.backbone.conv1.weight
    assert conv.is_contiguous(memory_format=torch.channels_last)
