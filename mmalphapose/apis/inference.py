"""Model loading and batched top-down inference (MMPose ``apis.inference`` style)."""
import os.path as osp
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.structures import InstanceData

from mmalphapose.structures import PoseDataSample, bbox_xywh2xyxy
from .crop import boxes_to_center_scale, crop_people

# num_keypoints -> dataset metainfo file, used when neither the checkpoint nor
# the config says which dataset the model was trained on.
_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_METAINFO = {
    17: 'configs/_base_/datasets/coco.py',
    26: 'configs/_base_/datasets/halpe26.py',
    133: 'configs/_base_/datasets/coco_wholebody.py',
    136: 'configs/_base_/datasets/halpe136.py',
}


def _resolve_metainfo_file(path: str) -> str:
    if osp.isfile(path):
        return path
    alt = _ROOT / path
    return str(alt) if alt.is_file() else path


def parse_metainfo(metainfo: Union[dict, str, None]) -> Optional[dict]:
    """Parse a metainfo dict/path with ``mmalphapose.datasets.parse_pose_metainfo``."""
    if metainfo is None:
        return None
    from mmalphapose.datasets import parse_pose_metainfo
    if isinstance(metainfo, str):
        metainfo = dict(from_file=metainfo)
    if 'from_file' in metainfo:
        metainfo = dict(metainfo, from_file=_resolve_metainfo_file(metainfo['from_file']))
    if 'keypoint_id2name' in metainfo:  # already parsed
        return metainfo
    return parse_pose_metainfo(metainfo)


def metainfo_for_num_keypoints(num_keypoints: int) -> Optional[dict]:
    """Default dataset metainfo for a keypoint count (17/26/133/136)."""
    path = DEFAULT_METAINFO.get(int(num_keypoints))
    return parse_metainfo(str(_ROOT / path)) if path else None


def _find_in_pipeline(cfg: Config, transform: str, key: str):
    for loader in ('test_dataloader', 'val_dataloader'):
        pipeline = ((cfg.get(loader) or {}).get('dataset') or {}).get('pipeline', None)
        for step in pipeline or cfg.get('test_pipeline', None) or []:
            if str(step.get('type', '')).split('.')[-1] == transform and key in step:
                return step[key]
    return None


def get_input_size(model: torch.nn.Module) -> Tuple[int, int]:
    """Model input size (w, h) from the codec, the test pipeline or the head."""
    cfg = getattr(model, 'cfg', None)
    if cfg is not None:
        codec = cfg.get('codec', None)
        if isinstance(codec, dict) and 'input_size' in codec:
            return tuple(int(v) for v in codec['input_size'])
        if isinstance(codec, (list, tuple)) and codec and 'input_size' in codec[0]:
            return tuple(int(v) for v in codec[0]['input_size'])
        size = _find_in_pipeline(cfg, 'TopdownAffine', 'input_size')
        if size is not None:
            return tuple(int(v) for v in size)
    head = getattr(model, 'head', None)
    decoder = getattr(head, 'decoder', None)
    if decoder is not None and hasattr(decoder, 'input_size'):
        return tuple(int(v) for v in decoder.input_size)
    return (192, 256)


def get_bbox_padding(model: torch.nn.Module) -> float:
    """Box padding of ``GetBBoxCenterScale`` in the test pipeline (AlphaPose 1.25)."""
    cfg = getattr(model, 'cfg', None)
    pad = _find_in_pipeline(cfg, 'GetBBoxCenterScale', 'padding') if cfg else None
    return float(pad) if pad is not None else 1.25


def _model_num_keypoints(model: torch.nn.Module) -> Optional[int]:
    meta = getattr(model, 'dataset_meta', None) or {}
    if meta.get('num_keypoints'):
        return int(meta['num_keypoints'])
    head = getattr(model, 'head', None)
    for attr in ('num_keypoints', 'out_channels'):
        if head is not None and isinstance(getattr(head, attr, None), int):
            return int(getattr(head, attr))
    return None


def _check_state_dict(model: torch.nn.Module, state: Dict[str, torch.Tensor],
                      checkpoint: str, config_name: str) -> None:
    """Raise a clear error when checkpoint and model shapes disagree."""
    own = model.state_dict()
    state = {k[7:] if k.startswith('module.') else k: v for k, v in state.items()}
    bad = [(k, tuple(v.shape), tuple(own[k].shape)) for k, v in state.items()
           if k in own and hasattr(v, 'shape') and tuple(v.shape) != tuple(own[k].shape)]
    if not bad:
        return
    k_model = _model_num_keypoints(model)
    for key, ck_shape, own_shape in bad:
        if k_model and own_shape and own_shape[0] == k_model and ck_shape[0] != k_model:
            raise ValueError(
                f'Checkpoint "{checkpoint}" predicts {ck_shape[0]} keypoints '
                f'(parameter "{key}" has shape {ck_shape}) but the config '
                f'"{config_name}" builds a model with {k_model} keypoints '
                f'(shape {own_shape}). Use the config that matches the checkpoint.')
    listing = '; '.join(f'{k}: checkpoint {a} vs model {b}' for k, a, b in bad[:5])
    raise ValueError(f'Checkpoint "{checkpoint}" does not fit the model of config '
                     f'"{config_name}": {len(bad)} parameter shape(s) differ ({listing})')


