"""Training as AlphaPose's own code runs it, for every AlphaPose-mirroring
config (its first line names the yaml): the loss and its gradient through
``scripts/train.py``'s ``train()`` (one batch, seeded random outputs and
targets), the LR of every epoch, the epoch count, batch size, optimizer and
the DPG switch through ``train.py``'s ``main()`` (the yaml read by
``alphapose.utils.config.update_config``), the training targets of the
preset branch the yaml picks, forced half-body boxes
(``SimpleTransform.half_body_transform``), ``addDPG`` fed the same random
draws, and which annotations, boxes and visibilities the dataset classes'
``_check_load_keypoints`` keep from small JSONs built from ``tests/data``.

``train()`` and ``main()`` are taken from ``scripts/train.py`` by ``ast``
and run with their module globals replaced: ``.cuda()`` is the identity, the
model returns the given outputs, datasets, loaders, checkpoints, logging and
validation are recorders; the loss code, the optimizer, the schedulers and
the loop are AlphaPose's.
"""
import ast
import glob
import json
import os.path as osp
import re
import sys
import types

import numpy as np
import pytest
import torch

from .conftest import _EasyDict, snapshot_root, stub_module

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _mirroring_configs():
    """(config path relative to ROOT, yaml path relative to AlphaPose's
    configs/) of every config whose first line is ``# AlphaPose config: X``."""
    out = []
    for path in sorted(glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)):
        with open(path) as f:
            m = re.match(r'# AlphaPose config: (\S+)', f.readline())
        if m:
            out.append((osp.relpath(path, ROOT), m.group(1)))
    return out


CONFIGS = _mirroring_configs()
CONFIG_IDS = [osp.basename(c)[:-3] for c, _ in CONFIGS]


def _yaml_path(root, rel):
    path = osp.join(root, 'configs', rel)
    if not osp.isfile(path):  # a few comments leave out resnet/
        hits = glob.glob(osp.join(root, 'configs', osp.dirname(rel), '*', osp.basename(rel)))
        assert hits, f'{rel} is not in {root}/configs'
        path = hits[0]
    return path


@pytest.fixture
def ap(reference_modules, monkeypatch):
    root = snapshot_root('alphapose')
    stubs = {  # a compiled CUDA extension the presets import, unused here
        'alphapose.utils.roi_align':
        stub_module('alphapose.utils.roi_align', RoIAlign=lambda *a, **k: None)
    }
    try:
        import easydict  # noqa: F401
    except ImportError:
        stubs['easydict'] = stub_module('easydict', EasyDict=_EasyDict)
    imp = reference_modules(root, [(n, n.replace('.', '/')) for n in (
        'alphapose', 'alphapose.utils', 'alphapose.utils.presets', 'alphapose.models',
        'alphapose.datasets')], stubs)
    # what the packages' __init__ files (not run) export to their modules
    registry = imp('alphapose.utils.registry')
    for name in ('Registry', 'build_from_cfg', 'retrieve_from_cfg'):
        setattr(sys.modules['alphapose.utils'], name, getattr(registry, name))
    simple = imp('alphapose.utils.presets.simple_transform')
    sys.modules['alphapose.utils.presets'].SimpleTransform = simple.SimpleTransform
    # a CPU run of code that calls .cuda()
    monkeypatch.setattr(torch.Tensor, 'cuda', lambda self, *a, **k: self)
    monkeypatch.setattr(torch.nn.Module, 'cuda', lambda self, *a, **k: self)
    return types.SimpleNamespace(
        root=root, imp=imp, simple=simple, transforms=imp('alphapose.utils.transforms'),
        builder=imp('alphapose.models.builder'), criterion=imp('alphapose.models.criterion'),
        metrics=imp('alphapose.utils.metrics'), config=imp('alphapose.utils.config'))


def _load(ap, cfg_path, yaml_rel):
    """(our mmengine Config, AlphaPose's cfg from its own loader)."""
    from mmengine.config import Config
    y = ap.config.update_config(_yaml_path(ap.root, yaml_rel))
    y.FILE_NAME = osp.basename(yaml_rel)  # set by alphapose/opt.py
    return Config.fromfile(osp.join(ROOT, cfg_path)), y


