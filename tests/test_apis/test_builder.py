import importlib.util

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.structures import InstanceData

from mmalphapose.apis.builder import build_part_refiner
from mmalphapose.apis.inference import check_scopes
from mmalphapose.apis.inputs import Frame, Source
from mmalphapose.apis.stages import NMSStage, PartRefineStage, PoseStage
from mmalphapose.registry import MODELS, POSE_NMS


@MODELS.register_module(force=True)
class _ShiftFaceRefiner:
    """A fake part refiner: moves keypoints 1.. by ``dx`` (all people)."""

    def __init__(self, dx: float = 5.0) -> None:
        self.dx, self.calls = dx, 0

    def __call__(self, image: np.ndarray, instances: InstanceData) -> InstanceData:
        assert image.ndim == 3 and image.shape[2] == 3
        self.calls += 1
        kpts = np.asarray(instances.keypoints, np.float32).copy()
        kpts[:, 1:, 0] += self.dx
        instances.keypoints = kpts
        return instances


class _Model:

    def __init__(self, cfg: dict) -> None:
        self.cfg = Config(cfg)


class _Predictor:
    """Two people per frame, keypoints at the box corner."""

    def __call__(self, images, image_ids, bboxes, bbox_scores, **kwargs):
        n = len(bboxes)
        kpts = np.repeat(np.asarray(bboxes, np.float32)[:, None, :2], 3, 1)
        return InstanceData(
            keypoints=kpts,
            keypoint_scores=np.ones((n, 3), np.float32),
            bboxes=np.asarray(bboxes, np.float32),
            bbox_scores=np.asarray(bbox_scores, np.float32))


class _KeepFirst:

    def nms(self, inst):
        return inst[:1], np.zeros(1, np.int64)


def test_part_refiner_from_the_pose_config():
    model = _Model(dict(part_refiner=dict(type='_ShiftFaceRefiner', dx=3.0)))
    refiner = build_part_refiner(model)
    assert isinstance(refiner, _ShiftFaceRefiner) and refiner.dx == 3.0
    assert build_part_refiner(model, enabled=False) is None  # --no-part-refine
    assert build_part_refiner(_Model(dict())) is None  # no key: no stage


def test_part_refine_stage_runs_between_pose_and_nms():
    refiner = _ShiftFaceRefiner(dx=5.0)
    stage = PoseStage(_Predictor(), [PartRefineStage(refiner), NMSStage(_KeepFirst())])
    src = Source('video', 'x')
    frame = Frame(src, 0, '0.jpg', np.zeros((20, 20, 3), np.uint8))
    frame.bboxes = np.array([[1, 2, 5, 6], [8, 9, 12, 14]], np.float32)
    frame.bbox_scores = np.ones(2, np.float32)
    stage.process([frame])
    assert refiner.calls == 1  # once per frame, all people at once
    np.testing.assert_allclose(frame.instances.keypoints, [[[1, 2], [6, 2], [6, 2]]])


@POSE_NMS.register_module(force=True)
class _KeepFirstNMS(_KeepFirst):

    def __init__(self, metainfo=None) -> None:
        self.metainfo = metainfo


def test_the_part_refiner_runs_after_pose_nms_on_the_kept_people(monkeypatch):
    from mmalphapose.apis import builder
    monkeypatch.setattr(builder, 'TopdownPredictor', lambda *a, **k: _Predictor())
    cfg = dict(part_refiner=dict(type='_ShiftFaceRefiner', dx=5.0),
               pose_nms=dict(type='_KeepFirstNMS'))
    models = builder.InferenceModels(_Model(cfg), {}, None, None, 'x.py', None)
    _, pose = builder.build_stages(models, pose_nms='pnms', track='none')
    assert [type(s) for s in pose.steps] == [NMSStage, PartRefineStage]
    seen = []
    shift = pose.steps[1].refiner
    pose.steps[1].refiner = lambda img, inst: seen.append(len(inst)) or shift(img, inst)
    frame = Frame(Source('video', 'x'), 0, '0.jpg', np.zeros((20, 20, 3), np.uint8))
    frame.bboxes = np.array([[1, 2, 5, 6], [8, 9, 12, 14]], np.float32)
    frame.bbox_scores = np.ones(2, np.float32)
    pose.process([frame])
    assert seen == [1]  # only the person P-NMS kept was refined
    np.testing.assert_allclose(frame.instances.keypoints, [[[1, 2], [6, 2], [6, 2]]])


def test_a_missing_package_of_the_config_is_one_line(monkeypatch):
    cfg = dict(type='TopdownPoseEstimator', backbone=dict(type='mmdet.ResNet', depth=34))
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, 'find_spec',
                        lambda name, *a: None if name == 'mmdet' else real(name, *a))
    with pytest.raises(ImportError, match=r'needs mmdet .*mmdet\.ResNet.*pip install mmdet'):
        check_scopes(cfg, 'hybrik.py')
    check_scopes(dict(type='TopdownPoseEstimator', backbone=dict(type='ResNet')), 'x.py')


@pytest.mark.parametrize('det_frequency', [1, 3])
def test_poses_are_followed_only_when_the_detector_skips_frames(monkeypatch, det_frequency):
    from mmalphapose.apis import builder
    monkeypatch.setattr(builder, 'TopdownPredictor', lambda *a, **k: _Predictor())
    models = builder.InferenceModels(_Model(dict()), {}, None, None, 'x.py', None)
    detect, pose = builder.build_stages(
        models, det_frequency=det_frequency, pose_nms='none', track='none')
    assert detect.det_frequency == det_frequency
    assert (pose.follower is not None) == (det_frequency > 1)
    frame = Frame(Source('video', 'x'), 0, '0.jpg', np.zeros((20, 20, 3), np.uint8))
    frame.bboxes = np.array([[1, 2, 5, 6]], np.float32)
    frame.bbox_scores = np.ones(1, np.float32)
    pose.reset()
    pose.process([frame])
    assert len(frame.instances) == 1
    assert (pose.follower is not None and pose.follower.last_index == 0) == (det_frequency > 1)
