"""Teacher crop geometry; the real ONNX teachers bundled in checkpoints/."""
import json
import os.path as osp

import cv2
import numpy as np
import pytest

from mmalphapose.models.distillers.onnx_teachers import (BlazePoseTeacher, MoveNetTeacher,
                                                         crop_to_image, square_crop_affine)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MODELS_DIR = osp.join(ROOT, 'checkpoints')  # the bundled teacher ONNX files
COCO = osp.join(ROOT, 'tests', 'data', 'coco')
SIGMAS = np.array(
    [.26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62, 1.07, 1.07, .87, .87, .89, .89]) / 10


def test_square_crop_roundtrip():
    boxes = np.array([[10, 20, 50, 120], [0, 0, 200, 100]], np.float32)
    mats = square_crop_affine(boxes, 256, 1.25)
    # box centre -> crop centre; longest side x 1.25 -> 256 px
    c = (boxes[:, :2] + boxes[:, 2:]) / 2
    mapped = np.einsum('nij,nj->ni', mats[:, :, :2], c) + mats[:, :, 2]
    np.testing.assert_allclose(mapped, 128, atol=1e-4)
    np.testing.assert_allclose(mats[:, 0, 0], 256 / (np.array([100, 200]) * 1.25))
    pts = np.random.default_rng(0).uniform(0, 256, (2, 5, 2)).astype(np.float32)
    img_pts = crop_to_image(pts, mats)
    back = np.einsum('nij,nkj->nki', mats[:, :, :2], img_pts) + mats[:, None, :, 2]
    np.testing.assert_allclose(back, pts, atol=1e-3)


def test_missing_model():
    with pytest.raises(FileNotFoundError, match='x.onnx'):
        MoveNetTeacher('x.onnx')


def test_part_teacher_refuses_a_model_without_its_outputs():
    from mmalphapose.models.distillers.onnx_teachers import FaceMeshTeacher
    movenet = osp.join(MODELS_DIR, 'movenet-thunder.onnx')
    with pytest.raises(ValueError, match=r'FaceMeshTeacher: .*movenet-thunder.onnx.*Identity_2:0'):
        FaceMeshTeacher(movenet)


@pytest.mark.slow
@pytest.mark.skipif(
    not osp.isfile(osp.join(MODELS_DIR, 'movenet-thunder.onnx')),
    reason='teacher ONNX files not bundled in checkpoints/')
def test_teachers_on_coco_sample():
    gt = json.load(open(osp.join(COCO, 'test_coco.json')))
    mv = MoveNetTeacher(osp.join(MODELS_DIR, 'movenet-thunder.onnx'))
    bp = BlazePoseTeacher(osp.join(MODELS_DIR, 'blazepose-full.onnx'))
    oks_mv, oks_bp = [], []
    for im in gt['images']:
        img = cv2.imread(osp.join(COCO, im['file_name']))
        anns = [a for a in gt['annotations'] if a['image_id'] == im['id'] and a['num_keypoints']]
        b = np.array([a['bbox'] for a in anns], np.float32)
        boxes = np.concatenate([b[:, :2], b[:, :2] + b[:, 2:]], 1)
        k, s = mv.predict(img, boxes)
        kb, sb = bp.predict(img, boxes)
        assert k.shape == (len(anns), 17, 2) and kb.shape == (len(anns), 33, 2)
        assert ((s >= 0) & (s <= 1)).all() and ((sb >= 0) & (sb <= 1)).all()
        for i, a in enumerate(anns):
            g = np.array(a['keypoints'], np.float32).reshape(17, 3)
            v = g[:, 2] > 0
            for pred, acc in ((k[i], oks_mv), (kb[i][BlazePoseTeacher.COCO17], oks_bp)):
                e = ((pred - g[:, :2])**2).sum(1) / (2 * SIGMAS)**2 / a['area'] / 2
                acc.append(np.exp(-e)[v].mean())
    assert np.mean(oks_mv) > 0.8  # measured 0.842
    assert np.mean(oks_bp) > 0.6  # measured 0.676


# --------------------------------------------------------------------------
# Whole-body teachers (MediaPipe hand landmark / face mesh). Their ONNX files
# are not bundled: they stay in the shared models folder next to the repo.
# --------------------------------------------------------------------------
from mmalphapose.datasets.datasets.utils import parse_pose_metainfo
from mmalphapose.models.distillers.onnx_teachers import (FaceMeshTeacher, HandLandmarkTeacher,
                                                         affine_crop_to_image,
                                                         rotated_square_crop_affine)
