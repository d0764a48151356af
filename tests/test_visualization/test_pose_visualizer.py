import cv2
import numpy as np
import pytest
from mmengine.structures import InstanceData

from mmalphapose.registry import VISUALIZERS
from mmalphapose.structures import PoseDataSample, PoseMetainfo
from mmalphapose.visualization import PoseVisualizer, openpose_joints

metainfo_for_num_keypoints = PoseMetainfo.for_num_keypoints


def _person(meta, score=0.9, offset=(0, 0)):
    """A plausible standing pose: keypoints spread over a 60x150 box."""
    k = meta['num_keypoints']
    rng = np.random.default_rng(k)
    kpts = rng.uniform([70, 30], [130, 180], (1, k, 2)).astype(np.float32) + offset
    return kpts, np.full((1, k), score, np.float32)


@pytest.mark.parametrize('k', [17, 26, 133, 136])
@pytest.mark.parametrize('style', ['mmpose', 'openpose'])
def test_draws_every_format(k, style):
    meta = PoseMetainfo.for_num_keypoints(k)
    vis = VISUALIZERS.build(dict(type='PoseVisualizer', skeleton_style=style, dataset_meta=meta))
    kpts, scores = _person(meta)
    kpts[0, 0] = (15, 205)  # isolated, so nothing else is drawn over it
    img = np.zeros((220, 200, 3), np.uint8)
    out = vis.draw_instances(
        img,
        InstanceData(
            keypoints=kpts,
            keypoint_scores=scores,
            bboxes=np.array([[60, 20, 140, 190]], np.float32)))
    assert out.shape == img.shape and img.max() == 0  # input untouched
    assert (out.sum(-1) > 0).mean() > 0.01
    # a drawn keypoint has its metainfo colour (BGR) near its centre
    if style == 'mmpose':
        x, y = kpts[0, 0].round().astype(int)
        want = meta['keypoint_colors'][0][::-1].astype(int)
        assert np.abs(out[y, x].astype(int) - want * vis.alpha).max() <= 40


def test_kpt_thr_hides_low_scores():
    meta = PoseMetainfo.for_num_keypoints(17)
    vis = PoseVisualizer(dataset_meta=meta, draw_bbox=False)
    kpts, scores = _person(meta, score=0.2)
    img = np.zeros((220, 200, 3), np.uint8)
    inst = InstanceData(keypoints=kpts, keypoint_scores=scores)
    assert vis.draw_instances(img, inst, kpt_thr=0.3).max() == 0
    assert vis.draw_instances(img, inst, kpt_thr=0.1).max() > 0


def test_boxes_and_track_ids_and_empty():
    meta = PoseMetainfo.for_num_keypoints(26)
    vis = PoseVisualizer(dataset_meta=meta)
    k1, s1 = _person(meta)
    k2, s2 = _person(meta, offset=(0, 0))
    inst = InstanceData(
        keypoints=np.concatenate([k1, k2]),
        keypoint_scores=np.concatenate([s1, s2]),
        bboxes=np.array([[5, 5, 60, 60], [100, 100, 190, 210]], np.float32),
        track_ids=np.array([0, 1]))
    out = vis.draw_instances(np.zeros((220, 200, 3), np.uint8), inst)
    # track 0 is red, track 1 green in the AlphaPose colour pool
    assert tuple(out[5, 30]) == (0, 0, 255) and tuple(out[210, 150]) == (0, 255, 0)
    empty = vis.draw_instances(np.zeros((20, 20, 3), np.uint8), InstanceData())
    assert empty.max() == 0


def test_wrong_keypoint_count_and_style_errors():
    meta = PoseMetainfo.for_num_keypoints(17)
    vis = PoseVisualizer(dataset_meta=meta)
    with pytest.raises(ValueError, match='26 keypoints'):
        vis.draw_instances(
            np.zeros((9, 9, 3), np.uint8),
            InstanceData(keypoints=np.zeros((1, 26, 2)), keypoint_scores=np.ones((1, 26))))
    with pytest.raises(ValueError, match='skeleton_style'):
        PoseVisualizer(skeleton_style='fancy')
    with pytest.raises(RuntimeError, match='set_dataset_meta'):
        PoseVisualizer().draw_instances(np.zeros((9, 9, 3), np.uint8), InstanceData())


