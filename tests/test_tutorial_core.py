"""The tutorial's sections 3.1 and 3.2 run on ember and print what the tutorial says."""
import os
import runpy
import subprocess
import sys

import numpy as np

import ember

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TUT = os.path.join(ROOT, 'examples', 'tutorial')


def _run(name):
    r = subprocess.run([sys.executable, os.path.join(TUT, name)], capture_output=True, text=True,
                       timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_section_3_1_tensors():
    out = _run('s3_1_tensors.py')
    assert '形状: torch.Size([3, 4, 5])' in out
    assert '维度: 3' in out
    assert '数据类型: torch.float32' in out
    assert '存储设备: cpu' in out


def test_section_3_2_autograd_prints_the_gradients():
    out = _run('s3_2_autograd.py')
    assert 'tensor([[2., 2.],\n        [2., 2.]])' in out       # dz/dx = 2
    assert 'tensor([[6., 6.],\n        [6., 6.]])' in out       # accumulated 3 times
    assert out.strip().endswith('False False')                  # detach / no_grad


def test_section_3_2_dz_dy_is_2y():
    x = ember.randn(2, 2, requires_grad=True)
    y = ember.randn(2, 2, requires_grad=True)
    z = x * 2 + y * y
    z.backward(ember.ones_like(z))
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 2), 2.0))
    np.testing.assert_allclose(y.grad.numpy(), 2 * y.detach().numpy(), rtol=1e-6)


def test_section_3_1_shapes():
    x = ember.randn(3, 4, 5)
    assert x[0].shape == (4, 5)
    assert x[:, 0:2, :].shape == (3, 2, 5)
    assert x.view(3, 20).shape == (3, 20)
    assert x.reshape(3, 20).shape == (3, 20)
    assert x.permute(2, 0, 1).shape == (5, 3, 4)
    assert x.transpose(0, 1).shape == (4, 3, 5)
    a = ember.randn(2, 3)
    v, i = ember.max(a, dim=1)
    np.testing.assert_array_equal(i.numpy(), a.numpy().argmax(1))
    np.testing.assert_allclose(v.numpy(), a.numpy().max(1))


def test_main_job_tour_runs():
    r = subprocess.run([sys.executable, os.path.join(ROOT, 'examples', 'tour.py')],
                       capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert 'd2/dx2 = 12.0' in r.stdout
