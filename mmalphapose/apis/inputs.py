"""Input resolution and frame reading for the inferencer.

An input is a path (image, video, folder, glob, text file listing inputs), a
webcam id (int or ``'webcam:N'``), an ndarray, or a list of those. It is
turned into a list of :class:`Source`; each source yields :class:`Frame`s and
gets its own outputs (``<stem>.json``, ``<stem>_vis.mp4`` ...).

Bad input never stops the run: an unreadable image, and a video or webcam
that cannot be opened, give a frame with ``img=None`` and ``error`` set
(skipped downstream with a warning and counted, see ``utils/errors.py``); a
video that breaks mid-way ends at the last decodable frame.

Every image file is read by :func:`read_image` and every video opened by
:func:`probe_video` (one reading path, with one set of reasons: missing,
not a regular file, empty, too many pixels, an unsupported format, a
truncated or corrupt file); every array by :func:`as_bgr_image`.
"""
import glob
import os
import os.path as osp
import re
import stat
import threading
import warnings
from dataclasses import dataclass, field
from typing import Iterator, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
from mmengine.structures import InstanceData

from mmalphapose.utils.errors import InputError

IMG_EXTS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp', '.ppm', '.pgm')
#: image formats OpenCV cannot read: listed (and skipped with a reason, counted)
#: rather than silently ignored when they sit in a folder
UNSUPPORTED_IMG_EXTS = ('.gif', '.heic', '.heif', '.avif', '.svg')
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
class SourceStart:
    """Marker before the frames of an input (stages flush and reset)."""
    source: 'Source'


@dataclass
class SourceEnd:
    """Marker after the frames of an input (its outputs are finished)."""
    source: 'Source'


#: the kinds of :class:`Source` read as a stream (an overlay video, one frame at a time)
STREAM_KINDS = ('video', 'webcam')


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

    def frames(self, stop: Optional[threading.Event] = None) -> Iterator[Frame]:
        """Yield the frames of this source (reading lazily) until ``stop`` is
        set; an input that cannot be opened gives one frame with ``error``
        set, an ``OSError`` while reading ends the input (warned)."""
        try:
            if self.kind == 'images':
                for i, p in enumerate(self.items):
                    img, err = read_image(p)
                    yield Frame(self, i, osp.basename(p), img, path=p, error=err)
                    if stop is not None and stop.is_set():
                        return
            elif self.kind == 'arrays':
                for i, arr in enumerate(self.items):
                    yield Frame(self, i, f'{i}.jpg', as_bgr_image(arr, f'array {i}'))
            else:
                yield from self._video_frames(stop)
        except OSError as exc:
            warnings.warn(f'skipping input: {exc}')

    def _video_frames(self, stop: Optional[threading.Event]) -> Iterator[Frame]:
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


_MAGIC = ((b'\xff\xd8\xff', 'JPEG'), (b'\x89PNG', 'PNG'), (b'GIF8', 'GIF'), (b'BM', 'BMP'),
          (b'II*\x00', 'TIFF'), (b'MM\x00*', 'TIFF'), (b'\x1aE\xdf\xa3', 'Matroska/WebM video'),
          (b'%PDF', 'PDF'), (b'PK\x03\x04', 'ZIP'), (b'\x00\x00\x01\xba', 'MPEG video'))
_UNSUPPORTED_IMAGES = ('GIF', )
_VIDEO_KINDS = ('MP4/QuickTime video', 'AVI video', 'Matroska/WebM video', 'MPEG video')


def sniff(path: str) -> str:
    """The kind of file ``path`` is from its first bytes: ``'JPEG'``,
    ``'PNG'``, ``'GIF'``, ``'WEBP'``, ``'AVI video'``, ``'MP4/QuickTime video'``,
    ``'text'`` ..., or ``'unknown'``."""
    try:
        with open(path, 'rb') as f:
            head = f.read(512)
    except OSError:
        return 'unknown'
    if head[:4] == b'RIFF':
        return {b'WEBP': 'WEBP', b'AVI ': 'AVI video'}.get(head[8:12], 'RIFF')
    if head[4:8] == b'ftyp':
        return 'HEIF/AVIF' if head[8:12] in (b'heic', b'heix', b'mif1', b'avif') \
            else 'MP4/QuickTime video'
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head and all(32 <= b < 127 or b in b'\t\r\n' for b in head.rstrip(b'\x00')):
        return 'text'
    return 'unknown'


