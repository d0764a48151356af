"""The README's "Using a single technique in your own MMPose / MMDet config"
block works verbatim inside an MMPose config: it builds with MMPose's
registries and trains two iterations in MMPose's Runner on the COCO sample."""
import os.path as osp
import re

import pytest

pytest.importorskip('mmpose')

from .conftest import REPO, run_project  # noqa: E402

HEADING = '## Using a single technique in your own MMPose / MMDet config'
# an MMPose config around the snippet: runtime, data, evaluation of project (a)
BASE = 'projects/sikr_head/configs/td-sikr_res18_1xb4-20it_coco-sample-256x192.py'


def readme_snippet() -> str:
    text = open(osp.join(REPO, 'README.md')).read()
    section = text[text.index(HEADING):]
    return re.search(r'```python\n(.*?)```', section, re.S).group(1)


@pytest.mark.slow
def test_readme_snippet_in_an_mmpose_config(tmp_path, in_repo_root):
    snippet = readme_snippet()
    assert "type='mmalphapose.SIKRHead'" in snippet
    cfg_file = tmp_path / 'my_mmpose_config.py'
    cfg_file.write_text(f"_base_ = ['{osp.join(REPO, BASE)}']\n\n" + snippet +
                        '\ntrain_dataloader = dict(dataset=dict(pipeline=train_pipeline))\n')
    from mmengine.config import Config
    cfg = Config.fromfile(str(cfg_file))
    assert cfg.default_scope == 'mmpose'
    assert cfg.model.head.type == 'mmalphapose.SIKRHead'
    losses, metrics = run_project(str(cfg_file), str(tmp_path / 'work'), max_iters=2)
    assert len(losses) == 2 and 'coco/AP' in metrics
