"""Data transforms (registered in TRANSFORMS)."""
from .common_transforms import (GenerateTarget, GetBBoxCenterScale, RandomBBoxTransform, RandomFlip,
                                RandomHalfBody, flip_keypoints)
from .formatting import PackPoseInputs, image_to_tensor
from .loading import LoadImage
from .pgpg import PartGuidedProposal
from .photometric import RandomCrowdPaste, RandomOcclusion, RandomPhotometric
from .smpl_transforms import GenerateSMPLTarget, PackSMPLInputs
from .topdown_transforms import (TopdownAffine, TopdownCrop, apply_affine, get_warp_matrix,
                                 warp_crops)

__all__ = [
    'LoadImage', 'GetBBoxCenterScale', 'RandomFlip', 'RandomHalfBody', 'RandomBBoxTransform',
    'TopdownAffine', 'GenerateTarget', 'PackPoseInputs', 'flip_keypoints', 'get_warp_matrix',
    'apply_affine', 'image_to_tensor', 'PartGuidedProposal', 'RandomPhotometric', 'RandomOcclusion',
    'RandomCrowdPaste', 'GenerateSMPLTarget', 'PackSMPLInputs', 'TopdownCrop', 'warp_crops'
]
