"""tools/analysis_tools/analyze_logs.py plot_curve: a work dir or its
scalars.json -> a PNG; a dir without logs exits 2 with one line."""
import json
import os.path as osp
import subprocess
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools', 'analysis_tools', 'analyze_logs.py')


def write_scalars(path):
    """Two epochs of mmengine LocalVisBackend lines (train rows, one val row each)."""
    rows = [dict(lr=1e-3, loss=1.0 / s, epoch=1 + (s > 3), step=s) for s in range(1, 7)]
    rows.insert(3, {'coco/AP': 0.1, 'step': 1})
    rows.append({'coco/AP': 0.2, 'step': 2})
    path.write_text('\n'.join(json.dumps(r) for r in rows) + '\n')


def test_plot_curve_from_a_work_dir(tmp_path):
    sys.path.insert(0, osp.dirname(TOOL))
    try:
        import analyze_logs
    finally:
        sys.path.pop(0)
    run = tmp_path / 'work' / '20261207_000000' / 'vis_data'
    run.mkdir(parents=True)
    write_scalars(run / 'scalars.json')
    out = tmp_path / 'curves.png'
    assert analyze_logs.main(['plot_curve', str(tmp_path / 'work'), '--out', str(out)]) == 0
    assert out.stat().st_size > 1000


def test_no_logs_is_a_one_line_error(tmp_path):
    res = subprocess.run(
        [sys.executable, TOOL, 'plot_curve',
         str(tmp_path), '--out',
         str(tmp_path / 'x.png')],
        capture_output=True,
        text=True,
        cwd=ROOT)
    assert res.returncode == 2, res.stderr
    assert 'scalars.json' in res.stderr and 'Traceback' not in res.stderr
    assert not (tmp_path / 'x.png').exists()
