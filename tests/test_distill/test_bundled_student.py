"""The bundled distilled Halpe-26 student: checksum, safe loading, inference."""
import hashlib
import os.path as osp

import numpy as np
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CKPT_DIR = osp.join(ROOT, 'checkpoints')
NAME = 'fastpose-se18_heatmap_halpe26-distill-160x128'
CKPT = osp.join(CKPT_DIR, NAME + '.pth')
CFG = osp.join(ROOT, 'configs', 'distillation', NAME + '.py')


def _sums():
    out = {}
    for line in open(osp.join(CKPT_DIR, 'SHA256SUMS')):
        digest, name = line.split()
        out[name] = digest
    return out


def test_checksum_size_and_weights_only():
    h = hashlib.sha256(open(CKPT, 'rb').read()).hexdigest()
    assert _sums()[NAME + '.pth'] == h
    assert osp.getsize(CKPT) < 30e6
    ckpt = torch.load(CKPT, map_location='cpu', weights_only=True)
    assert set(ckpt) == {'state_dict', 'meta'}
    assert not any(k.startswith('student.') for k in ckpt['state_dict'])
    assert ckpt['meta']['dataset_meta']['num_keypoints'] == 26


def test_loads_and_predicts_halpe26():
    import cv2

    from mmalphapose.apis.inference import inference_topdown, init_model
    model = init_model(CFG, CKPT)
    assert model.dataset_meta['num_keypoints'] == 26
    # weights really come from the file (float16 on disk, float32 in the model)
    sd = torch.load(CKPT, map_location='cpu', weights_only=True)['state_dict']
    key = next(k for k in sd if k.endswith('conv1.weight'))
    torch.testing.assert_close(model.state_dict()[key], sd[key].float())
    img = cv2.imread(osp.join(ROOT, 'tests', 'data', 'coco', '000000000785.jpg'))
    out = inference_topdown(model, img, np.array([[280, 40, 500, 420]], np.float32))
    k = np.asarray(out[0].pred_instances.keypoints)
    s = np.asarray(out[0].pred_instances.keypoint_scores)
    assert k.shape == (1, 26, 2) and np.isfinite(k).all()
    assert s.shape[-1] == 26
    # predictions lie around the person box
    assert (k[0, :, 0] > 200).all() and (k[0, :, 0] < 580).all()


def test_config_is_a_distiller_of_the_student():
    from mmengine.config import Config
    cfg = Config.fromfile(CFG)
    assert cfg.model.type == 'MultiTeacherDistiller'
    assert cfg.model.student.head.out_channels == 26
    sources = {t['source'] for t in cfg.model.teachers}
    assert sources == {'movenet', 'blazepose', 'derived'}
