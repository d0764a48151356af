"""Default models of the demo / inferencer and short config aliases.

The bundled defaults are found by file patterns (relative to the repository
root), so the demo picks them up as soon as their files exist:

* person detector: ``configs/detection/*.py`` + ``checkpoints/nanodet.onnx``
* pose model: the distilled Halpe-26 model, ``configs/distillation/*.py`` +
  ``checkpoints/<config stem>.pth`` (or a ``.pth`` whose name shares the
  config's leading words, or names both its dataset and its folder, e.g.
  ``checkpoints/halpe26_distilled.pth``).
"""
import glob
import os.path as osp
from pathlib import Path
from typing import Optional, Tuple

ROOT = Path(__file__).resolve().parents[2]

DEFAULTS = dict(
    detector=dict(configs=('configs/detection/*.py', ),
                  checkpoints=('checkpoints/nanodet.onnx', 'checkpoints/*.onnx')),
    pose=dict(configs=('configs/distillation/*halpe26*.py', 'configs/distillation/*.py',
                       'configs/body_2d_keypoint/**/*halpe26*.py',
                       'configs/body_2d_keypoint/**/*coco*.py'),
              checkpoints=('checkpoints/{stem}.pth', 'checkpoints/{stem}*.pth',
                           'checkpoints/{prefix}*.pth', 'checkpoints/{folder}*{data}*.pth',
                           'checkpoints/*{data}*{folder}*.pth')),
)

# short names -> config patterns (first match wins)
POSE_ALIASES = {
    'default': DEFAULTS['pose']['configs'],
    'halpe26': ('configs/distillation/*halpe26*.py', 'configs/**/*halpe26*.py'),
    'halpe136': ('configs/**/*halpe136*.py', ),
    'coco': ('configs/body_2d_keypoint/**/*_coco-*.py', 'configs/**/*coco*.py'),
    'coco-wholebody': ('configs/**/*coco-wholebody*.py', 'configs/**/*coco_wholebody*.py'),
    'wholebody': ('configs/**/*halpe136*.py', 'configs/**/*coco-wholebody*.py'),
}


def _glob_first(patterns, root: Path = ROOT) -> Optional[str]:
    for pat in patterns:
        hits = sorted(glob.glob(str(root / pat), recursive=True))
        hits = [h for h in hits if not osp.basename(h).startswith('_')]
        if hits:
            return hits[0]
    return None


def _is_pose_config(path: str) -> bool:
    """Cheap check that a config builds a top-down pose model (not a teacher
    wrapper or a dataset-only file)."""
    try:
        text = Path(path).read_text(errors='ignore')
    except OSError:
        return False
    return 'model' in text and 'TopdownPoseEstimator' in text


def resolve_pose_config(name: str, root: Path = ROOT) -> str:
    """A config path, or an alias / config name resolved under ``configs/``."""
    if osp.isfile(name):
        return name
    if (root / name).is_file():
        return str(root / name)
    patterns = POSE_ALIASES.get(name, (f'configs/**/{name}.py', f'configs/**/*{name}*.py'))
    found = _glob_first(patterns, root)
    if found is None:
        raise FileNotFoundError(f'pose config "{name}" not found (not a file, alias '
                                f'of {sorted(POSE_ALIASES)}, or a config name under configs/)')
    return found


def find_checkpoint_for(config: str, root: Path = ROOT) -> Optional[str]:
    """The checkpoint of a config by naming convention, if present."""
    stem = osp.splitext(osp.basename(config))[0]
    prefix = '_'.join(stem.split('_')[:2])
    # e.g. configs/distillation/x_halpe26-y.py also matches checkpoints/*halpe26*distill*.pth
    folder = osp.basename(osp.dirname(config))[:7] or 'x'
    data = next((d for d in ('halpe136', 'halpe26', 'coco-wholebody', 'coco_wholebody',
                             'posetrack18', 'coco') if d in stem), None)
    pats = [p.format(stem=stem, prefix=prefix, folder=folder, data=data)
            for p in DEFAULTS['pose']['checkpoints'] if data or '{data}' not in p]
    return _glob_first(pats, root)


def default_pose_model(root: Path = ROOT) -> Tuple[Optional[str], Optional[str]]:
    """(config, checkpoint) of the default pose model; either may be None."""
    candidates = []
    for pat in DEFAULTS['pose']['configs']:
        for cfg in sorted(glob.glob(str(root / pat), recursive=True)):
            if not osp.basename(cfg).startswith('_') and _is_pose_config(cfg) \
                    and cfg not in candidates:
                candidates.append(cfg)
    for cfg in candidates:  # first choice: a config whose checkpoint exists
        ckpt = find_checkpoint_for(cfg, root)
        if ckpt:
            return cfg, ckpt
    return (candidates[0], None) if candidates else (None, None)


def default_detector(root: Path = ROOT) -> Tuple[Optional[str], Optional[str]]:
    """(config, onnx file) of the bundled detector when both exist."""
    cfg = _glob_first(DEFAULTS['detector']['configs'], root)
    ckpt = _glob_first(DEFAULTS['detector']['checkpoints'], root)
    if cfg and ckpt:
        return cfg, ckpt
    return None, None
