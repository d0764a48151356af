"""Write the bad-input corpus of ``tests/data/bad/`` (each file a few KB).

    python tests/data/bad/make_bad_inputs.py [OUT_DIR]

Every file is generated here, none is copied: small images and videos drawn
with OpenCV, then cut, emptied or renamed; detection and keypoint files with
the faults the tests name; a corrupt, a truncated and a hostile checkpoint
(its pickle asks for ``builtins.print``: loading it with ``weights_only=False``
would only print ``HOSTILE CODE RAN``; ours refuses it). ``good.png`` and
``good.mp4`` are the good inputs put beside the bad ones.
"""
import json
import os
import os.path as osp
import sys
import tempfile

import cv2
import numpy as np

HERE = osp.dirname(osp.abspath(__file__))
SIZE = (96, 64)  # (w, h) of the generated images and videos


def good_image(seed: int = 0) -> np.ndarray:
    """A (64, 96, 3) BGR uint8 image: a grey background and one white dot."""
    img = np.full((SIZE[1], SIZE[0], 3), 40, np.uint8)
    rng = np.random.default_rng(seed)
    x, y = int(rng.integers(20, SIZE[0] - 20)), int(rng.integers(15, SIZE[1] - 15))
    cv2.circle(img, (x, y), 6, (255, 255, 255), -1)
    return img


def video_bytes(num_frames: int = 12, fps: float = 10.0) -> bytes:
    """A small mp4v video (moov index at the end, as OpenCV writes it)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = osp.join(tmp, 'v.mp4')
        writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), fps, SIZE)
        for i in range(num_frames):
            writer.write(good_image(i))
        writer.release()
        with open(path, 'rb') as f:
            return f.read()


def _hostile_checkpoint(path: str) -> None:
    import torch

    class Hostile:

        def __reduce__(self):
            return (print, ('HOSTILE CODE RAN', ))

    torch.save({'state_dict': {'w': torch.zeros(1)}, 'payload': Hostile()}, path)


def make(out: str = HERE) -> list:
    """Write the corpus into ``out``; returns the file names."""
    from mmalphapose.testing import faststart
    os.makedirs(out, exist_ok=True)

    def put(name: str, data) -> None:
        mode = 'wb' if isinstance(data, bytes) else 'w'
        with open(osp.join(out, name), mode) as f:
            f.write(data)

    png = cv2.imencode('.png', good_image(1))[1].tobytes()
    jpg = cv2.imencode('.jpg', good_image(2))[1].tobytes()
    put('good.png', png)
    put('empty.jpg', b'')
    put('truncated.png', png[:len(png) // 2])
    put('truncated.jpg', jpg[:len(jpg) // 2])
    put('text_as_image.jpg', 'this is a text file, not an image\n')
    put('text_as_video.mp4', 'this is a text file, not a video\n')
    put('empty.mp4', b'')
    video = video_bytes()
    put('good.mp4', video)
    mdat = video.find(b'mdat')
    moov = video.find(b'moov')
    assert 0 < mdat < moov, 'OpenCV wrote the index first; cannot cut before it'
    put('cut_before_index.mp4', video[:(mdat + moov) // 2])  # index (moov) lost
    fast = faststart(video)
    put('cut_after_index.mp4', fast[:len(fast) * 2 // 3])  # index kept, tail frames lost
    # detection files
    put('dets_corrupt.json', '[{"image_id": "good.png", "bbox": [1, 2, 3')
    put('dets_not_a_list.json', json.dumps({'image_id': 'good.png'}))
    put('dets_malformed.json', json.dumps([{'image_id': 'good.png', 'score': 0.9}]))
    put('dets_short_bbox.json', json.dumps([{'image_id': 'good.png', 'bbox': [1, 2]}]))
    put('dets_empty.json', '[]')
    w, h = SIZE
    boxes = [
        [10, 5, 40, 50],  # a good box
        [20, 20, 0, 30],  # zero width
        [float('nan'), 5, 30, 30],  # NaN
        [w + 100, h + 100, 30, 30],  # outside the image
        [-500, -500, 40, 40],  # outside the image, top-left
    ]
    put('dets_bad_boxes.json',
        json.dumps([dict(image_id='good.png', bbox=b, score=0.9) for b in boxes]))
    # keypoint (AlphaPose results) files
    kp = [float(v) for v in np.tile([10.0, 20.0, 0.9], 17)]
    put('kpts_not_triplets.json',
        json.dumps([dict(image_id='0.jpg', keypoints=kp[:-1], box=[1, 1, 20, 30], score=1)]))
    put(
        'kpts_mixed_count.json',
        json.dumps([
            dict(image_id='0.jpg', keypoints=kp, box=[1, 1, 20, 30], score=1),
            dict(image_id='1.jpg', keypoints=kp + kp[:27], box=[1, 1, 20, 30], score=1)  # 26
        ]))
    # model files
    put('corrupt.pth', b'PK\x03\x04 not really a zip archive' + bytes(range(64)))
    put('text_as_checkpoint.pth', 'a text file, not a checkpoint\n')
    _hostile_checkpoint(osp.join(out, 'hostile.pth'))
    with open(osp.join(out, 'hostile.pth'), 'rb') as f:
        put('truncated.pth', f.read()[:300])
    put('not_onnx.onnx', 'not an onnx model\n')
    make_issue28(out)
    return sorted(n for n in os.listdir(out) if not n.endswith(('.py', '.md')))


def _avi_with_codec(fourcc: bytes) -> bytes:
    """A small MJPG AVI whose codec fields say ``fourcc`` (a codec OpenCV's
    FFmpeg does not know: the container is fine, the frames undecodable)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = osp.join(tmp, 'v.avi')
        writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'MJPG'), 10.0, SIZE)
        for i in range(4):
            writer.write(good_image(i))
        writer.release()
        with open(path, 'rb') as f:
            data = f.read()
    return data.replace(b'MJPG', fourcc).replace(b'mjpg', fourcc.lower())


