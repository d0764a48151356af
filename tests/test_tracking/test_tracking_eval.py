"""The hand-checked id table of the basketball clip and the scoring of
``benchmarks/tracking_eval.py`` (the full benchmark runs the models; the
slow test below runs the trackers on the clip)."""
import importlib.util
import os.path as osp

import pytest


def _bench(repo_root):
    spec = importlib.util.spec_from_file_location(
        'tracking_eval_bench', osp.join(repo_root, 'benchmarks', 'tracking_eval.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_id_table_covers_both_players_in_every_frame(repo_root):
    bench = _bench(repo_root)
    table = bench.load_id_table()
    assert table.shape == (150, 6)
    for pid in (1, 2):
        frames = table[table[:, 1] == pid, 0]
        assert sorted(frames.astype(int).tolist()) == list(range(75))
    # the white-shirt player (1) stays left of the blue-shirt player (2)
    by_frame = {int(f): {} for f in table[:, 0]}
    for r in table:
        by_frame[int(r[0])][int(r[1])] = r[2] + r[4] / 2
    assert all(v[1] < v[2] for v in by_frame.values())


def test_scoring_counts_switches_per_person(repo_root):
    bench = _bench(repo_root)
    table = bench.load_id_table()
    perfect = bench.score(table, table.copy())
    assert perfect['switches'] == 0 and perfect['idf1'] == 1.0
    swapped = table.copy()
    late = swapped[:, 0] >= 40
    swapped[late, 1] = 3 - swapped[late, 1]  # ids exchanged from frame 40 on
    s = bench.score(table, swapped)
    assert s['switches'] == 2 and s['per_person'][1]['ids'] == [1, 2]
    assert s['idf1'] < 0.6
    # a box that covers nobody: the frame counts as uncovered, not as a switch
    shifted = table.copy()
    shifted[shifted[:, 0] == 10, 2] += 500
    s = bench.score(table, shifted)
    assert s['switches'] == 0 and s['per_person'][2]['missed'] == [10]


@pytest.mark.slow
def test_trackers_on_the_clip_with_the_default_model(repo_root):
    bench = _bench(repo_root)
    from mmalphapose.utils import register_all_modules
    register_all_modules()
    frames = bench.pose_frames(75)
    assert 'embeddings' in frames[0][1]
    table = bench.load_id_table()
    ours = bench.score(table,
                       bench.tracked_rows(bench.run_tracker(dict(type='PoseAwareTracker'), frames)))
    assert ours['switches'] == 0
    assert ours['ids_in_json'] == list(range(1, len(ours['ids_in_json']) + 1))
    base = bench.score(table,
                       bench.tracked_rows(bench.run_tracker(dict(type='IoUTracker'), frames)))
    assert ours['idf1'] >= base['idf1']
