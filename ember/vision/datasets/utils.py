"""Download, checksum and extraction helpers (``torchvision.datasets.utils``).

Downloads use only the standard library (``urllib``); files are verified by MD5 as torchvision
does, and a failed download raises a RuntimeError naming the URL.
"""
import bz2
import gzip
import hashlib
import lzma
import os
import shutil
import tarfile
import urllib.error
import urllib.request
import zipfile

USER_AGENT = 'pytorch/vision'


def calculate_md5(fpath, chunk_size=1024 * 1024):
    """The hex MD5 digest of the file at ``fpath``."""
    md5 = hashlib.md5(usedforsecurity=False)
    with open(fpath, 'rb') as f:
        while chunk := f.read(chunk_size):
            md5.update(chunk)
    return md5.hexdigest()


def check_md5(fpath, md5, **kwargs):
    return md5 == calculate_md5(fpath, **kwargs)


def check_integrity(fpath, md5=None):
    """True when ``fpath`` is a file and (if ``md5`` is given) its MD5 matches."""
    if not os.path.isfile(fpath):
        return False
    if md5 is None:
        return True
    return check_md5(fpath, md5)


class DownloadError(urllib.error.URLError, RuntimeError):
    """A download that could not reach its URL: both a ``URLError`` (what torchvision's mirror
    loops catch) and a ``RuntimeError`` (what a program sees when no mirror is left)."""

    def __init__(self, url, reason):
        super().__init__(reason)
        self.url = url

    def __str__(self):
        return (f'Could not download {self.url}: {self.reason}. Check the network connection, or '
                f'place the files in the dataset folder yourself and use download=False.')


def _fmt_size(n):
    for unit in ('', 'k', 'M', 'G', 'T'):
        if abs(n) < 1000 or unit == 'T':
            return f'{n:.0f}{unit}' if unit == '' else f'{n:.2f}{unit}'
        n /= 1000.0


def _fmt_time(t):
    t = int(t)
    return f'{t // 3600}:{t // 60 % 60:02d}:{t % 60:02d}' if t >= 3600 else f'{t // 60:02d}:{t % 60:02d}'


class _ProgressBar:
    """A tqdm-like download bar on stderr (no dependency):
    ``name:  45%|####5     | 4.50M/10.0MB [00:01<00:01, 3.20MB/s]``, redrawn at most 10 times a
    second; without a known total it shows the bytes and the rate only."""

    def __init__(self, total, desc='', file=None, width=30, min_interval=0.1):
        import sys
        import time
        self.total = total if total and total > 0 else None
        self.desc, self.width, self.min_interval = desc, width, min_interval
        self.file = file if file is not None else sys.stderr
        self.n = 0
        self._time = time.monotonic
        self.start = self._last = self._time()
        self._shown = False

    def update(self, k):
        self.n += k
        now = self._time()
        if now - self._last >= self.min_interval:
            self._last = now
            self._draw(now)

    def _draw(self, now):
        elapsed = max(now - self.start, 1e-9)
        rate = self.n / elapsed
        head = f'{self.desc}: ' if self.desc else ''
        if self.total:
            frac = min(self.n / self.total, 1.0)
            fill = frac * self.width
            bar = '#' * int(fill)
            if len(bar) < self.width:
                bar += str(int((fill - int(fill)) * 10)) if fill > int(fill) else ' '
                bar = bar.ljust(self.width)
            eta = (self.total - self.n) / rate if rate > 0 else 0
            line = (f'{head}{frac * 100:3.0f}%|{bar}| {_fmt_size(self.n)}/{_fmt_size(self.total)}B '
                    f'[{_fmt_time(elapsed)}<{_fmt_time(eta)}, {_fmt_size(rate)}B/s]')
        else:
            line = f'{head}{_fmt_size(self.n)}B [{_fmt_time(elapsed)}, {_fmt_size(rate)}B/s]'
        self.file.write('\r' + line)
        self.file.flush()
        self._shown = True

    def close(self):
        self._draw(self._time())
        self.file.write('\n')
        self.file.flush()


def _urlretrieve(url, filename, chunk_size=1024 * 32, progress=True):
    """Stream ``url`` into ``filename`` with a progress bar on stderr. A transfer that ends before
    the announced Content-Length raises ``http.client.IncompleteRead``."""
    import http.client
    req = urllib.request.Request(url, headers={'User-Agent': USER_AGENT})
    with urllib.request.urlopen(req) as response, open(filename, 'wb') as fh:
        length = response.headers.get('Content-Length')
        total = int(length) if length and length.isdigit() else None
        bar = _ProgressBar(total, os.path.basename(filename).removesuffix('.part')) if progress else None
        received = 0
        try:
            while chunk := response.read(chunk_size):
                fh.write(chunk)
                received += len(chunk)
                if bar is not None:
                    bar.update(len(chunk))
        finally:
            if bar is not None:
                bar.close()
        if total is not None and received < total:
            raise http.client.IncompleteRead(b'', total - received)


