"""Default-scope setup, as MMPose's ``register_all_modules``."""
import datetime
import warnings

from mmengine import DefaultScope

_PACKAGES = ('codecs', 'datasets', 'engine', 'evaluation', 'models', 'post_processing', 'tracking',
             'visualization')


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every mmalphapose module that registers something and set up
    the process for running mmalphapose models, as an MMPose user expects.

    Besides the imports, it calls
    :func:`mmalphapose.utils.enable_safe_checkpoint_loading` (so a Runner
    built afterwards saves and loads checkpoints with ``weights_only=True``)
    and :func:`mmalphapose.utils.check_versions` (warnings only). Both are
    idempotent; ``mmalphapose.apis.init_model`` calls this function.

    Args:
        init_default_scope: also make ``mmalphapose`` the current default scope
            (a new uniquely named scope instance is created when another scope
            is current, as mmengine recommends).
    """
    import importlib

    from .checkpoint import enable_safe_checkpoint_loading
    from .version_check import check_versions
    for pkg in _PACKAGES:
        importlib.import_module(f'mmalphapose.{pkg}')
    enable_safe_checkpoint_loading()
    check_versions()
    if not init_default_scope:
        return
    never_created = (
        DefaultScope.get_current_instance() is None
        or not DefaultScope.check_instance_created('mmalphapose'))
    if never_created:
        DefaultScope.get_instance('mmalphapose', scope_name='mmalphapose')
        return
    current = DefaultScope.get_current_instance()
    if current.scope_name != 'mmalphapose':
        warnings.warn('The current default scope '
                      f'"{current.scope_name}" is not "mmalphapose"; '
                      '`register_all_modules` will force it to be.')
        stamp = datetime.datetime.now().strftime('%Y%m%d-%H%M%S%f')
        DefaultScope.get_instance(f'mmalphapose-{stamp}', scope_name='mmalphapose')