def _file_problem(path: str) -> Optional[str]:
    """Why ``path`` cannot be read at all (missing, not a regular file,
    empty), or None. Never opens the file (a FIFO would block)."""
    try:
        st = os.stat(path)
    except OSError as exc:
        return 'no such file' if not osp.lexists(path) else (exc.strerror or str(exc)).lower()
    if stat.S_ISDIR(st.st_mode):
        return 'a folder, not a file'
    if not stat.S_ISREG(st.st_mode):
        kind = 'a FIFO' if stat.S_ISFIFO(st.st_mode) else 'a socket' if stat.S_ISSOCK(
            st.st_mode) else 'a device' if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(
                st.st_mode) else 'not a regular file'
        return f'{kind}, not a regular file: skipped'
    if not os.access(path, os.R_OK):
        return 'permission denied'
    if st.st_size == 0:
        return 'empty file'
    return None


def _why_unreadable(path: str, exc: Optional[BaseException] = None) -> str:
    """Why OpenCV could not decode the image ``path``, in words."""
    problem = _file_problem(path)
    if problem:
        return problem
    if exc is not None and 'CV_IO_MAX_IMAGE_PIXELS' in str(exc):
        return ('its header claims more pixels than OpenCV reads (CV_IO_MAX_IMAGE_PIXELS, '
                f'{1 << 30}): a corrupt or hostile file, or an image too large to process')
    kind = sniff(path)
    if kind in _UNSUPPORTED_IMAGES or kind == 'HEIF/AVIF':
        return f'a {kind} image: {kind} is not supported (convert it to PNG or JPEG)'
    if kind == 'text':
        return 'a text file, not an image'
    if kind in _VIDEO_KINDS:
        return f'a {kind}, not an image'
    if kind in ('JPEG', 'PNG', 'BMP', 'TIFF', 'WEBP'):
        return f'a truncated or corrupt {kind} image'
    return 'not an image format OpenCV reads, or a corrupt image'


def read_image(path: str) -> Tuple[Optional[np.ndarray], Optional[str]]:
    """Read one image file as BGR uint8 (the one image reader of the inputs).

    Never raises and never blocks: a missing, non-regular (FIFO, device),
    empty, unsupported (GIF), oversized or corrupt file gives ``(None,
    'cannot read image "<path>": <why>')``.

    Returns:
        (img (H,W,3) uint8 or None, error message or None).
    """
    img, exc = None, None
    if _file_problem(path) is None:
        try:
            img = cv2.imread(path, cv2.IMREAD_COLOR)
        except (cv2.error, MemoryError, OverflowError) as err:
            img, exc = None, err
    if img is not None and img.size:
        return img, None
    return None, f'cannot read image "{path}": {_why_unreadable(path, exc)}'


def as_bgr_image(img, what: str = 'image') -> np.ndarray:
    """An array-like image as a contiguous (H,W,3) BGR uint8 array.

    Accepted: (H,W), (H,W,1), (H,W,3) and (H,W,4) (alpha dropped) arrays or
    nested lists of uint8; uint16 (scaled by 1/257); other integer types with
    values in 0..255; floats in [0,1] (scaled by 255) or [0,255].

    Raises:
        InputError: (a ``ValueError``) naming ``what`` and the fault: an empty
            image, a channel-first (3,H,W) array, another shape, a bool or
            non-numeric dtype, NaN/inf pixels, values out of range.
    """
    try:
        arr = np.asarray(img)
    except (TypeError, ValueError) as err:
        raise InputError(f'{what}: not an image array ({err})') from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise InputError(f'{what}: not a numeric image array (dtype {arr.dtype}; ragged '
                         'nested lists?)')
    if arr.ndim == 3 and arr.shape[0] in (1, 3, 4) and arr.shape[2] not in (1, 3, 4):
        raise InputError(f'{what}: shape {arr.shape} looks channel-first; pass (H,W,3) BGR, '
                         'e.g. img.transpose(1, 2, 0)')
    if arr.ndim not in (2, 3) or arr.ndim == 3 and arr.shape[2] not in (1, 3, 4):
        raise InputError(f'{what}: an image must be (H,W), (H,W,1), (H,W,3) or (H,W,4), '
                         f'got shape {arr.shape}')
    if arr.size == 0:
        raise InputError(f'{what}: empty image (shape {arr.shape})')
    if arr.dtype == np.bool_:
        raise InputError(f'{what}: a bool array is a mask, not an image (use uint8)')
    if arr.dtype != np.uint8:
        arr = _to_uint8(arr, what)
    if arr.ndim == 2 or arr.shape[2] == 1:
        arr = cv2.cvtColor(np.ascontiguousarray(arr.reshape(arr.shape[:2])), cv2.COLOR_GRAY2BGR)
    return np.ascontiguousarray(arr[..., :3])


