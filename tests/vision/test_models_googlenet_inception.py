"""GoogLeNet and Inception v3 side by side with torchvision's (structure, repr, values, gradients, auxiliary
outputs in training, initialisation, builder options with weights, warnings and errors, weights enums)."""

import copy
import importlib
import warnings

import numpy as np
import pytest

import ember
from ember.vision import models
from tests.vision._model_checks import (assert_same_structure, assert_same_weights_enum, check_builder,
                                        load_torch_weights, recorded_init, skipped_init, torch_meta_model,
                                        torch_model_with_random_state)


def _module(cls):
    """The module defining ``cls``."""
    return importlib.import_module(cls.__module__)


def _googlenet(**kwargs):
    # (not ``models.googlenet``: see test_googlenet_attribute_is_the_builder)
    return models.get_model_builder("googlenet")(**kwargs)


def test_inception_v3_builder_matches_torchvision(torch, torchvision, monkeypatch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # the default-initialisation notice, on both sides
        check_builder(torch, torchvision, monkeypatch, "inception_v3", "Inception_V3_Weights")
    preset = models.Inception_V3_Weights.DEFAULT.transforms()
    assert (preset.crop_size, preset.resize_size) == ([299], [342])


def test_googlenet_builder_matches_torchvision(torch, torchvision, monkeypatch):
    # (check_builder's parameter count does not apply: the weights' meta counts the model without auxiliary
    # heads, which the builder drops once the weights are loaded)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        theirs = torch_meta_model(torch, torchvision, "googlenet")
        with skipped_init(monkeypatch):
            ours = models.get_model("googlenet")
    assert assert_same_structure(ours, theirs) == 13004888
    theirs = torch_meta_model(torch, torchvision, "googlenet", aux_logits=False, init_weights=False)
    with skipped_init(monkeypatch):
        ours = _googlenet(aux_logits=False, init_weights=False)
    assert assert_same_structure(ours, theirs) == models.GoogLeNet_Weights.DEFAULT.meta["num_params"]
    assert_same_weights_enum(models.GoogLeNet_Weights, torchvision.models.GoogLeNet_Weights)
    assert models.get_model_weights("googlenet") is models.GoogLeNet_Weights
    assert models.GoogLeNet_Weights.DEFAULT.transforms().crop_size == [224]


@pytest.mark.parametrize("name, kwargs", [
    ("googlenet", {"aux_logits": False, "num_classes": 7, "transform_input": True, "dropout": 0.4}),
    ("googlenet", {"num_classes": 3, "dropout_aux": 0.1}),
    ("inception_v3", {"aux_logits": False, "num_classes": 7, "dropout": 0.3}),
])
def test_options_structure(torch, torchvision, monkeypatch, name, kwargs):
    theirs = torch_meta_model(torch, torchvision, name, init_weights=False, **kwargs)
    with skipped_init(monkeypatch):
        ours = models.get_model(name, init_weights=False, **kwargs)
    assert_same_structure(ours, theirs)
    assert (ours.aux_logits, ours.transform_input) == (theirs.aux_logits, theirs.transform_input)


def _assert_same_values(torch, ours, theirs, eval_shape, train_shape, grads, swap=None, seed=0):
    """Eval-mode logits in float32 (a plain tensor), then (after replacing the ``swap`` children,
    ``{name: make(nn)}``, on both sides), in float64 on both sides, the training-mode output
    (the named tuple with the auxiliary logits), the gradients of ``grads`` under random upstream gradients of
    every output, and the running statistics afterwards. (float64 because these deep models with random
    weights and train-mode batch norm over few values amplify float32 rounding far beyond any tolerance.)"""
    load_torch_weights(ours, theirs)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(eval_shape).astype(np.float32)
    ours.eval()
    theirs.eval()
    with ember.no_grad():
        y = ours(ember.tensor(x))
    with torch.no_grad():
        ty = theirs(torch.tensor(x))
    assert isinstance(y, ember.Tensor)
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-4, atol=1e-5 * np.abs(ty.numpy()).max())

    theirs = copy.deepcopy(theirs)
    for child, make in (swap or {}).items():
        setattr(theirs, child, make(torch.nn))
        setattr(ours, child, make(ember.nn))
    load_torch_weights(ours, theirs)
    ours, theirs = ours.double().train(), theirs.double().train()
    x = rng.standard_normal(train_shape)
    out, tout = ours(ember.tensor(x)), theirs(torch.tensor(x))
    assert type(out).__name__ == type(tout).__name__ and out._fields == tout._fields
    loss, tloss = 0, 0
    for field, a, b in zip(out._fields, out, tout):
        want = b.detach().numpy()
        np.testing.assert_allclose(a.detach().numpy(), want, rtol=1e-7, atol=1e-9 * np.abs(want).max(), err_msg=field)
        g = rng.standard_normal(want.shape)
        loss = loss + (a * ember.tensor(g)).sum()
        tloss = tloss + (b * torch.tensor(g)).sum()
    loss.backward()
    tloss.backward()
    params, tparams = dict(ours.named_parameters()), dict(theirs.named_parameters())
    for name in grads:
        want = tparams[name].grad.numpy()
        np.testing.assert_allclose(params[name].grad.numpy(), want, rtol=1e-6, atol=1e-8 * np.abs(want).max(),
                                   err_msg=name)
    bufs = dict(ours.named_buffers())
    for name, b in theirs.named_buffers():
        np.testing.assert_allclose(bufs[name].numpy(), b.numpy(), rtol=1e-7, atol=1e-10, err_msg=name)
    return out


