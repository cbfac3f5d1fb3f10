"""ember.vision.datasets: real file formats written in a tmp dir, torchvision's item types,
download with MD5 verification (no network: the fetch is monkeypatched), bundled digits."""
import gzip
import hashlib
import os
import pickle
import struct
import tarfile

import numpy as np
import pytest

pytest.importorskip('PIL')
from PIL import Image

import ember
from ember.vision import datasets, transforms as T
from ember.vision.datasets import utils as dutils


@pytest.fixture(autouse=True)
def _cpu_only(device):
    if device != 'cpu':
        pytest.skip('datasets load on the CPU')


def idx_bytes(arr, code=0x08):
    arr = np.ascontiguousarray(arr)
    head = struct.pack('>I', (code << 8) | arr.ndim) + struct.pack('>' + 'I' * arr.ndim, *arr.shape)
    return head + arr.astype(arr.dtype.newbyteorder('>')).tobytes()


def write_mnist(root, name='MNIST', n_train=7, n_test=5, gz=True, seed=0):
    rng = np.random.default_rng(seed)
    raw = os.path.join(root, name, 'raw')
    os.makedirs(raw, exist_ok=True)
    out = {}
    for split, n in (('train', n_train), ('t10k', n_test)):
        imgs = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, n).astype(np.uint8)
        for kind, arr in (('images-idx3', imgs), ('labels-idx1', labels)):
            p = os.path.join(raw, f'{split}-{kind}-ubyte')
            data = idx_bytes(arr)
            if gz:
                with gzip.open(p + '.gz', 'wb') as f:
                    f.write(data)
            else:
                with open(p, 'wb') as f:
                    f.write(data)
        out[split] = (imgs, labels)
    return out


@pytest.mark.parametrize('gz', [True, False])
def test_mnist_items_and_types(tmp_path, gz, device):
    ref = write_mnist(str(tmp_path), gz=gz)
    for train, split in ((True, 'train'), (False, 't10k')):
        ds = datasets.MNIST(str(tmp_path), train=train)
        imgs, labels = ref[split]
        assert len(ds) == len(imgs)
        assert isinstance(ds.data, ember.Tensor) and ds.data.dtype == ember.uint8
        assert tuple(ds.data.shape) == imgs.shape
        assert ds.targets.dtype == ember.int64 and tuple(ds.targets.shape) == labels.shape
        np.testing.assert_array_equal(ds.data.numpy(), imgs)
        np.testing.assert_array_equal(ds.targets.numpy(), labels.astype(np.int64))
        img, target = ds[3]
        assert isinstance(img, Image.Image) and img.mode == 'L' and img.size == (28, 28)
        assert type(target) is int and target == int(labels[3])
        np.testing.assert_array_equal(np.asarray(img), imgs[3])
    assert ds.classes[0] == '0 - zero' and ds.class_to_idx['9 - nine'] == 9


def test_mnist_transform_and_repr(tmp_path, device):
    ref = write_mnist(str(tmp_path))
    tf = T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.25,))])
    ds = datasets.MNIST(str(tmp_path), train=False, transform=tf, target_transform=lambda y: y + 100)
    x, y = ds[1]
    assert x.dtype == ember.float32 and tuple(x.shape) == (1, 28, 28)
    np.testing.assert_allclose(x.numpy()[0], (ref['t10k'][0][1] / 255.0 - 0.5) / 0.25, rtol=1e-5, atol=1e-5)
    assert y == int(ref['t10k'][1][1]) + 100
    r = repr(ds).splitlines()
    assert r[:4] == ['Dataset MNIST', '    Number of datapoints: 5', f'    Root location: {tmp_path}',
                     '    Split: Test']
    assert r[4] == '    StandardTransform' and r[5] == 'Transform: Compose('
    assert '    Target transform: ' not in r[0]


