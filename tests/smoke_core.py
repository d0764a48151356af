"""Core-profile smoke test (no mmcv compiled ops, no mmdet): build a non-DCN
model from a config and run a forward, then a DCN SE-ResNet (the pure-PyTorch
DeformConv fallback when mmcv's ops are missing).

Run by .ci/run in the core venv, and by tests/test_utils/test_no_compiled_ops.py
in a subprocess where mmcv._ext and mmdet are made unimportable.
"""
import os.path as osp
import sys

import torch

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = osp.join(
    REPO, 'configs/body_2d_keypoint/sikr/coco/'
    'sikr_fastpose-se-res18_1xb2-2e_coco-tiny-128x96.py')


def main() -> int:
    import importlib

    from mmengine.config import Config

    import mmalphapose
    from mmalphapose.registry import MODELS
    from mmalphapose.utils import register_all_modules
    register_all_modules()
    for pkg in ('apis', 'codecs', 'datasets', 'evaluation', 'models', 'post_processing', 'tracking',
                'visualization', 'engine'):
        importlib.import_module(f'mmalphapose.{pkg}')
    cfg = Config.fromfile(CONFIG)
    model = MODELS.build(cfg.model).eval()
    h, w = cfg.model.head.decoder.input_size[::-1] if 'decoder' in cfg.model.head \
        else (128, 96)
    with torch.no_grad():
        out = model(torch.rand(2, 3, h, w), mode='tensor')
    out = out[0] if isinstance(out, (tuple, list)) else out
    assert out.shape[0] == 2, out.shape
    from mmalphapose.models.layers import deform_conv
    dcn = MODELS.build(
        dict(
            type='SEResNet',
            depth=50,
            dcn=dict(deform_groups=1),
            stage_with_dcn=(False, True, True, True))).eval()
    with torch.no_grad():
        feat = dcn(torch.rand(1, 3, 64, 48))[0]
    assert feat.shape == (1, 2048, 2, 2), feat.shape
    dcn_msg = ('forward ok, ' +
               ('mmcv op' if deform_conv.mmcv_deform_conv2d() else 'pure-PyTorch fallback'))
    print(f'core smoke ok: mmalphapose {mmalphapose.__version__}, '
          f'forward {tuple(out.shape)}; DCN: {dcn_msg}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
