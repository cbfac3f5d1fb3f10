"""ember.save / ember.load: PyTorch's checkpoint format both ways, safe loading, atomic writes."""
import collections
import io
import os
import pickle
import zipfile

import numpy as np
import pytest

import ember
from ember import serialization

FIX = os.path.join(os.path.dirname(__file__), 'fixtures')

try:
    import torch
except ImportError:  # the torch->ember fixtures need no torch
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason='needs PyTorch')


def _expected(name):
    out = {}
    with np.load(os.path.join(FIX, name + '.npz')) as z:
        for k in z.files:
            v = z[k]
            if k.endswith('.bf16bits'):
                import ml_dtypes
                k, v = k[:-len('.bf16bits')], v.view(ml_dtypes.bfloat16)
            out[k] = v
    return out


def _np(t):
    return np.asarray(t.detach().cpu().numpy())


def _same(t, arr):
    a = _np(t)
    assert a.dtype == arr.dtype and a.shape == arr.shape
    np.testing.assert_array_equal(a.view(np.uint8) if a.dtype.itemsize == 1 else a, 
                                  arr.view(np.uint8) if arr.dtype.itemsize == 1 else arr)


def _roundtrip(obj, **kw):
    buf = io.BytesIO()
    ember.save(obj, buf)
    buf.seek(0)
    return ember.load(buf, **kw)


# ------------------------------------------------------------------ format
def test_archive_layout(tmp_path, device):
    p = tmp_path / 'model.pt'
    ember.save({'w': ember.ones(3, device=device)}, p)
    z = zipfile.ZipFile(p)
    names = z.namelist()
    assert names[0] == 'model/data.pkl'
    for rec in ('model/version', 'model/byteorder', 'model/data/0', 'model/.data/serialization_id'):
        assert rec in names
    assert z.read('model/version') == b'3\n' and z.read('model/byteorder') == b'little'
    sid = z.read('model/.data/serialization_id')
    assert len(sid) == 40 and sid.isdigit()
    assert z.read('model/data/0') == np.ones(3, np.float32).tobytes()
    for info in z.infolist():   # stored, storages aligned to 64 bytes as PyTorch writes them
        assert info.compress_type == zipfile.ZIP_STORED
        if '/data/' in info.filename:
            with open(p, 'rb') as f:
                f.seek(info.header_offset + 26)
                n, e = np.frombuffer(f.read(4), '<u2')
            assert (info.header_offset + 30 + n + e) % 64 == 0
    pkl = z.read('model/data.pkl')
    assert b'torch._utils\n_rebuild_tensor_v2' in pkl and b'torch\nFloatStorage' in pkl
    assert b'ember' not in pkl
    buf = io.BytesIO()
    ember.save(ember.ones(1), buf)
    assert zipfile.ZipFile(io.BytesIO(buf.getvalue())).namelist()[0] == 'archive/data.pkl'


# ------------------------------------------------------------------ round trips in ember
DTYPES = ['float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'int16', 'int8', 'uint8',
          'bool', 'complex64', 'complex128']


@pytest.mark.parametrize('dt', DTYPES)
def test_roundtrip_dtypes(dt, device):
    rng = np.random.default_rng(0)
    x = ember.tensor(rng.standard_normal((3, 4)) * 10).to(getattr(ember, dt)).to(device)
    y = _roundtrip(x)
    assert y.dtype is x.dtype and y.shape == x.shape and y.device == x.device
    _same(y, _np(x))


def test_roundtrip_views_share_storage(device):
    base = ember.arange(20., device=device).reshape(4, 5)
    views = {'base': base, 'rows': base[1:3], 'cols': base[:, 1::2], 't': base.t(),
             'flat': base.view(-1)[3:7]}
    out = _roundtrip(views)
    z = zipfile.ZipFile(io.BytesIO(_bytes(views)))
    assert [n for n in z.namelist() if '/data/' in n] == ['archive/data/0']   # saved once
    for k, v in views.items():
        assert out[k].stride() == v.stride() and out[k].storage_offset() == v.storage_offset()
        _same(out[k], _np(v))
    out['base'][1, 1] = -1.0          # loaded views share memory
    assert out['rows'][0, 1].item() == -1.0 and out['t'][1, 1].item() == -1.0
    assert out['cols'][1, 0].item() == -1.0


