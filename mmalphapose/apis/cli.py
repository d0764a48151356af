"""The ``demo/topdown_demo.py`` command line (also ``mmalphapose-demo`` and
``python -m mmalphapose.apis.cli``): pose + tracking on images, folders,
videos, text lists or a webcam.

    mmalphapose-demo demo/resources/demo_basketball.mp4 --out-dir outputs/demo
    mmalphapose-demo tests/data/coco --pose-config CFG --pose-checkpoint CKPT
    mmalphapose-demo webcam:0 --show --track pose-aware
    mmalphapose-demo video.mp4 --smpl --smpl-model SMPL_NEUTRAL.pkl --track pose-aware

With no model flags it uses the bundled ONNX person detector and the default
pose model of the model index (model-index.yml); a model built without its
weights is reported loudly as having random weights.
"""
import argparse
import os
import os.path as osp
import sys
from typing import Optional

# torch's OpenMP threads busy-wait by default, stealing cores from the
# detector (onnxruntime) and the other stages; must be set before torch loads.
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')

from mmalphapose.utils.errors import interrupt_exit_code, run_cli  # noqa: E402
from mmalphapose.utils.options import arg_type, check_out_dir  # noqa: E402
from mmalphapose.utils.options import device_arg, keypoint_spec  # noqa: E402
from .pose_inferencer import SMPL_OPTIONS_ERROR, PoseInferencer  # noqa: E402
from .writers import FORMATS  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0].replace('\n', ' '),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument('input', help='image, folder, glob, video, .txt list, or webcam:N')
    p.add_argument(
        '--pose-config',
        default=None,
        help='pose model name/alias of model-index.yml, config path or config '
        'name (default: the bundled default model)')
    p.add_argument('--pose-checkpoint', default=None, help='pose checkpoint (.pth)')
    p.add_argument(
        '--det-config',
        default=None,
        help='detector config: mmdet, or our ONNX detector config '
        '(default: bundled NanoDet ONNX); "none" = whole image')
    p.add_argument('--det-checkpoint', default=None, help='detector weights (.pth/.onnx)')
    p.add_argument(
        '--detfile',
        default=None,
        help='detection JSON (AlphaPose detfile or COCO results) '
        'instead of a detector')
    p.add_argument('--det-cat-id', type=arg_type('det_cat_id'), default=0, help='person class id')
    p.add_argument('--device', type=device_arg, default='cpu', help='cpu, cuda or cuda:N')
    p.add_argument('--out-dir', default='outputs/demo')
    p.add_argument('--save-json', dest='save_json', action='store_true', default=True)
    p.add_argument('--no-save-json', dest='save_json', action='store_false')
    p.add_argument(
        '--save-video',
        dest='save_video',
        action='store_true',
        default=True,
        help='overlay video for video/webcam inputs')
    p.add_argument('--no-save-video', dest='save_video', action='store_false')
    p.add_argument(
        '--no-save-vis',
        dest='save_vis',
        action='store_false',
        default=True,
        help='do not write per-image overlays')
    p.add_argument('--show', action='store_true', help='show frames in a window')
    p.add_argument(
        '--kpt-thr',
        type=arg_type('kpt_thr'),
        default=None,
        help='keypoint score to draw (default: 0.05 for SIKR heads, 0.4 '
        'for heatmap heads, as AlphaPose)')
    p.add_argument(
        '--bbox-thr',
        type=arg_type('bbox_thr'),
        default=0.2,
        help='person box score (the bundled NanoDet finds 12/12 people of the '
        'COCO samples at 0.2, 10/12 at 0.3)')
    p.add_argument('--nms-thr', type=arg_type('nms_thr'), default=None, help='extra box NMS IoU')
    p.add_argument(
        '--pose-batch',
        type=arg_type('pose_batch'),
        default=None,
        help='people per pose forward (default: the pose backend\'s, onnxruntime and '
        'OpenVINO on the CPU 4, PyTorch 16; measured on 2 CPU cores: docs/speed.md)')
    p.add_argument(
        '--backend',
        default='auto',
        choices=['auto', 'pytorch', 'onnxruntime', 'openvino'],
        help='who runs the pose network; auto: for the bundled models on the CPU '
        'their ONNX export (made at first use in ~/.cache/mmalphapose/onnx or '
        '$MMALPHAPOSE_ONNX_CACHE) in OpenVINO where the CPU runs bfloat16 and '
        'OpenVINO is installed, else in onnxruntime; PyTorch otherwise')
    p.add_argument(
        '--det-batch', type=arg_type('det_batch'), default=4, help='frames per detector call')
    p.add_argument(
        '--flip',
        dest='flip',
        action='store_true',
        default=None,
        help='flip test (default: as the config says)')
    p.add_argument('--no-flip', dest='flip', action='store_false')
    p.add_argument('--pose-nms', default='pnms', choices=['none', 'pnms', 'oks', 'soft-oks'])
    p.add_argument('--track', default='none', choices=['none', 'pose-aware', 'poseflow'])
    p.add_argument('--format', default='alphapose', choices=list(FORMATS))
    p.add_argument(
        '--keypoints',
        type=keypoint_spec,
        default=None,
        help='subset for the JSON, e.g. body,feet,face,hands')
    p.add_argument(
        '--det-frequency',
        type=arg_type('det_frequency'),
        default=1,
        help='run the detector every N frames, follow poses in between (on crowded video the '
        'pose model then sees only the people kept, not every proposal: docs/speed.md)')
    p.add_argument(
        '--workers',
        type=arg_type('workers'),
        default=1,
        help='0 = everything in one thread; >0 = overlapped stages')
    p.add_argument(
        '--stage-threads',
        type=arg_type('stage_threads'),
        default=None,
        help='intra-op threads of the detector and of the pose model '
        '(default with --workers > 0: all cores for the pose model, half '
        'for the detector (measured best on 2 cores, docs/speed.md); '
        'with --workers 0 the library defaults)')
    p.add_argument(
        '--no-part-refine',
        dest='part_refine',
        action='store_false',
        default=True,
        help='do not run the pose config\'s part_refiner (face / hand points refined '
        'by small nets) even when it has one')
    p.add_argument('--skeleton-style', default='mmpose', choices=['mmpose', 'openpose'])
    p.add_argument('--draw-heatmap', action='store_true')
    p.add_argument(
        '--smpl',
        action='store_true',
        help='SMPL / HybrIK mode: 3D joints, SMPL pose/shape, camera and meshes '
        '(docs/smpl.md); --pose-config defaults to the HybrIK config')
    p.add_argument(
        '--smpl-model',
        default=None,
        help='SMPL model file (.pkl/.npz) or folder; implies --smpl (default: '
        '$MMALPHAPOSE_SMPL_MODEL, then checkpoints/smpl/SMPL_NEUTRAL.pkl)')
    p.add_argument(
        '--smpl-vertices',
        action='store_true',
        help='--smpl: also write every mesh into the JSON (large)')
    p.add_argument(
        '--debug',
        action='store_true',
        help='show the traceback of an error (also MMALPHAPOSE_DEBUG=1)')
    return p.parse_args(argv)


