"""Random sampling: generators, seeding and the random factories and in-place samplers."""
__all__ = []
