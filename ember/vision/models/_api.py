"""Pretrained-weight descriptions and loading (``torchvision.models._api``), offline.

ember never downloads weights: ``weights=`` names are accepted as torchvision accepts them
(an enum member, ``'IMAGENET1K_V1'``, ``'ResNet18_Weights.IMAGENET1K_V1'`` or ``'DEFAULT'``), and
the checkpoint is read with ``ember.load`` from torch hub's cache folder
(``$TORCH_HOME/hub/checkpoints``, default ``~/.cache/torch/hub/checkpoints``) when it is there.
Otherwise a RuntimeError says which file to place where.
"""
import os
from dataclasses import dataclass, field
from enum import Enum

__all__ = ['Weights', 'WeightsEnum', 'get_dir', 'get_weight', 'load_state_dict_from_url']


@dataclass(eq=False)
class Weights:
    """One set of pretrained weights: its ``url``, its inference ``transforms`` and ``meta``."""
    url: str
    transforms: object = None
    meta: dict = field(default_factory=dict)


class WeightsEnum(Enum):
    """An enum of a model's pretrained weights (torchvision's ``WeightsEnum``)."""

    @classmethod
    def verify(cls, obj):
        """``obj`` (None, a member, or its name with or without the class prefix) as a member."""
        if obj is not None:
            if type(obj) is str:
                obj = cls.from_str(obj.replace(cls.__name__ + '.', ''))
            elif not isinstance(obj, cls):
                raise TypeError(f'Invalid Weight class provided; expected {cls.__name__} '
                                f'but received {obj.__class__.__name__}.')
        return obj

    @classmethod
    def from_str(cls, value):
        for k, v in cls.__members__.items():
            if k == value:
                return v
        raise ValueError(f'Invalid value {value} for enum {cls.__name__}.')

    def get_state_dict(self, progress=True, check_hash=False):
        return load_state_dict_from_url(self.url, progress=progress, check_hash=check_hash)

    def __repr__(self):
        return f'{self.__class__.__name__}.{self._name_}'

    @property
    def url(self):
        return self.value.url

    @property
    def transforms(self):
        return self.value.transforms

    @property
    def meta(self):
        return self.value.meta


def get_weight(name):
    """The weights enum member named ``'ResNet18_Weights.IMAGENET1K_V1'``."""
    from . import _WEIGHTS_ENUMS
    try:
        enum_name, value_name = name.split('.')
    except ValueError:
        raise ValueError(f"Invalid weight name provided: '{name}'.") from None
    if enum_name not in _WEIGHTS_ENUMS:
        raise ValueError(f"The weight enum '{enum_name}' for the specific method couldn't be retrieved.")
    return _WEIGHTS_ENUMS[enum_name].from_str(value_name)


def get_dir():
    """torch hub's folder: ``$TORCH_HOME/hub``, default ``$XDG_CACHE_HOME/torch/hub`` or
    ``~/.cache/torch/hub`` (``torch.hub.get_dir``)."""
    torch_home = os.path.expanduser(os.getenv(
        'TORCH_HOME', os.path.join(os.getenv('XDG_CACHE_HOME', '~/.cache'), 'torch')))
    return os.path.join(torch_home, 'hub')


def load_state_dict_from_url(url, model_dir=None, map_location=None, progress=True,
                             check_hash=False, file_name=None, weights_only=True):
    """The state dict cached for ``url`` in ``model_dir`` (default ``<hub dir>/checkpoints``),
    read with ``ember.load``. ember works offline: a file not yet cached raises a RuntimeError
    naming the URL and the path to place it at (torch would download it there)."""
    from ... import load
    if model_dir is None:
        model_dir = os.path.join(get_dir(), 'checkpoints')
    filename = file_name or os.path.basename(url.split('?')[0])
    cached = os.path.join(model_dir, filename)
    if not os.path.isfile(cached):
        raise RuntimeError(
            f'Pretrained weights {filename} are not in the cache and ember does not download '
            f'weights (offline). Download {url} yourself and place it at {cached}, '
            f'or build the model with weights=None.')
    return load(cached, map_location=map_location, weights_only=weights_only)


def _ovewrite_named_param(kwargs, param, new_value):
    if param in kwargs:
        if kwargs[param] != new_value:
            raise ValueError(f"The parameter '{param}' expected value {new_value} but got "
                             f"{kwargs[param]} instead.")
    else:
        kwargs[param] = new_value


def _legacy_pretrained(weights, kwargs, enum):
    """torchvision's deprecated ``pretrained=True`` -> ``weights=<enum>.DEFAULT``."""
    if 'pretrained' in kwargs:
        import warnings
        pretrained = kwargs.pop('pretrained')
        warnings.warn("The parameter 'pretrained' is deprecated since 0.13 and may be removed in "
                      "the future, please use 'weights' instead.", UserWarning)
        if pretrained and weights is None:
            weights = enum.DEFAULT
    return weights


def _build(cls_or_fn, weights, enum, progress, kwargs):
    """Shared builder: verify ``weights``, pin ``num_classes`` to theirs, build, load."""
    weights = enum.verify(_legacy_pretrained(weights, kwargs, enum))
    if weights is not None:
        _ovewrite_named_param(kwargs, 'num_classes', weights.meta.get('num_classes', 1000))
    model = cls_or_fn(**kwargs)
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))
    return model
