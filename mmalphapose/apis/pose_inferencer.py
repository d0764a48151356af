"""PoseInferencer: detector -> top-down pose -> pose NMS -> tracker -> writers.

MMPose/MMDet ``Inferencer`` style: the models load once in ``__init__``; a call
takes inputs plus keyword arguments that are grouped into preprocess / forward /
visualize / postprocess kwargs, and yields one result per frame::

    inferencer = PoseInferencer('halpe26-student',   # a model of model-index.yml
                                det_model='nanodet-person')  # its weights come along
    for result in inferencer('demo/resources/demo_basketball.mp4', out_dir='outputs',
                             track='pose-aware'):
        result['predictions']  # list of per-person dicts (or PoseDataSample)
    summary = inferencer.run('images/', out_dir='outputs')  # consume all

The models load once (:func:`~mmalphapose.apis.builder.build_models`); the
stages of a call are built by :func:`~mmalphapose.apis.builder.build_stages`
once per distinct set of options and kept; with ``workers=0`` they are
chained in the caller's thread, else the thread runner
(:func:`~mmalphapose.apis.pipeline.run_stages`) overlaps reading, detection
and pose through bounded queues; writing and drawing (:class:`FrameWriter`)
run in the caller's thread.
"""
import copy
import threading
import time
from functools import partial
from itertools import chain
from typing import Dict, Iterator, List, Optional, Union

import numpy as np
from mmengine.structures import InstanceData