def _train_py(ap, names, namespace):
    """The functions ``names`` of scripts/train.py, compiled with their
    original line numbers into ``namespace`` (their module globals)."""
    path = osp.join(ap.root, 'scripts', 'train.py')
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    body = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in names]
    assert {n.name for n in body} == set(names), f'{path} has no {names}'
    exec(compile(ast.Module(body=body, type_ignores=[]), path, 'exec'), namespace)
    return namespace


class _Progress(list):
    """tqdm over a list of batches, silent."""

    def __init__(self, it, **kwargs):
        super().__init__(it)

    def set_description(self, *a, **k):
        pass

    def close(self):
        pass


class _Model(torch.nn.Module):
    """The network: returns the given outputs."""

    def __init__(self, output):
        super().__init__()
        self.output = output

    def forward(self, inps):
        return self.output


class _Quiet:

    def __getattr__(self, name):
        return lambda *a, **k: None


# ---------------------------------------------------------------- losses


def _random_batch(k, norm_type, seed, n=4, h=64, w=48):
    g = torch.Generator().manual_seed(seed)
    if norm_type == 'divide_sum':  # positive maps, as the norm assumes
        output = torch.rand(n, k, h, w, generator=g) * 0.95 + 0.05
    else:
        output = torch.randn(n, k, h, w, generator=g) * 2
    heatmaps = torch.rand(n, k, h, w, generator=g)
    coords = torch.rand(n, k, 2, generator=g) * 1.2 - 0.6
    weights = torch.randint(0, 3, (n, k), generator=g).float()  # 0, 1 and 2 (whole-body body)
    return output, heatmaps, coords, weights


def _alphapose_loss(ap, y, output, heatmaps, coords, weights):
    """Loss and d loss / d output of one iteration of train.py's train()."""
    if y.LOSS.get('TYPE') == 'Combined':  # as train.py:259-265
        criterion = [ap.builder.build_loss(y.LOSS.LOSS_1), ap.builder.build_loss(y.LOSS.LOSS_2)]
        b = output.shape[1] - (42 if output.shape[1] == 68 else 110)
        labels = [heatmaps[:, :b], coords[:, b:].flatten(1)]
        masks = [weights[:, :b, None, None], weights[:, b:].repeat_interleave(2, 1)]
    else:
        criterion = ap.builder.build_loss(y.LOSS)
        if y.LOSS.TYPE == 'MSELoss':
            labels, masks = heatmaps, weights[:, :, None, None]
        else:
            labels, masks = coords.flatten(1), weights.repeat_interleave(2, 1)
    ns = _train_py(ap, ['train'], dict(
        cfg=y, torch=torch, tqdm=_Progress, DataLogger=ap.metrics.DataLogger,
        calc_accuracy=ap.metrics.calc_accuracy,
        # the logged accuracy only; AlphaPose's needs CUDA (metrics.py:159)
        calc_integral_accuracy=lambda *a, **k: 0.,
        board_writing=None, debug_writing=None))
    out = output.clone().requires_grad_()
    opt = types.SimpleNamespace(board=False, debug=False, trainIters=0)
    batch = (torch.zeros(len(out), 3, 1, 1), labels, masks, None, None)
    loss, _ = ns['train'](opt, [batch], _Model(out), criterion, _Quiet(), None)
    return float(loss), out.grad


def _our_loss(cfg, output, heatmaps, coords, weights, norm_type=None):
    """Sum of our head's losses (as mmengine's parse_losses) and its
    gradient w.r.t. the head's output."""
    from mmengine.structures import InstanceData, PixelData

    import mmalphapose.models  # noqa: F401  (registers the heads)
    from mmalphapose.registry import MODELS
    from mmalphapose.structures import PoseDataSample
    head_cfg = dict(cfg.model.head)
    if norm_type is not None:
        head_cfg['norm_type'] = norm_type
    head = MODELS.build(head_cfg)
    out = output.clone().requires_grad_()
    head.forward = lambda feats: out
    samples = []
    for i in range(len(out)):
        s = PoseDataSample()
        s.gt_fields = PixelData(heatmaps=heatmaps[i])
        s.gt_instance_labels = InstanceData(keypoint_labels=coords[i:i + 1],
                                            keypoint_weights=weights[i:i + 1])
        samples.append(s)
    losses = head.loss(None, samples)
    total = sum(v for k, v in losses.items() if 'loss' in k)
    total.backward()
    return float(total.detach()), out.grad


