"""``ember.random``: the ``torch.random`` namespace (seeding and RNG state of the default
generators). The implementations live in ``ember.ops.random``."""
from .ops.random import (manual_seed, seed, initial_seed, get_rng_state, set_rng_state, fork_rng,
                         default_generator, Generator)

__all__ = ['manual_seed', 'seed', 'initial_seed', 'get_rng_state', 'set_rng_state', 'fork_rng',
           'default_generator', 'Generator']
