"""Shared checks for the torchvision-family model tests: an ember model against the torchvision model of the
same configuration (structure, repr, forward values, gradients, running statistics)."""

import contextlib
import copy

import numpy as np

import ember
import ember.nn.init as einit

_INIT_FUNCS = ("kaiming_normal_", "kaiming_uniform_", "normal_", "uniform_", "constant_", "zeros_", "ones_",
               "trunc_normal_", "xavier_uniform_", "xavier_normal_")


@contextlib.contextmanager
def skipped_init(monkeypatch):
    """Build ember models without drawing their initial weights (structure-only checks of big models)."""
    with monkeypatch.context() as m:
        for name in _INIT_FUNCS:
            m.setattr(einit, name, lambda tensor, *args, **kwargs: tensor)
        yield


@contextlib.contextmanager
def recorded_init(monkeypatch, limit=200_000):
    """Record every ``ember.nn.init`` call as ``(function name, shape, args, kwargs)``; tensors larger than
    ``limit`` elements are left as created (the records still show how they would have been initialised)."""
    calls = []
    with monkeypatch.context() as m:
        for name in _INIT_FUNCS:
            real = getattr(einit, name)

            def spy(tensor, *args, _real=real, _name=name, **kwargs):
                calls.append((_name, tuple(tensor.shape), args, kwargs))
                return tensor if tensor.numel() > limit else _real(tensor, *args, **kwargs)
            m.setattr(einit, name, spy)
        yield calls


def torch_meta_model(torch, torchvision, name, **kwargs):
    """torchvision's model built on the meta device (shapes and dtypes only, no initialisation cost)."""
    with torch.device("meta"):
        return torchvision.models.get_model(name, **kwargs)


def torch_model_with_random_state(torch, torchvision, name, replace=None, seed=0, **kwargs):
    """torchvision's model (``name``, or ``name(torchvision.models)`` if callable) built without its (slow)
    initialisation: built on the meta device, its ``replace``
    children (``{name: make(torch.nn)}``) swapped in, then every parameter and buffer filled from a seeded
    NumPy generator (He-scaled weights, small biases, positive running variances)."""
    with torch.device("meta"):
        model = name(torchvision.models) if callable(name) else torchvision.models.get_model(name, **kwargs)
        for child, make in (replace or {}).items():
            setattr(model, child, make(torch.nn))
    model = model.to_empty(device="cpu")
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for key, t in model.state_dict().items():
            if key.endswith("num_batches_tracked"):
                t.zero_()
            elif key.endswith("running_var"):
                t.copy_(torch.tensor(rng.uniform(0.5, 1.5, tuple(t.shape)).astype(np.float32)))
            elif t.ndim > 1:
                fan_in = int(np.prod(t.shape[1:]))
                t.copy_(torch.tensor((rng.standard_normal(tuple(t.shape)) * np.sqrt(2.0 / fan_in)).astype(np.float32)))
            else:
                base = 1.0 if key.endswith("weight") else 0.0  # norm layers' scales near 1
                t.copy_(torch.tensor((base + 0.1 * rng.standard_normal(tuple(t.shape))).astype(np.float32)))
    return model


def assert_same_structure(ours, theirs):
    """Same state_dict keys (in order), shapes and dtypes, same parameter count and the same repr."""
    sd, tsd = ours.state_dict(), theirs.state_dict()
    assert list(sd) == list(tsd)
    for k in sd:
        assert tuple(sd[k].shape) == tuple(tsd[k].shape), k
        assert str(sd[k].dtype).split(".")[-1] == str(tsd[k].dtype).split(".")[-1], k
    n_ours = sum(p.numel() for p in ours.parameters())
    assert n_ours == sum(p.numel() for p in theirs.parameters())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert repr(ours) == repr(theirs)
    return n_ours


def load_torch_weights(ours, theirs):
    """Copy the torch model's state into the ember model (strict)."""
    from collections import OrderedDict
    tsd = theirs.state_dict()
    sd = OrderedDict((k, ember.tensor(v.detach().cpu().numpy())) for k, v in tsd.items())
    sd._metadata = tsd._metadata  # module versions (MNASNet reads them)
    ours.load_state_dict(sd, strict=True)


