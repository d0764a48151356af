"""Print the versions of everything mmalphapose depends on.

Run ``python -m mmalphapose.utils.collect_env``.
"""
import platform
import sys
from collections import OrderedDict

from .lazy_import import has_mmcv_ops
from .version_check import installed_version


def collect_env() -> 'OrderedDict[str, str]':
    """Return an ordered mapping name -> version/description."""
    env = OrderedDict()
    env['sys.platform'] = sys.platform
    env['Python'] = sys.version.replace('\n', '')
    env['Machine'] = platform.machine()
    try:
        import torch
        env['PyTorch'] = torch.__version__
        env['CUDA available'] = str(torch.cuda.is_available())
        env['torch threads'] = str(torch.get_num_threads())
    except ImportError:
        env['PyTorch'] = 'not installed'
    for name, pkg in [('mmengine', 'mmengine'), ('mmcv', 'mmcv'), ('mmcv-lite', 'mmcv-lite'),
                      ('mmdet', 'mmdet'), ('numpy', 'numpy'), ('opencv-python', 'opencv-python'),
                      ('xtcocotools', 'xtcocotools'), ('onnxruntime', 'onnxruntime'),
                      ('openvino', 'openvino'), ('motmetrics', 'motmetrics')]:
        env[name] = installed_version(pkg) or 'not installed'
    from .openvino import cpu_has_bf16, resolve_engine
    try:
        engine = resolve_engine('auto')
        engine += ' (bfloat16)' if engine == 'openvino' and cpu_has_bf16() else ''
    except ValueError as exc:  # a wrong $MMALPHAPOSE_ONNX_ENGINE
        engine = str(exc)
    env['ONNX engine (auto)'] = engine
    env['mmcv compiled ops'] = 'available' if has_mmcv_ops() else (
        'not available (DCN layers disabled; core profile)')
    from mmalphapose.version import __version__
    env['mmalphapose'] = __version__
    return env


def main() -> None:
    """Print the environment, one ``name: value`` line each."""
    for key, val in collect_env().items():
        print(f'{key}: {val}')


if __name__ == '__main__':
    main()
