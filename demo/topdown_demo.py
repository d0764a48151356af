"""Top-down whole-body pose demo (AlphaPose pipeline) on images, folders,
videos, text lists or a webcam.

    python demo/topdown_demo.py demo/resources/demo_basketball.mp4 --out-dir outputs/demo
    python demo/topdown_demo.py tests/data/coco --pose-config CFG --pose-checkpoint CKPT
    python demo/topdown_demo.py webcam:0 --show --track pose-aware

The command line itself is :mod:`mmalphapose.apis.cli` (also installed as
``mmalphapose-demo``); this script runs it with the installed package, or with
the package of this checkout when none is installed.
"""
import os
import os.path as osp
import sys

# torch's OpenMP threads busy-wait by default, stealing cores from the
# detector (onnxruntime) and the other stages; must be set before torch loads.
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')

try:
    import mmalphapose  # noqa: F401
except ImportError:  # a checkout without an install
    sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmalphapose.apis.cli import main, parse_args  # noqa: E402,F401

if __name__ == '__main__':
    sys.exit(main())
