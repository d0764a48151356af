"""HybrIKHead and its config: build, loss and predict on CPU with a synthetic
SMPL model."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.structures import InstanceData
from test_models.test_smpl.synthetic_smpl import write_synthetic_smpl

from mmalphapose.models.body_models import ENV_VAR
from mmalphapose.registry import KEYPOINT_CODECS, MODELS
from mmalphapose.structures import PoseDataSample
from mmalphapose.utils import has_mmdet

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
CONFIG = osp.join(ROOT, 'configs/body_3d_smpl/hybrik_resnet34_h36m-256x256.py')


@pytest.fixture(scope='module')
def smpl_file(tmp_path_factory):
    path = str(tmp_path_factory.mktemp('smpl') / 'synthetic.pkl')
    return path, write_synthetic_smpl(path)


def _small_cfg(smpl_file, size=64, depth=8):
    cfg = Config.fromfile(CONFIG)
    path, leaf = smpl_file
    cfg.model.head.smpl_layer.update(model_path=path, leaf_vertex_ids=list(leaf))
    cfg.model.head.decoder.update(
        input_size=(size, size), heatmap_size=(size // 4, size // 4), depth_size=depth)
    return cfg


def _samples(codec, n, with_smpl=True, seed=0):
    rng = np.random.default_rng(seed)
    w, h = codec.input_size
    out = []
    for _ in range(n):
        kpts = rng.uniform(0, w, size=(1, 29, 2)).astype(np.float32)
        enc = codec.encode(kpts, np.ones((1, 29)), rng.uniform(-0.5, 0.5, (1, 29)))
        s = PoseDataSample(
            metainfo=dict(
                input_size=(w, h),
                input_center=np.array([50., 60.]),
                input_scale=np.array([2. * w, 2. * h])))
        s.gt_instances = InstanceData(bboxes=np.array([[0., 0., w, h]]), bbox_scores=np.ones(1))
        labels = dict(
            keypoint_labels=enc['keypoint_labels'], keypoint_weights=enc['keypoint_weights'])
        if with_smpl:
            labels.update(
                smpl_pose=rng.normal(0, 0.3, (1, 72)),
                smpl_betas=rng.normal(0, 1, (1, 10)),
                smpl_weight=np.ones(1),
                smpl_twist=rng.normal(0, 1, (1, 23, 2)),
                smpl_twist_weight=np.ones((1, 23)))
        s.gt_instance_labels = InstanceData(**{
            k: torch.as_tensor(np.asarray(v, np.float32))
            for k, v in labels.items()
        })
        out.append(s)
    return out


@pytest.mark.slow
@pytest.mark.skipif(not has_mmdet(), reason='needs mmdet (ResNet backbone): full profile')
def test_config_loss_and_predict(smpl_file):
    cfg = _small_cfg(smpl_file)
    assert cfg.default_scope == 'mmalphapose'
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    codec = KEYPOINT_CODECS.build(cfg.model.head.decoder)
    inputs = torch.randint(0, 255, (2, 3, 64, 64), dtype=torch.uint8)
    data = model.data_preprocessor(dict(inputs=list(inputs), data_samples=_samples(codec, 2)), True)
    model.train()
    losses = model(data['inputs'], data['data_samples'], mode='loss')
    assert set(losses) == {'loss_uvd', 'loss_beta', 'loss_theta', 'loss_twist', 'loss_phi_reg'}
    total = sum(losses.values())
    assert torch.isfinite(total)
    total.backward()
    assert model.head.fc1.weight.grad.abs().sum() > 0
    assert model.head.final_layer.weight.grad.abs().sum() > 0
    model.eval()
    model.test_cfg.update(flip_test=True, return_vertices=True)
    with torch.no_grad():
        out = model(data['inputs'], _samples(codec, 2), mode='predict')
    pred = out[0].pred_instances
    assert pred.keypoints.shape == (1, 29, 2) and pred.keypoint_scores.shape == (1, 29)
    assert pred.keypoints_3d.shape == (1, 29, 3) and pred.smpl_pose.shape == (1, 24, 3, 3)
    assert pred.smpl_betas.shape == (1, 10) and pred.cam.shape == (1, 3)
    assert pred.vertices.shape[0] == 1 and pred.smpl_joints.shape == (1, 29, 3)
    # crop pixels -> image: centre (50, 60), scale 2x the crop
    assert np.all(pred.keypoints >= 50 - 64 - 1e-3) and np.all(pred.keypoints <= 60 + 64)
    assert np.allclose(pred.keypoints_3d[0, 0], 0)  # root-relative


def _head(**kw):
    cfg = dict(
        type='HybrIKHead',
        in_channels=32,
        deconv_out_channels=(16, 16, 16),
        decoder=dict(type='HybrIKLabel', input_size=(64, 64), heatmap_size=(16, 16), depth_size=8))
    cfg.update(kw)
    return MODELS.build(cfg)


def test_head_forward_outputs_and_camera():
    torch.manual_seed(0)
    head = _head().eval()
    out = head.forward((torch.randn(3, 32, 2, 2), ))
    assert out['uvd'].shape == (3, 29, 3) and out['phis'].shape == (3, 23, 2)
    assert (out['uvd'].abs() <= 0.5).all()
    assert torch.allclose(out['betas'], out['delta_shape'] + head.init_shape)
    # lifting then projecting gives back the predicted (u, v)
    from mmalphapose.models.body_models import project_to_crop
    pts = out['joints_3d'] + out['cam_root'][:, None]
    uv = project_to_crop(pts, head.decoder.focal_length, 64.)
    assert torch.allclose(uv, out['uvd'][..., :2], atol=1e-5)


def _alphapose_flip_test_uvd(logits, logits_flip, k, d, pairs):
    """AlphaPose's SMPL flip test (``simple3dposeSMPLWithCam.py``
    ``flip_heatmap`` + ``forward(flip_test=True)``) re-stated with numpy
    loops: mirror W, swap the joint pairs, shift right by one column (column
    0 kept), softmax each volume, average, integral (``c / size - 0.5``)."""
    n, _, h, w = logits.shape
    vol = logits.reshape(n, k, d, h, w).numpy().astype(np.float64)
    vol_f = logits_flip.reshape(n, k, d, h, w).numpy().astype(np.float64)[..., ::-1].copy()
    for a, b in pairs:
        vol_f[:, [a, b]] = vol_f[:, [b, a]]
    shifted = vol_f.copy()
    for x in range(1, w):
        shifted[..., x] = vol_f[..., x - 1]

    def softmax(v):
        e = np.exp(v.reshape(n, k, -1) - v.reshape(n, k, -1).max(-1, keepdims=True))
        return (e / e.sum(-1, keepdims=True)).reshape(v.shape)

    prob = (softmax(vol) + softmax(shifted)) / 2
    u = (prob.sum((2, 3)) * np.arange(w)).sum(-1) / w - 0.5
    v = (prob.sum((2, 4)) * np.arange(h)).sum(-1) / h - 0.5
    z = (prob.sum((3, 4)) * np.arange(d)).sum(-1) / d - 0.5
    return np.stack([u, v, z], -1), prob.reshape(n, k, -1).max(-1)


def test_flip_test_in_heatmap_space_as_alphapose():
    from mmalphapose.models.body_models import HYBRIK_FLIP_PAIRS
    torch.manual_seed(0)
    head = _head().eval()
    feats, feats_f = (torch.randn(2, 32, 2, 2), ), (torch.randn(2, 32, 2, 2), )
    with torch.no_grad():
        out, out_f = head.forward(feats), head.forward(feats_f)
    # peaked volumes (a random head's are nearly uniform)
    for o in (out, out_f):
        o['logits'] = torch.randn(2, 29 * 8, 16, 16) * 3
        o['uvd'], o['scores'] = head.integral_3d(o['logits'])
    both = head.flip_test_outputs(out, out_f)
    uvd, scores = _alphapose_flip_test_uvd(out['logits'], out_f['logits'], 29, 8,
                                           HYBRIK_FLIP_PAIRS)
    assert np.abs(both['uvd'].numpy() - uvd).max() < 1e-5
    assert np.abs(both['scores'].numpy() - scores).max() < 1e-6
    # the coordinate mirroring used before (u -> -u - 1/W, averaged) is 1/(2W)
    # of the crop away in u
    idx = head._flip_idx
    old_u = (out['uvd'][..., 0] + (-out_f['uvd'][:, idx, 0] - 1. / 16)) / 2
    assert (old_u - both['uvd'][..., 0]).abs().max() > 1e-2
    # twists: pairs swapped and sin negated, camera tx negated, then averaged
    tw = out_f['phis'][:, head._twist_flip_idx].clone()
    tw[..., 1] *= -1
    assert torch.allclose(both['phis'], (out['phis'] + tw) / 2)
    assert torch.allclose(both['cam'][:, 1], (out['cam'][:, 1] - out_f['cam'][:, 1]) / 2)
    assert torch.allclose(both['cam'][:, ::2], (out['cam'][:, ::2] + out_f['cam'][:, ::2]) / 2)


def test_loss_without_smpl_layer_skips_theta():
    torch.manual_seed(0)
    head = _head()
    codec = head.decoder
    losses = head.loss((torch.randn(2, 32, 2, 2), ), _samples(codec, 2))
    assert 'loss_theta' not in losses and 'loss_beta' in losses
    losses = head.loss((torch.randn(2, 32, 2, 2), ), _samples(codec, 2, with_smpl=False))
    assert set(losses) == {'loss_uvd', 'loss_phi_reg'}


def test_missing_smpl_file_error(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match='SMPL model file not found.*smpl_model_path'):
        _head(smpl_layer=dict(type='SMPLLayer', model_path=str(tmp_path / 'SMPL_NEUTRAL.pkl')))


def test_config_normalises_as_hybrik():
    """HybrIK feeds RGB / 255 minus (0.406, 0.457, 0.480) divided by (0.225,
    0.224, 0.229) per R, G, B (``simple_transform_3d_smpl_cam.py``); without
    the division the network sees inputs about 4.4x too small."""
    import mmalphapose.models  # noqa: F401
    cfg = Config.fromfile(CONFIG)
    pre = MODELS.build(cfg.model.data_preprocessor)
    bgr = np.random.default_rng(0).integers(0, 256, (8, 6, 3), dtype=np.uint8)
    sample = PoseDataSample()
    out = pre(dict(inputs=[torch.as_tensor(bgr).permute(2, 0, 1)], data_samples=[sample]))
    rgb = bgr[..., ::-1].astype(np.float64) / 255.
    want = (rgb - np.array([0.406, 0.457, 0.480])) / np.array([0.225, 0.224, 0.229])
    got = out['inputs'][0].permute(1, 2, 0).numpy()
    assert np.abs(got - want).max() < 1e-5


@pytest.mark.skipif(not has_mmdet(), reason='needs mmdet (ResNet backbone): full profile')
def test_unconverted_hybrik_checkpoint_points_at_the_converter(tmp_path):
    from mmalphapose.apis import init_model
    from mmalphapose.models.heads.hybrik_head import is_unconverted_hybrik
    from mmalphapose.utils.errors import one_line
    state = {'module.preact.conv1.weight': torch.zeros(64, 3, 7, 7),
             'module.decphi.weight': torch.zeros(46, 1024)}
    assert is_unconverted_hybrik(state)
    assert not is_unconverted_hybrik({'backbone.conv1.weight': torch.zeros(1),
                                      'head.decphi.weight': torch.zeros(1)})
    torch.save(state, tmp_path / 'hybrik_res34.pth')
    with pytest.raises(ValueError, match='hybrik2mmalphapose.py') as exc:
        init_model(CONFIG, str(tmp_path / 'hybrik_res34.pth'),
                   cfg_options={'model.head.smpl_layer': None})
    assert 'not yet converted' in one_line(exc.value)
