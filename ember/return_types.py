"""Named result tuples of ops returning several tensors (``torch.return_types``)."""
import collections

__all__ = []


def _make(name, fields):
    base = collections.namedtuple(name, fields)

    class R(base):
        __slots__ = ()

        def __repr__(self):
            inner = ',\n'.join(f'{f}={getattr(self, f)!r}' for f in self._fields)
            return f'torch.return_types.{name}(\n{inner})'

        def __new__(cls, seq=None, *args):
            if args:
                return base.__new__(cls, seq, *args)
            return base.__new__(cls, *seq)

    R.__name__ = R.__qualname__ = name
    globals()[name] = R
    __all__.append(name)
    return R


for _n in ['max', 'min', 'median', 'nanmedian', 'mode', 'kthvalue', 'cummax', 'cummin']:
    _make(_n, ['values', 'indices'])
_make('sort', ['values', 'indices'])
_make('topk', ['values', 'indices'])
_make('aminmax', ['min', 'max'])
_make('svd', ['U', 'S', 'V'])
_make('linalg_svd', ['U', 'S', 'Vh'])
_make('linalg_qr', ['Q', 'R'])
_make('qr', ['Q', 'R'])
_make('linalg_eigh', ['eigenvalues', 'eigenvectors'])
_make('linalg_slogdet', ['sign', 'logabsdet'])
_make('slogdet', ['sign', 'logabsdet'])
_make('linalg_inv_ex', ['inverse', 'info'])
_make('linalg_cholesky_ex', ['L', 'info'])
_make('linalg_lstsq', ['solution', 'residuals', 'rank', 'singular_values'])
