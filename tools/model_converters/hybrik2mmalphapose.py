"""Convert a released HybrIK / AlphaPose-SMPL checkpoint to mmalphapose.

Key layout of HybrIK's and AlphaPose's ``Simple3DPoseBaseSMPLCam`` (optionally
prefixed ``module.`` by DataParallel), and where each part goes:

=================================================  ================================
source keys                                        mmalphapose keys
=================================================  ================================
``preact.*`` (torchvision-style ResNet: conv1,     ``backbone.*`` (``mmdet.ResNet``
bn1, layer1-4 with conv/bn/downsample.0/1)         has the same names)
``deconv_layers.{0,1,3,4,6,7}.*`` (3 x ConvT+BN)   ``head.deconv_layers.*``
``final_layer.*`` (1x1 conv, 29 x depth maps)      ``head.final_layer.*``
``fc1.* fc2.* decshape.* decphi.* deccam.*``       ``head.<same>``
``init_shape`` (mean betas), ``init_cam``          ``head.init_shape``, ``head.init_cam``
``smpl.*`` (the SMPL model's arrays)                dropped: the licensed SMPL file is
                                                   loaded from the user's copy instead
``decsigma.*`` (current HybrIK releases: per-joint  dropped: the scores are the heatmap
sigma, ``scores = 1 - sigma``)                      maxima, as AlphaPose's SMPL model
                                                   (which has no ``decsigma``) gives
=================================================  ================================

Any other key stops the conversion with the list of unknown keys. HybrIK's
HRNet-W48 checkpoints (``preact.stage*`` / ``preact.transition*`` keys) fit no
bundled config: without ``--config`` they are refused; with ``--config`` they
are renamed and checked against that config's model.

Usage::

    python tools/model_converters/hybrik2mmalphapose.py IN.pth OUT.pth \
        [--config configs/body_3d_smpl/hybrik_resnet34_h36m-256x256.py]

With ``--config`` the converted weights are checked against the model the
config builds (without its SMPL layer, which holds no weights); a mismatch
prints every missing / unexpected / mis-shaped key on stderr, then exits 2
with a one-line error.
"""
import importlib.util
import os.path as osp
import sys
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

import torch

from mmalphapose.models.heads.hybrik_head import HYBRIK_HEAD_BUFFERS as HEAD_BUFFERS
from mmalphapose.models.heads.hybrik_head import HYBRIK_HEAD_PREFIXES as HEAD_PREFIXES

_spec = importlib.util.spec_from_file_location(
    'alphapose2mmalphapose',
    osp.join(osp.dirname(osp.abspath(__file__)), 'alphapose2mmalphapose.py'))
_ap = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_ap)
ConversionError = _ap.ConversionError
check_or_raise = _ap.check_or_raise

#: HybrIK's sigma head, not part of the model (dropped)
DROPPED_PREFIXES = ('smpl.', 'decsigma.')
#: backbone keys of HybrIK's HRNet models (``hybrik/models/layers/hrnet``)
HRNET_PREFIXES = ('preact.stage', 'preact.transition')


def convert_state_dict(
        state: Dict[str, torch.Tensor],
        allow_hrnet: bool = False) -> Tuple['OrderedDict[str, torch.Tensor]', List[str]]:
    """Renamed state dict and the dropped ``smpl.*`` / ``decsigma.*`` keys;
    unknown keys, and an HRNet checkpoint unless ``allow_hrnet``, raise
    :class:`ConversionError`."""
    out: 'OrderedDict[str, torch.Tensor]' = OrderedDict()
    dropped, unknown = [], []
    state = _ap._unwrap(state)
    hrnet = sorted({
        k.split('.')[1 + k.startswith('module.')]
        for k in state if k.replace('module.', '', 1).startswith(HRNET_PREFIXES)
    })
    if hrnet and not allow_hrnet:
        raise ConversionError(
            f'an HRNet HybrIK checkpoint (backbone modules {", ".join(hrnet[:6])}): no bundled '
            'config builds HybrIK\'s HRNet model (configs/body_3d_smpl/ has ResNet-34 only); '
            'pass --config with a config that does')
    for key, val in state.items():
        name = key[len('module.'):] if key.startswith('module.') else key
        if name.startswith('preact.'):
            out['backbone.' + name[len('preact.'):]] = val
        elif name.startswith(HEAD_PREFIXES) or name in HEAD_BUFFERS:
            out['head.' + name] = val
        elif name.startswith(DROPPED_PREFIXES):
            dropped.append(key)
        else:
            unknown.append(key)
    if unknown:
        raise ConversionError(
            'keys outside the HybrIK layout (preact., deconv_layers., final_layer., fc1/2., '
            f'decshape/decphi/deccam./decsigma., init_shape/init_cam, smpl.): {unknown[:20]}' +
            (' ...' if len(unknown) > 20 else ''))
    if not out:
        raise ConversionError('no HybrIK weights found in the checkpoint')
    return out, dropped


def build_model_from_config(config: str) -> torch.nn.Module:
    """The config's model without its SMPL layer (no SMPL file needed)."""
    return _ap.build_model_from_config(config, smpl_layer=None)


def convert_file(src: str, dst: str, config: Optional[str] = None) -> List[str]:
    """Convert ``src`` into ``dst``; returns the dropped keys."""
    from mmalphapose.utils import safe_torch_load
    state, dropped = convert_state_dict(
        safe_torch_load(src, map_location='cpu'), allow_hrnet=config is not None)
    if config is not None:
        check_or_raise(state, build_model_from_config(config))
    _ap.save_converted(state, src, dst)
    return dropped


def _dropped_summary(dropped: List[str]) -> str:
    sigma = sum('decsigma.' in k for k in dropped)
    return f' (dropped {len(dropped) - sigma} smpl.* and {sigma} decsigma.* keys)'


def main(argv: Optional[List[str]] = None) -> int:
    """Convert; exit code 0, or 2 with a one-line error (utils/errors.py)."""
    return _ap.converter_cli(argv,
                             __doc__.split('\n')[0], 'HybrIK / AlphaPose-SMPL .pth', convert_file,
                             _dropped_summary)


if __name__ == '__main__':
    sys.exit(main())
