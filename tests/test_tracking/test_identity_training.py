"""A few training iterations of pose + identity embedding on PoseTrack18."""
import math

import numpy as np
import pytest
import torch
from mmengine.config import Config

CFG = ('configs/tracking/posetrack18/'
       'idembed_fastpose-se-res18_1xb4-1e_posetrack18-tiny-128x96.py')


@pytest.mark.slow
def test_pose_and_embedding_train_together(repo_root, tmp_path, monkeypatch):
    from mmengine.runner import Runner
    monkeypatch.chdir(repo_root)
    cfg = Config.fromfile(CFG)
    cfg.work_dir = str(tmp_path)
    runner = Runner.from_cfg(cfg)
    seen = []
    model = runner.model
    orig = model.loss

    def spy(inputs, data_samples):
        losses = orig(inputs, data_samples)
        seen.append({k: float(v.detach()) for k, v in losses.items()})
        return losses

    monkeypatch.setattr(model, 'loss', spy)
    runner.train()
    assert len(seen) >= 5  # 14 persons x 2 copies / batch 4
    for losses in seen:
        assert {'loss_id_cls', 'loss_id_triplet'} <= set(losses)
        pose_keys = [k for k in losses if k.startswith('loss') and not k.startswith('loss_id')]
        assert pose_keys, f'no pose loss in {sorted(losses)}'
        assert all(math.isfinite(v) for v in losses.values())
    # inference writes one embedding per person
    model.eval()
    batch = next(iter(runner.train_dataloader))
    with torch.no_grad():
        out = model.test_step(batch)
    for s in out:
        emb = np.asarray(s.pred_instances.embeddings)
        assert emb.shape == (1, 32)
        assert np.isclose(np.linalg.norm(emb), 1.0, atol=1e-4)
