"""Opt-in module: importing it installs the safe checkpoint loader.

Its one purpose is that side effect, so that a config can ask for it, which a
config cannot do with a function call. In an MMPose (or any mmengine) config::

    custom_imports = dict(imports=['mmalphapose.safe_checkpoint_loading'],
                          allow_failed_imports=False)

``Config.fromfile`` imports it before the Runner (or MMPose's ``init_model`` /
inferencers) is built, which calls
:func:`mmalphapose.utils.enable_safe_checkpoint_loading`: mmengine Runner
checkpoints (``load_from``, ``resume``, ``load_checkpoint``, MMPose's
``init_model``) then load with ``torch.load(weights_only=True)`` on torch >= 2.6,
and the checkpoints the Runner saves hold no pickled functions. Without it,
torch refuses the numpy and ``HistoryBuffer`` objects of a Runner checkpoint
(``UnpicklingError``). Importing ``mmalphapose`` itself changes nothing; only
this module (or a call of the function) does.
"""
from mmalphapose.utils.checkpoint import enable_safe_checkpoint_loading

enable_safe_checkpoint_loading()

__all__: list = []
