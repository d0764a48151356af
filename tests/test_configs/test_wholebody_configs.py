"""The whole-body student configs' inference settings (issue 31 / 33): with
the part refiner (the model index's ``halpe136-student``) the flip test runs
only for person boxes >= 96 px; without it, for everybody (the student's own
hands need it)."""
import os.path as osp

from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
HALPE136 = osp.join(ROOT, 'configs', 'wholebody_2d_keypoint', 'heatmap', 'halpe136')
STUDENT = osp.join(HALPE136, 'heatmap_movenet-partfpn_1xb32-1200it_halpe136-256x256.py')
REFINER = STUDENT[:-len('.py')] + '_part-refiner.py'


def test_refiner_config_flips_from_192_px_the_student_flips_all():
    refined = Config.fromfile(REFINER)
    assert refined.part_refiner['type'] == 'WholeBodyPartRefiner'
    assert refined.model.test_cfg.flip_test and refined.model.test_cfg.flip_min_height == 192
    plain = Config.fromfile(STUDENT)
    assert 'part_refiner' not in plain
    assert plain.model.test_cfg.flip_test and plain.model.test_cfg.flip_min_height is None
    # the rest of the model is the student's
    refined.model.test_cfg.pop('flip_min_height')
    plain.model.test_cfg.pop('flip_min_height')
    assert refined.model.to_dict() == plain.model.to_dict()