def test_googlenet_values_gradients_aux_outputs(torch, torchvision, monkeypatch):
    kw = {"num_classes": 5, "transform_input": True, "dropout": 0.0, "dropout_aux": 0.0, "init_weights": False}
    theirs = torch_model_with_random_state(torch, torchvision, "googlenet", **kw)
    with skipped_init(monkeypatch):
        ours = _googlenet(**kw)
    # (at 48x48 inception4a's maps are 3x3: the auxiliary heads' adaptive 4x4 pooling uses overlapping windows)
    out = _assert_same_values(torch, ours, theirs, (2, 3, 64, 64), (2, 3, 48, 48),
                              grads=["conv1.conv.weight", "conv3.bn.weight", "inception3a.branch4.1.conv.weight",
                                     "inception4a.branch3.1.conv.weight", "aux1.conv.conv.weight", "aux1.fc1.weight",
                                     "aux2.fc2.bias", "inception5b.branch1.bn.bias", "fc.weight"])
    assert isinstance(out, models.GoogLeNetOutputs)
    assert _module(models.GoogLeNet)._GoogLeNetOutputs is models.GoogLeNetOutputs
    assert [tuple(t.shape) for t in out] == [(2, 5)] * 3


def test_googlenet_without_aux_returns_tensor_in_training(torch, torchvision, monkeypatch):
    kw = {"num_classes": 4, "aux_logits": False, "dropout": 0.0, "init_weights": False}
    theirs = torch_model_with_random_state(torch, torchvision, "googlenet", **kw)
    with skipped_init(monkeypatch):
        ours = _googlenet(**kw)
    load_torch_weights(ours, theirs)
    x = np.random.default_rng(1).standard_normal((2, 3, 32, 32))
    y = ours.double().train()(ember.tensor(x))
    ty = theirs.double().train()(torch.tensor(x))
    assert isinstance(y, ember.Tensor)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-7, atol=1e-10)