def test_mnist_family_folders(tmp_path, device):
    for cls in (datasets.FashionMNIST, datasets.KMNIST):
        write_mnist(str(tmp_path), name=cls.__name__)
        ds = cls(str(tmp_path))
        assert len(ds) == 7 and len(ds.classes) == 10
    raw = tmp_path / 'EMNIST' / 'raw'
    raw.mkdir(parents=True)
    imgs = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    (raw / 'emnist-letters-train-images-idx3-ubyte').write_bytes(idx_bytes(imgs))
    (raw / 'emnist-letters-train-labels-idx1-ubyte').write_bytes(idx_bytes(np.array([1, 26], np.uint8)))
    ds = datasets.EMNIST(str(tmp_path), split='letters')
    assert ds.classes[1] == 'a' and ds[1][1] == 26
    with pytest.raises(ValueError):
        datasets.EMNIST(str(tmp_path), split='nope')


def test_idx_errors_and_other_types(tmp_path, device):
    from ember.vision.datasets.mnist import read_sn3_pascalvincent_tensor, read_image_file
    p = tmp_path / 'f'
    vals = np.array([[1, -2], [300, 4]], np.int16)
    p.write_bytes(idx_bytes(vals, code=0x0B))
    t = read_sn3_pascalvincent_tensor(str(p))
    assert t.dtype == ember.int16
    np.testing.assert_array_equal(t.numpy(), vals)
    with pytest.raises(TypeError):
        read_image_file(str(p))
    p.write_bytes(b'\x00\x00\x07\x01' + b'\x00' * 8)
    with pytest.raises(ValueError):
        read_sn3_pascalvincent_tensor(str(p))


def test_mnist_missing(tmp_path, device):
    with pytest.raises(RuntimeError, match='Dataset not found'):
        datasets.MNIST(str(tmp_path))


def _serve(monkeypatch, files):
    """Replace the network fetch: url basename -> bytes (missing names raise like no network)."""
    import urllib.error
    calls = []

    def fake(url, filename, chunk_size=None):
        calls.append(url)
        name = url.rsplit('/', 1)[-1]
        if name not in files:
            raise urllib.error.URLError('network is unreachable')
        with open(filename, 'wb') as f:
            f.write(files[name])
    monkeypatch.setattr(dutils, '_urlretrieve', fake)
    return calls


def _gz(data):
    return gzip.compress(data, mtime=0)


def test_mnist_download_verifies_md5(tmp_path, monkeypatch, device):
    rng = np.random.default_rng(1)
    files = {'train-images-idx3-ubyte.gz': _gz(idx_bytes(rng.integers(0, 256, (3, 28, 28), dtype=np.uint8))),
             'train-labels-idx1-ubyte.gz': _gz(idx_bytes(np.array([1, 2, 3], np.uint8))),
             't10k-images-idx3-ubyte.gz': _gz(idx_bytes(rng.integers(0, 256, (2, 28, 28), dtype=np.uint8))),
             't10k-labels-idx1-ubyte.gz': _gz(idx_bytes(np.array([4, 5], np.uint8)))}
    good = [(n, hashlib.md5(b).hexdigest()) for n, b in files.items()]

    class Good(datasets.MNIST):
        resources = good
    Good.__name__ = 'MNIST'
    calls = _serve(monkeypatch, files)
    ds = Good(str(tmp_path), train=True, download=True)
    assert ds.targets.tolist() == [1, 2, 3]
    assert calls[0] == datasets.MNIST.mirrors[0] + 'train-images-idx3-ubyte.gz'
    raw = tmp_path / 'MNIST' / 'raw'
    assert (raw / 'train-images-idx3-ubyte').is_file() and (raw / 'train-images-idx3-ubyte.gz').is_file()
    # present: nothing is fetched again
    n = len(calls)
    Good(str(tmp_path), train=False, download=True)
    assert len(calls) == n

    # a corrupted file (MD5 mismatch) is rejected
    class Bad(datasets.MNIST):
        resources = [(good[0][0], '0' * 32)] + good[1:]
    Bad.__name__ = 'MNIST'
    with pytest.raises(RuntimeError, match='corrupted'):
        Bad(str(tmp_path / 'other'), download=True)


