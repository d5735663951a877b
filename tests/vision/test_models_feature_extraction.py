"""ember.vision.models.feature_extraction side by side with torchvision's (node names, extracted features,
state_dict keys, errors); ember finds the nodes by running the model with hooks, so only module nodes exist."""

import os
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest

import ember
from ember.vision import models, ops
from ember.vision.models.feature_extraction import create_feature_extractor, get_graph_node_names
from tests.vision._model_checks import load_torch_weights, skipped_init, torch_model_with_random_state


def module_nodes(model, names, placeholders=("x",)):
    """torchvision's node names less the function nodes: the arguments and the (repeated) module calls."""
    mods = dict(model.named_modules())
    return [n for n in names if n in placeholders or n in mods or re.sub(r"_\d+$", "", n) in mods]


def pair(torch, torchvision, monkeypatch, name, **kwargs):
    theirs = torch_model_with_random_state(torch, torchvision, name, **kwargs)
    with skipped_init(monkeypatch):
        ours = getattr(models, name)(**kwargs)
    load_torch_weights(ours, theirs)
    return ours, theirs


def tv_fx(torchvision):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from torchvision.models import feature_extraction
    return feature_extraction


def assert_same_features(torch, ours, theirs, x):
    a, b = ours(ember.tensor(x)), theirs(torch.tensor(x))
    assert list(a) == list(b)
    for k in b:
        np.testing.assert_allclose(a[k].detach().numpy(), b[k].detach().numpy(), rtol=1e-4, atol=1e-4, err_msg=k)


@pytest.mark.parametrize("name, nodes", [
    ("mobilenet_v3_small", ["x", "features.0", "features.1.block.1", "features.4.block.2", "features.3"]),
    ("efficientnet_b0", ["features.0", "features.2.1.block.3", "features.2.1.stochastic_depth", "features.2"]),
])
def test_node_names_features_state_dict_match_torchvision(torch, torchvision, monkeypatch, name, nodes):
    fx = tv_fx(torchvision)
    ours, theirs = pair(torch, torchvision, monkeypatch, name)
    x = np.random.default_rng(0).standard_normal((2, 3, 64, 64)).astype(np.float32)
    train, evals = get_graph_node_names(ours, example_inputs=ember.tensor(x))
    t_train, t_eval = fx.get_graph_node_names(theirs)
    assert train == module_nodes(theirs, t_train) and evals == module_nodes(theirs, t_eval)
    ours.eval(), theirs.eval()
    mine, ref = create_feature_extractor(ours, nodes), fx.create_feature_extractor(theirs, nodes)
    assert list(mine.state_dict()) == list(ref.state_dict())
    assert [n for n, _ in mine.named_modules()] == [n for n, _ in ref.named_modules()]
    assert not mine.training
    assert_same_features(torch, mine, ref, x)


def test_resnet18_nodes_dict_names_and_train_eval_sets(torch, torchvision, monkeypatch):
    fx = tv_fx(torchvision)
    ours, theirs = pair(torch, torchvision, monkeypatch, "resnet18", num_classes=10)
    x = np.random.default_rng(1).standard_normal((2, 3, 32, 32)).astype(np.float32)
    train, evals = get_graph_node_names(ours)  # example input guessed from conv1
    t_train, _ = fx.get_graph_node_names(theirs)
    assert train == evals and train[:6] == ["x", "conv1", "bn1", "relu", "maxpool", "layer1.0.conv1"]
    assert train[-3:] == ["layer4.1.relu_1", "avgpool", "fc"]
    assert train == module_nodes(theirs, t_train)  # (the blocks run downsample after the main path, as torchvision)
    # a dict renames; outputs come in execution order; repeated calls; the input; a module's output
    nodes = {"layer2": "c3", "layer1.0.relu_1": "r", "x": "inp", "conv1": "stem"}
    kw = {"train_return_nodes": ["layer1", "layer2.0.downsample.0"], "eval_return_nodes": nodes}
    mine, ref = create_feature_extractor(ours, **kw), fx.create_feature_extractor(theirs, **kw)
    assert list(mine.state_dict()) == list(ref.state_dict())
    assert mine.training and repr(mine).startswith("ResNet(\n  (conv1): Conv2d(")
    assert_same_features(torch, mine, ref, x)  # train mode: batch statistics, running stats updated
    mine.eval(), ref.eval()
    assert ours.layer2[0].bn1.training is False and ours.layer1.training is False
    assert_same_features(torch, mine, ref, x)
    np.testing.assert_allclose(ours.bn1.running_mean.numpy(), theirs.bn1.running_mean.numpy(), rtol=1e-4, atol=1e-5)


