"""Put the model in channels-last memory format before training."""
import torch
from mmengine.hooks import Hook

from mmalphapose.registry import HOOKS


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Convert the model's 4-D weights to ``torch.channels_last`` at the start
    of training (and testing). oneDNN (CPU) and cuDNN convolutions then run
    in NHWC, which is faster for most conv nets, above all with bf16/fp16.
    Outputs and checkpoints are unchanged (state dicts are layout-free)."""
    priority = 'VERY_HIGH'

    def _convert(self, runner) -> None:
        runner.model.to(memory_format=torch.channels_last)

    def before_train(self, runner) -> None:
        self._convert(runner)

    def before_test(self, runner) -> None:
        self._convert(runner)