def test_inception_v3_values_gradients_aux_outputs(torch, torchvision, monkeypatch):
    kw = {"num_classes": 5, "transform_input": True, "dropout": 0.0, "init_weights": False}
    theirs = torch_model_with_random_state(torch, torchvision, "inception_v3", **kw)
    with skipped_init(monkeypatch):
        ours = models.inception_v3(**kw)

    # in training the real auxiliary head needs 299x299 inputs (17x17 maps): after the eval-mode comparison a light
    # head stands in for it on both sides (fed the same Mixed_6e maps); the real one is compared on its own below
    def light_aux(nn):
        return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(768, 5))
    out = _assert_same_values(torch, ours, theirs, (2, 3, 75, 75), (2, 3, 75, 75), swap={"AuxLogits": light_aux},
                              grads=["Conv2d_1a_3x3.conv.weight", "Conv2d_4a_3x3.bn.weight",
                                     "Mixed_5b.branch_pool.conv.weight", "Mixed_6a.branch3x3dbl_3.conv.weight",
                                     "Mixed_6e.branch7x7dbl_5.conv.weight", "AuxLogits.2.weight",
                                     "Mixed_7a.branch7x7x3_4.bn.bias", "Mixed_7c.branch3x3dbl_3b.conv.weight",
                                     "fc.weight"])
    assert isinstance(out, models.InceptionOutputs)
    assert _module(models.Inception3)._InceptionOutputs is models.InceptionOutputs
    assert [tuple(t.shape) for t in out] == [(2, 5)] * 2


def test_inception_aux_head_values_gradients(torch, torchvision):
    tv_aux = importlib.import_module("torchvision.models.inception").InceptionAux(24, 6).double().train()
    aux = _module(models.Inception3).InceptionAux(24, 6)
    assert repr(aux) == repr(tv_aux) and (aux.conv1.stddev, aux.fc.stddev) == (0.01, 0.001)
    load_torch_weights(aux, tv_aux)
    aux.double().train()
    x = np.random.default_rng(3).standard_normal((3, 24, 17, 17))
    y, ty = aux(ember.tensor(x)), tv_aux(torch.tensor(x))
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-7, atol=1e-10)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    for (n, p), (_, tp) in zip(aux.named_parameters(), tv_aux.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-7, atol=1e-10, err_msg=n)


def test_googlenet_blocks(torch, torchvision):
    tv = importlib.import_module("torchvision.models.googlenet")
    ours = _module(models.GoogLeNet)
    block = ours.Inception(8, 4, 4, 8, 2, 4, 4)
    tv_block = tv.Inception(8, 4, 4, 8, 2, 4, 4)
    assert repr(block) == repr(tv_block)
    load_torch_weights(block, tv_block)
    x = np.random.default_rng(4).standard_normal((2, 8, 7, 7)).astype(np.float32)
    with ember.no_grad():
        y = block.eval()(ember.tensor(x)).numpy()
    with torch.no_grad():
        ty = tv_block.eval()(torch.tensor(x)).numpy()
    np.testing.assert_allclose(y, ty, rtol=1e-5, atol=1e-6)
    assert repr(ours.InceptionAux(16, 5, dropout=0.3)) == repr(tv.InceptionAux(16, 5, dropout=0.3))


@pytest.mark.parametrize("name", ["GoogLeNet", "Inception3"])
def test_initialisation_calls_match_torchvision(torch, torchvision, monkeypatch, name):
    # every truncated-normal draw (shape, mean, std, bounds) and constant fill, in torchvision's order
    seen = []

    def spy(kind):
        def record(tensor, *args, **kwargs):
            seen.append((kind, tuple(tensor.shape), args, kwargs))
            return tensor
        return record
    with monkeypatch.context() as m:
        m.setattr(torch.nn.init, "trunc_normal_", spy("trunc_normal_"))
        m.setattr(torch.nn.init, "constant_", spy("constant_"))
        with torch.device("meta"):
            getattr(torchvision.models, name)(num_classes=3, init_weights=True)
    with recorded_init(monkeypatch, limit=0) as calls:
        getattr(models, name)(num_classes=3, init_weights=True)
    ours = [c for c in calls if c[0] in ("trunc_normal_", "constant_")]
    assert len(ours) == len(seen) > 100
    for (kind, shape, args, kwargs), want in zip(ours, seen):
        assert (kind, shape) == want[:2]
        assert [float(v) for v in args] + sorted(kwargs.items()) == [float(v) for v in want[2]] + sorted(
            want[3].items())
    stds = {c[3]["std"] for c in ours if c[0] == "trunc_normal_"}
    assert stds == ({0.01} if name == "GoogLeNet" else {0.1, 0.001})  # (conv1.stddev sits on the block, not its conv)