def _assert_same_loss(theirs, ours):
    (loss_t, grad_t), (loss_o, grad_o) = theirs, ours
    scale = grad_t.abs().max().item()
    rel_grad = (grad_o - grad_t).abs().max().item() / scale
    print(f'loss ours {loss_o:.6g} AlphaPose {loss_t:.6g} (rel. diff '
          f'{abs(loss_o - loss_t) / abs(loss_t):.1e}); max |grad diff| / max |grad| {rel_grad:.1e}')
    assert loss_o == pytest.approx(loss_t, rel=1e-5, abs=1e-9)
    assert scale > 0
    assert rel_grad <= 1e-5


@pytest.mark.parametrize('cfg_path,yaml_rel', CONFIGS, ids=CONFIG_IDS)
def test_loss_and_gradient_match_train_py(ap, cfg_path, yaml_rel):
    """Each config's head loss against train.py's loss code for its yaml
    (MSE x0.5; L1JointRegression with the yaml's NORM_TYPE; Combined
    100 * 0.5 * MSE on the body + 0.01 * L1 on face and hands)."""
    cfg, y = _load(ap, cfg_path, yaml_rel)
    k = cfg.model.head.out_channels
    norm = y.LOSS.get('NORM_TYPE') or 'sigmoid'
    batch = _random_batch(k, norm, seed=k)
    _assert_same_loss(_alphapose_loss(ap, y, *batch), _our_loss(cfg, *batch))


SIKR_CONFIG = [c for c in CONFIGS if '/sikr_fastpose-se-res50_8xb48-265e_halpe26' in c[0]]
COMBINED_CONFIG = [c for c in CONFIGS if '/combined_fastpose-se-res50_8xb32-270e_coco-wh' in c[0]]


@pytest.mark.parametrize('norm_type', ['sigmoid', 'softmax', 'divide_sum'])
@pytest.mark.parametrize('cfg_path,yaml_rel', SIKR_CONFIG + COMBINED_CONFIG,
                         ids=['sikr', 'combined'])
def test_norm_types_match_l1_joint_regression(ap, cfg_path, yaml_rel, norm_type):
    """SIKR / Combined under all three norm types of AlphaPose's
    L1JointRegression (the yaml's NORM_TYPE replaced on both sides)."""
    cfg, y = _load(ap, cfg_path, yaml_rel)
    y.LOSS.NORM_TYPE = norm_type
    if 'LOSS_2' in y.LOSS:
        y.LOSS.LOSS_2.NORM_TYPE = norm_type
    batch = _random_batch(cfg.model.head.out_channels, norm_type, seed=3)
    _assert_same_loss(_alphapose_loss(ap, y, *batch), _our_loss(cfg, *batch, norm_type=norm_type))


# ---------------------------------------------------------------- settings


def _alphapose_run(ap, y):
    """Per epoch of train.py's main(): (epoch, lr, dpg, batch size) as
    ``train()`` sees them, and the optimizer class."""
    seen, made = [], {}

    def build_dataset(cfg, preset_cfg, train, dpg=False, **kwargs):
        return types.SimpleNamespace(dpg=dpg)

    class Loader:

        def __init__(self, dataset, batch_size, **kwargs):
            self.dataset, self.batch_size = dataset, batch_size

    def train(opt, loader, m, criterion, optimizer, writer):
        made['optimizer'] = type(optimizer).__name__
        seen.append((opt.epoch, optimizer.param_groups[0]['lr'], loader.dataset.dpg,
                     loader.batch_size))
        optimizer.step()  # as train() does (no gradients here: the weights stay)
        return 0., 0.

    fake_torch = types.SimpleNamespace(
        optim=torch.optim, no_grad=torch.no_grad, save=lambda *a, **k: None,
        utils=types.SimpleNamespace(data=types.SimpleNamespace(DataLoader=Loader)))
    ns = _train_py(ap, ['main'], dict(
        cfg=y, opt=types.SimpleNamespace(exp_id='parity', snapshot=10**9, nThreads=0),
        logger=_Quiet(), torch=fake_torch, nn=torch.nn, num_gpu=1, train=train,
        preset_model=lambda cfg: torch.nn.Linear(1, 1),
        builder=types.SimpleNamespace(build_loss=ap.builder.build_loss,
                                      build_dataset=build_dataset),
        SummaryWriter=lambda *a, **k: None, get_func_heatmap_to_coord=lambda cfg: None,
        validate=None, validate_gt=None))
    ns['main']()
    return seen, made['optimizer']


