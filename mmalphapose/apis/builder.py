"""The one builder of the inference pipeline, shared by the demo
(``apis/cli.py``), :class:`~mmalphapose.apis.PoseInferencer`,
:class:`~mmalphapose.apis.AlphaPose` and ``tools/infer.py``.

:func:`build_models` loads what is heavy once (pose model with its network
runner, detector, visualiser, the SMPL body model); :func:`build_stages` turns
run options into the stage objects of :mod:`mmalphapose.apis.stages`::

    read -> DetectStage -> PoseStage(predictor, [PartRefineStage] -> NMSStage
    -> TrackStage)                       (SMPL mode: SMPLPredictor, TrackStage)
"""
import logging
import warnings
from dataclasses import dataclass
from typing import Optional, Tuple, Union

import numpy as np
import torch
from mmengine.logging import print_log
from mmengine.registry import DefaultScope

from mmalphapose.registry import MODELS, POSE_NMS, TRACKERS
from .detection import PersonDetector, build_person_detector
from .inference import TopdownPredictor, init_model
from .model_index import (default_detector, default_pose_model, find_checkpoint_for, find_model,
                          resolve_pose_config)
from .stages import (DetectStage, NMSStage, PartRefineStage, PoseStage, TrackStage,
                     keypoint_thresholds)

NMS_TYPES = {'pnms': 'ParametricPoseNMS', 'oks': 'OKSNMS', 'soft-oks': 'SoftOKSNMS'}
TRACKER_TYPES = {'pose-aware': 'PoseAwareTracker', 'poseflow': 'PoseFlowTracker'}


@dataclass
class InferenceModels:
    """What :func:`build_models` loaded (built once, shared by every run).

    Attributes:
        model: the pose model (its ``network_runner`` runs the network).
        metainfo: its :class:`~mmalphapose.structures.PoseMetainfo`.
        detector: the person detector.
        visualizer: the default drawing (a run with other drawing options
            draws with a copy).
        pose_config / pose_checkpoint: what the model was built from.
        random_weights: no checkpoint for a model with parameters.
        smpl_layer: the SMPL body model of the SMPL mode, else None.
        kpt_thr: the model's drawing threshold of its keypoints, a float or
            (K,) (:func:`~mmalphapose.apis.stages.keypoint_thresholds`).
    """
    model: torch.nn.Module
    metainfo: dict
    detector: PersonDetector
    visualizer: object
    pose_config: str
    pose_checkpoint: Optional[str]
    random_weights: bool = False
    smpl_layer: object = None
    kpt_thr: Union[float, np.ndarray] = 0.3

    def describe(self) -> str:
        """Which models are used, in words."""
        weights = self.pose_checkpoint or ('RANDOM WEIGHTS' if self.random_weights else
                                           'weights from the files its config names')
        pose = f'{self.pose_config} + {weights} ' \
            f'({getattr(self.model, "pose_backend", "pytorch")})'
        if self.smpl_layer is not None:
            pose += f'\nSMPL body model: {self.smpl_layer.model_path}'
        return f'pose: {pose}\ndetector: {self.detector.name}'


def _pose_files(pose_config: Optional[str],
                pose_checkpoint: Optional[str]) -> Tuple[str, Optional[str]]:
    """(config, checkpoint) of ``pose_config`` (None: the default model)."""
    if pose_config is None:
        pose_config, default_ckpt = default_pose_model()
        if pose_config is None:
            raise FileNotFoundError('no pose config given and no bundled pose model '
                                    'found (model-index.yml)')
        return pose_config, pose_checkpoint or default_ckpt
    entry = find_model(pose_config)
    pose_config = resolve_pose_config(pose_config)
    # a model of the index (e.g. "halpe26-student") brings its weights; any
    # other config finds checkpoints/<config name>.pth; nothing else is guessed
    pose_checkpoint = pose_checkpoint or find_checkpoint_for(pose_config)
    if entry is not None and entry.weights and not pose_checkpoint:
        raise FileNotFoundError(f'model "{entry.name}": weights "{entry.weights}" '
                                'not found (reinstall the package)')
    return pose_config, pose_checkpoint


