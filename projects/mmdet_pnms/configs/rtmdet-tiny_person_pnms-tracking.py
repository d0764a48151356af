# An MMDetection person detector config (default scope 'mmdet') that also
# names the post-processing of a detect -> top-down pose pipeline: AlphaPose's
# P-NMS and PoseAwareTracker, resolved from mmdet's TASK_UTILS through the
# 'mmalphapose.' prefix (no custom_imports needed: mmengine imports
# mmalphapose.registry, which finds them). Build them with
#     from mmdet.registry import TASK_UTILS
#     pose_nms = TASK_UTILS.build(cfg.pose_nms)
#     tracker = TASK_UTILS.build(cfg.pose_tracker)
# PGPG is not used here: it samples training boxes from keypoint annotations,
# which MMDetection pipelines do not load; it belongs in the pose config
# (projects/kd_pgpg).
_base_ = 'mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py'

# mmengine Runner checkpoints of this detector (load_from, resume) load with
# torch.load(weights_only=True): see docs/interop.md
custom_imports = dict(imports=['mmalphapose.safe_checkpoint_loading'], allow_failed_imports=False)

# person only, no download of ImageNet weights
model = dict(backbone=dict(init_cfg=None), bbox_head=dict(num_classes=1))

pose_nms = dict(
    type='mmalphapose.ParametricPoseNMS', metainfo='configs/_base_/datasets/coco.py', score_thr=0.3)
pose_tracker = dict(type='mmalphapose.PoseAwareTracker', metainfo='configs/_base_/datasets/coco.py')