def _our_run(cfg):
    """Per epoch of our config: (lr, DPG phase on, batch size) as mmengine's
    ParamSchedulerHook steps the epoch schedulers and DPGPhaseHook switches
    the pipeline; and the optimizer type."""
    import mmengine.optim  # noqa: F401  (registers the schedulers)
    from mmengine.dataset import Compose
    from mmengine.registry import PARAM_SCHEDULERS

    import mmalphapose.datasets  # noqa: F401
    import mmalphapose.engine  # noqa: F401
    from mmalphapose.registry import HOOKS, TRANSFORMS
    p = torch.nn.Parameter(torch.zeros(1))
    optim = getattr(torch.optim, cfg.optim_wrapper.optimizer.type)(
        [p], lr=cfg.optim_wrapper.optimizer.lr)
    scheds = [PARAM_SCHEDULERS.build(dict(s, optimizer=optim)) for s in cfg.param_scheduler]
    hooks = [HOOKS.build(h) for h in cfg.get('custom_hooks', []) if h['type'] == 'DPGPhaseHook']
    dataset = types.SimpleNamespace(pipeline=Compose([TRANSFORMS.build(t)
                                                      for t in cfg.train_pipeline]))
    loader = types.SimpleNamespace(dataset=dataset, persistent_workers=False)
    runner = types.SimpleNamespace(train_dataloader=loader, logger=_Quiet(), epoch=0)
    seen = []
    for epoch in range(cfg.train_cfg.max_epochs):
        runner.epoch = epoch
        for h in hooks:
            h.before_train_epoch(runner)
        names = [type(t).__name__ for t in dataset.pipeline.transforms]
        seen.append((optim.param_groups[0]['lr'], 'PartGuidedProposal' in names,
                     cfg.train_dataloader.batch_size))
        optim.step()
        for s in scheds:
            s.step()
    return seen, type(optim).__name__, names


@pytest.mark.parametrize('cfg_path,yaml_rel', CONFIGS, ids=CONFIG_IDS)
def test_schedule_epochs_batch_and_dpg_phase_match_train_py(ap, cfg_path, yaml_rel):
    cfg, y = _load(ap, cfg_path, yaml_rel)
    theirs, their_optim = _alphapose_run(ap, y)
    ours, our_optim, names = _our_run(cfg)
    assert our_optim.lower() == their_optim.lower() == y.TRAIN.OPTIMIZER
    assert len(ours) == len(theirs), 'epochs'
    for (epoch, lr_t, dpg_t, batch_t), (lr_o, dpg_o, batch_o) in zip(theirs, ours):
        assert lr_o == pytest.approx(lr_t, rel=1e-9), f'LR of AlphaPose epoch {epoch}'
        assert dpg_o == dpg_t, f'DPG phase at AlphaPose epoch {epoch}'
        assert batch_o == batch_t, 'batch size per GPU'
    assert any(d for _, _, d, _ in theirs), 'the DPG phase is never reached'
    # AlphaPose's addDPG comes before the centre/scale and the half-body box
    # (simple_transform.py:197-209)
    assert names.index('PartGuidedProposal') < names.index('GetBBoxCenterScale')
    hb = [t for t in cfg.train_pipeline if t['type'] == 'RandomHalfBody']
    aug = y.DATASET.TRAIN.get('AUG') or {}
    if aug.get('PROB_HALF_BODY', -1) > 0:
        assert len(hb) == 1 and hb[0]['prob'] == aug.PROB_HALF_BODY
        # train only when sum(vis) > NUM_JOINTS_HALF_BODY (simple_transform.py:205)
        assert hb[0].get('min_total_keypoints', 9) == aug.NUM_JOINTS_HALF_BODY + 1
    else:
        assert not hb or hb[0].get('prob', 0.3) <= 0


# ---------------------------------------------------------------- data


def _ap_dataset(ap, y, monkeypatch, dpg=False):
    """The yaml's AlphaPose training dataset object (its __init__ run, the
    annotation file not read) with its SimpleTransform."""
    typ = y.DATASET.TRAIN.TYPE
    cls = getattr(ap.imp('alphapose.datasets.' + typ.lower()), typ)
    monkeypatch.setattr(cls, '_lazy_load_json', lambda self: ([], []), raising=False)
    return cls(train=True, dpg=dpg, **dict(y.DATASET.TRAIN, PRESET=y.DATA_PRESET))


