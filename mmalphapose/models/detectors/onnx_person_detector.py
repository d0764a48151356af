"""A person detector that runs an ONNX NanoDet model with onnxruntime.

NanoDet-m (416x416) outputs, for each of the strides 8/16/32, a class head
``[1, N, 80]`` (sigmoid already applied) and a box head ``[1, N, 4 * 11]``:
for every side (left, top, right, bottom) a distribution over 11 bins whose
expectation times the stride is the distance from the cell centre
``((i + 0.5) * stride, (j + 0.5) * stride)``. Boxes are mapped back to the
original image by undoing the plain (non letter-boxed) resize.

The detector is also the pipeline's person detector: :meth:`detect` is the
``PersonDetector`` protocol of ``apis/detection.py``.
"""
from typing import List, Optional, Sequence, Tuple

import numpy as np
from mmengine.structures import InstanceData

from mmalphapose.post_processing.box_nms import box_nms, filter_boxes
from mmalphapose.registry import MODELS
from mmalphapose.utils.onnx import create_onnx_session


@MODELS.register_module()
class ONNXPersonDetector:
    """NanoDet-style ONNX detector returning person boxes.

    Attributes:
        name: what the run reports as its detector (``build_person_detector``
            sets ``'onnx:<config>'``).

    Args:
        model_path: the ``.onnx`` file (e.g. ``checkpoints/nanodet.onnx``).
        input_size: network input (w, h).
        strides: the feature strides, in the order of the model's heads.
        reg_max: number of distance bins minus one (10 for NanoDet-m).
        mean / std: BGR normalisation.
        score_thr: keep boxes scoring at least this.
        nms_iou_thr: IoU threshold of the NMS.
        max_per_img: keep at most this many boxes per image.
        person_class: class index of "person" (0 in COCO-80 order); the
            class :meth:`detect` keeps.
        person_only: drop all other classes.
        nms_thr: extra NMS IoU of :meth:`detect` (the run's ``--nms-thr``;
            None: none).
        num_threads: the engine's threads (0 = its default).
        device: ``'cpu'`` or ``'cuda[:i]'``: onnxruntime's CUDA provider
            when installed (``utils.onnx.onnx_providers``).
        engine: who runs the network: ``'auto'`` (OpenVINO in bfloat16 on a
            CPU that has it, else onnxruntime: ``utils.openvino``),
            ``'onnxruntime'`` or ``'openvino'``.
    """
    name = 'onnx'

    def __init__(self,
                 model_path: str = 'checkpoints/nanodet.onnx',
                 input_size: Tuple[int, int] = (416, 416),
                 strides: Sequence[int] = (8, 16, 32),
                 reg_max: int = 10,
                 mean: Sequence[float] = (103.53, 116.28, 123.675),
                 std: Sequence[float] = (57.375, 57.12, 58.395),
                 score_thr: float = 0.3,
                 nms_iou_thr: float = 0.6,
                 max_per_img: int = 100,
                 person_class: int = 0,
                 person_only: bool = True,
                 num_threads: int = 0,
                 device: str = 'cpu',
                 nms_thr: Optional[float] = None,
                 engine: str = 'auto') -> None:
        self.session = create_onnx_session(model_path, 'ONNXPersonDetector', num_threads,
                                           device, engine)
        self.model_path = model_path
        self.input_name = self.session.get_inputs()[0].name
        self.input_size = tuple(int(v) for v in input_size)
        self.strides = tuple(int(s) for s in strides)
        self.reg_max = int(reg_max)
        self.mean = np.asarray(mean, np.float32).reshape(1, 1, 3)
        self.std = np.asarray(std, np.float32).reshape(1, 1, 3)
        self.score_thr = float(score_thr)
        self.nms_iou_thr = float(nms_iou_thr)
        self.max_per_img = int(max_per_img)
        self.person_class = int(person_class)
        self.person_only = person_only
        self.nms_thr = nms_thr
        self._split_outputs()
        self._centers = self._make_centers()

    def _split_outputs(self) -> None:
        """Find the class and box heads of each stride by shape."""
        outs = self.session.get_outputs()
        w, h = self.input_size
        cls_names, box_names = {}, {}
        for o in outs:
            n, c = o.shape[1], o.shape[2]
            for s in self.strides:
                if isinstance(n, int) and n == (w // s) * (h // s):
                    if c == 4 * (self.reg_max + 1):
                        box_names[s] = o.name
                    else:
                        cls_names[s] = o.name
        if len(cls_names) != len(self.strides) or len(box_names) != len(self.strides):
            raise ValueError(f'ONNXPersonDetector: outputs of "{self.model_path}" '
                             f'({[(o.name, o.shape) for o in outs]}) do not match strides '
                             f'{self.strides} and reg_max {self.reg_max}')
        self.output_names = [cls_names[s] for s in self.strides] + \
            [box_names[s] for s in self.strides]

    def _make_centers(self) -> List[np.ndarray]:
        w, h = self.input_size
        centers = []
        for s in self.strides:
            fw, fh = w // s, h // s
            ys, xs = np.meshgrid(np.arange(fh), np.arange(fw), indexing='ij')
            centers.append(
                np.stack([(xs.ravel() + 0.5) * s, (ys.ravel() + 0.5) * s], -1).astype(np.float32))
        return centers

    def preprocess(self, img: np.ndarray) -> np.ndarray:
        """BGR uint8 HxWx3 (or gray HxW) -> normalised NCHW float32 input."""
        import cv2
        if img is None or not isinstance(img, np.ndarray):
            raise TypeError('ONNXPersonDetector: expected a BGR numpy image')
        if img.ndim == 2:
            img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
        elif img.ndim == 3 and img.shape[2] == 4:
            img = cv2.cvtColor(img, cv2.COLOR_BGRA2BGR)
        x = cv2.resize(img, self.input_size, interpolation=cv2.INTER_LINEAR)
        x = (x.astype(np.float32) - self.mean) / self.std
        return x.transpose(2, 0, 1)[None].copy()

    def decode(self,
               outputs: Sequence[np.ndarray],
               img_shape: Tuple[int, int],
               score_thr: Optional[float] = None) -> InstanceData:
        """Decode raw head outputs of one image into boxes in image pixels
        (boxes scoring at least ``score_thr``, default ``self.score_thr``)."""
        score_thr = self.score_thr if score_thr is None else float(score_thr)
        k = len(self.strides)
        cls = np.concatenate([o[0] for o in outputs[:k]], 0)
        reg = np.concatenate([o[0] for o in outputs[k:]], 0)
        centers = np.concatenate(self._centers, 0)
        stride = np.concatenate(
            [np.full(len(c), s, np.float32) for c, s in zip(self._centers, self.strides)])
        if self.person_only:
            scores = cls[:, self.person_class]
            labels = np.full(len(scores), self.person_class, np.int64)
        else:
            labels = cls.argmax(1)
            scores = cls[np.arange(len(cls)), labels]
        sel = np.nonzero(scores >= score_thr)[0]
        logits = reg[sel].reshape(-1, 4, self.reg_max + 1)
        prob = np.exp(logits - logits.max(-1, keepdims=True))  # softmax over the bins
        prob /= prob.sum(-1, keepdims=True)
        dist = (prob * np.arange(self.reg_max + 1, dtype=np.float32)).sum(-1)
        dist = dist * stride[sel, None]
        c = centers[sel]
        boxes = np.concatenate([c - dist[:, :2], c + dist[:, 2:]], 1)
        h, w = img_shape[:2]
        sx, sy = w / self.input_size[0], h / self.input_size[1]
        boxes *= np.array([sx, sy, sx, sy], np.float32)
        boxes[:, 0::2] = boxes[:, 0::2].clip(0, w)
        boxes[:, 1::2] = boxes[:, 1::2].clip(0, h)
        scores, labels = scores[sel], labels[sel]
        keep = box_nms(boxes, scores, self.nms_iou_thr, labels)[:self.max_per_img]
        result = InstanceData()
        result.bboxes = boxes[keep].astype(np.float32).reshape(-1, 4)
        result.scores = scores[keep].astype(np.float32)
        result.labels = labels[keep].astype(np.int64)
        return result

    def predict_images(self,
                       imgs: List[np.ndarray],
                       score_thr: Optional[float] = None) -> List[InstanceData]:
        """Detect in a list of BGR images; one InstanceData (bboxes xyxy,
        scores, labels) per image, boxes scoring at least ``score_thr``
        (default: the constructor's)."""
        results = []
        for img in imgs:
            x = self.preprocess(img)
            outs = self.session.run(self.output_names, {self.input_name: x})
            results.append(self.decode(outs, img.shape[:2], score_thr))
        return results

    __call__ = predict_images

    def detect(self,
               frames: Sequence[np.ndarray],
               names: Sequence[str] = (),
               score_thr: Optional[float] = None,
               nms_thr: Optional[float] = None) -> List[Tuple[np.ndarray, np.ndarray]]:
        """The pipeline's ``PersonDetector.detect``: person boxes (n,4) xyxy
        and scores (n,) float32 of each BGR frame (valid boxes of
        ``person_class`` scoring at least ``score_thr``, then the extra
        ``nms_thr`` NMS; None: the constructor's)."""
        score_thr = self.score_thr if score_thr is None else float(score_thr)
        nms_thr = self.nms_thr if nms_thr is None else nms_thr
        return [
            filter_boxes(inst.bboxes, inst.scores, inst.labels, self.person_class, score_thr,
                         nms_thr) for inst in self.predict_images(list(frames), score_thr)
        ]

    def predict(self, imgs, data_samples: Optional[list] = None):
        """mmdet-style entry: a single image / path or a list of them.

        Returns a list of :class:`mmengine.structures.BaseDataElement` with
        ``pred_instances`` (bboxes, scores, labels), like mmdet's
        ``DetDataSample``.
        """
        import mmcv
        from mmengine.structures import BaseDataElement
        single = not isinstance(imgs, (list, tuple))
        imgs = [imgs] if single else list(imgs)
        arrays = [mmcv.imread(i) if isinstance(i, str) else i for i in imgs]
        for src, arr in zip(imgs, arrays):
            if arr is None:
                raise FileNotFoundError(f'ONNXPersonDetector: cannot read image "{src}"')
        outs = []
        for arr, inst in zip(arrays, self.predict_images(arrays)):
            ds = BaseDataElement(metainfo=dict(ori_shape=arr.shape[:2]))
            ds.pred_instances = inst
            outs.append(ds)
        return outs[0] if single else outs
