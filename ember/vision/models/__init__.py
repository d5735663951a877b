"""Image classification models (``ember.vision.models``, like ``torchvision.models``).

torchvision's classification families (ResNet, VGG, MobileNet ...) with the same layer names, so that their
state_dicts load either way, plus small MNIST models (LeNet-5, an MLP, a CNN). The families are imported on first
use, so importing this package stays cheap.

Example::

    >>> from ember.vision.models import get_model, resnet18
    >>> net = resnet18(num_classes=10)
    >>> lenet = get_model("lenet5")
"""

import importlib

from ember.vision.models import _api
from ember.vision.models._api import Weights, WeightsEnum, get_model_builder, get_model_weights, get_weight
from ember.vision.models.lenet import LeNet5, lenet5
from ember.vision.models.mlp import MLP, mlp
from ember.vision.models.mnist_cnn import MnistCNN, mnist_cnn

# public names of each model family, imported on first access (tests check these lists against the modules)
_FAMILIES = {
    "resnet": ["ResNet", "BasicBlock", "Bottleneck", "ResNet18_Weights", "ResNet34_Weights", "ResNet50_Weights",
               "ResNet101_Weights", "ResNet152_Weights", "ResNeXt50_32X4D_Weights", "ResNeXt101_32X8D_Weights",
               "ResNeXt101_64X4D_Weights", "Wide_ResNet50_2_Weights", "Wide_ResNet101_2_Weights", "resnet18",
               "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d", "resnext101_32x8d",
               "resnext101_64x4d", "wide_resnet50_2", "wide_resnet101_2"],
    "alexnet": ["AlexNet", "AlexNet_Weights", "alexnet"],
    "vgg": ["VGG", "VGG11_Weights", "VGG11_BN_Weights", "VGG13_Weights", "VGG13_BN_Weights", "VGG16_Weights",
            "VGG16_BN_Weights", "VGG19_Weights", "VGG19_BN_Weights", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16",
            "vgg16_bn", "vgg19", "vgg19_bn"],
    "squeezenet": ["SqueezeNet", "SqueezeNet1_0_Weights", "SqueezeNet1_1_Weights", "squeezenet1_0", "squeezenet1_1"],
    "mobilenetv2": ["MobileNetV2", "MobileNet_V2_Weights", "mobilenet_v2"],
    "mobilenetv3": ["MobileNetV3", "MobileNet_V3_Large_Weights", "MobileNet_V3_Small_Weights", "mobilenet_v3_large",
                    "mobilenet_v3_small"],
    "densenet": ["DenseNet", "DenseNet121_Weights", "DenseNet161_Weights", "DenseNet169_Weights", "DenseNet201_Weights",
                 "densenet121", "densenet161", "densenet169", "densenet201"],
    "shufflenetv2": ["ShuffleNetV2", "ShuffleNet_V2_X0_5_Weights", "ShuffleNet_V2_X1_0_Weights",
                     "ShuffleNet_V2_X1_5_Weights", "ShuffleNet_V2_X2_0_Weights", "shufflenet_v2_x0_5",
                     "shufflenet_v2_x1_0", "shufflenet_v2_x1_5", "shufflenet_v2_x2_0"],
    "mnasnet": ["MNASNet", "MNASNet0_5_Weights", "MNASNet0_75_Weights", "MNASNet1_0_Weights", "MNASNet1_3_Weights",
                "mnasnet0_5", "mnasnet0_75", "mnasnet1_0", "mnasnet1_3"],
    "efficientnet": ["EfficientNet", "EfficientNet_B0_Weights", "EfficientNet_B1_Weights", "EfficientNet_B2_Weights",
                     "EfficientNet_B3_Weights", "EfficientNet_B4_Weights", "EfficientNet_B5_Weights",
                     "EfficientNet_B6_Weights", "EfficientNet_B7_Weights", "efficientnet_b0", "efficientnet_b1",
                     "efficientnet_b2", "efficientnet_b3", "efficientnet_b4", "efficientnet_b5", "efficientnet_b6",
                     "efficientnet_b7", "EfficientNet_V2_S_Weights", "EfficientNet_V2_M_Weights",
                     "EfficientNet_V2_L_Weights", "efficientnet_v2_s", "efficientnet_v2_m", "efficientnet_v2_l"],
    "convnext": ["ConvNeXt", "ConvNeXt_Tiny_Weights", "ConvNeXt_Small_Weights", "ConvNeXt_Base_Weights",
                 "ConvNeXt_Large_Weights", "convnext_tiny", "convnext_small", "convnext_base", "convnext_large"],
    "regnet": ["RegNet", "RegNet_Y_400MF_Weights", "RegNet_Y_800MF_Weights", "RegNet_Y_1_6GF_Weights",
               "RegNet_Y_3_2GF_Weights", "RegNet_Y_8GF_Weights", "RegNet_Y_16GF_Weights", "RegNet_Y_32GF_Weights",
               "RegNet_Y_128GF_Weights", "RegNet_X_400MF_Weights", "RegNet_X_800MF_Weights", "RegNet_X_1_6GF_Weights",
               "RegNet_X_3_2GF_Weights", "RegNet_X_8GF_Weights", "RegNet_X_16GF_Weights", "RegNet_X_32GF_Weights",
               "regnet_y_400mf", "regnet_y_800mf", "regnet_y_1_6gf", "regnet_y_3_2gf", "regnet_y_8gf", "regnet_y_16gf",
               "regnet_y_32gf", "regnet_y_128gf", "regnet_x_400mf", "regnet_x_800mf", "regnet_x_1_6gf",
               "regnet_x_3_2gf", "regnet_x_8gf", "regnet_x_16gf", "regnet_x_32gf"],
    "vision_transformer": ["VisionTransformer", "ViT_B_16_Weights", "ViT_B_32_Weights", "ViT_L_16_Weights",
                           "ViT_L_32_Weights", "ViT_H_14_Weights", "vit_b_16", "vit_b_32", "vit_l_16", "vit_l_32",
                           "vit_h_14"],
    "swin_transformer": ["SwinTransformer", "Swin_T_Weights", "Swin_S_Weights", "Swin_B_Weights", "Swin_V2_T_Weights",
                         "Swin_V2_S_Weights", "Swin_V2_B_Weights", "swin_t", "swin_s", "swin_b", "swin_v2_t",
                         "swin_v2_s", "swin_v2_b"],
    "googlenet": ["GoogLeNet", "GoogLeNetOutputs", "GoogLeNet_Weights", "googlenet"],
    "inception": ["Inception3", "InceptionOutputs", "Inception_V3_Weights", "inception_v3"],
    "maxvit": ["MaxVit", "MaxVit_T_Weights", "maxvit_t"],
}
# the registered builders among them (everything in lower case)
for _mod, _names in _FAMILIES.items():
    _api._LAZY_MODELS.update({n: f"{__name__}.{_mod}" for n in _names if n.islower()})
