"""``AlphaPose()`` over dtypes, shapes and value ranges (issue 28 item 9):
every frame either gives well-formed arrays (N,K,2) / (N,K) / (N,) or raises
a ``ValueError`` naming the fault; never ``cv2.error``, never a crash later
in the tracker. A property test (hypothesis) and the listed cases."""
import numpy as np
import pytest

hypothesis = pytest.importorskip('hypothesis')
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

pytestmark = pytest.mark.slow  # builds the bundled detector and pose model


@pytest.fixture(scope='module')
def pose():
    from mmalphapose import AlphaPose
    return AlphaPose()


def _check(pose, frame):
    try:
        kpts, scores, ids = pose(frame)
    except ValueError as exc:
        assert str(exc).startswith('AlphaPose frame'), exc
        return False
    n, k = scores.shape
    assert kpts.shape == (n, k, 2) and ids.shape == (n, ) and ids.dtype == np.int64
    assert kpts.dtype == np.float32 and np.isfinite(kpts).all()
    return True


DTYPES = st.sampled_from([
    np.uint8, np.uint16, np.int8, np.int32, np.int64, np.float16, np.float32, np.float64, np.bool_
])
SHAPES = st.one_of(
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=0, max_side=40),
    st.tuples(st.integers(0, 40), st.integers(0, 40), st.sampled_from([1, 3, 4, 5])),
    st.tuples(st.sampled_from([1, 3, 4]), st.integers(5, 40), st.integers(5, 40)),
    hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=6))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_any_array_is_a_pose_or_a_value_error(pose, data):
    dtype = data.draw(DTYPES)
    shape = data.draw(SHAPES)
    elements = None
    if np.issubdtype(dtype, np.floating):
        width = 16 if dtype == np.float16 else 32 if dtype == np.float32 else 64
        elements = st.one_of(
            st.floats(-1e4, 1e4, width=width), st.floats(0, 1, width=width),
            st.sampled_from([float('nan'), float('inf'), -float('inf')]))
    frame = data.draw(hnp.arrays(dtype, shape, elements=elements))
    _check(pose, frame)


@pytest.mark.parametrize('frame, ok', [
    (np.zeros((0, 0, 3), np.uint8), False),
    (np.zeros((64, 64, 3), np.int64), True),
    (np.zeros((64, 64, 3), bool), False),
    ([[[0, 0, 0]] * 8] * 8, True),
    (np.zeros((3, 64, 64), np.uint8), False),
    (np.full((64, 64, 3), 0.5, np.float32), True),
    (np.full((64, 64, 3), 40000, np.uint16), True),
    (np.full((64, 64, 3), np.nan, np.float32), False),
])
def test_listed_inputs(pose, frame, ok):
    assert _check(pose, frame) is ok


def test_float_and_uint16_frames_find_the_same_people_as_uint8(pose):
    import os.path as osp

    import cv2
    img = cv2.imread(
        osp.join(
            osp.dirname(osp.dirname(osp.abspath(__file__))), 'data', 'coco', '000000000785.jpg'))
    counts = []
    for frame in (img, img.astype(np.float32) / 255, img.astype(np.uint16) * 257):
        pose.reset()
        counts.append(len(pose(frame)[0]))
    assert counts[0] >= 1 and counts == [counts[0]] * 3
    with pytest.raises(ValueError, match='device'):
        from mmalphapose import AlphaPose
        AlphaPose(device='banana')