def test_mnist_offline_names_urls(tmp_path, monkeypatch, device):
    _serve(monkeypatch, {})
    with pytest.raises(RuntimeError) as e:
        datasets.MNIST(str(tmp_path), download=True)
    msg = str(e.value)
    assert 'train-images-idx3-ubyte.gz' in msg
    for m in datasets.MNIST.mirrors:
        assert m in msg


def write_cifar(root, base, names, meta_name, meta_key, classes, fine=False, seed=0):
    rng = np.random.default_rng(seed)
    d = os.path.join(root, base)
    os.makedirs(d, exist_ok=True)
    ref, md5s = {}, {}
    for name, n in names:
        data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, len(classes), n)]
        entry = {'data': data, ('fine_labels' if fine else 'labels'): labels, 'batch_label': name}
        with open(os.path.join(d, name), 'wb') as f:
            pickle.dump(entry, f, protocol=2)
        ref[name] = (data, labels)
        md5s[name] = dutils.calculate_md5(os.path.join(d, name))
    with open(os.path.join(d, meta_name), 'wb') as f:
        pickle.dump({meta_key: classes, 'num_cases_per_batch': 3}, f, protocol=2)
    md5s[meta_name] = dutils.calculate_md5(os.path.join(d, meta_name))
    return ref, md5s