from mmalphapose.models.distillers.pseudo_labels import FACEMESH_TO_IBUG68
from mmalphapose.structures.bbox.part_boxes import face_boxes_from_body, hand_boxes_from_body

SHARED_MODELS = osp.join(ROOT, '..', 'shared', 'models')
HAND_ONNX = osp.join(MODELS_DIR, 'handlandmark-full.onnx')  # bundled since halpe136-teachers
if not osp.isfile(HAND_ONNX):
    HAND_ONNX = osp.join(SHARED_MODELS, 'handlandmark-full.onnx')
FACE_ONNX = osp.join(SHARED_MODELS, 'facemesh.onnx')
WHOLEBODY_GT = osp.join(ROOT, 'tests', 'data', 'coco_wholebody', 'test_coco_wholebody.json')
ASTRONAUT = osp.join(ROOT, '..', 'shared', 'data', 'images', 'skimage_astronaut.png')
needs_hand = pytest.mark.skipif(
    not osp.isfile(HAND_ONNX),
    reason='handlandmark-full.onnx missing (checkpoints/, ../shared/models)')
needs_face = pytest.mark.skipif(
    not osp.isfile(FACE_ONNX), reason='../shared/models/facemesh.onnx missing')
# thumb <-> pinky, index <-> ring: a mirrored hand
HAND_MIRROR = [0] + [f * 4 + j + 1 for f in (4, 3, 2, 1, 0) for j in range(4)]
HALPE136_META = osp.join(ROOT, 'configs', '_base_', 'datasets', 'halpe136.py')


def _wholebody():
    gt = json.load(open(WHOLEBODY_GT))
    imgs = {im['id']: cv2.imread(osp.join(COCO, im['file_name'])) for im in gt['images']}
    return gt['annotations'], imgs


def _xyxy(b):
    b = np.asarray(b, np.float32)
    return np.concatenate([b[:2], b[:2] + b[2:]])


def test_rotated_crop_affine_for_hand_face():
    c = np.array([[50.0, 80.0], [10.0, 20.0]])
    up = np.array([-np.pi / 2, 0.0])  # upright; image +x becomes crop "up"
    mats = rotated_square_crop_affine(c, np.array([40.0, 20.0]), up, 200)
    apply = lambda m, p: p @ m[:, :2].T + m[:, 2]  # noqa: E731
    np.testing.assert_allclose(apply(mats[0], c[0]), (100, 100), atol=1e-4)
    np.testing.assert_allclose(apply(mats[1], c[1]), (100, 100), atol=1e-4)
    # upright = the scale+shift crop of square_crop_affine
    box = np.array([[30, 60, 70, 100]], np.float32)
    np.testing.assert_allclose(
        rotated_square_crop_affine(c[:1], [40.0], None, 200)[0],
        square_crop_affine(box, 200, 1.0)[0],
        atol=1e-4)
    # the given direction points up in the crop: c + (5, 0) is above the centre
    p = apply(mats[1], c[1] + (5, 0))
    np.testing.assert_allclose(p, (100, 100 - 5 * 200 / 20), atol=1e-3)
    pts = np.random.default_rng(0).uniform(0, 200, (2, 4, 2)).astype(np.float32)
    back = affine_crop_to_image(pts, mats)
    np.testing.assert_allclose(np.stack([apply(m, q) for m, q in zip(mats, back)]), pts, atol=1e-3)


@needs_hand
def test_hand_teacher_layout_on_coco():
    """Identity:0 = 21 points in COCO-WholeBody order, Identity_1:0 = presence."""
    anns, imgs = _wholebody()
    teacher = HandLandmarkTeacher(HAND_ONNX, num_threads=1)
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 255, (240, 320, 3), np.uint8)
    _, s_noise = teacher.predict(noise, np.array([[100, 80, 180, 160]], np.float32))
    assert s_noise.max() < 0.1  # a probability, low without a hand
    confident = []
    for a in anns:
        body = np.array(a['keypoints'], np.float32).reshape(17, 3)
        for side, (el, wr) in (('lefthand', (7, 9)), ('righthand', (8, 10))):
            if not a[side + '_valid'] or not (body[el, 2] and body[wr, 2]):
                continue
            d = body[wr, :2] - body[el, :2]
            box = _xyxy(a[side + '_box'])
            k, s = teacher.predict(imgs[a['image_id']], box[None],
                                   np.array([np.arctan2(d[1], d[0])]))
            assert k.shape == (1, 21, 2) and s.shape == (1, 21)
            assert (s >= 0).all() and (s <= 1).all() and np.ptp(s) == 0
            if s[0, 0] > 0.3:
                g = np.array(a[side + '_kpts'], np.float32).reshape(21, 3)[:, :2]
                size = (box[2:] - box[:2]).max()
                err = np.linalg.norm(k[0] - g, axis=1).mean() / size
                err_mirror = np.linalg.norm(k[0][HAND_MIRROR] - g, axis=1).mean() / size
                confident.append((err, err_mirror))
    assert len(confident) >= 2  # measured: 2 hands, presence 0.89 / 0.43
    for err, err_mirror in confident:
        assert err < 0.2 and err < err_mirror - 0.1  # measured 0.11 / 0.10 vs 0.36 / 0.33


