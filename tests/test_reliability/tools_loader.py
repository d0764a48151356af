"""Load a ``tools/<name>.py`` script as a module (the tools are no package)."""
import importlib.util
import os.path as osp
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_tool(name: str):
    """The module of ``tools/<name>.py`` (loaded once)."""
    key = f'_reliability_tool_{name}'
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, osp.join(REPO, 'tools', f'{name}.py'))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        sys.modules[key] = mod
    return sys.modules[key]
