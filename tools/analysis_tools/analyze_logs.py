"""Plot training curves (loss, learning rate, AP per epoch) of mmengine runs,
as MMPose's ``tools/analysis_tools/analyze_logs.py`` does, from the
``vis_data/scalars.json`` that mmengine's LocalVisBackend writes.

    python tools/analysis_tools/analyze_logs.py plot_curve WORK_DIR_OR_SCALARS_JSON \
        [--keys loss lr] [--metrics coco/AP] [--title T] --out curves.png

A work dir means its newest ``<timestamp>/vis_data/scalars.json``. Without
``--metrics`` every validation metric named ``.../AP``, ``.../AR`` or
``.../PCK`` is drawn per epoch.
"""
import argparse
import glob
import os.path as osp
import sys
from typing import List, Optional

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    sub = p.add_subparsers(dest='task', required=True)
    c = sub.add_parser('plot_curve', help='training curves of one run')
    c.add_argument('run', help='a work dir or its vis_data/scalars.json')
    c.add_argument('--keys', nargs='+', default=['loss', 'lr'], help='training scalars')
    c.add_argument('--metrics', nargs='+', default=None, help='validation scalars (default: AP)')
    c.add_argument('--by-step', action='store_true', help='metrics against the step')
    c.add_argument('--title', default=None)
    c.add_argument('--out', required=True, help='PNG to write')
    return p.parse_args(argv)


def find_scalars(run: str) -> str:
    """``run`` itself when a file, else the newest ``*/vis_data/scalars.json``
    (or ``vis_data/scalars.json``) under the work dir ``run``."""
    if osp.isfile(run):
        return run
    found = sorted(
        glob.glob(osp.join(run, '*', 'vis_data', 'scalars.json')) +
        glob.glob(osp.join(run, 'vis_data', 'scalars.json')),
        key=osp.getmtime)
    if not found:
        raise FileNotFoundError(f'{run}: no vis_data/scalars.json (an mmengine work dir?)')
    return found[-1]


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    from mmalphapose.visualization.plots import plot_training_curves
    scalars = find_scalars(args.run)
    out = plot_training_curves(
        scalars,
        args.out,
        keys=args.keys,
        metrics=args.metrics,
        by_epoch=not args.by_step,
        title=args.title)
    print(f'{scalars} -> {out}')
    return 0


if __name__ == '__main__':
    from mmalphapose.utils.errors import run_cli
    sys.exit(run_cli(main))