def _face_pred(teacher, img, boxes, angles):
    k, s = teacher.predict(img, boxes, angles)
    return k[:, list(FACEMESH_TO_IBUG68)], s


@needs_face
def test_face_teacher_layout_on_coco():
    """468 mesh points in input pixels; the 68-point map matches the GT and
    is not mirrored."""
    anns, imgs = _wholebody()
    teacher = FaceMeshTeacher(FACE_ONNX, num_threads=1)
    flip = parse_pose_metainfo(dict(from_file=HALPE136_META))['flip_indices']
    flip68 = np.array(flip[26:94]) - 26
    errs, errs_flip, flags = [], [], []
    for a in anns:
        if not a['face_valid']:
            continue
        body = np.array(a['keypoints'], np.float32).reshape(17, 3)
        _, _, ang = face_boxes_from_body(body[None, :, :2], body[None, :, 2] > 0)
        box = _xyxy(a['face_box'])
        mesh, s = teacher.predict(imgs[a['image_id']], box[None], ang)
        assert mesh.shape == (1, 468, 2) and s.shape == (1, 468)
        k = mesh[0, list(FACEMESH_TO_IBUG68)]
        g = np.array(a['face_kpts'], np.float32).reshape(68, 3)[:, :2]
        size = (box[2:] - box[:2]).max()
        errs.append(np.linalg.norm(k - g, axis=1).mean() / size)
        errs_flip.append(np.linalg.norm(k[flip68] - g, axis=1).mean() / size)
        flags.append(s[0, 0])
    assert len(errs) == 4
    assert np.mean(errs) < 0.09  # measured 0.057
    assert min(errs_flip) > 0.2  # measured mean 0.34: sides not swapped
    assert sum(f > 0.9 for f in flags) >= 3 and max(flags) <= 1


@needs_face
@pytest.mark.skipif(not osp.isfile(ASTRONAUT), reason='../shared/data/images missing')
def test_face_mapping_sides_and_flip_pairs_on_mirrored_face():
    """Jaw 0 / eye corner 36 on the image-left of a frontal face, and a
    mirrored image gives the mirrored face under the Halpe-136 flip pairs."""
    img = cv2.imread(ASTRONAUT)
    teacher = FaceMeshTeacher(FACE_ONNX, num_threads=1)
    box = np.array([[150, 60, 300, 200]], np.float32)
    k, s = _face_pred(teacher, img, box, None)
    k = k[0]
    assert s[0, 0] > 0.9
    assert k[0, 0] < k[8, 0] < k[16, 0] and k[36, 0] < k[39, 0] < k[42, 0] < k[45, 0]
    assert k[48, 0] < k[54, 0] and k[17, 0] < k[26, 0]
    assert k[27, 1] < k[30, 1] < k[51, 1] < k[57, 1] < k[8, 1]  # nose above mouth above chin
    w = img.shape[1]
    box_m = np.array([[w - 1 - box[0, 2], box[0, 1], w - 1 - box[0, 0], box[0, 3]]], np.float32)
    km, _ = _face_pred(teacher, cv2.flip(img, 1), box_m, None)
    km = km[0].copy()
    km[:, 0] = w - 1 - km[:, 0]
    flip = parse_pose_metainfo(dict(from_file=HALPE136_META))['flip_indices']
    flip68 = np.array(flip[26:94]) - 26
    size = 150
    err = np.linalg.norm(km[flip68] - k, axis=1).mean() / size
    err_unpaired = np.linalg.norm(km - k, axis=1).mean() / size
    assert err < 0.03 and err_unpaired > 0.1  # measured 0.013 vs 0.30


