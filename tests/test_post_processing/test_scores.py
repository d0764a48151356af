"""proposal_score: AlphaPose's person score, one home for N people."""
import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData

from mmalphapose.evaluation import rescore_instances
from mmalphapose.post_processing import ParametricPoseNMS, proposal_score
from mmalphapose.post_processing.scores import person_keypoint_ids


def _loop(kscores, bscores):
    return [float(np.mean(k) + b + 1.25 * np.max(k)) for k, b in zip(kscores, bscores)]


def test_matches_the_formula_per_person():
    rng = np.random.default_rng(0)
    ks = rng.uniform(0, 1, (5, 17))
    bs = rng.uniform(0, 1, 5)
    out = proposal_score(ks, bs)
    assert out.shape == (5, ) and out.dtype == np.float64
    np.testing.assert_allclose(out, _loop(ks, bs), rtol=1e-12)
    # (N, K, 1) scores, (N, 1) box scores and tensors give the same
    np.testing.assert_allclose(
        proposal_score(torch.from_numpy(ks)[..., None],
                       torch.from_numpy(bs)[:, None]), out)


def test_empty_and_bad_shapes():
    assert proposal_score(np.zeros((0, 17)), np.zeros(0)).shape == (0, )
    with pytest.raises(ValueError, match=r'\(3, K\)'):
        proposal_score(np.zeros((2, 17)), np.zeros(3))
    with pytest.raises(ValueError, match='no keypoints'):
        proposal_score(np.zeros((2, 0)), np.zeros(2))


def test_users_share_it():
    rng = np.random.default_rng(1)
    ks = rng.uniform(0.4, 1, (4, 17))
    bs = rng.uniform(0.5, 1, 4)
    np.testing.assert_allclose(rescore_instances(bs, ks, 'alphapose'), proposal_score(ks, bs))
    # P-NMS writes the person score of its merged poses into ``scores``
    kpts = rng.uniform(0, 500, (4, 17, 2))
    inst = InstanceData(
        keypoints=kpts,
        keypoint_scores=ks,
        bboxes=np.concatenate([kpts.min(1), kpts.max(1)], 1),
        bbox_scores=bs)
    kept, idx = ParametricPoseNMS().nms(inst)
    assert len(kept) == len(idx) > 0
    np.testing.assert_allclose(kept.scores, proposal_score(kept.keypoint_scores, bs[idx]))
    assert 'proposal_scores' not in kept  # one field for the person score


def test_whole_body_people_are_scored_by_their_body_keypoints():
    assert person_keypoint_ids(17) is None and person_keypoint_ids(26) is None
    assert person_keypoint_ids(136).tolist() == list(range(26))
    assert person_keypoint_ids(133).tolist() == list(range(23))
    parts = dict(body=[0, 1], face=[2, 3], left_hand=[4], right_hand=[5])
    assert person_keypoint_ids(7, parts).tolist() == [0, 1, 6]
    rng = np.random.default_rng(2)
    ks = rng.uniform(0, 1, (3, 136))
    bs = rng.uniform(0, 1, 3)
    body = proposal_score(ks, bs, person_keypoint_ids(136))
    np.testing.assert_allclose(body, _loop(ks[:, :26], bs), rtol=1e-12)
    ks[:, 26:] = 0  # face / hands unseen: the score does not move
    np.testing.assert_allclose(proposal_score(ks, bs, list(range(26))), body, rtol=1e-12)
    with pytest.raises(ValueError, match='keypoint_ids'):
        proposal_score(ks, bs, [136])
