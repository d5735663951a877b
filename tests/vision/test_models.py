"""ember.vision.models: LeNet5, MLP, MnistCNN side by side with PyTorch modules of the same layout."""

import numpy as np
import pytest

import ember
from ember import bench
from ember.vision import models


def _torch_lenet(torch):
    return bench.make_lenet5(torch)  # the PyTorch tutorials' LeNet, written against the torch API


def _torch_mnist_cnn(torch):
    return bench.make_mnist_cnn(torch, log_softmax=False)  # the classic MNIST example, ending in logits


def _torch_mlp(torch):
    nn = torch.nn
    net = nn.Module()
    net.layers = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                               nn.Linear(128, 10))
    net.forward = net.layers.forward
    return net


CASES = [("lenet5", _torch_lenet, (1, 32, 32), 61706), ("mnist-cnn", _torch_mnist_cnn, (1, 28, 28), 1199882),
         ("mlp", _torch_mlp, (1, 28, 28), 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10)]


@pytest.mark.parametrize("name,make_torch,shape,n_params", CASES)
def test_layout_and_logits_match_pytorch(torch, tmp_path, name, make_torch, shape, n_params):
    import safetensors.torch
    net = models.get_model(name)
    ref = make_torch(torch)
    sd = net.state_dict()
    tsd = ref.state_dict()
    assert list(sd) == list(tsd)
    assert all(tuple(sd[k].shape) == tuple(tsd[k].shape) for k in sd)
    assert sum(p.numel() for p in net.parameters()) == n_params
    # an ember checkpoint loads into PyTorch through safetensors and gives the same logits
    path = tmp_path / f"{name}.safetensors"
    ember.save(sd, path)
    ref.load_state_dict(safetensors.torch.load_file(str(path)))
    net.eval()
    ref.eval()
    x = np.random.default_rng(0).standard_normal((3,) + shape).astype(np.float32)
    with ember.no_grad():
        ours = net(ember.tensor(x)).numpy()
    theirs = ref(torch.tensor(x)).detach().numpy()
    assert ours.shape == (3, 10)
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)


def test_lenet_parameters_are_trainable():
    net = models.LeNet5()
    out = net(ember.randn(2, 1, 32, 32))
    ember.nn.functional.cross_entropy(out, ember.tensor([1, 2])).backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in net.parameters())


def test_options_and_factory():
    others = ["mobile*", "mnas*", "maxvit*", "mc3*", "mvit*", "mask*"]
    assert models.list_models(include=["lenet*", "m*"], exclude=others) == ["lenet5", "mlp", "mnist-cnn"]
    assert isinstance(models.get_model("LeNet-5"), models.LeNet5)
    assert isinstance(models.get_model("mnist_cnn"), models.MnistCNN)
    assert isinstance(models.lenet5(), models.LeNet5) and isinstance(models.mnist_cnn(), models.MnistCNN)
    assert models.lenet5(num_classes=3)(ember.randn(1, 1, 32, 32)).shape == (1, 3)
    m = models.mlp(hidden_sizes=(32,), dropout=0.2, num_classes=4)
    assert m(ember.randn(2, 28, 28)).shape == (2, 4)
    assert [type(x).__name__ for x in m.layers] == ["Flatten", "Linear", "ReLU", "Dropout", "Linear"]
    with pytest.raises(ValueError, match="^Unknown model resnet5$"):  # torchvision's message
        models.get_model("ResNet5")
    assert models.canonical_name("LeNet-5") == "lenet5" and models.canonical_name("nope") is None


def test_wrong_input_size_fails_clearly(torch):
    # LeNet5 needs 32x32: fc1 sees 256 features, not 400; the same error as the PyTorch module
    with pytest.raises(RuntimeError) as theirs:
        bench.make_lenet5(torch)(torch.randn(1, 1, 28, 28))
    with pytest.raises(RuntimeError, match=r"\(1x256 and 400x120\)") as ours:
        models.LeNet5()(ember.randn(1, 1, 28, 28))
    assert str(ours.value) == str(theirs.value)


def test_legacy_weights_arguments_edge_cases_match_torchvision(torch, torchvision, monkeypatch):
    """The shared legacy plumbing (models._api): ``pretrained`` next to a real ``weights`` value is not consumed
    (it reaches the model class, which refuses it), and ``weights="legacy"`` means the pre-0.13 default weights.
    Weight files are stubbed out on both sides; the warnings, errors and requested weights must agree."""
    import warnings

    from torchvision.models._api import WeightsEnum as TvWeightsEnum

    from tests.vision._model_checks import skipped_init

    class Stop(Exception):
        pass

    def stub(requested):
        def get_state_dict(self, *args, **kwargs):
            requested.append(repr(self))
            raise Stop
        return get_state_dict

    ours_req, theirs_req = [], []
    monkeypatch.setattr(models.WeightsEnum, "get_state_dict", stub(ours_req))
    monkeypatch.setattr(TvWeightsEnum, "get_state_dict", stub(theirs_req))
    for call in (lambda m: m.resnet18(weights=None, pretrained=True),
                 lambda m: m.resnet18(weights="legacy"),
                 lambda m: m.segmentation.fcn_resnet50(weights_backbone="legacy", num_classes=3)):
        seen = []
        for mod, ctx in ((models, skipped_init(monkeypatch)), (torchvision.models, torch.device("meta"))):
            with ctx, warnings.catch_warnings(record=True) as w, pytest.raises(Exception) as info:
                warnings.simplefilter("always")
                call(mod)
            err = str(info.value).replace("ember.vision.models", "torchvision.models")
            seen.append((type(info.value).__name__, err, [str(x.message) for x in w]))
        assert seen[0][0] == seen[1][0] and seen[0][2] == seen[1][2]
        if seen[0][0] == "TypeError":
            assert seen[0][1] == seen[1][1]
    assert ours_req == theirs_req == ["ResNet18_Weights.IMAGENET1K_V1", "ResNet50_Weights.IMAGENET1K_V1"]