def _to_uint8(arr: np.ndarray, what: str) -> np.ndarray:
    """uint16 / other integer / float pixels as uint8 (see :func:`as_bgr_image`)."""
    if arr.dtype == np.uint16:
        return (arr.astype(np.float32) / 257.0 + 0.5).astype(np.uint8)
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise InputError(f'{what}: complex pixels (dtype {arr.dtype})')
    lo, hi = arr.min(), arr.max()
    if np.issubdtype(arr.dtype, np.floating):
        if not np.isfinite(arr).all():
            raise InputError(f'{what}: {int((~np.isfinite(arr)).sum())} NaN/inf pixel values')
        if lo >= 0 and hi <= 1:
            return (arr.astype(np.float32) * 255.0 + 0.5).astype(np.uint8)
        if lo >= 0 and hi <= 255:
            return (arr.astype(np.float32) + 0.5).astype(np.uint8)
        raise InputError(f'{what}: float pixels must be in [0, 1] or [0, 255], got '
                         f'[{lo:g}, {hi:g}]')
    if lo < 0 or hi > 255:
        raise InputError(f'{what}: {arr.dtype} pixels must be in 0..255 (uint16 is scaled), '
                         f'got {lo}..{hi}')
    return arr.astype(np.uint8)


def natural_key(s: str) -> list:
    """Sort key: digit runs compare as numbers (``2.jpg`` before ``10.jpg``)."""
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r'(\d+)', s)]


def _mp4_has_index(path: str) -> Optional[bool]:
    """Whether an MP4/QuickTime file has its ``moov`` atom (the index),
    walking the top-level atoms; None when the atoms cannot be walked."""
    try:
        size = osp.getsize(path)
        with open(path, 'rb') as f:
            pos = 0
            while pos + 8 <= size:
                f.seek(pos)
                head = f.read(16)
                n, kind = int.from_bytes(head[:4], 'big'), head[4:8]
                if kind == b'moov':
                    return True
                if n == 1 and len(head) == 16:
                    n = int.from_bytes(head[8:16], 'big')
                elif n == 0:
                    break
                if n < 8:
                    return None
                pos += n
    except OSError:
        return None
    return False


def _avi_codec(path: str) -> Optional[str]:
    """The video fourcc of an AVI file (its first ``strh`` of type ``vids``)."""
    try:
        with open(path, 'rb') as f:
            head = f.read(4096)
    except OSError:
        return None
    i = head.find(b'strh')  # 'strh' size 'vids' fccHandler
    while i >= 0 and head[i + 8:i + 12] != b'vids':
        i = head.find(b'strh', i + 4)
    if i < 0:
        return None
    codec = head[i + 12:i + 16]
    j = head.find(b'strf', i)  # BITMAPINFOHEADER.biCompression wins when set
    if j >= 0 and head[j + 24:j + 28].strip(b'\x00'):
        codec = head[j + 24:j + 28]
    text = codec.decode('latin-1').strip('\x00 ')
    return text if text.isprintable() and text else None


def _why_no_video(path: str) -> str:
    """Why OpenCV could not open the video ``path``, in words."""
    problem = _file_problem(path)
    if problem:
        return problem
    kind = sniff(path)
    if kind == 'text':
        return 'a text file, not a video'
    if kind in ('JPEG', 'PNG', 'GIF', 'BMP', 'TIFF', 'WEBP'):
        return f'a {kind} image, not a video'
    if kind == 'MP4/QuickTime video':
        if _mp4_has_index(path) is False:
            return 'an MP4/QuickTime file cut before its index (no moov atom)'
        return 'an MP4/QuickTime file whose codec this OpenCV build cannot decode, or a corrupt one'
    if kind == 'AVI video':
        codec = _avi_codec(path)
        return f'an AVI video with codec "{codec}" that this OpenCV build cannot decode' \
            if codec else 'an AVI video this OpenCV build cannot decode'
    if kind in _VIDEO_KINDS:
        return f'a {kind} this OpenCV build cannot decode, or a corrupt one'
    return 'not a video format this OpenCV build reads, or a corrupt video'


def probe_video(path: str) -> Source:
    """A video source with its fps, size and frame count (the one video
    opener of the inputs); a file that cannot be opened (missing, not a
    regular file, empty, not a video, cut, an unknown codec) gives a source
    with ``error`` set (one unreadable frame, skipped and counted). Never
    raises and never blocks on a FIFO."""
    stem = osp.splitext(osp.basename(path))[0]
    problem = _file_problem(path)
    cap = None if problem else cv2.VideoCapture(path)
    if cap is None or not cap.isOpened():
        if cap is not None:
            cap.release()
        return Source(
            'video',
            stem,
            path=path,
            num_frames=1,
            error=f'cannot open video "{path}": {problem or _why_no_video(path)}')
    fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
    size = (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) or None
    cap.release()
    return Source('video', stem, path=path, fps=fps if fps > 0 else 25.0, size=size, num_frames=n)


