"""A small synthetic SMPL-format body model (a few hundred vertices, the real
24-joint SMPL tree), written in the official .pkl / .npz layout for tests.

Each joint gets 4 vertices placed symmetrically around it (the joint regressor
averages them, so the regressed rest joints are exactly the chosen joint
positions) and 8 more along the bone to its first child; 5 extra vertices
beyond the head, hands and feet are the leaf joints.
"""
import pickle
from typing import Dict, Tuple

import numpy as np
import scipy.sparse

from mmalphapose.models.body_models import SMPL_PARENTS

# a rough T-pose in metres (x left, y up, z forward), joint order of SMPL
REST_JOINTS = np.array([
    [0.00, 0.00, 0.00],
    [0.09, -0.08, 0.0],
    [-0.09, -0.08, 0.0],
    [0.0, 0.11, -0.02],
    [0.11, -0.46, 0.0],
    [-0.11, -0.46, 0.0],
    [0.0, 0.24, 0.0],
    [0.10, -0.86, -0.03],
    [-0.10, -0.86, -0.03],
    [0.0, 0.30, 0.02],
    [0.12, -0.92, 0.10],
    [-0.12, -0.92, 0.10],
    [0.0, 0.51, -0.01],
    [0.08, 0.42, 0.0],
    [-0.08, 0.42, 0.0],
    [0.0, 0.60, 0.04],
    [0.17, 0.44, -0.01],
    [-0.17, 0.44, -0.01],
    [0.43, 0.42, -0.03],
    [-0.43, 0.42, -0.03],
    [0.69, 0.43, -0.03],
    [-0.69, 0.43, -0.03],
    [0.77, 0.42, -0.04],
    [-0.77, 0.42, -0.04],
])
LEAF_POSITIONS = np.array([[0.0, 0.80, 0.02], [0.86, 0.41, -0.04], [-0.86, 0.41, -0.04],
                           [0.13, -0.94, 0.18], [-0.13, -0.94, 0.18]])
LEAF_PARENTS = (15, 22, 23, 10, 11)


def make_synthetic_smpl(seed: int = 0,
                        num_betas: int = 10,
                        pose_blend_scale: float = 1e-3) -> Tuple[Dict, Tuple[int, ...]]:
    """Official-layout fields and the 5 leaf vertex ids."""
    rng = np.random.default_rng(seed)
    children = {p: j for j, p in reversed(list(enumerate(SMPL_PARENTS))) if p >= 0}
    verts, owner = [], []
    offsets = np.array([[0.02, 0, 0.02], [-0.02, 0, -0.02], [0.02, 0, -0.02], [-0.02, 0, 0.02]])
    for j, pos in enumerate(REST_JOINTS):
        verts += list(pos + offsets)
        owner += [j] * 4
    for j, pos in enumerate(REST_JOINTS):
        end = REST_JOINTS[children[j]] if j in children else pos + [0, 0.05, 0]
        t = rng.uniform(0.1, 0.9, size=(8, 1))
        ring = rng.normal(scale=0.03, size=(8, 3))
        verts += list(pos + t * (end - pos) + ring)
        owner += [j] * 8
    leaf_ids = tuple(range(len(verts), len(verts) + 5))
    verts += list(LEAF_POSITIONS)
    owner += list(LEAF_PARENTS)
    v = np.asarray(verts)
    n_v, n_j = len(v), len(REST_JOINTS)
    weights = np.zeros((n_v, n_j))
    weights[np.arange(n_v), owner] = 1.0
    # blend a little with the parent for the bone vertices (not the leaves
    # and not the regressor vertices)
    bone = np.arange(4 * n_j, 12 * n_j)
    par = np.array([max(SMPL_PARENTS[o], 0) for o in np.asarray(owner)[bone]])
    mix = rng.uniform(0, 0.3, size=len(bone))
    weights[bone, np.asarray(owner)[bone]] -= mix
    weights[bone, par] += mix
    jreg = np.zeros((n_j, n_v))
    for j in range(n_j):
        jreg[j, 4 * j:4 * j + 4] = 0.25
    faces = np.stack([np.arange(0, n_v - 2), np.arange(1, n_v - 1), np.arange(2, n_v)], 1)
    kintree = np.array([[2**32 - 1] + list(SMPL_PARENTS[1:]), list(range(n_j))], np.int64)
    fields = dict(
        v_template=v,
        shapedirs=rng.normal(scale=0.01, size=(n_v, 3, num_betas)),
        posedirs=rng.normal(scale=pose_blend_scale, size=(n_v, 3, 9 * (n_j - 1))),
        J_regressor=jreg,
        weights=weights,
        kintree_table=kintree,
        f=faces.astype(np.uint32))
    return fields, leaf_ids


def write_synthetic_smpl(path: str,
                         seed: int = 0,
                         sparse: bool = True,
                         pose_blend_scale: float = 1e-3) -> Tuple[int, ...]:
    """Write the synthetic model to ``path`` (.pkl: J_regressor as a
    scipy.sparse csc matrix when ``sparse``; .npz: plain arrays); return the
    leaf vertex ids."""
    fields, leaf_ids = make_synthetic_smpl(seed, pose_blend_scale=pose_blend_scale)
    if path.endswith('.npz'):
        np.savez(path, **fields)
    else:
        if sparse:
            fields['J_regressor'] = scipy.sparse.csc_matrix(fields['J_regressor'])
        fields['bs_style'] = 'lbs'
        with open(path, 'wb') as f:
            pickle.dump(fields, f, protocol=2)
    return leaf_ids
