"""tools/analysis_tools/trace_frame.py: what it counts (hops between the
package's files, distinct package functions) and the demo's frame path."""
import importlib.util
import os.path as osp

import numpy as np
import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools', 'analysis_tools', 'trace_frame.py')


def load_tool():
    spec = importlib.util.spec_from_file_location('trace_frame', TOOL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_counts_package_functions_and_file_crossings():
    from mmalphapose.apis import stages, writers
    from mmalphapose.structures import PoseMetainfo
    tool = load_tool()
    coco = osp.join(ROOT, 'configs', '_base_', 'datasets', 'coco.py')
    meta = PoseMetainfo.load(dict(from_file=coco))
    inst = type('I', (), {'__contains__': lambda self, k: False, '__len__': lambda self: 2})()
    with tool.FrameTrace() as trace:
        stages.drop_non_finite(inst, 'x')  # from this test file: a function, no hop
        ids = writers.select_keypoint_ids(meta, 'body')  # -> keypoint_parts -> PoseMetainfo
        np.zeros(3)  # numpy is not counted
    names = {name for _, name in trace.functions}
    assert {'drop_non_finite', 'select_keypoint_ids', 'keypoint_parts',
            'PoseMetainfo.load'} <= names
    assert not any(
        f.startswith('numpy') or not f.startswith('mmalphapose') for f, _ in trace.functions)
    apis = osp.join('mmalphapose', 'apis')
    # the only file crossing: writers.py -> structures/pose_metainfo.py (first: load)
    assert list(trace.hops) == [(osp.join(apis, 'writers.py'),
                                 osp.join('mmalphapose', 'structures', 'pose_metainfo.py'))]
    assert list(trace.hops.values()) == ['PoseMetainfo.load']
    assert ids.tolist() == list(range(17))


def test_missing_image_is_one_line_exit_2(tmp_path, capsys):
    assert load_tool().main([str(tmp_path / 'nope.jpg')]) == 2
    err = capsys.readouterr().err
    assert err.startswith('error: image') and err.count('\n') == 1


@pytest.mark.slow
@pytest.mark.parametrize('engine', ['onnxruntime', 'openvino'])
def test_demo_frame_path(repo_root, capsys, monkeypatch, engine):
    """The demo on one image: the counts are printed and stay within what
    the redesign reached (issue 30)."""
    if engine == 'openvino':
        pytest.importorskip('openvino')
    monkeypatch.setenv('MMALPHAPOSE_ONNX_ENGINE', engine)  # the detector's and the pose net's
    img = osp.join(repo_root, 'tests', 'data', 'coco', '000000000785.jpg')
    # measured 2026-12-07 19:59 UTC (P-NMS reads the pipeline's numpy arrays without
    # to_numpy): the default model (its part refiner on) 25 hops, 74 functions; without
    # the part refiner 20 hops, 60 functions (issue 30 began at 37, 107). OpenVINO's
    # session is Python code the trace follows (onnxruntime's run is compiled): two hops
    # (from the detector and the pose runner) and two functions more, 2026-12-08
    caps = {'onnxruntime': ((25, 74), (20, 60)), 'openvino': ((27, 76), (22, 62))}[engine]
    for extra, cap in zip(([], ['--', '--no-part-refine']), caps):
        assert load_tool().main([img] + extra) == 0
        out = capsys.readouterr().out
        hops = int(out.split('hops (file -> file, first function called): ')[1].split('\n')[0])
        funcs = int(out.split('distinct functions: ')[1].split(' ')[0])
        assert 0 < hops <= cap[0] and 0 < funcs <= cap[1], out
        assert 'threads: 1 (MainThread)' in out


def test_demo_options_after_double_dash_in_either_order():
    tool = load_tool()
    demo = ['--', '--no-part-refine', '--track', 'pose-aware']
    for argv in (['img.jpg', '--list-functions'] + demo, ['--list-functions', 'img.jpg'] + demo):
        args = tool.parse_args(argv)
        assert args.image == 'img.jpg' and args.list_functions
        assert args.demo_args == ['--no-part-refine', '--track', 'pose-aware']
    assert tool.parse_args(['img.jpg']).demo_args == []


def test_package_files_named_through_dotdot_paths_are_counted():
    """A package imported through ``tools/x/../..`` (a tool's sys.path entry)
    names its files with '..': they are still the package's."""
    tool = load_tool()
    trace = tool.FrameTrace()
    inside = osp.join(tool.PACKAGE, 'apis', '..', 'apis', 'stages.py')
    assert trace._ours(inside)
    assert trace._rel(inside) == osp.join('mmalphapose', 'apis', 'stages.py')
    assert not trace._ours(tool.PACKAGE + '_other' + osp.sep + 'x.py')
    assert not trace._ours(np.__file__)
