"""Model loading and batched top-down prediction (MMPose ``apis.inference`` style).

:func:`init_model` builds a pose model and loads its checkpoint safely;
:class:`~mmalphapose.datasets.transforms.TopdownCrop` turns person boxes into
model inputs with the model's own test-pipeline transforms
(``GetBBoxCenterScale`` + ``TopdownAffine``: the one crop of the project);
:class:`TopdownPredictor` runs crop -> forward (+ flip)
-> decode for all people of several frames and returns ONE ``InstanceData``
holding every field the model emits, in image pixels. :func:`inference_topdown`
is MMPose's one-image API on top of it.
"""
import copy
import os.path as osp
from pathlib import Path
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.structures import InstanceData

from mmalphapose.datasets.transforms import TopdownCrop
from mmalphapose.models.pose_estimators import crop_to_image
from mmalphapose.models.utils import get_flip_indices
from mmalphapose.structures import PoseDataSample, PoseMetainfo, bbox_xywh2xyxy
from mmalphapose.utils import to_numpy

# people per forward pass (measured on 2 CPU cores, docs/speed.md)
DEFAULT_POSE_BATCH = 16


def _model_num_keypoints(model: torch.nn.Module) -> Optional[int]:
    meta = getattr(model, 'dataset_meta', None) or {}
    if meta.get('num_keypoints'):
        return int(meta['num_keypoints'])
    head = getattr(model, 'head', None)
    for attr in ('num_keypoints', 'out_channels'):
        if head is not None and isinstance(getattr(head, attr, None), int):
            return int(getattr(head, attr))
    return None


def dataset_class_metainfo(config) -> Optional[dict]:
    """``METAINFO`` of the dataset class a config's test (else val, train)
    dataloader names (``type='CocoDataset'`` -> its metainfo file), or None."""
    from mmalphapose.registry import DATASETS
    for key in ('test_dataloader', 'val_dataloader', 'train_dataloader'):
        kind = ((config.get(key) or {}).get('dataset') or {}).get('type')
        meta = getattr(DATASETS.get(kind), 'METAINFO', None) if isinstance(kind, str) else None
        if meta:
            return dict(meta)
    return None


def load_pose_checkpoint(model: torch.nn.Module,
                         checkpoint: str,
                         config_name: str = '<config>') -> dict:
    """Load a checkpoint safely (``weights_only=True``) into ``model``.

    A distiller checkpoint (keys ``student.*``) gives its student's weights.
    A checkpoint of another architecture or keypoint count is refused with
    the mismatching keys named.

    Returns:
        the checkpoint's ``meta`` dict (may be empty).
    """
    from mmengine.runner.checkpoint import _load_checkpoint_to_model

    from mmalphapose.utils import check_state_dict, safe_torch_load, student_state
    from mmalphapose.utils.errors import require_file
    require_file(checkpoint, 'pose checkpoint')  # missing / a folder / a FIFO, named
    ckpt = safe_torch_load(checkpoint, map_location='cpu')
    if not isinstance(ckpt, dict):
        raise ValueError(f'checkpoint "{checkpoint}" is not a dict of tensors')
    state = ckpt.get('state_dict', ckpt)
    if isinstance(state, dict):
        state = student_state(state)
        from mmalphapose.models.heads.hybrik_head import is_unconverted_hybrik
        if is_unconverted_hybrik(state):
            raise ValueError(f'checkpoint "{checkpoint}" is a HybrIK / AlphaPose-SMPL checkpoint '
                             '(preact.*, decphi.* keys) not yet converted: run python tools/'
                             f'model_converters/hybrik2mmalphapose.py {checkpoint} OUT.pth '
                             f'--config {config_name}, then use OUT.pth')
    meta = ckpt.get('meta', {}) if isinstance(ckpt.get('meta', {}), dict) else {}
    ck_meta = meta.get('dataset_meta') or {}
    k_model = _model_num_keypoints(model)
    if ck_meta.get('num_keypoints') and k_model and int(ck_meta['num_keypoints']) != k_model:
        raise ValueError(f'Checkpoint "{checkpoint}" was trained for {ck_meta["num_keypoints"]} '
                         f'keypoints ({ck_meta.get("dataset_name", "?")}) but the config '
                         f'"{config_name}" has {k_model} keypoints.')
    check_state_dict(model, state, checkpoint, config_name)
    _load_checkpoint_to_model(model, state, strict=False)
    return meta


