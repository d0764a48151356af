"""Build every model config and run loss + predict on CPU with random weights."""
import glob
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.structures import InstanceData, PixelData

from mmalphapose.codecs import *  # noqa: F401,F403  (register codecs)
from mmalphapose.datasets import parse_pose_metainfo
from mmalphapose.registry import KEYPOINT_CODECS, MODELS
from mmalphapose.structures import PoseDataSample
from mmalphapose.utils import has_mmdet

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    glob.glob(osp.join(ROOT, 'configs/body_2d_keypoint/**/*.py'), recursive=True) +
    glob.glob(osp.join(ROOT, 'configs/wholebody_2d_keypoint/**/*.py'), recursive=True))
# run by default (one per head / neck / backbone kind); the rest are slow-marked
FAST = {
    'sikr_fastpose-se-res18_1xb2-2e_coco-tiny-128x96',
    'sikr_fastpose-se-res50_8xb32-270e_coco-256x192',
    'heatmap_fastpose-se-res50_8xb32-200e_coco-256x192',
    'heatmap_fastpose-duc-shuffle-res50_8xb32-200e_coco-256x192',
    'combined_fastpose-se-res50_8xb32-270e_coco-wholebody-256x192',
}
META = {
    'CocoDataset': 'coco.py',
    'Halpe26Dataset': 'halpe26.py',
    'Halpe136Dataset': 'halpe136.py',
    'CocoWholeBodyDataset': 'coco_wholebody.py'
}


def _dataset_type(dataset: dict) -> str:
    """The keypoint dataset type of a dataset config, through mmengine's
    wrappers (``ConcatDataset`` -> its first dataset, ``RepeatDataset`` ->
    the repeated one)."""
    while dataset['type'] not in META:
        dataset = dataset['datasets'][0] if 'datasets' in dataset else dataset['dataset']
    return dataset['type']


def _params():
    out = []
    for path in CONFIGS:
        name = osp.basename(path)
        marks = []
        if 'simplebaseline' in name or 'hrnet' in name:
            marks.append(pytest.mark.skipif(not has_mmdet(), reason='needs mmdet: full profile'))
        if name[:-3] not in FAST:
            marks.append(pytest.mark.slow)
        out.append(pytest.param(path, id=name[:-3], marks=marks))
    return out


def test_all_configs_found():
    assert len(CONFIGS) >= 20


@pytest.mark.parametrize('path', _params())
def test_config_loss_and_predict(path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmalphapose'
    # small crops keep this CPU test fast; the architecture is unchanged
    for c in (cfg.codec, cfg.model.head.decoder):
        c.update(input_size=(64, 64), heatmap_size=(16, 16))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    codec = KEYPOINT_CODECS.build(cfg.codec)
    meta = parse_pose_metainfo(
        dict(
            from_file=osp.join(ROOT, 'configs/_base_/datasets', META[_dataset_type(
                cfg.train_dataloader.dataset)])))
    k = meta['num_keypoints']
    w, h = codec.input_size
    rng = np.random.default_rng(0)
    samples = []
    for _ in range(2):
        kpts = rng.uniform([0, 0], [w, h], size=(1, k, 2)).astype(np.float32)
        enc = codec.encode(kpts, np.ones((1, k)))
        s = PoseDataSample(
            metainfo=dict(
                input_size=(w, h),
                input_center=np.array([100., 100.]),
                input_scale=np.array([w * 1., h * 1.]),
                flip_indices=meta['flip_indices']))
        s.gt_instances = InstanceData(bboxes=np.array([[0., 0., w, h]]), bbox_scores=np.ones(1))
        s.gt_instance_labels = InstanceData(
            keypoint_weights=torch.as_tensor(enc['keypoint_weights']))
        if 'keypoint_labels' in enc:
            s.gt_instance_labels.keypoint_labels = torch.as_tensor(enc['keypoint_labels'])
        if 'heatmaps' in enc:
            s.gt_fields = PixelData(heatmaps=torch.as_tensor(enc['heatmaps']))
        samples.append(s)
    imgs = [torch.randint(0, 256, (3, h, w), dtype=torch.uint8) for _ in range(2)]
    data = model.data_preprocessor(dict(inputs=imgs, data_samples=samples), True)
    losses = model(**data, mode='loss')
    total = sum(v for key, v in losses.items() if 'loss' in key)
    assert torch.isfinite(total)
    total.backward()
    model.eval()
    with torch.no_grad():
        out = model(**data, mode='predict')
    pred = out[0].pred_instances
    assert pred.keypoints.shape == (1, k, 2)
    assert pred.keypoint_scores.shape == (1, k)
    assert np.isfinite(pred.keypoints).all()
