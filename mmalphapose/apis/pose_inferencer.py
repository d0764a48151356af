"""PoseInferencer: detector -> top-down pose -> pose NMS -> tracker -> writers.

MMPose/MMDet ``Inferencer`` style: the models load once in ``__init__``; a call
takes inputs plus keyword arguments that are grouped into preprocess / forward /
visualize / postprocess kwargs, and yields one result per frame::

    inferencer = PoseInferencer('halpe26', 'checkpoints/x.pth',
                                det_model='configs/detection/nanodet.py',
                                det_weights='checkpoints/nanodet.onnx')
    for result in inferencer('video.mp4', out_dir='outputs', track='pose-aware'):
        result['predictions']  # list of per-person dicts (or PoseDataSample)
    summary = inferencer.run('images/', out_dir='outputs')  # consume all

Stages (reader thread, detection, pose + post-processing, writing) overlap
through bounded queues (``workers > 0``) or run in one thread (``workers=0``).
"""
import logging
import os
import sys
import threading
import time
import warnings
from typing import Dict, Iterator, List, Optional, Union

import numpy as np
from mmengine.logging import print_log
from mmengine.registry import DefaultScope
from mmengine.structures import InstanceData

from mmalphapose.registry import INFERENCERS, POSE_NMS, TRACKERS
from mmalphapose.structures import PoseDataSample, split_instances
from .detection import build_person_detector
from .inference import TopdownPredictor, init_model
from .inputs import Frame, resolve_inputs
from .model_index import (default_detector, default_pose_model, find_checkpoint_for, find_model,
                          resolve_pose_config)
from .pipeline import SourceEnd, SourceStart, chain, join_threads
from .stages import DetectStage, PoseStage, keypoint_thresholds, read_sources
from .writers import FORMATS, SourceOutputs, select_keypoint_ids

NMS_TYPES = {'pnms': 'ParametricPoseNMS', 'oks': 'OKSNMS', 'soft-oks': 'SoftOKSNMS'}
TRACKER_TYPES = {'pose-aware': 'PoseAwareTracker', 'poseflow': 'PoseFlowTracker'}
SMPL_OPTIONS_ERROR = ('--smpl writes the SMPL records of docs/output_formats.md and draws '
                      'meshes: --format, --keypoints and --draw-heatmap do not apply')


