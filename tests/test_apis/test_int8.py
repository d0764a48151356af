"""apis/int8.py: the nodes kept in float32, the calibration crops, the atomic
quantisation with its checksum."""
import json
import os
import re

import cv2
import numpy as np
import pytest
import torch

onnx = pytest.importorskip('onnx')
pytest.importorskip('onnxruntime')

from mmalphapose.apis import init_model  # noqa: E402
from mmalphapose.apis.int8 import calibration_crops  # noqa: E402
from mmalphapose.apis.int8 import excluded_nodes, parse_exclude, preprocess_crops  # noqa: E402
from mmalphapose.apis.int8 import quant_options, sensitive_nodes  # noqa: E402
from mmalphapose.testing import write_standin_config  # noqa: E402
from mmalphapose.utils.io import verify_checksum  # noqa: E402


def _chain_graph():
    """input -> c1 -> c2 -> up (Resize) -> c3 -> c4 -> Sigmoid -> head_out."""
    from onnx import helper
    nodes = [
        helper.make_node('Conv', ['input', 'w1'], ['a'], name='c1'),
        helper.make_node('Conv', ['a', 'w2'], ['b'], name='c2'),
        helper.make_node('Resize', ['b', '', 'scales'], ['c'], name='up'),
        helper.make_node('Conv', ['c', 'w3'], ['d'], name='c3'),
        helper.make_node('Conv', ['d', 'w4'], ['e'], name='c4'),
        helper.make_node('Sigmoid', ['e'], ['head_out'], name='sig'),
    ]
    return helper.make_graph(nodes, 'g', [], [])


def test_sensitive_nodes_are_the_first_conv_the_upsampling_and_the_head():
    graph = _chain_graph()
    assert set(sensitive_nodes(graph)) == {'c1', 'up', 'c3', 'c4', 'sig'}
    assert set(sensitive_nodes(graph, head_convs=1)) == {'c1', 'up', 'c4', 'sig'}
    assert 'c2' not in sensitive_nodes(graph)  # three convs from the output


def test_excluded_nodes_choices(tmp_path):
    path = str(tmp_path / 'g.onnx')
    onnx.save(onnx.helper.make_model(_chain_graph()), path)
    assert excluded_nodes(path, 'none') == []
    assert excluded_nodes(path, 'last-conv') == ['c4']
    assert set(excluded_nodes(path)) == {'c1', 'up', 'c3', 'c4', 'sig'}
    with pytest.raises(ValueError, match='exclude'):
        excluded_nodes(path, 'everything')


def test_exclusion_specs_head_convs_and_module_paths(tmp_path):
    """``sensitive:N`` keeps the head's last N convs, ``+PART`` every node
    inside that module path; a part matching nothing or a bad spec is a
    one-line ValueError naming it."""
    from onnx import helper
    graph = _chain_graph()
    for node, name in zip(graph.node, ['/backbone/stem/c1', '/backbone/stages.1/c2',
                                       '/backbone/Resize', '/backbone/stages.10/c3',
                                       '/head/c4', '/Sigmoid']):
        node.name = name
    path = str(tmp_path / 'g.onnx')
    onnx.save(helper.make_model(graph), path)
    assert parse_exclude('sensitive:3+stages.1+head') == ('sensitive', 3, ['stages.1', 'head'])
    assert parse_exclude('none') == ('none', 2, [])
    assert set(excluded_nodes(path, 'sensitive:1')) == {
        '/backbone/stem/c1', '/backbone/Resize', '/head/c4', '/Sigmoid'}
    assert set(excluded_nodes(path, 'sensitive:3')) == {n.name for n in graph.node}
    # a part is a whole path component: stages.1 is not stages.10
    assert excluded_nodes(path, 'none+stages.1') == ['/backbone/stages.1/c2']
    assert excluded_nodes(path, 'none+backbone/stages.10') == ['/backbone/stages.10/c3']
    assert excluded_nodes(path, 'last-conv+Resize') == ['/head/c4', '/backbone/Resize']
    with pytest.raises(ValueError, match='"stages.2"'):
        excluded_nodes(path, 'none+stages.2')
    for bad in ('none:2', 'sensitive:x', 'sensitive+', 'all'):
        with pytest.raises(ValueError, match=re.escape(f'got "{bad}"')):
            parse_exclude(bad)


def test_quant_options():
    assert quant_options() == dict(per_channel=True, extra_options={})
    assert quant_options(['sym', 'tensor', 'avg']) == dict(
        per_channel=False, extra_options=dict(ActivationSymmetric=True, CalibMovingAverage=True))
    with pytest.raises(ValueError, match='"fast"'):
        quant_options(['sym', 'fast'])


def _data_root(tmp_path, photos: int = 2):
    """people_photos/ with ``photos`` images and one short video."""
    root = tmp_path / 'data'
    (root / 'people_photos' / 'images').mkdir(parents=True)
    rng = np.random.default_rng(0)
    images, anns = [], []
    for i in range(photos):
        cv2.imwrite(str(root / 'people_photos' / 'images' / f'{i}.jpg'),
                    rng.integers(0, 255, (120, 80, 3), np.uint8))
        images.append(dict(id=i + 1, file_name=f'{i}.jpg', width=80, height=120))
        anns.append(dict(id=i + 1, image_id=i + 1, bbox=[10, 10, 50, 100]))
    (root / 'people_photos' / 'people_photos_coco17.json').write_text(
        json.dumps(dict(images=images, annotations=anns)))
    (root / 'videos').mkdir()
    out = cv2.VideoWriter(
        str(root / 'videos' / 'v.mp4'), cv2.VideoWriter_fourcc(*'mp4v'), 5, (96, 64))
    for _ in range(3):
        out.write(rng.integers(0, 255, (64, 96, 3), np.uint8))
    out.release()
    return str(root)


