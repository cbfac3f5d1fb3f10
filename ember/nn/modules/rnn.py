"""rnn layers."""
from ..module import Module

__all__ = []
