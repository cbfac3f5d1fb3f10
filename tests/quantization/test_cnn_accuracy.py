"""Issue 11's acceptance on the tutorial CNN and the bundled digits: after dynamic and after
static quantization the test accuracy stays within 1 point of the float model's, and the saved
state_dict is at most 0.3x the float one's size."""
import copy
import io

import pytest

import ember
import ember.nn as nn
from ember.demo import CNN
from ember.utils.data import DataLoader, TensorDataset


def _data():
    from ember.vision import datasets
    out = []
    for train in (True, False):
        ds = datasets.MNIST(root=datasets.bundled_digits_root(), train=train)
        x = ((ds.data.float() / 255.0 - 0.1307) / 0.3081).unsqueeze(1)
        out.append((x, ds.targets))
    return out


def _accuracy(model, x, y):
    with ember.no_grad():
        return 100.0 * float((model(x).argmax(1) == y).sum()) / len(y)


def _size(sd):
    buf = io.BytesIO()
    ember.save(sd, buf)
    return buf.tell()


@pytest.fixture(scope='module')
def trained():
    pytest.importorskip('PIL')
    (xtr, ytr), (xte, yte) = _data()
    ember.manual_seed(0)
    model = CNN()
    opt = ember.optim.Adam(model.parameters(), lr=1e-3)
    crit = nn.CrossEntropyLoss()
    for _ in range(2):
        for xb, yb in DataLoader(TensorDataset(xtr, ytr), batch_size=64, shuffle=True):
            opt.zero_grad()
            crit(model(xb), yb).backward()
            opt.step()
    model.eval()
    return model, (xtr, ytr), (xte, yte)


@pytest.mark.slow
def test_dynamic_quantization_keeps_accuracy_and_shrinks(trained):
    model, _, (xte, yte) = trained
    float_acc = _accuracy(model, xte, yte)
    q = ember.quantization.quantize_dynamic(copy.deepcopy(model), {nn.Linear},
                                            dtype=ember.qint8)
    q_acc = _accuracy(q, xte, yte)
    assert float_acc > 95
    assert abs(q_acc - float_acc) <= 1.0, (float_acc, q_acc)
    assert _size(q.state_dict()) <= 0.3 * _size(model.state_dict())


@pytest.mark.slow
def test_static_quantization_keeps_accuracy_and_shrinks(trained):
    model, (xtr, _), (xte, yte) = trained
    float_acc = _accuracy(model, xte, yte)
    q = ember.quantization.QuantWrapper(copy.deepcopy(model))
    q.eval()
    q.qconfig = ember.quantization.get_default_qconfig('x86')
    ember.quantization.prepare(q, inplace=True)
    with ember.no_grad():
        for i in range(0, 1000, 100):            # calibration
            q(xtr[i:i + 100])
    ember.quantization.convert(q, inplace=True)
    q_acc = _accuracy(q, xte, yte)
    assert abs(q_acc - float_acc) <= 1.0, (float_acc, q_acc)
    assert _size(q.state_dict()) <= 0.3 * _size(model.state_dict())
