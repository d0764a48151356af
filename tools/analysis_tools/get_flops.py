"""Print the parameters and FLOPs of a pose model config.

    python tools/analysis_tools/get_flops.py CONFIG [--input-shape 256 192]

FLOPs are counted by mmengine.analysis (fvcore-style: one multiply-add = one
FLOP) on the model's ``tensor`` forward (backbone + neck + head); layers it
cannot count (e.g. mmcv's DeformConv2d) are reported as uncounted.
"""
import argparse
from typing import Dict, Optional, Sequence

import torch


def count_params(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def get_complexity(config: str, input_shape: Optional[Sequence[int]] = None) -> Dict[str, object]:
    """Build ``config``'s model (random weights) and count params / FLOPs.

    ``input_shape`` is (H, W); default: the codec's input size.
    """
    from mmengine.analysis import FlopAnalyzer
    from mmengine.config import Config

    import mmalphapose.models  # noqa: F401
    from mmalphapose.registry import MODELS
    cfg = Config.fromfile(config)
    model_cfg = cfg.model.copy()
    model_cfg.backbone.pop('init_cfg', None)
    model = MODELS.build(model_cfg).eval()
    if input_shape is None:
        w, h = cfg.codec['input_size']
        input_shape = (h, w)
    x = torch.zeros(1, 3, *input_shape)

    class _TensorForward(torch.nn.Module):

        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, inp):
            return self.m(inp, mode='tensor')

    analyzer = FlopAnalyzer(_TensorForward(model), (x, ))
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    flops = analyzer.total()
    return dict(
        params=count_params(model),
        flops=int(flops),
        input_shape=tuple(input_shape),
        uncounted=sorted(analyzer.unsupported_ops().keys()))


def main() -> None:
    parser = argparse.ArgumentParser(description='params and FLOPs of a model')
    parser.add_argument('config')
    parser.add_argument('--input-shape', type=int, nargs=2, metavar=('H', 'W'))
    args = parser.parse_args()
    res = get_complexity(args.config, args.input_shape)
    h, w = res['input_shape']
    print(f'config: {args.config}\ninput: 1x3x{h}x{w}')
    print(f'params: {res["params"] / 1e6:.2f} M\nFLOPs: {res["flops"] / 1e9:.2f} G '
          '(multiply-adds)')
    if res['uncounted']:
        print('uncounted ops: ' + ', '.join(res['uncounted']))


if __name__ == '__main__':
    main()
