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
from typing import Dict, List, Sequence

import numpy as np

from mmalphapose.utils.io import atomic_save, write_checksum

#: which nodes stay float32: ``none``; ``last-conv`` (the heatmap conv);
#: ``sensitive`` (:func:`sensitive_nodes`: the first conv, every upsampling,
#: and the head's last convs with what follows them)
EXCLUDE_CHOICES = ('sensitive', 'last-conv', 'none')
CALIB_METHODS = ('MinMax', 'Percentile', 'Entropy')


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


def excluded_nodes(fp32_path: str, exclude: str = 'sensitive') -> List[str]:
    """The node names ``exclude`` (one of :data:`EXCLUDE_CHOICES`) keeps in
    float32 in the network at ``fp32_path``."""
    import onnx
    if exclude not in EXCLUDE_CHOICES:
        raise ValueError(f'int8 exclude must be one of {EXCLUDE_CHOICES}, got "{exclude}"')
    graph = onnx.load(fp32_path).graph
    if exclude == 'none':
        return []
    if exclude == 'last-conv':
        return [n.name for n in graph.node if n.op_type == 'Conv'][-1:]
    return sensitive_nodes(graph)


def quantise_int8(fp32_path: str,
                  out_path: str,
                  inputs: np.ndarray,
                  exclude: str = 'sensitive',
                  method: str = 'MinMax',
                  batch: int = 8) -> str:
    """Write the static int8 (QDQ: per-channel int8 weights, uint8
    activations) quantisation of ``fp32_path`` to ``out_path`` atomically
    (``utils.io.atomic_save``), then its size / SHA-256 beside it
    (``utils.io.write_checksum``, checked by the onnxruntime backend).

    Args:
        fp32_path: the float32 export (dynamic batch).
        out_path: the ``.onnx`` to write.
        inputs: (N,3,H,W) float32 calibration crops, as the network sees
            them (preprocessed; include the mirrored ones for the flip test).
        exclude: nodes kept in float32 (:data:`EXCLUDE_CHOICES`).
        method: activation range calibration (:data:`CALIB_METHODS`).
        batch: crops per calibration run.

    Raises:
        ImportError: one line naming ``ml_dtypes`` when onnxruntime's
            quantiser cannot be imported.
    """
    import onnx
    quant = quantiser()
    if method not in CALIB_METHODS:
        raise ValueError(f'int8 calibration method must be one of {CALIB_METHODS}, '
                         f'got "{method}"')
    name = onnx.load(fp32_path, load_external_data=False).graph.input[0].name
    inputs = np.ascontiguousarray(inputs, np.float32)

    class Reader(quant.CalibrationDataReader):

        def __init__(self):
            self.items = iter(
                [{name: inputs[i:i + batch]} for i in range(0, len(inputs), batch)])

        def get_next(self):
            return next(self.items, None)

    nodes = excluded_nodes(fp32_path, exclude)

    def save(tmp: str) -> None:
        quant.quantize_static(
            fp32_path,
            tmp,
            Reader(),
            quant_format=quant.QuantFormat.QDQ,
            per_channel=True,
            activation_type=quant.QuantType.QUInt8,
            weight_type=quant.QuantType.QInt8,
            nodes_to_exclude=nodes,
            calibrate_method=getattr(quant.CalibrationMethod, method),
            extra_options=dict(CalibMaxIntermediateOutputs=16))

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