def _joints_3d(kpts, vis):
    j = np.zeros((len(kpts), 3, 2), np.float32)
    j[:, :2, 0] = kpts
    j[:, :2, 1] = vis[:, None]
    return j


@pytest.mark.parametrize('cfg_path,yaml_rel', CONFIGS, ids=CONFIG_IDS)
def test_targets_of_the_yaml_preset_branch(ap, cfg_path, yaml_rel, monkeypatch):
    """Our config's codec against the branch of SimpleTransform.__call__
    (simple_transform.py:247-257) its yaml's LOSS_TYPE picks."""
    from mmalphapose.registry import KEYPOINT_CODECS
    cfg, y = _load(ap, cfg_path, yaml_rel)
    t = _ap_dataset(ap, y, monkeypatch).transformation
    k = cfg.model.head.out_channels
    rng = np.random.default_rng(k)
    inp_h, inp_w = y.DATA_PRESET.IMAGE_SIZE
    kpts = np.c_[rng.uniform(-30, inp_w + 30, k), rng.uniform(-30, inp_h + 30, k)]
    kpts = kpts.astype(np.float32)
    kpts[:4] = [[-3., 40.], [50., -2.5], [-1.9, -1.9], [191.6, 255.5]]
    vis = (rng.uniform(size=k) > 0.2).astype(np.float32)
    joints = _joints_3d(kpts, vis)
    enc = KEYPOINT_CODECS.build(cfg.codec).encode(kpts[None], vis[None])
    w = enc['keypoint_weights'][0]
    loss_type = t._loss_type
    if loss_type == 'MSELoss':
        target, weight = t._target_generator(joints, k)
        assert np.abs(enc['heatmaps'] - target).max() < 1e-6
        assert np.array_equal(w, weight[:, 0, 0])
    elif 'JointRegression' in loss_type:
        target, weight = t._integral_target_generator(joints, k, inp_h, inp_w)
        assert np.abs(enc['keypoint_labels'][0].ravel() - target).max() < 1e-6
        assert np.array_equal(np.repeat(w, 2), weight)
    else:
        assert loss_type == 'Combined'
        hf = 42 if k == 68 else 110
        b = k - hf
        target, weight = t._target_generator(joints[:-hf], b)
        assert np.abs(enc['heatmaps'][:b] - target).max() < 1e-6
        assert np.array_equal(w[:b], weight[:, 0, 0])
        target, weight = t._integral_target_generator(joints[-hf:], hf, inp_h, inp_w)
        assert np.abs(enc['keypoint_labels'][0, b:].ravel() - target).max() < 1e-6
        assert np.array_equal(np.repeat(w[b:], 2), weight)


@pytest.mark.parametrize('cfg_path,yaml_rel', CONFIGS, ids=CONFIG_IDS)
def test_forced_half_body_matches_half_body_transform(ap, cfg_path, yaml_rel, monkeypatch):
    """The config's RandomHalfBody, forced (prob 1, the group AlphaPose's
    randn() draw picks), against half_body_transform with the dataset's
    upper_body_ids; AlphaPose widens to the aspect ratio there, we in
    TopdownAffine (fix_aspect_ratio)."""
    from mmalphapose.datasets.transforms import RandomHalfBody
    from mmalphapose.structures.bbox.transforms import fix_aspect_ratio
    cfg, y = _load(ap, cfg_path, yaml_rel)
    hb = [t for t in cfg.train_pipeline if t['type'] == 'RandomHalfBody']
    t = _ap_dataset(ap, y, monkeypatch).transformation
    if not hb:  # neither side has half-body boxes
        assert not t.prob_half_body > 0
        return
    k = cfg.model.head.out_channels
    t.num_joints = k
    args = {key: v for key, v in hb[0].items() if key != 'type'}
    rng = np.random.default_rng(k)
    np.random.seed(k)
    moved, worst = 0, 0.
    for trial in range(100):
        kpts = rng.uniform(0, 600, (k, 2)).astype(np.float32)
        vis = (rng.uniform(size=k) > rng.uniform(0.3, 0.97)).astype(np.float32)
        state = np.random.get_state()
        c_ref, s_ref = t.half_body_transform(kpts, vis[:, None])
        np.random.set_state(state)
        upper_first = bool(np.random.randn() < 0.5)  # the draw half_body_transform made
        ours = RandomHalfBody(**dict(args, prob=1., min_total_keypoints=0,
                                     upper_prioritized_prob=float(upper_first)))(dict(
                                         keypoints=kpts[None], keypoints_visible=vis[None],
                                         bbox_center=np.full((1, 2), -1., np.float32),
                                         bbox_scale=np.full((1, 2), -1., np.float32)))
        c, s = ours['bbox_center'][0], ours['bbox_scale'][0]
        if c_ref is None:
            assert (c == -1).all() and (s == -1).all(), trial
            continue
        moved += 1
        s = fix_aspect_ratio(s, t._aspect_ratio)
        worst = max(worst, float(np.abs(c - c_ref).max()), float(np.abs(s - s_ref).max()))
        np.testing.assert_allclose(c, c_ref, rtol=0, atol=1e-3)
        np.testing.assert_allclose(s, s_ref, rtol=1e-6, atol=1e-3)
    print(f'{moved} half-body boxes, max |centre / scale diff| {worst:.1e} px')
    assert moved > 50


