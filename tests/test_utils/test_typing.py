"""The typing aliases (MMPose's names) resolve to the types they stand for."""
import typing

from mmengine.config import ConfigDict
from mmengine.structures import InstanceData
from torch import Tensor

from mmalphapose.structures import PoseDataSample
from mmalphapose.utils import typing as t


def test_aliases_name_the_mmpose_types():
    assert set(typing.get_args(t.ConfigType)) == {ConfigDict, dict}
    assert type(None) in typing.get_args(t.OptConfigType)
    assert typing.get_args(t.SampleList) == (PoseDataSample, )
    assert typing.get_args(t.InstanceList) == (InstanceData, )
    assert Tensor in typing.get_args(t.Features)
    assert set(t.__all__) >= {
        'ConfigType', 'OptConfigType', 'SampleList', 'OptSampleList', 'InstanceList', 'Features',
        'ForwardResults'
    }
