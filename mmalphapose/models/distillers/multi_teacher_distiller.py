"""Multi-domain knowledge distillation: train a student from several teachers.

Each teacher is tied to the keypoints it knows (its "domain"). Labels come
either from precomputed pseudo-label files (every keypoint of an annotation
records which teacher produced it in ``keypoint_sources``, see
``mmalphapose.models.distillers.pseudo_labels.SOURCE_CODES``) or from online
teachers that label the training crops on the fly.

The per-keypoint loss weight of the student becomes::

    codec_weight * confidence * factor(source)

* ``factor`` = ``gt_loss_weight`` for GT keypoints; the teacher's
  ``loss_weight`` when the keypoint is in that teacher's ``keypoint_ids``;
  0 otherwise (a teacher never supervises keypoints outside its domain).
* ``confidence`` = the soft visibility (the teacher's score, 1 for GT) when
  ``use_confidence``; the codec weight itself is 0 for unlabelled points.

GT wins over pseudo-labels: where a sample has GT for a keypoint, the label
file holds the GT point (source ``gt``), and online teachers only fill
keypoints that have no label.
"""
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.model import BaseModel

from mmalphapose.registry import MODELS
from .pseudo_labels import SOURCE_CODES


def _flip_perm(meta: dict, num_keypoints: int) -> Optional[np.ndarray]:
    if meta.get('flip', False) and meta.get('flip_indices') is not None:
        perm = np.asarray(meta['flip_indices'], dtype=np.int64)
        if len(perm) == num_keypoints:
            return perm
    return None


class TeacherDomains:
    """Teacher-domain loss weighting shared by :class:`MultiTeacherDistiller`
    and :class:`mmalphapose.engine.hooks.KnowledgeDistillationHook`.

    Call :meth:`init_domains` once, then :meth:`reweight` (and
    :meth:`label_online`) on each batch of data samples.
    """

    def init_domains(self,
                     teachers: Sequence[dict] = (),
                     gt_loss_weight: float = 1.0,
                     use_confidence: bool = True,
                     online_teachers: Sequence[dict] = ()) -> None:
        """Parse teacher configs (see :class:`MultiTeacherDistiller`)."""
        self.gt_loss_weight = float(gt_loss_weight)
        self.use_confidence = use_confidence
        self.teachers: List[dict] = []
        for t in teachers:
            if t.get('source') not in SOURCE_CODES:
                raise ValueError(f'{type(self).__name__}: teacher source '
                                 f'{t.get("source")!r} not in {list(SOURCE_CODES)}')
            self.teachers.append(
                dict(
                    code=SOURCE_CODES[t['source']],
                    keypoint_ids=list(t.get('keypoint_ids', [])),
                    loss_weight=float(t.get('loss_weight', 1.0))))
        self.online_teachers = []
        for t in online_teachers:
            obj = t['teacher']
            obj = MODELS.build(obj) if isinstance(obj, dict) else obj
            self.online_teachers.append(
                dict(
                    teacher=obj,
                    keypoint_map={
                        int(k): int(v)
                        for k, v in t['keypoint_map'].items()
                    },
                    loss_weight=float(t.get('loss_weight', 1.0)),
                    score_thr=float(t.get('score_thr', 0.3))))

    # ------------------------------------------------------------------ weights
    def factor_table(self, num_keypoints: int) -> np.ndarray:
        """(num_source_codes, K) factor for each (source, keypoint)."""
        table = np.zeros((max(SOURCE_CODES.values()) + 1, num_keypoints), np.float32)
        table[SOURCE_CODES['gt']] = self.gt_loss_weight
        for t in self.teachers:
            ids = [i for i in t['keypoint_ids'] if 0 <= i < num_keypoints]
            table[t['code'], ids] = t['loss_weight']
        return table

    def sample_sources(self, ds, num_keypoints: int) -> np.ndarray:
        """(K,) source codes of one data sample (flipped with the image).
        Samples without ``keypoint_sources`` are treated as GT."""
        raw = ds.metainfo.get('raw_ann_info') or {}
        src = raw.get('keypoint_sources') if isinstance(raw, dict) else None
        if src is None:
            return np.full(num_keypoints, SOURCE_CODES['gt'], np.int64)
        src = np.asarray(src, np.int64)[:num_keypoints]
        if len(src) != num_keypoints:
            raise ValueError(f'{type(self).__name__}: keypoint_sources of annotation '
                             f'{raw.get("id")} has {len(src)} entries, expected {num_keypoints}')
        perm = _flip_perm(ds.metainfo, num_keypoints)
        return src[perm] if perm is not None else src

    def reweight(self, data_samples: list) -> None:
        """Rewrite ``gt_instance_labels.keypoint_weights`` in place."""
        for ds in data_samples:
            w = ds.gt_instance_labels.keypoint_weights
            w_t = torch.as_tensor(w)
            k = w_t.shape[-1]
            src = self.sample_sources(ds, k)
            factor = torch.from_numpy(self.factor_table(k)[src, np.arange(k)])
            new = w_t.float() * factor.to(w_t.device)
            if self.use_confidence and 'keypoints_visible' in ds.gt_instances:
                conf = torch.as_tensor(
                    ds.gt_instances.keypoints_visible, dtype=torch.float32).clamp(0, 1)
                new = new * conf.reshape(new.shape).to(new.device)
            ds.gt_instance_labels.keypoint_weights = new.to(w_t.dtype) \
                if torch.is_tensor(w) else new.numpy()

    @torch.no_grad()
    def label_online(self, inputs: torch.Tensor, data_samples: list) -> None:
        """Fill unlabelled keypoints with online teachers' predictions on the
        raw (uint8 BGR) crops. SIKR-style labels: ``keypoint_labels`` in
        [-0.5, 0.5] of the crop."""
        if not self.online_teachers:
            return
        imgs = inputs.permute(0, 2, 3, 1).cpu().numpy().astype(np.uint8)
        h, w = imgs.shape[1:3]
        for t in self.online_teachers:
            kpts, scores = t['teacher'].predict_crops(imgs)
            for i, ds in enumerate(data_samples):
                labels = torch.as_tensor(ds.gt_instance_labels.keypoint_labels).clone()
                weights = torch.as_tensor(ds.gt_instance_labels.keypoint_weights).clone()
                for src_i, dst_i in t['keypoint_map'].items():
                    if weights[..., dst_i].max() > 0 or scores[i, src_i] < t['score_thr']:
                        continue
                    labels[..., dst_i, 0] = float(kpts[i, src_i, 0]) / w - 0.5
                    labels[..., dst_i, 1] = float(kpts[i, src_i, 1]) / h - 0.5
                    weights[..., dst_i] = t['loss_weight'] * float(scores[i, src_i])
                ds.gt_instance_labels.keypoint_labels = labels
                ds.gt_instance_labels.keypoint_weights = weights


