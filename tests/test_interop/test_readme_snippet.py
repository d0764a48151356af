"""The README's "Using a single technique in your own MMPose / MMDet config"
block, verbatim, as a user's config on top of MMPose's own
``td-hm_res50_8xb64-210e_coco-256x192.py`` (shipped in the mmpose package):
it builds with MMPose's registries with the SIKR head *and its loss*, and
trains two iterations in MMPose's Runner. A second config, for the test only,
inherits it to point the data at the COCO sample, skip the ImageNet weights
download and use ResNet-18 (CPU time)."""
import os.path as osp
import re

import pytest
import torch

pytest.importorskip('mmpose')

from .conftest import REPO, run_project  # noqa: E402

HEADING = '## Using a single technique in your own MMPose / MMDet config'
SAMPLE = osp.join(REPO, 'tests', 'data', 'coco') + '/'
# test-only settings on top of the user's config: the 4-image COCO sample, no downloads
TEST_OVERRIDES = f'''
_base_ = ['./my_mmpose_config.py']
# ResNet-18 (128 ch at stride 8) keeps this CPU run short; the README's ResNet-50
# channels are checked by test_readme_snippet_builds_on_mmposes_own_config
model = dict(backbone=dict(init_cfg=None, depth=18), head=dict(in_channels=128),
             test_cfg=dict(flip_test=False))
_data = dict(data_root='{SAMPLE}', ann_file='test_coco.json', data_prefix=dict(img=''))
train_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False,
                        sampler=dict(shuffle=False), dataset=_data)
val_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False,
                      dataset=dict(bbox_file=None, **_data))  # GT boxes: a few people
test_dataloader = val_dataloader
val_evaluator = dict(ann_file='{SAMPLE}test_coco.json')
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(interval=-1, save_best=None))
param_scheduler = []
'''


def readme_snippet() -> str:
    text = open(osp.join(REPO, 'README.md')).read()
    section = text[text.index(HEADING):]
    return re.search(r'```python\n(.*?)```', section, re.S).group(1)


def test_readme_snippet_builds_on_mmposes_own_config(tmp_path):
    snippet = readme_snippet()
    assert 'td-hm_res50_8xb64-210e_coco-256x192.py' in snippet
    (tmp_path / 'my_mmpose_config.py').write_text(snippet)
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmpose.registry import MODELS

    from mmalphapose.models.heads import SIKRHead
    from mmalphapose.models.losses import KeypointL1Loss
    cfg = Config.fromfile(str(tmp_path / 'my_mmpose_config.py'))
    assert cfg.default_scope == 'mmpose'
    assert cfg.model.head.type == 'mmalphapose.SIKRHead' and 'loss' not in cfg.model.head
    cfg.model.backbone.init_cfg = None
    with DefaultScope.overwrite_default_scope('mmpose'):
        model = MODELS.build(cfg.model)
    assert isinstance(model.head, SIKRHead)
    assert isinstance(model.head.loss_module, KeypointL1Loss)  # not the base's MSE loss
    with torch.no_grad():  # the snippet's channels fit MMPose's ResNet-50
        out = model(torch.rand(1, 3, 256, 192), None, mode='tensor')
    assert out.shape[:2] == (1, 17)


@pytest.mark.slow
def test_readme_snippet_trains_in_mmposes_runner(tmp_path, in_repo_root):
    (tmp_path / 'my_mmpose_config.py').write_text(readme_snippet())
    (tmp_path / 'test_config.py').write_text(TEST_OVERRIDES)
    losses, metrics = run_project(str(tmp_path / 'test_config.py'), str(tmp_path / 'work'),
                                  max_iters=2)
    assert len(losses) == 2 and 'coco/AP' in metrics