def test_cifar10(tmp_path, device):
    classes = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']
    names = [(f'data_batch_{i}', 3) for i in range(1, 6)] + [('test_batch', 4)]
    ref, md5s = write_cifar(str(tmp_path), 'cifar-10-batches-py', names, 'batches.meta', 'label_names', classes)
    with pytest.raises(RuntimeError, match='not found or corrupted'):   # real MD5s do not match
        datasets.CIFAR10(str(tmp_path))

    class C(datasets.CIFAR10):
        train_list = [[f'data_batch_{i}', md5s[f'data_batch_{i}']] for i in range(1, 6)]
        test_list = [['test_batch', md5s['test_batch']]]
        meta = dict(datasets.CIFAR10.meta, md5=md5s['batches.meta'])
    C.__name__ = 'CIFAR10'
    ds = C(str(tmp_path), train=True)
    assert isinstance(ds.data, np.ndarray) and ds.data.dtype == np.uint8 and ds.data.shape == (15, 32, 32, 3)
    assert isinstance(ds.targets, list) and all(type(t) is int for t in ds.targets)
    flat = np.concatenate([ref[f'data_batch_{i}'][0] for i in range(1, 6)])
    np.testing.assert_array_equal(ds.data, flat.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
    img, target = ds[4]
    assert img.mode == 'RGB' and img.size == (32, 32)
    # pixel (y, x) channel c is data[c * 1024 + y * 32 + x] in CIFAR's row layout
    assert np.asarray(img)[5, 7, 2] == flat[4, 2 * 1024 + 5 * 32 + 7]
    assert target == ref['data_batch_2'][1][1]
    assert ds.classes == classes and ds.class_to_idx['truck'] == 9
    te = C(str(tmp_path), train=False)
    assert len(te) == 4 and te.targets == ref['test_batch'][1]
    assert repr(te).splitlines()[-1] == '    Split: Test'


def test_cifar100_and_safe_unpickling(tmp_path, device):
    classes = [f'c{i}' for i in range(100)]
    ref, md5s = write_cifar(str(tmp_path), 'cifar-100-python', [('train', 5), ('test', 2)], 'meta',
                            'fine_label_names', classes, fine=True)

    class C(datasets.CIFAR100):
        train_list = [['train', md5s['train']]]
        test_list = [['test', md5s['test']]]
        meta = dict(datasets.CIFAR100.meta, md5=md5s['meta'])
    ds = C(str(tmp_path))
    assert ds.targets == ref['train'][1] and ds.classes[99] == 'c99'
    # a pickle that would call os.system is refused
    from ember.vision.datasets.cifar import _load_pickle

    class Evil:
        def __reduce__(self):
            return (os.system, ('true',))
    p = tmp_path / 'evil'
    p.write_bytes(pickle.dumps({'data': Evil()}))
    with pytest.raises(pickle.UnpicklingError):
        _load_pickle(str(p))


def test_cifar_download_archive(tmp_path, monkeypatch, device):
    src = tmp_path / 'src'
    classes = [str(i) for i in range(10)]
    names = [(f'data_batch_{i}', 2) for i in range(1, 6)] + [('test_batch', 2)]
    _, md5s = write_cifar(str(src), 'cifar-10-batches-py', names, 'batches.meta', 'label_names', classes)
    tgz = tmp_path / 'cifar-10-python.tar.gz'
    with tarfile.open(tgz, 'w:gz') as tar:
        tar.add(src / 'cifar-10-batches-py', arcname='cifar-10-batches-py')
    blob = tgz.read_bytes()

    class C(datasets.CIFAR10):
        tgz_md5 = hashlib.md5(blob).hexdigest()
        train_list = [[f'data_batch_{i}', md5s[f'data_batch_{i}']] for i in range(1, 6)]
        test_list = [['test_batch', md5s['test_batch']]]
        meta = dict(datasets.CIFAR10.meta, md5=md5s['batches.meta'])
    calls = _serve(monkeypatch, {'cifar-10-python.tar.gz': blob})
    root = tmp_path / 'root'
    ds = C(str(root), download=True)
    assert len(ds) == 10 and calls == [datasets.CIFAR10.url]
    C(str(root), download=True)
    assert len(calls) == 1
    _serve(monkeypatch, {'cifar-10-python.tar.gz': blob[:-10]})
    with pytest.raises(RuntimeError, match='corrupted'):
        C(str(tmp_path / 'root2'), download=True)
    _serve(monkeypatch, {})
    with pytest.raises(RuntimeError, match='cifar-10-python.tar.gz'):
        datasets.CIFAR10(str(tmp_path / 'root3'), download=True)


def test_image_folder(tmp_path, device):
    rng = np.random.default_rng(0)
    for cls, n in (('dog', 2), ('cat', 3)):
        (tmp_path / cls).mkdir()
        for i in range(n):
            Image.fromarray(rng.integers(0, 256, (4, 5, 3), dtype=np.uint8)).save(tmp_path / cls / f'{i}.png')
    (tmp_path / 'cat' / 'notes.txt').write_text('x')
    ds = datasets.ImageFolder(str(tmp_path), transform=T.ToTensor())
    assert ds.classes == ['cat', 'dog'] and ds.class_to_idx == {'cat': 0, 'dog': 1}
    assert ds.targets == [0, 0, 0, 1, 1] and len(ds.imgs) == 5
    x, y = ds[4]
    assert tuple(x.shape) == (3, 4, 5) and y == 1
    expect = np.asarray(Image.open(tmp_path / 'dog' / '1.png')).transpose(2, 0, 1) / 255.0
    np.testing.assert_allclose(x.numpy(), expect, atol=1e-6)
    dsf = datasets.DatasetFolder(str(tmp_path), loader=lambda p: p, extensions=('.txt',), allow_empty=True)
    assert len(dsf) == 1
    with pytest.raises(FileNotFoundError):
        datasets.DatasetFolder(str(tmp_path), loader=lambda p: p, extensions=('.txt',))
    with pytest.raises(FileNotFoundError):
        datasets.ImageFolder(str(tmp_path / 'dog'))


def test_fakedata(device):
    ds = datasets.FakeData(size=4, image_size=(3, 8, 6), num_classes=3, transform=T.ToTensor())
    ember.manual_seed(5)
    before = ember.rand(1).item()
    ember.manual_seed(5)
    x0, y0 = ds[2]
    assert ember.rand(1).item() == before          # global RNG state restored
    x1, y1 = ds[2]
    assert tuple(x0.shape) == (3, 8, 6) and type(y0) is int and 0 <= y0 < 3
    np.testing.assert_array_equal(x0.numpy(), x1.numpy())
    with pytest.raises(IndexError):
        ds[4]
    assert repr(ds).splitlines()[1] == '    Number of datapoints: 4'


def test_bundled_digits(tmp_path, device):
    root = datasets.bundled_digits_root()
    tr = datasets.MNIST(root, train=True, download=False)
    te = datasets.MNIST(root, train=False)
    assert len(tr) == 9000 and len(te) == 297
    assert tr.data.dtype == ember.uint8 and tuple(tr.data.shape) == (9000, 28, 28)
    counts = np.bincount(tr.targets.numpy(), minlength=10)
    assert counts.min() > 600                      # every digit is represented
    # image 1500 + 5 i + k is a jittered variant of real digit i: same label, similar ink
    real, var = tr.data.numpy()[:1500], tr.data.numpy()[1500:].reshape(1500, 5, 28, 28)
    t = tr.targets.numpy()
    np.testing.assert_array_equal(t[1500:].reshape(1500, 5), np.repeat(t[:1500, None], 5, 1))
    assert not np.array_equal(var[:, 0], real) and not np.array_equal(var[:, 0], var[:, 1])
    ink = real.reshape(1500, -1).astype(np.float64).sum(1)
    ratio = var.reshape(1500, 5, -1).astype(np.float64).sum(2) / ink[:, None]
    assert 0.6 < ratio.min() and ratio.max() < 1.5      # scale 0.9-1.1: area within ~0.8-1.2
    # the held-out test digits are disjoint from every training image (real or jittered)
    test_rows = {r.tobytes() for r in te.data.numpy()}
    assert not any(r.tobytes() in test_rows for r in tr.data.numpy())
    d = tr.data.numpy().astype(np.float64)
    border = d[:, [0, 1, 26, 27], :].mean() + d[:, :, [0, 1, 26, 27]].mean()
    assert border < 0.05 * d[:, 8:20, 8:20].mean()  # digits sit inside the frame, like MNIST's
    img, y = tr[0]
    assert img.mode == 'L' and 0 <= y <= 9
    # a copy with extracted files, as torchvision's download leaves them
    r2 = datasets.bundled_digits_root(str(tmp_path))
    assert os.path.isfile(os.path.join(r2, 'MNIST', 'raw', 'train-images-idx3-ubyte'))
    np.testing.assert_array_equal(datasets.MNIST(r2).data.numpy(), tr.data.numpy())


def test_verify_str_arg(device):
    assert dutils.verify_str_arg('a', 'x', ('a', 'b')) == 'a'
    with pytest.raises(ValueError, match="Unknown value 'c' for argument x"):
        dutils.verify_str_arg('c', 'x', ('a', 'b'))


# ---------------------------------------------------------------- SVHN and real HTTP downloads

def write_svhn_mat(path, n=5, seed=0):
    """A real MATLAB v5 file shaped like SVHN's: X (32, 32, 3, N) uint8, y (N, 1) with 10 = zero."""
    sio = pytest.importorskip('scipy.io')
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 256, (32, 32, 3, n), dtype=np.uint8)
    y = rng.integers(1, 11, (n, 1)).astype(np.uint8)
    y[0, 0] = 10
    sio.savemat(path, {'X': X, 'y': y})
    return X, y


