"""Choose the mixed-precision optimiser wrapper for ``tools/train.py --amp``.

mmengine's ``AmpOptimWrapper`` (fp16 with loss scaling) needs a GPU; on the
CPU the bf16 :class:`AutocastOptimWrapper` is used instead. bf16 is fast only
on CPUs with bf16 units (AVX512-BF16 or AMX); elsewhere it is emulated and
usually slower than fp32, which :func:`amp_optim_wrapper` says.
"""
import copy
from typing import List, Optional, Tuple

import torch


def _cpu_flags(cpuinfo: str = '/proc/cpuinfo') -> Optional[List[str]]:
    """The CPU flags of the first processor in ``cpuinfo`` (None when the file
    cannot be read, e.g. off Linux)."""
    try:
        with open(cpuinfo) as f:
            for line in f:
                if line.startswith('flags') and ':' in line:
                    return line.split(':', 1)[1].split()
    except OSError:
        return None
    return []


def cpu_bf16_support(cpuinfo: str = '/proc/cpuinfo') -> Tuple[Optional[bool], str]:
    """Whether this CPU has bf16 units, and how that was found out.

    False when torch has no oneDNN (``torch.backends.mkldnn``); else reads
    the ``avx512_bf16`` / ``amx_bf16`` flags of ``cpuinfo``; when that file
    cannot be read, asks oneDNN (``torch.ops.mkldnn._is_mkldnn_bf16_supported``).

    Returns:
        (True / False, or None when unknown; a short reason).
    """
    if not torch.backends.mkldnn.is_available():
        return False, 'torch is built without oneDNN (mkldnn)'
    flags = _cpu_flags(cpuinfo)
    if flags is not None:
        units = [f for f in ('avx512_bf16', 'amx_bf16') if f in flags]
        if units:
            return True, 'CPU flags ' + ', '.join(units)
        return False, f'no avx512_bf16 / amx_bf16 flag in {cpuinfo}'
    probe = getattr(getattr(torch.ops, 'mkldnn', None), '_is_mkldnn_bf16_supported', None)
    if probe is not None:
        try:
            ok = bool(probe())
            return ok, f'oneDNN reports bf16 {"supported" if ok else "unsupported"}'
        except RuntimeError:
            pass
    return None, f'{cpuinfo} unreadable'


def amp_optim_wrapper(optim_wrapper: dict,
                      device: Optional[str] = None,
                      cpuinfo: str = '/proc/cpuinfo') -> Tuple[dict, str]:
    """The ``optim_wrapper`` config for mixed precision on ``device``.

    Args:
        optim_wrapper: the config's ``optim_wrapper`` dict (not modified).
        device: ``'cuda'`` or ``'cpu'``; None picks CUDA when available.
        cpuinfo: where the CPU flags are read (tests pass a file).

    Returns:
        (new ``optim_wrapper`` dict, a one-line note for the log): on a GPU
        mmengine's ``AmpOptimWrapper`` (fp16, dynamic loss scale), on the CPU
        ``AutocastOptimWrapper`` with bf16; the note says when the CPU has no
        bf16 units (bf16 then is emulated and usually slower than fp32).
    """
    if device is None:
        device = 'cuda' if torch.cuda.is_available() else 'cpu'
    cfg = copy.deepcopy(dict(optim_wrapper))
    if device.startswith('cuda'):
        cfg.pop('dtype', None)
        cfg.pop('device_type', None)
        cfg['type'] = 'AmpOptimWrapper'
        cfg.setdefault('loss_scale', 'dynamic')
        return cfg, '--amp: GPU found, fp16 AmpOptimWrapper (dynamic loss scale)'
    cfg.pop('loss_scale', None)
    cfg.update(type='AutocastOptimWrapper', dtype='bfloat16', device_type='cpu')
    ok, why = cpu_bf16_support(cpuinfo)
    if ok:
        note = f'--amp: no GPU, bf16 AutocastOptimWrapper on the CPU ({why})'
    elif ok is None:
        note = (f'--amp: no GPU, bf16 AutocastOptimWrapper on the CPU; whether the CPU '
                f'has bf16 units is unknown ({why}): without them bf16 is emulated '
                'and usually slower than fp32')
    else:
        note = (f'--amp: no GPU, bf16 AutocastOptimWrapper on the CPU, but this CPU has '
                f'no bf16 units ({why}): bf16 is emulated and usually slower than '
                'fp32; drop --amp for speed')
    return cfg, note
