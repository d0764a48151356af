"""Helpers for tests and benchmarks of mmalphapose and of projects built on it.

Public and documented, so that tests and benchmarks import them from here
instead of from each other:

- :mod:`.standin_models`: a tiny top-down model whose "prediction" is the
  bright dot of each crop, to test crops / inference / writers end to end
  without trained weights (:func:`write_standin_config`, :func:`dots_image`);
- :mod:`.pose_samples`: fake ``PoseDataSample`` batches for head / estimator
  losses (:func:`make_samples`);
- :mod:`.tracking_sequences`: tracking sequences built from real annotated
  poses (:func:`make_sequence`, :func:`load_real_poses`, :func:`run_tracker`);
- :mod:`.reference_pose_nms`: a loop-per-pose oracle of AlphaPose's
  parametric pose NMS (:func:`reference_pose_nms`);
- :mod:`.mp4_faststart`: move an MP4's index before its data
  (:func:`faststart`);
- :mod:`.captured_logs`: point mmengine's loggers at the stderr pytest
  captures now (:func:`log_to_current_stderr`);
- :mod:`.scripts`: a repository script (``benchmarks/*.py``) as a module
  (:func:`load_script`).

Importing :mod:`.standin_models` (this package does) registers its two
stand-in modules in ``mmalphapose.registry.MODELS``; the configs written by
:func:`write_standin_config` import it through ``custom_imports``.
"""
from .captured_logs import log_to_current_stderr
from .mp4_faststart import faststart
from .pose_samples import make_samples
from .reference_pose_nms import reference_pose_nms
from .scripts import load_script
from .standin_models import (BrightSpotHead, StandInIdentityBackbone, dots_image,
                             write_standin_config)
from .tracking_sequences import load_real_poses, make_sequence, run_tracker

__all__ = [
    'log_to_current_stderr', 'faststart', 'make_samples', 'reference_pose_nms', 'BrightSpotHead',
    'StandInIdentityBackbone', 'dots_image', 'write_standin_config', 'load_real_poses',
    'make_sequence', 'run_tracker', 'load_script'
]
