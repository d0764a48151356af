"""Registries of mmalphapose, children of mmengine's root registries.

Every registry has ``scope='mmalphapose'`` and every registry that holds
names has a ``locations`` list, so a config that only says ``type='SIKRHead'``
(inside our default scope) or ``type='mmalphapose.SIKRHead'`` (from any other
OpenMMLab scope) imports the module that registers it on first use. The lists
are complete: ``tests/test_registry/test_registry_locations.py`` looks every
registered name up in a fresh interpreter that imported only this module.
Names of other scopes resolve through mmengine's registry tree, e.g.
``type='mmdet.RTMDet'``.

Scope safety: every registry here builds in our scope whatever the caller's
default scope (``_build_in_our_scope``), so a module of ours built from an
MMPose or MMDetection config (``type='mmalphapose.SIKRHead'``) builds its own
sub-modules (losses, codecs, NMS...) from our registries; a sub-config names
another scope with a prefix (``type='mmpose.KeypointMSELoss'``) or ``_scope_``.
The AlphaPose registries ``KEYPOINT_CODECS``, ``POSE_NMS`` and ``TRACKERS``
have no counterpart in mmengine: they are children of our ``TASK_UTILS``
(itself a child of mmengine's), which finds their names too, so
``mmdet.registry.TASK_UTILS.build(dict(type='mmalphapose.ParametricPoseNMS'))``
works; when MMPose is installed our ``KEYPOINT_CODECS`` is also a child of
MMPose's (which has no parent), so ``GenerateTarget(encoder=dict(
type='mmalphapose.SIKRLabel'))`` works from an MMPose config.
"""
import functools
import importlib.util
from typing import Any, Callable, Optional

from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import INFERENCERS as MMENGINE_INFERENCERS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import RUNNER_CONSTRUCTORS as MMENGINE_RUNNER_CONSTRUCTORS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import TASK_UTILS as MMENGINE_TASK_UTILS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
from mmengine.registry import DefaultScope, Registry, build_from_cfg

SCOPE = 'mmalphapose'


def _build_in_our_scope(build_func: Callable) -> Callable:
    """Wrap a registry build function so that it runs in our default scope.

    ``build_func(cfg, registry, ...)`` resolves bare ``type`` names in the
    current default scope; under another project's scope (an MMPose config
    building ``mmalphapose.SIKRHead``) that would look our sub-module names up
    in *their* registries. A config's own ``_scope_`` still wins.
    """

    @functools.wraps(build_func)
    def build(cfg: Any, *args, **kwargs) -> Any:
        current = DefaultScope.get_current_instance()
        if current is None or current.scope_name == SCOPE:
            return build_func(cfg, *args, **kwargs)
        with DefaultScope.overwrite_default_scope(SCOPE):
            return build_func(cfg, *args, **kwargs)

    return build


class ScopedRegistry(Registry):
    """A :class:`Registry` whose ``build`` runs in our scope (see above).

    Its build function is the parent's (``build_model_from_cfg`` for models,
    ``build_scheduler_from_cfg`` for schedulers...) wrapped by
    :func:`_build_in_our_scope`.
    """

    def __init__(self,
                 name: str,
                 parent: Optional[Registry] = None,
                 scope: str = SCOPE,
                 locations: Optional[list] = None) -> None:
        base = parent.build_func if parent is not None else build_from_cfg
        super().__init__(
            name,
            build_func=_build_in_our_scope(base),
            parent=parent,
            scope=scope,
            locations=locations or [])


