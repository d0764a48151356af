"""Find and safely read a user-supplied SMPL model file (.pkl or .npz).

The SMPL files are licensed (https://smpl.is.tue.mpg.de) and not bundled.
Where the file is looked for, in order: the ``model_path`` argument, the
``MMALPHAPOSE_SMPL_MODEL`` environment variable, then
``checkpoints/smpl/SMPL_NEUTRAL.pkl`` / ``.npz`` among the package resources.
A folder may be given instead of a file: ``SMPL_NEUTRAL.{pkl,npz}`` or
``basicModel_neutral_lbs_10_207_0_v1.0.0.pkl`` inside it is used.

Pickles are read with a restricted unpickler: only numpy arrays / dtypes /
scalars, ``scipy.sparse`` matrices and plain containers may be built; any
other class is refused. ``chumpy`` objects (the official pkl stores some
arrays as chumpy ``Ch``) are read as inert placeholders whose stored ``x``
array is used, without importing chumpy.
"""
import os
import os.path as osp
import pickle
from typing import Any, Dict, List, Optional

import numpy as np

ENV_VAR = 'MMALPHAPOSE_SMPL_MODEL'
DEFAULT_NAMES = ('SMPL_NEUTRAL.pkl', 'SMPL_NEUTRAL.npz',
                 'basicModel_neutral_lbs_10_207_0_v1.0.0.pkl')
DEFAULT_DIR = 'checkpoints/smpl'
REQUIRED_KEYS = ('v_template', 'shapedirs', 'posedirs', 'J_regressor', 'weights', 'kintree_table',
                 'f')


def smpl_model_candidates(model_path: Optional[str] = None) -> List[str]:
    """Every file :func:`resolve_smpl_model_path` tries, in order."""
    if model_path is None:
        model_path = os.environ.get(ENV_VAR) or None
    if model_path is not None:
        path = osp.expanduser(str(model_path))
        if osp.isdir(path):
            return [osp.join(path, n) for n in DEFAULT_NAMES]
        return [path]
    from mmalphapose.utils.resources import resource_root
    try:
        root = str(resource_root())
    except FileNotFoundError:
        root = os.getcwd()
    return [osp.join(root, DEFAULT_DIR, n) for n in DEFAULT_NAMES]


def resolve_smpl_model_path(model_path: Optional[str] = None) -> str:
    """Path of the SMPL model file.

    Raises:
        FileNotFoundError: one line saying where to put the file.
    """
    cands = smpl_model_candidates(model_path)
    for cand in cands:
        if osp.isfile(cand):
            return osp.abspath(cand)
    raise FileNotFoundError(
        f'SMPL model file not found (tried: {", ".join(cands)}); the SMPL model is '
        'licensed and not bundled: download the neutral model from '
        'https://smpl.is.tue.mpg.de and pass smpl_model_path=FILE, set '
        f'{ENV_VAR}=FILE, or copy it to {DEFAULT_DIR}/SMPL_NEUTRAL.pkl (see docs/smpl.md)')


class _Refused(pickle.UnpicklingError):
    """A class outside the allow-list was met."""


class _ChumpyPlaceholder:
    """Stands in for a chumpy object: keeps its pickled state, runs nothing."""

    state: Any = None

    def __init__(self, *args, **kwargs) -> None:
        self.state: Any = None

    def __setstate__(self, state: Any) -> None:
        self.state = state


class _SafeUnpickler(pickle.Unpickler):
    """Builds numpy / scipy.sparse objects and chumpy placeholders only."""

    _NUMPY = {
        ('numpy', 'ndarray'),
        ('numpy', 'dtype'),
        ('numpy.core.multiarray', '_reconstruct'),
        ('numpy.core.multiarray', 'scalar'),
        ('numpy._core.multiarray', '_reconstruct'),
        ('numpy._core.multiarray', 'scalar'),
        ('copyreg', '_reconstructor'),
        ('builtins', 'object'),
        # Python 2 pickles (the official SMPL files)
        ('copy_reg', '_reconstructor'),
        ('__builtin__', 'object'),
        # bytes written by Python 3 with protocol 2
        ('_codecs', 'encode')
    }
    _SPARSE = ('csc_matrix', 'csr_matrix', 'coo_matrix')

    def __init__(self, file, path: str) -> None:
        super().__init__(file, encoding='latin1')
        self.path = path

    def find_class(self, module: str, name: str):
        if (module, name) in self._NUMPY:
            return super().find_class(module, name)
        if module.startswith('numpy') and name.endswith('DType'):
            return super().find_class(module, name)
        if module.startswith('scipy.sparse') and name in self._SPARSE:
            import scipy.sparse
            return getattr(scipy.sparse, name)
        if module == 'chumpy' or module.startswith('chumpy.'):
            return _ChumpyPlaceholder
        raise _Refused(f'SMPL model file "{self.path}": refusing to load {module}.{name} '
                       '(only numpy arrays, scipy.sparse matrices and chumpy arrays are read)')


