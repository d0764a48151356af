"""apis/cli.py: the CPU defaults (pose batch, backend, thread split)."""
import os

from mmalphapose.apis import cli


def test_defaults_parse():
    args = cli.parse_args(['in.mp4'])
    # no pose batch: the pose backend's own default (TopdownPredictor)
    assert args.backend == 'auto' and args.pose_batch is None
    assert cli.parse_args(['in.mp4', '--pose-batch', '8']).pose_batch == 8
    assert cli.parse_args(['in.mp4', '--backend', 'pytorch']).backend == 'pytorch'


def test_thread_split():
    cores = os.cpu_count() or 2
    args = cli.parse_args(['in.mp4'])  # --workers 1: all cores for pose, half for the detector
    assert cli.stage_threads(args) == cores
    assert cli.detector_threads(args, cores) == max(1, cores // 2)
    args = cli.parse_args(['in.mp4', '--stage-threads', '3'])  # both as given
    assert cli.stage_threads(args) == 3 and cli.detector_threads(args, 3) == 3
    args = cli.parse_args(['in.mp4', '--workers', '0'])  # library defaults
    assert cli.stage_threads(args) is None and cli.detector_threads(args, None) is None