def _bytes(obj):
    buf = io.BytesIO()
    ember.save(obj, buf)
    return buf.getvalue()


def test_roundtrip_objects(device):
    p = ember.nn.Parameter(ember.randn(3, device=device))
    t = ember.randn(2, device=device)
    obj = {'p': p, 'again': p, 't': t, 'rg': ember.ones(2, device=device).requires_grad_(),
           'list': [t, 1, 2.5, 'x', None, True], 'tuple': (t, (1, 2)), 'set': {1, 2},
           'bytes': b'\x00\xff', 'complex': 1 + 2j, 'size': ember.Size([2, 3]),
           'dtype': ember.bfloat16, 'dev': ember.device('cpu'), 'big': 2 ** 70,
           'od': collections.OrderedDict(a=1), 'empty': ember.zeros(0, 3, device=device),
           'scalar': ember.tensor(3.0, device=device)}
    out = _roundtrip(obj)
    assert type(out['p']) is ember.nn.Parameter and out['p'].requires_grad
    assert out['again'] is out['p']                      # memo: one object stays one object
    assert out['rg'].requires_grad and not out['t'].requires_grad
    assert out['list'][0] is out['t'] and out['tuple'][0] is out['t']
    assert out['list'][1:] == [1, 2.5, 'x', None, True] and out['tuple'][1] == (1, 2)
    assert out['set'] == {1, 2} and out['bytes'] == b'\x00\xff' and out['complex'] == 1 + 2j
    assert type(out['size']) is ember.Size and out['size'] == (2, 3)
    assert out['dtype'] is ember.bfloat16 and out['dev'] == ember.device('cpu')
    assert out['big'] == 2 ** 70 and type(out['od']) is collections.OrderedDict
    assert out['empty'].shape == (0, 3) and out['scalar'].shape == () and out['scalar'].item() == 3
    _same(out['p'], _np(p))


def test_roundtrip_state_dict_and_optimizer(device):
    torch_like = ember.nn.Sequential(ember.nn.Conv2d(1, 2, 3), ember.nn.BatchNorm2d(2),
                                     ember.nn.Flatten(), ember.nn.Linear(18, 2)).to(device)
    opt = ember.optim.Adam(torch_like.parameters(), lr=0.01)
    torch_like(ember.randn(2, 1, 5, 5, device=device)).sum().backward()
    opt.step()
    sd, osd = torch_like.state_dict(), opt.state_dict()
    out = _roundtrip({'model': sd, 'opt': osd})
    assert type(out['model']) is collections.OrderedDict
    assert out['model']._metadata == sd._metadata
    assert list(out['model']) == list(sd)
    for k in sd:
        _same(out['model'][k], _np(sd[k]))
    assert out['model']['1.num_batches_tracked'].dtype is ember.int64
    assert out['opt']['param_groups'] == osd['param_groups']
    for i, st in osd['state'].items():
        for k, v in st.items():
            _same(out['opt']['state'][i][k], _np(v))
    model2 = ember.nn.Sequential(ember.nn.Conv2d(1, 2, 3), ember.nn.BatchNorm2d(2),
                                 ember.nn.Flatten(), ember.nn.Linear(18, 2)).to(device)
    model2.load_state_dict(out['model'])
    opt2 = ember.optim.Adam(model2.parameters(), lr=0.01)
    opt2.load_state_dict(out['opt'])


def test_whole_module_needs_weights_only_false(tmp_path):
    model = ember.nn.Sequential(ember.nn.Linear(3, 4), ember.nn.ReLU(), ember.nn.Linear(4, 2))
    ember.save(model, tmp_path / 'model.pth')
    with pytest.raises(pickle.UnpicklingError, match='Unsupported global: GLOBAL ember.nn'):
        ember.load(tmp_path / 'model.pth', weights_only=True)
    m2 = ember.load(tmp_path / 'model.pth', weights_only=False)
    assert type(m2) is ember.nn.Sequential and type(m2[0]) is ember.nn.Linear
    x = ember.randn(5, 3)
    np.testing.assert_array_equal(_np(m2(x)), _np(model(x)))
    assert isinstance(m2[0].weight, ember.nn.Parameter) and m2[0].weight.requires_grad
    m2(x).sum().backward()
    assert m2[0].weight.grad is not None