from mmalphapose.registry import INFERENCERS
from mmalphapose.structures import PoseDataSample, split_instances
from mmalphapose.utils.options import check_device, check_options
from .builder import build_models, build_stages
from .inputs import Frame, SourceEnd, SourceStart, resolve_inputs
from .pipeline import run_stages
from .writers import FORMATS, FrameWriter, ResultWriter, select_keypoint_ids

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
        backend: who runs the pose network: ``'auto'`` (for the bundled
            models on the CPU their ONNX export, in OpenVINO's bfloat16 where
            the CPU has it, else in onnxruntime; PyTorch otherwise),
            ``'pytorch'``, ``'onnxruntime'`` or ``'openvino'``
            (``apis/backends.py``).
        part_refine: run the pose config's ``part_refiner`` (when it has
            one; ``False``: ``--no-part-refine``).
    """

    preprocess_kwargs = {
        'bbox_thr', 'nms_thr', 'det_batch', 'det_frequency', 'workers', 'queue_size'
    }
    forward_kwargs = {'pose_batch', 'flip', 'part_refine'}
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
                 backend: str = 'auto',
                 part_refine: bool = True):
        # one validator for the options (utils/options.py): ValueError naming them
        check_device(device)
        check_options(dict(bbox_thr=bbox_thr, nms_thr=nms_thr, det_cat_id=det_cat_id))
        self.models = build_models(pose2d, pose2d_weights, device, det_model, det_weights,
                                   det_cat_id, detfile, bbox_thr, nms_thr, cfg_options, det_options,
                                   threads, smpl_model, backend)
        m = self.models
        self.model, self.metainfo = m.model, m.metainfo
        self.visualizer, self.smpl_layer = m.visualizer, m.smpl_layer
        self.pose_config, self.pose_checkpoint = m.pose_config, m.pose_checkpoint
        self.random_weights = m.random_weights
        self.defaults = dict(pose_nms=pose_nms, track=track, part_refine=part_refine)
        self.show_progress = show_progress
        self._built: Dict[tuple, tuple] = {}  # stage options -> (DetectStage, PoseStage)
        self._keypoint_ids: Dict[Optional[str], np.ndarray] = {}  # --keypoints -> ids
        self.outputs: List[str] = []
        self.errors: List[str] = []

    @property
    def detector(self):
        """The person detector (setting another one rebuilds the stages)."""
        return self.models.detector

    @detector.setter
    def detector(self, detector) -> None:
        self.models.detector = detector
        self._built.clear()

    def describe(self) -> str:
        """Which models are used, in words."""
        return self.models.describe()

    def _dispatch_kwargs(self, **kwargs) -> List[dict]:
        groups = [
            self.preprocess_kwargs, self.forward_kwargs, self.visualize_kwargs,
            self.postprocess_kwargs
        ]
        out = [{}, {}, {}, {}]
        for k, v in check_options(kwargs).items():
            for i, g in enumerate(groups):
                if k in g:
                    out[i][k] = v
                    break
            else:
                raise TypeError(f'PoseInferencer got an unknown argument "{k}"')
        return out

    # ------------------------------------------------------------------- run
    def __call__(self, inputs, **kwargs) -> Iterator[Dict]:
        """Run on ``inputs`` and yield one dict per frame: ``predictions``
        (per-person dicts, or a PoseDataSample with ``return_datasamples``),
        ``visualization`` (drawn image or None), ``frame_id``, ``name``,
        ``input`` (the source stem).

        A frame's path: ``Source.frames`` -> DetectStage -> PoseStage
        (TopdownPredictor, then PartRefineStage / NMSStage / TrackStage) ->
        FrameWriter.
        """
        pre, fwd, vis, post = self._dispatch_kwargs(**kwargs)
        as_samples = post.get('return_datasamples', False)
        for frame, inst, stem, drawn in self._frames(inputs, pre, fwd, vis, post):
            yield dict(
                predictions=_datasample(frame, inst) if as_samples else split_instances(inst),
                visualization=[drawn] if vis.get('return_vis') else [],
                frame_id=frame.index,
                name=frame.name,
                input=stem)

    def _frames(self, inputs, pre: dict, fwd: dict, vis: dict, post: dict) -> Iterator[tuple]:
        """``(frame, instances, stem, drawing)`` of every processed frame:
        each source's frames (framed by SourceStart / SourceEnd) go through
        the detection and pose stages (built once per distinct options by
        :func:`build_stages`, then kept), chained in this thread with
        ``workers=0``, else in the threads of :func:`run_stages`; the
        :class:`FrameWriter` writes them here."""
        sources = resolve_inputs(inputs)
        det_batch = int(pre.get('det_batch', 4))
        track = post.get('track', self.defaults['track'])
        writer = self._writer(vis, post, tracking=track not in (None, 'none', False))
        kpt_thr = vis.get('kpt_thr')
        options = dict(
            det_batch=det_batch,
            det_frequency=int(pre.get('det_frequency', 1)),
            bbox_thr=pre.get('bbox_thr'),
            nms_thr=pre.get('nms_thr'),
            pose_batch=fwd.get('pose_batch'),
            flip=fwd.get('flip'),
            part_refine=fwd.get('part_refine', self.defaults['part_refine']),
            pose_nms=post.get('pose_nms', self.defaults['pose_nms']),
            track=track,
            with_heatmaps=bool(vis.get('draw_heatmap', False)),
            # per keypoint: a tuple (a key of the stage cache)
            kpt_thr=tuple(kpt_thr.ravel().tolist()) if isinstance(kpt_thr, np.ndarray) else kpt_thr)
        key = tuple(sorted(options.items()))
        if key not in self._built:
            self._built[key] = build_stages(self.models, **options)
        detect, pose = self._built[key]
        stop = threading.Event()  # stops the reader of the thread runner
        items = (
            item for src in sources  # read: each source's frames, framed by markers
            for item in chain((SourceStart(src), ), src.frames(stop), (SourceEnd(src), )))
        if int(pre.get('workers', 1)) > 0:
            webcam = any(s.kind == 'webcam' for s in sources)
            queue_size = int(pre.get('queue_size', 1 if webcam else max(4, 2 * det_batch)))
            stream = run_stages(items, [detect, pose], stop, queue_size)
        else:
            stream = pose(detect(items))
        totals, bar = [s.num_frames for s in sources], None
        if self.show_progress and all(totals) and sum(totals) > 1:  # the count is known
            from tqdm import tqdm
            bar = tqdm(total=sum(totals), unit='frame', dynamic_ncols=True)
        self.outputs, self.errors = [], writer.errors
        try:
            for item in stream:
                done = writer(item)
                if bar is not None and isinstance(item, Frame):
                    bar.update(1)
                if done is not None:
                    yield done
        finally:
            stream.close()  # stops and joins the stage threads
            self.outputs = writer.close()
            if bar is not None:
                bar.close()

    def _writer(self, vis: dict, post: dict, tracking: bool) -> FrameWriter:
        """The write stage of one call (its output folder and drawing
        options); the shared visualiser is never changed: other drawing
        options draw with a copy."""
        fmt = post.get('format', 'alphapose') or 'alphapose'
        if fmt not in FORMATS:
            raise ValueError(f'--format must be one of {FORMATS}, got "{fmt}"')
        if self.smpl_layer is not None and (fmt != 'alphapose' or post.get('keypoints')
                                            or vis.get('draw_heatmap')):
            raise ValueError(SMPL_OPTIONS_ERROR)
        spec, out_dir = post.get('keypoints'), post.get('out_dir')
        if spec not in self._keypoint_ids:  # resolved once per spec; a clear error up front
            self._keypoint_ids[spec] = select_keypoint_ids(self.metainfo, spec)
        if not post.get('save_json', True):
            json_writer = None
        elif self.smpl_layer is not None:
            from .smpl_inference import SMPLResultWriter
            json_writer = partial(
                SMPLResultWriter,
                out_dir,
                tracking=tracking,
                include_vertices=bool(post.get('smpl_vertices', False)))
        else:
            json_writer = partial(
                ResultWriter,
                out_dir,
                metainfo=self.metainfo,
                fmt=fmt,
                keypoints=self._keypoint_ids[spec],
                tracking=tracking)
        visualizer = self.visualizer
        if any(vis.get(k) is not None for k in ('skeleton_style', 'radius', 'thickness')):
            visualizer = copy.copy(visualizer)
            if vis.get('skeleton_style'):
                visualizer.skeleton_style = vis['skeleton_style']
            visualizer.radius = int(vis.get('radius') or visualizer.radius)
            visualizer.line_width = int(vis.get('thickness') or visualizer.line_width)
        kpt_thr = vis.get('kpt_thr')
        return FrameWriter(
            visualizer,
            self.models.kpt_thr if kpt_thr is None else kpt_thr,
            out_dir,
            json_writer,
            save_vis=bool(vis.get('save_vis', out_dir is not None)),
            save_video=bool(vis.get('save_video', out_dir is not None)),
            draw_bbox=vis.get('draw_bbox', True),
            draw_heatmap=bool(vis.get('draw_heatmap', False)),
            show=bool(vis.get('show', False)),
            return_vis=bool(vis.get('return_vis', False)),
            wait_time=vis.get('wait_time', 0.001))

    def run(self, inputs, **kwargs) -> dict:
        """Consume the whole stream; returns a summary: ``frames``, ``people``,
        ``seconds``, ``fps``, ``outputs``, ``interrupted`` and ``errors`` (the
        messages of the frames and inputs that could not be read, logged and
        skipped). Ctrl-C stops cleanly and keeps everything written."""
        t0 = time.perf_counter()
        frames, people, interrupted = 0, 0, False
        try:
            for _, inst, _, _ in self._frames(inputs, *self._dispatch_kwargs(**kwargs)):
                frames += 1
                people += len(inst)
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
            errors=list(self.errors))


def _datasample(frame, inst: InstanceData) -> PoseDataSample:
    """One frame's people as a PoseDataSample (``return_datasamples``)."""
    sample = PoseDataSample(
        metainfo=dict(
            img_path=frame.path,
            frame_id=frame.index,
            name=frame.name,
            ori_shape=frame.img.shape[:2],
            img_shape=frame.img.shape[:2]))
    sample.pred_instances = inst
    return sample
