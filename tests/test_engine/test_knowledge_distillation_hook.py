"""KnowledgeDistillationHook: the distiller's weighting for an unwrapped model."""
import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData

from mmalphapose.engine.hooks import KnowledgeDistillationHook
from mmalphapose.models.distillers import SOURCE_CODES
from mmalphapose.registry import HOOKS
from mmalphapose.structures import PoseDataSample

K = 5
MN, BP, GT, NONE = (SOURCE_CODES[k] for k in ('movenet', 'blazepose', 'gt', 'none'))


def _sample(sources, conf, labels):
    ds = PoseDataSample()
    ds.set_metainfo(dict(raw_ann_info=dict(id=7, keypoint_sources=sources)))
    ds.gt_instances = InstanceData(keypoints_visible=np.asarray(conf, np.float32)[None])
    ds.gt_instance_labels = InstanceData(
        keypoint_labels=torch.as_tensor(labels, dtype=torch.float32)[None],
        keypoint_weights=torch.as_tensor(np.asarray(conf) > 0, dtype=torch.float32)[None])
    return ds


def _hook():
    return HOOKS.build(
        dict(
            type='KnowledgeDistillationHook',
            teachers=[
                dict(source='movenet', keypoint_ids=[0, 1]),
                dict(source='blazepose', keypoint_ids=[2], loss_weight=0.5)
            ]))


def test_hook_weights_domains_confidence_and_gt():
    hook = _hook()
    assert isinstance(hook, KnowledgeDistillationHook)
    # kp3 is labelled by blazepose but outside its domain; kp4 is GT
    ds = _sample([MN, MN, BP, BP, GT], [0.8, 0.4, 0.6, 0.9, 1.0], np.zeros((K, 2)))
    hook.before_train_iter(None, 0, dict(inputs=[torch.zeros(3, 4, 4)], data_samples=[ds]))
    w = ds.gt_instance_labels.keypoint_weights.numpy()[0]
    np.testing.assert_allclose(w, [0.8, 0.4, 0.3, 0.0, 1.0], rtol=1e-6)


def test_hook_trains_only_supervised_points():
    """A teacher's labels pull the student; points the teacher lacks get no
    gradient; GT labels override the teacher's."""
    hook = _hook()
    points = torch.nn.Parameter(torch.zeros(K, 2))
    opt = torch.optim.SGD([points], lr=0.2)
    target = np.array([[1, 1], [2, 2], [3, 3], [4, 4], [5, 5]], np.float32)
    for _ in range(60):
        batch = dict(
            inputs=[torch.zeros(3, 4, 4)],
            data_samples=[_sample([MN, NONE, BP, BP, GT], [1, 0, 1, 1, 1], target)])
        hook.before_train_iter(None, 0, batch)
        ds = batch['data_samples'][0]
        w = ds.gt_instance_labels.keypoint_weights[0]
        loss = (((points - ds.gt_instance_labels.keypoint_labels[0])**2).sum(-1) * w).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    p = points.detach().numpy()
    np.testing.assert_allclose(p[[0, 2, 4]], target[[0, 2, 4]], atol=1e-3)
    np.testing.assert_array_equal(p[[1, 3]], 0)  # unlabelled / outside the domain


def test_hook_rejects_unknown_source():
    with pytest.raises(ValueError, match='KnowledgeDistillationHook.*teacher source'):
        KnowledgeDistillationHook(teachers=[dict(source='openpose', keypoint_ids=[0])])


def test_hook_ignores_empty_batches():
    _hook().before_train_iter(None, 0, None)
    _hook().before_train_iter(None, 0, dict(inputs=[]))