class _Net(ember.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = ember.nn.Linear(3, 2)

    def forward(self, x):
        return self.fc(x)


def test_default_load_reads_whole_models_of_imported_classes_only(tmp_path):
    # the tutorial's torch.save(model, f) / torch.load(f): the default (weights_only not given)
    # rebuilds module classes the program already imported, and nothing else
    model = _Net()
    ember.save(model, tmp_path / 'model.pth')
    m2 = ember.load(tmp_path / 'model.pth')
    assert type(m2) is _Net and type(m2.fc) is ember.nn.Linear
    x = ember.randn(4, 3)
    np.testing.assert_array_equal(_np(m2(x)), _np(model(x)))
    # only nn.Module subclasses of already-imported modules: never an import, never a function
    from ember.serialization import _WeightsUnpickler
    import io
    for forged in (b'\x80\x02cxmod_never_imported\n_Net\nq\x00)\x81q\x01.',   # not imported
                   b'\x80\x02cjson.decoder\nJSONDecoder\nq\x00)\x81q\x01.',    # not a Module
                   b'\x80\x02cos\nsystem\nq\x00X\x04\x00\x00\x00trueq\x01\x85q\x02Rq\x03.'):
        with pytest.raises(pickle.UnpicklingError):
            _WeightsUnpickler(io.BytesIO(forged), None, modules=True).load()
    ok = b'\x80\x02c' + __name__.encode() + b'\n_Net\nq\x00)\x81q\x01.'
    assert type(_WeightsUnpickler(io.BytesIO(ok), None, modules=True).load()) is _Net
    with pytest.raises(pickle.UnpicklingError):
        _WeightsUnpickler(io.BytesIO(ok), None, modules=False).load()


def test_paths_and_file_objects(tmp_path):
    x = ember.randn(3)
    ember.save(x, str(tmp_path / 'a.pt'))
    with open(tmp_path / 'a.pt', 'rb') as f:
        _same(ember.load(f), _np(x))
    with open(tmp_path / 'b.pt', 'wb') as f:
        ember.save(x, f)
    _same(ember.load(str(tmp_path / 'b.pt')), _np(x))
    _same(ember.load(tmp_path / 'b.pt', mmap=True), _np(x))
    y = ember.load(tmp_path / 'b.pt', mmap=True)
    y[0] = 7.0                                        # copy-on-write: the file is untouched
    _same(ember.load(tmp_path / 'b.pt'), _np(x))
    with pytest.raises(RuntimeError, match='Parent directory'):
        ember.save(x, tmp_path / 'nope' / 'x.pt')


def test_legacy_format_roundtrip(tmp_path):
    base = ember.arange(6.).reshape(2, 3)
    ember.save({'a': base, 'b': ember.tensor([1, 2])}, tmp_path / 'l.pt',
               _use_new_zipfile_serialization=False)
    out = ember.load(tmp_path / 'l.pt')
    _same(out['a'], _np(base))
    _same(out['b'], np.array([1, 2]))


# ------------------------------------------------------------------ map_location
def test_map_location_forms(tmp_path):
    x = ember.randn(3)
    ember.save({'x': x}, tmp_path / 'x.pt')
    for ml in ('cpu', ember.device('cpu'), {'cuda:0': 'cpu'}, lambda s, loc: s,
               lambda s, loc: None):
        _same(ember.load(tmp_path / 'x.pt', map_location=ml)['x'], _np(x))
    seen = []
    ember.load(tmp_path / 'x.pt', map_location=lambda s, loc: seen.append(loc) or s)
    assert seen == ['cpu']
    with pytest.raises(RuntimeError, match="don't know how to restore data location"):
        ember.load(tmp_path / 'x.pt', map_location='mps')


def _cuda_file(path):
    """A checkpoint whose storage is tagged 'cuda:0' (written by relabeling a CPU save)."""
    buf = io.BytesIO()
    ember.save({'w': ember.arange(4.)}, buf)
    data = buf.getvalue().replace(b'X\x03\x00\x00\x00cpu', b'X\x06\x00\x00\x00cuda:0')
    # the data.pkl record changed length: rebuild the archive with zipfile
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_STORED) as z:
        for n in src.namelist():
            d = src.read(n)
            if n.endswith('data.pkl'):
                d = d.replace(b'X\x03\x00\x00\x00cpu', b'X\x06\x00\x00\x00cuda:0')
            z.writestr(n, d)
    assert data