@INFERENCERS.register_module()
class PoseInferencer:
    """Whole AlphaPose inference pipeline.

    Args:
        pose2d: pose config path, config name or alias (``'halpe26'``, ...);
            ``None`` uses the default pose model of ``model-index.yml``.
        pose2d_weights: pose checkpoint; ``None`` with ``pose2d=None`` uses the
            default checkpoint when it exists (else random weights, warned).
        device: torch device.
        det_model: detector config (mmdet, or our ONNX detector config);
            ``None`` uses the bundled ONNX detector when present; ``'none'``
            uses the whole image as the person box.
        det_weights: detector checkpoint (``.pth`` for mmdet, ``.onnx`` for ours).
        det_cat_id: person class id of the detector (0 for COCO mmdet models).
        detfile: detection JSON used instead of a detector.
        bbox_thr / nms_thr: detector score threshold / optional extra box NMS.
        pose_nms: ``'pnms'`` (default; the config's ``pose_nms`` if it has one),
            ``'oks'``, ``'soft-oks'`` or ``'none'``.
        track: ``'none'``, ``'pose-aware'`` or ``'poseflow'``.
        show_progress: progress bar (frames/s, ETA) for folders and videos.
        cfg_options: overrides of the pose config.
        det_options: overrides of the ONNX detector's arguments, e.g.
            ``dict(num_threads=1)``.
        smpl_model: the SMPL / HybrIK mode (docs/smpl.md) when set: the SMPL
            file, or ``True`` for the default lookup; ``pose2d`` defaults to
            the HybrIK config; 3D joints, SMPL parameters and meshes are
            written (:mod:`mmalphapose.apis.smpl_inference`).
        backend: who runs the pose network: ``'auto'`` (onnxruntime for the
            bundled models on the CPU, else PyTorch), ``'pytorch'`` or
            ``'onnxruntime'`` (``apis/backends.py``).
    """

    preprocess_kwargs = {
        'bbox_thr', 'nms_thr', 'det_batch', 'det_frequency', 'workers', 'queue_size'
    }
    forward_kwargs = {'pose_batch', 'flip'}
    visualize_kwargs = {
        'show', 'kpt_thr', 'draw_bbox', 'draw_heatmap', 'skeleton_style', 'radius', 'thickness',
        'return_vis', 'save_vis', 'save_video', 'wait_time'
    }
    postprocess_kwargs = {
        'pose_nms', 'track', 'return_datasamples', 'out_dir', 'save_json', 'format', 'keypoints',
        'smpl_vertices'
    }

    def __init__(self,
                 pose2d: Optional[str] = None,
                 pose2d_weights: Optional[str] = None,
                 device: str = 'cpu',
                 det_model: Optional[str] = None,
                 det_weights: Optional[str] = None,
                 det_cat_id: int = 0,
                 detfile: Optional[str] = None,
                 bbox_thr: float = 0.2,
                 nms_thr: Optional[float] = None,
                 pose_nms: str = 'pnms',
                 track: str = 'none',
                 show_progress: bool = True,
                 cfg_options: Optional[dict] = None,
                 det_options: Optional[dict] = None,
                 threads: Optional[int] = None,
                 smpl_model: Union[str, bool, None] = None,
                 backend: str = 'auto'):
        if threads:  # intra-op threads of the pose model, set once here
            import torch
            torch.set_num_threads(int(threads))
        self.random_weights = False
        self.smpl_layer = None
        if smpl_model:  # SMPL mode: the user's body model first (clear error if missing)
            from .smpl_inference import SMPL_POSE_CONFIG, build_smpl_layer
            pose2d = resolve_pose_config(pose2d or SMPL_POSE_CONFIG)
            self.smpl_layer = build_smpl_layer(smpl_model, pose2d, device)
            cfg_options = dict(cfg_options or {}, **{'model.head.smpl_layer': None})
        if pose2d is None:
            pose2d, default_ckpt = default_pose_model()
            if pose2d is None:
                raise FileNotFoundError('no pose config given and no bundled pose model '
                                        'found (model-index.yml)')
            pose2d_weights = pose2d_weights or default_ckpt
        else:
            entry = find_model(pose2d)
            pose2d = resolve_pose_config(pose2d)
            # a model of the index (e.g. "halpe26-student") brings its weights; any
            # other config finds checkpoints/<config name>.pth; nothing else is guessed
            pose2d_weights = pose2d_weights or find_checkpoint_for(pose2d)
            if entry is not None and entry.weights and not pose2d_weights:
                raise FileNotFoundError(f'model "{entry.name}": weights "{entry.weights}" '
                                        'not found (reinstall the package)')
        self.pose_config, self.pose_checkpoint = pose2d, pose2d_weights
        self.model = init_model(
            pose2d,
            pose2d_weights,
            device=device,
            cfg_options=cfg_options,
            backend='pytorch' if smpl_model else backend)
        # a model without trainable parameters (the ONNX teachers) carries its
        # weights in its own files; any other model without a checkpoint is random
        has_params = any(True for _ in self.model.parameters())
        if not pose2d_weights and has_params:
            self.random_weights = True
            msg = ('!' * 70 + f'\nNo pose checkpoint for "{pose2d}": the pose model has '
                   'RANDOM WEIGHTS and its keypoints are meaningless.\nPass '
                   '--pose-checkpoint / pose2d_weights, or put the default checkpoint '
                   'under checkpoints/.\n' + '!' * 70)
            print_log(msg, logger='current', level=logging.WARNING)
            warnings.warn(f'pose model "{pose2d}" has random weights (no checkpoint)')
        self.metainfo = self.model.dataset_meta
        if not self.metainfo:
            raise ValueError(f'pose config "{pose2d}" gives no dataset metainfo '
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
        if det_model == 'none':
            det_model = None
        self.detector = build_person_detector(det_model, det_weights, detfile, device, det_cat_id,
                                              bbox_thr, nms_thr, det_options)
        self.det_model, self.detfile = det_model, detfile
        self.default_pose_nms, self.default_track = pose_nms, track
        self.show_progress = show_progress
        from mmalphapose.visualization import PoseVisualizer
        if self.smpl_layer is not None:
            from .smpl_inference import SMPLVisualizer
            self.visualizer = SMPLVisualizer(self.smpl_layer.faces, dataset_meta=self.metainfo)
        else:
            self.visualizer = PoseVisualizer(dataset_meta=self.metainfo)
        self.outputs: List[str] = []

    # ------------------------------------------------------------------ utils
    def describe(self) -> str:
        """Which models are used, in words."""
        weights = self.pose_checkpoint or ('RANDOM WEIGHTS' if self.random_weights else
                                           'weights from the files its config names')
        pose = f'{self.pose_config} + {weights} ' \
            f'({getattr(self.model, "pose_backend", "pytorch")})'
        if self.smpl_layer is not None:
            pose += f'\nSMPL body model: {self.smpl_layer.model_path}'
        return f'pose: {pose}\ndetector: {self.detector.name}'

    def _dispatch_kwargs(self, **kwargs) -> List[dict]:
        groups = [
            self.preprocess_kwargs, self.forward_kwargs, self.visualize_kwargs,
            self.postprocess_kwargs
        ]
        out = [{}, {}, {}, {}]
        for k, v in kwargs.items():
            for i, g in enumerate(groups):
                if k in g:
                    out[i][k] = v
                    break
            else:
                raise TypeError(f'PoseInferencer got an unknown argument "{k}"')
        return out

    def build_pose_nms(self, kind: str):
        """POSE_NMS module for ``--pose-nms``."""
        if kind in (None, 'none', False):
            return None
        cfg_nms = getattr(self.model, 'cfg', {}).get('pose_nms', None)
        if kind == 'pnms' and isinstance(cfg_nms, dict):
            cfg = dict(cfg_nms)
        elif kind in NMS_TYPES:
            cfg = dict(type=NMS_TYPES[kind])
        else:
            raise ValueError(f'--pose-nms must be one of none|{"|".join(NMS_TYPES)}, '
                             f'got "{kind}"')
        cfg.setdefault('metainfo', self.metainfo)
        with DefaultScope.overwrite_default_scope('mmalphapose'):
            return POSE_NMS.build(cfg)

    def build_tracker(self, kind: str):
        """TRACKERS module for ``--track``."""
        if kind in (None, 'none', False):
            return None
        if kind not in TRACKER_TYPES:
            raise ValueError(f'--track must be one of none|{"|".join(TRACKER_TYPES)}, '
                             f'got "{kind}"')
        cfg = dict(type=TRACKER_TYPES[kind], metainfo=self.metainfo)
        with DefaultScope.overwrite_default_scope('mmalphapose'):
            return TRACKERS.build(cfg)

    # ------------------------------------------------------------------- run
    def __call__(self, inputs, **kwargs) -> Iterator[Dict]:
        """Run on ``inputs`` and yield one dict per frame: ``predictions``
        (per-person dicts, or a PoseDataSample with ``return_datasamples``),
        ``visualization`` (drawn image or None), ``frame_id``, ``name``,
        ``input`` (the source stem).

        A frame's path: read -> DetectStage -> PoseStage (crop, forward,
        decode, POSE_NMS, tracker) -> the writers and the drawing below.
        """
        pre, fwd, vis, postk = self._dispatch_kwargs(**kwargs)
        sources = resolve_inputs(inputs)
        fmt = postk.get('format', 'alphapose') or 'alphapose'
        if fmt not in FORMATS:
            raise ValueError(f'--format must be one of {FORMATS}, got "{fmt}"')
        if self.smpl_layer is not None and (fmt != 'alphapose' or postk.get('keypoints')
                                            or vis.get('draw_heatmap')):
            raise ValueError(SMPL_OPTIONS_ERROR)
        select_keypoint_ids(self.metainfo, postk.get('keypoints'))  # a clear error up front
        det_batch = int(pre.get('det_batch', 4))
        kpt_thr = vis.get('kpt_thr')
        if kpt_thr is None:
            kpt_thr = keypoint_thresholds(self.model, self.metainfo)
        out_dir = postk.get('out_dir')
        drawing = self._drawing_options(vis, out_dir)
        tracker = self.build_tracker(postk.get('track', self.default_track))
        if self.smpl_layer is not None:  # HybrIK + IK, no pose NMS (docs/smpl.md)
            from .smpl_inference import SMPLStage
            pose_stage = SMPLStage(
                self.model,
                self.smpl_layer,
                tracker,
                fwd.get('pose_batch'),
                fwd.get('flip'),
                frames_per_batch=det_batch,
                follow_kpt_thr=float(np.max(kpt_thr)))
        else:
            pose_stage = PoseStage(
                TopdownPredictor(self.model, fwd.get('pose_batch'), fwd.get('flip')),
                self.build_pose_nms(postk.get('pose_nms', self.default_pose_nms)),
                tracker,
                frames_per_batch=det_batch,
                follow_kpt_thr=float(np.max(kpt_thr)),
                with_heatmaps=drawing['heatmap'])
        stages = [
            DetectStage(self.detector, det_batch, int(pre.get('det_frequency', 1)),
                        pre.get('bbox_thr'), pre.get('nms_thr')), pose_stage
        ]
        webcam = any(s.kind == 'webcam' for s in sources)
        stop = threading.Event()
        threads: List[threading.Thread] = []
        stream = chain(
            read_sources(sources, stop),
            stages,
            int(pre.get('workers', 1)),
            stop,
            queue_size=int(pre.get('queue_size', 1 if webcam else max(4, 2 * det_batch))),
            names=['det', 'pose'],
            drop_old=lambda it: isinstance(it, Frame) and it.source.kind == 'webcam',
            threads=threads)
        totals = [s.num_frames for s in sources]
        bar = None
        if self.show_progress and all(totals) and sum(totals) > 1:
            from tqdm import tqdm
            bar = tqdm(total=sum(totals), unit='frame', dynamic_ncols=True)
        self.outputs = []
        self.errors: List[str] = []  # frames / inputs that could not be read
        save = dict(
            save_json=bool(postk.get('save_json', True)) and bool(out_dir),
            save_vis=drawing['save_vis'],
            save_video=drawing['save_video'])
        if self.smpl_layer is not None:
            from .smpl_inference import SMPLOutputs
            outputs = SMPLOutputs(out_dir, self.metainfo, tracker is not None,
                                  bool(postk.get('smpl_vertices', False)), **save)
        else:
            outputs = SourceOutputs(out_dir, self.metainfo, fmt, postk.get('keypoints'), tracker
                                    is not None, **save)
        try:
            for item in stream:
                if isinstance(item, SourceStart):
                    outputs.open(item.source)
                    continue
                if isinstance(item, SourceEnd):
                    self.outputs.extend(outputs.close(item.source))
                    continue
                frame: Frame = item
                if bar is not None:
                    bar.update(1)
                if frame.img is None:
                    self.errors.append(str(frame.error))
                    warnings.warn(f'skipping unreadable frame: {frame.error}')
                    print_log(
                        f'skipping unreadable frame: {frame.error}',
                        logger='current',
                        level=logging.WARNING)
                    continue
                inst = frame.instances if frame.instances is not None else InstanceData()
                stem = outputs.write_json(frame, inst)
                drawn = None
                if drawing['show'] or drawing['return_vis'] or outputs.wants_drawing(frame):
                    drawn = self.visualizer.draw_instances(
                        frame.img, inst, kpt_thr=kpt_thr, draw_bbox=drawing['bbox'])
                    if drawing['heatmap'] and 'heatmaps' in inst and len(inst):
                        drawn = self.visualizer.draw_heatmap(drawn, inst.heatmaps,
                                                             inst.input_centers, inst.input_scales)
                    outputs.write_drawing(frame, drawn)
                    if drawing['show']:
                        drawing['show'] = self._show(drawn, drawing['wait_time'])
                yield dict(
                    predictions=self._predictions(frame, inst, postk),
                    visualization=[drawn] if drawing['return_vis'] else [],
                    frame_id=frame.index,
                    name=frame.name,
                    input=stem)
        finally:
            # stop the stage threads before anything returns to the interpreter
            # (a thread inside torch at exit aborts the process)
            stuck = join_threads(stop, threads)
            if stuck:
                print_log(
                    f'stage threads still running after the stop: {stuck}',
                    logger='current',
                    level=logging.WARNING)
            self.outputs.extend(outputs.close_all())
            if bar is not None:
                bar.close()

    def _drawing_options(self, vis: dict, out_dir: Optional[str]) -> dict:
        """What to draw and where, for one call (the visualiser is configured
        once per call from these)."""
        show = bool(vis.get('show', False))
        if show and sys.platform.startswith('linux') and not (os.environ.get('DISPLAY')
                                                              or os.environ.get('WAYLAND_DISPLAY')):
            # OpenCV's Qt backend aborts the process without a display
            warnings.warn('--show ignored: no display (DISPLAY is not set)')
            show = False
        if vis.get('skeleton_style'):
            self.visualizer.set_dataset_meta(self.metainfo, skeleton_style=vis['skeleton_style'])
        if 'radius' in vis:
            self.visualizer.radius = int(vis['radius'])
        if 'thickness' in vis:
            self.visualizer.line_width = int(vis['thickness'])
        return dict(
            show=show,
            return_vis=bool(vis.get('return_vis', False)),
            heatmap=bool(vis.get('draw_heatmap', False)),
            bbox=vis.get('draw_bbox', True),
            wait_time=vis.get('wait_time', 0.001),
            save_vis=bool(vis.get('save_vis', out_dir is not None)) and bool(out_dir),
            save_video=bool(vis.get('save_video', out_dir is not None)) and bool(out_dir))

    @staticmethod
    def _show(img: np.ndarray, wait_time: float) -> bool:
        """Show a frame; Esc/q stops the run. Returns False (stop showing) when
        no display is available."""
        import cv2
        try:
            cv2.imshow('mmalphapose', img)
            key = cv2.waitKey(max(1, int(wait_time * 1000))) & 0xFF
        except cv2.error as exc:
            warnings.warn(f'--show disabled, no display available: {exc}')
            return False
        if key in (27, ord('q')):
            raise KeyboardInterrupt
        return True

    def _predictions(self, frame: Frame, inst: InstanceData, postk: dict):
        if postk.get('return_datasamples', False):
            sample = PoseDataSample(
                metainfo=dict(
                    img_path=frame.path,
                    frame_id=frame.index,
                    name=frame.name,
                    ori_shape=frame.img.shape[:2],
                    img_shape=frame.img.shape[:2]))
            sample.pred_instances = inst
            return sample
        return split_instances(inst)

    def run(self, inputs, **kwargs) -> dict:
        """Consume the whole stream; returns a summary: ``frames``, ``people``,
        ``seconds``, ``fps``, ``outputs``, ``interrupted`` and ``errors`` (the
        messages of the frames and inputs that could not be read, logged and
        skipped). Ctrl-C stops cleanly and keeps everything written."""
        t0 = time.perf_counter()
        frames, people, interrupted = 0, 0, False
        try:
            for res in self(inputs, **kwargs):
                frames += 1
                p = res['predictions']
                people += len(p.pred_instances) if isinstance(p, PoseDataSample) else len(p)
        except KeyboardInterrupt:
            interrupted = True
        dt = time.perf_counter() - t0
        return dict(
            frames=frames,
            people=people,
            seconds=dt,
            fps=frames / dt if dt > 0 else 0.0,
            outputs=list(self.outputs),
            interrupted=interrupted,
            errors=list(getattr(self, 'errors', [])))
