"""Scope safety: our modules build their sub-modules in our scope whatever the
caller's default scope, and our task registries resolve from other scopes."""
import numpy as np
import pytest
from mmengine.registry import MODELS as ROOT_MODELS
from mmengine.registry import TASK_UTILS as ROOT_TASK_UTILS
from mmengine.registry import DefaultScope, Registry
from torch import nn

from mmalphapose import registry as R

# a foreign OpenMMLab-style scope with a same-name loss, as MMPose has
FOREIGN = Registry('model', parent=ROOT_MODELS, scope='foreign_scope_for_tests')


@FOREIGN.register_module(name='KeypointMSELoss')
class _ForeignMSE(nn.Module):
    """Stands for another project's same-name class."""


@pytest.mark.parametrize('head_cfg, attr, expected', [
    (dict(
        type='mmalphapose.SIKRHead', in_channels=8, out_channels=3,
        decoder=dict(type='SIKRLabel')), 'loss_module', 'KeypointL1Loss'),
    (dict(
        type='mmalphapose.FastPoseHeatmapHead',
        in_channels=8,
        out_channels=3,
        decoder=dict(type='MSRAHeatmap', input_size=(48, 64),
                     heatmap_size=(12, 16))), 'loss_module', 'KeypointMSELoss'),
])
def test_heads_build_losses_and_codecs_in_our_scope(head_cfg, attr, expected):
    with DefaultScope.overwrite_default_scope('foreign_scope_for_tests'):
        head = FOREIGN.build(head_cfg)
    loss = getattr(head, attr)
    assert type(loss).__name__ == expected
    assert type(loss).__module__.startswith('mmalphapose.')  # not the foreign one
    assert type(head.decoder).__module__.startswith('mmalphapose.codecs')


def test_prefixed_sub_config_still_reaches_other_scopes():
    cfg = dict(
        type='mmalphapose.SIKRHead',
        in_channels=8,
        out_channels=3,
        loss=dict(type='foreign_scope_for_tests.KeypointMSELoss'))
    with DefaultScope.overwrite_default_scope('foreign_scope_for_tests'):
        head = FOREIGN.build(cfg)
    assert isinstance(head.loss_module, _ForeignMSE)


def test_build_restores_the_callers_scope():
    with DefaultScope.overwrite_default_scope('foreign_scope_for_tests'):
        R.MODELS.build(dict(type='KeypointL1Loss'))
        assert DefaultScope.get_current_instance().scope_name == 'foreign_scope_for_tests'


@pytest.mark.parametrize('name, registry, kwargs', [
    ('ParametricPoseNMS', 'POSE_NMS', {}),
    ('OKSNMS', 'POSE_NMS', dict(sigmas=[0.1] * 3)),
    ('PoseAwareTracker', 'TRACKERS', {}),
    ('SIKRLabel', 'KEYPOINT_CODECS', {}),
])
def test_task_registries_resolve_from_any_scope(name, registry, kwargs):
    with DefaultScope.overwrite_default_scope('foreign_scope_for_tests'):
        obj = ROOT_TASK_UTILS.build(dict(type=f'mmalphapose.{name}', **kwargs))
    assert type(obj) is getattr(R, registry).get(name)
    # bare names inside our TASK_UTILS too, and unknown names stay unknown
    assert R.TASK_UTILS.get(name) is type(obj)
    assert R.TASK_UTILS.get('NoSuchModuleAnywhere') is None


def test_codec_base_has_mmposes_codec_interface():
    from mmalphapose.codecs import MSRAHeatmap, SIKRLabel
    codec = SIKRLabel(input_size=(48, 64), heatmap_size=(12, 16))
    assert codec.auxiliary_encode_keys == set()
    assert codec.support_batch_decoding is False
    enc = codec.encode(keypoints=np.full((1, 3, 2), 10.), keypoints_visible=np.ones((1, 3)))
    # every encoded item is routed by one of the mapping tables
    routed = {
        **codec.label_mapping_table,
        **codec.field_mapping_table,
        **codec.instance_mapping_table
    }
    assert set(enc) == set(routed)
    hm = MSRAHeatmap(input_size=(48, 64), heatmap_size=(12, 16))
    enc = hm.encode(np.full((1, 3, 2), 10.), np.ones((1, 3)))
    assert set(enc) == set(hm.label_mapping_table) | set(hm.field_mapping_table)
    assert hm.field_mapping_table == dict(heatmaps='heatmaps')
