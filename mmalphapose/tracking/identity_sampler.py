"""Sampler giving augmentation-based positives for re-id training."""
from typing import Iterator

from mmengine.dataset import DefaultSampler

from mmalphapose.registry import DATA_SAMPLERS


@DATA_SAMPLERS.register_module()
class RepeatedInstanceSampler(DefaultSampler):
    """:class:`DefaultSampler` that yields every index ``repeats`` times in a
    row, so a batch holds differently augmented copies of the same person:
    positives for the triplet loss on image datasets where every instance is
    its own identity. Use a batch size divisible by ``repeats``.

    Args:
        repeats (int): Copies of each sample. 2.
        **kwargs: :class:`DefaultSampler` arguments (dataset, shuffle, seed,
            round_up).
    """

    def __init__(self, dataset, repeats: int = 2, **kwargs) -> None:
        super().__init__(dataset, **kwargs)
        if repeats < 1:
            raise ValueError(f'repeats must be >= 1, got {repeats}')
        self.repeats = repeats

    def __iter__(self) -> Iterator[int]:
        for idx in super().__iter__():
            for _ in range(self.repeats):
                yield idx

    def __len__(self) -> int:
        return super().__len__() * self.repeats
