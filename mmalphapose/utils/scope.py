"""Building modules of other OpenMMLab scopes from inside ours."""
import copy
from typing import Any

from mmengine.registry import Registry


def build_cross_scope(registry: Registry, cfg: dict, **kwargs) -> Any:
    """Build ``cfg`` whose ``type`` may carry a scope prefix (``'mmdet.RTMDet'``).

    ``registry.get('mmdet.RTMDet')`` resolves the class from our scope, but the
    nested ``type`` names inside (``CSPNeXt``, ``DetDataPreprocessor``...) are
    unprefixed names of *that* scope. mmengine's answer is ``_scope_``: we add
    ``_scope_=<prefix>`` when the config does not set it, so the whole subtree is
    built in the scope its ``type`` names.
    """
    cfg = copy.deepcopy(dict(cfg))
    type_name = cfg.get('type')
    if isinstance(type_name, str) and '.' in type_name and '_scope_' not in cfg:
        cfg['_scope_'] = type_name.split('.', 1)[0]
    return registry.build(cfg, **kwargs)
