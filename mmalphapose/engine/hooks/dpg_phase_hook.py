"""AlphaPose's DPG phase: switch the training pipeline at an epoch."""
from typing import Any, List, Optional

from mmengine.hooks import Hook

from mmalphapose.registry import HOOKS, TRANSFORMS


def _leaf_datasets(dataset: Any) -> List[Any]:
    """The datasets that own a pipeline, through Concat/Repeat-style
    wrappers (``datasets`` / ``dataset`` attributes)."""
    if hasattr(dataset, 'datasets'):
        return [d for sub in dataset.datasets for d in _leaf_datasets(sub)]
    if hasattr(dataset, 'dataset') and not hasattr(dataset, 'pipeline'):
        return _leaf_datasets(dataset.dataset)
    return [dataset]


@HOOKS.register_module()
class DPGPhaseHook(Hook):
    """Insert a box-proposal transform into the training pipeline from
    ``switch_epoch`` on, as AlphaPose's DPG phase does.

    AlphaPose (``scripts/train.py:307-316``, at c60106d) rebuilds the
    training set with ``dpg=True`` at the end of epoch ``DPG_MILESTONE``,
    so every sample of the following epochs gets ``addDPG`` box jitter
    before its centre/scale (``simple_transform.py:197-198``). Here the
    transform (default :class:`PartGuidedProposal` without a fitted file:
    the ``addDPG`` jitter on every instance) is inserted before the first
    ``insert_before`` transform of every leaf dataset's pipeline when
    ``runner.epoch`` (0-based, the epoch about to run) reaches
    ``switch_epoch``: ``DPG_MILESTONE + 1 - BEGIN_EPOCH``. A resumed run
    past that epoch switches at its first epoch. Like MMDet's
    ``PipelineSwitchHook``, a dataloader with persistent workers is
    restarted so that its workers see the new pipeline.

    Args:
        switch_epoch: first 0-based epoch of the DPG phase.
        transform: config of the transform to insert.
        insert_before: class name of the transform it goes in front of.
    """
    priority = 'NORMAL'

    def __init__(self,
                 switch_epoch: int,
                 transform: Optional[dict] = None,
                 insert_before: str = 'GetBBoxCenterScale') -> None:
        if switch_epoch < 0:
            raise ValueError(f'DPGPhaseHook: switch_epoch must be >= 0, got {switch_epoch}')
        self.switch_epoch = int(switch_epoch)
        self.transform_cfg = dict(transform or dict(type='PartGuidedProposal'))
        self.insert_before = insert_before
        self._switched = False
        self._restarted = False

    def _switch(self, dataset: Any) -> None:
        for ds in _leaf_datasets(dataset):
            transforms = ds.pipeline.transforms
            names = [type(t).__name__ for t in transforms]
            if self.insert_before not in names:
                raise ValueError(f'DPGPhaseHook: the training pipeline of '
                                 f'{type(ds).__name__} has no {self.insert_before} '
                                 f'(transforms: {names})')
            transforms.insert(names.index(self.insert_before), TRANSFORMS.build(self.transform_cfg))

    def before_train_epoch(self, runner) -> None:
        loader = runner.train_dataloader
        if self._restarted:  # the workers were rebuilt last epoch
            loader._DataLoader__initialized = True
            self._restarted = False
        if self._switched or runner.epoch < self.switch_epoch:
            return
        self._switch(loader.dataset)
        self._switched = True
        runner.logger.info(f'DPGPhaseHook: epoch {runner.epoch}: {self.transform_cfg["type"]} '
                           f'inserted before {self.insert_before} (AlphaPose DPG phase)')
        if getattr(loader, 'persistent_workers', False):
            # persistent workers hold a copy of the old pipeline: restart them
            # (as mmdet's PipelineSwitchHook)
            loader._DataLoader__initialized = False
            loader._iterator = None
            self._restarted = True
