"""The distiller with a tiny student: teacher domains, confidences, GT priority."""
import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData
from torch import nn

from mmalphapose.models.distillers import SOURCE_CODES, MultiTeacherDistiller
from mmalphapose.registry import MODELS
from mmalphapose.structures import PoseDataSample

K = 6


@MODELS.register_module(force=True)
class _TinyStudent(nn.Module):
    """Predicts K free 2-D points; loss = sum |pred - label| * weight / N."""

    def __init__(self):
        super().__init__()
        self.points = nn.Parameter(torch.zeros(K, 2))
        self.data_preprocessor = nn.Identity()

    def forward(self, inputs, data_samples=None, mode='tensor'):
        if mode != 'loss':
            return self.points
        labels = torch.stack(
            [torch.as_tensor(d.gt_instance_labels.keypoint_labels) for d in data_samples]).float()
        weights = torch.stack(
            [torch.as_tensor(d.gt_instance_labels.keypoint_weights) for d in data_samples]).float()
        err = (self.points[None, None] - labels).abs().sum(-1) * weights
        return dict(loss_kpt=err.sum() / len(data_samples))


def _sample(sources, conf, labels, flip=False):
    ds = PoseDataSample()
    ds.set_metainfo(
        dict(
            raw_ann_info=dict(id=1, keypoint_sources=sources),
            flip=flip,
            flip_indices=[1, 0, 2, 3, 4, 5]))
    ds.gt_instances = InstanceData(keypoints_visible=np.asarray(conf, np.float32)[None])
    ds.gt_instance_labels = InstanceData(
        keypoint_labels=torch.as_tensor(labels, dtype=torch.float32)[None],
        keypoint_weights=torch.as_tensor(np.asarray(conf) > 0, dtype=torch.float32)[None])
    return ds


def _distiller(**kw):
    return MultiTeacherDistiller(
        student=dict(type='_TinyStudent'),
        teachers=[
            dict(source='movenet', keypoint_ids=[0, 1, 2], loss_weight=1.0),
            dict(source='blazepose', keypoint_ids=[3, 4], loss_weight=0.5)
        ],
        **kw)


MV, BP, GT, NO = (SOURCE_CODES[k] for k in ('movenet', 'blazepose', 'gt', 'none'))


def test_weights_follow_teacher_domains():
    d = _distiller()
    # keypoint 3 labelled by movenet, which does not know it -> no loss
    ds = _sample([MV, MV, GT, MV, BP, NO], [0.8, 0.5, 1.0, 0.9, 0.6, 0.0], np.zeros((K, 2)))
    d.reweight([ds])
    w = ds.gt_instance_labels.keypoint_weights[0].numpy()
    np.testing.assert_allclose(w, [0.8, 0.5, 1.0, 0.0, 0.3, 0.0], atol=1e-6)


def test_flip_permutes_sources():
    d = _distiller()
    ds = _sample([GT, BP, MV, MV, MV, MV], [1, 1, 1, 1, 1, 1], np.zeros((K, 2)), flip=True)
    # after a flip point 0 holds what was point 1 (the blazepose label)
    src = d.sample_sources(ds, K)
    assert src[:2].tolist() == [BP, GT]


def test_missing_sources_means_gt_and_bad_length_raises():
    d = _distiller()
    ds = _sample([MV] * K, [1] * K, np.zeros((K, 2)))
    ds.set_metainfo(dict(raw_ann_info=dict(id=3)))
    assert (d.sample_sources(ds, K) == GT).all()
    ds.set_metainfo(dict(raw_ann_info=dict(id=4, keypoint_sources=[MV] * 3)))
    with pytest.raises(ValueError, match='keypoint_sources'):
        d.sample_sources(ds, K)


def test_training_learns_teacher_points_and_gt_wins():
    torch.manual_seed(0)
    d = _distiller(gt_loss_weight=1.0)
    target = np.array([[0.1, 0.2], [-0.2, 0.1], [0.3, -0.3], [0.0, 0.4], [0.2, 0.2], [0.4, 0.4]])
    gt_point = np.array([-0.3, -0.1])
    opt = torch.optim.Adam(d.parameters(), lr=0.02)
    for _ in range(300):
        labels_a = target.copy()
        labels_b = target.copy()
        labels_b[2] = gt_point  # GT sample disagrees with teacher on kpt 2
        batch = [
            # teacher labels; kpt 5 is outside every teacher domain
            _sample([MV, MV, MV, BP, BP, MV], [1, 1, 1, 1, 1, 1], labels_a),
            _sample([MV, MV, GT, BP, BP, MV], [1, 1, 1, 1, 1, 1], labels_b),
            _sample([MV, MV, GT, BP, BP, MV], [1, 1, 1, 1, 1, 1], labels_b),
        ]
        loss = d(torch.zeros(3, 1), batch, mode='loss')['loss_kpt']
        opt.zero_grad()
        loss.backward()
        opt.step()
    pts = d.student.points.detach().numpy()
    np.testing.assert_allclose(pts[[0, 1, 3, 4]], target[[0, 1, 3, 4]], atol=0.03)
    # L1 with 2 GT votes vs 1 teacher vote: the median, i.e. the GT point
    np.testing.assert_allclose(pts[2], gt_point, atol=0.03)
    # no teacher knows kpt 5: it never moves from its init
    np.testing.assert_allclose(pts[5], [0, 0], atol=1e-6)


def test_unknown_source_rejected():
    with pytest.raises(ValueError, match='source'):
        MultiTeacherDistiller(
            student=dict(type='_TinyStudent'), teachers=[dict(source='oracle', keypoint_ids=[0])])


class _FakeOnlineTeacher:

    def predict_crops(self, imgs):
        n, h, w = imgs.shape[:3]
        kpts = np.tile(np.array([[w * 0.75, h * 0.25], [1, 1]], np.float32), (n, 1, 1))
        return kpts, np.tile(np.array([0.9, 0.1], np.float32), (n, 1))


def test_online_teacher_fills_only_unlabelled():
    d = MultiTeacherDistiller(
        student=dict(type='_TinyStudent'),
        online_teachers=[
            dict(
                teacher=_FakeOnlineTeacher(),
                keypoint_map={
                    0: 5,
                    1: 4
                },
                loss_weight=0.5,
                score_thr=0.3)
        ])
    labels = np.zeros((K, 2))
    ds = _sample([GT] * K, [1, 1, 1, 1, 0, 0], labels)
    ds_gt = _sample([GT] * K, [1, 1, 1, 1, 0, 1], labels)
    d.label_online(torch.zeros(2, 3, 8, 4, dtype=torch.uint8), [ds, ds_gt])
    lab = ds.gt_instance_labels.keypoint_labels[0]
    w = ds.gt_instance_labels.keypoint_weights[0]
    np.testing.assert_allclose(lab[5].numpy(), [0.25, -0.25])
    assert float(w[5]) == pytest.approx(0.45)
    assert float(w[4]) == 0  # teacher score 0.1 below its threshold
    # GT present for kpt 5 in the second sample: untouched
    np.testing.assert_allclose(ds_gt.gt_instance_labels.keypoint_labels[0][5].numpy(), [0, 0])


def test_loads_plain_student_and_distiller_checkpoints():
    src = _distiller()
    with torch.no_grad():
        src.student.points.fill_(3.0)
    plain = src.student.state_dict()
    assert set(plain) == {'points'}
    for state in (plain, src.state_dict()):
        dst = _distiller()
        dst.load_state_dict({k: v.clone() for k, v in state.items()})
        torch.testing.assert_close(dst.student.points, torch.full((K, 2), 3.0))
