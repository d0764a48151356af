"""One validator for the run options of the demo, ``tools/*.py`` and the API.

Every numeric option has one rule in :data:`OPTION_RULES` (its type and
range); :func:`check_options` applies the rules to a run's options for the
Python API (``ValueError`` naming the option; :func:`check_option` for one)
and :func:`arg_type` turns a rule into an ``argparse`` type
(``argument --pose-batch: ...``, exit code 2). :func:`check_device`,
:func:`keypoint_spec`, :class:`CfgOptionsAction` and
:func:`check_category_id` cover the options that are not plain numbers.
"""
import argparse
import math
from typing import Any, Dict, Mapping, NamedTuple, Optional

from .errors import InputError


class Rule(NamedTuple):
    """Type and closed range of one option (None: unbounded)."""
    kind: type
    low: Optional[float] = None
    high: Optional[float] = None
    what: str = ''


#: option name (API keyword) -> rule; the CLI flag is ``--`` + name with ``-``
OPTION_RULES: Dict[str, Rule] = {
    'pose_batch': Rule(int, 1, None, 'people per pose forward'),
    'det_batch': Rule(int, 1, None, 'frames per detector call'),
    'det_frequency': Rule(int, 1, None, 'run the detector every N frames'),
    'workers': Rule(int, 0, None, '0 = one thread, >0 = overlapped stages'),
    'stage_threads': Rule(int, 1, 4096, 'intra-op threads'),
    'queue_size': Rule(int, 1, None, 'frames per stage queue'),
    'det_cat_id': Rule(int, 0, None, 'person class id'),
    'bbox_thr': Rule(float, 0.0, 1.0, 'person box score'),
    'nms_thr': Rule(float, 0.0, 1.0, 'box NMS IoU'),
    'kpt_thr': Rule(float, 0.0, 1.0, 'keypoint score'),
    'dist_timeout': Rule(float, 0.0, None, 'seconds'),
}


def flag(name: str) -> str:
    """The command-line flag of an option: ``pose_batch`` -> ``--pose-batch``."""
    return '--' + name.replace('_', '-')


def check_options(options: Mapping[str, Any],
                  api: bool = True,
                  label: Optional[str] = None) -> Dict[str, Any]:
    """``options`` with every value that has a rule in :data:`OPTION_RULES`
    converted to its rule's type (None kept, other keys unchanged).

    Args:
        api: name an option as a keyword (``pose_batch``) rather than a
            flag (``--pose-batch``) in the error.
        label: the name to use in the error instead (``''`` for argparse,
            which names the flag itself).

    Raises:
        InputError: (``ValueError``) the option's name, its allowed range and
            the value given.
    """
    out = dict(options)
    for name, value in options.items():
        rule = OPTION_RULES.get(name)
        if rule is None or value is None:
            continue
        what = label if label is not None else name if api else flag(name)
        num = None
        if rule.kind is int:
            if isinstance(value, (int, float, str)) and not isinstance(value, bool):
                try:
                    num = int(value) if not isinstance(value, float) or value.is_integer() \
                        else None
                except (TypeError, ValueError):
                    pass
            if num is None:
                raise InputError(f'{what} must be an integer, got {value!r}')
        else:
            try:
                num = float(value)
            except (TypeError, ValueError):
                raise InputError(f'{what} must be a number, got {value!r}') from None
            if not math.isfinite(num):
                raise InputError(f'{what} must be a finite number, got {value!r}')
        low, high = rule.low, rule.high
        if low is not None and num < low or high is not None and num > high:
            rng = f'>= {low:g}' if high is None else f'<= {high:g}' if low is None else \
                f'in [{low:g}, {high:g}]'
            raise InputError(f'{what} must be {rng} ({rule.what}), got {value}')
        out[name] = num
    return out


def check_option(name: str, value: Any, api: bool = True) -> Any:
    """``value`` of option ``name`` converted to its type, None kept
    (:func:`check_options` of one option).

    Args:
        name: a key of :data:`OPTION_RULES`.
        api: name the option as a keyword (``pose_batch=``) rather than a flag.
    """
    if name not in OPTION_RULES:
        raise KeyError(f'no rule for the option "{name}"')
    return check_options({name: value}, api)[name]


def arg_type(name: str):
    """An ``argparse`` ``type=`` for option ``name`` (its rule's range)."""

    def parse(text: str):
        try:
            return check_options({name: text}, label='')[name]
        except InputError as exc:  # argparse adds "argument --flag: "
            raise argparse.ArgumentTypeError(str(exc).strip()) from None

    parse.__name__ = OPTION_RULES[name].kind.__name__  # argparse names it in errors
    return parse


