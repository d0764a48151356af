"""Trace one frame's path through the package at run time.

Runs the demo's inferencer (``apis/cli.py`` options, ``--workers 0`` unless
given) on one image, with the models built before the trace starts, and
records every call into a function of the ``mmalphapose`` package while the
frame goes from the reader to the JSON writer. Prints:

* the hops: each distinct file -> file step of the path (caller's file ->
  callee's file, the caller being the nearest package function up the
  stack), in the order first taken, with the first function called; a
  generator resumed by another file's code counts as a call;
* the distinct functions of the package (not of numpy / torch / mmengine;
  lambdas and comprehensions are part of the function they are written
  in), how many in ``apis/``, the files and the threads.

Everything ``PoseInferencer.run`` does for the one image is on the path
(resolving the input, the run's option checks, opening and closing the
outputs); building the models and the demo's option parsing are not.

    python tools/analysis_tools/trace_frame.py tests/data/coco/000000000785.jpg
    python tools/analysis_tools/trace_frame.py IMG --list-functions -- --track pose-aware
"""
import argparse
import os
import os.path as osp
import sys
import tempfile
import threading
from typing import Dict, List, Tuple

os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')

try:
    import mmalphapose
except ImportError:  # a checkout without an install
    sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
    import mmalphapose

PACKAGE = osp.dirname(osp.realpath(mmalphapose.__file__))


class FrameTrace:
    """Calls into the package (``sys.setprofile`` in every thread)."""

    def __init__(self) -> None:
        self._real: Dict[str, str] = {}  # code file -> its real path (a package
        # imported through a path with '..' or a link names its files so)
        self.functions: Dict[Tuple[str, str], int] = {}
        self.hops: Dict[Tuple[str, str], str] = {}
        self.threads: set = set()
        self.lock = threading.Lock()

    def _realpath(self, path: str) -> str:
        real = self._real.get(path)
        if real is None:
            real = self._real[path] = osp.realpath(path)
        return real

    def _ours(self, path: str) -> bool:
        return self._realpath(path).startswith(PACKAGE + os.sep)

    def _rel(self, path: str) -> str:
        return osp.relpath(self._realpath(path), osp.dirname(PACKAGE))

    def profile(self, frame, event, arg) -> None:
        if event != 'call':
            return
        code = frame.f_code
        if not self._ours(code.co_filename) or code.co_name.startswith('<'):
            return
        callee = self._rel(code.co_filename)
        caller = frame.f_back
        while caller is not None and not self._ours(caller.f_code.co_filename):
            caller = caller.f_back
        with self.lock:
            self.threads.add(threading.current_thread().name)
            key = (callee, code.co_qualname if hasattr(code, 'co_qualname') else code.co_name)
            self.functions[key] = self.functions.get(key, 0) + 1
            if caller is not None:
                src = self._rel(caller.f_code.co_filename)
                if src != callee and (src, callee) not in self.hops:
                    self.hops[(src, callee)] = key[1]

    def __enter__(self) -> 'FrameTrace':
        threading.setprofile(self.profile)
        sys.setprofile(self.profile)
        return self

    def __exit__(self, *exc) -> None:
        sys.setprofile(None)
        threading.setprofile(None)


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('image', help='one image')
    p.add_argument('--list-functions', action='store_true', help='print every function')
    argv = list(sys.argv[1:] if argv is None else argv)
    # the demo's options follow '--' wherever this tool's own options stand
    demo_args = argv[argv.index('--') + 1:] if '--' in argv else []
    own = argv[:argv.index('--')] if '--' in argv else argv
    args = p.parse_args(own)
    args.demo_args = demo_args
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if not osp.isfile(args.image):
        print(f'error: image "{args.image}" not found', file=sys.stderr)
        return 2
    from mmalphapose.apis import cli
    extra = list(args.demo_args)
    if '--workers' not in extra:
        extra += ['--workers', '0']
    with tempfile.TemporaryDirectory() as out:
        demo = cli.parse_args([args.image, '--out-dir', out] + extra)
        inferencer = cli.build_inferencer(demo, demo.device, cli.stage_threads(demo), False)
        options = cli.run_options(demo)  # the demo's options: not part of the frame's path
        inferencer.run(args.image, out_dir=out, **options)  # warm-up
        with FrameTrace() as trace:
            summary = inferencer.run(args.image, out_dir=out, **options)
    files = sorted({f for f, _ in trace.functions})
    apis = [k for k in trace.functions if k[0].startswith(osp.join('mmalphapose', 'apis'))]
    print(f'{summary["frames"]} frame, {summary["people"]} people')
    print(f'hops (file -> file, first function called): {len(trace.hops)}')
    for i, ((src, dst), name) in enumerate(trace.hops.items(), 1):
        print(f'  {i:2d}. {src} -> {dst}: {name}')
    print(f'distinct functions: {len(trace.functions)} ({len(apis)} in apis/)')
    print(f'files: {len(files)}')
    print(f'threads: {len(trace.threads)} ({", ".join(sorted(trace.threads))})')
    if args.list_functions:
        rows: List[str] = [f'  {f}:{n} x{c}' for (f, n), c in sorted(trace.functions.items())]
        print('\n'.join(rows))
    return 0


if __name__ == '__main__':
    sys.exit(main())