def make_issue28(out: str = HERE) -> list:
    """The files of issue 28 (ordinary material that used to stop a run)."""
    import struct

    import torch

    def put(name: str, data) -> None:
        mode = 'wb' if isinstance(data, bytes) else 'w'
        with open(osp.join(out, name), mode) as f:
            f.write(data)

    # a JPEG whose header claims 65000x65000 pixels (cv2.imread raised)
    jpg = bytearray(cv2.imencode('.jpg', good_image(3))[1].tobytes())
    sof = jpg.find(b'\xff\xc0')
    jpg[sof + 5:sof + 9] = struct.pack('>HH', 65000, 65000)
    put('huge_header.jpg', bytes(jpg))
    # a valid GIF (a format OpenCV does not read)
    put(
        'not_supported.gif', b'GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff'
        b'!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;')
    put('unknown_codec.avi', _avi_with_codec(b'QQQQ'))
    # a checkpoint whose weights hold NaN
    torch.save(
        {
            'state_dict': {
                'conv.weight': torch.full((2, 2), float('nan')),
                'conv.bias': torch.zeros(2)
            }
        }, osp.join(out, 'nan_weights.pth'))
    put('config_syntax_error.py', 'model = dict(type="TopdownPoseEstimator"\n')
    put('config_raises.py', 'model = dict(type="TopdownPoseEstimator", scale=1 / 0)\n')
    # tracking-tool inputs: truncated JSON, PoseTrack GT with null keypoints
    kp = [float(v) for v in np.tile([10.0, 20.0, 0.9], 17)]
    results = json.dumps([dict(image_id='0.jpg', keypoints=kp, box=[1, 1, 20, 30], score=1)] * 3)
    put('kpts_truncated.json', results[:len(results) * 2 // 3])
    gt = dict(
        images=[
            dict(
                id=1,
                file_name='images/val/000001_bonn/000000.jpg',
                vid_id='000001',
                frame_id=0,
                is_labeled=True)
        ],
        annotations=[
            dict(id=1, image_id=1, track_id=0, bbox=[1, 1, 20, 30], keypoints=[None] * 51)
        ],
        categories=[dict(id=1, name='person')])
    put('posetrack_null_keypoints.json', json.dumps(gt))
    return [
        'huge_header.jpg', 'not_supported.gif', 'unknown_codec.avi', 'nan_weights.pth',
        'config_syntax_error.py', 'config_raises.py', 'kpts_truncated.json',
        'posetrack_null_keypoints.json'
    ]


if __name__ == '__main__':
    names = make(sys.argv[1] if len(sys.argv) > 1 else HERE)
    print(f'{len(names)} files: {" ".join(names)}')
