"""Registry scoping: our scope, mmdet cross-scope, use from other projects' configs."""
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS as ROOT_MODELS
from mmengine.registry import DefaultScope
from torch import nn

from mmalphapose import registry as R
from mmalphapose.utils import build_cross_scope, has_mmdet

REQUIRED = [
    'RUNNERS', 'LOOPS', 'HOOKS', 'DATASETS', 'DATA_SAMPLERS', 'TRANSFORMS', 'MODELS',
    'MODEL_WRAPPERS', 'WEIGHT_INITIALIZERS', 'OPTIMIZERS', 'OPTIM_WRAPPERS',
    'OPTIM_WRAPPER_CONSTRUCTORS', 'PARAM_SCHEDULERS', 'METRICS', 'EVALUATORS', 'TASK_UTILS',
    'VISUALIZERS', 'VISBACKENDS', 'LOG_PROCESSORS', 'INFERENCERS', 'FUNCTIONS', 'KEYPOINT_CODECS',
    'POSE_NMS', 'TRACKERS'
]


@pytest.mark.parametrize('name', REQUIRED)
def test_registries_are_scoped(name):
    reg = getattr(R, name)
    assert reg.scope == 'mmalphapose'


def test_children_of_mmengine():
    assert R.MODELS.parent is ROOT_MODELS
    assert ROOT_MODELS.children['mmalphapose'] is R.MODELS


def test_own_scope_build_and_prefixed_build():

    @R.MODELS.register_module(force=True)
    class _ToyScopeModule(nn.Module):

        def __init__(self, c=3):
            super().__init__()
            self.c = c

    with DefaultScope.overwrite_default_scope('mmalphapose'):
        assert R.MODELS.build(dict(type='_ToyScopeModule', c=5)).c == 5
    # from mmengine's root scope, the prefixed name resolves to ours
    assert ROOT_MODELS.build(dict(type='mmalphapose._ToyScopeModule')).c == 3
    # mmengine's own modules resolve from our scope through the parent
    with DefaultScope.overwrite_default_scope('mmalphapose'):
        from mmengine.model import ImgDataPreprocessor
        assert R.MODELS.get('ImgDataPreprocessor') is ImgDataPreprocessor


@pytest.mark.skipif(not has_mmdet(), reason='needs mmdet: full profile')
def test_mmdet_type_resolves_and_rtmdet_forward():
    import mmdet
    from mmdet.apis import init_detector  # noqa: F401  (must import in the venv)
    with DefaultScope.overwrite_default_scope('mmalphapose'):
        cls = R.MODELS.get('mmdet.RTMDet')
        assert cls.__name__ == 'RTMDet'
        cfg = Config.fromfile(
            osp.join(
                osp.dirname(mmdet.__file__), '.mim/configs/rtmdet/rtmdet_tiny_8xb32-300e_coco.py'))
        model_cfg = cfg.model.to_dict()
        model_cfg['type'] = 'mmdet.RTMDet'
        model_cfg['backbone']['init_cfg'] = None  # no download
        det = build_cross_scope(R.MODELS, model_cfg)
    det.eval()
    with torch.no_grad():
        out = det(torch.rand(1, 3, 320, 320), mode='tensor')
    cls_scores, bbox_preds = out
    assert len(cls_scores) == 3 and cls_scores[0].shape[1] == 80


@pytest.mark.slow  # > 5 s (a fresh process or a training run): CI runs it in .ci/run
def test_custom_imports_from_another_projects_config(tmp_path):
    """An MMDet/MMPose-style config (other default scope) uses our modules."""
    cfg_file = tmp_path / 'other_project_cfg.py'
    cfg_file.write_text(
        "default_scope = 'mmengine'\n"
        "custom_imports = dict(imports=['mmalphapose.registry', 'mmalphapose.structures'],"
        " allow_failed_imports=False)\n"
        "model = dict(type='mmalphapose.mmalphapose_probe')\n")
    code = f"""
import sys
from mmengine.config import Config
from mmengine.registry import MODELS, DefaultScope
cfg = Config.fromfile(r'{cfg_file}')
import mmalphapose.registry as R
from torch import nn
@R.MODELS.register_module(name='mmalphapose_probe')
class Probe(nn.Module):
    pass
with DefaultScope.overwrite_default_scope(cfg.default_scope):
    m = MODELS.build(cfg.model)
print(type(m).__name__)
"""
    res = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().endswith('Probe')