def test_openpose_joints_neck_and_midhip():
    meta = PoseMetainfo.for_num_keypoints(17)
    kpts, scores = _person(meta)
    j = openpose_joints(meta, kpts, scores, ('neck', 'mid_hip', 'nose'))
    np.testing.assert_allclose(j[0, 0, :2], kpts[0, [5, 6]].mean(0))
    np.testing.assert_allclose(j[0, 1, :2], kpts[0, [11, 12]].mean(0))
    np.testing.assert_allclose(j[0, 2, :2], kpts[0, 0])


def test_heatmap_and_add_datasample(tmp_path):
    meta = PoseMetainfo.for_num_keypoints(17)
    vis = PoseVisualizer(dataset_meta=meta)
    hm = np.zeros((1, 17, 16, 12), np.float32)
    hm[0, 3, 8, 6] = 1.0  # peak at the crop centre
    img = np.zeros((100, 100, 3), np.uint8)
    out = vis.draw_heatmap(img, hm, np.array([[40, 60]]), np.array([[30, 40]]))
    y, x = np.unravel_index(out[..., 2].argmax(), out.shape[:2])  # red = hot
    assert abs(x - 40) <= 3 and abs(y - 60) <= 3
    sample = PoseDataSample()
    kpts, scores = _person(meta)
    sample.pred_instances = InstanceData(keypoints=kpts, keypoint_scores=scores)
    drawn = vis.add_datasample(
        'x', np.zeros((220, 200, 3), np.uint8), sample, out_file=str(tmp_path / 'x.png'))
    assert drawn.max() > 0 and cv2.imread(str(tmp_path / 'x.png')).shape == (220, 200, 3)


def test_per_keypoint_thresholds():
    meta = PoseMetainfo.for_num_keypoints(17)
    vis = PoseVisualizer(dataset_meta=meta, draw_bbox=False, radius=2)
    kpts = np.array([[[20, 20], [60, 60]] + [[np.nan, np.nan]] * 15], np.float32)
    scores = np.array([[0.2, 0.2] + [0.9] * 15], np.float32)
    thr = np.full(17, 0.3, np.float32)
    thr[1] = 0.1  # only keypoint 1 passes; NaN keypoints are never drawn
    out = vis.draw_instances(
        np.zeros((80, 80, 3), np.uint8),
        InstanceData(keypoints=kpts, keypoint_scores=scores),
        kpt_thr=thr)
    assert out[20, 20].max() == 0 and out[60, 60].max() > 0


def _wholebody_person(face_side: float, origin=(20.0, 20.0)) -> InstanceData:
    """One Halpe-136 person whose face (26-93) spans ``face_side`` pixels and
    whose body / hands sit far to the right of it."""
    rng = np.random.default_rng(0)
    k = np.zeros((1, 136, 2), np.float32)
    k[0, :26] = rng.uniform(300, 380, (26, 2))
    k[0, 26:94] = np.asarray(origin) + rng.uniform(0, face_side, (68, 2))
    k[0, 26:28] = np.asarray(origin) + [[0, 0], [face_side, face_side]]
    k[0, 94:] = rng.uniform(300, 380, (42, 2))
    return InstanceData(keypoints=k, keypoint_scores=np.ones((1, 136), np.float32))


def test_wholebody_parts_drawn_at_their_size():
    vis = PoseVisualizer(
        draw_bbox=False, alpha=1.0, radius=3, dataset_meta=PoseMetainfo.for_num_keypoints(136))
    blank = np.zeros((400, 400, 3), np.uint8)

    def face_ink(inst):
        return int((vis.draw_instances(blank, inst)[:250, :250] > 0).any(-1).sum())

    # a face too small to show is left out; a big one is drawn
    assert face_ink(_wholebody_person(8.0)) == 0
    big = face_ink(_wholebody_person(200.0))
    assert big > 0
    # radius and link width follow the part's size (at most radius / line_width)
    radius, width = vis._part_sizes(_wholebody_person(50.0).keypoints, np.ones((1, 136), bool))
    assert radius[0, 0] == 3 and radius[0, 1] == 1 and width[0, 1] == 1
    radius, _ = vis._part_sizes(_wholebody_person(100.0).keypoints, np.ones((1, 136), bool))
    assert radius[0, 1] == 2
    # points below the threshold are left out of the face too
    low = _wholebody_person(200.0)
    low.keypoint_scores[0, 26:94] = 0.1
    assert face_ink(low) == 0
    # hand points take their finger's link colour
    hand = np.flatnonzero(vis._part_of == 1)
    assert len({tuple(c) for c in vis._kpt_colors[hand]}) > 1
