"""convert_conv2d/3d_weight_memory_format (ember/nn/utils/memory_format.py) against torch.nn.utils."""

import numpy as np
import pytest

import ember


def _net(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(8, 4, 3), nn.Sequential(nn.ConvTranspose2d(4, 4, 3), nn.ReLU()),
                         nn.Conv3d(2, 2, 2), nn.ConvTranspose3d(2, 3, 2), nn.Conv1d(2, 2, 2), nn.Linear(3, 3))


@pytest.mark.parametrize("fn,fmt", [
    ("convert_conv2d_weight_memory_format", "channels_last"),
    ("convert_conv2d_weight_memory_format", "contiguous_format"),
    ("convert_conv3d_weight_memory_format", "channels_last_3d"),
])
def test_strides_match_torch(torch, fn, fmt):
    t_net, e_net = _net(torch), _net(ember)
    e_net.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t_net.state_dict().items()})
    e_params = list(e_net.parameters())
    t_out = getattr(torch.nn.utils, fn)(t_net, getattr(torch, fmt))
    e_out = getattr(ember.nn.utils, fn)(e_net, getattr(ember, fmt))
    assert e_out is e_net and t_out is t_net
    assert list(e_net.parameters()) == e_params  # same Parameter objects, new layouts
    for (name, e_p), t_p in zip(e_net.named_parameters(), t_net.parameters()):
        assert e_p.stride() == t_p.stride(), name
        np.testing.assert_array_equal(e_p.detach().numpy(), t_p.detach().numpy())
    x = np.random.default_rng(0).standard_normal((1, 8, 6, 6)).astype("float32")
    np.testing.assert_allclose(e_net[:2](ember.tensor(x)).detach().numpy(),
                               t_net[:2](torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("fn,fmt", [
    ("convert_conv3d_weight_memory_format", "channels_last"),
    ("convert_conv2d_weight_memory_format", "channels_last_3d"),
])
def test_errors_match_torch(torch, fn, fmt):
    with pytest.raises(Exception) as t_info:
        getattr(torch.nn.utils, fn)(_net(torch), getattr(torch, fmt))
    with pytest.raises(type(t_info.value)) as e_info:
        getattr(ember.nn.utils, fn)(_net(ember), getattr(ember, fmt))
    assert str(e_info.value) == str(t_info.value)


def test_module_itself_is_converted(torch):
    conv = ember.nn.Conv2d(3, 5, 3)
    assert ember.nn.utils.convert_conv2d_weight_memory_format(conv, ember.channels_last) is conv
    assert conv.weight.is_contiguous(memory_format=ember.channels_last)
    assert ember.nn.utils.memory_format.convert_conv2d_weight_memory_format is \
        ember.nn.utils.convert_conv2d_weight_memory_format
