"""Manifest details of mmalphapose.apis.sharding (issue 29): an image's
overlay folder listed once, a no-op re-run keeps the working run's figures."""
import json
import os
import os.path as osp

from mmalphapose.apis.sharding import build_manifest, list_inputs, run_shard, write_manifest


class VisWriterInferencer:
    """Writes ``<stem>_vis/`` and lists it among its outputs, as the image
    writers do (writers.py close_all)."""

    def __init__(self):
        self.calls = []

    def run(self, path, out_dir, **kwargs):
        self.calls.append(path)
        stem = osp.splitext(osp.basename(path))[0]
        vis = osp.join(out_dir, f'{stem}_vis')
        os.makedirs(vis, exist_ok=True)
        with open(osp.join(vis, osp.basename(path)), 'wb') as f:
            f.write(b'x')
        return dict(frames=1, people=2, outputs=[osp.join(out_dir, f'{stem}.json'), vis])


def _inputs(tmp_path):
    root = tmp_path / 'in'
    root.mkdir()
    for name in ('a.jpg', 'b.jpg'):
        (root / name).write_bytes(b'x')
    return list_inputs([str(root)])


def test_vis_folder_listed_once(tmp_path):
    items = _inputs(tmp_path)
    out = str(tmp_path / 'out')
    run_shard(VisWriterInferencer(), items, out, log=lambda _: None)
    man = build_manifest(out, items)
    for it in items:
        outputs = man['inputs'][it.path]['outputs']
        assert outputs.count(f'{it.stem}_vis') == 1, outputs


def test_noop_rerun_keeps_world_size_and_wall_seconds(tmp_path):
    items = _inputs(tmp_path)
    out = str(tmp_path / 'out')
    run_shard(VisWriterInferencer(), items, out, log=lambda _: None)
    write_manifest(out, build_manifest(out, items, world_size=4, wall_seconds=12.5))
    again = VisWriterInferencer()
    run_shard(again, items, out, log=lambda _: None)  # everything complete: nothing redone
    assert again.calls == []
    man = build_manifest(out, items, world_size=1, wall_seconds=0.01)
    assert (man['world_size'], man['wall_seconds']) == (4, 12.5)
    # a re-run that redid an input reports its own figures
    os.remove(items[0].marker(out))
    run_shard(again, items, out, log=lambda _: None)
    assert again.calls == [items[0].path]
    man = build_manifest(out, items, world_size=1, wall_seconds=0.3)
    assert (man['world_size'], man['wall_seconds']) == (1, 0.3)
    write_manifest(out, man)
    assert json.load(open(osp.join(out, 'manifest.json')))['wall_seconds'] == 0.3
