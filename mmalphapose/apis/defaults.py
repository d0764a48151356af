"""Default models of the demo / inferencer and short config aliases.

The bundled models are listed explicitly (no guessing from file names): the
first entry of :data:`BUNDLED_POSE_MODELS` whose files all exist is the
default pose model, so a clone without the optional files still works.
Paths are relative to the repository root.
"""
import glob
import os.path as osp
from pathlib import Path
from typing import Optional, Tuple

ROOT = Path(__file__).resolve().parents[2]

# (name, config, checkpoint or None, other files the config needs)
BUNDLED_POSE_MODELS = (
    ('halpe26-student',
     'configs/distillation/movenet-fpn_heatmap_halpe26-distill-256x192.py',
     'checkpoints/movenet-fpn_heatmap_halpe26-distill-256x192.pth',
     ('checkpoints/movenet-thunder.onnx', )),
    ('halpe26-teachers', 'configs/distillation/onnx-teachers_halpe26-256x256.py', None,
     ('checkpoints/movenet-thunder.onnx', 'checkpoints/blazepose-full.onnx')),
    ('halpe136-student',
     'configs/distillation/movenet-fpn_heatmap_halpe136-distill-256x192.py',
     'checkpoints/movenet-fpn_heatmap_halpe136-distill-256x192.pth',
     ('checkpoints/movenet-thunder.onnx', )),
)
BUNDLED_DETECTOR = ('configs/detection/nanodet-m_onnx_person-416.py',
                    'checkpoints/nanodet.onnx')

# short names -> config path (relative to the repository root)
POSE_ALIASES = {name: cfg for name, cfg, _, _ in BUNDLED_POSE_MODELS}
POSE_ALIASES.update({
    'halpe26': 'configs/body_2d_keypoint/sikr/halpe26/'
               'sikr_fastpose-se-res50_8xb48-270e_halpe26-256x192.py',
    'coco': 'configs/body_2d_keypoint/sikr/coco/sikr_fastpose-se-res50_8xb32-270e_coco-256x192.py',
    'halpe136': 'configs/wholebody_2d_keypoint/sikr/halpe136/'
                'sikr_fastpose-se-res50_8xb48-270e_halpe136-256x192.py',
    'coco-wholebody': 'configs/wholebody_2d_keypoint/sikr/coco_wholebody/'
                      'sikr_fastpose-se-res50_8xb48-270e_coco-wholebody-256x192.py',
})


def resolve_pose_config(name: str, root: Path = ROOT) -> str:
    """A config path, an alias of :data:`POSE_ALIASES`, or a config file name
    (without ``.py``) found under ``configs/``."""
    if osp.isfile(name):
        return name
    for cand in (name, POSE_ALIASES.get(name, '')):
        if cand and (root / cand).is_file():
            return str(root / cand)
    hits = sorted(glob.glob(str(root / 'configs' / '**' / f'{name}.py'), recursive=True))
    if hits:
        return hits[0]
    raise FileNotFoundError(f'pose config "{name}" not found (not a file, an alias of '
                            f'{sorted(POSE_ALIASES)}, or a config name under configs/)')


def find_checkpoint_for(config: str, root: Path = ROOT) -> Optional[str]:
    """``checkpoints/<config stem>.pth`` when it exists."""
    stem = osp.splitext(osp.basename(config))[0]
    path = root / 'checkpoints' / f'{stem}.pth'
    return str(path) if path.is_file() else None


def default_pose_model(root: Path = ROOT) -> Tuple[Optional[str], Optional[str]]:
    """(config, checkpoint) of the first bundled pose model whose files exist.

    Returns (first config, None) when no bundled weights exist (random weights,
    the caller warns), and (None, None) when no bundled config exists at all.
    """
    first_cfg = None
    for _, cfg, ckpt, needs in BUNDLED_POSE_MODELS:
        if not (root / cfg).is_file():
            continue
        first_cfg = first_cfg or str(root / cfg)
        files = ((ckpt, ) if ckpt else ()) + tuple(needs)
        if all((root / f).is_file() for f in files):
            return str(root / cfg), (str(root / ckpt) if ckpt else None)
    return first_cfg, None


def default_detector(root: Path = ROOT) -> Tuple[Optional[str], Optional[str]]:
    """(config, onnx file) of the bundled detector when both exist."""
    cfg, onnx = (root / p for p in BUNDLED_DETECTOR)
    if cfg.is_file() and onnx.is_file():
        return str(cfg), str(onnx)
    return None, None
