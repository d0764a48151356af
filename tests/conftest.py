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


# Skip reasons that mean "needs the full profile" (mmcv's compiled ops or mmdet):
# every such skip says 'full profile'; `make test` prints how many and how to run them.
FULL_PROFILE = 'full profile'


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """After the run: how many tests need the full profile, and the command."""
    skipped = terminalreporter.stats.get('skipped', [])
    n = sum(1 for rep in skipped
            if isinstance(rep.longrepr, tuple) and FULL_PROFILE in str(rep.longrepr[2]))
    if n:
        terminalreporter.write_line(
            f'{n} tests need the full profile (mmcv compiled ops + mmdet) and were skipped; '
            'run them with `make test-full` (the mmcv ops build takes about 31 min '
            'without a prebuilt wheel in ../shared/wheels)')
