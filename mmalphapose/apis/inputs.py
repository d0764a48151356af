"""Input resolution and frame reading for the inferencer.

An input is a path (image, video, folder, glob, text file listing inputs), a
webcam id (int or ``'webcam:N'``), an ndarray, or a list of those. It is
turned into a list of :class:`Source`; each source yields :class:`Frame`s and
gets its own outputs (``<stem>.json``, ``<stem>_vis.mp4`` ...).

Bad input never stops the run: an unreadable image, and a video or webcam
that cannot be opened, give a frame with ``img=None`` and ``error`` set
(skipped downstream with a warning and counted, see ``utils/errors.py``); a
video that breaks mid-way ends at the last decodable frame.
"""
import glob
import os
import os.path as osp
import re
from dataclasses import dataclass, field
from typing import Iterator, List, Optional, Sequence, Union

import cv2
import numpy as np
from mmengine.structures import InstanceData

IMG_EXTS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp', '.ppm', '.pgm')
VIDEO_EXTS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v', '.mpg', '.mpeg', '.wmv')
LIST_EXTS = ('.txt', '.lst', '.list')


@dataclass
class Frame:
    """One frame travelling through the pipeline, with what the stages add.

    The reader sets the first six fields; the detection stage sets
    ``bboxes``/``bbox_scores`` (or ``propagated`` when the boxes are to follow
    the previous poses); the pose stage sets ``instances``, the people of the
    frame after pose NMS and tracking, which go unchanged to the writers.
    """
    source: 'Source'
    index: int  # frame index inside its source
    name: str  # image file name, or "<index>.jpg" for videos
    img: Optional[np.ndarray]  # BGR uint8, None when unreadable
    path: Optional[str] = None
    error: Optional[str] = None
    bboxes: Optional[np.ndarray] = None  # (n,4) xyxy person boxes
    bbox_scores: Optional[np.ndarray] = None  # (n,)
    propagated: bool = False  # no detector run: boxes follow the poses
    instances: Optional[InstanceData] = None  # keypoints, scores, ids, ... (n people)


@dataclass
class Source:
    """One input: a set of images, a video or a webcam stream."""
    kind: str  # 'images' | 'video' | 'webcam' | 'arrays'
    stem: str  # output file stem
    items: list = field(default_factory=list)  # image paths / arrays
    path: Optional[str] = None  # video path
    cam_id: Optional[int] = None
    fps: float = 25.0
    size: Optional[tuple] = None  # (w, h) when known
    num_frames: Optional[int] = None
    error: Optional[str] = None  # set when the input cannot be opened

    @property
    def is_stream(self) -> bool:
        return self.kind in ('video', 'webcam')

    def frames(self, stop=None) -> Iterator[Frame]:
        """Yield the frames of this source (reading lazily)."""
        if self.kind == 'images':
            for i, p in enumerate(self.items):
                img = cv2.imread(p, cv2.IMREAD_COLOR)
                err = None if img is not None else f'cannot read image "{p}": {_why_unreadable(p)}'
                yield Frame(self, i, osp.basename(p), img, path=p, error=err)
                if stop is not None and stop.is_set():
                    return
        elif self.kind == 'arrays':
            for i, arr in enumerate(self.items):
                arr = np.asarray(arr)
                if arr.ndim == 2:
                    arr = cv2.cvtColor(arr, cv2.COLOR_GRAY2BGR)
                yield Frame(self, i, f'{i}.jpg', np.ascontiguousarray(arr[..., :3]))
        else:
            cap = None if self.error else cv2.VideoCapture(self.cam_id if self.kind ==
                                                           'webcam' else self.path)
            if cap is None or not cap.isOpened():
                what = self.path if self.kind == 'video' else f'webcam:{self.cam_id}'
                err = self.error or f'cannot open {self.kind} "{what}"'
                yield Frame(self, 0, '0.jpg', None, path=self.path, error=err)
                return
            i = 0
            try:
                while stop is None or not stop.is_set():
                    ok, img = cap.read()
                    if not ok or img is None:
                        break
                    yield Frame(self, i, f'{i}.jpg', img, path=self.path)
                    i += 1
            finally:
                cap.release()


def _why_unreadable(path: str) -> str:
    """Why OpenCV could not decode ``path``, in words."""
    if not osp.isfile(path):
        return 'no such file'
    if osp.getsize(path) == 0:
        return 'empty file'
    return 'not an image, or a truncated / corrupt one'