def test_cuda_file_without_gpu(tmp_path):
    _cuda_file(tmp_path / 'c.pt')
    if not ember.cuda.is_available():
        with pytest.raises(RuntimeError, match='Attempting to deserialize object on a CUDA device '
                                               r'but torch.cuda.is_available\(\) is False'):
            ember.load(tmp_path / 'c.pt')
    else:
        assert ember.load(tmp_path / 'c.pt')['w'].device.type == 'cuda'
    for ml in ('cpu', {'cuda:0': 'cpu'}, lambda s, loc: s):
        out = ember.load(tmp_path / 'c.pt', map_location=ml)['w']
        assert out.device == ember.device('cpu')
        _same(out, np.arange(4, dtype=np.float32))


@pytest.mark.skipif(not ember.cuda.is_available(), reason='needs CuPy and a GPU')
def test_cuda_tensors_save_with_cuda_location(tmp_path):
    x = ember.randn(2, 3).cuda()
    ember.save({'x': x, 'v': x[1]}, tmp_path / 'g.pt')
    assert b'cuda:0' in zipfile.ZipFile(tmp_path / 'g.pt').read('g/data.pkl')
    out = ember.load(tmp_path / 'g.pt')
    assert out['x'].device.type == 'cuda'
    cpu = ember.load(tmp_path / 'g.pt', map_location='cpu')
    assert cpu['x'].device == ember.device('cpu')
    _same(cpu['v'], _np(x)[1])


# ------------------------------------------------------------------ safety
class _Payload:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f'touch {self.path}',))


def test_malicious_payload_refused(tmp_path):
    marker = tmp_path / 'pwned'
    f = tmp_path / 'evil.pt'
    ember.save({'w': ember.ones(2), 'evil': _Payload(marker)}, f)
    with pytest.raises(pickle.UnpicklingError) as ei:
        ember.load(f)
    msg = str(ei.value)
    assert 'Weights only load failed' in msg and 'GLOBAL posix.system' in msg
    assert not marker.exists()
    with pytest.raises(pickle.UnpicklingError, match='posix.system'):
        with serialization.safe_globals([os.system]):   # blocked even when allowlisted
            ember.load(f)
    assert not marker.exists()
    # plain pickle payload inside a zip: same refusal; weights_only=False runs it (by design)
    ember.load(f, weights_only=False)
    assert marker.exists()


class _Point:
    def __init__(self, x=0):
        self.x = x


def test_safe_globals():
    serialization.clear_safe_globals()
    data = _bytes({'p': _Point(3)})
    with pytest.raises(pickle.UnpicklingError, match=f'GLOBAL {__name__}._Point'):
        ember.load(io.BytesIO(data))
    with serialization.safe_globals([_Point]):
        assert serialization.get_safe_globals() == [_Point]
        assert ember.load(io.BytesIO(data))['p'].x == 3
    assert serialization.get_safe_globals() == []
    serialization.add_safe_globals([_Point])
    try:
        assert ember.load(io.BytesIO(data))['p'].x == 3
    finally:
        serialization.clear_safe_globals()
    assert serialization.get_safe_globals() == []


def test_weights_only_refuses_build_on_globals():
    # BUILD on an allowlisted *class* (not an instance) would rewrite a global: refused
    evil = (b'\x80\x02ccollections\nOrderedDict\nq\x00}q\x01X\x07\x00\x00\x00__doc__q\x02'
            b'X\x01\x00\x00\x00xq\x03sb.')
    z = io.BytesIO()
    with zipfile.ZipFile(z, 'w') as zf:
        zf.writestr('a/data.pkl', evil)
        zf.writestr('a/version', '3\n')
    z.seek(0)
    doc = collections.OrderedDict.__doc__
    with pytest.raises(pickle.UnpicklingError):
        ember.load(z)
    assert collections.OrderedDict.__doc__ == doc


