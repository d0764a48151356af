"""Static int8 quantisation of an exported pose network (onnxruntime's QDQ
quantiser): calibration crops, the nodes kept in float32, the quantising
itself. Used by ``tools/deployment/export_onnx.py --int8`` and
``benchmarks/int8_cost.py``; the onnxruntime backend's ``int8=True`` runs the
result (``OnnxRuntimeBackend.int8_path``).

Quantising imports ``onnxruntime.quantization``, which imports ``ml_dtypes``
(``requirements/optional.txt``); running the int8 file needs only
onnxruntime, so nothing here is imported on the run path.
"""
import glob
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import numpy as np

from mmalphapose.utils.io import atomic_save, write_checksum

#: which nodes stay float32: ``none``; ``last-conv`` (the heatmap conv);
#: ``sensitive`` (:func:`sensitive_nodes`: the first conv, every upsampling,
#: and the head's last two convs with what follows them). An exclusion spec
#: (:func:`parse_exclude`) is one of these or ``sensitive:N`` (the head's last
#: N convs), then optionally ``+PART`` entries: every node inside the module
#: path PART (``stages.6``, ``backbone/head_stem``) stays float32 too
EXCLUDE_CHOICES = ('sensitive', 'last-conv', 'none')
CALIB_METHODS = ('MinMax', 'Percentile', 'Entropy')
#: quantiser options of :func:`quantise_int8` spelt in a variant (``sym``:
#: symmetric activation ranges, ``tensor``: per-tensor weights, ``avg``:
#: MinMax ranges averaged over the calibration batches)
QUANT_OPTIONS = ('sym', 'tensor', 'avg')


def quantiser():
    """``onnxruntime.quantization``, or a one-line ImportError naming
    ``ml_dtypes`` (what it imports beyond onnxruntime)."""
    try:
        import onnxruntime.quantization as quant
    except ImportError as exc:
        raise ImportError(f'int8 quantisation needs onnxruntime\'s quantiser ({exc}); pip '
                          'install -r requirements/optional.txt (ml_dtypes)') from None
    return quant


def sensitive_nodes(graph, head_convs: int = 2, output: str = 'head_out') -> List[str]:
    """Names of the nodes of an ONNX ``graph`` kept in float32 by
    ``exclude='sensitive'``: the first Conv (it sees the raw normalised
    pixels), every ``Resize`` (the upsampling of the FPN necks), and every
    node from which ``output`` is reached through at most ``head_convs``
    Conv nodes (itself included): for ``head_convs=2`` the heatmap conv(s),
    the conv(s) feeding them and the Concat / Sigmoid after them.
    """
    producer = {o: n for n in graph.node for o in n.output}
    names: List[str] = []
    first = next((n for n in graph.node if n.op_type == 'Conv'), None)
    if first is not None:
        names.append(first.name)
    names += [n.name for n in graph.node if n.op_type == 'Resize']
    # fewest Conv nodes between a node's output and `output` (itself counted)
    best: Dict[str, int] = {}
    todo = [(producer[output], 0)] if output in producer else []
    while todo:
        node, depth = todo.pop()
        depth += node.op_type == 'Conv'
        if depth > head_convs or best.get(node.name, head_convs + 1) <= depth:
            continue
        best[node.name] = depth
        todo += [(producer[i], depth) for i in node.input if i in producer]
    names += [n for n in best if n not in names]
    return names


def parse_exclude(exclude: str) -> Tuple[str, int, List[str]]:
    """Split an exclusion spec ``BASE[:N][+PART...]`` into its base (one of
    :data:`EXCLUDE_CHOICES`), the head convs of ``sensitive`` (N, default 2)
    and the module paths kept float32 besides.

    Raises:
        ValueError: one line naming the spec when it is not of that form.
    """
    base, *parts = exclude.split('+')
    base, _, num = base.partition(':')
    if base not in EXCLUDE_CHOICES or (num and (base != 'sensitive' or not num.isdigit())) \
            or not all(parts):
        raise ValueError(f'int8 exclude must be one of {EXCLUDE_CHOICES}, sensitive:N, then '
                         f'+PART module paths, got "{exclude}"')
    return base, int(num) if num else 2, [p.strip('/') for p in parts]


def excluded_nodes(fp32_path: str, exclude: str = 'sensitive') -> List[str]:
    """The node names the exclusion spec ``exclude`` (:func:`parse_exclude`)
    keeps in float32 in the network at ``fp32_path``: those of its base,
    then every node whose name has a ``+PART`` among its module path
    (``/backbone/stages.6/...`` for ``stages.6``).

    Raises:
        ValueError: a bad spec, or a ``+PART`` matching no node (named).
    """
    import onnx
    base, head_convs, parts = parse_exclude(exclude)
    graph = onnx.load(fp32_path).graph
    if base == 'none':
        names: List[str] = []
    elif base == 'last-conv':
        names = [n.name for n in graph.node if n.op_type == 'Conv'][-1:]
    else:
        names = sensitive_nodes(graph, head_convs)
    for part in parts:
        hits = [n.name for n in graph.node if f'/{part}/' in f'/{n.name.strip("/")}/']
        if not hits:
            raise ValueError(f'int8 exclude "{exclude}": no node of "{fp32_path}" is inside '
                             f'"{part}"')
        names += [h for h in hits if h not in names]
    return names