def _remove(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def download_url(url, root, filename=None, md5=None, max_redirect_hops=3):
    """Download ``url`` into ``root/filename`` unless a file with the right MD5 is already there.

    The bytes go to ``filename + '.part'`` (progress bar on stderr) and are renamed only once
    complete, so an interrupted transfer leaves no partial file; a file failing its MD5 check
    is deleted.

    Raises:
        DownloadError (a URLError and a RuntimeError): the URL could not be reached, or the
            connection dropped mid-file (the message says how many bytes were missing).
        RuntimeError: the downloaded file fails the MD5 check (the file is removed).
    """
    import http.client
    root = os.path.expanduser(root)
    if not filename:
        filename = os.path.basename(url)
    fpath = os.fspath(os.path.join(root, filename))
    os.makedirs(root, exist_ok=True)
    if check_integrity(fpath, md5):
        return
    tmp = fpath + '.part'
    try:
        _urlretrieve(url, tmp)
    except http.client.IncompleteRead as e:
        _remove(tmp)
        got = len(e.partial) if e.partial else None
        reason = ('the connection was dropped mid-file (transfer interrupted'
                  + (f', {e.expected} more bytes were expected' if e.expected is not None else '')
                  + (f' after {got} bytes' if got else '') + '); no partial file was kept')
        raise DownloadError(url, reason) from e
    except (urllib.error.URLError, OSError, http.client.HTTPException) as e:
        _remove(tmp)
        raise DownloadError(url, getattr(e, 'reason', None) or repr(e)) from e
    except BaseException:          # KeyboardInterrupt and the like: no partial file either
        _remove(tmp)
        raise
    if not check_integrity(tmp, md5):
        _remove(tmp)
        raise RuntimeError(f'File not found or corrupted: {fpath} downloaded from {url} '
                           f'does not match MD5 {md5}; the corrupted download was deleted.')
    os.replace(tmp, fpath)


def _detect_file_type(path):
    name = os.path.basename(path).lower()
    for suffix in ('.tar.gz', '.tgz', '.tar.bz2', '.tbz', '.tar.xz', '.txz', '.tar', '.zip'):
        if name.endswith(suffix):
            return 'archive', suffix
    for suffix in ('.gz', '.bz2', '.xz'):
        if name.endswith(suffix):
            return 'compressed', suffix
    raise RuntimeError(f"File '{path}' is neither an archive nor a compressed file.")


_OPENERS = {'.gz': gzip.open, '.bz2': bz2.open, '.xz': lzma.open}


def _decompress(from_path, to_path=None, remove_finished=False):
    _, suffix = _detect_file_type(from_path)
    if to_path is None:
        to_path = from_path[:-len(suffix)]
    with _OPENERS[suffix](from_path, 'rb') as rfh, open(to_path, 'wb') as wfh:
        shutil.copyfileobj(rfh, wfh)
    if remove_finished:
        os.remove(from_path)
    return to_path


def extract_archive(from_path, to_path=None, remove_finished=False):
    """Extract a tar/zip archive or decompress a .gz/.bz2/.xz file; returns the target folder/file."""
    from_path = os.fspath(from_path)
    if to_path is None:
        to_path = os.path.dirname(from_path)
    kind, suffix = _detect_file_type(from_path)
    if kind == 'compressed':
        out = os.path.join(to_path, os.path.basename(from_path)[:-len(suffix)])
        return _decompress(from_path, out, remove_finished)
    if suffix == '.zip':
        with zipfile.ZipFile(from_path) as z:
            z.extractall(to_path)
    else:
        with tarfile.open(from_path, 'r:*') as tar:
            try:
                tar.extractall(to_path, filter='data')
            except TypeError:  # Python without extraction filters
                tar.extractall(to_path)
    if remove_finished:
        os.remove(from_path)
    return to_path


def download_and_extract_archive(url, download_root, extract_root=None, filename=None, md5=None,
                                 remove_finished=False):
    """``download_url`` then ``extract_archive`` (into ``extract_root``, default the download root)."""
    download_root = os.path.expanduser(download_root)
    if extract_root is None:
        extract_root = download_root
    if not filename:
        filename = os.path.basename(url)
    download_url(url, download_root, filename, md5)
    archive = os.path.join(download_root, filename)
    extract_archive(archive, extract_root, remove_finished)


def iterable_to_str(iterable):
    return "'" + "', '".join([str(item) for item in iterable]) + "'"


def verify_str_arg(value, arg=None, valid_values=None, custom_msg=None):
    """``value`` checked to be a str among ``valid_values`` (torchvision's ValueError messages)."""
    if not isinstance(value, str):
        msg = 'Expected type str' + ('' if arg is None else f" for argument {arg}") + \
            f', but got type {type(value)}.'
        raise ValueError(msg)
    if valid_values is None:
        return value
    if value not in valid_values:
        if custom_msg is not None:
            msg = custom_msg
        else:
            msg = ('Unknown value \'{value}\' for argument {arg}. Valid values are {{{valid_values}}}.'
                   .format(value=value, arg=arg, valid_values=iterable_to_str(valid_values)))
        raise ValueError(msg)
    return value
