"""Input listing, size-balanced shards, markers / resume and the manifest of
mmalphapose.apis.sharding (with a fake inferencer: no model)."""
import json
import os
import os.path as osp

import pytest

from mmalphapose.apis.sharding import (MANIFEST, WorkItem, assign_shards, build_manifest,
                                       is_complete, list_inputs, pending_items, read_marker,
                                       run_shard, write_manifest)


def _touch(path, size=1):
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(b'x' * size)
    return path


@pytest.fixture
def tree(tmp_path):
    """in/a.jpg (30 B), in/b10.jpg, in/b2.jpg, in/cam1/v.mp4 (100 B),
    in/cam2/v.mp4 (50 B), in/cam2/v.jpg, in/notes.txt (ignored), in/.hidden/x.jpg."""
    root = tmp_path / 'in'
    _touch(str(root / 'a.jpg'), 30)
    _touch(str(root / 'b10.jpg'), 10)
    _touch(str(root / 'b2.jpg'), 20)
    _touch(str(root / 'cam1' / 'v.mp4'), 100)
    _touch(str(root / 'cam2' / 'v.mp4'), 50)
    _touch(str(root / 'cam2' / 'v.jpg'), 5)
    _touch(str(root / 'notes.txt'), 5)
    _touch(str(root / '.hidden' / 'x.jpg'), 5)
    return root


def test_list_folder_recursive_natural_order_and_mirrored_outputs(tree):
    items = list_inputs([str(tree)])
    rel = [osp.relpath(it.path, tree) for it in items]
    assert rel == ['a.jpg', 'b2.jpg', 'b10.jpg', 'cam1/v.mp4', 'cam2/v.jpg', 'cam2/v.mp4']
    by = {osp.relpath(it.path, tree): it for it in items}
    assert (by['a.jpg'].out_sub, by['a.jpg'].stem, by['a.jpg'].size) == ('', 'a', 30)
    assert (by['cam1/v.mp4'].out_sub, by['cam1/v.mp4'].stem) == ('cam1', 'v')
    # cam2/v.jpg and cam2/v.mp4 would both write cam2/v.json: each gets a folder
    subs = {by['cam2/v.jpg'].out_sub, by['cam2/v.mp4'].out_sub}
    assert len(subs) == 2 and all(s.startswith('cam2/v-') for s in subs)
    assert by['cam1/v.mp4'].marker('/o') == '/o/cam1/v.done.json'


def test_list_glob_list_file_dedup_and_exclude(tree, tmp_path):
    items = list_inputs([str(tree / '**' / '*.mp4')])
    assert [(it.out_sub, it.stem) for it in items] == [('cam1', 'v'), ('cam2', 'v')]
    lst = tree / 'list.txt'
    lst.write_text('# two inputs\na.jpg\n\ncam1/v.mp4\n')
    items = list_inputs([str(lst), str(tree / 'a.jpg')])  # a.jpg twice: once
    assert [osp.basename(it.path) for it in items] == ['a.jpg', 'v.mp4']
    assert [it.out_sub for it in items] == ['', '']
    out = tree / 'out'
    _touch(str(out / 'a_vis' / 'a.jpg'))
    assert not any('out' in it.path for it in list_inputs([str(tree)], exclude=str(out)))


def test_list_errors_name_the_input(tree, tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.mp4'):
        list_inputs([str(tmp_path / 'nope.mp4')])
    # a list's missing entries are items of their own: their run fails and is
    # counted in the manifest, the good entries are done (issue 28 item 3)
    lst = tmp_path / 'l.txt'
    lst.write_text('a.jpg\nmissing.jpg\nmissing.mp4\n')
    items = list_inputs([str(lst)])
    assert [osp.basename(it.path) for it in items] == ['a.jpg', 'missing.jpg', 'missing.mp4']
    empty = tmp_path / 'empty'
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match='no images or videos'):
        list_inputs([str(empty)])


def test_shards_cover_everything_once_balanced_and_deterministic():
    sizes = [70, 10, 55, 3, 90, 41, 41, 8, 60, 25, 1, 33]
    items = [WorkItem(f'x{i:02d}.mp4', '', f'x{i:02d}', s) for i, s in enumerate(sizes)]
    for world in (1, 2, 3, 5, 16):
        shards = assign_shards(items, world)
        assert len(shards) == world
        flat = [it for s in shards for it in s]
        assert sorted(flat, key=lambda it: it.path) == items  # each exactly once
        for s in shards:  # path order inside a shard
            assert s == sorted(s, key=lambda it: it.path)
        loads = [sum(it.size for it in s) for s in shards]
        # greedy largest-first: no rank exceeds the ideal by more than one item
        assert max(loads) <= sum(sizes) / world + max(sizes)
        assert assign_shards(list(items), world) == shards  # deterministic
    two = assign_shards(items, 2)
    assert abs(sum(i.size for i in two[0]) - sum(i.size for i in two[1])) <= 10
    with pytest.raises(ValueError):
        assign_shards(items, 0)


