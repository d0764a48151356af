"""BaseKeypointCodec: an abstract interface every registered codec implements."""
import inspect

import pytest

import mmalphapose.codecs  # noqa: F401  (registers the codecs)
from mmalphapose.codecs import BaseKeypointCodec
from mmalphapose.registry import KEYPOINT_CODECS


def test_every_registered_codec_derives_from_the_abstract_base():
    # the package's own codecs (other tests register small stand-ins of their own)
    codecs = {
        name: cls
        for name, cls in KEYPOINT_CODECS.module_dict.items()
        if cls.__module__.startswith('mmalphapose.')
    }
    assert {'MSRAHeatmap', 'SIKRLabel', 'CombinedLabel', 'HybrIKLabel'} <= set(codecs)
    for name, cls in codecs.items():
        assert issubclass(cls, BaseKeypointCodec), name
        assert not inspect.isabstract(cls), name


def test_encode_and_decode_are_abstract():
    assert BaseKeypointCodec.__abstractmethods__ == {'encode', 'decode'}
    with pytest.raises(TypeError, match='abstract'):
        BaseKeypointCodec((192, 256), (48, 64))

    class OnlyEncode(BaseKeypointCodec):

        def encode(self, keypoints, keypoints_visible=None):
            return {}

    with pytest.raises(TypeError, match='decode'):
        OnlyEncode((192, 256), (48, 64))