@MODELS.register_module()
class MultiTeacherDistiller(TeacherDomains, BaseModel):
    """Wraps a student pose estimator and re-weights its keypoint losses by
    teacher domain, confidence and GT priority.

    Args:
        student: config (or module) of a top-down estimator with ``loss``
            reading ``gt_instance_labels.keypoint_weights``.
        teachers: list of ``dict(source=str, keypoint_ids=list[int],
            loss_weight=float)``; ``source`` is a key of ``SOURCE_CODES``.
        gt_loss_weight: factor of GT keypoints.
        use_confidence: scale weights by the soft visibility (teacher score).
        online_teachers: optional list of ``dict(teacher=cfg_or_obj,
            keypoint_map={teacher_idx: student_idx}, loss_weight=float,
            score_thr=float)``; the teacher must have ``predict_crops(imgs
            (N,H,W,3) uint8 BGR) -> (keypoints (N,K,2) crop px, scores (N,K))``.
            Online labels fill only keypoints without GT/file labels.
    """

    def __init__(self,
                 student: Union[dict, torch.nn.Module],
                 teachers: Sequence[dict] = (),
                 gt_loss_weight: float = 1.0,
                 use_confidence: bool = True,
                 online_teachers: Sequence[dict] = (),
                 init_cfg: Optional[dict] = None) -> None:
        student = MODELS.build(student) if isinstance(student, dict) else student
        super().__init__(data_preprocessor=student.data_preprocessor, init_cfg=init_cfg)
        self.student = student
        self.init_domains(teachers, gt_loss_weight, use_confidence, online_teachers)
        self._register_load_state_dict_pre_hook(self._prefix_plain_student_keys)

    @staticmethod
    def _prefix_plain_student_keys(state_dict, prefix, *args) -> None:
        """Accept a plain student checkpoint (``backbone.*``, ``head.*``, as
        ``self.student.state_dict()`` and ``tools/distill/export_student.py``
        give) as well as a distiller one (``student.*``), e.g. for
        ``load_from`` warm starts."""
        keys = [k for k in state_dict if k.startswith(prefix)]
        if keys and not any(k[len(prefix):].startswith('student.') for k in keys):
            for k in keys:
                state_dict[prefix + 'student.' + k[len(prefix):]] = state_dict.pop(k)

    # ------------------------------------------------------------------ forward
    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[list] = None,
                mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        return self.student(inputs, data_samples, mode=mode)

    def loss(self, inputs: torch.Tensor, data_samples: list) -> Dict[str, torch.Tensor]:
        """Student loss with distillation weights (see class doc)."""
        self.reweight(data_samples)
        return self.student(inputs, data_samples, mode='loss')

    def train_step(self, data, optim_wrapper):
        """Online teachers see the raw crops, before normalisation."""
        if self.online_teachers:
            self.label_online(
                torch.stack(list(data['inputs'])) if isinstance(data['inputs'],
                                                                (list, tuple)) else data['inputs'],
                data['data_samples'])
        return super().train_step(data, optim_wrapper)