def smpl_mode(demo) -> bool:
    """Whether the demo options ask for the SMPL / HybrIK mode."""
    return bool(demo.smpl or demo.smpl_model or demo.smpl_vertices)


def stage_threads(demo) -> Optional[int]:
    """Intra-op threads of the pose model for the demo options:
    ``--stage-threads``, else all cores with ``--workers > 0``, else None
    (the library defaults)."""
    if demo.stage_threads:
        return int(demo.stage_threads)
    return (os.cpu_count() or 2) if demo.workers > 0 else None


def detector_threads(demo, threads: Optional[int]) -> Optional[int]:
    """Intra-op threads of the detector when the pose model has ``threads``:
    the same with ``--stage-threads`` or ``--workers 0``, else half of them
    (the detector is idle most of the time; measured on 2 cores with
    onnxruntime: pose 2 + detector 1 thread 7.4-7.6 frames/s against 5.8 with
    1 + 1 and 6.7-6.9 with 2 + 2, docs/speed.md)."""
    if not threads or demo.stage_threads or demo.workers <= 0:
        return threads
    return max(1, int(threads) // 2)


def build_inferencer(demo, device: str, threads: Optional[int], show_progress: bool = True):
    """The demo's PoseInferencer for the demo options (also used by tools/infer.py).

    ``threads``: intra-op threads of the pose model; the detector gets
    :func:`detector_threads`.

    Raises:
        ValueError: options that do not go together.
    """
    if smpl_mode(demo) and (demo.format != 'alphapose' or demo.keypoints or demo.draw_heatmap):
        raise ValueError(SMPL_OPTIONS_ERROR)
    return PoseInferencer(
        pose2d=demo.pose_config,
        pose2d_weights=demo.pose_checkpoint,
        device=device,
        det_model=demo.det_config,
        det_weights=demo.det_checkpoint,
        det_cat_id=demo.det_cat_id,
        detfile=demo.detfile,
        bbox_thr=demo.bbox_thr,
        nms_thr=demo.nms_thr,
        pose_nms=demo.pose_nms,
        track=demo.track,
        threads=threads,
        det_options=dict(num_threads=detector_threads(demo, threads)) if threads else None,
        show_progress=show_progress,
        backend=getattr(demo, 'backend', 'auto'),
        part_refine=getattr(demo, 'part_refine', True),
        smpl_model=(demo.smpl_model or True) if smpl_mode(demo) else None)


def run_options(demo) -> dict:
    """Keyword arguments of ``PoseInferencer.run`` from the demo options."""
    return dict(
        save_json=demo.save_json,
        save_video=demo.save_video,
        save_vis=demo.save_vis,
        show=getattr(demo, 'show', False),
        kpt_thr=demo.kpt_thr,
        pose_batch=demo.pose_batch,
        det_batch=demo.det_batch,
        flip=demo.flip,
        format=demo.format,
        keypoints=demo.keypoints,
        det_frequency=demo.det_frequency,
        workers=demo.workers,
        skeleton_style=demo.skeleton_style,
        draw_heatmap=demo.draw_heatmap,
        smpl_vertices=demo.smpl_vertices)


def main(argv=None) -> int:
    """Run the demo; returns the exit code (0 done, 2 bad input or nothing
    could be processed, 130 interrupted, 143 terminated; docs/error_policy.md).
    Errors follow ``utils/errors.py``: one line, no traceback unless
    ``--debug`` / ``MMALPHAPOSE_DEBUG=1``."""
    return run_cli(_main, argv)


def _main(argv=None) -> int:
    args = parse_args(argv)
    if not osp.exists(args.input) and not str(args.input).startswith('webcam') \
            and not str(args.input).isdigit() and not any(c in args.input for c in '*?['):
        print(f'error: input "{args.input}" does not exist', file=sys.stderr)
        return 2
    created = None  # the output folder this run made (removed again if the build fails)
    if args.out_dir and (args.save_json or args.save_video or args.save_vis):
        created = None if osp.exists(args.out_dir) else args.out_dir
        check_out_dir(args.out_dir)
    try:
        inferencer = build_inferencer(args, args.device, stage_threads(args))
    except BaseException:  # a failed start leaves no empty folder behind
        if created and osp.isdir(created) and not os.listdir(created):
            os.rmdir(created)
        raise
    summary = inferencer.run(args.input, out_dir=args.out_dir, **run_options(args))
    print('=' * 60)
    print(inferencer.describe())
    if inferencer.random_weights:
        print('WARNING: the pose model has RANDOM WEIGHTS; keypoints are meaningless.')
    state = 'INTERRUPTED, kept what was written' if summary['interrupted'] else 'done'
    print(f'{state}: {summary["frames"]} frames, {summary["people"]} people, '
          f'{summary["fps"]:.2f} frames/s')
    if summary['errors']:
        print(f'{len(summary["errors"])} input(s)/frame(s) could not be read and were skipped, '
              f'e.g. {summary["errors"][0]}')
    print(f'outputs in {osp.abspath(args.out_dir)}:')
    for path in summary['outputs']:
        print(f'  {path}')
    if summary['interrupted']:
        return interrupt_exit_code()  # 130 Ctrl-C, 143 SIGTERM
    if not summary['frames']:
        first = summary['errors'][0] if summary['errors'] else 'the input holds no frames'
        print(f'error: nothing was processed: {first}', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
