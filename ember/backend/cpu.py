"""The CPU backend: NumPy is the array module."""
import numpy as np

xp = np
