"""The parity profile (``make test-parity``): our code side by side with the
references' own code, imported at run time from snapshots a developer fetched
(never copied into this repository). docs/parity.md says how to fetch them.

* ``MMALPHAPOSE_ALPHAPOSE_SRC``: a checkout of MVIG-SJTU/AlphaPose (the folder
  holding ``alphapose/``), measured at c60106d;
* ``MMALPHAPOSE_HYBRIK_SRC``: Jeff-sjtu/HybrIK (the folder holding ``hybrik/``),
  measured at 9b8681d;
* ``MMALPHAPOSE_POSEVAL_SRC``: leonid-pishchulin/poseval (the folder holding
  ``poseval/``), measured at 4258a15; needs ``motmetrics``.

A test whose snapshot is absent is skipped with the variable to set. The files
are named ``parity_*.py`` so the default ``pytest tests`` run never collects
them; ``make test-parity`` runs them with ``-o python_files='parity_*.py'``.

Only the pure-Python modules a test needs are imported, by path, as members
of stand-in packages whose ``__init__`` files are not run (they import
compiled extensions, torchvision, training code); the few missing optional
imports (``easydict``, the model registry, ``torchvision.models``) are stubbed
inside the fixture and removed again afterwards.
"""
import importlib
import os
import os.path as osp
import sys
import types
from typing import Dict, Iterable, Tuple

import numpy as np
import pytest

SNAPSHOTS = {
    'alphapose': ('MMALPHAPOSE_ALPHAPOSE_SRC', 'alphapose', 'MVIG-SJTU/AlphaPose'),
    'hybrik': ('MMALPHAPOSE_HYBRIK_SRC', 'hybrik', 'Jeff-sjtu/HybrIK'),
    'poseval': ('MMALPHAPOSE_POSEVAL_SRC', 'poseval', 'leonid-pishchulin/poseval'),
}


def snapshot_root(name: str) -> str:
    """The snapshot folder of ``name`` from its environment variable, or a
    skip naming the variable and the repository to fetch."""
    var, package, repo = SNAPSHOTS[name]
    root = os.environ.get(var)
    if not root:
        pytest.skip(f'{var} is not set: fetch github:{repo} and point {var} at the folder '
                    f'holding {package}/ (docs/parity.md)')
    if not osp.isdir(osp.join(root, package)):
        pytest.skip(f'{var}={root} has no {package}/ folder (expected a {repo} checkout)')
    return root


class _Registry:
    """Stand-in for the references' mmcv-style registries."""

    def __init__(self):
        self.modules: Dict[str, type] = {}

    def register_module(self, cls=None, **kwargs):
        if cls is None:
            return self.register_module
        self.modules[cls.__name__] = cls
        return cls


class _EasyDict(dict):
    """Stand-in for ``easydict.EasyDict``: attribute access to a dict, nested
    dicts (also inside lists) converted as EasyDict does."""

    def __init__(self, d=None, **kwargs):
        super().__init__()
        for key, val in dict(d or {}, **kwargs).items():
            self[key] = self._wrap(val)

    @classmethod
    def _wrap(cls, val):
        if isinstance(val, dict) and not isinstance(val, cls):
            return cls(val)
        if isinstance(val, (list, tuple)):
            return type(val)(cls._wrap(v) for v in val)
        return val

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError as exc:
            raise AttributeError(name) from exc

    def __setattr__(self, name, val):
        self[name] = self._wrap(val)


class _NoPretrained:
    """``torchvision.models.resnetXX(pretrained=True)`` without a download:
    the references copy its weights only where names and shapes match."""

    def state_dict(self):
        return {}


@pytest.fixture
def reference_modules():
    """A function ``load(root, packages, stubs)`` that registers stand-in
    packages (``dotted name -> folder`` without running their ``__init__``)
    and stub modules, imports nothing itself, and undoes all of it after the
    test."""
    saved: Dict[str, object] = {}

    def put(name: str, module) -> None:
        if name not in saved:
            saved[name] = sys.modules.get(name)
        sys.modules[name] = module

    def load(root: str, packages: Iterable[Tuple[str, str]], stubs: Dict[str, object] = {}):
        for name, folder in packages:
            pkg = types.ModuleType(name)
            pkg.__path__ = [osp.join(root, folder)]
            put(name, pkg)
        for name, module in stubs.items():
            put(name, module)
        importlib.invalidate_caches()
        return importlib.import_module

    yield load
    for name in list(sys.modules):
        top = name.split('.')[0]
        if top in ('hybrik', 'alphapose', 'poseval') and name not in saved:
            del sys.modules[name]
    for name, module in saved.items():
        if module is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = module


def stub_module(name: str, **attrs) -> types.ModuleType:
    mod = types.ModuleType(name)
    for key, val in attrs.items():
        setattr(mod, key, val)
    return mod


def optional_stubs(builder: str) -> Dict[str, object]:
    """easydict (when not installed), the model registry module ``builder``
    and torchvision.models (ImageNet weights are never downloaded here)."""
    stubs: Dict[str, object] = {
        builder: stub_module(builder, SPPE=_Registry(), LOSS=_Registry()),
    }
    try:
        import easydict  # noqa: F401
    except ImportError:
        stubs['easydict'] = stub_module('easydict', EasyDict=_EasyDict)
    no_pre = {f'resnet{n}': (lambda *a, **k: _NoPretrained()) for n in (18, 34, 50, 101, 152)}
    tv = stub_module('torchvision', __path__=[])
    tv.models = stub_module('torchvision.models', **no_pre)
    stubs['torchvision'] = tv
    stubs['torchvision.models'] = tv.models
    return stubs


def smpl_6890(path: str, seed: int = 0) -> Tuple[str, np.ndarray]:
    """A synthetic SMPL model with the official 6890 vertices, whose
    vertices 411, 2445, 5905, 3216, 6617 are its 5 leaf points (the ids
    HybrIK and AlphaPose hard-code), written as a plain-dict ``.pkl``; also a
    (17, 6890) Human3.6M regressor. Returns the path and the regressor."""
    import pickle

    from test_models.test_smpl.synthetic_smpl import make_synthetic_smpl
    fields, leaf = make_synthetic_smpl(seed)
    rng = np.random.default_rng(seed)
    n_v = fields['v_template'].shape[0]
    body = [i for i in range(n_v) if i not in leaf]
    order = list(rng.choice(body, 6890 - 5))  # every vertex a copy of a body vertex
    order[:len(body)] = body
    slots = [411, 2445, 5905, 3216, 6617]
    for s, lv in sorted(zip(slots, leaf)):  # ascending: earlier inserts shift later ones
        order.insert(s, lv)
    order = np.asarray(order[:6890])
    out = {k: v for k, v in fields.items()}
    for key in ('v_template', 'shapedirs', 'posedirs', 'weights'):
        out[key] = np.asarray(fields[key])[order].copy()
    out['v_template'] = out['v_template'] + rng.normal(scale=1e-3, size=(6890, 3))
    out['v_template'][slots] = np.asarray(fields['v_template'])[list(leaf)]
    jreg = np.zeros((24, 6890))
    for new, old in enumerate(order):
        jreg[:, new] += np.asarray(fields['J_regressor'])[:, old]
    jreg /= jreg.sum(1, keepdims=True)
    out['J_regressor'] = jreg
    out['f'] = np.stack([np.arange(6888), np.arange(1, 6889), np.arange(2, 6890)], 1)
    with open(path, 'wb') as f:
        pickle.dump(out, f, protocol=2)
    h36m = rng.uniform(size=(17, 6890))
    return path, h36m / h36m.sum(1, keepdims=True)