def test_explicit_pickle_module_and_weights_only():
    data = _bytes({'a': ember.ones(1)})
    with pytest.raises(RuntimeError, match='Can not safely load weights'):
        ember.load(io.BytesIO(data), pickle_module=pickle, weights_only=True)
    assert ember.load(io.BytesIO(data), pickle_module=pickle)['a'].item() == 1.0


# ------------------------------------------------------------------ atomic writes
class _Boom:
    def __reduce__(self):
        raise RuntimeError('boom while pickling')


def _no_temp(d):
    return [n for n in os.listdir(d) if n.endswith('.tmp')] == []


def test_atomic_save_keeps_previous_checkpoint(tmp_path, monkeypatch):
    p = tmp_path / 'ckpt.pt'
    good = ember.arange(5.)
    ember.save(good, p)
    before = p.read_bytes()
    with pytest.raises(RuntimeError, match='boom'):
        ember.save({'x': ember.ones(3), 'bad': _Boom()}, p)
    assert p.read_bytes() == before and _no_temp(tmp_path)

    real = serialization._ZipWriter.write_record
    calls = []

    def failing(self, name, data):   # dies after some records reached the temp file
        calls.append(name)
        if name.startswith('data/'):
            raise OSError('disk full')
        return real(self, name, data)

    monkeypatch.setattr(serialization._ZipWriter, 'write_record', failing)
    with pytest.raises(OSError, match='disk full'):
        ember.save(ember.ones(1000), p)
    assert 'data.pkl' in calls
    assert p.read_bytes() == before and _no_temp(tmp_path)
    monkeypatch.undo()
    _same(ember.load(p), _np(good))

    synced = []
    monkeypatch.setattr(os, 'fsync', lambda fd: synced.append(fd))
    ember.save(ember.ones(2), p)
    assert synced and _no_temp(tmp_path)


