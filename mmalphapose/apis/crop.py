"""Vectorised top-down cropping (AlphaPose facts §1.3).

Every person box of every frame in a batch is turned into a crop of the model
input size by ONE ``torch.nn.functional.grid_sample`` call: the frames are
stacked as the depth axis of a 5-D volume and each crop samples the slice of
its own frame, so there is no Python loop over people.

Box -> crop: center = box center; the box (w, h) is padded to the input aspect
ratio, multiplied by ``padding`` (1.25); the crop is an isotropic scaling that
maps the center to (W/2, H/2) and the padded width onto W pixels, sampled
bilinearly with a black border (as ``cv2.warpAffine`` with INTER_LINEAR).
"""
from typing import List, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from mmalphapose.structures import bbox_xyxy2cs, fix_aspect_ratio


def boxes_to_center_scale(bboxes: np.ndarray, input_size: Tuple[int, int],
                          padding: float = 1.25) -> Tuple[np.ndarray, np.ndarray]:
    """xyxy boxes (N,4) -> (center (N,2), scale (N,2)) padded to the aspect of
    ``input_size`` = (w, h) and multiplied by ``padding``."""
    bboxes = np.asarray(bboxes, dtype=np.float32).reshape(-1, 4)
    center, scale = bbox_xyxy2cs(bboxes, padding=1.0)
    center = np.asarray(center, dtype=np.float32).reshape(-1, 2)
    scale = np.asarray(scale, dtype=np.float32).reshape(-1, 2)
    # degenerate boxes still give a valid (1 px) crop instead of a division by 0
    scale = np.maximum(scale, 1.0)
    scale = fix_aspect_ratio(scale, input_size[0] / input_size[1]).reshape(-1, 2)
    return center, scale * padding


def crop_affine_matrices(center: np.ndarray, scale: np.ndarray,
                         input_size: Tuple[int, int],
                         inverse: bool = False) -> np.ndarray:
    """Affine matrices (N,2,3) image -> crop (or crop -> image if ``inverse``).

    All matrices are built at once; they equal AlphaPose's 3-point
    ``get_affine_transform`` at rotation 0.
    """
    center = np.asarray(center, dtype=np.float64).reshape(-1, 2)
    scale = np.asarray(scale, dtype=np.float64).reshape(-1, 2)
    w_out, h_out = input_size
    s = scale[:, 0] / w_out  # image pixels per crop pixel (isotropic)
    n = center.shape[0]
    mat = np.zeros((n, 2, 3), dtype=np.float64)
    if inverse:
        mat[:, 0, 0] = s
        mat[:, 1, 1] = s
        mat[:, 0, 2] = center[:, 0] - s * w_out / 2
        mat[:, 1, 2] = center[:, 1] - s * h_out / 2
    else:
        mat[:, 0, 0] = 1 / s
        mat[:, 1, 1] = 1 / s
        mat[:, 0, 2] = w_out / 2 - center[:, 0] / s
        mat[:, 1, 2] = h_out / 2 - center[:, 1] / s
    return mat.astype(np.float32)


def stack_frames(frames: Sequence[np.ndarray]) -> torch.Tensor:
    """Stack BGR uint8 frames of any sizes into a zero-padded (1,3,F,H,W)
    float volume (padding is black, like the border of the crop)."""
    h = max(f.shape[0] for f in frames)
    w = max(f.shape[1] for f in frames)
    vol = np.zeros((len(frames), h, w, 3), dtype=np.uint8)
    for i, f in enumerate(frames):
        if f.ndim == 2:
            f = f[..., None]
        vol[i, :f.shape[0], :f.shape[1]] = f[..., :3]
    return torch.from_numpy(vol).permute(3, 0, 1, 2).unsqueeze(0).float()


def crop_people(frames: Sequence[np.ndarray], frame_ids: np.ndarray,
                center: np.ndarray, scale: np.ndarray,
                input_size: Tuple[int, int]) -> torch.Tensor:
    """Crop N people from F frames in one vectorised step.

    Args:
        frames: F BGR uint8 images.
        frame_ids: (N,) index into ``frames`` for each person.
        center, scale: (N,2) crop centers and (aspect-fixed, padded) sizes.
        input_size: (w, h) of the crops.

    Returns:
        float tensor (N,3,h,w), BGR, values in [0, 255].
    """
    w_out, h_out = input_size
    n = len(frame_ids)
    if n == 0:
        return torch.zeros((0, 3, h_out, w_out))
    vol = stack_frames(frames)
    _, _, n_frames, h_img, w_img = vol.shape
    inv = torch.from_numpy(crop_affine_matrices(center, scale, input_size,
                                                inverse=True))  # (N,2,3)
    u = torch.arange(w_out, dtype=torch.float32)
    v = torch.arange(h_out, dtype=torch.float32)
    # source pixel coords of every crop pixel: x = a*u + c, y = a*v + c'
    x = inv[:, 0, 0, None] * u[None] + inv[:, 0, 2, None]  # (N,w)
    y = inv[:, 1, 1, None] * v[None] + inv[:, 1, 2, None]  # (N,h)
    # pixel -> normalised coords (align_corners=False convention)
    gx = (2 * x + 1) / w_img - 1
    gy = (2 * y + 1) / h_img - 1
    fid = torch.as_tensor(np.asarray(frame_ids), dtype=torch.float32)
    gz = (2 * fid + 1) / n_frames - 1
    grid = torch.stack(torch.broadcast_tensors(
        gx[:, None, :], gy[:, :, None], gz[:, None, None]), dim=-1)  # (N,h,w,3)
    out = F.grid_sample(vol, grid.unsqueeze(0), mode='bilinear',
                        padding_mode='zeros', align_corners=False)
    return out[0].permute(1, 0, 2, 3).contiguous()  # (N,3,h,w)


def group_by_frame(frame_ids: np.ndarray, n_frames: int) -> List[np.ndarray]:
    """Indices of people per frame, in order."""
    frame_ids = np.asarray(frame_ids, dtype=np.int64)
    order = np.argsort(frame_ids, kind='stable')
    counts = np.bincount(frame_ids, minlength=n_frames)
    return np.split(order, np.cumsum(counts)[:-1])