def quant_options(options: Sequence[str] = ()) -> Dict[str, object]:
    """``quantize_static`` keyword arguments of the :data:`QUANT_OPTIONS`
    named in ``options``: ``per_channel`` (False with ``tensor``) and
    ``extra_options`` (``ActivationSymmetric`` with ``sym``,
    ``CalibMovingAverage`` with ``avg``).

    Raises:
        ValueError: one line naming an unknown option.
    """
    bad = [o for o in options if o not in QUANT_OPTIONS]
    if bad:
        raise ValueError(f'int8 options must be among {QUANT_OPTIONS}, got "{bad[0]}"')
    extra: Dict[str, object] = {}
    if 'sym' in options:
        extra['ActivationSymmetric'] = True
    if 'avg' in options:
        extra['CalibMovingAverage'] = True
    return dict(per_channel='tensor' not in options, extra_options=extra)


def quantise_int8(fp32_path: str,
                  out_path: str,
                  inputs: np.ndarray,
                  exclude: str = 'sensitive',
                  method: str = 'MinMax',
                  batch: int = 8,
                  options: Sequence[str] = (),
                  chunk: int = 64,
                  crops: int = 0) -> str:
    """Write the static int8 (QDQ: int8 weights, uint8 activations)
    quantisation of ``fp32_path`` to ``out_path`` atomically
    (``utils.io.atomic_save``), then its size / SHA-256 beside it
    (``utils.io.write_checksum``, checked by the onnxruntime backend).

    Args:
        fp32_path: the float32 export (dynamic batch).
        out_path: the ``.onnx`` to write.
        inputs: (N,3,H,W) float32 calibration crops, as the network sees
            them (preprocessed; include the mirrored ones for the flip test).
        exclude: nodes kept in float32 (an exclusion spec,
            :func:`parse_exclude`; ``sensitive`` by default).
        method: activation range calibration (:data:`CALIB_METHODS`).
        batch: crops per calibration run.
        options: :data:`QUANT_OPTIONS` (default: per-channel weights,
            asymmetric activation ranges, MinMax over all crops).
        chunk: crops whose intermediate outputs are held at once: the
            calibration runs over the crops in chunks of about that many
            (``CalibStridedMinMax``): the histogram calibrators of
            ``Percentile`` / ``Entropy`` keep every output of a chunk in
            memory; MinMax (two numbers a tensor) runs in one pass.
            (onnxruntime's ``CalibMaxIntermediateOutputs``, used here
            before, drops the batches collected before each limit: with 16
            and 74 batches only the last 10 were calibrated on,
            ``MinMaxCalibrater.collect_data`` in onnxruntime 1.32's
            ``quantization/calibrate.py``.)
        crops: calibrate on that many of ``inputs``, evenly spaced (0: all;
            the histogram methods take minutes per hundred crops).

    Raises:
        ImportError: one line naming ``ml_dtypes`` when onnxruntime's
            quantiser cannot be imported.
        ValueError: a bad method, exclusion spec or option (one line).
    """
    import onnx
    quant = quantiser()
    if method not in CALIB_METHODS:
        raise ValueError(f'int8 calibration method must be one of {CALIB_METHODS}, '
                         f'got "{method}"')
    kwargs = quant_options(options)
    name = onnx.load(fp32_path, load_external_data=False).graph.input[0].name
    if 0 < crops < len(inputs):
        inputs = inputs[np.linspace(0, len(inputs) - 1, crops).astype(int)]
    inputs = np.ascontiguousarray(inputs, np.float32)
    items = [{name: inputs[i:i + batch]} for i in range(0, len(inputs), batch)]
    # MinMax keeps two numbers a tensor and batch: one pass over everything;
    # the histogram methods: the largest divisor of the batch count within
    # `chunk` crops (the quantiser wants the count divisible by its stride)
    limit = len(items) * batch if method == 'MinMax' else max(chunk, batch)
    stride = max(d for d in range(1, len(items) + 1)
                 if len(items) % d == 0 and (d == 1 or d * batch <= limit))

    class Reader(quant.CalibrationDataReader):

        def __init__(self):
            self.set_range(0, len(items))

        def __len__(self) -> int:
            return len(items)

        def set_range(self, start_index: int, end_index: int) -> None:
            self.todo = iter(items[start_index:end_index])

        def get_next(self):
            return next(self.todo, None)

    nodes = excluded_nodes(fp32_path, exclude)
    kwargs['extra_options'].update(CalibStridedMinMax=stride)

    def save(tmp: str) -> None:
        quant.quantize_static(
            fp32_path,
            tmp,
            Reader(),
            quant_format=quant.QuantFormat.QDQ,
            activation_type=quant.QuantType.QUInt8,
            weight_type=quant.QuantType.QInt8,
            nodes_to_exclude=nodes,
            calibrate_method=getattr(quant.CalibrationMethod, method),
            **kwargs)

    atomic_save(out_path, save)
    write_checksum(out_path)
    return out_path