def test_calibration_crops_are_preprocessed_with_their_mirrors(tmp_path):
    model = init_model(write_standin_config(str(tmp_path)))
    root = _data_root(tmp_path)
    x = calibration_crops(model, root, photos=2, frames_per_video=2)
    n = len(x) // 2
    assert len(x) % 2 == 0 and n >= 2 and x.shape[1:] == (3, 64, 48) and x.dtype == np.float32
    np.testing.assert_array_equal(x[n:], x[:n][..., ::-1])
    img = cv2.imread(os.path.join(root, 'people_photos', 'images', '0.jpg'))
    one = preprocess_crops(model, [img], np.zeros(1, np.int64),
                           np.array([[10, 10, 60, 110]], np.float32))
    np.testing.assert_allclose(x[0], one[0], atol=1e-5)  # the GT box of the first photo
    with pytest.raises(FileNotFoundError, match='nothing'):
        calibration_crops(model, str(tmp_path / 'nothing'))


def test_quantise_int8_is_atomic_with_a_checksum(tmp_path):
    pytest.importorskip('onnxruntime.quantization', reason='needs ml_dtypes '
                        '(requirements/optional.txt)')
    from mmalphapose.apis.backends import OnnxRuntimeBackend
    from mmalphapose.apis.int8 import quantise_int8
    torch.manual_seed(0)
    model = init_model(write_standin_config(str(tmp_path)))
    fp32 = OnnxRuntimeBackend(cache_dir=str(tmp_path / 'c')).onnx_path(model)
    out = str(tmp_path / 'q' / 'model.int8.onnx')
    x = calibration_crops(model, _data_root(tmp_path), photos=2, frames_per_video=0)
    for exclude in ('none', 'last-conv'):  # the stand-in's head is its one conv
        quantise_int8(fp32, out, x, exclude=exclude)
        assert verify_checksum(out)
        assert sorted(os.listdir(tmp_path / 'q')) == ['model.int8.onnx',
                                                      'model.int8.onnx.sha256.json']
        graph = onnx.load(out).graph
        producer = {o: n.op_type for n in graph.node for o in n.output}
        keep = set(excluded_nodes(fp32, exclude))
        convs = [n for n in graph.node if n.op_type == 'Conv']
        assert convs and len(keep) == (exclude == 'last-conv')
        for conv in convs:  # an excluded conv keeps its float weights, the others read int8
            weight_from = producer.get(conv.input[1])
            assert (weight_from == 'DequantizeLinear') == (conv.name not in keep), conv.name


def _input_scale(path: str) -> float:
    """The scale of the QuantizeLinear reading the network input."""
    from onnx import numpy_helper
    graph = onnx.load(path).graph
    inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    q = next(n for n in graph.node if n.op_type == 'QuantizeLinear'
             and n.input[0] == graph.input[0].name)
    return float(inits[q.input[1]])


def test_quantise_int8_calibrates_on_every_crop(tmp_path):
    """MinMax ranges cover every calibration batch (not only the last ones),
    the histogram methods run in chunks, and the options reach the
    quantiser (per-tensor weights: one scale a conv)."""
    pytest.importorskip('onnxruntime.quantization', reason='needs ml_dtypes '
                        '(requirements/optional.txt)')
    from onnx import numpy_helper

    from mmalphapose.apis.backends import OnnxRuntimeBackend
    from mmalphapose.apis.int8 import quantise_int8
    torch.manual_seed(0)
    model = init_model(write_standin_config(str(tmp_path)))
    fp32 = OnnxRuntimeBackend(cache_dir=str(tmp_path / 'c')).onnx_path(model)
    x = np.random.default_rng(0).uniform(-1, 1, (40, 3, 64, 48)).astype(np.float32)
    x[0, 0, 0, 0] = 30.0  # only in the first of 20 batches of 2
    out = str(tmp_path / 'q.int8.onnx')
    quantise_int8(fp32, out, x, 'none', 'MinMax', batch=2)
    assert _input_scale(out) >= 31 / 255 - 1e-6  # the range spans [-1, 30]
    quantise_int8(fp32, out, x, 'none', 'Percentile', batch=2, chunk=8)  # 5 chunks of 4
    assert 2 / 255 - 1e-3 <= _input_scale(out) < 31 / 255  # the outlier cut off
    assert verify_checksum(out)
    for opts, channels in (((), 'many'), (('tensor', 'sym'), 'one')):
        quantise_int8(fp32, out, x, 'none', 'MinMax', batch=2, options=opts)
        graph = onnx.load(out).graph
        inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
        producer = {o: n for n in graph.node for o in n.output}
        conv = next(n for n in graph.node if n.op_type == 'Conv')
        scale = inits[producer[conv.input[1]].input[1]]
        assert (scale.size == 1) == (channels == 'one')
    with pytest.raises(ValueError, match='"fast"'):
        quantise_int8(fp32, out, x, 'none', options=('fast', ))


def test_video_frames_evenly_spaced_through_the_inputs_reader(tmp_path):
    """The calibration's video frames come from the inputs' reader: the
    evenly spaced frames of a readable video; none (no error) from a file that
    is not a video."""
    from mmalphapose.apis.int8 import _video_frames
    path = str(tmp_path / 'v.mp4')
    out = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 5, (32, 24))
    for i in range(7):
        out.write(np.full((24, 32, 3), 30 * i, np.uint8))
    out.release()
    frames = _video_frames(path, 3)  # frames 0, 3 and 6
    assert [int(round(f.mean() / 30)) for f in frames] == [0, 3, 6]
    bad = tmp_path / 'bad.mp4'
    bad.write_bytes(b'not a video')
    assert _video_frames(str(bad), 3) == []