def check_scopes(cfg, config_name: str) -> None:
    """Raise a one-line ``ImportError`` when ``cfg`` names a module of
    another OpenMMLab package (``type='mmdet.ResNet'``) that is not
    installed (the core profile has no mmdet)."""
    import importlib.util

    def types(node):
        if isinstance(node, dict):
            if isinstance(node.get('type'), str):
                yield node['type']
            for value in node.values():
                yield from types(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                yield from types(value)

    for kind in types(cfg):
        scope = kind.split('.')[0] if '.' in kind else None
        if scope and scope != 'mmalphapose' and importlib.util.find_spec(scope) is None:
            raise ImportError(f'pose config "{config_name}" needs {scope} (model type '
                              f'"{kind}"), which is not installed: pip install {scope} '
                              '(the full profile: requirements/mminstall.txt)')


def init_model(config: Union[str, Path, Config],
               checkpoint: Optional[str] = None,
               device: str = 'cpu',
               cfg_options: Optional[dict] = None,
               backend: Optional[str] = 'pytorch',
               num_threads: Optional[int] = None) -> torch.nn.Module:
    """Build a pose model from a config and load a checkpoint safely.

    Installs the safe-checkpoint allow-list (mmengine's Runner checkpoint
    types) for ``weights_only`` loading.

    Args:
        config: config path (or ``mmalphapose::`` path, model name, alias) or
            a :class:`Config`.
        checkpoint: optional ``.pth``; ``None`` keeps the initial weights,
            except for a model name or alias of ``model-index.yml``, which
            loads the weights the index lists (the bundled checkpoint).
        device: torch device string.
        cfg_options: overrides merged into the config.
        backend: who runs the network (``apis/backends.py``): ``'pytorch'``
            (the plain model), ``'onnxruntime'`` (exported at first use into
            the cache; same interface), ``'openvino'`` (that export in
            OpenVINO, bfloat16 where the CPU has it) or ``'auto'`` (for the
            bundled models on the CPU: OpenVINO where it runs bfloat16, else
            onnxruntime).
        num_threads: threads of an onnxruntime / OpenVINO network (default:
            torch's current count).

    Returns:
        the model in eval mode with ``cfg``, ``dataset_meta`` (a
        :class:`PoseMetainfo`) and ``pose_backend`` attributes.
    """
    from mmalphapose.registry import MODELS
    from mmalphapose.utils import enable_safe_checkpoint_loading, register_all_modules
    from mmalphapose.utils.resources import resource_root
    from .model_index import find_model, resolve_pose_config
    enable_safe_checkpoint_loading()
    if isinstance(config, (str, Path)):
        entry = None if osp.isfile(str(config)) else find_model(str(config))
        if checkpoint is None and entry is not None and entry.weights and \
                entry.weights.endswith('.pth'):
            checkpoint = str(resource_root() / entry.weights)
        config_name = resolve_pose_config(str(config))
        from mmalphapose.utils.config import load_config  # errors name the file
        config = load_config(config_name)
    elif isinstance(config, Config):
        config_name = config.filename or '<Config>'
    else:
        raise TypeError(f'config must be a path or Config, got {type(config)}')
    if cfg_options:
        config.merge_from_dict(cfg_options)
    register_all_modules(init_default_scope=False)
    model_cfg = config.model.copy()
    if 'teachers' in model_cfg or 'student' in model_cfg:
        raise ValueError(f'"{config_name}" is a distillation config (model.type='
                         f'{model_cfg.get("type")}): infer with its student config')
    check_scopes(model_cfg, config_name)
    model_cfg.pop('pretrained', None)
    if isinstance(model_cfg.get('backbone'), dict):
        model_cfg['backbone'].pop('init_cfg', None)
    # our scope for the build, whatever scope is current (e.g. 'mmdet' after an
    # mmdet detector was initialised); the previous scope is restored after
    with DefaultScope.overwrite_default_scope('mmalphapose'):
        model = MODELS.build(model_cfg)
    model.cfg = config
    meta = load_pose_checkpoint(model, checkpoint, config_name) if checkpoint else {}
    source = (
        getattr(model, 'dataset_meta', None) or meta.get('dataset_meta')
        or model_cfg.get('metainfo')
        or ((config.get('test_dataloader') or {}).get('dataset') or {}).get('metainfo'))
    source = source or dataset_class_metainfo(config)
    if not source:  # never guessed from the keypoint count
        raise ValueError(f'pose config "{config_name}" gives no dataset metainfo '
                         '(set model.metainfo=dict(from_file=...))')
    model.dataset_meta = PoseMetainfo.load(source)
    model.to(device)
    model.eval()
    from .backends import build_pose_backend
    options = dict(num_threads=num_threads) if num_threads else {}
    return build_pose_backend(model, backend, device, checkpoint, **options)


class TopdownPredictor:
    """The pose stage's network part: boxes of several frames -> one
    ``InstanceData`` with every field the model emits, in image pixels.

    Args:
        model: a top-down pose model from :func:`init_model`.
        batch_size: people per forward pass; ``None``: the backend's
            ``default_pose_batch`` (onnxruntime on the CPU 4, PyTorch 16,
            ``docs/speed.md``), else ``DEFAULT_POSE_BATCH``.
        flip: flip test on/off; ``None`` keeps the config's ``test_cfg``
            (given to ``predict_crops``; the model is not changed).
        backend: ``None`` runs ``model`` as given (its network runner);
            ``'onnxruntime'`` / ``'openvino'`` / ``'auto'`` give a PyTorch
            model another runner (``apis/backends.py``).
        with_embeddings: also the identity embedding of models that have one
            (``test_cfg.embedding``); only a tracker reads it.
    """

    def __init__(self,
                 model: torch.nn.Module,
                 batch_size: Optional[int] = None,
                 flip: Optional[bool] = None,
                 backend: Optional[str] = None,
                 with_embeddings: bool = True):
        if backend is not None and backend != getattr(model, 'pose_backend', 'pytorch'):
            from .backends import build_pose_backend
            params = list(model.parameters())
            model = build_pose_backend(model, backend, str(params[0].device) if params else 'cpu')
        self.model, self.flip, self.with_embeddings = model, flip, with_embeddings
        if batch_size is None:
            batch_size = getattr(model, 'default_pose_batch', DEFAULT_POSE_BATCH)
        self.batch_size = max(1, int(batch_size))
        self.crop = TopdownCrop.from_model(model)
        self.metainfo: PoseMetainfo = model.dataset_meta
        # the flip pairs, checked once (predict_crops' flip_indices); the
        # sample carries them for models that read their samples
        self._sample = PoseDataSample(metainfo=dict(flip_indices=self.metainfo['flip_indices']))
        try:
            self.flip_indices: Optional[List[int]] = get_flip_indices(
                [self._sample], self.metainfo['num_keypoints'])
        except (KeyError, ValueError):  # named by the head if a flip test needs them
            self.flip_indices = None
        params = list(model.parameters())
        self.device = params[0].device if params else torch.device('cpu')
        # a TopdownPoseEstimator predicts all crops at once (predict_crops);
        # other models (the ONNX teachers, estimators with their own
        # predict) go through MMPose's per-sample test_step
        from mmalphapose.models.pose_estimators import TopdownPoseEstimator
        self.batched = isinstance(model, TopdownPoseEstimator) and \
            type(model).predict is TopdownPoseEstimator.predict
        # heads with decode_outputs give float32 numpy instances already;
        # others (their own predict) may give tensors, converted here
        self.numpy_preds = hasattr(getattr(model, 'head', None), 'decode_outputs')
        if not self.batched and flip is not None:
            test_cfg = getattr(model, 'test_cfg', None)
            if isinstance(test_cfg, dict) and bool(test_cfg.get('flip_test')) != bool(flip):
                self.model = copy.copy(model)  # shares the weights, owns its test_cfg
                self.model.test_cfg = dict(test_cfg, flip_test=bool(flip))

    def __call__(self,
                 images: Sequence[np.ndarray],
                 image_ids: np.ndarray,
                 bboxes: np.ndarray,
                 bbox_scores: Optional[np.ndarray] = None,
                 img_paths: Optional[Sequence[Optional[str]]] = None,
                 with_heatmaps: bool = False) -> InstanceData:
        """Pose of N boxes of F images.

        Args:
            images: F BGR images.
            image_ids: (N,) index into ``images`` of each box.
            bboxes: (N,4) xyxy boxes; bbox_scores: (N,) (default 1).
            img_paths: optional path per image (sample metainfo).
            with_heatmaps: also return ``heatmaps`` (N,K,h,w), min-max scaled
                per keypoint (one extra forward; for drawing).

        Returns:
            InstanceData of N people in the order of ``bboxes``: keypoints
            (N,K,2) in image pixels, keypoint_scores (N,K), bboxes, bbox_scores,
            the crop each person was seen in (``input_centers`` /
            ``input_scales`` (N,2), image pixels; N > 0) and every other
            per-person field of the model (e.g. embeddings), as float32
            numpy arrays.
        """
        bboxes = np.asarray(bboxes, np.float32).reshape(-1, 4)
        n = len(bboxes)
        image_ids = np.asarray(image_ids, np.int64).reshape(-1)
        scores = np.ones(n, np.float32) if bbox_scores is None else \
            np.asarray(bbox_scores, np.float32).reshape(-1)
        k = self.metainfo['num_keypoints']
        if n == 0:
            return InstanceData(
                keypoints=np.zeros((0, k, 2), np.float32),
                keypoint_scores=np.zeros((0, k), np.float32),
                bboxes=np.zeros((0, 4), np.float32),
                bbox_scores=np.zeros((0, ), np.float32))
        crops, centers, scales = self.crop(images, image_ids, bboxes)
        if self.device.type == 'cuda':  # page-locked: the copies below run asynchronously
            crops = crops.pin_memory()
        parts = []
        with torch.no_grad():
            for start in range(0, n, self.batch_size):
                sl = slice(start, min(n, start + self.batch_size))
                inputs = crops[sl].to(self.device, non_blocking=True)
                if self.batched:  # all crops at once, then mapped to the image
                    data = self.model.data_preprocessor(dict(inputs=inputs, data_samples=None),
                                                        False)
                    batch = self.model.predict_crops(
                        data['inputs'], [self._sample],
                        flip=self.flip,
                        with_embeddings=self.with_embeddings,
                        flip_indices=self.flip_indices,
                        box_heights=bboxes[sl, 3] - bboxes[sl, 1])  # test_cfg.flip_min_height
                    if not self.numpy_preds:
                        batch = _numpy_instances(batch)
                    batch.keypoints = crop_to_image(batch.keypoints, self.crop.input_size,
                                                    centers[sl], scales[sl])
                else:
                    batch = self._forward_samples(inputs, sl, images, image_ids, centers, scales,
                                                  img_paths, bboxes, scores)
                if with_heatmaps:
                    batch.heatmaps = self._heatmaps(inputs)
                parts.append(batch)
        inst = InstanceData.cat(parts) if len(parts) > 1 else parts[0]
        if inst.keypoint_scores.ndim == 3:  # (N,K,1) from some heads
            inst.keypoint_scores = inst.keypoint_scores[..., 0]
        inst.bboxes, inst.bbox_scores = bboxes, scores
        inst.input_centers, inst.input_scales = centers, scales
        return inst

    def _forward_samples(self, inputs: torch.Tensor, sl: slice, images, image_ids, centers,
                         scales, img_paths, bboxes, scores) -> InstanceData:
        """MMPose's ``test_step`` with one data sample per crop (models
        without ``predict_crops``)."""
        samples = []
        for i in range(sl.start, sl.stop):
            img = images[image_ids[i]]
            sample = PoseDataSample(
                metainfo=dict(
                    img_shape=img.shape[:2],
                    ori_shape=img.shape[:2],
                    input_size=self.crop.input_size,
                    input_center=centers[i],
                    input_scale=scales[i],
                    flip_indices=self.metainfo['flip_indices'],
                    img_path=img_paths[image_ids[i]] if img_paths else None,
                    id=i))
            sample.gt_instances = InstanceData(bboxes=bboxes[i:i + 1], bbox_scores=scores[i:i + 1])
            samples.append(sample)
        out = self.model.test_step(dict(inputs=inputs, data_samples=samples))
        return InstanceData.cat([_numpy_instances(s.pred_instances) for s in out])

    def _heatmaps(self, inputs: torch.Tensor) -> np.ndarray:
        data = self.model.data_preprocessor(dict(inputs=inputs, data_samples=None), False)
        maps = self.model(data['inputs'], mode='tensor')
        if isinstance(maps, (tuple, list)):
            maps = maps[0]
        if not isinstance(maps, torch.Tensor) or maps.dim() != 4:
            raise ValueError('drawing heatmaps needs a model whose forward gives '
                             f'(N,K,h,w) maps, got {type(maps).__name__}')
        maps = maps.detach().float().cpu()
        lo = maps.amin(dim=(2, 3), keepdim=True)
        hi = maps.amax(dim=(2, 3), keepdim=True)
        return ((maps - lo) / (hi - lo).clamp(min=1e-6)).numpy()


def _numpy_instances(inst: InstanceData) -> InstanceData:
    """The same instances with every tensor field as a numpy array and every
    floating field float32."""
    out = InstanceData()
    for key, value in inst.items():
        if isinstance(value, torch.Tensor):
            value = to_numpy(value)
        if isinstance(value, np.ndarray) and value.dtype.kind == 'f' and \
                value.dtype != np.float32:
            value = value.astype(np.float32)
        out.set_field(value, key)
    return out


def _as_image(img: Union[str, np.ndarray]) -> Tuple[np.ndarray, Optional[str]]:
    if isinstance(img, np.ndarray):
        if img.ndim == 2:
            img = np.repeat(img[..., None], 3, axis=2)
        return img, None
    import cv2
    if not osp.isfile(str(img)):
        raise FileNotFoundError(f'image "{img}" not found')
    arr = cv2.imread(str(img), cv2.IMREAD_COLOR)
    if arr is None:
        raise ValueError(f'image "{img}" could not be decoded')
    return arr, str(img)


def inference_topdown(model: torch.nn.Module,
                      img: Union[str, np.ndarray],
                      bboxes: Optional[np.ndarray] = None,
                      bbox_format: str = 'xyxy',
                      batch_size: Optional[int] = None) -> List[PoseDataSample]:
    """Top-down pose of the given boxes in one image (MMPose API).

    Args:
        model: pose model from :func:`init_model`.
        img: image path or BGR array.
        bboxes: (N,4) or (N,5) boxes; ``None`` or empty uses the whole image.
        bbox_format: ``'xyxy'`` or ``'xywh'``.

    Returns:
        one PoseDataSample per box, ``pred_instances`` in image pixels.
    """
    image, path = _as_image(img)
    h, w = image.shape[:2]
    if bboxes is None or len(bboxes) == 0:
        bboxes = np.array([[0, 0, w, h]], dtype=np.float32)
    bboxes = np.asarray(bboxes, dtype=np.float32)
    if bboxes.ndim != 2 or bboxes.shape[1] < 4:
        raise ValueError(f'bboxes must be (N,4) or (N,5), got shape {bboxes.shape}')
    scores = bboxes[:, 4] if bboxes.shape[1] > 4 else None
    bboxes = bboxes[:, :4]
    if bbox_format == 'xywh':
        bboxes = bbox_xywh2xyxy(bboxes)
    elif bbox_format != 'xyxy':
        raise ValueError(f'bbox_format must be "xyxy" or "xywh", got "{bbox_format}"')
    inst = TopdownPredictor(model, batch_size)([image],
                                               np.zeros(len(bboxes), np.int64),
                                               bboxes,
                                               scores,
                                               img_paths=[path])
    samples = []
    for i in range(len(inst)):
        s = PoseDataSample(metainfo=dict(img_path=path, img_shape=(h, w), ori_shape=(h, w)))
        s.pred_instances = inst[i]
        samples.append(s)
    return samples