def test_state_dict_keeps_only_needed_modules(torch, torchvision, monkeypatch):
    # layer2.0.downsample.0 needs layer1 but not layer2.0's conv1/bn1/conv2/bn2, which run before it
    fx = tv_fx(torchvision)
    ours, theirs = pair(torch, torchvision, monkeypatch, "resnet18")
    mine = create_feature_extractor(ours, ["layer2.0.downsample.0"], example_inputs=ember.randn(2, 3, 32, 32))
    ref = fx.create_feature_extractor(theirs, ["layer2.0.downsample.0"])
    assert sorted(mine.state_dict()) == sorted(ref.state_dict())
    assert "layer2.0.conv1.weight" not in mine.state_dict() and "fc.weight" not in mine.state_dict()
    assert sum(p.numel() for p in mine.parameters()) == sum(p.numel() for p in ref.parameters())
    # loading the extractor's state_dict writes into the shared modules
    state = {k: v.clone() for k, v in mine.state_dict().items()}
    state["layer1.0.conv1.weight"].fill_(0.5)
    mine.load_state_dict(state)
    assert (ours.layer1[0].conv1.weight.detach().numpy() == 0.5).all()


def test_stops_after_last_requested_node_and_leaves_model_state():
    model = models.resnet18(num_classes=4)
    calls = []
    model.layer3.register_forward_hook(lambda m, i, o: calls.append("layer3"))
    model.fc.register_forward_hook(lambda m, i, o: calls.append("fc"))
    ember.manual_seed(3)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    example = ember.randn(2, 3, 32, 32)
    rng = ember.get_rng_state()
    ex = create_feature_extractor(model, ["layer2"], example_inputs=example)
    assert ember.equal(ember.get_rng_state(), rng) and model.training
    assert all(ember.equal(before[k], v) for k, v in model.state_dict().items())  # the train-mode run is undone
    calls.clear()
    out = ex(ember.randn(2, 3, 32, 32))
    assert list(out) == ["layer2"] and tuple(out["layer2"].shape) == (2, 128, 4, 4) and calls == []
    assert not model.layer1[0].conv1._forward_hooks  # the extractor's hooks are gone after the forward
    assert model(ember.randn(2, 3, 32, 32)).shape == (2, 4) and calls == ["layer3", "fc"]


def _toy(nn, se_cls, ones):
    class Lin(nn.Linear):  # a user subclass of a library layer: not a leaf, its parameters are direct tensors
        pass

    class Sub(nn.Module):
        def __init__(self):
            super().__init__()
            self.se, self.lin, self.act = se_cls(4, 2), Lin(4, 4), nn.ReLU()
            self.seq = nn.Sequential(nn.ReLU())
            self.p = nn.Parameter(ones(4))
            self.register_buffer("b", ones(4))

        def forward(self, x):
            x = self.act(self.act(self.act(self.se(x))))
            return self.lin(self.seq(x).mean((2, 3))) * self.p + self.b

    class Top(nn.Module):
        def __init__(self):
            super().__init__()
            self.sub, self.head, self.drop = Sub(), nn.Linear(4, 2), nn.Dropout(0.5)

        def forward(self, x, y=None):
            a = self.sub(x)
            if self.training:
                a = self.drop(a)
            return self.head(a + self.sub(x))

    return Top()