def _svhn_class(root_files):
    class S(datasets.SVHN):
        split_list = {k: [v[0], v[1], hashlib.md5(open(os.path.join(root_files, v[1]), 'rb').read()).hexdigest()
                          if os.path.exists(os.path.join(root_files, v[1])) else v[2]]
                      for k, v in datasets.SVHN.split_list.items()}
    S.__name__ = 'SVHN'
    return S


def test_svhn_mat(tmp_path, device):
    X, y = write_svhn_mat(str(tmp_path / 'test_32x32.mat'))
    with open(tmp_path / 'test_32x32.mat', 'rb') as f:
        assert f.read(116).startswith(b'MATLAB 5.0 MAT-file')
    S = _svhn_class(str(tmp_path))
    ds = S(str(tmp_path), split='test', transform=T.ToTensor())
    assert len(ds) == 5 and ds.data.shape == (5, 3, 32, 32) and ds.data.dtype == np.uint8
    assert ds.labels.dtype == np.int64 and ds.labels[0] == 0
    np.testing.assert_array_equal(ds.labels, np.where(y[:, 0] == 10, 0, y[:, 0]))
    x, t = ds[2]
    assert type(t) is int and tuple(x.shape) == (3, 32, 32)
    np.testing.assert_allclose(x.numpy(), X[:, :, :, 2].transpose(2, 0, 1) / 255.0, atol=1e-6)
    raw = S(str(tmp_path), split='test')
    img, _ = raw[1]
    assert img.mode == 'RGB' and img.size == (32, 32)
    np.testing.assert_array_equal(np.asarray(img), X[:, :, :, 1])
    assert 'Split: test' in repr(raw)
    with pytest.raises(ValueError, match="Unknown value 'valid' for argument split"):
        datasets.SVHN(str(tmp_path), split='valid')
    with pytest.raises(RuntimeError, match='Dataset not found or corrupted'):
        datasets.SVHN(str(tmp_path), split='test')          # real MD5: our file fails it