def test_shard_ties_go_to_the_lower_rank():
    items = [WorkItem(f'{c}.jpg', '', c, 5) for c in 'abcd']
    shards = assign_shards(items, 3)
    assert [[it.stem for it in s] for s in shards] == [['a', 'd'], ['b'], ['c']]


class FakeInferencer:
    """Writes <stem>.json like PoseInferencer.run; fails or interrupts on request."""

    def __init__(self, fail=(), interrupt=()):
        self.calls, self.fail, self.interrupt = [], set(fail), set(interrupt)

    def run(self, path, out_dir, **kwargs):
        self.calls.append(path)
        stem = osp.splitext(osp.basename(path))[0]
        if stem in self.fail:
            raise IOError(f'cannot open video "{path}"')
        os.makedirs(out_dir, exist_ok=True)
        out = osp.join(out_dir, f'{stem}.json')
        with open(out, 'w') as f:
            json.dump([kwargs], f)
        return dict(frames=3, people=2 * 3, outputs=[out], interrupted=stem in self.interrupt)


def test_run_shard_markers_resume_errors_and_manifest(tree, tmp_path):
    out = str(tmp_path / 'out')
    items = list_inputs([str(tree)])
    fake = FakeInferencer(fail={'b2'})
    lines = []
    recs = run_shard(fake, items, out, dict(format='coco'), rank=3, log=lines.append)
    assert len(recs) == len(items) == len(lines)
    assert fake.calls == [it.path for it in items]
    rec = read_marker(out, items[0])
    assert rec == dict(
        input=items[0].path,
        outputs=['a.json'],
        frames=3,
        people=6,
        seconds=rec['seconds'],
        error=None,
        rank=3)
    assert json.load(open(osp.join(out, 'a.json'))) == [dict(format='coco')]
    failed = [it for it in items if it.stem == 'b2'][0]
    assert 'OSError: cannot open video' in read_marker(out, failed)['error']
    assert not is_complete(out, failed)
    assert pending_items(out, items) == [failed]

    # re-run: only the failed input is tried again
    fake2 = FakeInferencer()
    run_shard(fake2, items, out, rank=0, log=lines.append)
    assert fake2.calls == [failed.path]
    assert pending_items(out, items) == []

    man = build_manifest(out, items, world_size=2, wall_seconds=1.5)
    assert man['totals'] == dict(
        inputs=6,
        complete=6,
        failed=0,
        missing=0,
        frames=18,
        people=36,
        seconds=man['totals']['seconds'])
    assert list(man['inputs']) == [it.path for it in items]
    assert man['inputs'][failed.path]['rank'] == 0
    path = write_manifest(out, man)
    assert path == osp.join(out, MANIFEST) and json.load(open(path)) == man


def test_interrupted_input_gets_no_marker_and_manifest_lists_missing(tree, tmp_path):
    out = str(tmp_path / 'out')
    items = list_inputs([str(tree)])
    fake = FakeInferencer(interrupt={'b2'})
    with pytest.raises(KeyboardInterrupt):
        run_shard(fake, items, out, log=lambda _: None)
    assert [is_complete(out, it) for it in items] == [True] + [False] * 5
    man = build_manifest(out, items)
    assert man['totals']['complete'] == 1 and man['totals']['missing'] == 5
    assert man['missing'] == [it.path for it in items[1:]]
    # a truncated marker (killed while writing, without the atomic writer) is not complete
    with open(items[0].marker(out), 'w') as f:
        f.write('{"input": ')
    assert not is_complete(out, items[0])


def test_an_input_locked_by_another_run_is_waited_for_not_clobbered(tree, tmp_path):
    """Two runs on one --out-dir (issue 28 item 4): an input another run holds
    is skipped at first and waited for at the end; done there when the other
    run finished it, done here when the other run died without a marker."""
    import threading

    from mmalphapose.apis.sharding import input_lock
    from mmalphapose.utils.io import atomic_write_json
    out = str(tmp_path / 'out')
    items = list_inputs([str(tree)])
    held, other_done = items[0], items[1]
    release = threading.Event()
    locked = threading.Event()

    def other_run():  # holds two inputs; finishes one of them, "dies" on the other
        with input_lock(held.lock(out), wait=True), \
                input_lock(other_done.lock(out), wait=True):
            locked.set()
            release.wait(10)
            atomic_write_json(
                other_done.marker(out),
                dict(input=other_done.path, outputs=[], frames=3, people=6, error=None, rank=9))

    t = threading.Thread(target=other_run)
    t.start()
    assert locked.wait(10)
    lines = []
    fake = FakeInferencer()
    threading.Timer(0.2, release.set).start()
    run_shard(fake, items, out, log=lines.append)
    t.join(10)
    assert sum('another run is doing it' in ln for ln in lines) == 2
    # the held input was redone here; the other run's input was not redone
    assert fake.calls == [it.path for it in items[2:]] + [held.path]
    assert pending_items(out, items) == []
    assert build_manifest(out, items)['totals']['complete'] == len(items)
