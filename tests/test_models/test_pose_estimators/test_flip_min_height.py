"""TopdownPoseEstimator.predict_crops with test_cfg.flip_min_height: the flip
test runs only for the crops whose person box is at least that tall, the
others are decoded from the un-flipped pass alone (issue 33)."""
import numpy as np
import torch

import mmalphapose.testing.standin_models  # noqa: F401 (StandInIdentityBackbone)
from mmalphapose.registry import MODELS
from mmalphapose.structures import PoseDataSample

FLIP = [0, 2, 1, 4, 3]


def _model(min_height=None):
    test_cfg = dict(flip_test=True)
    if min_height is not None:
        test_cfg['flip_min_height'] = min_height
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type='TopdownPoseEstimator',
            backbone=dict(type='StandInIdentityBackbone'),
            head=dict(
                type='FastPoseHeatmapHead',
                in_channels=3,
                out_channels=5,
                decoder=dict(type='MSRAHeatmap', input_size=(24, 32), heatmap_size=(24, 32),
                             sigma=2)),
            test_cfg=test_cfg))
    return model.eval()


class Counting:
    """A network runner that counts the crops it runs."""

    def __init__(self, runner):
        self.runner, self.crops = runner, 0

    def __call__(self, inputs):
        assert len(inputs), 'a network pass on no crops'
        self.crops += len(inputs)
        return self.runner(inputs)


def test_only_the_tall_crops_are_flipped():
    model = _model(min_height=100)
    ref = _model()  # the same weights, flip test for all
    x = torch.rand(4, 3, 32, 24)
    samples = [PoseDataSample(metainfo=dict(flip_indices=FLIP))]
    heights = np.array([150, 40, 100, 99], np.float32)
    model.network_runner = Counting(model.network_runner)
    with torch.no_grad():
        got = model.predict_crops(x, samples, box_heights=heights)
        flipped = ref.predict_crops(x, samples)
        plain = ref.predict_crops(x, samples, flip=False)
    assert model.network_runner.crops == 4 + 2  # every crop once, the two tall ones again
    tall = heights >= 100
    for key in ('keypoints', 'keypoint_scores'):
        want = np.where(tall.reshape((-1, ) + (1, ) * (got[key].ndim - 1)), flipped[key],
                        plain[key])
        np.testing.assert_allclose(got[key], want, rtol=1e-6, atol=1e-6)
    assert not np.allclose(flipped.keypoint_scores, plain.keypoint_scores)  # flip matters here


def test_all_or_none_tall_and_no_heights():
    model = _model(min_height=100)
    ref = _model()
    x = torch.rand(3, 3, 32, 24)
    samples = [PoseDataSample(metainfo=dict(flip_indices=FLIP))]
    with torch.no_grad():
        flipped = ref.predict_crops(x, samples)
        plain = ref.predict_crops(x, samples, flip=False)
        for heights, want in ((np.full(3, 200.0), flipped), (np.full(3, 10.0), plain),
                              (None, flipped)):  # no heights given: the flip test for all
            model.network_runner = Counting(ref.network_runner)
            got = model.predict_crops(x, samples, box_heights=heights)
            np.testing.assert_allclose(got.keypoint_scores, want.keypoint_scores, atol=1e-6)
            assert model.network_runner.crops == (3 if want is plain else 6)
        # flip=False still wins over the threshold
        got = model.predict_crops(x, samples, flip=False, box_heights=np.full(3, 200.0))
        np.testing.assert_allclose(got.keypoint_scores, plain.keypoint_scores, atol=1e-6)
