"""Shared pytest fixtures."""
import os
import os.path as osp

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DATA_ROOT = osp.join(REPO_ROOT, 'tests', 'data')
ARTIFACTS = osp.join(REPO_ROOT, 'tests', 'artifacts')

os.environ.setdefault('OMP_NUM_THREADS', '2')


@pytest.fixture(scope='session')
def repo_root() -> str:
    return REPO_ROOT


@pytest.fixture(scope='session')
def data_root() -> str:
    return DATA_ROOT


@pytest.fixture(scope='session')
def artifacts_dir() -> str:
    os.makedirs(ARTIFACTS, exist_ok=True)
    return ARTIFACTS
