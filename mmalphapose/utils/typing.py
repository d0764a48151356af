"""Type aliases of the heads, estimators and codecs (MMPose's
``mmpose/utils/typing.py``, the same names)."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData
from torch import Tensor

from mmalphapose.structures.pose_data_sample import PoseDataSample

# configs
ConfigType = Union[ConfigDict, dict]
OptConfigType = Optional[ConfigType]
MultiConfig = Union[ConfigType, List[ConfigType]]
OptMultiConfig = Optional[MultiConfig]

# data samples and predictions
SampleList = List[PoseDataSample]
OptSampleList = Optional[SampleList]
InstanceList = List[InstanceData]
OptInstanceList = Optional[InstanceList]

# network tensors: one feature map, or one per level (``in_index`` picks)
Features = Union[Tensor, Sequence[Tensor]]
#: a head's raw output: maps (N,K,H,W), a tuple of them, or named tensors
Outputs = Union[Tensor, Tuple[Tensor, ...], Dict[str, Tensor]]
#: what ``BaseModel.forward`` returns in its three modes (loss / predict / tensor)
ForwardResults = Union[Dict[str, Tensor], SampleList, Tuple[Tensor, ...], Tensor]
#: (keypoints (N,K,2), scores (N,K)) of a codec's ``decode``
KeypointsAndScores = Tuple[np.ndarray, np.ndarray]

__all__ = [
    'ConfigType', 'OptConfigType', 'MultiConfig', 'OptMultiConfig', 'SampleList', 'OptSampleList',
    'InstanceList', 'OptInstanceList', 'Features', 'Outputs', 'ForwardResults', 'KeypointsAndScores'
]