@needs_hand
@needs_face
def test_hand_face_teachers_on_boxes_from_body():
    """The labeller's path: boxes and angles from the body keypoints."""
    anns, imgs = _wholebody()
    hand = HandLandmarkTeacher(HAND_ONNX, num_threads=1)
    face = FaceMeshTeacher(FACE_ONNX, num_threads=1)
    a = next(a for a in anns if a['id'] == 531914)  # a clear right hand
    body = np.array(a['keypoints'], np.float32).reshape(17, 3)
    img = imgs[a['image_id']]
    hb, hv, ha = hand_boxes_from_body(body[None, :, :2], body[None, :, 2] > 0)
    assert hv[0, 1]  # the right arm (its left elbow is not annotated)
    k, s = hand.predict(img, hb[0, 1:], ha[0, 1:])
    g = np.array(a['righthand_kpts'], np.float32).reshape(21, 3)[:, :2]
    size = max(a['righthand_box'][2:])
    assert s[0, 0] > 0.5 and np.linalg.norm(k[0] - g, axis=1).mean() / size < 0.25
    a = next(a for a in anns if a['id'] == 442619)  # a frontal face
    body = np.array(a['keypoints'], np.float32).reshape(17, 3)
    img = imgs[a['image_id']]
    fb, fv, fa = face_boxes_from_body(body[None, :, :2], body[None, :, 2] > 0)
    assert fv[0]
    k, s = _face_pred(face, img, fb, fa)
    g = np.array(a['face_kpts'], np.float32).reshape(68, 3)[:, :2]
    assert s[0, 0] > 0.9
    assert np.linalg.norm(k[0] - g, axis=1).mean() / max(a['face_box'][2:]) < 0.1


class _StubSession:
    """An ONNX session stand-in for a 1-point part model: the point at the
    crop centre, the score = the mean brightness of the crop's top half
    (so it depends on the crop's rotation); counts the crops it sees."""

    def __init__(self):
        self.crops = 0

    def run(self, names, feeds):
        x = next(iter(feeds.values()))
        self.crops += len(x)
        s = x.shape[1]
        pts = np.tile(np.array([s / 2, s / 2, 0], np.float32), (len(x), 1))
        return [pts, x[:, :s // 2].mean((1, 2, 3)).astype(np.float32)[:, None]]


def test_rotated_crop_teacher_quarter_turn_search():
    """predict(retry_thr=...): crops scoring below it are tried at the other
    three quarter turns (always all three) and the best score is kept;
    without it one upright-or-given-angle pass."""
    from mmalphapose.models.distillers.onnx_teachers import _RotatedCropTeacher
    teacher = _RotatedCropTeacher.__new__(_RotatedCropTeacher)
    teacher.session, teacher.input_name = _StubSession(), 'x'
    teacher.input_size, teacher.padding, teacher.num_keypoints = 32, 1.0, 1
    teacher.output_names, teacher.batch_one = ('p', 's'), True
    img = np.zeros((100, 200, 3), np.uint8)
    img[:, 100:] = 255  # bright right half
    # box 0 in the dark, box 1 on the edge (bright on its right), box 2 all bright
    boxes = np.array([[10, 30, 50, 70], [80, 30, 120, 70], [140, 30, 180, 70]], np.float32)
    up = np.full(3, -np.pi / 2, np.float32)
    k, s = teacher.predict(img, boxes, up)
    assert teacher.session.crops == 3 and s.shape == (3, 1) and k.shape == (3, 1, 2)
    np.testing.assert_allclose(k[:, 0], [(30, 50), (100, 50), (160, 50)], atol=1e-3)
    assert s[0, 0] == 0 and abs(s[1, 0] - 0.5) < 0.05 and s[2, 0] == 1
    teacher.session.crops = 0
    k2, s2 = teacher.predict(img, boxes, up, retry_thr=0.9)
    assert teacher.session.crops == 3 + 2 * 3  # boxes 0 and 1, three more turns each
    # box 1: a quarter turn that puts the bright side on top wins
    assert s2[1, 0] > 0.9 and s2[0, 0] == 0 and s2[2, 0] == 1
    np.testing.assert_allclose(k2[:, 0], k[:, 0], atol=1e-3)  # the centre, whatever the turn
    # retry_min: box 0 (score 0: nothing in the crop) is not searched, box 1 is
    teacher.session.crops = 0
    k3, s3 = teacher.predict(img, boxes, up, retry_thr=0.9, retry_min=0.1)
    assert teacher.session.crops == 3 + 3
    np.testing.assert_array_equal(s3, s2)
    assert teacher.predict(img, np.zeros((0, 4)), retry_thr=0.5)[0].shape == (0, 1, 2)
