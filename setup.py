"""Install mmalphapose: ``pip install -e .`` (dependencies come from requirements/)."""
import os.path as osp

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


setup(
    name='mmalphapose',
    version=get_version(),
    description='AlphaPose (whole-body multi-person pose estimation and tracking) '
    'as an OpenMMLab-style toolbox',
    long_description=open('README.md').read() if osp.exists('README.md') else '',
    long_description_content_type='text/markdown',
    license='Apache License 2.0',
    packages=find_packages(include=['mmalphapose', 'mmalphapose.*']),
    include_package_data=True,
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
    zip_safe=False,
)
