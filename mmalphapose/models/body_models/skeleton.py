"""The SMPL kinematic tree and HybrIK's 29-joint extension (facts, no logic).

SMPL has 24 joints; HybrIK adds 5 *leaf* joints, each taken from one SMPL
vertex, so that every one of the 24 SMPL joints has a child whose direction
defines its swing (head, hands and feet would otherwise have none).
"""
from typing import List, Tuple

#: SMPL's 24 joint names, in model order.
SMPL_JOINT_NAMES: Tuple[str, ...] = ('pelvis', 'left_hip', 'right_hip', 'spine1', 'left_knee',
                                     'right_knee', 'spine2', 'left_ankle', 'right_ankle', 'spine3',
                                     'left_foot', 'right_foot', 'neck', 'left_collar',
                                     'right_collar', 'head', 'left_shoulder', 'right_shoulder',
                                     'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist',
                                     'left_hand', 'right_hand')

#: parent of each SMPL joint (-1 for the root); SMPL's ``kintree_table[0]``.
SMPL_PARENTS: Tuple[int, ...] = (-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17,
                                 18, 19, 20, 21)

#: the pelvis child HybrIK's training IK swings first (spine1;
#: ``children_map[0] = 3`` in HybrIK's ``SMPL.py``).
PELVIS_SPINE_CHILD = 3

#: HybrIK's 5 leaf joints (indices 24-28) and their parents.
LEAF_JOINT_NAMES: Tuple[str, ...] = ('head_top', 'left_middle', 'right_middle', 'left_bigtoe',
                                     'right_bigtoe')
LEAF_PARENTS: Tuple[int, ...] = (15, 22, 23, 10, 11)

#: the SMPL vertices HybrIK uses as the leaf joints (for the official
#: 6890-vertex SMPL mesh).
SMPL_LEAF_VERTEX_IDS: Tuple[int, ...] = (411, 2445, 5905, 3216, 6617)

HYBRIK_JOINT_NAMES: Tuple[str, ...] = SMPL_JOINT_NAMES + LEAF_JOINT_NAMES
HYBRIK_PARENTS: Tuple[int, ...] = SMPL_PARENTS + LEAF_PARENTS
NUM_SMPL_JOINTS = 24
NUM_HYBRIK_JOINTS = 29

#: left/right pairs of the 29 joints (HybrIK's ``joint_pairs_29``).
HYBRIK_FLIP_PAIRS: Tuple[Tuple[int, int],
                         ...] = ((1, 2), (4, 5), (7, 8), (10, 11), (13, 14), (16, 17), (18, 19),
                                 (20, 21), (22, 23), (25, 26), (27, 28))


def flip_indices(num_joints: int = NUM_HYBRIK_JOINTS) -> List[int]:
    """Index of each joint's mirror joint, for the first ``num_joints``
    (24 or 29) joints."""
    idx = list(range(num_joints))
    for a, b in HYBRIK_FLIP_PAIRS:
        if b < num_joints:
            idx[a], idx[b] = b, a
    return idx


def children_of(parents: Tuple[int, ...]) -> List[List[int]]:
    """Children of every joint, in index order."""
    children: List[List[int]] = [[] for _ in parents]
    for j, p in enumerate(parents):
        if p >= 0:
            children[p].append(j)
    return children


def tree_levels(parents: Tuple[int, ...]) -> List[List[int]]:
    """Joints grouped by depth in the tree (root first); every joint's parent
    is in an earlier group, so one group can be processed at once."""
    depth = []
    for j, p in enumerate(parents):
        if p >= j:
            raise ValueError(f'parents must list a joint after its parent, '
                             f'joint {j} has parent {p}')
        depth.append(0 if p < 0 else depth[p] + 1)
    return [[j for j, d in enumerate(depth) if d == lvl] for lvl in range(max(depth) + 1)]
