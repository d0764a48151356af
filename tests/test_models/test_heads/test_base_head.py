"""BaseHead: the abstract head interface (forward / loss / predict) every
registered head implements; no mutable ``{}`` defaults in head signatures."""
import inspect

import pytest

import mmalphapose.models  # noqa: F401  (registers the heads)
from mmalphapose.models.heads import (BaseHead, BaseTopdownHead, CombinedHead, FastPoseHeatmapHead,
                                      HybrIKHead, IdentityEmbeddingHead, PartPathHeatmapHead,
                                      SIKRHead)

HEADS = [
    FastPoseHeatmapHead, PartPathHeatmapHead, SIKRHead, CombinedHead, HybrIKHead,
    IdentityEmbeddingHead
]


def test_forward_loss_predict_are_abstract():
    assert BaseHead.__abstractmethods__ == {'forward', 'loss', 'predict'}
    with pytest.raises(TypeError, match='abstract'):
        BaseHead()
    # the shared top-down part leaves only the loss to its subclasses
    assert BaseTopdownHead.__abstractmethods__ == {'loss'}


@pytest.mark.parametrize('cls', HEADS, ids=lambda c: c.__name__)
def test_every_head_derives_from_the_interface(cls):
    assert issubclass(cls, BaseHead)
    assert not inspect.isabstract(cls)


@pytest.mark.parametrize('cls', HEADS, ids=lambda c: c.__name__)
def test_no_mutable_empty_dict_defaults(cls):
    for name in ('__init__', 'forward', 'loss', 'predict', 'decode_outputs'):
        fn = getattr(cls, name, None)
        if fn is None:
            continue
        for p in inspect.signature(fn).parameters.values():
            assert not (isinstance(p.default, dict) and not p.default), \
                f'{cls.__name__}.{name}({p.name}={{}})'
