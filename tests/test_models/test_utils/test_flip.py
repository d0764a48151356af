import pytest
import torch

from mmalphapose.models.utils import flip_heatmaps_back, get_flip_indices


def test_flip_heatmaps_back_swaps_mirrors_and_shifts():
    maps = torch.arange(2 * 3 * 1 * 4, dtype=torch.float32).reshape(2, 3, 1, 4)
    flip = [0, 2, 1]
    plain = flip_heatmaps_back(maps, flip, shift=False)
    torch.testing.assert_close(plain, maps[:, flip].flip(-1))
    shifted = flip_heatmaps_back(maps, flip, shift=True)
    torch.testing.assert_close(shifted[..., 1:], plain[..., :-1])
    torch.testing.assert_close(shifted[..., 0], plain[..., 0])  # column 0 keeps its value
    # the first channels (MoveNet's maps) only mirrored, the rest shifted
    mixed = flip_heatmaps_back(maps, flip, shift=True, unshifted=2)
    torch.testing.assert_close(mixed[:, :2], plain[:, :2])
    torch.testing.assert_close(mixed[:, 2:], shifted[:, 2:])
    torch.testing.assert_close(flip_heatmaps_back(maps, flip, True, unshifted=3), plain)
    assert torch.equal(maps, torch.arange(24, dtype=torch.float32).reshape(2, 3, 1, 4))


def test_flip_indices_must_match_the_keypoints():
    from mmalphapose.structures import PoseDataSample
    sample = PoseDataSample(metainfo=dict(flip_indices=[0, 2, 1]))
    assert get_flip_indices([sample], 3) == [0, 2, 1]
    with pytest.raises(ValueError, match='3 entries but the head predicts 5'):
        get_flip_indices([sample], 5)
    with pytest.raises(KeyError, match='flip_indices'):
        get_flip_indices([PoseDataSample()], 3)