def test_googlenet_initialisation_statistics():
    net = models.GoogLeNet(num_classes=3, aux_logits=False, init_weights=True)
    w = net.inception4c.branch2[1].conv.weight.detach().numpy()
    assert abs(w.std() / 0.01 - 1) < 0.02 and abs(w.mean()) < 1e-3
    assert (net.conv3.bn.weight.detach().numpy() == 1).all() and (net.conv3.bn.bias.detach().numpy() == 0).all()
    b = net.fc.bias.detach().numpy()  # the linear biases keep nn.Linear's own U(-1/sqrt(1024), 1/sqrt(1024))
    assert (b != 0).all() and np.abs(b).max() <= 1 / 32
    assert net.aux1 is None and net.aux2 is None


def test_warnings_and_errors_match_torchvision(torch, torchvision, monkeypatch):
    tv = torchvision.models
    for name in ("GoogLeNet", "Inception3"):  # init_weights=None: initialised, with a FutureWarning
        with torch.device("meta"), warnings.catch_warnings(record=True) as tw:
            warnings.simplefilter("always")
            getattr(tv, name)(num_classes=2)
        with skipped_init(monkeypatch), warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            getattr(models, name)(num_classes=2)
        assert len(tw) == 1 and [(x.category, str(x.message)) for x in w] == [(tw[0].category, str(tw[0].message))]
    for make, exc in [(lambda m: m.GoogLeNet(blocks=[None, None], init_weights=False), ValueError),
                      (lambda m: m.Inception3(inception_blocks=[None], init_weights=False), ValueError),
                      (lambda m: m.googlenet(weights="DEFAULT", num_classes=10), ValueError),
                      (lambda m: m.googlenet(weights="DEFAULT", aux_logits=False), ValueError),
                      (lambda m: m.inception_v3(weights="DEFAULT", init_weights=True), ValueError),
                      (lambda m: m.inception_v3(weights=m.GoogLeNet_Weights.DEFAULT), TypeError)]:
        with pytest.raises(exc) as theirs:
            make(tv)
        with pytest.raises(exc) as ours:
            make(models)
        assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("name, enum_name", [("googlenet", "GoogLeNet_Weights"),
                                             ("inception_v3", "Inception_V3_Weights")])
@pytest.mark.parametrize("kwargs", [{}, {"aux_logits": True}, {"transform_input": False}])
def test_builder_with_weights(torch, torchvision, monkeypatch, name, enum_name, kwargs):
    # the state_dicts are those of the full models (auxiliary heads included), served without any download
    with torch.device("meta"):
        tsd = torchvision.models.get_model(name, aux_logits=True, init_weights=False).state_dict()
    monkeypatch.setattr(getattr(torchvision.models, enum_name), "get_state_dict", lambda self, **kw: tsd)
    with torch.device("meta"), warnings.catch_warnings(record=True) as tw:
        warnings.simplefilter("always")
        theirs = torchvision.models.get_model(name, weights="DEFAULT", **kwargs)
    with skipped_init(monkeypatch):
        full = models.get_model(name, aux_logits=True, init_weights=False)
    sd = full.state_dict()
    monkeypatch.setattr(getattr(models, enum_name), "get_state_dict",
                        lambda self, progress=True, check_hash=False: sd)
    with skipped_init(monkeypatch), warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        ours = models.get_model(name, weights="DEFAULT", **kwargs)
    assert [str(x.message) for x in w] == [str(x.message) for x in tw]
    assert_same_structure(ours, theirs)
    assert (ours.aux_logits, ours.transform_input) == (theirs.aux_logits, theirs.transform_input)
    for attr in ("aux1", "aux2", "AuxLogits"):
        assert (getattr(ours, attr, "absent") is None) == (getattr(theirs, attr, "absent") is None), attr


def test_googlenet_attribute_is_the_builder():
    # as in torchvision, ``models.googlenet`` is the builder even when the submodule is imported first (a fresh
    # interpreter: in this one the family may be loaded already)
    import subprocess
    import sys
    code = ("import ember.vision.models.googlenet\nfrom ember.vision import models\n"
            "assert models.googlenet is models.get_model_builder('googlenet'), models.googlenet")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