def _from_chumpy(value: Any, path: str, key: str) -> Any:
    if not isinstance(value, _ChumpyPlaceholder):
        return value
    state = value.state
    if isinstance(state, dict) and isinstance(state.get('x'), np.ndarray):
        return state['x']
    raise ValueError(f'SMPL model file "{path}": field "{key}" is a chumpy expression '
                     'without a stored array; convert the file to .npz (docs/smpl.md)')


def load_smpl_model_file(path: str) -> Dict[str, np.ndarray]:
    """Read the official SMPL fields into plain numpy arrays.

    Returns:
        dict with ``v_template`` (V,3), ``shapedirs`` (V,3,S),
        ``posedirs`` (V,3,P), ``J_regressor`` (J,V) dense, ``weights`` (V,J),
        ``kintree_table`` (2,J) and ``f`` (F,3) int64.

    Raises:
        FileNotFoundError / ValueError naming the file and the field.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'SMPL model file "{path}" does not exist')
    if path.endswith('.npz'):
        try:
            with np.load(path, allow_pickle=False) as data:
                raw = {k: data[k] for k in data.files}
        except ValueError as exc:
            raise ValueError(f'SMPL model file "{path}" holds pickled objects; save '
                             f'plain arrays only ({exc})') from exc
    else:
        with open(path, 'rb') as f:
            try:
                raw = _SafeUnpickler(f, path).load()
            except _Refused as exc:
                raise ValueError(str(exc)) from None
            except (pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
                raise ValueError(f'SMPL model file "{path}" could not be read: {exc}') from exc
        if not isinstance(raw, dict):
            raise ValueError(f'SMPL model file "{path}" does not hold a dict of fields')
    out: Dict[str, np.ndarray] = {}
    for key in REQUIRED_KEYS:
        if key not in raw:
            raise ValueError(f'SMPL model file "{path}" has no field "{key}" '
                             f'(needs {", ".join(REQUIRED_KEYS)})')
        val = _from_chumpy(raw[key], path, key)
        if hasattr(val, 'toarray'):  # scipy.sparse
            val = val.toarray()
        out[key] = np.asarray(val)
    return _validate(out, path)


def _validate(d: Dict[str, np.ndarray], path: str) -> Dict[str, np.ndarray]:

    def bad(key: str, want: str) -> ValueError:
        return ValueError(f'SMPL model file "{path}": field "{key}" has shape '
                          f'{d[key].shape}, expected {want}')

    v = d['v_template'].shape[0]
    j = d['J_regressor'].shape[0]
    if d['v_template'].shape != (v, 3):
        raise bad('v_template', '(V, 3)')
    if d['shapedirs'].ndim != 3 or d['shapedirs'].shape[:2] != (v, 3):
        raise bad('shapedirs', f'({v}, 3, S)')
    if d['posedirs'].shape != (v, 3, 9 * (j - 1)):
        raise bad('posedirs', f'({v}, 3, {9 * (j - 1)})')
    if d['J_regressor'].shape != (j, v):
        raise bad('J_regressor', f'(J, {v})')
    if d['weights'].shape != (v, j):
        raise bad('weights', f'({v}, {j})')
    if d['kintree_table'].shape != (2, j):
        raise bad('kintree_table', f'(2, {j})')
    if d['f'].ndim != 2 or d['f'].shape[1] != 3:
        raise bad('f', '(F, 3)')
    for key in ('v_template', 'shapedirs', 'posedirs', 'J_regressor', 'weights'):
        d[key] = d[key].astype(np.float64)
    d['f'] = d['f'].astype(np.int64)
    d['kintree_table'] = d['kintree_table'].astype(np.int64)
    return d
