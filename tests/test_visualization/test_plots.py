"""mmalphapose.visualization.plots: each chart is written as a PNG of the
expected size; bad input gives a one-line error naming the file."""
import json

import numpy as np
import pytest

from mmalphapose.visualization import plots


def write_scalars(path, epochs=3, iters_per_epoch=4):
    """mmengine LocalVisBackend lines: train rows (loss, lr, step) and one val
    row per epoch (coco/AP, step = epoch)."""
    lines = []
    step = 0
    for e in range(1, epochs + 1):
        for _ in range(iters_per_epoch):
            step += 1
            lines.append(dict(lr=1e-3 * min(1, step / 4), loss=1.0 / step, loss_kpt=1.0 / step,
                              epoch=e, iter=step, step=step))
        lines.append({'coco/AP': 0.1 * e, 'coco/AR': 0.12 * e, 'step': e})
    path.write_text('\n'.join(json.dumps(x) for x in lines) + '\nnot json\n')
    return str(path)


def _png_size(path):
    import matplotlib.image as mpimg
    return mpimg.imread(path).shape


def test_training_curves(tmp_path):
    scalars = write_scalars(tmp_path / 'scalars.json')
    train, val = plots.load_scalars(scalars)
    assert len(train) == 12 and len(val) == 3
    out = plots.plot_training_curves(scalars, str(tmp_path / 'c' / 'curves.png'))
    h, w = _png_size(out)[:2]
    assert w > 2.5 * h  # loss, lr and coco/AP side by side
    with pytest.raises(ValueError, match='nothing'):
        plots.plot_training_curves(scalars, str(tmp_path / 'x.png'), keys=['nothing'],
                                   metrics=[])
    empty = tmp_path / 'empty.json'
    empty.write_text('\n')
    with pytest.raises(ValueError, match='empty.json'):
        plots.load_scalars(str(empty))


def test_speed_chart(tmp_path):
    rows = [
        dict(clip='basketball', backend=b, end_to_end=e, detector=20., pose=p, io=90.)
        for b, e, p in (('pytorch', 5.1, 8.0), ('onnxruntime', 7.0, 11.5))
    ]
    out = plots.plot_speed(rows, str(tmp_path / 'speed.png'))
    assert _png_size(out)[0] > 100
    with pytest.raises(ValueError, match='no rows'):
        plots.plot_speed([], str(tmp_path / 'x.png'))


def test_id_switch_events_and_track_lifetimes(tmp_path):
    # two people walking apart; the tracker swaps their ids at frame 3
    gt, pred = [], []
    for f in range(1, 6):
        for pid, x in ((1, 10.), (2, 200.)):
            gt.append([f, pid, x + f, 10, 50, 100])
            track = pid if f < 3 else 3 - pid
            pred.append([f, track + 10, x + f, 10, 50, 100])
    gt, pred = np.asarray(gt, float), np.asarray(pred, float)
    events = plots.id_switch_events(gt, pred)
    assert sorted(events) == [(3, 1, 12), (3, 2, 11)]
    out = plots.plot_track_lifetimes(pred, str(tmp_path / 'tracks.png'), events)
    assert _png_size(out)[0] > 100
    assert plots.id_switch_events(gt, gt) == []
