"""Registries of mmalphapose, children of mmengine's root registries.

Every registry has ``scope='mmalphapose'`` and every registry that holds
names has a ``locations`` list, so a config that only says ``type='SIKRHead'``
(inside our default scope) or ``type='mmalphapose.SIKRHead'`` (from any other
OpenMMLab scope) imports the module that registers it on first use. The lists
are complete: ``tests/test_registry/test_registry_locations.py`` looks every
registered name up in a fresh interpreter that imported only this module.
Names of other scopes resolve through mmengine's registry tree, e.g.
``type='mmdet.RTMDet'``.
"""
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
from mmengine.registry import Registry

SCOPE = 'mmalphapose'

# Runner, loops and hooks
RUNNERS = Registry('runner', parent=MMENGINE_RUNNERS, scope=SCOPE)
RUNNER_CONSTRUCTORS = Registry(
    'runner constructor', parent=MMENGINE_RUNNER_CONSTRUCTORS, scope=SCOPE)
LOOPS = Registry('loop', parent=MMENGINE_LOOPS, scope=SCOPE)
HOOKS = Registry('hook', parent=MMENGINE_HOOKS, scope=SCOPE, locations=['mmalphapose.engine.hooks'])

# Data
DATASETS = Registry(
    'dataset', parent=MMENGINE_DATASETS, scope=SCOPE, locations=['mmalphapose.datasets'])
DATA_SAMPLERS = Registry(
    'data sampler',
    parent=MMENGINE_DATA_SAMPLERS,
    scope=SCOPE,
    locations=['mmalphapose.datasets', 'mmalphapose.tracking'])
TRANSFORMS = Registry(
    'transform',
    parent=MMENGINE_TRANSFORMS,
    scope=SCOPE,
    locations=['mmalphapose.datasets.transforms'])

# Models
MODELS = Registry('model', parent=MMENGINE_MODELS, scope=SCOPE, locations=['mmalphapose.models'])
MODEL_WRAPPERS = Registry(
    'model_wrapper', parent=MMENGINE_MODEL_WRAPPERS, scope=SCOPE, locations=['mmalphapose.models'])
WEIGHT_INITIALIZERS = Registry(
    'weight initializer',
    parent=MMENGINE_WEIGHT_INITIALIZERS,
    scope=SCOPE,
    locations=['mmalphapose.models'])
BATCH_AUGMENTS = Registry('batch augment', scope=SCOPE, locations=['mmalphapose.models'])

# Optimisation
OPTIMIZERS = Registry('optimizer', parent=MMENGINE_OPTIMIZERS, scope=SCOPE)
OPTIM_WRAPPERS = Registry(
    'optim_wrapper',
    parent=MMENGINE_OPTIM_WRAPPERS,
    scope=SCOPE,
    locations=['mmalphapose.engine.optim_wrappers'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor', parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS, scope=SCOPE)
PARAM_SCHEDULERS = Registry('parameter scheduler', parent=MMENGINE_PARAM_SCHEDULERS, scope=SCOPE)

# Evaluation
METRICS = Registry(
    'metric', parent=MMENGINE_METRICS, scope=SCOPE, locations=['mmalphapose.evaluation.metrics'])
EVALUATORS = Registry(
    'evaluator', parent=MMENGINE_EVALUATOR, scope=SCOPE, locations=['mmalphapose.evaluation'])

# Misc
TASK_UTILS = Registry(
    'task util', parent=MMENGINE_TASK_UTILS, scope=SCOPE, locations=['mmalphapose.models'])
VISUALIZERS = Registry(
    'visualizer', parent=MMENGINE_VISUALIZERS, scope=SCOPE, locations=['mmalphapose.visualization'])
VISBACKENDS = Registry(
    'vis_backend',
    parent=MMENGINE_VISBACKENDS,
    scope=SCOPE,
    locations=['mmalphapose.visualization'])
LOG_PROCESSORS = Registry('log processor', parent=MMENGINE_LOG_PROCESSORS, scope=SCOPE)
INFERENCERS = Registry(
    'inferencer', parent=MMENGINE_INFERENCERS, scope=SCOPE, locations=['mmalphapose.apis'])
FUNCTIONS = Registry(
    'function', parent=MMENGINE_FUNCTIONS, scope=SCOPE, locations=['mmalphapose.datasets'])

# AlphaPose additions
KEYPOINT_CODECS = Registry('keypoint codec', scope=SCOPE, locations=['mmalphapose.codecs'])
POSE_NMS = Registry('pose nms', scope=SCOPE, locations=['mmalphapose.post_processing'])
TRACKERS = Registry('tracker', scope=SCOPE, locations=['mmalphapose.tracking'])
