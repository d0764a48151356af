"""mmalphapose.testing.standin_models: the bright-spot stand-in model."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmalphapose.testing import BrightSpotHead, dots_image, write_standin_config

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_dots_image_draws_white_squares():
    img = dots_image([(10, 20), (30, 5)], size=(40, 50), radius=1)
    assert img.shape == (40, 50, 3) and img.dtype == np.uint8
    ys, xs = np.nonzero(img[..., 0])
    assert len(ys) == 2 * 9
    assert img[20, 10].tolist() == [255, 255, 255] and img[22, 10].sum() == 0


def test_bright_spot_head_finds_the_dot():
    head = BrightSpotHead(num_keypoints=3)
    crop = torch.zeros(2, 3, 16, 12)
    crop[0, :, 4, 7] = 1.0  # (x, y) = (7, 4)
    crop[1, :, 10, 2] = 1.0  # (2, 10)
    out = head.predict((crop, ), data_samples=None)
    np.testing.assert_allclose(out[0].keypoints, [[[7, 4]] * 3], atol=1e-5)
    np.testing.assert_allclose(out[1].keypoints, [[[2, 10]] * 3], atol=1e-5)
    assert out[0].keypoint_scores.shape == (1, 3)
    assert head((crop, )).shape == (2, 3, 16, 12)


@pytest.mark.slow  # > 5 s (a fresh process or a training run): CI runs it in .ci/run
def test_written_config_builds_in_a_fresh_process(tmp_path):
    """The config carries its own custom_imports and a packaged metainfo file."""
    path = write_standin_config(str(tmp_path), 26, 'halpe26', input_size=(32, 48))
    cfg = Config.fromfile(path)
    assert cfg.codec.input_size == (32, 48) and cfg.model.head.num_keypoints == 26
    code = ('import json, sys\n'
            'from mmengine.config import Config\n'
            'from mmengine.registry import DefaultScope\n'
            'from mmalphapose.datasets import parse_pose_metainfo\n'
            'from mmalphapose.registry import MODELS\n'
            f'cfg = Config.fromfile({path!r})\n'
            'with DefaultScope.overwrite_default_scope("mmalphapose"):\n'
            '    model = MODELS.build(cfg.model)\n'
            'print(json.dumps(dict(head=type(model.head).__name__,\n'
            '    k=parse_pose_metainfo(cfg.model.metainfo)["num_keypoints"])))\n')
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    res = subprocess.run([sys.executable, '-c', code],
                         capture_output=True,
                         text=True,
                         cwd=str(tmp_path),
                         env=env)
    assert res.returncode == 0, res.stderr[-2000:]
    assert json.loads(res.stdout.strip().splitlines()[-1]) == dict(head='BrightSpotHead', k=26)
