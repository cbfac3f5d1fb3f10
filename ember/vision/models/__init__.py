"""Vision models (``torchvision.models``): ResNet, VGG, MobileNetV2, AlexNet.

Architectures, state_dict keys and shapes, and default inits follow torchvision, so a
torchvision checkpoint loads with ``model.load_state_dict``. ``weights=`` are read from torch
hub's local cache only (ember does not download; see ``_api.load_state_dict_from_url``).
"""
from ._api import Weights, WeightsEnum, get_weight
from .resnet import *  # noqa: F401,F403
from .vgg import *  # noqa: F401,F403
from .alexnet import *  # noqa: F401,F403
from .mobilenetv2 import *  # noqa: F401,F403
from . import resnet, vgg, mobilenetv2, _api  # the alexnet module is shadowed by alexnet()
from .alexnet import __all__ as _alexnet_all
from ._utils import Conv2dNormActivation

_BUILDERS = {'resnet18': resnet18, 'resnet34': resnet34, 'resnet50': resnet50,  # noqa: F405
             'vgg11': vgg11, 'vgg11_bn': vgg11_bn, 'vgg16': vgg16, 'vgg16_bn': vgg16_bn,  # noqa: F405
             'mobilenet_v2': mobilenet_v2, 'alexnet': alexnet}  # noqa: F405
_WEIGHTS_ENUMS = {e.__name__: e for e in (
    ResNet18_Weights, ResNet34_Weights, ResNet50_Weights, VGG11_Weights,  # noqa: F405
    VGG11_BN_Weights, VGG16_Weights, VGG16_BN_Weights, MobileNet_V2_Weights,  # noqa: F405
    AlexNet_Weights)}  # noqa: F405


def list_models(module=None):
    """Names of the models ember provides (``torchvision.models.list_models``)."""
    return sorted(_BUILDERS)


def get_model(name, **config):
    """The model ``name`` built with ``config`` (``torchvision.models.get_model``)."""
    name = name.lower()
    if name not in _BUILDERS:
        raise ValueError(f'Unknown model {name}')
    return _BUILDERS[name](**config)


def get_model_builder(name):
    name = name.lower()
    if name not in _BUILDERS:
        raise ValueError(f'Unknown model {name}')
    return _BUILDERS[name]


def get_model_weights(name):
    """The weights enum of model ``name`` (a builder or its name)."""
    fn = name if callable(name) else get_model_builder(name)
    return {resnet18: ResNet18_Weights, resnet34: ResNet34_Weights,  # noqa: F405
            resnet50: ResNet50_Weights, vgg11: VGG11_Weights, vgg11_bn: VGG11_BN_Weights,  # noqa: F405
            vgg16: VGG16_Weights, vgg16_bn: VGG16_BN_Weights,  # noqa: F405
            mobilenet_v2: MobileNet_V2_Weights, alexnet: AlexNet_Weights}[fn]  # noqa: F405


__all__ = (resnet.__all__ + vgg.__all__ + _alexnet_all + mobilenetv2.__all__
           + ['Weights', 'WeightsEnum', 'get_weight', 'list_models', 'get_model',
              'get_model_builder', 'get_model_weights'])
