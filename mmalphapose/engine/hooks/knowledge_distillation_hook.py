"""Multi-domain knowledge distillation as a hook, for any top-down config.

:class:`mmalphapose.models.MultiTeacherDistiller` wraps the student model;
this hook does the same weighting without touching the model config, so the
technique drops into an existing MMPose-style config as one entry of
``custom_hooks``::

    custom_hooks = [dict(type='KnowledgeDistillationHook',
                         teachers=[dict(source='movenet', keypoint_ids=list(range(17))),
                                   dict(source='blazepose',
                                        keypoint_ids=[20, 21, 22, 23, 24, 25])])]

Before every training iteration the batch's ``gt_instance_labels.keypoint_weights``
are rewritten: a teacher only supervises the keypoints in its
``keypoint_ids``, GT keypoints get ``gt_loss_weight``, confidences scale the
weights, and online teachers fill keypoints that have no label.
"""
from typing import Optional, Sequence

import torch
from mmengine.hooks import Hook

from mmalphapose.models.distillers.multi_teacher_distiller import TeacherDomains
from mmalphapose.registry import HOOKS


@HOOKS.register_module()
class KnowledgeDistillationHook(TeacherDomains, Hook):
    """Re-weight each training batch by teacher domain (see module doc).

    Args:
        teachers / gt_loss_weight / use_confidence / online_teachers: as in
            :class:`mmalphapose.models.MultiTeacherDistiller`.
    """
    priority = 'NORMAL'

    def __init__(self,
                 teachers: Sequence[dict] = (),
                 gt_loss_weight: float = 1.0,
                 use_confidence: bool = True,
                 online_teachers: Sequence[dict] = ()) -> None:
        self.init_domains(teachers, gt_loss_weight, use_confidence, online_teachers)

    def before_train_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None) -> None:
        if not data_batch or 'data_samples' not in data_batch:
            return
        samples = data_batch['data_samples']
        if self.online_teachers:
            inputs = data_batch['inputs']
            inputs = torch.stack(list(inputs)) if isinstance(inputs, (list, tuple)) else inputs
            self.label_online(inputs, samples)
        self.reweight(samples)
