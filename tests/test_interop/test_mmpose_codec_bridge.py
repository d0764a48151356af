"""MMPose's GenerateTarget + PackPoseInputs use our codecs: the registry
bridge finds them and the mapping tables route every encoded item."""
import numpy as np
import pytest

pytest.importorskip('mmpose')


@pytest.mark.parametrize('codec, where', [
    (dict(type='mmalphapose.SIKRLabel', input_size=(48, 64), heatmap_size=(12, 16)),
     dict(keypoint_labels='gt_instance_labels', keypoint_weights='gt_instance_labels')),
    (dict(type='mmalphapose.MSRAHeatmap', input_size=(48, 64), heatmap_size=(12, 16)),
     dict(heatmaps='gt_fields', keypoint_weights='gt_instance_labels')),
])
def test_generate_target_and_pack_with_our_codec(codec, where):
    from mmengine.registry import DefaultScope
    from mmpose.registry import TRANSFORMS

    from mmalphapose.registry import KEYPOINT_CODECS
    with DefaultScope.overwrite_default_scope('mmpose'):
        gen = TRANSFORMS.build(dict(type='GenerateTarget', encoder=codec))
        pack = TRANSFORMS.build(dict(type='PackPoseInputs'))
    assert type(gen.encoder) is KEYPOINT_CODECS.get(codec['type'].split('.')[1])
    rng = np.random.default_rng(0)
    results = dict(
        img=np.zeros((64, 48, 3), np.uint8),
        keypoints=rng.uniform(5, 40, (1, 17, 2)).astype(np.float32),
        keypoints_visible=np.ones((1, 17), np.float32),
        bbox=np.array([[0, 0, 48, 64]], np.float32),
        id=1,
        img_id=1,
        category_id=1)
    packed = pack(gen(results))['data_samples']
    for key, field in where.items():
        assert key in getattr(packed, field), (key, field)
    expected = gen.encoder.encode(results['keypoints'], results['keypoints_visible'])
    for key, field in where.items():
        got = getattr(packed, field).get(key)
        np.testing.assert_allclose(
            np.asarray(got).reshape(-1), np.asarray(expected[key]).reshape(-1), atol=1e-6)
