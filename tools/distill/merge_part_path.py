"""Build the starting weights of a two-path whole-body student
(``MoveNetPartFPN`` + ``PartPathHeatmapHead``) from two trained students.

* body path, shared stages and body output layer (``backbone.*``,
  ``head.final_layer.*``): the body model (e.g. the Halpe-26 student);
* part path (``backbone.part.*``): MobileNetV2 stages ``--shared-stages``..6,
  last conv, FPN and branch of a single-path whole-body model (e.g. the
  Halpe-136 student up to issue 16's part-path recipe), with the output rows
  of its face and hand points (``head.part_final_layer.*`` = rows
  ``--num-body``.. of its ``head.final_layer``); a two-path checkpoint is read
  as the single-path model it amounts to (:func:`single_path_state`), so its
  part path can be re-cut at another ``--shared-stages``.

The whole-body model's shared stages must equal the body model's (both
students froze them): a difference is reported, since the part path would then
see other features than it was trained on. The result is a plain checkpoint for
``load_from`` or ``tools/distill/export_student.py``.

Example::

    python tools/distill/merge_part_path.py \
        checkpoints/movenet-fpn_heatmap_halpe26-distill-256x256.pth \
        work_dirs/release/movenet-fpn_heatmap_halpe136-wholebody-distill-256x192.pth \
        work_dirs/release/halpe136-partpath-init.pth
"""
import argparse
import os.path as osp
import sys
from typing import Dict, List, Tuple

import torch

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '..', '..')))
from mmalphapose.models.backbones.movenet_fpn import ARCH, part_path_state_dict  # noqa: E402
from mmalphapose.utils import safe_torch_load, student_state  # noqa: E402
from mmalphapose.utils.errors import ModelFileError, run_cli  # noqa: E402

Tensors = Dict[str, torch.Tensor]


def _student(path: str) -> Tensors:
    if not osp.isfile(path):
        raise ModelFileError(f'merge_part_path: checkpoint "{path}" not found')
    ckpt = safe_torch_load(path, map_location='cpu')
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict) or 'head.final_layer.weight' not in state and \
            'student.head.final_layer.weight' not in state:
        raise ModelFileError(f'merge_part_path: "{path}" has no head.final_layer.weight '
                             '(not a heatmap student checkpoint)')
    return {k: v.float() for k, v in student_state(state).items() if torch.is_tensor(v)}


def single_path_state(two_path: Tensors) -> Tensors:
    """A two-path student's weights as a single-path whole-body model's: its part
    path as stages ``len(ARCH) - len(part stages)``..6, last conv, FPN and branch, its
    two output layers as one (body rows first). Lets a trained part path start
    a student that shares another number of stages."""
    n = 1 + max(int(k.split('.')[3]) for k in two_path if k.startswith('backbone.part.stages.'))
    first = len(ARCH) - n
    out = {k: v for k, v in two_path.items() if not k.startswith(('backbone.part.', 'head.'))}
    for k, v in two_path.items():
        if k.startswith('backbone.part.stages.'):
            idx, tail = k[len('backbone.part.stages.'):].split('.', 1)
            out[f'backbone.stages.{int(idx) + first}.{tail}'] = v
        elif k.startswith('backbone.part.'):
            out['backbone.' + k[len('backbone.part.'):]] = v
    for name in ('weight', 'bias'):
        out[f'head.final_layer.{name}'] = torch.cat(
            [two_path[f'head.final_layer.{name}'], two_path[f'head.part_final_layer.{name}']])
    return out


def merge_part_path(body: Tensors, whole: Tensors, shared_stages: int,
                    num_body: int) -> Tuple[Tensors, List[str]]:
    """Two-path state dict and the shared-weight keys that differ between the
    two inputs (max abs difference > 1e-3)."""
    if any(k.startswith('backbone.part.') for k in body):
        raise ModelFileError('merge_part_path: the body checkpoint already has a part path')
    if any(k.startswith('backbone.part.') for k in whole):
        whole = single_path_state(whole)
    rows = whole['head.final_layer.weight'].shape[0]
    if not 0 < num_body < rows:
        raise ModelFileError(f'merge_part_path: --num-body {num_body} must be below the '
                             f'whole-body model\'s {rows} keypoints')
    out = {
        k: v
        for k, v in body.items() if k.startswith('backbone.') or k.startswith('head.final_layer.')
    }
    for k, v in part_path_state_dict(whole, shared_stages, prefix='backbone.').items():
        out['backbone.part.' + k] = v
    out['head.part_final_layer.weight'] = whole['head.final_layer.weight'][num_body:].clone()
    out['head.part_final_layer.bias'] = whole['head.final_layer.bias'][num_body:].clone()
    shared = ['backbone.stem.'] + [f'backbone.stages.{i}.' for i in range(shared_stages)]
    differ = [
        k for k in body
        if any(k.startswith(p)
               for p in shared) and (k not in whole or (body[k] - whole[k]).abs().max() > 1e-3)
    ]
    return out, differ


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('body', help='body model checkpoint (its weights become the body path)')
    p.add_argument(
        'whole',
        help='whole-body checkpoint (-> the part path): single-path, or a two-path one '
        'whose part path is re-cut at --shared-stages')
    p.add_argument('out')
    p.add_argument('--shared-stages', type=int, default=3)
    p.add_argument('--num-body', type=int, default=26, help='body + foot keypoints')
    a = p.parse_args(argv)
    state, differ = merge_part_path(
        _student(a.body), _student(a.whole), a.shared_stages, a.num_body)
    if differ:
        print(f'merge_part_path: warning: {len(differ)} shared weights differ between the '
              f'two models (e.g. {differ[0]}); the part path sees the body model\'s')
    torch.save(dict(state_dict=state, meta=dict(note='merge_part_path.py')), a.out)
    print(f'{a.out}: {len(state)} tensors')
    return 0


if __name__ == '__main__':
    sys.exit(run_cli(main))