def test_svhn_without_scipy_names_the_extra(tmp_path, monkeypatch, device):
    write_svhn_mat(str(tmp_path / 'test_32x32.mat'))
    S = _svhn_class(str(tmp_path))
    import sys
    monkeypatch.setitem(sys.modules, 'scipy', None)
    monkeypatch.setitem(sys.modules, 'scipy.io', None)
    with pytest.raises(ImportError, match=r"SciPy.*pip install 'ember\[special\]'"):
        S(str(tmp_path), split='test')


class _Server:
    """http.server in a thread on loopback serving ``files`` (name -> bytes); a name in ``cut``
    announces its full Content-Length but the connection drops after half the bytes."""

    def __init__(self, files, cut=()):
        import http.server
        import threading
        files, cut = dict(files), set(cut)
        self.hits = []
        hits = self.hits

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                name = self.path.rsplit('/', 1)[-1]
                hits.append(name)
                if name not in files:
                    self.send_error(404)
                    return
                data = files[name]
                self.send_response(200)
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                if name in cut:
                    self.wfile.write(data[:len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(data)

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
        self.url = f'http://127.0.0.1:{self.httpd.server_address[1]}/'
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def http_server():
    servers = []

    def start(files, cut=()):
        s = _Server(files, cut)
        servers.append(s)
        return s
    yield start
    for s in servers:
        s.close()


def test_svhn_download_over_http(tmp_path, http_server, capfd, device):
    src = tmp_path / 'src'
    src.mkdir()
    X, y = write_svhn_mat(str(src / 'train_32x32.mat'), n=300)   # ~900 kB: several chunks
    blob = (src / 'train_32x32.mat').read_bytes()
    srv = http_server({'train_32x32.mat': blob})

    class S(datasets.SVHN):
        split_list = dict(datasets.SVHN.split_list,
                          train=[srv.url + 'train_32x32.mat', 'train_32x32.mat', hashlib.md5(blob).hexdigest()])
    S.__name__ = 'SVHN'
    root = tmp_path / 'root'
    ds = S(str(root), split='train', download=True)
    assert len(ds) == 300 and srv.hits == ['train_32x32.mat']
    assert (root / 'train_32x32.mat').read_bytes() == blob
    assert sorted(os.listdir(root)) == ['train_32x32.mat']        # no .part left behind
    err = capfd.readouterr().err
    assert 'train_32x32.mat' in err and '100%|' in err and 'B/s' in err   # progress bar on stderr
    S(str(root), split='train', download=True)                    # present and valid: no fetch
    assert srv.hits == ['train_32x32.mat']


def test_download_checksum_mismatch_leaves_no_file(tmp_path, http_server, device):
    blob = os.urandom(100_000)
    srv = http_server({'f.bin': blob})
    root = tmp_path / 'dl'
    with pytest.raises(RuntimeError, match=r'corrupted.*does not match MD5 0{32}.*deleted'):
        dutils.download_url(srv.url + 'f.bin', str(root), md5='0' * 32)
    assert os.listdir(root) == []
    dutils.download_url(srv.url + 'f.bin', str(root), md5=hashlib.md5(blob).hexdigest())
    assert (root / 'f.bin').read_bytes() == blob and os.listdir(root) == ['f.bin']
    # a dataset built over it: MNIST's mirror loop reports the corrupted file
    files = {'train-images-idx3-ubyte.gz': _gz(idx_bytes(np.zeros((2, 28, 28), np.uint8)))}
    srv2 = http_server(files)

    class M(datasets.MNIST):
        mirrors = [srv2.url]
        resources = [('train-images-idx3-ubyte.gz', 'f' * 32)]
    M.__name__ = 'MNIST'
    with pytest.raises(RuntimeError, match='corrupted'):
        M(str(tmp_path / 'm'), download=True)
    assert os.listdir(tmp_path / 'm' / 'MNIST' / 'raw') == []


def test_download_interrupted_transfer(tmp_path, http_server, device):
    blob = os.urandom(200_000)
    srv = http_server({'big.bin': blob}, cut={'big.bin'})
    root = tmp_path / 'dl'
    with pytest.raises(RuntimeError, match=r'big\.bin.*connection was dropped mid-file') as e:
        dutils.download_url(srv.url + 'big.bin', str(root), md5=hashlib.md5(blob).hexdigest())
    assert isinstance(e.value, dutils.DownloadError)
    assert os.listdir(root) == []                                  # no partial file
    # MNIST tries the next mirror after an interrupted one
    files = {'train-images-idx3-ubyte.gz': _gz(idx_bytes(np.zeros((2, 28, 28), np.uint8))),
             'train-labels-idx1-ubyte.gz': _gz(idx_bytes(np.array([3, 4], np.uint8)))}
    bad, good = http_server(files, cut=set(files)), http_server(files)

    class M(datasets.MNIST):
        mirrors = [bad.url, good.url]
        resources = [(n, hashlib.md5(b).hexdigest()) for n, b in files.items()]

        def _load_data(self):
            from ember.vision.datasets.mnist import read_image_file, read_label_file
            return (read_image_file(os.path.join(self.raw_folder, 'train-images-idx3-ubyte')),
                    read_label_file(os.path.join(self.raw_folder, 'train-labels-idx1-ubyte')))
    M.__name__ = 'MNIST'
    ds = M(str(tmp_path / 'm'), download=True)
    assert ds.targets.tolist() == [3, 4] and bad.hits and good.hits
    assert not [n for n in os.listdir(tmp_path / 'm' / 'MNIST' / 'raw') if n.endswith('.part')]
    # every mirror interrupted: a clear error naming the URLs
    with pytest.raises(RuntimeError, match='connection was dropped mid-file'):
        type('MNIST', (M,), {'mirrors': [bad.url]})(str(tmp_path / 'm2'), download=True)
    assert os.listdir(tmp_path / 'm2' / 'MNIST' / 'raw') == []


def test_progress_bar_format(device):
    import io
    buf = io.StringIO()
    bar = dutils._ProgressBar(2_000_000, 'x.bin', file=buf, min_interval=0)
    bar.update(1_000_000)
    bar.update(1_000_000)
    bar.close()
    out = buf.getvalue()
    assert out.startswith('\rx.bin:  50%|') and '1.00M/2.00MB' in out
    assert '100%|' + '#' * 30 + '|' in out and out.endswith('\n')
    buf = io.StringIO()
    bar = dutils._ProgressBar(None, 'y', file=buf, min_interval=0)
    bar.update(1500)
    bar.close()
    assert '1.50kB [' in buf.getvalue() and '%' not in buf.getvalue()
