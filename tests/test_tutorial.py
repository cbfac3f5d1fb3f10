"""The tutorial's programs (examples/tutorial/) run through the torch launcher, unmodified,
and print what the tutorial says they do."""
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import ember

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TUT = os.path.join(ROOT, 'examples', 'tutorial')


def run(name, *args, cwd=None, timeout=300):
    """Run a tutorial program through ``python -m ember.run``; returns its stdout."""
    r = subprocess.run([sys.executable, '-m', 'ember.run', os.path.join(TUT, name), *args],
                       capture_output=True, text=True, timeout=timeout, cwd=cwd or ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def test_2_2_verify_install():
    out = run('s2_2_verify_install.py')
    assert 'PyTorch 版本: 2.13.0+ember' in out
    assert 'CUDA 是否可用: False' in out or 'CUDA 是否可用: True' in out


def test_3_1_tensor_attributes():
    out = run('s3_1_attributes.py')
    assert '形状: torch.Size([3, 4, 5])' in out
    assert '维度: 3' in out
    assert '数据类型: torch.float32' in out
    assert '存储设备: cpu' in out
    assert out.strip().endswith('torch.Size([4, 3, 5])')


def test_3_1_create_and_math():
    out = run('s3_1_create.py')
    assert 'tensor([[1, 2],\n        [3, 4]])' in out
    assert 'tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])' in out
    assert 'torch.float32\ntorch.int64' in out
    out = run('s3_1_math.py')
    assert out.startswith('torch.Size([2, 2])')


def test_3_2_autograd():
    out = run('s3_2_backward.py')
    assert out.startswith('tensor([[2., 2.],\n        [2., 2.]])')     # dz/dx = 2
    assert out.strip().endswith('True')                                 # dz/dy = 2y
    out = run('s3_2_accumulate.py')
    assert out.startswith('tensor([[6., 6.],\n        [6., 6.]])')     # 3 x 2 accumulated
    assert out.strip().endswith('tensor([[0., 0.],\n        [0., 0.]])')
    assert run('s3_2_detach_no_grad.py').strip() == 'False False'


def test_3_2_dz_dy_is_2y():
    x = ember.randn(2, 2, requires_grad=True)
    y = ember.randn(2, 2, requires_grad=True)
    z = x * 2 + y * y
    z.backward(ember.ones_like(z))
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 2), 2.0))
    np.testing.assert_allclose(y.grad.numpy(), 2 * y.detach().numpy(), rtol=1e-6)


def test_3_3_modules_print_like_pytorch():
    out = run('s3_3_simplenet.py')
    assert out == ('SimpleNet(\n  (fc1): Linear(in_features=10, out_features=50, bias=True)\n'
                   '  (fc2): Linear(in_features=50, out_features=2, bias=True)\n)\n')
    out = run('s3_3_layers.py')
    assert 'Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))' in out
    assert 'MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)' in out
    assert 'LayerNorm((16, 32, 32), eps=1e-05, elementwise_affine=True, bias=True)' in out
    out = run('s3_3_sequential.py')
    assert '(4): Linear(in_features=20, out_features=2, bias=True)' in out
    assert out.strip().endswith('torch.Size([4, 2])')


def test_3_4_optimizers_and_training_loop():
    out = run('s3_4_optimizers.py')
    assert out.startswith('RMSprop (')
    assert out.strip().endswith('[0.01]')
    out = run('s3_4_training_loop.py')
    first = float(out.split('initial loss ')[1].split()[0])
    last = float(out.split('final loss ')[1].split(',')[0])
    assert last < first / 10
    assert 'lr 0.000100' in out          # StepLR: 0.1 * 0.1**3 after 100 epochs


def test_3_5_losses():
    out = run('s3_5_losses.py')
    assert 'BCELoss()\nCrossEntropyLoss()\nMSELoss()\nL1Loss()\nSmoothL1Loss()' in out


def test_launcher_semantics(tmp_path):
    (tmp_path / 'helper_mod.py').write_text('VALUE = 41\n')
    script = tmp_path / 'prog.py'
    script.write_text('import sys, torch, torch.nn as nn, torchvision\n'
                      'import helper_mod\n'
                      'assert torch.nn is nn and torch.__name__ == "ember"\n'
                      'print(__name__, sys.argv[1:], helper_mod.VALUE + 1)\n'
                      'try:\n'
                      '    torch.sparse.mm(torch.ones(2, 2), torch.ones(2, 2))\n'
                      'except NotImplementedError as e:\n'
                      '    print(e)\n'
                      'print(hasattr(torch, "no_such_api"))\n'
                      'sys.exit(7)\n')
    r = subprocess.run([sys.executable, '-m', 'ember.run', str(script), 'a', '--b'],
                       capture_output=True, text=True, timeout=120, cwd=str(tmp_path))
    assert r.returncode == 7, r.stderr
    assert r.stdout.splitlines() == ["__main__ ['a', '--b'] 42",
                                     'ember does not implement torch.sparse.mm yet', 'False']