def _natural_key(s: str):
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r'(\d+)', s)]


def _probe_video(path: str) -> Source:
    """A video source with its fps, size and frame count; a file that cannot
    be opened gives a source with ``error`` set (one unreadable frame)."""
    stem = osp.splitext(osp.basename(path))[0]
    cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        cap.release()
        why = 'empty file' if osp.getsize(path) == 0 else \
            'not a video, or one cut before its index (moov atom)'
        return Source(
            'video', stem, path=path, num_frames=1, error=f'cannot open video "{path}": {why}')
    fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
    size = (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) or None
    cap.release()
    return Source('video', stem, path=path, fps=fps if fps > 0 else 25.0, size=size, num_frames=n)


def _images_source(paths: List[str], stem: str) -> Source:
    return Source('images', stem, items=paths, num_frames=len(paths))


def _webcam_id(inp) -> Optional[int]:
    if isinstance(inp, (int, np.integer)) and not isinstance(inp, bool):
        return int(inp)
    if isinstance(inp, str):
        m = re.fullmatch(r'webcam:?(\d*)', inp.strip())
        if m:
            return int(m.group(1) or 0)
        if inp.strip().isdigit() and not osp.exists(inp):
            return int(inp)
    return None


def resolve_inputs(inputs: Union[str, int, np.ndarray, Sequence]) -> List[Source]:
    """Turn user inputs into sources. Raises FileNotFoundError for a missing path."""
    if isinstance(inputs, np.ndarray):
        return [Source('arrays', 'array', items=[inputs], num_frames=1)]
    if isinstance(inputs, (list, tuple)):
        if inputs and all(isinstance(x, np.ndarray) for x in inputs):
            return [Source('arrays', 'arrays', items=list(inputs), num_frames=len(inputs))]
        out = []
        for x in inputs:
            out.extend(resolve_inputs(x))
        return out
    cam = _webcam_id(inputs)
    if cam is not None:
        return [Source('webcam', f'webcam{cam}', cam_id=cam)]
    path = str(inputs)
    if any(ch in path for ch in '*?[') and not osp.exists(path):
        matches = sorted(glob.glob(path, recursive=True), key=_natural_key)
        if not matches:
            raise FileNotFoundError(f'no files match the pattern "{path}"')
        images = [m for m in matches if m.lower().endswith(IMG_EXTS)]
        videos = [m for m in matches if m.lower().endswith(VIDEO_EXTS)]
        base, ext = osp.splitext(osp.basename(path))
        if ext.lower() not in IMG_EXTS + VIDEO_EXTS:  # '*0785.jpg' -> '0785'
            base += ext
        stem = re.sub(r'[^\w.-]+', '_', base).strip('_') or 'glob'
        out = [_images_source(images, stem)] if images else []
        return out + [_probe_video(v) for v in videos]
    if not osp.exists(path):
        raise FileNotFoundError(f'input "{path}" does not exist')
    if osp.isdir(path):
        names = sorted(os.listdir(path), key=_natural_key)
        images = [osp.join(path, n) for n in names if n.lower().endswith(IMG_EXTS)]
        videos = [osp.join(path, n) for n in names if n.lower().endswith(VIDEO_EXTS)]
        if not images and not videos:
            raise FileNotFoundError(f'folder "{path}" holds no images or videos')
        stem = osp.basename(osp.normpath(path)) or 'images'
        out = [_images_source(images, stem)] if images else []
        return out + [_probe_video(v) for v in videos]
    low = path.lower()
    if low.endswith(LIST_EXTS):
        base = osp.dirname(path)
        with open(path) as f:
            lines = [ln.strip() for ln in f if ln.strip() and not ln.startswith('#')]
        entries = [ln if osp.isabs(ln) or osp.exists(ln) else osp.join(base, ln) for ln in lines]
        images = [e for e in entries if not e.lower().endswith(VIDEO_EXTS)]
        videos = [e for e in entries if e.lower().endswith(VIDEO_EXTS)]
        stem = osp.splitext(osp.basename(path))[0]
        out = [_images_source(images, stem)] if images else []
        return out + [_probe_video(v) for v in videos]
    if low.endswith(VIDEO_EXTS):
        return [_probe_video(path)]
    return [_images_source([path], osp.splitext(osp.basename(path))[0])]