# ------------------------------------------------------------------ corrupt files
def test_truncated_and_corrupt_files(tmp_path):
    p = tmp_path / 'good.pt'
    ember.save({'w': ember.randn(100)}, p)
    data = p.read_bytes()
    (tmp_path / 'trunc.pt').write_bytes(data[:len(data) // 2])
    with pytest.raises(RuntimeError, match=r'failed finding central directory.*trunc\.pt'):
        ember.load(tmp_path / 'trunc.pt')
    (tmp_path / 'empty.pt').write_bytes(b'')
    with pytest.raises(EOFError, match='empty.pt'):
        ember.load(tmp_path / 'empty.pt')
    z = zipfile.ZipFile(p)
    info = z.getinfo('good/data/0')
    bad = bytearray(data)
    n, e = np.frombuffer(data[info.header_offset + 26:info.header_offset + 30], '<u2')
    bad[info.header_offset + 30 + int(n) + int(e) + 8] ^= 0xFF   # a byte of the storage
    (tmp_path / 'flip.pt').write_bytes(bytes(bad))
    with pytest.raises(RuntimeError, match=r'CRC-32.*flip\.pt'):
        ember.load(tmp_path / 'flip.pt')
    (tmp_path / 'junk.pt').write_bytes(b'this is not a checkpoint')
    with pytest.raises(RuntimeError, match=r'Invalid magic number.*junk\.pt'):
        ember.load(tmp_path / 'junk.pt')


# ------------------------------------------------------------------ torch -> ember (fixtures)
def test_fixture_cnn_state_dict():
    sd = ember.load(os.path.join(FIX, 'cnn_state_dict.pt'))
    exp = _expected('cnn_state_dict')
    assert type(sd) is collections.OrderedDict and list(sd) == list(exp)
    for k, v in exp.items():
        _same(sd[k], v)
    assert sd['1.num_batches_tracked'].dtype is ember.int64
    assert sd['1.num_batches_tracked'].item() == 2
    assert sd._metadata['1'] == {'version': 2}
    model = ember.nn.Sequential(ember.nn.Conv2d(1, 4, 3, padding=1), ember.nn.BatchNorm2d(4),
                                ember.nn.ReLU(), ember.nn.Flatten(), ember.nn.Linear(100, 3))
    model.load_state_dict(sd)
    _same(model[1].running_var, exp['1.running_var'])


def test_fixture_adam_state_dict():
    osd = ember.load(os.path.join(FIX, 'adam_state_dict.pt'))
    exp = _expected('adam_state_dict')
    (g,) = osd['param_groups']
    assert g['lr'] == 1e-2 and g['betas'] == (0.8, 0.99) and g['weight_decay'] == 1e-4
    assert g['params'] == list(range(6))
    for k, v in exp.items():
        i, name = k.split('.')
        _same(osd['state'][int(i)][name], v)


def test_fixture_tensors_dtypes_and_views():
    out = ember.load(os.path.join(FIX, 'tensors.pt'))
    exp = _expected('tensors')
    for k, v in exp.items():
        _same(out[k], v)
    assert out['bfloat16'].dtype is ember.bfloat16 and out['bool'].dtype is ember.bool
    assert type(out['param']) is ember.nn.Parameter and out['param'].requires_grad
    assert out['grad_leaf'].requires_grad and not out['float32'].requires_grad
    assert out['transposed'].stride() == (1, 5) and out['row_view'].storage_offset() == 5
    assert out['nested']['list'][0] is out['int64'] and out['nested']['list'][1:] == [1, 'two']
    assert out['nested']['tuple'] == (3.0, None, True)
    assert out['size'] == ember.Size([2, 3]) and out['dtype'] is ember.float16
    out['float32'][1, 2] = 100.0    # views of one torch storage share memory in ember
    assert out['row_view'][0, 1].item() == 100.0 and out['transposed'][2, 1].item() == 100.0


def test_fixture_legacy_format():
    out = ember.load(os.path.join(FIX, 'legacy.pt'))
    exp = _expected('legacy')
    for k, v in exp.items():
        _same(out[k], v)


# ------------------------------------------------------------------ ember -> torch
@needs_torch
def test_torch_loads_ember_files(tmp_path):
    base = ember.randn(4, 5)
    model = ember.nn.Sequential(ember.nn.Conv2d(1, 2, 3), ember.nn.BatchNorm2d(2))
    model(ember.randn(2, 1, 5, 5))
    obj = {'base': base, 'view': base[1:3, ::2], 't': base.t(),
           'p': ember.nn.Parameter(ember.randn(2)), 'sd': model.state_dict(),
           'size': ember.Size([1, 2]), 'dtype': ember.bfloat16, 'dev': ember.device('cpu'),
           'nested': [(1, 'a'), {'x': None}]}
    for dt in DTYPES:
        obj[dt] = ember.tensor(np.arange(-3, 3) * 1.5).to(getattr(ember, dt))
    ember.save(obj, tmp_path / 'e.pt')
    r = torch.load(tmp_path / 'e.pt', weights_only=True)
    for dt in DTYPES:
        assert r[dt].dtype == getattr(torch, dt)
        np.testing.assert_array_equal(r[dt].float().numpy() if dt == 'bfloat16' else r[dt].numpy(),
                                      _np(obj[dt].float() if dt == 'bfloat16' else obj[dt]))
    for k in ('base', 'view', 't'):
        np.testing.assert_array_equal(r[k].numpy(), _np(obj[k]))
        assert r[k].stride() == obj[k].stride()
    assert r['view'].untyped_storage().data_ptr() == r['base'].untyped_storage().data_ptr()
    assert isinstance(r['p'], torch.nn.Parameter) and r['p'].requires_grad
    assert r['sd']._metadata == obj['sd']._metadata and list(r['sd']) == list(obj['sd'])
    assert r['sd']['1.num_batches_tracked'].dtype == torch.int64
    assert r['size'] == torch.Size([1, 2]) and r['dtype'] == torch.bfloat16
    assert r['dev'] == torch.device('cpu') and r['nested'] == [(1, 'a'), {'x': None}]
    tm = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2))
    tm.load_state_dict(r['sd'])


@needs_torch
def test_torch_loads_ember_optimizer_state(tmp_path):
    model = ember.nn.Linear(3, 2)
    opt = ember.optim.Adam(model.parameters(), lr=0.1)
    model(ember.randn(4, 3)).sum().backward()
    opt.step()
    ember.save(opt.state_dict(), tmp_path / 'o.pt')
    r = torch.load(tmp_path / 'o.pt', weights_only=True)
    tmodel = torch.nn.Linear(3, 2)
    topt = torch.optim.Adam(tmodel.parameters(), lr=0.1)
    topt.load_state_dict(r)
    np.testing.assert_array_equal(topt.state_dict()['state'][0]['exp_avg'].numpy(),
                                  _np(opt.state_dict()['state'][0]['exp_avg']))