def preprocess_crops(model, images: Sequence[np.ndarray], image_ids: np.ndarray,
                     boxes: np.ndarray) -> np.ndarray:
    """(N,3,H,W) float32: the model's preprocessed crops of ``boxes`` (N,4)
    xyxy in ``images[image_ids]``, followed by their mirror images (the flip
    test's inputs), so 2N rows."""
    import torch

    from mmalphapose.datasets.transforms import TopdownCrop
    crops, _, _ = TopdownCrop.from_model(model)(images, image_ids, boxes)
    with torch.no_grad():
        x = model.data_preprocessor(dict(inputs=crops, data_samples=None), False)['inputs']
    x = x.numpy()
    return np.concatenate([x, x[..., ::-1]]).astype(np.float32)


def calibration_crops(model,
                      data_root: str,
                      photos: int = 160,
                      frames_per_video: int = 8,
                      people_per_frame: int = 6,
                      det_thr: float = 0.3) -> np.ndarray:
    """A calibration set of real person crops (mirrored ones included) from
    ``data_root``: ``photos`` people of ``people_photos/`` (GT boxes, evenly
    spaced over the file) and the ``people_per_frame`` best-scored boxes of
    the bundled detector (score >= ``det_thr``) on ``frames_per_video``
    evenly spaced frames of each ``videos/*.mp4``. None of the evaluation
    images (``coco``, ``coco_mini_train``, ``faces68``, ``hands21``) is read.

    Returns:
        (2N,3,H,W) float32 (:func:`preprocess_crops`).

    Raises:
        FileNotFoundError: naming the folder when neither source is there.
    """
    import cv2

    from mmalphapose.utils.io import load_json
    images: List[np.ndarray] = []
    ids: List[int] = []
    boxes: List[np.ndarray] = []
    ann_file = osp.join(data_root, 'people_photos', 'people_photos_coco17.json')
    if photos > 0 and osp.isfile(ann_file):
        data = load_json(ann_file, 'people_photos annotations')
        files = {im['id']: im['file_name'] for im in data['images']}
        anns = data['annotations']
        for i in np.linspace(0, len(anns) - 1, min(photos, len(anns))).astype(int):
            img = cv2.imread(osp.join(data_root, 'people_photos', 'images',
                                      files[anns[i]['image_id']]))
            if img is None:
                continue
            x, y, w, h = anns[i]['bbox']
            ids.append(len(images))
            images.append(img)
            boxes.append(np.array([x, y, x + w, y + h], np.float32))
    videos = sorted(glob.glob(osp.join(data_root, 'videos', '*.mp4')))
    if frames_per_video > 0 and videos:
        from mmalphapose.models.detectors import ONNXPersonDetector
        from mmalphapose.utils.resources import resolve_resource
        det = ONNXPersonDetector(
            resolve_resource('checkpoints/nanodet.onnx', 'detector'), score_thr=det_thr)
        for video in videos:
            for img in _video_frames(video, frames_per_video):
                inst = det.predict_images([img])[0]
                order = np.argsort(-np.asarray(inst.scores))[:people_per_frame]
                if not len(order):
                    continue
                for b in np.asarray(inst.bboxes, np.float32)[order]:
                    ids.append(len(images))
                    boxes.append(b)
                images.append(img)
    if not boxes:
        raise FileNotFoundError(f'int8 calibration: no people_photos/ or videos/*.mp4 in '
                                f'"{data_root}"')
    return preprocess_crops(model, images, np.array(ids, np.int64), np.stack(boxes))


def _video_frames(path: str, num: int) -> List[np.ndarray]:
    """``num`` evenly spaced BGR frames of a video (fewer when it is short),
    read by the inputs' reader (:func:`~mmalphapose.apis.inputs.probe_video`:
    an unreadable video gives none)."""
    from .inputs import probe_video
    src = probe_video(path)
    total = src.num_frames or 0
    want = set(np.linspace(0, max(total - 1, 0), num).astype(int).tolist()) if total else {0}
    out: List[np.ndarray] = []
    frames = src.frames()
    try:
        for frame in frames:
            if frame.img is None:  # unreadable
                break
            if frame.index in want:
                out.append(frame.img)
                if len(out) == len(want):
                    break
    finally:
        frames.close()  # the capture is released now, not at garbage collection
    return out
