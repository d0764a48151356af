import numpy as np
import pytest
import torch

from mmalphapose.apis import inference_topdown, init_model, predict_people
from mmalphapose.apis.inference import get_input_size, samples_to_instances
from .standins import dots_image, write_standin_config

DOTS = [(50, 60), (200, 100), (300, 220)]
BOXES = np.array([[30, 30, 80, 100], [150, 50, 260, 180], [280, 200, 319, 239]], np.float32)


@pytest.fixture(scope='module')
def model(tmp_path_factory):
    return init_model(write_standin_config(str(tmp_path_factory.mktemp('cfg'))))


def test_init_model_metainfo_and_input_size(model):
    assert model.dataset_meta['num_keypoints'] == 17
    assert get_input_size(model) == (48, 64)
    assert not model.training


def test_keypoints_land_on_the_dots(model):
    res = inference_topdown(model, dots_image(DOTS), BOXES)
    assert len(res) == 3
    kpts = np.stack([r.pred_instances.keypoints[0, 0] for r in res])
    np.testing.assert_allclose(kpts, np.array(DOTS, np.float32), atol=1.0)
    np.testing.assert_allclose(np.concatenate([r.pred_instances.bboxes for r in res]), BOXES)


def test_xywh_and_scores_column(model):
    xywh = BOXES.copy()
    xywh[:, 2:] -= xywh[:, :2]
    with_score = np.concatenate([xywh, [[0.5], [0.6], [0.7]]], 1)
    res = inference_topdown(model, dots_image(DOTS), with_score, bbox_format='xywh')
    inst = samples_to_instances(res)
    np.testing.assert_allclose(inst.bboxes, BOXES)
    np.testing.assert_allclose(inst.bbox_scores, [0.5, 0.6, 0.7])
    np.testing.assert_allclose(inst.keypoints[:, 0], np.array(DOTS, np.float32), atol=1.0)


def test_whole_image_when_no_boxes(model):
    # a big dot: the whole-image crop shrinks the image ~8x
    res = inference_topdown(model, dots_image([(100, 100)], radius=12), None)
    assert len(res) == 1
    np.testing.assert_allclose(res[0].pred_instances.bboxes, [[0, 0, 320, 240]])
    # one crop pixel is 400 / 48 = 8.3 image pixels here: half of it is the tolerance
    np.testing.assert_allclose(res[0].pred_instances.keypoints[0, 0], [100, 100], atol=4.2)


def test_people_of_several_frames_in_small_batches(model):
    frames = [dots_image([(40, 50)]), dots_image([(250, 200)], size=(300, 400))]
    boxes = np.array([[0, 0, 100, 100], [200, 150, 300, 260], [10, 20, 90, 110]], np.float32)
    fids = np.array([0, 1, 0])
    res = predict_people(model, frames, fids, boxes, batch_size=2)
    kpts = samples_to_instances(res).keypoints[:, 0]
    np.testing.assert_allclose(kpts, [[40, 50], [250, 200], [40, 50]], atol=1.0)


def test_bad_inputs(model, tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.jpg'):
        inference_topdown(model, str(tmp_path / 'nope.jpg'))
    bad = tmp_path / 'bad.jpg'
    bad.write_bytes(b'not an image')
    with pytest.raises(ValueError, match='bad.jpg'):
        inference_topdown(model, str(bad))
    with pytest.raises(ValueError, match='bbox_format'):
        inference_topdown(model, dots_image(DOTS), BOXES, bbox_format='cxcy')
    with pytest.raises(FileNotFoundError, match='missing_cfg'):
        init_model(str(tmp_path / 'missing_cfg.py'))


def test_wrong_keypoint_count_checkpoint(tmp_path):
    m26 = init_model(write_standin_config(str(tmp_path), 26, 'halpe26'))
    ckpt = tmp_path / 'halpe26.pth'
    torch.save({'state_dict': m26.state_dict()}, ckpt)
    cfg17 = write_standin_config(str(tmp_path), 17, 'coco')
    with pytest.raises(ValueError, match=r'26 keypoints.*17 keypoints'):
        init_model(cfg17, str(ckpt))
    # metadata says so even before the shapes are compared
    torch.save({'state_dict': {}, 'meta': {'dataset_meta': {'num_keypoints': 133}}},
               tmp_path / 'wb.pth')
    with pytest.raises(ValueError, match='133'):
        init_model(cfg17, str(tmp_path / 'wb.pth'))
    with pytest.raises(FileNotFoundError):
        init_model(cfg17, str(tmp_path / 'absent.pth'))


def test_checkpoint_roundtrip_and_distiller_prefix(tmp_path):
    cfg = write_standin_config(str(tmp_path), 17, 'coco')
    src = init_model(cfg)
    with torch.no_grad():
        src.head.final.weight.fill_(0.25)
    torch.save({'state_dict': {f'student.{k}': v for k, v in src.state_dict().items()}},
               tmp_path / 'distill.pth')
    dst = init_model(cfg, str(tmp_path / 'distill.pth'))
    assert torch.allclose(dst.head.final.weight, torch.full_like(dst.head.final.weight, 0.25))


def test_real_distilled_student_config_runs(data_root):
    """The default bundled Halpe-26 model builds and predicts."""
    from mmalphapose.apis import default_pose_model
    cfg, _ = default_pose_model()
    if cfg is None:
        pytest.skip('default distillation config not present')
    model = init_model(cfg)
    assert model.dataset_meta['num_keypoints'] == 26
    res = inference_topdown(model, f'{data_root}/coco/000000197388.jpg',
                            np.array([[100, 50, 300, 380]], np.float32))
    inst = samples_to_instances(res)
    assert inst.keypoints.shape == (1, 26, 2) and np.isfinite(inst.keypoints).all()


def test_flip_override_is_restored_and_heatmaps(model):
    model.test_cfg['flip_test'] = False
    res = predict_people(model, [dots_image(DOTS)], np.zeros(3, np.int64), BOXES,
                         flip=True, output_heatmaps=True)
    assert model.test_cfg['flip_test'] is False
    hm = res[0].pred_fields.heatmaps
    assert hm.shape == (17, 64, 48) and hm.min() >= 0 and hm.max() <= 1