def test_add_dpg_matches_alphapose(ap, monkeypatch):
    """The DPG phase's transform (DPGPhaseHook's default PartGuidedProposal:
    addDPG on every box) against addDPG fed the same random draws."""
    from mmalphapose.datasets.transforms import PartGuidedProposal
    from mmalphapose.engine.hooks.dpg_phase_hook import DPGPhaseHook
    pgp = PartGuidedProposal(**{k: v for k, v in DPGPhaseHook(0).transform_cfg.items()
                                if k != 'type'})
    rng = np.random.default_rng(0)
    n, img_w, img_h = 400, 640, 480
    x0, y0 = rng.uniform(0, 500, n), rng.uniform(0, 350, n)
    boxes = np.stack([x0, y0, np.minimum(x0 + rng.uniform(5, 300, n), img_w - 1),
                      np.minimum(y0 + rng.uniform(5, 300, n), img_h - 1)], 1)
    np.random.seed(1)
    state = np.random.get_state()
    ours = pgp(dict(bbox=boxes.copy(), keypoints=np.zeros((n, 17, 2)),
                    keypoints_visible=np.ones((n, 17)), img_shape=(img_h, img_w)))['bbox']
    np.random.set_state(state)  # the draws dpg_jitter made
    scale, u, z = (np.random.uniform(0, 1, n), np.random.uniform(0, 1, (n, 2)),
                   np.random.normal(size=(n, 4)))
    patches, worst = 0, 0.
    for i in range(n):
        uniform = [scale[i], u[i, 0], u[i, 1]]
        normal = list(z[i])
        monkeypatch.setattr(ap.transforms, 'random',
                            types.SimpleNamespace(uniform=lambda a, b: uniform.pop(0)))
        monkeypatch.setattr(ap.transforms, 'np', types.SimpleNamespace(random=types.SimpleNamespace(
            normal=lambda m, s: m + s * normal.pop(0))))
        ref = ap.transforms.addDPG(list(boxes[i]), img_w, img_h)
        patches += scale[i] > 0.85
        worst = max(worst, float(np.abs(ours[i] - ref).max()))
        np.testing.assert_allclose(ours[i], ref, rtol=0, atol=1e-3, err_msg=f'box {i}')
    print(f'addDPG: {n} boxes ({patches} sub-patches), max |box diff| {worst:.1e} px')
    assert 20 < patches < n - 20  # both branches of addDPG


# the AlphaPose dataset classes the configs train on, one config each
DATASET_CONFIGS = {}
for _c, _y in CONFIGS:
    _kind = re.search(r'_(coco|halpe26|halpe136|coco-wholebody)-256x192\.py$', _c)
    if _kind and _kind.group(1) not in DATASET_CONFIGS:
        DATASET_CONFIGS[_kind.group(1)] = (_c, _y)
ANN_FILES = {'coco': 'coco/test_coco.json', 'halpe26': 'halpe/test_halpe.json',
             'halpe136': 'halpe/test_halpe.json',
             'coco-wholebody': 'coco_wholebody/test_coco_wholebody.json'}


