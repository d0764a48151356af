"""Convert an AlphaPose FastPose / FastPose_DUC checkpoint to mmalphapose.

Key layout (AlphaPose, optionally prefixed ``module.`` from DataParallel):
``preact.*`` (SE-ResNet) -> ``backbone.*``; ``duc{i}.*`` -> ``neck.duc{i}.*``
(FastPose: DUC units ``duc{i}.conv/bn``; FastPose_DUC: ``duc{i}.{j}``
sequences); ``conv_out.*`` -> ``head.final_layer.*``.

Usage::

    python tools/model_converters/alphapose2mmalphapose.py IN.pth OUT.pth \
        [--config configs/.../sikr_fastpose-se-res50_....py]

With ``--config`` the converted weights are checked against the model the
config builds; any missing, unexpected or mis-shaped key stops the
conversion with a list of them.

AlphaPose-exactness (docs/alphapose_exactness.md): issue 17 recorded that,
on the same weights and inputs as AlphaPose's own code, the converted
networks (FastPose SE-R50/R152, FastPose-DUC, shuffle-R50, DCN, Halpe-26,
SIKR COCO/Halpe-136, Combined COCO-WholeBody) give bit-identical raw maps,
the test pipeline's crop is bit-identical and the flip pairs match. The
decoding follows AlphaPose's evaluation path (``scripts/validate.py`` and
``alphapose/utils/transforms.py`` at commit c60106d): quarter-pixel
refinement only for peaks strictly inside the map on both axes
(``MSRAHeatmap``), and the flip test in heatmap space, both passes decoded
and averaged for integral regression (``SIKRHead``, ``CombinedHead``). The
tests that pin these steps are listed on that page.
"""
import argparse
import sys
from collections import OrderedDict
from typing import Any, Callable, Dict, List, Optional, Tuple

import torch

from mmalphapose.utils.errors import ModelFileError, run_cli

PREFIX_MAP = (('preact.', 'backbone.'), ('duc1.', 'neck.duc1.'), ('duc2.', 'neck.duc2.'),
              ('duc3.', 'neck.duc3.'), ('conv_out.', 'head.final_layer.'))


class ConversionError(RuntimeError):
    """Raised when a checkpoint does not match the expected layout."""


def _unwrap(ckpt) -> Dict[str, torch.Tensor]:
    if isinstance(ckpt, dict):
        for key in ('state_dict', 'model'):
            if key in ckpt and isinstance(ckpt[key], dict):
                ckpt = ckpt[key]
    if not isinstance(ckpt, dict) or not all(isinstance(v, torch.Tensor) for v in ckpt.values()):
        raise ConversionError('the input is not a state dict of tensors')
    return ckpt


def convert_state_dict(state: Dict[str, torch.Tensor]) -> 'OrderedDict[str, torch.Tensor]':
    """Rename AlphaPose keys; unknown keys raise :class:`ConversionError`."""
    out = OrderedDict()
    unknown = []
    for key, val in _unwrap(state).items():
        name = key[len('module.'):] if key.startswith('module.') else key
        for src, dst in PREFIX_MAP:
            if name.startswith(src):
                out[dst + name[len(src):]] = val
                break
        else:
            unknown.append(key)
    if unknown:
        raise ConversionError('keys outside the FastPose / FastPose_DUC layout (preact., duc1-3., '
                              f'conv_out.): {unknown[:20]}' + (' ...' if len(unknown) > 20 else ''))
    return out


def compare_with_model(state: Dict[str, torch.Tensor],
                       model: torch.nn.Module) -> Tuple[List[str], List[str], List[str]]:
    """(missing, unexpected, mis-shaped) keys of ``state`` against ``model``."""
    ref = model.state_dict()
    missing = [k for k in ref if k not in state]
    unexpected = [k for k in state if k not in ref]
    mismatched = [
        f'{k}: checkpoint {tuple(state[k].shape)} vs model '
        f'{tuple(ref[k].shape)}' for k in state if k in ref and state[k].shape != ref[k].shape
    ]
    return missing, unexpected, mismatched


def check_or_raise(state: Dict[str, torch.Tensor], model: torch.nn.Module) -> None:
    missing, unexpected, mismatched = compare_with_model(state, model)
    if missing or unexpected or mismatched:
        lines = ['the converted checkpoint does not match the config\'s model:']
        for title, items in (('missing', missing), ('unexpected', unexpected), ('mis-shaped',
                                                                                mismatched)):
            if items:
                lines.append(f'  {title} ({len(items)}): ' + ', '.join(items[:15]) +
                             (' ...' if len(items) > 15 else ''))
        raise ConversionError('\n'.join(lines))


def build_model_from_config(config: str, **head_overrides) -> torch.nn.Module:
    """The config's model (no backbone ``init_cfg``: nothing is downloaded),
    with ``head_overrides`` set on its head config (e.g. ``smpl_layer=None``)."""
    from mmengine.config import Config

    import mmalphapose.models  # noqa: F401
    from mmalphapose.registry import MODELS
    cfg = Config.fromfile(config)
    model_cfg = cfg.model.copy()
    if 'backbone' in model_cfg:
        model_cfg.backbone.pop('init_cfg', None)
    if head_overrides:
        model_cfg.head.update(head_overrides)
    return MODELS.build(model_cfg)


def save_converted(state: Dict[str, torch.Tensor], src: str, dst: str) -> None:
    """Write ``state`` as an mmalphapose checkpoint that names its source."""
    torch.save(dict(state_dict=state, meta=dict(converted_from=src)), dst)


def convert_file(src: str, dst: str, config: Optional[str] = None) -> None:
    from mmalphapose.utils import safe_torch_load
    state = convert_state_dict(safe_torch_load(src, map_location='cpu'))
    if config is not None:
        check_or_raise(state, build_model_from_config(config))
    save_converted(state, src, dst)


def converter_cli(argv: Optional[List[str]],
                  description: str,
                  src_help: str,
                  convert: Callable[[str, str, Optional[str]], Any],
                  summary: Callable[[Any], str] = lambda _: '') -> int:
    """The converters' command line ``SRC DST [--config CFG]``: runs
    ``convert(src, dst, config)`` and prints ``saved DST`` + ``summary`` of
    its result. A :class:`ConversionError` exits 2 with a one-line error; the
    lines after its first (every mismatching key) go to stderr before it."""

    def _main(args_: Optional[List[str]]) -> int:
        parser = argparse.ArgumentParser(description=description)
        parser.add_argument('src', help=src_help)
        parser.add_argument('dst', help='output mmalphapose checkpoint')
        parser.add_argument('--config', help='mmalphapose config to check against')
        args = parser.parse_args(args_)
        try:
            result = convert(args.src, args.dst, args.config)
        except ConversionError as exc:
            first, *detail = str(exc).splitlines()
            for line in detail:  # the full mismatch, before the one-line error
                print(line, file=sys.stderr)
            raise ModelFileError(f'{args.src}: {first.rstrip(":")}' +
                                 (' (listed above)' if detail else '')) from exc
        print(f'saved {args.dst}{summary(result)}')
        return 0

    return run_cli(_main, argv)


def main(argv: Optional[List[str]] = None) -> int:
    """Convert; exit code 0, or 2 with a one-line error (utils/errors.py)."""
    return converter_cli(argv, __doc__.split('\n')[0], 'AlphaPose .pth state dict', convert_file)


if __name__ == '__main__':
    sys.exit(main())