def read_list_file(path: str) -> List[str]:
    """The entries of a ``.txt`` list: one path per line, blank lines and
    ``#`` comments skipped.

    Raises:
        InputError: the list is not a regular file or not UTF-8 text.
    """
    problem = _file_problem(path)
    if problem and problem != 'empty file':
        raise InputError(f'cannot read the input list "{path}": {problem}')
    try:
        with open(path, encoding='utf-8') as f:
            return [ln.strip() for ln in f if ln.strip() and not ln.lstrip().startswith('#')]
    except UnicodeDecodeError:
        raise InputError(f'input list "{path}" is not a UTF-8 text file (one path per '
                         'line)') from None


def resolve_inputs(inputs: Union[str, int, np.ndarray, Sequence]) -> List[Source]:
    """Turn user inputs into sources: an image, a video, a folder, a glob, a
    ``.txt`` list, a webcam (an int, ``'webcam:N'`` or a number that is not
    a file), an array or a list of arrays, or a list of any of these.

    A missing, unreadable or unsupported entry of a folder or ``.txt`` list
    becomes a frame with ``error`` set (skipped and counted by the run), never
    an exception.

    Raises:
        FileNotFoundError: a missing top-level path, a glob matching nothing,
            a folder without images or videos.
        InputError: a bad array (:func:`as_bgr_image`) or list file.
    """
    if isinstance(inputs, np.ndarray):
        return [
            Source('arrays', 'array', items=[as_bgr_image(inputs, 'input array')], num_frames=1)
        ]
    if isinstance(inputs, (list, tuple)):
        if inputs and all(isinstance(x, np.ndarray) for x in inputs):
            items = [as_bgr_image(x, f'input array {i}') for i, x in enumerate(inputs)]
            return [Source('arrays', 'arrays', items=items, num_frames=len(inputs))]
        return [src for x in inputs for src in resolve_inputs(x)]
    path = str(inputs)
    cam = re.fullmatch(r'webcam:?(\d*)|(\d+)', path.strip()) if isinstance(inputs, str) else None
    if isinstance(inputs, (int, np.integer)) and not isinstance(inputs, bool) or \
            cam and (cam.group(2) is None or not osp.exists(path)):
        cam_id = int(inputs) if cam is None else int(cam.group(1) or cam.group(2) or 0)
        return [Source('webcam', f'webcam{cam_id}', cam_id=cam_id)]
    low, images, videos = path.lower(), [], []
    if any(ch in path for ch in '*?[') and not osp.exists(path):
        entries = sorted(glob.glob(path, recursive=True), key=natural_key)
        if not entries:
            raise FileNotFoundError(f'no files match the pattern "{path}"')
        base, ext = osp.splitext(osp.basename(path))
        if ext.lower() not in IMG_EXTS + VIDEO_EXTS:  # '*0785.jpg' -> '0785'
            base += ext
        stem = re.sub(r'[^\w.-]+', '_', base).strip('_') or 'glob'
        images = [e for e in entries if e.lower().endswith(IMG_EXTS + UNSUPPORTED_IMG_EXTS)]
    elif not osp.exists(path):
        raise FileNotFoundError(f'input "{path}" does not exist')
    elif osp.isdir(path):
        # unsupported formats are listed too: skipped with their reason, counted
        entries = [osp.join(path, n) for n in sorted(os.listdir(path), key=natural_key)]
        images = [e for e in entries if e.lower().endswith(IMG_EXTS + UNSUPPORTED_IMG_EXTS)]
        if not images and not any(e.lower().endswith(VIDEO_EXTS) for e in entries):
            raise FileNotFoundError(f'folder "{path}" holds no images or videos')
        stem = osp.basename(osp.normpath(path)) or 'images'
    elif low.endswith(LIST_EXTS):
        entries = [
            ln if osp.isabs(ln) or osp.exists(ln) else osp.join(osp.dirname(path), ln)
            for ln in read_list_file(path)
        ]
        images = [e for e in entries if not e.lower().endswith(VIDEO_EXTS)]
        stem = osp.splitext(osp.basename(path))[0]
    else:
        entries = [path]
        images = [] if low.endswith(VIDEO_EXTS) else [path]
        stem = osp.splitext(osp.basename(path))[0]
    videos = [e for e in entries if e.lower().endswith(VIDEO_EXTS)]
    out = [Source('images', stem, items=images, num_frames=len(images))] if images else []
    return out + [probe_video(v) for v in videos]