def _edge_cases(data):
    """Copies of real annotations with what the loaders filter on changed:
    v between 0 and 1 (0.2, 0.35, 0.5), num_keypoints 0, every v below 0.35,
    zero-width box, crowd, all-zero keypoints, area 0."""
    anns = data['annotations']
    next_id = max(a['id'] for a in anns) + 1
    kp_fields = [f for f in ('keypoints', 'foot_kpts', 'face_kpts', 'lefthand_kpts',
                             'righthand_kpts') if f in anns[0]]

    def copy(a, **changes):
        nonlocal next_id
        b = json.loads(json.dumps(a))
        b.update(changes, id=next_id)
        next_id += 1
        anns.append(b)
        return b

    def set_v(b, fn):
        for f in kp_fields:
            kp = b[f]
            for j in range(2, len(kp), 3):
                kp[j] = fn(j // 3, kp[j])

    real = [a for a in list(anns) if a.get('num_keypoints', 0) > 0 and not a.get('iscrowd')]
    for i, a in enumerate(real[:4]):
        b = copy(a)
        set_v(b, lambda j, v, i=i: v if v == 0 else (0.2, 0.35, 0.5, 1.0)[(i + j) % 4])
    copy(real[0], num_keypoints=0)
    b = copy(real[1])
    set_v(b, lambda j, v: 0.3 if v else 0)
    copy(real[2], bbox=[real[2]['bbox'][0], real[2]['bbox'][1], 0.5, real[2]['bbox'][3]])
    copy(real[3], iscrowd=1)
    b = copy(real[0])
    for f in kp_fields:
        b[f] = [0] * len(b[f])
    copy(real[1], area=0)
    return data


def _alphapose_kept(ap, ds, path):
    from pycocotools.coco import COCO
    coco = COCO(path)
    ds.json_id_to_contiguous = {v: k for k, v in enumerate(coco.getCatIds())}
    kept = []
    for entry in coco.loadImgs(sorted(coco.getImgIds())):
        kept += [(entry['id'], np.asarray(o['bbox'], np.float32), o['joints_3d'][:, :2, 0],
                  o['joints_3d'][:, 0, 1]) for o in ds._check_load_keypoints(coco, entry)]
    return sorted(kept, key=_order)


def _order(rec):
    """Image, box, visibility, keypoints: an order both sides share
    (AlphaPose's kept objects carry no annotation id)."""
    img_id, box, kpts, vis = rec
    return (img_id, tuple(np.round(box, 3)), tuple(vis), tuple(kpts.ravel()))


def _compare_kept(ap, kind, tmp_path, monkeypatch):
    from mmalphapose.registry import DATASETS
    cfg_path, yaml_rel = DATASET_CONFIGS[kind]
    cfg, y = _load(ap, cfg_path, yaml_rel)
    with open(osp.join(ROOT, 'tests', 'data', ANN_FILES[kind])) as f:
        data = _edge_cases(json.load(f))
    path = str(tmp_path / 'ann.json')
    with open(path, 'w') as f:
        json.dump(data, f)
    ds = _ap_dataset(ap, y, monkeypatch)
    theirs = _alphapose_kept(ap, ds, path)
    ours = DATASETS.build(dict(cfg.train_dataloader.dataset, ann_file=path, data_root='',
                               data_prefix=dict(img=''), pipeline=[], test_mode=False))
    ours = sorted([(o['img_id'], o['bbox'][0], o['keypoints'][0], o['keypoints_visible'][0])
                   for o in map(ours.get_data_info, range(len(ours)))], key=_order)
    print(f'{kind}: {len(theirs)} of {len(data["annotations"])} annotations kept by both')
    assert len(theirs) > 4
    assert [r[0] for r in ours] == [r[0] for r in theirs], 'kept annotations per image'
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o[1], t[1], rtol=0, atol=1e-4)
        np.testing.assert_array_equal(o[2], t[2])
        np.testing.assert_array_equal(o[3], t[3])


@pytest.mark.parametrize('kind', sorted(DATASET_CONFIGS))
def test_dataset_filters_match_check_load_keypoints(ap, kind, tmp_path, monkeypatch):
    """Which annotations are kept (v >= 0.35 on whole-body / Halpe,
    num_keypoints == 0 skipped, no visible keypoint, zero-area box, crowd,
    all-zero keypoints, an ``area: 0`` record with a good box: skipped by
    mscoco.py:86 only), and their boxes, keypoints and visibilities, against
    the yaml's dataset class ``_check_load_keypoints`` on a JSON built from
    tests/data."""
    _compare_kept(ap, kind, tmp_path, monkeypatch)