def _warn_random_weights(pose_config: str) -> None:
    msg = ('!' * 70 + f'\nNo pose checkpoint for "{pose_config}": the pose model has '
           'RANDOM WEIGHTS and its keypoints are meaningless.\nPass '
           '--pose-checkpoint / pose_checkpoint, or put the default checkpoint '
           'under checkpoints/.\n' + '!' * 70)
    print_log(msg, logger='current', level=logging.WARNING)
    warnings.warn(f'pose model "{pose_config}" has random weights (no checkpoint)')


def build_models(pose_config: Optional[str] = None,
                 pose_checkpoint: Optional[str] = None,
                 device: str = 'cpu',
                 det_model: Optional[str] = None,
                 det_weights: Optional[str] = None,
                 det_cat_id: int = 0,
                 detfile: Optional[str] = None,
                 bbox_thr: float = 0.2,
                 nms_thr: Optional[float] = None,
                 cfg_options: Optional[dict] = None,
                 det_options: Optional[dict] = None,
                 threads: Optional[int] = None,
                 smpl_model: Union[str, bool, None] = None,
                 backend: str = 'auto') -> InferenceModels:
    """Load the models of a run; the arguments are those of
    :class:`~mmalphapose.apis.PoseInferencer` (whose ``pose2d`` /
    ``pose2d_weights``, MMPose's names, are ``pose_config`` /
    ``pose_checkpoint`` here, as in :class:`~mmalphapose.apis.AlphaPose` and
    the demo's ``--pose-config`` / ``--pose-checkpoint``)."""
    if threads:  # intra-op threads of the pose model, set once here
        torch.set_num_threads(int(threads))
    smpl_layer = None
    if smpl_model:  # SMPL mode: the user's body model first (clear error if missing)
        from .smpl_inference import SMPL_POSE_CONFIG, build_smpl_layer
        pose_config = resolve_pose_config(pose_config or SMPL_POSE_CONFIG)
        smpl_layer = build_smpl_layer(smpl_model, pose_config, device)
        cfg_options = dict(cfg_options or {}, **{'model.head.smpl_layer': None})
    pose_config, pose_checkpoint = _pose_files(pose_config, pose_checkpoint)
    model = init_model(
        pose_config,
        pose_checkpoint,
        device=device,
        cfg_options=cfg_options,
        backend='pytorch' if smpl_model else backend)
    # a model without trainable parameters (the ONNX teachers) carries its
    # weights in its own files; any other model without a checkpoint is random
    random_weights = not pose_checkpoint and any(True for _ in model.parameters())
    if random_weights:
        _warn_random_weights(pose_config)
    metainfo = model.dataset_meta
    if not metainfo:
        raise ValueError(f'pose config "{pose_config}" gives no dataset metainfo '
                         '(set model.metainfo=dict(from_file=...))')
    if det_model is None and detfile is None:
        det_model, default_w = default_detector()
        det_weights = det_weights or default_w
        if det_model is None:
            print_log(
                'No detector given and the bundled ONNX detector '
                '(configs/detection/*.py + checkpoints/*.onnx) was not found: '
                'every frame is used as ONE person box.',
                logger='current',
                level=logging.WARNING)
    detector = build_person_detector(None if det_model == 'none' else det_model, det_weights,
                                     detfile, device, det_cat_id, bbox_thr, nms_thr, det_options)
    if smpl_layer is not None:
        from .smpl_inference import SMPLVisualizer
        visualizer = SMPLVisualizer(smpl_layer.faces, dataset_meta=metainfo)
    else:
        from mmalphapose.visualization import PoseVisualizer
        visualizer = PoseVisualizer(dataset_meta=metainfo)
    return InferenceModels(model, metainfo, detector, visualizer, pose_config, pose_checkpoint,
                           random_weights, smpl_layer, keypoint_thresholds(model, metainfo))


def build_pose_nms(kind: Optional[str], model: torch.nn.Module, metainfo: dict):
    """POSE_NMS module for ``--pose-nms`` (``'pnms'``: the config's
    ``pose_nms`` when it has one); None for ``'none'``."""
    if kind in (None, 'none', False):
        return None
    cfg_nms = getattr(model, 'cfg', {}).get('pose_nms', None)
    if kind == 'pnms' and isinstance(cfg_nms, dict):
        cfg = dict(cfg_nms)
    elif kind in NMS_TYPES:
        cfg = dict(type=NMS_TYPES[kind])
    else:
        raise ValueError(f'--pose-nms must be one of none|{"|".join(NMS_TYPES)}, '
                         f'got "{kind}"')
    cfg.setdefault('metainfo', metainfo)
    with DefaultScope.overwrite_default_scope('mmalphapose'):
        return POSE_NMS.build(cfg)


