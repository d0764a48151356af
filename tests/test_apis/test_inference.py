import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData

from mmalphapose.apis import TopdownCrop, TopdownPredictor, inference_topdown, init_model
from mmalphapose.testing import dots_image, write_standin_config


def samples_to_instances(samples):
    return InstanceData.cat([s.pred_instances for s in samples])


DOTS = [(50, 60), (200, 100), (300, 220)]
BOXES = np.array([[30, 30, 80, 100], [150, 50, 260, 180], [280, 200, 319, 239]], np.float32)


@pytest.fixture(scope='module')
def model(tmp_path_factory):
    return init_model(write_standin_config(str(tmp_path_factory.mktemp('cfg'))))


def test_init_model_metainfo_and_input_size(model):
    assert model.dataset_meta['num_keypoints'] == 17
    assert TopdownCrop.from_model(model).input_size == (48, 64)
    assert not model.training


def test_a_model_name_loads_its_bundled_weights():
    """``init_model('halpe26-student')`` gives the index's weights; the same
    config by path without a checkpoint keeps the initial ones."""
    from mmalphapose.apis.model_index import find_model
    from mmalphapose.utils import safe_torch_load
    from mmalphapose.utils.resources import resource_root
    entry = find_model('halpe26-student')
    named = init_model('halpe26-student')
    by_path = init_model(str(resource_root() / entry.config))
    sd = safe_torch_load(str(resource_root() / entry.weights))['state_dict']
    key = next(k for k in sd if k.endswith('final_layer.weight'))
    torch.testing.assert_close(named.state_dict()[key], sd[key].float())
    assert not torch.allclose(by_path.state_dict()[key], sd[key].float())


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
    inst = TopdownPredictor(model, batch_size=2)(frames, fids, boxes)
    kpts = inst.keypoints[:, 0]
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
    torch.save({
        'state_dict': {},
        'meta': {
            'dataset_meta': {
                'num_keypoints': 133
            }
        }
    }, tmp_path / 'wb.pth')
    with pytest.raises(ValueError, match='133'):
        init_model(cfg17, str(tmp_path / 'wb.pth'))
    with pytest.raises(FileNotFoundError):
        init_model(cfg17, str(tmp_path / 'absent.pth'))


def test_checkpoint_roundtrip_and_distiller_prefix(tmp_path):
    cfg = write_standin_config(str(tmp_path), 17, 'coco')
    src = init_model(cfg)
    with torch.no_grad():
        src.head.final.weight.fill_(0.25)
    torch.save({'state_dict': {
        f'student.{k}': v
        for k, v in src.state_dict().items()
    }}, tmp_path / 'distill.pth')
    dst = init_model(cfg, str(tmp_path / 'distill.pth'))
    assert torch.allclose(dst.head.final.weight, torch.full_like(dst.head.final.weight, 0.25))


def test_real_distilled_student_config_runs(data_root):
    """The default bundled model (the Halpe-136 student) builds and predicts."""
    from mmalphapose.apis import default_pose_model
    cfg, _ = default_pose_model()
    if cfg is None:
        pytest.skip('default distillation config not present')
    model = init_model(cfg)
    assert model.dataset_meta['num_keypoints'] == 136
    res = inference_topdown(model, f'{data_root}/coco/000000197388.jpg',
                            np.array([[100, 50, 300, 380]], np.float32))
    inst = samples_to_instances(res)
    assert inst.keypoints.shape == (1, 136, 2) and np.isfinite(inst.keypoints).all()


def test_flip_option_leaves_the_model_alone_and_heatmaps(model):
    model.test_cfg['flip_test'] = False
    predictor = TopdownPredictor(model, flip=True)
    inst = predictor([dots_image(DOTS)], np.zeros(3, np.int64), BOXES, with_heatmaps=True)
    # the flip option goes to predict_crops as an argument: no copy, no change
    assert model.test_cfg['flip_test'] is False and predictor.flip
    # the flip pairs are checked once, when the predictor is built
    assert predictor.flip_indices == [int(i) for i in model.dataset_meta['flip_indices']]
    assert predictor.model.head is model.head  # the same weights
    hm = inst.heatmaps
    assert hm.shape == (3, 17, 64, 48) and hm.min() >= 0 and hm.max() <= 1
    assert inst.input_centers.shape == (3, 2)


def test_inference_crop_is_the_test_pipeline_crop(model):
    """The one crop: TopdownCrop (all people at once) gives exactly the crops
    of the model's own test pipeline, sample by sample."""
    from mmengine.dataset import Compose
    from mmengine.registry import DefaultScope

    from mmalphapose.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    img = dots_image(DOTS)
    boxes = np.concatenate([BOXES, [[-20, -10, 30, 400], [5, 5, 5.5, 6]]]).astype(np.float32)
    crops, centers, scales = TopdownCrop.from_model(model)([img], np.zeros(5, np.int64), boxes)
    steps = [
        s for s in model.cfg.test_dataloader.dataset.pipeline
        if s['type'] in ('GetBBoxCenterScale', 'TopdownAffine')
    ]
    with DefaultScope.overwrite_default_scope('mmalphapose'):
        pipeline = Compose(steps)
    for i, box in enumerate(boxes):
        box = box.copy()
        box[2:] = np.maximum(box[2:], box[:2] + 1)
        ref = pipeline(dict(img=img.copy(), bbox=box[None]))
        assert np.array_equal(crops[i].permute(1, 2, 0).numpy().astype(np.uint8), ref['img'])
        np.testing.assert_array_equal(centers[i], ref['input_center'])
        np.testing.assert_array_equal(scales[i], ref['input_scale'])


def test_crop_needs_the_test_pipeline(tmp_path):
    from mmengine.config import Config
    cfg = Config.fromfile(write_standin_config(str(tmp_path)))
    cfg.test_dataloader.dataset.pipeline = [dict(type='LoadImage')]
    with pytest.raises(ValueError, match='GetBBoxCenterScale / TopdownAffine'):
        TopdownPredictor(init_model(cfg))
    cfg = Config.fromfile(write_standin_config(str(tmp_path)))
    for step in cfg.test_dataloader.dataset.pipeline:
        if step['type'] == 'TopdownAffine':
            step['input_size'] = (96, 128)
    model = init_model(cfg)
    from mmalphapose.codecs import SIKRLabel
    model.head.decoder = SIKRLabel(input_size=(48, 64), heatmap_size=(12, 16))
    with pytest.raises(ValueError, match='differs from the codec'):
        TopdownPredictor(model)


def test_metainfo_from_the_config_never_from_the_keypoint_count(tmp_path):
    src = open(write_standin_config(str(tmp_path), 26, 'halpe26')).read()
    no_meta = src.replace("metainfo=dict(from_file='mmalphapose::_base_/datasets/halpe26.py'))",
                          ')')
    assert no_meta != src
    path = tmp_path / 'no_meta.py'
    path.write_text(no_meta)
    # 26 keypoints would have guessed Halpe-26: a clear error instead
    with pytest.raises(ValueError, match='no dataset metainfo'):
        init_model(str(path))
    # a dataset class in the config is explicit: its METAINFO
    path.write_text(no_meta.replace('test_dataloader = dict(dataset=dict(',
                                    "test_dataloader = dict(dataset=dict(type='Halpe26Dataset', "))
    assert init_model(str(path)).dataset_meta.dataset_name == 'halpe26'