def assert_same_forward(torch, ours, theirs, shape, grads=(), rtol=1e-4, atol=1e-5, seed=0,
                        buffers_after_backward=False, double_grads=False):
    """Outputs in eval and train mode, the gradients of ``grads`` (parameter names) under a random upstream
    gradient (against torch in float64), and the buffers after the train-mode forward all match the torch
    model's (``buffers_after_backward``: after forward and backward, against the float64 model, for models whose
    backward recomputes checkpointed layers and so updates batch-norm statistics again). ``double_grads``: the
    gradients come from a float64 copy of ``ours`` (for networks so ill-conditioned in train mode that float32
    gradients stray from float64 by more than the tolerance, by amounts that depend on the CPU's BLAS kernels)."""
    load_torch_weights(ours, theirs)
    ours64 = copy.deepcopy(ours).double() if double_grads else None
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(np.float32)
    ours.eval()
    theirs.eval()
    with ember.no_grad():
        y = ours(ember.tensor(x)).numpy()
    with torch.no_grad():
        ty = theirs(torch.tensor(x)).numpy()
    assert y.shape == ty.shape
    np.testing.assert_allclose(y, ty, rtol=rtol, atol=atol)

    # train mode is compared with torch in float64: for ill-conditioned channels (a train-mode batch norm over
    # few values) torch's own float32 results stray by percents in gradients, and ember's need not stray alike
    ref64 = copy.deepcopy(theirs).double().train()
    ours.train()
    theirs.train()
    out = ours(ember.tensor(x))
    with torch.no_grad():
        tout = theirs(torch.tensor(x))  # updates the running statistics compared below
    out64 = ref64(torch.tensor(x).double())
    want = out64.detach().numpy()
    np.testing.assert_allclose(out.detach().numpy(), want, rtol=rtol, atol=atol + 1e-4 * np.abs(want).max())
    g = rng.standard_normal(tuple(tout.shape)).astype(np.float32)
    out.backward(ember.tensor(g))
    out64.backward(torch.tensor(g).double())
    params, tparams = dict(ours.named_parameters()), dict(ref64.named_parameters())
    if double_grads:
        ours64.train()(ember.tensor(x).double()).backward(ember.tensor(g).double())
        params = dict(ours64.named_parameters())
    for name in grads:
        want = tparams[name].grad.numpy()
        np.testing.assert_allclose(params[name].grad.numpy(), want, rtol=rtol,
                                   atol=atol + 5e-4 * np.abs(want).max(), err_msg=name)
    bufs, tbufs = dict(ours.named_buffers()), dict((ref64 if buffers_after_backward else theirs).named_buffers())
    for name in tbufs:
        np.testing.assert_allclose(bufs[name].numpy(), tbufs[name].numpy(), rtol=rtol, atol=atol, err_msg=name)


def meta_without_docs(meta):
    """The meta as a comparable string (NaN accuracies compare equal), torchvision's prose ``_docs`` left out."""
    import json
    return json.dumps({k: [type(v).__name__, v] for k, v in meta.items() if k != "_docs"}, sort_keys=True)


def assert_same_weights_enum(ours, theirs):
    """Same members (DEFAULT included), URLs, meta (torchvision's prose ``_docs`` aside) and preprocessing."""
    assert list(ours.__members__) == list(theirs.__members__)
    assert ours.DEFAULT.name == theirs.DEFAULT.name
    for name in theirs.__members__:
        a, b = ours[name], theirs[name]
        assert repr(a) == repr(b)
        assert a.url == b.url
        assert meta_without_docs(a.meta) == meta_without_docs(b.meta)
        assert a.transforms.keywords.keys() == b.transforms.keywords.keys()
        for k, v in b.transforms.keywords.items():
            w = a.transforms.keywords[k]
            assert (w.value == v.value) if hasattr(v, "value") else (w == v), k
        assert repr(a.transforms()) == repr(b.transforms())


def check_builder(torch, torchvision, monkeypatch, name, enum_name):
    """A builder with its default arguments: the same structure and repr as torchvision's, the parameter count
    its weights' meta states, the same weights enum, and the registry's answers."""
    from ember.vision import models
    theirs = torch_meta_model(torch, torchvision, name)
    with skipped_init(monkeypatch):
        ours = models.get_model(name)
    enum = getattr(models, enum_name)
    assert assert_same_structure(ours, theirs) == enum.DEFAULT.meta["num_params"]
    assert_same_weights_enum(enum, getattr(torchvision.models, enum_name))
    assert models.get_model_weights(name) is enum
    assert getattr(models, name) is models.get_model_builder(name)
    return ours, theirs