@needs_torch
def test_ember_loads_torch_files_live(tmp_path):
    g = torch.Generator().manual_seed(0)
    base = torch.randn(3, 4, generator=g)
    obj = {'b': base, 'v': base[:, 1:3], 'bf': base.bfloat16(), 'h': base.half(),
           'i': torch.arange(4, dtype=torch.int8), 'c': torch.randn(2, dtype=torch.complex128)}
    torch.save(obj, tmp_path / 't.pt')
    out = ember.load(tmp_path / 't.pt')
    for k, v in obj.items():
        a = v.float().numpy() if k == 'bf' else v.numpy()
        np.testing.assert_array_equal(_np(out[k].float() if k == 'bf' else out[k]), a)
        assert out[k].dtype.name == str(v.dtype).split('.')[1] and out[k].stride() == v.stride()
    # a torch-written malicious file is refused by ember as by torch
    torch.save({'evil': _Payload(tmp_path / 'pwned')}, tmp_path / 'evil.pt')
    with pytest.raises(pickle.UnpicklingError, match='posix.system'):
        ember.load(tmp_path / 'evil.pt')
    assert not (tmp_path / 'pwned').exists()


# ------------------------------------------------------------------ safetensors
def test_safetensors_roundtrip(tmp_path):
    st = pytest.importorskip('safetensors')
    from ember.utils.safetensors import save_file, load_file
    rng = np.random.default_rng(0)
    tensors = {dt: ember.tensor(rng.standard_normal((2, 3)) * 5).to(getattr(ember, dt))
               for dt in ('float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'int8',
                          'uint8', 'bool')}
    tensors['t'] = ember.randn(3, 4).t()      # non-contiguous input is written contiguously
    save_file(tensors, tmp_path / 'm.safetensors', metadata={'format': 'pt'})
    out = load_file(tmp_path / 'm.safetensors')
    for k, v in tensors.items():
        assert out[k].dtype is v.dtype and out[k].shape == v.shape
        _same(out[k], _np(v))
    base = ember.randn(4)
    with pytest.raises(RuntimeError, match='share memory'):
        save_file({'a': base, 'b': base[1:]}, tmp_path / 'x.safetensors')
    if torch is not None:
        import safetensors.torch as stt
        r = stt.load_file(str(tmp_path / 'm.safetensors'))
        assert r['bfloat16'].dtype == torch.bfloat16
        np.testing.assert_array_equal(r['float32'].numpy(), _np(tensors['float32']))
        stt.save_file({'w': torch.arange(3.)}, str(tmp_path / 'torch.safetensors'))
        _same(load_file(tmp_path / 'torch.safetensors')['w'], np.arange(3, dtype=np.float32))
    assert st is not None


def test_writer_killed_mid_write_leaves_old_checkpoint_intact(tmp_path):
    """A process SIGKILLed while ember.save writes a big checkpoint: the previous file at the
    path is byte-for-byte intact (the new one was going to a temp file beside it)."""
    import signal
    import subprocess
    import sys
    import time
    path = tmp_path / 'model.pth'
    ember.save({'w': ember.arange(10)}, path)
    before = path.read_bytes()
    code = ('import ember, sys\n'
            'big = {f"w{i}": ember.zeros(8_000_000) for i in range(40)}\n'   # ~1.3 GB
            'print("start", flush=True)\n'
            f'ember.save(big, {str(path)!r})\n')
    p = subprocess.Popen([sys.executable, '-c', code], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == 'start'
    deadline = time.time() + 60
    while time.time() < deadline:      # kill once the temp file has started to grow
        tmps = [f for f in tmp_path.iterdir() if f.name != 'model.pth']
        if tmps and tmps[0].stat().st_size > 1_000_000:
            break
        time.sleep(0.01)
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=30)
    assert p.returncode == -signal.SIGKILL
    assert path.read_bytes() == before
    assert _np(ember.load(path)['w']).tolist() == list(range(10))
