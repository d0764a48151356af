"""docs/interop.md lists exactly the names both mmalphapose and MMPose register
(same registry), so the doc stays true as either side changes."""
import os.path as osp
import re

import pytest

pytest.importorskip('mmpose')

from .conftest import REPO  # noqa: E402

REGISTRIES = ('DATASETS', 'TRANSFORMS', 'MODELS', 'METRICS', 'KEYPOINT_CODECS', 'HOOKS',
              'TASK_UTILS', 'VISUALIZERS', 'INFERENCERS', 'EVALUATORS')


def shared_names():
    """(name, registry) registered in both our and MMPose's own registries."""
    import mmpose.registry as mmpose_registry

    import mmalphapose.registry as ours
    shared = set()
    for reg in REGISTRIES:
        a, b = getattr(ours, reg), getattr(mmpose_registry, reg)
        a.import_from_location()
        b.import_from_location()
        shared |= {(name, reg) for name in set(a.module_dict) & set(b.module_dict)}
    return shared


def documented_names():
    text = open(osp.join(REPO, 'docs/interop.md')).read()
    section = text[text.index('## Names that MMPose also registers'):]
    section = section[:section.index('\n## ', 1)]
    return set(re.findall(r'^\| `(\w+)` \| (\w+) \|', section, re.M))


def test_docs_list_every_same_name_class():
    assert documented_names() == shared_names()


def test_fastpose_head_no_longer_shadows_mmposes():
    import mmpose.registry as mmpose_registry

    import mmalphapose.registry as ours
    ours.MODELS.import_from_location()
    assert 'HeatmapHead' not in ours.MODELS.module_dict
    assert ours.MODELS.get('FastPoseHeatmapHead') is not None
    mmpose_registry.MODELS.import_from_location()
    assert mmpose_registry.MODELS.get('mmalphapose.FastPoseHeatmapHead') is \
        ours.MODELS.get('FastPoseHeatmapHead')
