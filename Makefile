# Two set-up commands for a fresh machine: `make demo` and `make test`.
# Everything is installed into ./.venv (override with VENV=...).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
WHEELS ?= ../shared/wheels
FIND_LINKS := $(if $(wildcard $(WHEELS)/mmcv-*.whl),--find-links $(WHEELS),)
PYTEST_ARGS ?= -m "not slow"
DEMO_INPUT ?= demo/resources/demo_basketball.mp4
DEMO_OUT ?= outputs/demo

.PHONY: demo test test-full test-all test-interop test-parity core full venv clean-venv

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -r requirements/build.txt

# core profile: no compiler anywhere (mmcv-lite, no mmdet). Skipped when the
# full profile is already installed (it is a superset).
$(VENV)/.core: $(PY) requirements/runtime.txt requirements/core.txt setup.py
	@if [ -f $(VENV)/.full ]; then echo "full profile present: core not needed"; else \
	  $(PIP) install -r requirements/runtime.txt -r requirements/core.txt && \
	  $(PIP) install --no-deps -e . ; fi
	@touch $@

# full profile: mmcv 2.1.0 with compiled ops (prebuilt wheel when found, else a
# ~31 min source build on 2 cores) and mmdet 3.3.0.
$(VENV)/.full: $(PY) requirements/runtime.txt requirements/mminstall.txt requirements/tests.txt setup.py
	@if $(PY) -m pip show mmcv-lite >/dev/null 2>&1; then $(PIP) uninstall -y mmcv-lite; fi
	@if [ -n "$(FIND_LINKS)" ]; then echo "full profile: prebuilt mmcv wheel found in $(WHEELS) (about 3 min)"; fi
	@if [ -z "$(FIND_LINKS)" ]; then echo "full profile: no prebuilt mmcv wheel in $(WHEELS): building mmcv 2.1.0 ops from source (about 31 min on 2 cores)"; \
	  MMCV_WITH_OPS=1 MAX_JOBS=$${MAX_JOBS:-2} $(PIP) install --no-build-isolation mmcv==2.1.0; fi
	$(PIP) install $(FIND_LINKS) -r requirements/runtime.txt -r requirements/mminstall.txt -r requirements/tests.txt
	$(PIP) install --no-deps -e .
	@touch $@ $(VENV)/.core

core: $(VENV)/.core
full: $(VENV)/.full
venv: $(PY)

demo: $(VENV)/.core
	$(PY) demo/topdown_demo.py $(DEMO_INPUT) --out-dir $(DEMO_OUT)

# test requirements on top of whichever profile is installed
$(VENV)/.tests: $(VENV)/.core requirements/tests.txt
	$(PIP) install -r requirements/tests.txt
	@touch $@

# `make test`: the compiler-free core profile (or the full one when installed) and every
# test it can run; tests that need mmcv's compiled ops or mmdet are skipped and counted
# (tests/conftest.py prints how many and the command that runs them: `make test-full`).
test: $(VENV)/.tests
	$(PY) -m pytest $(PYTEST_ARGS) tests

# `make test-full`: the full profile (mmcv ops + mmdet; the prebuilt mmcv wheel when
# found in $(WHEELS), else a ~31 min source build, said before it starts) and the same suite.
test-full: $(VENV)/.full
	$(PY) -m pytest $(PYTEST_ARGS) tests

test-all: $(VENV)/.full
	$(PY) -m pytest tests

# `make test-parity`: our code against AlphaPose's, HybrIK's and poseval's own code, from
# snapshots named by MMALPHAPOSE_{ALPHAPOSE,HYBRIK,POSEVAL}_SRC (docs/parity.md); the
# tests/parity/parity_*.py files are outside the default runs' test_*.py pattern
test-parity: $(VENV)/.full
	$(PY) -m pytest -o python_files='parity_*.py' -rs tests/parity

# interop profile: MMPose 1.3.2 (no deps) in .venv-interop, a venv without pip
# whose .pth line adds the full profile's site-packages; runs tests/test_interop
# (the projects/ configs in MMPose's Runner and inferencers, MMDetection's
# registries). The main venv never gets MMPose; torchvision is not installed
# (tests/test_interop/conftest.py supplies a stand-in for MMPose's one import).
INTEROP_VENV ?= .venv-interop
MMPOSE_VERSION ?= 1.3.2
INTEROP_SITE = $(INTEROP_VENV)/lib/python3.11/site-packages

$(INTEROP_VENV)/.interop: $(VENV)/.full
	rm -rf $(INTEROP_VENV)
	$(PYTHON) -m venv --without-pip $(INTEROP_VENV)
	echo "import site; site.addsitedir('$(abspath $(VENV))/lib/python3.11/site-packages')" \
	  > $(INTEROP_SITE)/mmalphapose_full_profile.pth
	$(PIP) install --no-deps --target $(INTEROP_SITE) mmpose==$(MMPOSE_VERSION)
	@touch $@

test-interop: $(INTEROP_VENV)/.interop
	$(INTEROP_VENV)/bin/python -m pytest tests/test_interop

clean-venv:
	rm -rf $(VENV)