def load_pose_checkpoint(model: torch.nn.Module, checkpoint: str,
                         config_name: str = '<config>') -> dict:
    """Load a checkpoint safely (``weights_only=True``) into ``model``.

    Returns the checkpoint's ``meta`` dict (may be empty).
    """
    from mmengine.runner.checkpoint import _load_checkpoint_to_model

    from mmalphapose.utils import safe_torch_load
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'pose checkpoint "{checkpoint}" not found')
    ckpt = safe_torch_load(checkpoint, map_location='cpu')
    if not isinstance(ckpt, dict):
        raise ValueError(f'checkpoint "{checkpoint}" is not a dict of tensors')
    state = ckpt.get('state_dict', ckpt)
    if isinstance(state, dict) and any(str(k).startswith('student.') for k in state):
        # distiller checkpoint: keep the student's weights only
        state = {k[len('student.'):]: v for k, v in state.items()
                 if str(k).startswith('student.')}
    meta = ckpt.get('meta', {}) if isinstance(ckpt.get('meta', {}), dict) else {}
    ck_meta = meta.get('dataset_meta') or {}
    k_model = _model_num_keypoints(model)
    if ck_meta.get('num_keypoints') and k_model and int(ck_meta['num_keypoints']) != k_model:
        raise ValueError(
            f'Checkpoint "{checkpoint}" was trained for {ck_meta["num_keypoints"]} '
            f'keypoints ({ck_meta.get("dataset_name", "?")}) but the config '
            f'"{config_name}" has {k_model} keypoints.')
    _check_state_dict(model, state, checkpoint, config_name)
    _load_checkpoint_to_model(model, state, strict=False)
    return meta


def init_model(config: Union[str, Path, Config],
               checkpoint: Optional[str] = None,
               device: str = 'cpu',
               cfg_options: Optional[dict] = None) -> torch.nn.Module:
    """Build a pose model from a config and load a checkpoint safely.

    Args:
        config: config path or :class:`Config`.
        checkpoint: optional ``.pth``; ``None`` keeps the initial weights.
        device: torch device string.
        cfg_options: overrides merged into the config.

    Returns:
        the model in eval mode with ``cfg`` and ``dataset_meta`` attributes.
    """
    from mmalphapose.registry import MODELS
    from mmalphapose.utils import register_all_modules
    if isinstance(config, (str, Path)):
        if not osp.isfile(str(config)):
            raise FileNotFoundError(f'pose config "{config}" not found')
        config_name = str(config)
        config = Config.fromfile(str(config))
    elif isinstance(config, Config):
        config_name = config.filename or '<Config>'
    else:
        raise TypeError(f'config must be a path or Config, got {type(config)}')
    if cfg_options:
        config.merge_from_dict(cfg_options)
    register_all_modules(init_default_scope=False)
    model_cfg = config.model.copy()
    if 'student' in model_cfg:  # a distiller config: infer with its student
        model_cfg = model_cfg['student'].copy()
    model_cfg.pop('pretrained', None)
    if isinstance(model_cfg.get('backbone'), dict):
        model_cfg['backbone'].pop('init_cfg', None)
    from mmengine.registry import DefaultScope
    # our scope for the build, whatever scope is current (e.g. 'mmdet' after an
    # mmdet detector was initialised); the previous scope is restored after
    with DefaultScope.overwrite_default_scope('mmalphapose'):
        model = MODELS.build(model_cfg)
    model.cfg = config
    meta = {}
    if checkpoint is not None:
        meta = load_pose_checkpoint(model, checkpoint, config_name)
    dataset_meta = getattr(model, 'dataset_meta', None)
    if not dataset_meta:
        source = (meta.get('dataset_meta') or model_cfg.get('metainfo')
                  or ((config.get('test_dataloader') or {}).get('dataset') or {}).get('metainfo'))
        dataset_meta = parse_metainfo(source) if source else None
        if dataset_meta is None:
            k = _model_num_keypoints(model)
            dataset_meta = metainfo_for_num_keypoints(k) if k else None
        model.dataset_meta = dataset_meta
    model.to(device)
    model.eval()
    return model


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


