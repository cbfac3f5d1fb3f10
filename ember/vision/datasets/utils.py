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


def _urlretrieve(url, filename, chunk_size=1024 * 32):
    req = urllib.request.Request(url, headers={'User-Agent': USER_AGENT})
    with urllib.request.urlopen(req) as response, open(filename, 'wb') as fh:
        while chunk := response.read(chunk_size):
            fh.write(chunk)


def download_url(url, root, filename=None, md5=None, max_redirect_hops=3):
    """Download ``url`` into ``root/filename`` unless a file with the right MD5 is already there.

    Raises:
        DownloadError (a URLError and a RuntimeError): the URL could not be reached; the
            message names the URL.
        RuntimeError: the downloaded file is missing or fails the MD5 check.
    """
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
    except (urllib.error.URLError, OSError) as e:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise DownloadError(url, getattr(e, 'reason', e)) from e
    os.replace(tmp, fpath)
    if not check_integrity(fpath, md5):
        raise RuntimeError(f'File not found or corrupted: {fpath} downloaded from {url} '
                           f'does not match MD5 {md5}.')


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
