"""Shared fixtures: every test runs on every available device."""
import os

os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')

import numpy as np
import pytest

import ember


def _devices():
    devs = ['cpu']
    from ember.backend import cuda
    devs.append(pytest.param('cuda', marks=pytest.mark.skipif(not cuda.is_available(),
                                                              reason='no CUDA device (CuPy + GPU)')))
    return devs


@pytest.fixture(params=_devices())
def device(request):
    """The device a test runs on: 'cpu', and 'cuda' where a GPU is present."""
    return request.param


@pytest.fixture(autouse=True)
def _seed():
    np.random.seed(0)
    yield