def build_tracker(kind: Optional[str], metainfo: dict):
    """TRACKERS module for ``--track``; None for ``'none'``."""
    if kind in (None, 'none', False):
        return None
    if kind not in TRACKER_TYPES:
        raise ValueError(f'--track must be one of none|{"|".join(TRACKER_TYPES)}, '
                         f'got "{kind}"')
    with DefaultScope.overwrite_default_scope('mmalphapose'):
        return TRACKERS.build(dict(type=TRACKER_TYPES[kind], metainfo=metainfo))


def build_part_refiner(model: torch.nn.Module, enabled: bool = True):
    """The pose config's top-level ``part_refiner = dict(type=...)`` (a
    MODELS part refiner: ``refiner(image (H,W,3) BGR, instances) ->
    instances``), or None when the config has none or ``enabled`` is False."""
    cfg = getattr(model, 'cfg', None)
    cfg = cfg.get('part_refiner', None) if cfg is not None else None
    if not enabled or not cfg:
        return None
    with DefaultScope.overwrite_default_scope('mmalphapose'):
        return MODELS.build(dict(cfg))


def build_stages(models: InferenceModels,
                 det_batch: int = 4,
                 det_frequency: int = 1,
                 bbox_thr: Optional[float] = None,
                 nms_thr: Optional[float] = None,
                 pose_batch: Optional[int] = None,
                 flip: Optional[bool] = None,
                 pose_nms: Optional[str] = 'pnms',
                 track: Optional[str] = 'none',
                 part_refine: bool = True,
                 with_heatmaps: bool = False,
                 kpt_thr=None) -> Tuple[DetectStage, PoseStage]:
    """The detection and pose stages of a run (see the module docstring).

    Args:
        models: from :func:`build_models`.
        det_batch: frames per detector call (and per pose call).
        det_frequency: run the detector every N frames, follow the poses in
            between.
        bbox_thr / nms_thr: this run's box thresholds (None: the detector's).
        pose_batch / flip: people per forward pass, flip test (None: the
            backend's / the config's).
        pose_nms / track: ``'pnms'|'oks'|'soft-oks'|'none'``,
            ``'pose-aware'|'poseflow'|'none'``.
        part_refine: run the config's ``part_refiner`` (when it has one).
        with_heatmaps: keep the heatmaps (for drawing).
        kpt_thr: keypoint score that counts when following poses (None: the
            model's drawing threshold).
    """
    tracker = build_tracker(track, models.metainfo)
    if kpt_thr is None:
        kpt_thr = models.kpt_thr
    follow_thr = float(np.max(kpt_thr))
    detect = DetectStage(models.detector, det_batch, det_frequency, bbox_thr, nms_thr)
    if models.smpl_layer is not None:  # HybrIK + IK, no pose NMS (docs/smpl.md)
        from .smpl_inference import SMPLStage
        return detect, SMPLStage(models.model, models.smpl_layer, tracker, pose_batch, flip,
                                 True, det_batch, follow_thr, follow=det_frequency > 1)
    predictor = TopdownPredictor(
        models.model, pose_batch, flip, with_embeddings=tracker is not None)
    refiner = build_part_refiner(models.model, part_refine)
    nms = build_pose_nms(pose_nms, models.model, models.metainfo)
    # the part refiner after P-NMS: it refines only the people kept (P-NMS ranks
    # and merges by the body keypoints; on the arm-wrestling clip it keeps 48 of
    # 229 poses, docs/wholebody.md), before the tracker
    steps = ([NMSStage(nms)] if nms is not None else []) + \
        ([PartRefineStage(refiner)] if refiner is not None else []) + \
        ([TrackStage(tracker)] if tracker is not None else [])
    return detect, PoseStage(predictor, steps, det_batch, follow_thr, with_heatmaps,
                             follow=det_frequency > 1)
