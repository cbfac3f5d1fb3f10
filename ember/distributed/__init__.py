"""``ember.distributed`` (``torch.distributed``): process groups and collectives on real engines.

MPI (``mpi4py``) carries host tensors and NCCL (``cupy.cuda.nccl``) CUDA tensors; the ranks are
started by ``python -m ember.distributed.run`` (torchrun's flags, ranks launched with
``mpiexec``). ``'gloo'`` runs on the MPI engine. Install the extra with
``pip install 'mpi4py>=4' mpich``. See README.md beside this file.
"""
from .distributed_c10d import *  # noqa: F401,F403
from .distributed_c10d import __all__ as _c10d_all
from .distributed_c10d import _all_gather_base, _reduce_scatter_base  # noqa: F401

__all__ = ['is_available'] + list(_c10d_all)


def is_available():
    """True when a distributed engine (``mpi4py``) is installed; MPI itself is only
    initialised by ``init_process_group``."""
    return is_mpi_available()  # noqa: F405