def keypoint_spec(text: str) -> str:
    """``--keypoints``: a comma list with at least one part name."""
    parts = [t.strip() for t in str(text).split(',') if t.strip()]
    if not parts:
        raise argparse.ArgumentTypeError(f'no part given in "{text}" (e.g. body,feet,face,hands)')
    return ','.join(parts)


def check_device(device: Any) -> str:
    """A torch device string that this machine can use.

    Raises:
        InputError: not a device (``'banana'``), CUDA/MPS not available to
            this torch, or a GPU index that does not exist.
    """
    import torch
    text = str(device)
    try:
        dev = torch.device(text)
    except (RuntimeError, TypeError, ValueError):
        raise InputError(f'--device {text}: not a device (use cpu, cuda or cuda:N)') from None
    if dev.type == 'cuda':
        if not torch.cuda.is_available():
            why = 'this torch is built without CUDA' if torch.version.cuda is None else \
                'no GPU is visible'
            raise InputError(f'--device {text}: CUDA is not available ({why}); use --device cpu')
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise InputError(f'--device {text}: only {torch.cuda.device_count()} GPU(s) visible')
    elif dev.type == 'mps':
        mps = getattr(torch.backends, 'mps', None)
        if mps is None or not mps.is_available():
            raise InputError(f'--device {text}: MPS is not available on this machine')
    elif dev.type != 'cpu':
        raise InputError(f'--device {text}: only cpu, cuda[:N] and mps are supported')
    return text


def device_arg(text: str) -> str:
    """``argparse`` type of ``--device`` (``auto`` passes through)."""
    if text == 'auto':
        return text
    try:
        return check_device(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc).split(': ', 1)[-1]) from None


def check_out_dir(path: str, option: str = '--out-dir') -> str:
    """Create the output folder ``path`` (and its parents) up front.

    Raises:
        InputError: ``path`` (or a parent) is a file, or the folder cannot be
            created or written.
    """
    import os
    import os.path as osp
    if osp.exists(path) and not osp.isdir(path):
        raise InputError(f'{option} "{path}" is a file, not a folder')
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        raise InputError(f'{option} "{path}": cannot create the folder: '
                         f'{exc.strerror or exc}') from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise InputError(f'{option} "{path}": the folder is not writable')
    return path


class CfgOptionsAction(argparse.Action):
    """``--cfg-options KEY=VALUE ...`` (mmengine's ``DictAction``) with a
    message naming the bad item instead of ``not enough values to unpack``."""

    def __call__(self, parser, namespace, values, option_string=None):
        from mmengine.config import DictAction
        items = values if isinstance(values, list) else [values]
        for item in items:
            key = item.split('=', 1)[0]
            if '=' not in item or not key.strip():
                parser.error(f'{option_string}: "{item}" is not KEY=VALUE '
                             '(e.g. model.head.type=HeatmapHead)')
        try:
            DictAction(self.option_strings, self.dest)(parser, namespace, items, option_string)
        except (ValueError, TypeError, SyntaxError) as exc:
            parser.error(f'{option_string}: {exc}')


def _find_num_classes(node) -> Optional[int]:
    """The first ``num_classes`` in a (nested) config dict."""
    if isinstance(node, Mapping):
        if isinstance(node.get('num_classes'), int):
            return int(node['num_classes'])
        for value in node.values():
            found = _find_num_classes(value)
            if found is not None:
                return found
    elif isinstance(node, (list, tuple)):
        for value in node:
            found = _find_num_classes(value)
            if found is not None:
                return found
    return None


def check_category_id(model_cfg, cat_id: int, config: str) -> int:
    """``--det-cat-id`` against the detector config (``num_classes``, or the
    one class of a ``person_only`` detector).

    Raises:
        InputError: a negative id, or one the detector has no class for.
    """
    cat_id = check_option('det_cat_id', cat_id, api=False)
    if isinstance(model_cfg, Mapping) and model_cfg.get('person_only'):
        only = int(model_cfg.get('person_class', 0))
        if cat_id != only:
            raise InputError(f'--det-cat-id {cat_id}: the detector "{config}" reports only '
                             f'its person class {only}')
    num = _find_num_classes(model_cfg)
    if num is not None and cat_id >= num:
        raise InputError(f'--det-cat-id {cat_id}: the detector "{config}" has {num} class(es) '
                         f'(ids 0..{num - 1})')
    return cat_id


__all__ = [
    'OPTION_RULES', 'check_option', 'check_options', 'arg_type', 'keypoint_spec', 'check_device',
    'device_arg', 'CfgOptionsAction', 'check_category_id', 'flag', 'check_out_dir'
]