_LAZY_ATTRS = {n: mod for mod, names in _FAMILIES.items() for n in names}
# the subpackages (``ember.vision.models.segmentation`` ...) and the builders each of their modules registers; like
# torchvision, their names are not bound in this package, but list_models and get_model know them
_SUBPACKAGES = ("segmentation", "video", "detection", "optical_flow")
# modules reachable as attributes, imported on first access (torchvision imports ``_utils`` with its models)
_SUBMODULES = ("_utils", "feature_extraction")
_SUBPACKAGE_MODELS = {
    "segmentation.fcn": ["fcn_resnet50", "fcn_resnet101"],
    "segmentation.deeplabv3": ["deeplabv3_resnet50", "deeplabv3_resnet101", "deeplabv3_mobilenet_v3_large"],
    "segmentation.lraspp": ["lraspp_mobilenet_v3_large"],
    "video.resnet": ["r3d_18", "mc3_18", "r2plus1d_18"],
    "video.s3d": ["s3d"],
    "video.mvit": ["mvit_v1_b", "mvit_v2_s"],
    "video.swin_transformer": ["swin3d_t", "swin3d_s", "swin3d_b"],
    "detection.retinanet": ["retinanet_resnet50_fpn", "retinanet_resnet50_fpn_v2"],
    "detection.fcos": ["fcos_resnet50_fpn"],
    "detection.ssd": ["ssd300_vgg16"],
    "detection.ssdlite": ["ssdlite320_mobilenet_v3_large"],
    "detection.faster_rcnn": ["fasterrcnn_resnet50_fpn", "fasterrcnn_resnet50_fpn_v2",
                              "fasterrcnn_mobilenet_v3_large_fpn", "fasterrcnn_mobilenet_v3_large_320_fpn"],
    "detection.mask_rcnn": ["maskrcnn_resnet50_fpn", "maskrcnn_resnet50_fpn_v2"],
    "detection.keypoint_rcnn": ["keypointrcnn_resnet50_fpn"],
    "optical_flow.raft": ["raft_large", "raft_small"],
}
for _mod, _names in _SUBPACKAGE_MODELS.items():
    _api._LAZY_MODELS.update({n: f"{__name__}.{_mod}" for n in _names})