def predict_people(model: torch.nn.Module, frames: Sequence[np.ndarray],
                   frame_ids: np.ndarray, bboxes: np.ndarray,
                   bbox_scores: Optional[np.ndarray] = None,
                   batch_size: int = 64, flip: Optional[bool] = None,
                   img_paths: Optional[Sequence[Optional[str]]] = None,
                   output_heatmaps: bool = False) -> List[PoseDataSample]:
    """Pose of every box of several frames: one vectorised crop, batched forward.

    Args:
        model: a top-down pose estimator (``test_step`` returning
            PoseDataSamples with ``pred_instances`` in image coordinates).
        frames: BGR images.
        frame_ids: (N,) frame index of each box.
        bboxes: (N,4) xyxy boxes.
        bbox_scores: (N,) box scores (default 1).
        batch_size: people per forward pass.
        flip: override ``model.test_cfg['flip_test']`` when not None.
        img_paths: optional path per frame for the metainfo.
        output_heatmaps: also store the head's raw maps, min-max scaled per
            keypoint, as ``pred_fields.heatmaps`` (K,h,w) (one extra forward).

    Returns:
        one PoseDataSample per box (in the order of ``bboxes``).
    """
    bboxes = np.asarray(bboxes, dtype=np.float32).reshape(-1, 4)
    n = len(bboxes)
    frame_ids = np.asarray(frame_ids, dtype=np.int64).reshape(-1)
    if bbox_scores is None:
        bbox_scores = np.ones(n, dtype=np.float32)
    bbox_scores = np.asarray(bbox_scores, dtype=np.float32).reshape(-1)
    if n == 0:
        return []
    input_size = get_input_size(model)
    center, scale = boxes_to_center_scale(bboxes, input_size, get_bbox_padding(model))
    meta = getattr(model, 'dataset_meta', None) or {}
    flip_indices = meta.get('flip_indices')
    test_cfg = getattr(model, 'test_cfg', None)
    old_flip = None
    if flip is not None and isinstance(test_cfg, dict):
        old_flip = test_cfg.get('flip_test', False)
        test_cfg['flip_test'] = bool(flip)
    device = next(model.parameters()).device if any(True for _ in model.parameters()) \
        else torch.device('cpu')
    results: List[PoseDataSample] = []
    try:
        with torch.no_grad():
            for start in range(0, n, max(1, batch_size)):
                sl = slice(start, min(n, start + max(1, batch_size)))
                used = np.unique(frame_ids[sl])
                remap = np.searchsorted(used, frame_ids[sl])
                crops = crop_people([frames[i] for i in used], remap,
                                    center[sl], scale[sl], input_size)
                samples = []
                for j, i in enumerate(range(sl.start, sl.stop)):
                    f = frames[frame_ids[i]]
                    s = PoseDataSample(metainfo=dict(
                        img_shape=f.shape[:2], ori_shape=f.shape[:2],
                        input_size=input_size, input_center=center[i],
                        input_scale=scale[i], flip_indices=flip_indices,
                        img_path=img_paths[frame_ids[i]] if img_paths else None,
                        id=int(i)))
                    s.gt_instances = InstanceData(bboxes=bboxes[i:i + 1],
                                                  bbox_scores=bbox_scores[i:i + 1])
                    samples.append(s)
                out = model.test_step(dict(inputs=crops.to(device), data_samples=samples))
                if output_heatmaps:
                    _attach_heatmaps(model, crops.to(device), out)
                results.extend(out)
    finally:
        if old_flip is not None:
            test_cfg['flip_test'] = old_flip
    return results


def _attach_heatmaps(model: torch.nn.Module, crops: torch.Tensor,
                     samples: List[PoseDataSample]) -> None:
    from mmengine.structures import PixelData
    data = model.data_preprocessor(dict(inputs=crops, data_samples=None), False)
    maps = model(data['inputs'], mode='tensor')
    if isinstance(maps, (tuple, list)):
        maps = maps[0]
    if not isinstance(maps, torch.Tensor) or maps.dim() != 4:
        return
    maps = maps.detach().float().cpu()
    lo = maps.amin(dim=(2, 3), keepdim=True)
    hi = maps.amax(dim=(2, 3), keepdim=True)
    maps = ((maps - lo) / (hi - lo).clamp(min=1e-6)).numpy()
    for s, m in zip(samples, maps):
        s.pred_fields = PixelData(heatmaps=m)


def inference_topdown(model: torch.nn.Module, img: Union[str, np.ndarray],
                      bboxes: Optional[np.ndarray] = None,
                      bbox_format: str = 'xyxy',
                      batch_size: int = 64) -> List[PoseDataSample]:
    """Top-down pose of the given boxes in one image (MMPose API).

    Args:
        model: pose model from :func:`init_model`.
        img: image path or BGR array.
        bboxes: (N,4) boxes; ``None`` or empty uses the whole image.
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
    return predict_people(model, [image], np.zeros(len(bboxes), np.int64), bboxes,
                          scores, batch_size=batch_size, img_paths=[path])


def samples_to_instances(samples: Sequence[PoseDataSample]) -> InstanceData:
    """Concatenate per-box predictions into one numpy ``InstanceData``."""
    fields = {}
    for key in ('keypoints', 'keypoint_scores', 'bboxes', 'bbox_scores'):
        vals = []
        for s in samples:
            v = s.pred_instances.get(key)
            if v is None and key.startswith('bbox'):
                v = s.gt_instances.get(key)
            if isinstance(v, torch.Tensor):
                v = v.detach().cpu().numpy()
            vals.append(np.asarray(v, dtype=np.float32))
        if vals:
            fields[key] = np.concatenate(vals, axis=0)
    if not samples:
        return InstanceData()
    if fields['keypoint_scores'].ndim == 3:  # (N,K,1) from some heads
        fields['keypoint_scores'] = fields['keypoint_scores'][..., 0]
    return InstanceData(**fields)