def test_repeated_calls_leaf_types_and_diff_warning(torch, torchvision):
    fx = tv_fx(torchvision)
    theirs = _toy(torch.nn, torchvision.ops.SqueezeExcitation, torch.ones)
    ours = _toy(ember.nn, ops.SqueezeExcitation, ember.ones)
    ours.load_state_dict({k: ember.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(2).standard_normal((2, 4, 5, 5)).astype(np.float32)
    with pytest.warns(UserWarning, match="^NOTE: The nodes obtained by tracing the model in eval mode"):
        train, evals = get_graph_node_names(ours, example_inputs=ember.tensor(x))
    t_train, t_eval = fx.get_graph_node_names(theirs, suppress_diff_warning=True)
    # the SqueezeExcitation of ember.vision.ops is a leaf; the second calls are named "sub.se_1", "sub.act_3" ...
    assert train == module_nodes(theirs, t_train, ("x", "y")) and "sub.se_1" in train and "drop" in train
    assert evals == module_nodes(theirs, t_eval, ("x", "y")) and "drop" not in evals
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        get_graph_node_names(ours, suppress_diff_warning=True, example_inputs=ember.tensor(x))
    ours.eval(), theirs.eval()
    # "sub" and "sub.lin" are the last calls' outputs, "sub.act" the first call of that leaf
    for nodes in (["sub", "sub.act_2", "sub.act"], ["sub.lin"], {"sub.se_1": "s", "y": "why", "head": "h"}):
        mine = create_feature_extractor(ours, nodes, suppress_diff_warning=True, example_inputs=ember.tensor(x))
        ref = fx.create_feature_extractor(theirs, nodes, suppress_diff_warning=True)
        assert list(mine.state_dict()) == list(ref.state_dict()), nodes
        if "y" in nodes:
            a, b = mine(ember.tensor(x)), ref(torch.tensor(x))
            assert a["why"] is None and b["why"] is None and list(a) == list(b) == ["why", "s", "h"]
        else:
            assert_same_features(torch, mine, ref, x)
    # tracer_kwargs leaf_modules: Sub becomes one node
    t_nodes = fx.get_graph_node_names(theirs, {"leaf_modules": [type(theirs.sub)]}, True)[1]
    nodes = get_graph_node_names(ours, {"leaf_modules": [type(ours.sub)]}, True, example_inputs=ember.tensor(x))[1]
    assert nodes == module_nodes(theirs, t_nodes, ("x", "y")) == ["x", "y", "sub", "sub_1", "head"]


def test_errors_match_torchvision(torch, torchvision):
    fx = tv_fx(torchvision)
    theirs, ours = torchvision.models.squeezenet1_1(), models.squeezenet1_1()
    cases = [{"return_nodes": ["features.0", "nope"]}, {"return_nodes": ["features.1.add"]}, {},
             {"train_return_nodes": ["features.0"]}, {"return_nodes": ["x"], "train_return_nodes": ["x"]},
             {"return_nodes": ["x"], "train_return_nodes": ["x"], "eval_return_nodes": ["x"]}]
    for kw in cases:
        if kw.get("return_nodes") == ["features.1.add"]:  # a function node: ember cannot see it
            with pytest.raises(ValueError, match="node: 'features.1.add' is not present in model. Hint: use"):
                create_feature_extractor(ours, **kw, example_inputs=ember.randn(2, 3, 32, 32))
            continue
        with pytest.raises(ValueError) as theirs_err:
            fx.create_feature_extractor(theirs, **kw)
        with pytest.raises(ValueError) as ours_err:
            create_feature_extractor(ours, **kw, example_inputs=ember.randn(2, 3, 32, 32))
        assert str(ours_err.value) == str(theirs_err.value)


def test_reachable_as_attributes_after_import_ember_vision():
    code = ("import ember.vision as torchvision\n"
            "assert torchvision.models._utils.IntermediateLayerGetter.__name__ == 'IntermediateLayerGetter'\n"
            "assert callable(torchvision.models.feature_extraction.create_feature_extractor)\n"
            "assert '_utils' in dir(torchvision.models)\n")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)