def test_main_job_tour_runs():
    r = subprocess.run([sys.executable, os.path.join(ROOT, 'examples', 'tour.py')],
                       capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert 'd2/dx2 = 12.0' in r.stdout


def _write_small_cifar(root, n_train=40, n_test=20):
    """A small CIFAR-10 in the real python-pickle layout; returns {filename: md5}."""
    import hashlib
    import pickle
    base = os.path.join(root, 'cifar-10-batches-py')
    os.makedirs(base)
    rng = np.random.RandomState(0)
    md5 = {}

    def dump(name, obj):
        path = os.path.join(base, name)
        with open(path, 'wb') as f:
            pickle.dump(obj, f)
        md5[name] = hashlib.md5(open(path, 'rb').read()).hexdigest()
    for i in range(1, 6):
        dump(f'data_batch_{i}', {'data': rng.randint(0, 256, (n_train // 5, 3072), dtype=np.uint8),
                                 'labels': rng.randint(0, 10, n_train // 5).tolist()})
    dump('test_batch', {'data': rng.randint(0, 256, (n_test, 3072), dtype=np.uint8),
                        'labels': rng.randint(0, 10, n_test).tolist()})
    dump('batches.meta', {'label_names': ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog',
                                          'frog', 'horse', 'ship', 'truck']})
    return md5


def test_4_1_builtin_cifar10(tmp_path):
    # offline: a small CIFAR-10 in the real format under ./data; a test-only sitecustomize
    # registers its MD5s in place of the real archive's, so download=True finds it complete
    md5 = _write_small_cifar(str(tmp_path / 'data'))
    shim = tmp_path / 'shim'
    shim.mkdir()
    (shim / 'sitecustomize.py').write_text(
        'import ember.vision.datasets as d\n'
        f'm = {md5!r}\n'
        "d.CIFAR10.train_list = [[f'data_batch_{i}', m[f'data_batch_{i}']] for i in range(1, 6)]\n"
        "d.CIFAR10.test_list = [['test_batch', m['test_batch']]]\n"
        "d.CIFAR10.meta = dict(d.CIFAR10.meta, md5=m['batches.meta'])\n")
    env = dict(os.environ, PYTHONPATH=str(shim) + os.pathsep + os.environ.get('PYTHONPATH', ''))
    r = subprocess.run([sys.executable, '-m', 'ember.run',
                        os.path.join(TUT, 's4_1_builtin_datasets.py')],
                       capture_output=True, text=True, timeout=300, cwd=str(tmp_path), env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == '40 20 torch.Size([32, 3, 224, 224]) torch.float32 ' \
                               'torch.Size([32]) torch.int64'


def test_4_1_custom_dataset_with_workers():
    out = run('s4_1_custom_dataset.py')
    assert out.splitlines() == ['Tensor torch.Size([16, 3, 32, 32]) torch.float64 '
                                'torch.Size([16]) torch.int64', '100 7']


def test_4_2_transforms():
    out = run('s4_2_transforms.py')
    assert 'RandomRotation(degrees=[-10.0, 10.0]' in out
    assert out.strip().endswith('torch.Size([3, 224, 224]) torch.float32')


def test_5_training_evaluation_save_load(tmp_path):
    out = run('s5_1_training_loop.py', cwd=str(tmp_path))
    losses = [float(l.rsplit('Loss: ', 1)[1]) for l in out.splitlines() if 'Loss: ' in l]
    assert len(losses) == 10 and losses[-1] < losses[0] / 5
    out = run('s5_2_evaluation.py', cwd=str(tmp_path))
    assert float(out.rsplit('测试准确率: ', 1)[1].rstrip('%\n')) > 90
    out = run('s5_3_save_load.py', cwd=str(tmp_path))
    assert out.strip() == 'SimpleNet True True'
    assert (tmp_path / 'model.pth').exists() and (tmp_path / 'model_weights.pth').exists()


@pytest.mark.slow
def test_6_main_job_mnist_cnn_learns(tmp_path):
    """The README's main job: the tutorial's CNN on the bundled digits, 5 epochs."""
    r = subprocess.run([sys.executable, os.path.join(ROOT, 'examples', 'mnist_cnn.py'),
                        '--workdir', str(tmp_path)], capture_output=True, text=True,
                       timeout=900, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    accs = [float(l.rsplit(': ', 1)[1].rstrip('%')) for l in r.stdout.splitlines()
            if '测试准确率' in l]
    assert len(accs) == 5 and accs[-1] >= 97, r.stdout
    sd = ember.load(tmp_path / 'mnist_cnn.pth')
    assert list(sd) == ['conv1.weight', 'conv1.bias', 'conv2.weight', 'conv2.bias', 'fc1.weight',
                        'fc1.bias', 'fc2.weight', 'fc2.bias']


def _mpi_available():
    try:
        import mpi4py  # noqa: F401
        return True
    except ImportError:
        return False


@pytest.mark.skipif(not _mpi_available(), reason='mpi4py/MPI not installed (pip install "ember[distributed]")')
def test_7_1_distributed(tmp_path):
    cmd = [sys.executable, '-m', 'ember.distributed.run', '--nproc_per_node', '2']
    r = subprocess.run(cmd + [os.path.join(TUT, 's7_1_distributed_gloo.py')], capture_output=True,
                       text=True, timeout=300, cwd=str(tmp_path))
    assert r.returncode == 0, r.stdout + r.stderr
    # each rank's message, found anywhere: the ranks' text and newlines are separate writes,
    # so one rank's line may be cut by the other's
    found = re.findall(r'rank \d: parameters identical across ranks: (?:True|False)', r.stdout)
    assert sorted(found) == ['rank 0: parameters identical across ranks: True',
                             'rank 1: parameters identical across ranks: True'], r.stdout
    # the tutorial's own NCCL program on a machine without GPUs: PyTorch's error, non-zero exit
    r = subprocess.run(cmd + [os.path.join(TUT, 's7_1_distributed.py')], capture_output=True,
                       text=True, timeout=300, cwd=str(tmp_path))
    if not ember.cuda.is_available():
        assert r.returncode != 0
        assert "Distributed package doesn't have NCCL built in" in r.stderr


def test_7_2_quantization_matches_pytorch_output():
    out = run('s7_2_quantization.py')
    assert '(fc1): DynamicQuantizedLinear(in_features=3136, out_features=128, dtype=torch.qint8, ' \
           'qscheme=torch.per_tensor_affine)' in out
    assert out.strip().endswith(
        'QuantizedConv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), scale=1.0, zero_point=0, '
        'padding=(1, 1))\nQuantizedLinear(in_features=3136, out_features=128, scale=1.0, '
        'zero_point=0, qscheme=torch.per_channel_affine)')


def test_7_3_amp_on_cpu_disables_itself_and_trains():
    r = subprocess.run([sys.executable, '-m', 'ember.run', os.path.join(TUT, 's7_3_amp.py')],
                       capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    if not ember.cuda.is_available():
        assert 'Disabling autocast' in r.stderr and 'GradScaler is enabled, but CUDA is not ' \
                                                  'available.  Disabling.' in r.stderr
        assert r.stdout.strip().endswith('scale 1.0, enabled False')
    assert float(r.stdout.split('final loss ')[1].split(',')[0]) < 0.69


def test_7_4_pruning():
    out = run('s7_4_pruning.py')
    assert out.startswith('conv1: 29.9% zeros') or out.startswith('conv1: 30.')
    assert 'global sparsity: 30.0%' in out
    assert out.strip().endswith("['conv1.bias', 'conv1.weight_orig', 'conv1.weight_mask']")


def test_8_debugging_aids():
    out = run('s8_debugging.py')
    assert 'after 1.0000' in out
    assert 'torch.Size([16, 10]) torch.Size([16, 2])' in out


def test_every_tutorial_program_is_exercised_here():
    src = open(__file__, encoding='utf-8').read()
    for name in sorted(os.listdir(TUT)):
        if name.endswith('.py'):
            assert name in src or name == 's6_mnist_cnn.py', f'{name} has no test'


@pytest.mark.slow
def test_demo_reaches_97_percent_and_writes_its_files(tmp_path):
    """The README's main job: ``python -m ember.demo`` on the bundled digits."""
    import time
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, '-m', 'ember.demo', '--out-dir', str(tmp_path)],
                       capture_output=True, text=True, timeout=600, cwd=str(tmp_path))
    elapsed = time.perf_counter() - t0
    assert r.returncode == 0, r.stderr
    acc = float(r.stdout.split('test accuracy   ')[1].split('%')[0])
    assert acc >= 97.0, r.stdout
    assert 'loss' in r.stderr and '#' in r.stderr          # the progress bar
    png = (tmp_path / 'mnist_cnn.png').read_bytes()
    assert png[:8] == b'\x89PNG\r\n\x1a\n'
    sd = ember.load(tmp_path / 'mnist_cnn.pth')
    assert list(sd)[:2] == ['conv1.weight', 'conv1.bias']
    print(f'demo: {acc:.2f}% in {elapsed:.0f}s')
