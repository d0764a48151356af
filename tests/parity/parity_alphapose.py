"""AlphaPose training against MVIG-SJTU/AlphaPose's own code: heatmap targets
(``SimpleTransform._target_generator``), integral targets
(``_integral_target_generator``, whole-body body weights) and the GT box
conversion (``bbox_xywh_to_xyxy`` + ``bbox_clip_xyxy``). docs/parity.md lists
what this profile does not cover yet."""
import types

import numpy as np
import pytest

from mmalphapose.codecs import MSRAHeatmap, SIKRLabel
from .conftest import snapshot_root, stub_module


@pytest.fixture
def ap(reference_modules):
    root = snapshot_root('alphapose')
    imp = reference_modules(root, [('alphapose', 'alphapose'),
                                   ('alphapose.utils', 'alphapose/utils'),
                                   ('alphapose.utils.presets', 'alphapose/utils/presets')],
                            {  # a compiled CUDA extension the presets import, unused here
                                'alphapose.utils.roi_align':
                                stub_module('alphapose.utils.roi_align', RoIAlign=None)
                            })
    return types.SimpleNamespace(
        bbox=imp('alphapose.utils.bbox'),
        simple=imp('alphapose.utils.presets.simple_transform'))


def _joints_3d(kpts, vis):
    """AlphaPose's (K, 3, 2) ``joints_3d`` label layout: [:, :2, 0] the
    position, [:, :2, 1] the visibility."""
    j = np.zeros((len(kpts), 3, 2), np.float32)
    j[:, :2, 0] = kpts
    j[:, :2, 1] = vis[:, None]
    return j


def _keypoints(rng, k, w=192, h=256):
    """Keypoints all over and around a 192x256 crop: inside, a few pixels
    left of / above it (where truncation and floor differ), far outside."""
    kpts = np.c_[rng.uniform(-30, w + 30, k), rng.uniform(-30, h + 30, k)].astype(np.float32)
    kpts[:6] = [[-3., 40.], [50., -2.5], [-1.9, -1.9], [-6., 100.], [191.6, 255.5], [-8.1, -8.1]]
    vis = (rng.uniform(size=k) > 0.2).astype(np.float32)
    return kpts, vis


@pytest.mark.parametrize('seed', range(4))
def test_heatmap_targets_match_alphapose(ap, seed):
    rng = np.random.default_rng(seed)
    kpts, vis = _keypoints(rng, 40)
    self = types.SimpleNamespace(_sigma=2, _heatmap_size=(64, 48), _feat_stride=np.array([4., 4.]))
    target, weight = ap.simple.SimpleTransform._target_generator(self, _joints_3d(kpts, vis), 40)
    ours = MSRAHeatmap(input_size=(192, 256), heatmap_size=(48, 64), sigma=2.).encode(
        kpts[None], vis[None])
    assert np.array_equal(ours['keypoint_weights'][0], weight[:, 0, 0])
    assert np.abs(ours['heatmaps'] - target).max() < 1e-6


@pytest.mark.parametrize('k,body', [(17, None), (136, 26), (133, 23)])
def test_integral_targets_match_alphapose(ap, k, body):
    rng = np.random.default_rng(k)
    kpts, vis = _keypoints(rng, k)
    self = types.SimpleNamespace()
    target, weight = ap.simple.SimpleTransform._integral_target_generator(
        self, _joints_3d(kpts, vis), k, 256, 192)
    codec = SIKRLabel(input_size=(192, 256), heatmap_size=(48, 64),
                      body_weight=2. if body else 1., num_body_keypoints=body)
    ours = codec.encode(kpts[None], vis[None])
    assert np.abs(ours['keypoint_labels'][0].ravel() - target).max() < 1e-6
    assert np.array_equal(np.repeat(ours['keypoint_weights'][0], 2), weight)


def test_gt_boxes_match_alphapose(ap):
    """COCO ``[x, y, w, h]`` -> xyxy as AlphaPose's training datasets
    (``mscoco.py``: ``bbox_clip_xyxy(bbox_xywh_to_xyxy(bbox), w, h)``)."""
    from mmalphapose.datasets.datasets.base_coco_style import BaseCocoStyleDataset
    rng = np.random.default_rng(0)
    self = types.SimpleNamespace(ann_file='x.json')
    width, height = 640, 480
    for _ in range(200):
        box = [float(v) for v in (rng.uniform(-50, 600), rng.uniform(-50, 450),
                                  rng.uniform(0, 300), rng.uniform(0, 300))]
        theirs = ap.bbox.bbox_clip_xyxy(ap.bbox.bbox_xywh_to_xyxy(box), width, height)
        ours = BaseCocoStyleDataset._clip_box(self, box, (height, width), 0, inclusive=True)
        assert np.allclose(ours[0], theirs, atol=1e-4), (box, ours, theirs)