class _TaskUtilsRegistry(ScopedRegistry):
    """Our ``TASK_UTILS``; a name not found in it is looked up in the AlphaPose
    task registries (codecs, pose NMS, trackers) registered with
    :meth:`add_task_registry`, so ``mmalphapose.X`` reaches them from any
    OpenMMLab scope through mmengine's ``TASK_UTILS`` tree."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._task_registries: list = []

    def add_task_registry(self, registry: Registry) -> None:
        self._task_registries.append(registry)

    def get(self, key: str) -> Any:
        obj = super().get(key)
        if obj is None and '.' not in key:
            for registry in self._task_registries:
                obj = registry.get(key)
                if obj is not None:
                    break
        return obj


# Runner, loops and hooks
RUNNERS = ScopedRegistry('runner', parent=MMENGINE_RUNNERS, scope=SCOPE)
RUNNER_CONSTRUCTORS = ScopedRegistry(
    'runner constructor', parent=MMENGINE_RUNNER_CONSTRUCTORS, scope=SCOPE)
LOOPS = ScopedRegistry('loop', parent=MMENGINE_LOOPS, scope=SCOPE)
HOOKS = ScopedRegistry(
    'hook', parent=MMENGINE_HOOKS, scope=SCOPE, locations=['mmalphapose.engine.hooks'])

# Data
DATASETS = ScopedRegistry(
    'dataset', parent=MMENGINE_DATASETS, scope=SCOPE, locations=['mmalphapose.datasets'])
DATA_SAMPLERS = ScopedRegistry(
    'data sampler',
    parent=MMENGINE_DATA_SAMPLERS,
    scope=SCOPE,
    locations=['mmalphapose.datasets', 'mmalphapose.tracking'])
TRANSFORMS = ScopedRegistry(
    'transform',
    parent=MMENGINE_TRANSFORMS,
    scope=SCOPE,
    locations=['mmalphapose.datasets.transforms'])

# Models
MODELS = ScopedRegistry(
    'model', parent=MMENGINE_MODELS, scope=SCOPE, locations=['mmalphapose.models'])
MODEL_WRAPPERS = ScopedRegistry(
    'model_wrapper', parent=MMENGINE_MODEL_WRAPPERS, scope=SCOPE, locations=['mmalphapose.models'])
WEIGHT_INITIALIZERS = ScopedRegistry(
    'weight initializer',
    parent=MMENGINE_WEIGHT_INITIALIZERS,
    scope=SCOPE,
    locations=['mmalphapose.models'])
BATCH_AUGMENTS = ScopedRegistry('batch augment', scope=SCOPE, locations=['mmalphapose.models'])

# Optimisation
OPTIMIZERS = ScopedRegistry('optimizer', parent=MMENGINE_OPTIMIZERS, scope=SCOPE)
OPTIM_WRAPPERS = ScopedRegistry(
    'optim_wrapper',
    parent=MMENGINE_OPTIM_WRAPPERS,
    scope=SCOPE,
    locations=['mmalphapose.engine.optim_wrappers'])
OPTIM_WRAPPER_CONSTRUCTORS = ScopedRegistry(
    'optimizer wrapper constructor', parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS, scope=SCOPE)
PARAM_SCHEDULERS = ScopedRegistry(
    'parameter scheduler', parent=MMENGINE_PARAM_SCHEDULERS, scope=SCOPE)

# Evaluation
METRICS = ScopedRegistry(
    'metric', parent=MMENGINE_METRICS, scope=SCOPE, locations=['mmalphapose.evaluation.metrics'])
EVALUATORS = ScopedRegistry(
    'evaluator', parent=MMENGINE_EVALUATOR, scope=SCOPE, locations=['mmalphapose.evaluation'])

# Misc
TASK_UTILS = _TaskUtilsRegistry(
    'task util', parent=MMENGINE_TASK_UTILS, scope=SCOPE, locations=['mmalphapose.models'])
VISUALIZERS = ScopedRegistry(
    'visualizer', parent=MMENGINE_VISUALIZERS, scope=SCOPE, locations=['mmalphapose.visualization'])
VISBACKENDS = ScopedRegistry(
    'vis_backend',
    parent=MMENGINE_VISBACKENDS,
    scope=SCOPE,
    locations=['mmalphapose.visualization'])
LOG_PROCESSORS = ScopedRegistry('log processor', parent=MMENGINE_LOG_PROCESSORS, scope=SCOPE)
INFERENCERS = ScopedRegistry(
    'inferencer', parent=MMENGINE_INFERENCERS, scope=SCOPE, locations=['mmalphapose.apis'])
FUNCTIONS = ScopedRegistry(
    'function', parent=MMENGINE_FUNCTIONS, scope=SCOPE, locations=['mmalphapose.datasets'])

# AlphaPose additions: parentless (mmengine has no such root registries), found
# from any scope through our TASK_UTILS (and MMPose's KEYPOINT_CODECS, below)
KEYPOINT_CODECS = ScopedRegistry('keypoint codec', scope=SCOPE, locations=['mmalphapose.codecs'])
POSE_NMS = ScopedRegistry('pose nms', scope=SCOPE, locations=['mmalphapose.post_processing'])
TRACKERS = ScopedRegistry('tracker', scope=SCOPE, locations=['mmalphapose.tracking'])
# who runs a pose model's network at inference (pytorch, onnxruntime)
POSE_BACKENDS = ScopedRegistry('pose backend', scope=SCOPE, locations=['mmalphapose.apis.backends'])
for _task_registry in (KEYPOINT_CODECS, POSE_NMS, TRACKERS):
    TASK_UTILS.add_task_registry(_task_registry)


def _join_mmpose_codecs() -> None:
    """Make our KEYPOINT_CODECS a child of MMPose's parentless one (when MMPose
    is installed), so MMPose's ``GenerateTarget`` resolves
    ``mmalphapose.<codec>``."""
    if importlib.util.find_spec('mmpose') is None:
        return
    try:
        from mmpose.registry import KEYPOINT_CODECS as MMPOSE_KEYPOINT_CODECS
    except Exception:  # an MMPose that does not import here: nothing to join
        return
    if SCOPE not in MMPOSE_KEYPOINT_CODECS.children:
        MMPOSE_KEYPOINT_CODECS._add_child(KEYPOINT_CODECS)


_join_mmpose_codecs()
