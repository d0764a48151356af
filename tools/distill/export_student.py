"""Export the student of a distillation checkpoint as a small release file.

Keeps only the student's weights (``student.`` prefix stripped), drops the
optimizer / message hub, stores floating tensors as float16 (halves the
size; they are widened back to float32 when loaded) and writes plain tensors
so the file loads with ``torch.load(..., weights_only=True)``. Prints the
sha256.

Example::

    python tools/distill/export_student.py work_dirs/distill_mn26/iter_1500.pth \
        checkpoints/movenet-fpn_heatmap_halpe26-distill-256x256.pth --config "$STUDENT26"

``--config`` (recorded in the file's ``meta``) is the plain student config the
weights belong to (``STUDENT26`` in ``tools/distill/run_all.sh``), not the
distiller config that trained them.
"""
import argparse
import hashlib
import os.path as osp
import sys
from typing import Dict

import torch

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '..', '..')))
from mmalphapose.utils import safe_torch_load  # noqa: E402
from mmalphapose.utils import student_state as _student_keys  # noqa: E402


def student_state(ckpt: dict, fp16: bool = True) -> Dict[str, torch.Tensor]:
    """Student weights of a (distiller or plain) mmengine checkpoint."""
    out = {}
    for k, v in _student_keys(ckpt.get('state_dict', ckpt)).items():
        if not torch.is_tensor(v):
            continue
        v = v.detach().cpu().clone()
        out[k] = v.half() if (fp16 and v.is_floating_point()) else v
    return out


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('src')
    p.add_argument('dst')
    p.add_argument(
        '--config', default='', help='the plain student config (recorded in meta.config)')
    p.add_argument('--fp32', action='store_true', help='keep float32 weights')
    p.add_argument('--num-keypoints', type=int, default=26)
    p.add_argument('--dataset-name', default='halpe26')
    p.add_argument(
        '--metainfo',
        default='configs/_base_/datasets/halpe26.py',
        help='metainfo file recorded in meta.dataset_meta.from_file')
    a = p.parse_args()
    ckpt = safe_torch_load(a.src, map_location='cpu')
    state = student_state(ckpt, fp16=not a.fp32)
    src_meta = ckpt.get('meta', {}) if isinstance(ckpt, dict) else {}
    meta = dict(
        config=a.config,
        epoch=int(src_meta.get('epoch', -1) or -1),
        iter=int(src_meta.get('iter', -1) or -1),
        dataset_meta=dict(
            from_file=a.metainfo, num_keypoints=a.num_keypoints, dataset_name=a.dataset_name),
        note='mmalphapose distilled student; float16 weights' if not a.fp32 else '')
    torch.save(dict(state_dict=state, meta=meta), a.dst)
    # must load without any allow-listing
    torch.load(a.dst, map_location='cpu', weights_only=True)
    print(f'{a.dst}: {osp.getsize(a.dst) / 1e6:.1f} MB, sha256 {sha256(a.dst)}')


if __name__ == '__main__':
    main()
