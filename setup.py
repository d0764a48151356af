"""Install mmalphapose: ``pip install -e .`` or ``pip install .`` (dependencies come
from requirements/).

The package carries its resources as OpenMMLab's ``mim`` does: ``configs/``,
``checkpoints/`` and ``model-index.yml`` are copied into ``mmalphapose/.mim``
when a wheel is built (``pip install .``) and symlinked there for an editable
install, so ``mmalphapose.utils.resources`` and mmengine's ``mmalphapose::``
config scheme find them from any directory.
"""
import os
import os.path as osp
import shutil
import sys

from setuptools import find_packages, setup


def read_requirements(fname: str) -> list:
    """Requirement lines of ``requirements/<fname>`` without comments."""
    path = osp.join(osp.dirname(__file__), 'requirements', fname)
    out = []
    with open(path) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line and not line.startswith('-'):
                out.append(line)
    return out


def get_version() -> str:
    ns: dict = {}
    with open(osp.join('mmalphapose', 'version.py')) as f:
        exec(f.read(), ns)
    return ns['__version__']


MIM_RESOURCES = ('configs', 'checkpoints', 'model-index.yml')


def add_mim_extension() -> None:
    """Copy (wheel/sdist builds) or symlink (editable installs) the resources
    into ``mmalphapose/.mim``."""
    building = any(cmd in sys.argv for cmd in ('bdist_wheel', 'sdist', 'build', 'install'))
    here = osp.dirname(osp.abspath(__file__))
    mim = osp.join(here, 'mmalphapose', '.mim')
    os.makedirs(mim, exist_ok=True)
    for name in MIM_RESOURCES:
        src, dst = osp.join(here, name), osp.join(mim, name)
        if not osp.exists(src):
            continue
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if building:
            if osp.isdir(src):
                shutil.copytree(src, dst, ignore=shutil.ignore_patterns('__pycache__'))
            else:
                shutil.copyfile(src, dst)
        else:
            os.symlink(osp.relpath(src, mim), dst)


add_mim_extension()

setup(
    name='mmalphapose',
    version=get_version(),
    description='AlphaPose (whole-body multi-person pose estimation and tracking) '
    'as an OpenMMLab-style toolbox',
    long_description=open('README.md').read() if osp.exists('README.md') else '',
    long_description_content_type='text/markdown',
    license='Apache License 2.0',
    license_files=['LICENSE'],
    packages=find_packages(include=['mmalphapose', 'mmalphapose.*']),
    include_package_data=True,
    package_data={'mmalphapose': ['.mim/**/*', '.mim/*']},
    python_requires='>=3.9',
    # torch and mmcv are deliberately not install_requires: pip would pull a CUDA
    # torch or build mmcv from source. Profiles are installed from requirements/.
    install_requires=[r for r in read_requirements('runtime.txt')],
    extras_require={
        'tests': read_requirements('tests.txt'),
        'full': read_requirements('mminstall.txt'),
        'core': read_requirements('core.txt'),
        'optional': read_requirements('optional.txt'),
    },
    entry_points={'console_scripts': ['mmalphapose-demo=mmalphapose.apis.cli:main']},
    zip_safe=False,
)
