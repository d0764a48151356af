"""projects/sikr_head and projects/kd_pgpg in MMPose's Runner on the COCO
sample: the loss falls and MMPose's CocoMetric runs."""
import numpy as np
import pytest

pytest.importorskip('mmpose')

from .conftest import run_project  # noqa: E402


def _falls(losses, n=4):
    """Mean loss of the last ``n`` iterations < mean of the first ``n``; the
    sampler does not shuffle, so both windows see the same 4 batches."""
    return np.mean(losses[-n:]) < np.mean(losses[:n])


@pytest.mark.slow
def test_sikr_head_in_mmpose_config(tmp_path, in_repo_root):
    losses, metrics = run_project(
        'projects/sikr_head/configs/td-sikr_res18_1xb4-20it_coco-sample-256x192.py',
        str(tmp_path),
        max_iters=12)
    assert len(losses) == 12 and np.isfinite(losses).all()
    assert _falls(losses), losses
    assert 'coco/AP' in metrics and 0 <= metrics['coco/AP'] <= 1


@pytest.mark.slow
def test_kd_hook_and_pgpg_in_mmpose_config(tmp_path, in_repo_root):
    from mmengine.config import Config

    from mmalphapose.datasets.transforms import PartGuidedProposal
    from mmalphapose.engine.hooks import KnowledgeDistillationHook

    cfg_file = 'projects/kd_pgpg/configs/td-hm_res18_kd-pgpg_1xb4-20it_coco-sample-256x192.py'
    cfg = Config.fromfile(cfg_file)
    assert cfg.custom_hooks[-1]['type'] == 'mmalphapose.KnowledgeDistillationHook'
    losses, metrics = run_project(cfg_file, str(tmp_path), max_iters=12)
    assert _falls(losses), losses
    assert 'coco/AP' in metrics
    # the techniques were really in the loop: MMPose's registries built ours
    from mmengine.registry import DefaultScope
    from mmpose.registry import HOOKS, TRANSFORMS
    with DefaultScope.overwrite_default_scope('mmpose'):
        assert isinstance(
            HOOKS.build(dict(type='mmalphapose.KnowledgeDistillationHook')),
            KnowledgeDistillationHook)
        assert isinstance(
            TRANSFORMS.build(dict(type='mmalphapose.PartGuidedProposal')), PartGuidedProposal)