_MNIST = {"lenet5": lenet5, "mlp": mlp, "mnist-cnn": mnist_cnn}
for _name, _fn in _MNIST.items():
    if _name not in _api.BUILTIN_MODELS:
        _api.register_model(_name)(_fn)
_ALIASES = {"lenet": "lenet5", "lenet-5": "lenet5", "mnist_cnn": "mnist-cnn", "mnistcnn": "mnist-cnn",
            "cnn": "mnist-cnn"}

__all__ = ["LeNet5", "MLP", "MnistCNN", "lenet5", "mlp", "mnist_cnn", "Weights", "WeightsEnum", "get_model",
           "get_model_builder", "get_model_weights", "get_weight", "list_models", *_LAZY_ATTRS]


def _load_family(mod):
    """Import the family module ``mod`` and bind its public names here (over the submodule attribute that the
    import sets, for ``alexnet``); a subpackage's module (``"segmentation.fcn"``) is only imported."""
    module = importlib.import_module(f"{__name__}.{mod}")
    for n in _FAMILIES.get(mod, ()):
        globals()[n] = getattr(module, n)
    return module


_api._LAZY_LOADER = _load_family
# ``alexnet`` and ``googlenet`` name both a module and its builder: load them now, so the attribute is always
# the builder
_load_family("alexnet")
_load_family("googlenet")


def __getattr__(name):
    if name in _LAZY_ATTRS:
        _load_family(_LAZY_ATTRS[name])
        return globals()[name]
    if name in _FAMILIES:
        return _load_family(name)
    if name in _SUBPACKAGES or name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module '{__name__}' has no attribute '{name}'")


def __dir__():
    return sorted(set(globals()) | set(_LAZY_ATTRS) | set(_FAMILIES) | set(_SUBPACKAGES) | set(_SUBMODULES))


def list_models(module=None, include=None, exclude=None):
    """The sorted names :func:`get_model` accepts (the MNIST models' names included).

    Args:
        module: only models whose builders live directly in this package (e.g. ``ember.vision.models``).
        include: shell-style pattern(s); a name is kept if it matches any of them.
        exclude: pattern(s) applied after ``include``; a name matching any of them is dropped.

    Example::

        >>> list_models(include="resnet*")
        ['resnet101', 'resnet152', 'resnet18', 'resnet34', 'resnet50']
    """
    return _api.list_models(module, include, exclude)


def canonical_name(name):
    """The registered spelling of a model name (``"LeNet-5"`` -> ``"lenet5"``), or ``None`` if unknown."""
    key = str(name).lower()
    key = _ALIASES.get(key, key)
    return key if key in _api.BUILTIN_MODELS or key in _api._LAZY_MODELS else None


def get_model(name, **config):
    """Build a model by name; ``config`` goes to its builder (``num_classes`` ...).

    Names are those of :func:`list_models`, case-insensitive; the MNIST models also answer to a few aliases
    (``"LeNet-5"``, ``"mnist_cnn"`` ...).

    Raises:
        ValueError: an unknown name.

    Example::

        >>> net = get_model("resnet18", num_classes=10)
        >>> lenet = get_model("LeNet-5")
    """
    return _api.get_model(canonical_name(name) or str(name), **config)
