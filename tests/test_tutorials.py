"""Classic PyTorch beginner tutorials, run unchanged on PyTorch and on ember.

Each tutorial is written once, as ``run(torch, ...)`` using only the PyTorch API (``nn = torch.nn``,
``F = torch.nn.functional``, ``optim = torch.optim``). It returns what the user would see printed (a list of
strings) and the numbers it computed; the test runs it with PyTorch (the ``torch`` fixture) and with ember and
compares the two. Random inputs come from a seeded NumPy generator shared by both runs, and ember's models are
loaded with PyTorch's initial weights, so results can be compared number for number.
"""

import math
import random
import re

import numpy as np
import pytest

import ember

_ADDR = re.compile(r" at 0x[0-9a-fA-F]+>")


def _mask(lines):
    return [_ADDR.sub(" at 0x?>", line) for line in lines]


def _torch_text(lines):
    """What ember should print where PyTorch printed ``lines``."""
    return _mask([line.replace("torch.", "ember.") for line in lines])


def _printer():
    """A ``print`` that records what it would have written (one entry per call)."""
    out = []

    def print(*args, sep=" ", end="\n"):  # noqa: A001 - the tutorials print; we capture
        out.append(sep.join(str(a) for a in args) + end)

    return out, print


def _np(value):
    if isinstance(value, (list, tuple)):
        return [_np(v) for v in value]
    if hasattr(value, "detach"):
        return value.detach().numpy().copy()
    return np.asarray(value)


class Weights:
    """Records PyTorch's initial weights in the first run and loads them into ember's modules in the second
    (``ember.from_numpy`` of each tensor of the state dict, then ``load_state_dict``)."""

    def __init__(self):
        self.saved = {}
        self.replay = False

    def __call__(self, torch, name, module):
        if self.replay:
            missing = module.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in self.saved[name].items()})
            assert not missing.missing_keys and not missing.unexpected_keys
        else:
            self.saved[name] = {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}
        return module


def _both(torch, tutorial, *args, tmp_path=None):
    """Run ``tutorial(lib, rng, weights, *args)`` with PyTorch, then with ember on PyTorch's weights (with a
    separate file path for each when ``tmp_path`` is given)."""
    weights = Weights()
    extra = () if tmp_path is None else (str(tmp_path / "torch_net.pth"),)
    t_res = tutorial(torch, np.random.default_rng(0), weights, *extra, *args)
    weights.replay = True
    extra = () if tmp_path is None else (str(tmp_path / "ember_net.pth"),)
    e_res = tutorial(ember, np.random.default_rng(0), weights, *extra, *args)
    return e_res, t_res


def _compare(torch, tutorial, *args, tmp_path=None, numbers=False, rtol=1e-4, atol=1e-5):
    """Run ``tutorial`` with PyTorch and with ember (see :func:`_both`); assert the same printed text (see
    :func:`_assert_same_text`) and the same numbers (see :func:`_assert_close`)."""
    (e_out, e_nums), (t_out, t_nums) = _both(torch, tutorial, *args, tmp_path=tmp_path)
    _assert_same_text(e_out, t_out, numbers=numbers)
    _assert_close(e_nums, t_nums, rtol=rtol, atol=atol)


def _randn(torch, rng, *shape):
    return torch.from_numpy(rng.standard_normal(shape).astype(np.float32))


def _rand(torch, rng, *shape):
    return torch.from_numpy(rng.random(shape, dtype=np.float32))


def _assert_close(ember_nums, torch_nums, rtol=1e-4, atol=1e-5):
    assert ember_nums.keys() == torch_nums.keys()
    for key in torch_nums:
        e, t = ember_nums[key], torch_nums[key]
        if isinstance(t, list):
            assert len(e) == len(t), key
            for i, (ei, ti) in enumerate(zip(e, t)):
                np.testing.assert_allclose(ei, ti, rtol=rtol, atol=atol, err_msg=f"{key}[{i}]")
        else:
            assert np.shape(e) == np.shape(t), key
            np.testing.assert_allclose(e, t, rtol=rtol, atol=atol, err_msg=key)


_FLOAT = re.compile(r"-?\d+\.(\d*)(?:e([+-]?\d+))?")


def _assert_same_text(ember_lines, torch_lines, numbers=False):
    """The same printed text. With ``numbers=True`` (for values computed in float32, where the last printed
    digit may legitimately differ), decimal numbers are compared apart: within one unit of the last printed
    digit, or 1e-4 relative; the rest of the text must still match exactly."""
    expected = _torch_text(torch_lines)
    got = _mask(ember_lines)
    assert len(got) == len(expected), (got, expected)
    for g, e in zip(got, expected):
        if numbers:
            g_nums, e_nums = _FLOAT.findall(g), [m for m in _FLOAT.finditer(e)]
            g_vals = [float(m.group(0)) for m in _FLOAT.finditer(g)]
            assert len(g_nums) == len(e_nums), (g, e)
            for gv, m in zip(g_vals, e_nums):
                # "2." (an integral float) must match exactly; "0.1234" may be off by one in the last digit
                ulp = 10.0 ** (-len(m.group(1)) + int(m.group(2) or 0)) if m.group(1) else 0.0
                assert abs(gv - float(m.group(0))) <= max(1.01 * ulp, 1e-4 * abs(gv)), (g, e)
            g, e = _FLOAT.sub("#", g), _FLOAT.sub("#", e)
        assert g == e


# --------------------------------------------------------------------------------------------------------------
# 1. Tensors (https://pytorch.org/tutorials/beginner/basics/tensorqs_tutorial.html)
# --------------------------------------------------------------------------------------------------------------


def tensors_tutorial(torch):
    out, print = _printer()

    # Initializing a tensor
    data = [[1, 2], [3, 4]]
    x_data = torch.tensor(data)
    print(f"{x_data}")
    np_array = np.array(data)
    x_np = torch.from_numpy(np_array)
    print(f"{x_np}")
    x_ones = torch.ones_like(x_data)  # retains the properties of x_data
    print(f"Ones Tensor: \n {x_ones} \n")
    x_rand = torch.rand_like(x_data, dtype=torch.float)  # overrides the datatype of x_data
    print(f"Random Tensor: {x_rand.shape} {x_rand.dtype} {bool(((x_rand >= 0) & (x_rand < 1)).all())}")

    shape = (2, 3,)
    rand_tensor = torch.rand(shape)
    ones_tensor = torch.ones(shape)
    zeros_tensor = torch.zeros(shape)
    print(f"Random Tensor: {rand_tensor.shape} {rand_tensor.dtype}")
    print(f"Ones Tensor: \n {ones_tensor} \n")
    print(f"Zeros Tensor: \n {zeros_tensor}")

    # Attributes of a tensor
    tensor = torch.rand(3, 4)
    print(f"Shape of tensor: {tensor.shape}")
    print(f"Datatype of tensor: {tensor.dtype}")
    print(f"Device tensor is stored on: {tensor.device}")
    if torch.cuda.is_available():
        tensor = tensor.to("cuda")
    print(f"Device tensor is stored on: {tensor.device}")

    # Standard numpy-like indexing and slicing
    tensor = torch.ones(4, 4)
    print(f"First row: {tensor[0]}")
    print(f"First column: {tensor[:, 0]}")
    print(f"Last column: {tensor[..., -1]}")
    tensor[:, 1] = 0
    print(tensor)

    # Joining tensors
    t1 = torch.cat([tensor, tensor, tensor], dim=1)
    print(t1)
    print(torch.stack([tensor[0], tensor[1]]))

    # Arithmetic operations
    y1 = tensor @ tensor.T
    y2 = tensor.matmul(tensor.T)
    y3 = torch.rand_like(y1)
    torch.matmul(tensor, tensor.T, out=y3)
    print(y1)
    print(f"{torch.equal(y1, y2)} {torch.equal(y1, y3)}")
    z1 = tensor * tensor
    z2 = tensor.mul(tensor)
    z3 = torch.rand_like(tensor)
    torch.mul(tensor, tensor, out=z3)
    print(z1)
    print(f"{torch.equal(z1, z2)} {torch.equal(z1, z3)}")

    # Single-element tensors
    agg = tensor.sum()
    agg_item = agg.item()
    print(agg_item, type(agg_item))
    print(f"{agg}")

    # In-place operations
    print(f"{tensor} \n")
    tensor.add_(5)
    print(f"{tensor}")
    tensor.t_()
    print(f"{tensor}")
    tensor.copy_(torch.zeros(4, 4))
    print(f"{tensor}")

    # Bridge with NumPy: tensor to NumPy array
    t = torch.ones(5)
    print(f"t: {t}")
    n = t.numpy()
    print(f"n: {n}")
    t.add_(1)
    print(f"t: {t}")
    print(f"n: {n}")

    # NumPy array to tensor
    n = np.ones(5)
    t = torch.from_numpy(n)
    np.add(n, 1, out=n)
    print(f"t: {t}")
    print(f"n: {n}")

    # A few more things the tutorial's readers do next
    x = torch.arange(12).reshape(3, 4)
    print(f"{x}\n{x.view(-1, 6)}\n{x[1:, ::2]}\n{x[x > 5]}\n{x.float().mean()}\n{x.dtype}")
    print(f"{torch.zeros(2, 2, dtype=torch.int32)}\n{torch.tensor([1.5, 2.5]).to(torch.float64)}")
    print(f"{torch.tensor([[1., -1.], [1., -1.]])}\n{torch.tensor(np.array([[1, 2, 3], [4, 5, 6]]))}")
    print(repr(torch.tensor(3.14159)))
    print(f"{torch.tensor([1, 2, 3]).size()} {torch.ones(2, 3).size(1)} {torch.ones(2, 3).dim()} "
          f"{torch.ones(2, 3).numel()}")
    return out


def test_tensors_tutorial(torch):
    _assert_same_text(tensors_tutorial(ember), tensors_tutorial(torch))


def inplace_view_ops(torch):
    """``t_``/``transpose_``/``squeeze_``/``unsqueeze_`` (the tutorial's "in-place operations", on tensors in a
    graph): the tensor takes the new shape and history, and gradients flow back through it."""
    out, print = _printer()
    a = torch.tensor([[[0., 1., 2.]], [[3., 4., 5.]]], requires_grad=True)
    for f in (lambda: a.clone().squeeze_(), lambda: a.clone().squeeze_(1), lambda: a.clone().squeeze_((1,)),
              lambda: a.clone().unsqueeze_(0), lambda: a.clone().transpose_(0, 2), lambda: a[:, 0].clone().t_(),
              lambda: a.clone().mul(2).squeeze_().t_()):
        r = f()
        print(r.shape, r.grad_fn, r.grad_fn.next_functions)
    b = a[:, 0].clone().t_()
    (b * torch.arange(1., 7.).view(3, 2)).sum().backward()
    print(a.grad)
    try:
        a.transpose_(0, 1)
    except RuntimeError as e:
        print(e)
    with torch.no_grad():
        print(a.transpose_(0, 1).shape, a.is_leaf, a.grad_fn, a.requires_grad)
    return out


def test_inplace_view_ops(torch):
    _assert_same_text(inplace_view_ops(ember), inplace_view_ops(torch))


def test_tensors_tutorial_numpy_bridge_shares_memory():
    # the printed check above, made explicit: both directions share memory with NumPy
    t = ember.ones(5)
    n = t.numpy()
    t.add_(1)
    assert n.tolist() == [2.0] * 5
    n = np.ones(5)
    t = ember.from_numpy(n)
    np.add(n, 1, out=n)
    assert t.tolist() == [2.0] * 5


# --------------------------------------------------------------------------------------------------------------
# 2. A gentle introduction to torch.autograd (https://pytorch.org/tutorials/beginner/blitz/autograd_tutorial.html)
# --------------------------------------------------------------------------------------------------------------


def autograd_tutorial(torch, rng, weights):
    nn = torch.nn
    optim = torch.optim
    out, print = _printer()
    nums = {}

    a = torch.tensor([2., 3.], requires_grad=True)
    b = torch.tensor([6., 4.], requires_grad=True)
    Q = 3 * a ** 3 - b ** 2
    print(f"{a}\n{Q}")
    try:
        Q.backward()  # Q is a vector: the gradient must be given
    except RuntimeError as e:
        print(f"RuntimeError: {e}")
    external_grad = torch.tensor([1., 1.])
    Q.backward(gradient=external_grad)
    # check if collected gradients are correct
    print(f"{9 * a ** 2 == a.grad}")
    print(f"{-2 * b == b.grad}")
    print(f"{a.grad} {b.grad} {a.is_leaf} {Q.is_leaf} {Q.grad_fn}")

    # Exclusion from the DAG
    x = torch.rand(5, 5)
    y = torch.rand(5, 5)
    z = torch.rand((5, 5), requires_grad=True)
    a = x + y
    print(f"Does `a` require gradients?: {a.requires_grad}")
    b = x + z
    print(f"Does `b` require gradients?: {b.requires_grad}")
    with torch.no_grad():
        c = x + z
    print(f"Under no_grad: {c.requires_grad} {c.grad_fn}")
    d = b.detach()
    print(f"Detached: {d.requires_grad} {d.grad_fn} {d.is_leaf}")
    print(f"{torch.is_grad_enabled()}")

    # Freezing parameters (the tutorial freezes a pretrained resnet18 and replaces its classifier; here a small
    # stand-in with the same attribute name)
    class Backbone(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3)
            self.fc = nn.Linear(4, 1000)

        def forward(self, x):
            x = torch.relu(self.conv(x)).mean((2, 3))
            return self.fc(x)

    model = weights(torch, "backbone", Backbone())
    for param in model.parameters():
        param.requires_grad = False
    model.fc = weights(torch, "fc", nn.Linear(4, 10))
    optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
    print(f"{[p.requires_grad for p in model.parameters()]}")
    data = _rand(torch, rng, 2, 3, 8, 8)
    labels = _rand(torch, rng, 2, 10)
    prediction = model(data)
    loss = (prediction - labels).sum()
    loss.backward()
    print(f"{model.conv.weight.grad} {model.fc.weight.grad.shape} {loss.grad_fn}")
    optimizer.step()
    nums["fc.weight"] = _np(model.fc.weight)
    nums["fc.bias"] = _np(model.fc.bias)
    nums["loss"] = loss.item()

    # requires_grad_(False) on a leaf, then back on
    w = torch.ones(3, requires_grad=True)
    w.requires_grad_(False)
    print(f"{w.requires_grad} {(w * 2).grad_fn}")
    w.requires_grad_()
    print(f"{w.requires_grad} {(w * 2).grad_fn}")
    return out, nums


def test_autograd_tutorial(torch):
    _compare(torch, autograd_tutorial)


# --------------------------------------------------------------------------------------------------------------
# 3. Neural Networks (https://pytorch.org/tutorials/beginner/blitz/neural_networks_tutorial.html)
# --------------------------------------------------------------------------------------------------------------


def neural_networks_tutorial(torch, rng, weights):
    nn = torch.nn
    F = torch.nn.functional
    optim = torch.optim
    out, print = _printer()
    nums = {}

    class Net(nn.Module):

        def __init__(self):
            super(Net, self).__init__()  # noqa: UP008 - as the tutorial writes it
            # 1 input image channel, 6 output channels, 5x5 square convolution kernel
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            # an affine operation: y = Wx + b
            self.fc1 = nn.Linear(16 * 5 * 5, 120)  # 5*5 from image dimension
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, input):
            # Convolution layer C1: 1 input image channel, 6 output channels, 5x5 square convolution,
            # it uses RELU activation function, and outputs a Tensor with size (N, 6, 28, 28)
            c1 = F.relu(self.conv1(input))
            # Subsampling layer S2: 2x2 grid, purely functional, outputs a (N, 6, 14, 14) Tensor
            s2 = F.max_pool2d(c1, (2, 2))
            # Convolution layer C3: outputs a (N, 16, 10, 10) Tensor
            c3 = F.relu(self.conv2(s2))
            # Subsampling layer S4: 2x2 grid, outputs a (N, 16, 5, 5) Tensor
            s4 = F.max_pool2d(c3, 2)
            # Flatten operation: outputs a (N, 400) Tensor
            s4 = torch.flatten(s4, 1)
            f5 = F.relu(self.fc1(s4))
            f6 = F.relu(self.fc2(f5))
            output = self.fc3(f6)
            return output

    net = Net()
    weights(torch, "net", net)
    print(net)

    params = list(net.parameters())
    print(len(params))
    print(params[0].size())  # conv1's .weight
    print([name for name, _ in net.named_parameters()])

    input = _randn(torch, rng, 1, 1, 32, 32)
    out_ = net(input)
    print(out_)
    nums["out"] = _np(out_)

    net.zero_grad()
    out_.backward(_randn(torch, rng, 1, 10))
    nums["conv1.weight.grad (random upstream)"] = _np(net.conv1.weight.grad)

    # Loss function
    output = net(input)
    target = _randn(torch, rng, 10)  # a dummy target, for example
    target = target.view(1, -1)  # make it the same shape as output
    criterion = nn.MSELoss()
    loss = criterion(output, target)
    nums["loss"] = _np(loss)
    print(loss)

    print(loss.grad_fn)  # MSELoss
    print(loss.grad_fn.next_functions[0][0])  # Linear
    print(loss.grad_fn.next_functions[0][0].next_functions[0][0])  # ReLU
    print(loss.grad_fn.next_functions)
    print(len(loss.grad_fn.next_functions[0][0].next_functions))

    # Backprop
    net.zero_grad()  # zeroes the gradient buffers of all parameters
    print('conv1.bias.grad before backward')
    print(net.conv1.bias.grad)
    loss.backward()
    print('conv1.bias.grad after backward')
    print(net.conv1.bias.grad)
    nums["conv1.bias.grad"] = _np(net.conv1.bias.grad)
    nums["fc1.weight.grad"] = _np(net.fc1.weight.grad)

    # Update the weights: weight = weight - learning_rate * gradient
    learning_rate = 0.01
    for f in net.parameters():
        f.data.sub_(f.grad.data * learning_rate)
    nums["conv1.weight (manual sgd)"] = _np(net.conv1.weight)

    # create your optimizer
    optimizer = optim.SGD(net.parameters(), lr=0.01)
    losses = []
    for _ in range(3):
        # in your training loop:
        optimizer.zero_grad()  # zero the gradient buffers
        output = net(input)
        loss = criterion(output, target)
        loss.backward()
        optimizer.step()  # Does the update
        losses.append(loss.item())
    nums["sgd losses"] = losses
    nums["fc3.weight"] = _np(net.fc3.weight)
    print(optimizer)
    return out, nums


def test_neural_networks_tutorial(torch):
    _compare(torch, neural_networks_tutorial, numbers=True)


# --------------------------------------------------------------------------------------------------------------
# 4. Training a classifier (https://pytorch.org/tutorials/beginner/blitz/cifar10_tutorial.html), on random
#    "images" instead of CIFAR-10
# --------------------------------------------------------------------------------------------------------------


def classifier_tutorial(torch, rng, weights, path, shuffle):
    nn = torch.nn
    F = torch.nn.functional
    optim = torch.optim
    from_lib = torch.utils.data
    DataLoader, TensorDataset = from_lib.DataLoader, from_lib.TensorDataset
    out, print = _printer()
    nums = {}

    classes = ('plane', 'car', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck')
    batch_size = 4
    train_x = torch.from_numpy((rng.random((16, 3, 32, 32), dtype=np.float32) - 0.5) / 0.5)
    train_y = torch.from_numpy(rng.integers(0, 10, 16))
    test_x = torch.from_numpy((rng.random((8, 3, 32, 32), dtype=np.float32) - 0.5) / 0.5)
    test_y = torch.from_numpy(rng.integers(0, 10, 8))
    trainset = TensorDataset(train_x, train_y)
    trainloader = DataLoader(trainset, batch_size=batch_size, shuffle=shuffle, num_workers=0)
    testset = TensorDataset(test_x, test_y)
    testloader = DataLoader(testset, batch_size=batch_size, shuffle=False, num_workers=0)

    dataiter = iter(trainloader)
    images, labels = next(dataiter)
    print(images.shape, images.dtype, labels.shape, labels.dtype, len(trainloader), len(trainset))
    print(' '.join(f'{classes[labels[j]]:5s}' for j in range(batch_size)) if not shuffle else "")

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 5)
            self.pool = nn.MaxPool2d(2, 2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = torch.flatten(x, 1)  # flatten all dimensions except batch
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            x = self.fc3(x)
            return x

    net = weights(torch, "net", Net())
    print(net)

    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)

    seen = []
    losses = []
    for epoch in range(2):  # loop over the dataset multiple times
        running_loss = 0.0
        for i, data in enumerate(trainloader, 0):
            # get the inputs; data is a list of [inputs, labels]
            inputs, labels = data
            seen.append(inputs[:, 0, 0, 0])
            # zero the parameter gradients
            optimizer.zero_grad()
            # forward + backward + optimize
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            # print statistics
            running_loss += loss.item()
            losses.append(loss.item())
            if i % 2 == 1:  # print every 2 mini-batches
                line = f'[{epoch + 1}, {i + 1:5d}] loss: {running_loss / 2:.3f}'
                print(line if not shuffle else re.sub(r"\d+\.\d+", "#", line))
                running_loss = 0.0
    print('Finished Training')
    # every epoch sees every training image exactly once
    seen = torch.cat(seen).view(2, -1)
    print([sorted(row.tolist()) == sorted(train_x[:, 0, 0, 0].tolist()) for row in seen])
    if not shuffle:
        nums["losses"] = losses
        nums["fc3.weight"] = _np(net.fc3.weight)
    else:
        nums["finite"] = np.isfinite(losses).all()

    PATH = path
    torch.save(net.state_dict(), PATH)

    net = Net()
    print(net.load_state_dict(torch.load(PATH, weights_only=True)))
    outputs = net(test_x[:4])
    _, predicted = torch.max(outputs, 1)
    print('Predicted: ', ' '.join(f'{classes[predicted[j]]:5s}' for j in range(4)) if not shuffle else "")

    correct = 0
    total = 0
    # since we're not training, we don't need to calculate the gradients for our outputs
    with torch.no_grad():
        for data in testloader:
            images, labels = data
            # calculate outputs by running images through the network
            outputs = net(images)
            # the class with the highest energy is what we choose as prediction
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
            print(outputs.requires_grad, type(correct).__name__, predicted.dtype, outputs.max(1).indices.shape)
    if not shuffle:
        print(f'Accuracy of the network on the {total} test images: {100 * correct // total} %')
        nums["test outputs"] = _np(net(test_x))

    # prepare to count predictions for each class
    correct_pred = {classname: 0 for classname in classes}
    total_pred = {classname: 0 for classname in classes}
    with torch.no_grad():
        for data in testloader:
            images, labels = data
            outputs = net(images)
            _, predictions = torch.max(outputs, 1)
            for label, prediction in zip(labels, predictions):
                if label == prediction:
                    correct_pred[classes[label]] += 1
                total_pred[classes[label]] += 1
    print(sum(total_pred.values()))
    if not shuffle:
        print(correct_pred)
    return out, nums


@pytest.mark.parametrize("shuffle", [False, True])
def test_classifier_tutorial(torch, tmp_path, shuffle):
    _compare(torch, classifier_tutorial, shuffle, tmp_path=tmp_path)


# --------------------------------------------------------------------------------------------------------------
# 5. Learning PyTorch with examples (https://pytorch.org/tutorials/beginner/pytorch_with_examples.html)
#    (fewer iterations than the tutorial's 2000)
# --------------------------------------------------------------------------------------------------------------

STEPS = 30


def polynomial_tensors(torch, rng, weights):
    out, print = _printer()
    dtype = torch.float
    device = torch.device("cpu")

    # Create random input and output data
    x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
    y = torch.sin(x)

    # Randomly initialize weights
    a, b, c, d = (_randn(torch, rng).to(device=device, dtype=dtype) for _ in range(4))
    learning_rate = 1e-6
    losses = []
    for t in range(STEPS):
        # Forward pass: compute predicted y
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        # Compute and print loss
        loss = (y_pred - y).pow(2).sum().item()
        if t % 10 == 9:
            print(t, type(loss).__name__)
        losses.append(loss)
        # Backprop to compute gradients of a, b, c, d with respect to loss
        grad_y_pred = 2.0 * (y_pred - y)
        grad_a = grad_y_pred.sum()
        grad_b = (grad_y_pred * x).sum()
        grad_c = (grad_y_pred * x ** 2).sum()
        grad_d = (grad_y_pred * x ** 3).sum()
        # Update weights using gradient descent
        a -= learning_rate * grad_a
        b -= learning_rate * grad_b
        c -= learning_rate * grad_c
        d -= learning_rate * grad_d
    print(x.shape, x.dtype, a.shape, a.dtype, y_pred.dtype)
    return out, {"losses": losses, "abcd": [a.item(), b.item(), c.item(), d.item()]}


def polynomial_autograd(torch, rng, weights):
    out, print = _printer()
    dtype = torch.float
    device = "cpu"
    torch.set_default_device(device)
    x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
    y = torch.sin(x)
    a, b, c, d = (_randn(torch, rng).to(dtype=dtype).requires_grad_() for _ in range(4))
    print(a.requires_grad, a.is_leaf, a.grad)
    learning_rate = 1e-6
    losses = []
    for t in range(STEPS):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum()
        if t % 10 == 9:
            print(t, loss.shape, loss.grad_fn)
        losses.append(loss.item())
        loss.backward()
        # Manually update weights using gradient descent. Wrap in torch.no_grad() because weights have
        # requires_grad=True, but we don't need to track this in autograd.
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            # Manually zero the gradients after updating weights
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    print(a.requires_grad, a.is_leaf, a.grad, a.grad_fn)
    return out, {"losses": losses, "abcd": [a.item(), b.item(), c.item(), d.item()]}


def polynomial_custom_function(torch, rng, weights):
    out, print = _printer()

    class LegendrePolynomial3(torch.autograd.Function):
        """
        We can implement our own custom autograd Functions by subclassing torch.autograd.Function and
        implementing the forward and backward passes which operate on Tensors.
        """

        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            input, = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    dtype = torch.float
    device = torch.device("cpu")
    x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
    y = torch.sin(x)
    # Weights initialized not too far from the correct result to ensure convergence.
    a = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
    b = torch.full((), -1.0, device=device, dtype=dtype, requires_grad=True)
    c = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
    d = torch.full((), 0.3, device=device, dtype=dtype, requires_grad=True)
    learning_rate = 5e-6
    losses = []
    for t in range(STEPS):
        # To apply our Function, we use Function.apply method. We alias this as 'P3'.
        P3 = LegendrePolynomial3.apply
        # Forward pass: compute predicted y using operations; we compute P3 using our custom autograd
        # operation.
        p3 = P3(c + d * x)
        y_pred = a + b * p3
        if t == 0:
            print(p3.grad_fn)
            print(p3.grad_fn.next_functions)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    print(a.grad, a.is_leaf, b.dtype, c.shape, d.requires_grad, torch.full((), -1.0, requires_grad=True))
    return out, {"losses": losses, "abcd": [a.item(), b.item(), c.item(), d.item()]}


def polynomial_nn(torch, rng, weights):
    nn = torch.nn
    out, print = _printer()
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)

    # For this example, the output y is a linear function of (x, x^2, x^3), so we can consider it as a linear
    # layer neural network. Let's prepare the tensor (x, x^2, x^3).
    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)
    print(xx.shape, xx.dtype, p.dtype)

    model = torch.nn.Sequential(
        torch.nn.Linear(3, 1),
        torch.nn.Flatten(0, 1)
    )
    weights(torch, "model", model)
    print(model)
    loss_fn = torch.nn.MSELoss(reduction='sum')
    learning_rate = 1e-6
    losses = []
    for t in range(STEPS):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        if t % 10 == 9:
            print(t, y_pred.shape, loss.grad_fn)
        losses.append(loss.item())
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= learning_rate * param.grad
    linear_layer = model[0]
    print(type(linear_layer).__name__, isinstance(linear_layer, nn.Linear), linear_layer.weight.shape)
    abcd = [linear_layer.bias.item(), linear_layer.weight[:, 0].item(), linear_layer.weight[:, 1].item(),
            linear_layer.weight[:, 2].item()]

    # torch.optim: the same model trained with RMSprop
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    weights(torch, "model (optim)", model)
    loss_fn = torch.nn.MSELoss(reduction='sum')
    learning_rate = 1e-3
    optimizer = torch.optim.RMSprop(model.parameters(), lr=learning_rate)
    rms_losses = []
    for t in range(STEPS):  # noqa: B007
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        rms_losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    linear_layer = model[0]
    print(sorted(optimizer.state_dict()["state"][0].keys()), optimizer.state_dict()["param_groups"][0]["alpha"])
    return out, {"losses": losses, "abcd": abcd, "rmsprop losses": rms_losses,
                 "rmsprop weight": _np(linear_layer.weight)}


def polynomial_dynamic_net(torch, rng, weights):
    out, print = _printer()
    draw = random.Random(0)

    class DynamicNet(torch.nn.Module):
        def __init__(self):
            """
            In the constructor we instantiate five parameters and assign them as members.
            """
            super().__init__()
            self.a = torch.nn.Parameter(_randn(torch, rng))
            self.b = torch.nn.Parameter(_randn(torch, rng))
            self.c = torch.nn.Parameter(_randn(torch, rng))
            self.d = torch.nn.Parameter(_randn(torch, rng))
            self.e = torch.nn.Parameter(_randn(torch, rng))

        def forward(self, x):
            """
            For the forward pass of the model, we randomly choose either 4, 5 and reuse the e parameter to
            compute the contribution of these orders.
            """
            y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
            for exp in range(4, draw.randint(4, 6)):
                y = y + self.e * x ** exp
            return y

        def string(self):
            """
            Just like any class in Python, you can also define custom method on PyTorch modules
            """
            return (f'y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + {self.d.item()} x^3 + '
                    f'{self.e.item()} x^4 ? + {self.e.item()} x^5 ?')

    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    model = DynamicNet()
    print(model)
    print([(name, p.shape) for name, p in model.named_parameters()])
    criterion = torch.nn.MSELoss(reduction='sum')
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
    losses = []
    for t in range(STEPS):  # noqa: B007
        y_pred = model(x)
        loss = criterion(y_pred, y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(type(model.string()).__name__)
    return out, {"losses": losses, "params": [p.item() for p in model.parameters()]}


@pytest.mark.parametrize("tutorial", [polynomial_tensors, polynomial_autograd, polynomial_custom_function,
                                      polynomial_nn, polynomial_dynamic_net])
def test_learning_pytorch_with_examples(torch, tutorial):
    try:
        _compare(torch, tutorial, atol=1e-4)
    finally:
        torch.set_default_device(None)
        ember.set_default_device(None)


# --------------------------------------------------------------------------------------------------------------
# 6. Quickstart: Build the model (https://pytorch.org/tutorials/beginner/basics/buildmodel_tutorial.html) and
#    the optimization loop (https://pytorch.org/tutorials/beginner/basics/optimization_tutorial.html), on random
#    28x28 "FashionMNIST" images
# --------------------------------------------------------------------------------------------------------------


def quickstart_build_model(torch, rng, weights):
    nn = torch.nn
    out, print = _printer()

    device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
    print(f"Using {device} device")

    class NeuralNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(
                nn.Linear(28 * 28, 512),
                nn.ReLU(),
                nn.Linear(512, 512),
                nn.ReLU(),
                nn.Linear(512, 10),
            )

        def forward(self, x):
            x = self.flatten(x)
            logits = self.linear_relu_stack(x)
            return logits

    model = NeuralNetwork().to(device)
    weights(torch, "model", model)
    print(model)

    X = _rand(torch, rng, 1, 28, 28).to(device)
    logits = model(X)
    pred_probab = nn.Softmax(dim=1)(logits)
    y_pred = pred_probab.argmax(1)
    print(f"Predicted class: {y_pred}")

    input_image = _rand(torch, rng, 3, 28, 28)
    print(input_image.size())
    flatten = nn.Flatten()
    flat_image = flatten(input_image)
    print(flat_image.size())
    layer1 = weights(torch, "layer1", nn.Linear(in_features=28 * 28, out_features=20))
    hidden1 = layer1(flat_image)
    print(hidden1.size())
    print(f"Before ReLU: {hidden1}\n\n")
    hidden1 = nn.ReLU()(hidden1)
    print(f"After ReLU: {hidden1}")

    last = weights(torch, "last", nn.Linear(20, 10))
    seq_modules = nn.Sequential(
        flatten,
        layer1,
        nn.ReLU(),
        last,
    )
    input_image = _rand(torch, rng, 3, 28, 28)
    logits = seq_modules(input_image)
    softmax = nn.Softmax(dim=1)
    pred_probab = softmax(logits)
    print(seq_modules)
    print(pred_probab.sum(1), pred_probab.grad_fn, model.training)

    print(f"Model structure: {model}\n\n")
    for name, param in model.named_parameters():
        print(f"Layer: {name} | Size: {param.size()} | Values : {param[:2]} \n")
    return out, {"logits": _np(logits), "pred_probab": _np(pred_probab)}


def test_quickstart_build_model(torch):
    _compare(torch, quickstart_build_model, numbers=True)


def test_quickstart_named_parameters_print_exactly(torch):
    # the parameter printout shows PyTorch's own (copied) weights: ember must print them digit for digit
    (e_out, _), (t_out, _) = _both(torch, quickstart_build_model)
    e_layers = [line for line in e_out if line.startswith("Layer: ")]
    t_layers = [line for line in t_out if line.startswith("Layer: ")]
    assert len(t_layers) == 6
    _assert_same_text(e_layers, t_layers)


def quickstart_optimization(torch, rng, weights):
    nn = torch.nn
    DataLoader, TensorDataset = torch.utils.data.DataLoader, torch.utils.data.TensorDataset
    out, print = _printer()
    nums = {"train losses": [], "test": []}

    training_data = TensorDataset(_rand(torch, rng, 40, 1, 28, 28), torch.from_numpy(rng.integers(0, 10, 40)))
    test_data = TensorDataset(_rand(torch, rng, 20, 1, 28, 28), torch.from_numpy(rng.integers(0, 10, 20)))

    class NeuralNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(
                nn.Linear(28 * 28, 512),
                nn.ReLU(),
                nn.Linear(512, 512),
                nn.ReLU(),
                nn.Linear(512, 10),
            )

        def forward(self, x):
            x = self.flatten(x)
            logits = self.linear_relu_stack(x)
            return logits

    model = weights(torch, "model", NeuralNetwork())

    learning_rate = 1e-3
    batch_size = 16
    epochs = 2
    train_dataloader = DataLoader(training_data, batch_size=batch_size)
    test_dataloader = DataLoader(test_data, batch_size=batch_size)

    # Initialize the loss function
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)

    def train_loop(dataloader, model, loss_fn, optimizer):
        size = len(dataloader.dataset)
        # Set the model to training mode - important for batch normalization and dropout layers
        model.train()
        for batch, (X, y) in enumerate(dataloader):
            # Compute prediction and loss
            pred = model(X)
            loss = loss_fn(pred, y)
            # Backpropagation
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            nums["train losses"].append(loss.item())
            if batch % 2 == 0:
                print(f"tensor format: {loss:>7f}")
                loss, current = loss.item(), batch * batch_size + len(X)
                print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")

    def test_loop(dataloader, model, loss_fn):
        # Set the model to evaluation mode - important for batch normalization and dropout layers
        model.eval()
        size = len(dataloader.dataset)
        num_batches = len(dataloader)
        test_loss, correct = 0, 0
        # Evaluating the model with torch.no_grad() ensures that no gradients are computed during test mode
        with torch.no_grad():
            for X, y in dataloader:
                pred = model(X)
                test_loss += loss_fn(pred, y).item()
                correct += (pred.argmax(1) == y).type(torch.float).sum().item()
        test_loss /= num_batches
        correct /= size
        nums["test"] += [test_loss, correct]
        print(f"Test Error: \n Accuracy: {(100 * correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")

    for t in range(epochs):
        print(f"Epoch {t + 1}\n-------------------------------")
        train_loop(train_dataloader, model, loss_fn, optimizer)
        test_loop(test_dataloader, model, loss_fn)
    print("Done!")
    print(model.training, len(train_dataloader), len(test_dataloader))
    return out, nums


def test_quickstart_optimization(torch):
    _compare(torch, quickstart_optimization, numbers=True)


# --------------------------------------------------------------------------------------------------------------
# 7. pytorch/examples mnist/main.py, on a few random 28x28 batches
# --------------------------------------------------------------------------------------------------------------


def mnist_example(torch, rng, weights, path, evaluate_state=None):
    nn = torch.nn
    F = torch.nn.functional
    optim = torch.optim
    StepLR = torch.optim.lr_scheduler.StepLR
    out, print = _printer()
    nums = {}

    class Net(nn.Module):
        def __init__(self):
            super(Net, self).__init__()  # noqa: UP008 - as the tutorial writes it
            self.conv1 = nn.Conv2d(1, 32, 3, 1)
            self.conv2 = nn.Conv2d(32, 64, 3, 1)
            self.dropout1 = nn.Dropout(0.25)
            self.dropout2 = nn.Dropout(0.5)
            self.fc1 = nn.Linear(9216, 128)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x):
            x = self.conv1(x)
            x = F.relu(x)
            x = self.conv2(x)
            x = F.relu(x)
            x = F.max_pool2d(x, 2)
            x = self.dropout1(x)
            x = torch.flatten(x, 1)
            x = self.fc1(x)
            x = F.relu(x)
            x = self.dropout2(x)
            x = self.fc2(x)
            output = F.log_softmax(x, dim=1)
            return output

    def train(args, model, device, train_loader, optimizer, epoch):
        model.train()
        for batch_idx, (data, target) in enumerate(train_loader):
            data, target = data.to(device), target.to(device)
            optimizer.zero_grad()
            output = model(data)
            loss = F.nll_loss(output, target)
            loss.backward()
            optimizer.step()
            if batch_idx % args["log_interval"] == 0:
                print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(  # noqa: UP032
                    epoch, batch_idx * len(data), len(train_loader.dataset),
                    100. * batch_idx / len(train_loader), loss.item()))

    def test(model, device, test_loader):
        model.eval()
        test_loss = 0
        correct = 0
        with torch.no_grad():
            for data, target in test_loader:
                data, target = data.to(device), target.to(device)
                output = model(data)
                test_loss += F.nll_loss(output, target, reduction='sum').item()  # sum up batch loss
                pred = output.argmax(dim=1, keepdim=True)  # get the index of the max log-probability
                correct += pred.eq(target.view_as(pred)).sum().item()
        test_loss /= len(test_loader.dataset)
        print('\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n'.format(  # noqa: UP032
            test_loss, correct, len(test_loader.dataset),
            100. * correct / len(test_loader.dataset)))
        return test_loss, correct

    args = {"batch_size": 4, "test_batch_size": 6, "epochs": 2, "lr": 1.0, "gamma": 0.7, "log_interval": 2}
    device = torch.device("cpu")
    train_kwargs = {'batch_size': args["batch_size"]}
    test_kwargs = {'batch_size': args["test_batch_size"]}
    # transforms.Normalize((0.1307,), (0.3081,)) done by hand (no torchvision here)
    images = (_rand(torch, rng, 20, 1, 28, 28) - 0.1307) / 0.3081
    targets = torch.from_numpy(rng.integers(0, 10, 20))
    dataset1 = torch.utils.data.TensorDataset(images[:12], targets[:12])
    dataset2 = torch.utils.data.TensorDataset(images[12:], targets[12:])
    train_loader = torch.utils.data.DataLoader(dataset1, **train_kwargs)
    test_loader = torch.utils.data.DataLoader(dataset2, **test_kwargs)

    model = Net().to(device)
    if evaluate_state is not None:
        # evaluate someone else's trained weights
        model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in evaluate_state.items()})
        return test(model, device, test_loader)
    weights(torch, "model", model)
    print(model)
    optimizer = optim.Adadelta(model.parameters(), lr=args["lr"])
    nums["test before training"] = test(model, device, test_loader)

    scheduler = StepLR(optimizer, step_size=1, gamma=args["gamma"])
    lrs = []
    for epoch in range(1, args["epochs"] + 1):
        lrs.append(scheduler.get_last_lr())
        train(args, model, device, train_loader, optimizer, epoch)
        test_loss, correct = test(model, device, test_loader)
        scheduler.step()
    lrs.append(scheduler.get_last_lr())
    nums["lr"] = lrs
    print(optimizer.param_groups[0]["lr"], sorted(optimizer.state_dict()["state"][0]))

    torch.save(model.state_dict(), path)
    state = {k: v.numpy() for k, v in torch.load(path, weights_only=True).items()}
    nums["own test after training"] = [test_loss, correct]
    return out, nums, state


def _mask_after_training(lines):
    """Training losses, and test results after training, depend on dropout's random masks, which PyTorch and
    ember draw differently: keep the text, check the losses are finite, hide those numbers."""
    masked, tests = [], 0
    for line in lines:
        if line.startswith("Train Epoch"):
            assert math.isfinite(float(line.rsplit("Loss: ", 1)[1])), line
            line = _FLOAT.sub("#", line.rsplit("Loss: ", 1)[0]) + "Loss: #\n"
        elif line.startswith("\nTest set"):
            tests += 1
            if tests > 1:
                line = re.sub(r"Accuracy: \d+/(\d+) \(\d+%\)", r"Accuracy: #/\1 (#%)", _FLOAT.sub("#", line))
        masked.append(line)
    assert tests == 3
    return masked


def test_mnist_example(torch, tmp_path):
    (e_out, e_nums, e_state), (t_out, t_nums, t_state) = _both(torch, mnist_example, tmp_path=tmp_path)
    _assert_same_text(_mask_after_training(e_out), _mask_after_training(t_out))
    e_final = e_nums.pop("own test after training")
    t_nums.pop("own test after training")
    _assert_close(e_nums, t_nums)
    assert {k: v.shape for k, v in e_state.items()} == {k: v.shape for k, v in t_state.items()}
    assert all(np.isfinite(v).all() for v in e_state.values())
    # ember's trained weights, evaluated by PyTorch, give what ember's own test() reported
    weights = Weights()
    t_loss, t_correct = mnist_example(torch, np.random.default_rng(0), weights, None, e_state)
    np.testing.assert_allclose(e_final[0], t_loss, rtol=1e-4)
    assert e_final[1] == t_correct


# --------------------------------------------------------------------------------------------------------------
# 8. Sequence models and LSTMs (https://pytorch.org/tutorials/beginner/nlp/sequence_models_tutorial.html), and a
#    batch-first LSTM classifier over embedded tokens
# --------------------------------------------------------------------------------------------------------------


def lstm_tutorial(torch, rng, weights):
    nn = torch.nn
    F = torch.nn.functional
    optim = torch.optim
    out, print = _printer()
    nums = {}

    lstm = weights(torch, "lstm", nn.LSTM(3, 3))  # Input dim is 3, output dim is 3
    inputs = [_randn(torch, rng, 1, 3) for _ in range(5)]  # make a sequence of length 5
    # initialize the hidden state.
    hidden = (_randn(torch, rng, 1, 1, 3), _randn(torch, rng, 1, 1, 3))
    for i in inputs:
        # Step through the sequence one element at a time. after each step, hidden contains the hidden state.
        out_, hidden = lstm(i.view(1, 1, -1), hidden)
    nums["stepwise hidden"] = [_np(hidden[0]), _np(hidden[1])]
    inputs = torch.cat(inputs).view(len(inputs), 1, -1)
    hidden = (_randn(torch, rng, 1, 1, 3), _randn(torch, rng, 1, 1, 3))  # clean out hidden state
    out_, hidden = lstm(inputs, hidden)
    print(out_)
    print(hidden)
    nums["out"] = _np(out_)

    def prepare_sequence(seq, to_ix):
        idxs = [to_ix[w] for w in seq]
        return torch.tensor(idxs, dtype=torch.long)

    training_data = [
        # Tags are: DET - determiner; NN - noun; V - verb
        # For example, the word "The" is a determiner
        ("The dog ate the apple".split(), ["DET", "NN", "V", "DET", "NN"]),
        ("Everybody read that book".split(), ["NN", "V", "DET", "NN"])
    ]
    word_to_ix = {}
    # For each words-list (sentence) and tags-list in each tuple of training_data
    for sent, tags in training_data:  # noqa: B007
        for word in sent:
            if word not in word_to_ix:  # word has not been assigned an index yet
                word_to_ix[word] = len(word_to_ix)  # Assign each word with a unique index
    tag_to_ix = {"DET": 0, "NN": 1, "V": 2}  # Assign each tag with a unique index

    EMBEDDING_DIM = 6
    HIDDEN_DIM = 6

    class LSTMTagger(nn.Module):

        def __init__(self, embedding_dim, hidden_dim, vocab_size, tagset_size):
            super(LSTMTagger, self).__init__()  # noqa: UP008 - as the tutorial writes it
            self.hidden_dim = hidden_dim
            self.word_embeddings = nn.Embedding(vocab_size, embedding_dim)
            # The LSTM takes word embeddings as inputs, and outputs hidden states with dimensionality hidden_dim.
            self.lstm = nn.LSTM(embedding_dim, hidden_dim)
            # The linear layer that maps from hidden state space to tag space
            self.hidden2tag = nn.Linear(hidden_dim, tagset_size)

        def forward(self, sentence):
            embeds = self.word_embeddings(sentence)
            lstm_out, _ = self.lstm(embeds.view(len(sentence), 1, -1))
            tag_space = self.hidden2tag(lstm_out.view(len(sentence), -1))
            tag_scores = F.log_softmax(tag_space, dim=1)
            return tag_scores

    model = weights(torch, "tagger", LSTMTagger(EMBEDDING_DIM, HIDDEN_DIM, len(word_to_ix), len(tag_to_ix)))
    print(model)
    loss_function = nn.NLLLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.1)

    # See what the scores are before training
    with torch.no_grad():
        inputs = prepare_sequence(training_data[0][0], word_to_ix)
        tag_scores = model(inputs)
        print(tag_scores.shape, tag_scores.requires_grad)
        nums["scores before"] = _np(tag_scores)

    losses = []
    for epoch in range(5):  # noqa: B007 - the tutorial trains 300 epochs
        for sentence, tags in training_data:
            # Step 1. Remember that Pytorch accumulates gradients. We need to clear them out before each instance
            model.zero_grad()
            # Step 2. Get our inputs ready for the network, that is, turn them into Tensors of word indices.
            sentence_in = prepare_sequence(sentence, word_to_ix)
            targets = prepare_sequence(tags, tag_to_ix)
            # Step 3. Run our forward pass.
            tag_scores = model(sentence_in)
            # Step 4. Compute the loss, gradients, and update the parameters by calling optimizer.step()
            loss = loss_function(tag_scores, targets)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    nums["tagger losses"] = losses
    with torch.no_grad():
        inputs = prepare_sequence(training_data[0][0], word_to_ix)
        tag_scores = model(inputs)
        nums["scores after"] = _np(tag_scores)
        print(tag_scores.argmax(1).dtype, tag_scores.grad_fn)

    # A batch-first LSTM classifier: embedded tokens, last time step to a linear head
    class LSTMClassifier(nn.Module):
        def __init__(self, vocab_size, embed_dim, hidden_dim, num_classes):
            super().__init__()
            self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
            self.lstm = nn.LSTM(embed_dim, hidden_dim, batch_first=True)
            self.fc = nn.Linear(hidden_dim, num_classes)

        def forward(self, x):
            embedded = self.embedding(x)  # (batch, seq_len, embed_dim)
            lstm_out, (h_n, c_n) = self.lstm(embedded)
            return self.fc(lstm_out[:, -1, :])

    clf = weights(torch, "classifier", LSTMClassifier(20, 8, 16, 2))
    print(clf)
    tokens = torch.from_numpy(rng.integers(0, 20, (4, 7)))
    labels = torch.from_numpy(rng.integers(0, 2, 4))
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(clf.parameters(), lr=1e-2)
    clf_losses = []
    for _ in range(3):
        optimizer.zero_grad()
        logits = clf(tokens)
        loss = criterion(logits, labels)
        loss.backward()
        nn.utils.clip_grad_norm_(clf.parameters(), max_norm=1.0)
        optimizer.step()
        clf_losses.append(loss.item())
    print(logits.shape, logits.grad_fn, clf.lstm.weight_ih_l0.shape, clf.lstm.weight_hh_l0.grad.shape)
    nums["classifier losses"] = clf_losses
    nums["embedding grad"] = _np(clf.embedding.weight.grad)
    nums["fc.weight"] = _np(clf.fc.weight)
    return out, nums


def test_lstm_tutorial(torch):
    _compare(torch, lstm_tutorial, numbers=True)


# --------------------------------------------------------------------------------------------------------------
# 9. Automatic differentiation with torch.autograd (https://pytorch.org/tutorials/beginner/basics/
#    autogradqs_tutorial.html) and the older blitz "Autograd: automatic differentiation"
# --------------------------------------------------------------------------------------------------------------


def autograd_quickstart(torch, rng, weights):
    out, print = _printer()
    nums = {}

    x = torch.ones(5)  # input tensor
    y = torch.zeros(3)  # expected output
    w = _randn(torch, rng, 5, 3).requires_grad_(True)
    b = _randn(torch, rng, 3).requires_grad_(True)
    z = torch.matmul(x, w) + b
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
    print(f"Gradient function for z = {z.grad_fn}")
    print(f"Gradient function for loss = {loss.grad_fn}")
    loss.backward()
    print(w.grad)
    print(b.grad)
    nums["w.grad"] = _np(w.grad)

    z = torch.matmul(x, w) + b
    print(z.requires_grad)
    with torch.no_grad():
        z = torch.matmul(x, w) + b
    print(z.requires_grad)
    z = torch.matmul(x, w) + b
    z_det = z.detach()
    print(z_det.requires_grad)

    # Tensor gradients and Jacobian products
    inp = torch.eye(4, 5, requires_grad=True)
    out_ = (inp + 1).pow(2).t()
    out_.backward(torch.ones_like(out_), retain_graph=True)
    print(f"First call\n{inp.grad}")
    out_.backward(torch.ones_like(out_), retain_graph=True)
    print(f"\nSecond call\n{inp.grad}")
    inp.grad.zero_()
    out_.backward(torch.ones_like(out_), retain_graph=True)
    print(f"\nCall after zeroing gradients\n{inp.grad}")
    print(out_.grad_fn, out_.grad_fn.next_functions[0][0])

    # The older blitz tutorial
    x = torch.ones(2, 2, requires_grad=True)
    print(x)
    y = x + 2
    print(y)
    print(y.grad_fn)
    z = y * y * 3
    out_ = z.mean()
    print(z, out_)
    a = torch.from_numpy(rng.standard_normal((2, 2)).astype(np.float32))
    a = ((a * 3) / (a - 1))
    print(a.requires_grad)
    a.requires_grad_(True)
    print(a.requires_grad)
    b = (a * a).sum()
    print(b.grad_fn)
    out_.backward()
    print(x.grad)

    x = _randn(torch, rng, 3).requires_grad_()
    y = x * 2
    doublings = 1
    while y.data.norm() < 1000:
        y = y * 2
        doublings += 1
    print(y.grad_fn, doublings)
    v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
    y.backward(v)
    print(x.grad)
    nums["x.grad"] = _np(x.grad)
    print(x.requires_grad)
    print((x ** 2).requires_grad)
    with torch.no_grad():
        print((x ** 2).requires_grad)
    print(x.requires_grad)
    y = x.detach()
    print(y.requires_grad)
    print(x.eq(y).all())

    # Backward twice without retain_graph: the error the tutorial warns about
    x = torch.ones(2, requires_grad=True)
    loss = (x.exp() * 2).sum()
    loss.backward()
    try:
        loss.backward()
    except RuntimeError as e:
        print(str(e).split(".")[0])
    return out, nums


def test_autograd_quickstart(torch):
    _compare(torch, autograd_quickstart, numbers=True)


# --------------------------------------------------------------------------------------------------------------
# 10. Datasets & DataLoaders (https://pytorch.org/tutorials/beginner/basics/data_tutorial.html) and Transforms,
#     with a custom Dataset over in-memory "images"
# --------------------------------------------------------------------------------------------------------------


def datasets_tutorial(torch, rng, weights):
    Dataset, DataLoader = torch.utils.data.Dataset, torch.utils.data.DataLoader
    out, print = _printer()

    labels_map = {0: "T-Shirt", 1: "Trouser", 2: "Pullover", 3: "Dress", 4: "Coat", 5: "Sandal", 6: "Shirt",
                  7: "Sneaker", 8: "Bag", 9: "Ankle Boot"}
    images = (rng.random((10, 28, 28)) * 255).astype(np.uint8)
    targets = list(range(10))

    class CustomImageDataset(Dataset):
        def __init__(self, images, labels, transform=None, target_transform=None):
            self.img_labels = labels
            self.images = images
            self.transform = transform
            self.target_transform = target_transform

        def __len__(self):
            return len(self.img_labels)

        def __getitem__(self, idx):
            image = self.images[idx]
            label = self.img_labels[idx]
            if self.transform:
                image = self.transform(image)
            if self.target_transform:
                label = self.target_transform(label)
            return image, label

    def to_tensor(pic):  # what torchvision's ToTensor does for a uint8 HxW image
        return torch.from_numpy(pic).unsqueeze(0).float().div(255)

    target_transform = (lambda y: torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1))
    training_data = CustomImageDataset(images, targets, transform=to_tensor)
    one_hot_data = CustomImageDataset(images, targets, transform=to_tensor, target_transform=target_transform)

    sample_idx = 3
    img, label = training_data[sample_idx]
    print(labels_map[label], img.shape, img.dtype, float(img.max()) <= 1.0)
    print(one_hot_data[sample_idx][1])

    train_dataloader = DataLoader(training_data, batch_size=4, shuffle=False)
    # Display image and label.
    train_features, train_labels = next(iter(train_dataloader))
    print(f"Feature batch shape: {train_features.size()}")
    print(f"Labels batch shape: {train_labels.size()}")
    img = train_features[0].squeeze()
    label = train_labels[0]
    print(img.shape, f"Label: {label}", labels_map[label.item()])
    print(train_labels, train_labels.dtype)
    print(len(train_dataloader), [len(b[1]) for b in train_dataloader])
    one_hot_batch = next(iter(DataLoader(one_hot_data, batch_size=3)))
    print(one_hot_batch[1])
    dropped = DataLoader(training_data, batch_size=4, drop_last=True)
    print(len(dropped), [b[0].shape for b in dropped])
    shuffled = DataLoader(training_data, batch_size=4, shuffle=True)
    seen = sorted(int(y) for _, ys in shuffled for y in ys)
    print(seen == targets)
    # a dataset returning dicts and tuples collates field by field
    pairs = [{"x": torch.tensor([float(i), 2.0 * i]), "y": i, "name": f"s{i}"} for i in range(5)]
    batch = next(iter(DataLoader(pairs, batch_size=3)))
    print(sorted(batch), batch["x"], batch["y"], batch["name"])
    return out, {}


def test_datasets_tutorial(torch):
    (e_out, _), (t_out, _) = _both(torch, datasets_tutorial)
    _assert_same_text(e_out, t_out)


# --------------------------------------------------------------------------------------------------------------
# 11. Saving and loading a general checkpoint (https://pytorch.org/tutorials/recipes/recipes/
#     saving_and_loading_a_general_checkpoint.html); ember.save writes safetensors, nothing is pickled
# --------------------------------------------------------------------------------------------------------------


def checkpoint_recipe(torch, rng, weights, path):
    nn = torch.nn
    F = torch.nn.functional
    optim = torch.optim
    out, print = _printer()

    class Net(nn.Module):
        def __init__(self):
            super(Net, self).__init__()  # noqa: UP008 - as the tutorial writes it
            self.conv1 = nn.Conv2d(3, 6, 5)
            self.pool = nn.MaxPool2d(2, 2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = x.view(-1, 16 * 5 * 5)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            x = self.fc3(x)
            return x

    net = weights(torch, "net", Net())
    print(net)
    optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
    inputs = _randn(torch, rng, 2, 3, 32, 32)
    labels = torch.from_numpy(rng.integers(0, 10, 2))
    criterion = nn.CrossEntropyLoss()
    for _ in range(2):
        optimizer.zero_grad()
        loss = criterion(net(inputs), labels)
        loss.backward()
        optimizer.step()

    # Print model's state_dict
    print("Model's state_dict:")
    for param_tensor in net.state_dict():
        print(param_tensor, "\t", net.state_dict()[param_tensor].size())
    # Print optimizer's state_dict
    print("Optimizer's state_dict:")
    for var_name in optimizer.state_dict():
        print(var_name, "\t", optimizer.state_dict()[var_name] if var_name == "param_groups" else
              {k: sorted(v) for k, v in optimizer.state_dict()[var_name].items()})

    # Save the general checkpoint
    EPOCH = 5
    PATH = path
    LOSS = 0.4
    torch.save({
        'epoch': EPOCH,
        'model_state_dict': net.state_dict(),
        'optimizer_state_dict': optimizer.state_dict(),
        'loss': LOSS,
    }, PATH)

    # Load the general checkpoint
    model = Net()
    optimizer = optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
    checkpoint = torch.load(PATH, weights_only=True)
    print(model.load_state_dict(checkpoint['model_state_dict']))
    optimizer.load_state_dict(checkpoint['optimizer_state_dict'])
    epoch = checkpoint['epoch']
    loss = checkpoint['loss']
    print(epoch, loss, type(epoch).__name__, sorted(checkpoint))
    model.eval()
    print(model.training, model.conv1.training)
    # - or -
    model.train()
    print(model.training, model.conv1.training)

    # resume training: the momentum buffers came back with the checkpoint
    optimizer.zero_grad()
    loss = criterion(model(inputs), labels)
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        resumed = model(inputs)
    # strict=False with a mismatching state dict reports the keys
    partial = {k: v for k, v in checkpoint['model_state_dict'].items() if not k.startswith("fc3")}
    partial["extra.weight"] = torch.zeros(1)
    print(model.load_state_dict(partial, strict=False))
    try:
        model.load_state_dict(partial)
    except RuntimeError as e:
        print(str(e).replace('"', "'"))
    return out, {"resumed": _np(resumed), "loss": loss.item()}


def test_checkpoint_recipe(torch, tmp_path):
    _compare(torch, checkpoint_recipe, tmp_path=tmp_path)


# --------------------------------------------------------------------------------------------------------------
# 12. What is torch.nn really? (https://pytorch.org/tutorials/beginner/nn_tutorial.html), on random "MNIST"
# --------------------------------------------------------------------------------------------------------------


def nn_really_tutorial(torch, rng, weights):
    nn = torch.nn
    F = torch.nn.functional
    optim = torch.optim
    TensorDataset, DataLoader = torch.utils.data.TensorDataset, torch.utils.data.DataLoader
    out, print = _printer()
    nums = {}

    x_train, y_train, x_valid, y_valid = map(
        torch.tensor, (rng.random((32, 784), dtype=np.float32), rng.integers(0, 10, 32),
                       rng.random((16, 784), dtype=np.float32), rng.integers(0, 10, 16)))
    n, c = x_train.shape
    print(x_train, y_train)
    print(x_train.shape)
    print(y_train.min(), y_train.max())

    # Neural net from scratch (without torch.nn)
    weights_ = torch.from_numpy(rng.standard_normal((784, 10)).astype(np.float32)) / math.sqrt(784)
    weights_.requires_grad_()
    bias = torch.zeros(10, requires_grad=True)

    def log_softmax(x):
        return x - x.exp().sum(-1).log().unsqueeze(-1)

    def model(xb):
        return log_softmax(xb @ weights_ + bias)

    bs = 8  # batch size
    xb = x_train[0:bs]  # a mini-batch from x
    preds = model(xb)  # predictions
    print(preds[0], preds.shape)

    def nll(input, target):
        return -input[range(target.shape[0]), target].mean()

    loss_func = nll
    yb = y_train[0:bs]
    print(loss_func(preds, yb))

    def accuracy(out, yb):
        preds = torch.argmax(out, dim=1)
        return (preds == yb).float().mean()

    print(accuracy(preds, yb))

    lr = 0.5  # learning rate
    epochs = 2  # how many epochs to train for
    for epoch in range(epochs):  # noqa: B007
        for i in range((n - 1) // bs + 1):
            start_i = i * bs
            end_i = start_i + bs
            xb = x_train[start_i:end_i]
            yb = y_train[start_i:end_i]
            pred = model(xb)
            loss = loss_func(pred, yb)
            loss.backward()
            with torch.no_grad():
                weights_ -= weights_.grad * lr
                bias -= bias.grad * lr
                weights_.grad.zero_()
                bias.grad.zero_()
    print(loss_func(model(xb), yb), accuracy(model(xb), yb))
    nums["scratch loss"] = loss_func(model(xb), yb).item()

    # Using torch.nn.functional
    loss_func = F.cross_entropy

    def model(xb):
        return xb @ weights_ + bias

    print(loss_func(model(xb), yb), accuracy(model(xb), yb))

    # Refactor using nn.Module
    class Mnist_Logistic(nn.Module):
        def __init__(self):
            super().__init__()
            self.weights = nn.Parameter(torch.from_numpy(rng.standard_normal((784, 10)).astype(np.float32))
                                        / math.sqrt(784))
            self.bias = nn.Parameter(torch.zeros(10))

        def forward(self, xb):
            return xb @ self.weights + self.bias

    model = Mnist_Logistic()
    print(loss_func(model(xb), yb))

    def fit():
        for epoch in range(epochs):  # noqa: B007
            for i in range((n - 1) // bs + 1):
                start_i = i * bs
                end_i = start_i + bs
                xb = x_train[start_i:end_i]
                yb = y_train[start_i:end_i]
                pred = model(xb)
                loss = loss_func(pred, yb)
                loss.backward()
                with torch.no_grad():
                    for p in model.parameters():
                        p -= p.grad * lr
                    model.zero_grad()

    fit()
    print(loss_func(model(xb), yb))
    nums["module loss"] = loss_func(model(xb), yb).item()

    # Refactor using nn.Linear, optim, Dataset, DataLoader
    class Mnist_Logistic(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(784, 10)

        def forward(self, xb):
            return self.lin(xb)

    def get_model():
        model = weights(torch, "logistic", Mnist_Logistic())
        return model, optim.SGD(model.parameters(), lr=lr)

    train_ds = TensorDataset(x_train, y_train)
    valid_ds = TensorDataset(x_valid, y_valid)

    def get_data(train_ds, valid_ds, bs):
        return (
            DataLoader(train_ds, batch_size=bs, shuffle=False),
            DataLoader(valid_ds, batch_size=bs * 2),
        )

    def loss_batch(model, loss_func, xb, yb, opt=None):
        loss = loss_func(model(xb), yb)
        if opt is not None:
            loss.backward()
            opt.step()
            opt.zero_grad()
        return loss.item(), len(xb)

    val_losses = []

    def fit(epochs, model, loss_func, opt, train_dl, valid_dl):
        for epoch in range(epochs):
            model.train()
            for xb, yb in train_dl:
                loss_batch(model, loss_func, xb, yb, opt)
            model.eval()
            with torch.no_grad():
                losses, nums_ = zip(*[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl])
            val_loss = np.sum(np.multiply(losses, nums_)) / np.sum(nums_)
            val_losses.append(val_loss)
            print(epoch, type(val_loss).__name__)

    train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
    model, opt = get_model()
    fit(epochs, model, loss_func, opt, train_dl, valid_dl)
    nums["logistic val losses"] = list(val_losses)

    # Switch to CNN
    class Mnist_CNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1)
            self.conv2 = nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1)
            self.conv3 = nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1)

        def forward(self, xb):
            xb = xb.view(-1, 1, 28, 28)
            xb = F.relu(self.conv1(xb))
            xb = F.relu(self.conv2(xb))
            xb = F.relu(self.conv3(xb))
            xb = F.avg_pool2d(xb, 4)
            return xb.view(-1, xb.size(1))

    lr = 0.1
    model = weights(torch, "cnn", Mnist_CNN())
    opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    val_losses.clear()
    fit(epochs, model, loss_func, opt, train_dl, valid_dl)
    nums["cnn val losses"] = list(val_losses)

    # Using nn.Sequential, with a Lambda layer
    class Lambda(nn.Module):
        def __init__(self, func):
            super().__init__()
            self.func = func

        def forward(self, x):
            return self.func(x)

    def preprocess(x):
        return x.view(-1, 1, 28, 28)

    model = nn.Sequential(
        Lambda(preprocess),
        nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        Lambda(lambda x: x.view(x.size(0), -1)),
    )
    weights(torch, "sequential", model)
    print(model)
    opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    val_losses.clear()
    fit(epochs, model, loss_func, opt, train_dl, valid_dl)
    nums["sequential val losses"] = list(val_losses)

    # Wrapping DataLoader
    def preprocess(x, y):
        return x.view(-1, 1, 28, 28), y

    class WrappedDataLoader:
        def __init__(self, dl, func):
            self.dl = dl
            self.func = func

        def __len__(self):
            return len(self.dl)

        def __iter__(self):
            for b in self.dl:
                yield (self.func(*b))

    train_dl = WrappedDataLoader(train_dl, preprocess)
    print(len(train_dl), [tuple(xb.shape) for xb, _ in train_dl])
    return out, nums


def test_nn_really_tutorial(torch):
    _compare(torch, nn_really_tutorial, numbers=True)


# --------------------------------------------------------------------------------------------------------------
# 13. Idioms every beginner course shows next: weight init with ``apply``, ModuleList/ModuleDict, buffers,
#     BatchNorm/Dropout in train vs eval, random_split, ReduceLROnPlateau, one_hot, no_grad as a decorator,
#     set_printoptions, state_dict printing
# --------------------------------------------------------------------------------------------------------------


def common_idioms(torch, rng, weights):
    nn = torch.nn
    F = torch.nn.functional
    optim = torch.optim
    out, print = _printer()
    nums = {}

    class Block(nn.Module):
        def __init__(self, n_in, n_out):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(n_in, n_out), nn.BatchNorm1d(n_out)])
            self.heads = nn.ModuleDict({"cls": nn.Linear(n_out, 3), "reg": nn.Linear(n_out, 1)})
            self.drop = nn.Dropout(0.5)
            self.register_buffer("running_count", torch.zeros(1))

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            x = self.drop(F.relu(x))
            if self.training:
                self.running_count += 1
            return self.heads["cls"](x), self.heads["reg"](x).squeeze(1)

    def init_weights(m):
        if isinstance(m, nn.Linear):
            torch.nn.init.xavier_uniform_(m.weight)
            m.bias.data.fill_(0.01)

    model = Block(6, 8)
    model.apply(init_weights)
    print(model)
    print([n for n, _ in model.named_buffers()], [n for n, _ in model.named_modules()])
    print(list(model.state_dict().keys()))
    print(model.heads["cls"].bias)
    weights(torch, "block", model)

    x = _randn(torch, rng, 10, 6)
    y_cls = torch.from_numpy(rng.integers(0, 3, 10))
    y_reg = _randn(torch, rng, 10)
    opt = optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-4)
    scheduler = optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=0)
    model.eval()
    with torch.no_grad():
        logits, reg = model(x)
    nums["eval logits"] = _np(logits)
    print(model.training, model.layers[1].training, model.running_count)
    model.train()
    logits, reg = model(x)
    print(logits.shape, reg.shape, model.running_count, model.layers[1].num_batches_tracked)
    nums["running_mean"] = _np(model.layers[1].running_mean)
    loss = F.cross_entropy(logits, y_cls) + F.mse_loss(reg, y_reg)
    print(loss.grad_fn)
    for plateau in (1.0, 2.0, 3.0):
        scheduler.step(plateau)
        print(opt.param_groups[0]["lr"])

    print(F.one_hot(torch.tensor([0, 2, 1]), num_classes=4))
    print(F.one_hot(torch.tensor([[1], [0]])))

    @torch.no_grad()
    def predict(m, inputs):
        m.eval()
        return m(inputs)[0].argmax(dim=1)

    pred = predict(model, x)
    print(pred.requires_grad, pred.dtype, pred.shape, torch.is_grad_enabled())
    nums["pred"] = _np(pred)

    dataset = torch.utils.data.TensorDataset(torch.arange(10.).view(10, 1), torch.arange(10))
    train_set, val_set = torch.utils.data.random_split(dataset, [8, 2],
                                                       generator=torch.Generator().manual_seed(42))
    print(len(train_set), len(val_set), type(train_set).__name__)
    print(sorted([int(train_set[i][1]) for i in range(len(train_set))] + [int(v[1]) for v in val_set])
          == list(range(10)))
    fractions = torch.utils.data.random_split(range(10), [0.7, 0.3])
    print([len(s) for s in fractions])

    torch.set_printoptions(precision=2)
    try:
        print(torch.tensor([1.23456, 2.5, 1e-3]), torch.tensor([[0.123456]]))
        torch.set_printoptions(sci_mode=False)
        print(torch.tensor([1e-5, 1.0]))
    finally:
        torch.set_printoptions(profile="default")
    print(torch.tensor([1.23456, 1e-5]))
    print(model.state_dict()["layers.1.running_var"].shape, model.layers[1])
    print(sum(p.numel() for p in model.parameters() if p.requires_grad))
    return out, nums


def test_common_idioms(torch):
    # the xavier-initialised weights and the random_split are drawn by each library's own generator: only
    # what does not depend on them is compared (the weights are PyTorch's once loaded)
    try:
        _compare(torch, common_idioms)
    finally:
        torch.set_printoptions(profile="default")
        ember.set_printoptions(profile="default")


# --------------------------------------------------------------------------------------------------------------
# 14. Language modeling with nn.Transformer (https://pytorch.org/tutorials/beginner/transformer_tutorial.html),
#     on a tiny random token stream; compared in eval mode (dropout draws differ between libraries)
# --------------------------------------------------------------------------------------------------------------


def transformer_tutorial(torch, rng, weights):
    nn = torch.nn
    TransformerEncoder, TransformerEncoderLayer = nn.TransformerEncoder, nn.TransformerEncoderLayer
    out, print = _printer()
    nums = {}
    device = torch.device("cpu")

    class TransformerModel(nn.Module):

        def __init__(self, ntoken: int, d_model: int, nhead: int, d_hid: int, nlayers: int, dropout: float = 0.5):
            super().__init__()
            self.model_type = 'Transformer'
            self.pos_encoder = PositionalEncoding(d_model, dropout)
            encoder_layers = TransformerEncoderLayer(d_model, nhead, d_hid, dropout)
            self.transformer_encoder = TransformerEncoder(encoder_layers, nlayers, enable_nested_tensor=False)
            self.embedding = nn.Embedding(ntoken, d_model)
            self.d_model = d_model
            self.linear = nn.Linear(d_model, ntoken)
            self.init_weights()

        def init_weights(self) -> None:
            initrange = 0.1
            self.embedding.weight.data.uniform_(-initrange, initrange)
            self.linear.bias.data.zero_()
            self.linear.weight.data.uniform_(-initrange, initrange)

        def forward(self, src, src_mask=None):
            """
            Arguments:
                src: Tensor, shape ``[seq_len, batch_size]``
                src_mask: Tensor, shape ``[seq_len, seq_len]``
            Returns:
                output Tensor of shape ``[seq_len, batch_size, ntoken]``
            """
            src = self.embedding(src) * math.sqrt(self.d_model)
            src = self.pos_encoder(src)
            if src_mask is None:
                """Generate a square causal mask for the sequence. The masked positions are filled with float('-inf').
                Unmasked positions are filled with float(0.0).
                """
                src_mask = nn.Transformer.generate_square_subsequent_mask(len(src)).to(device)
            output = self.transformer_encoder(src, src_mask)
            output = self.linear(output)
            return output

    class PositionalEncoding(nn.Module):

        def __init__(self, d_model: int, dropout: float = 0.1, max_len: int = 5000):
            super().__init__()
            self.dropout = nn.Dropout(p=dropout)
            position = torch.arange(max_len).unsqueeze(1)
            div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
            pe = torch.zeros(max_len, 1, d_model)
            pe[:, 0, 0::2] = torch.sin(position * div_term)
            pe[:, 0, 1::2] = torch.cos(position * div_term)
            self.register_buffer('pe', pe)

        def forward(self, x):
            """
            Arguments:
                x: Tensor, shape ``[seq_len, batch_size, embedding_dim]``
            """
            x = x + self.pe[:x.size(0)]
            return self.dropout(x)

    ntokens = 30  # size of vocabulary
    emsize = 16  # embedding dimension
    d_hid = 32  # dimension of the feedforward network model in ``nn.TransformerEncoder``
    nlayers = 2  # number of ``nn.TransformerEncoderLayer`` in ``nn.TransformerEncoder``
    nhead = 2  # number of heads in ``nn.MultiheadAttention``
    dropout = 0.2  # dropout probability
    model = TransformerModel(ntokens, emsize, nhead, d_hid, nlayers, dropout).to(device)
    weights(torch, "model", model)
    print(model)
    print(nn.Transformer.generate_square_subsequent_mask(3))

    def batchify(data, bsz: int):
        seq_len = data.size(0) // bsz
        data = data[:seq_len * bsz]
        data = data.view(bsz, seq_len).t().contiguous()
        return data.to(device)

    bptt = 5

    def get_batch(source, i: int):
        seq_len = min(bptt, len(source) - 1 - i)
        data = source[i:i + seq_len]
        target = source[i + 1:i + 1 + seq_len].reshape(-1)
        return data, target

    train_data = batchify(torch.from_numpy(rng.integers(0, ntokens, 64)), 4)
    print(train_data.shape)
    criterion = nn.CrossEntropyLoss()
    lr = 5.0  # learning rate
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.95)

    model.eval()  # dropout off, so that both libraries compute the same thing
    losses = []
    for batch, i in enumerate(range(0, train_data.size(0) - 1, bptt)):
        data, targets = get_batch(train_data, i)
        output = model(data)
        output_flat = output.view(-1, ntokens)
        loss = criterion(output_flat, targets)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        optimizer.step()
        losses.append(loss.item())
        if batch == 0:
            print(output.shape, output.grad_fn, loss.grad_fn)
    scheduler.step()
    print(scheduler.get_last_lr())
    nums["losses"] = losses
    with torch.no_grad():
        nums["output"] = _np(model(get_batch(train_data, 0)[0]))
    return out, nums


def test_transformer_tutorial(torch):
    _compare(torch, transformer_tutorial)


def test_transformer_tutorial_runs_on_pytorch(torch):
    # a failure of the comparison above must come from ember, not from a mistake in the rendition
    out, nums = transformer_tutorial(torch, np.random.default_rng(0), Weights())
    assert np.isfinite(nums["losses"]).all() and len(nums["losses"]) == 3


# --------------------------------------------------------------------------------------------------------------
# 15. Save and load the model (https://pytorch.org/tutorials/beginner/basics/saveloadrun_tutorial.html)
# --------------------------------------------------------------------------------------------------------------


def save_load_tutorial(torch, rng, weights, path):
    nn = torch.nn
    out, print = _printer()

    model = weights(torch, "model", nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d((1, 1)),
                                                  nn.Flatten(), nn.Linear(4, 10)))
    x = _randn(torch, rng, 2, 3, 8, 8)
    torch.save(model.state_dict(), path)

    model2 = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
                           nn.Linear(4, 10))  # we do not specify ``weights``, i.e. create untrained model
    print(model2.load_state_dict(torch.load(path, weights_only=True)))
    print(model2.eval())
    with torch.no_grad():
        same = torch.equal(model(x), model2(x))
    print(same)
    state = torch.load(path, weights_only=True)
    print(type(state).__name__, list(state), state["4.bias"].shape, state["4.bias"].requires_grad)
    return out, {"out": _np(model2(x))}


def test_save_load_tutorial(torch, tmp_path):
    _compare(torch, save_load_tutorial, tmp_path=tmp_path)


def test_save_whole_model_says_to_save_the_state_dict(tmp_path):
    # ``torch.save(model, PATH)`` pickles the module; ember never pickles and says what to do instead
    model = ember.nn.Linear(2, 2)
    with pytest.raises(TypeError, match=r"never pickles.*save its state_dict\(\) instead"):
        ember.save(model, str(tmp_path / "model.pth"))


def test_device_selection_idioms(torch):
    # the device lines the current tutorials start with, on a machine without an accelerator
    def run(torch):
        device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
        legacy = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        torch.set_default_device(device)
        try:
            x = torch.ones(2)
            return [device, repr(legacy), repr(torch.get_default_device()), str(x.device),
                    torch.accelerator.device_count(), torch.cuda.device_count()]
        finally:
            torch.set_default_device(None)

    assert run(ember) == run(torch)


# --------------------------------------------------------------------------------------------------------------
# 16. DCGAN (https://pytorch.org/tutorials/beginner/dcgan_faces_tutorial.html): the 64x64 generator and
#     discriminator with few channels, one training iteration on random "faces"
# --------------------------------------------------------------------------------------------------------------


def dcgan_tutorial(torch, rng, weights):
    nn = torch.nn
    optim = torch.optim
    out, print = _printer()
    nums = {}

    nc = 3  # Number of channels in the training images
    nz = 8  # Size of z latent vector (i.e. size of generator input)
    ngf = 4  # Size of feature maps in generator
    ndf = 4  # Size of feature maps in discriminator
    lr = 0.0002
    beta1 = 0.5
    ngpu = 0
    device = torch.device("cpu")

    # custom weights initialization called on ``netG`` and ``netD``
    def weights_init(m):
        classname = m.__class__.__name__
        if classname.find('Conv') != -1:
            nn.init.normal_(m.weight.data, 0.0, 0.02)
        elif classname.find('BatchNorm') != -1:
            nn.init.normal_(m.weight.data, 1.0, 0.02)
            nn.init.constant_(m.bias.data, 0)

    class Generator(nn.Module):
        def __init__(self, ngpu):
            super(Generator, self).__init__()  # noqa: UP008 - as the tutorial writes it
            self.ngpu = ngpu
            self.main = nn.Sequential(
                # input is Z, going into a convolution
                nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False),
                nn.BatchNorm2d(ngf * 8),
                nn.ReLU(True),
                # state size. ``(ngf*8) x 4 x 4``
                nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ngf * 4),
                nn.ReLU(True),
                # state size. ``(ngf*4) x 8 x 8``
                nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ngf * 2),
                nn.ReLU(True),
                # state size. ``(ngf*2) x 16 x 16``
                nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ngf),
                nn.ReLU(True),
                # state size. ``(ngf) x 32 x 32``
                nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),
                nn.Tanh()
                # state size. ``(nc) x 64 x 64``
            )

        def forward(self, input):
            return self.main(input)

    class Discriminator(nn.Module):
        def __init__(self, ngpu):
            super(Discriminator, self).__init__()  # noqa: UP008 - as the tutorial writes it
            self.ngpu = ngpu
            self.main = nn.Sequential(
                # input is ``(nc) x 64 x 64``
                nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
                nn.LeakyReLU(0.2, inplace=True),
                # state size. ``(ndf) x 32 x 32``
                nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ndf * 2),
                nn.LeakyReLU(0.2, inplace=True),
                # state size. ``(ndf*2) x 16 x 16``
                nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ndf * 4),
                nn.LeakyReLU(0.2, inplace=True),
                # state size. ``(ndf*4) x 8 x 8``
                nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ndf * 8),
                nn.LeakyReLU(0.2, inplace=True),
                # state size. ``(ndf*8) x 4 x 4``
                nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False),
                nn.Sigmoid()
            )

        def forward(self, input):
            return self.main(input)

    netG = Generator(ngpu).to(device)
    netG.apply(weights_init)
    print(netG)
    netD = Discriminator(ngpu).to(device)
    netD.apply(weights_init)
    print(netD)
    # ember's networks start from PyTorch's draws
    weights(torch, "netG", netG)
    weights(torch, "netD", netD)

    criterion = nn.BCELoss()
    fixed_noise = _randn(torch, rng, 4, nz, 1, 1)
    real_label = 1.
    fake_label = 0.
    optimizerD = optim.Adam(netD.parameters(), lr=lr, betas=(beta1, 0.999))
    optimizerG = optim.Adam(netG.parameters(), lr=lr, betas=(beta1, 0.999))

    G_losses = []
    D_losses = []
    for i in range(2):
        data = (torch.from_numpy(rng.random((4, nc, 64, 64), dtype=np.float32)) * 2 - 1,)
        ############################
        # (1) Update D network: maximize log(D(x)) + log(1 - D(G(z)))
        ###########################
        ## Train with all-real batch
        netD.zero_grad()
        # Format batch
        real_cpu = data[0].to(device)
        b_size = real_cpu.size(0)
        label = torch.full((b_size,), real_label, dtype=torch.float, device=device)
        # Forward pass real batch through D
        output = netD(real_cpu).view(-1)
        # Calculate loss on all-real batch
        errD_real = criterion(output, label)
        # Calculate gradients for D in backward pass
        errD_real.backward()
        D_x = output.mean().item()

        ## Train with all-fake batch
        # Generate batch of latent vectors
        noise = _randn(torch, rng, b_size, nz, 1, 1)
        # Generate fake image batch with G
        fake = netG(noise)
        label.fill_(fake_label)
        # Classify all fake batch with D
        output = netD(fake.detach()).view(-1)
        # Calculate D's loss on the all-fake batch
        errD_fake = criterion(output, label)
        # Calculate the gradients for this batch, accumulated (summed) with previous gradients
        errD_fake.backward()
        D_G_z1 = output.mean().item()
        # Compute error of D as sum over the fake and the real batches
        errD = errD_real + errD_fake
        # Update D
        optimizerD.step()

        ############################
        # (2) Update G network: maximize log(D(G(z)))
        ###########################
        netG.zero_grad()
        label.fill_(real_label)  # fake labels are real for generator cost
        # Since we just updated D, perform another forward pass of all-fake batch through D
        output = netD(fake).view(-1)
        # Calculate G's loss based on D's output
        errG = criterion(output, label)
        # Calculate gradients for G
        errG.backward()
        D_G_z2 = output.mean().item()
        # Update G
        optimizerG.step()

        print('[%d/%d][%d/%d]\tLoss_D: %.4f\tLoss_G: %.4f\tD(x): %.4f\tD(G(z)): %.4f / %.4f'
              % (0, 1, i, 2, errD.item(), errG.item(), D_x, D_G_z1, D_G_z2))
        # Save Losses for plotting later
        G_losses.append(errG.item())
        D_losses.append(errD.item())

    with torch.no_grad():
        fake = netG(fixed_noise).detach().cpu()
    print(fake.shape, fake.dtype, bool(fake.abs().max() <= 1))
    nums["G_losses"] = G_losses
    nums["D_losses"] = D_losses
    nums["fake"] = _np(fake)
    nums["netD.main.3.running_var"] = _np(netD.main[3].running_var)
    return out, nums


def test_dcgan_tutorial(torch):
    _compare(torch, dcgan_tutorial, numbers=True, atol=1e-4)


# --------------------------------------------------------------------------------------------------------------
# 17. NLP from scratch: classifying names with a character-level RNN
#     (https://pytorch.org/tutorials/intermediate/char_rnn_classification_tutorial.html, the nn.Linear version)
# --------------------------------------------------------------------------------------------------------------


def char_rnn_tutorial(torch, rng, weights):
    import string

    nn = torch.nn
    out, print = _printer()
    nums = {}

    all_letters = string.ascii_letters + " .,;'"
    n_letters = len(all_letters)
    category_lines = {"English": ["Jones", "Smith", "Brown"], "Italian": ["Rossi", "Russo"],
                      "Japanese": ["Sato", "Suzuki", "Abe"]}
    all_categories = list(category_lines)
    n_categories = len(all_categories)

    # Find letter index from all_letters, e.g. "a" = 0
    def letterToIndex(letter):
        return all_letters.find(letter)

    # Just for demonstration, turn a letter into a <1 x n_letters> Tensor
    def letterToTensor(letter):
        tensor = torch.zeros(1, n_letters)
        tensor[0][letterToIndex(letter)] = 1
        return tensor

    # Turn a line into a <line_length x 1 x n_letters>, or an array of one-hot letter vectors
    def lineToTensor(line):
        tensor = torch.zeros(len(line), 1, n_letters)
        for li, letter in enumerate(line):
            tensor[li][0][letterToIndex(letter)] = 1
        return tensor

    print(letterToTensor('J'))
    print(lineToTensor('Jones').size())
    print(lineToTensor('Jones').sum(), lineToTensor('Jones')[1].argmax())

    class RNN(nn.Module):
        def __init__(self, input_size, hidden_size, output_size):
            super(RNN, self).__init__()  # noqa: UP008 - as the tutorial writes it
            self.hidden_size = hidden_size
            self.i2h = nn.Linear(input_size + hidden_size, hidden_size)
            self.h2o = nn.Linear(hidden_size, output_size)
            self.softmax = nn.LogSoftmax(dim=1)

        def forward(self, input, hidden):
            combined = torch.cat((input, hidden), 1)
            hidden = self.i2h(combined)
            output = self.h2o(hidden)
            output = self.softmax(output)
            return output, hidden

        def initHidden(self):
            return torch.zeros(1, self.hidden_size)

    n_hidden = 32
    rnn = weights(torch, "rnn", RNN(n_letters, n_hidden, n_categories))
    input = lineToTensor('Albert')
    hidden = torch.zeros(1, n_hidden)
    output, next_hidden = rnn(input[0], hidden)
    print(output.shape, output.grad_fn)
    nums["first output"] = _np(output)

    def categoryFromOutput(output):
        top_n, top_i = output.topk(1)
        category_i = top_i[0].item()
        return all_categories[category_i], category_i

    print(categoryFromOutput(output)[1] in range(n_categories))

    criterion = nn.NLLLoss()
    learning_rate = 0.005  # If you set this too high, it might explode. If too low, it might not learn

    def train(category_tensor, line_tensor):
        hidden = rnn.initHidden()
        rnn.zero_grad()
        for i in range(line_tensor.size()[0]):
            output, hidden = rnn(line_tensor[i], hidden)
        loss = criterion(output, category_tensor)
        loss.backward()
        # Add parameters' gradients to their values, multiplied by learning rate
        for p in rnn.parameters():
            p.data.add_(p.grad.data, alpha=-learning_rate)
        return output, loss.item()

    losses = []
    for iter in range(1, 9):
        category = all_categories[iter % n_categories]
        line = category_lines[category][iter % len(category_lines[category])]
        category_tensor = torch.tensor([all_categories.index(category)], dtype=torch.long)
        line_tensor = lineToTensor(line)
        output, loss = train(category_tensor, line_tensor)
        losses.append(loss)
    nums["losses"] = losses

    # Keep track of correct guesses in a confusion matrix
    confusion = torch.zeros(n_categories, n_categories)

    # Just return an output given a line
    def evaluate(line_tensor):
        hidden = rnn.initHidden()
        for i in range(line_tensor.size()[0]):
            output, hidden = rnn(line_tensor[i], hidden)
        return output

    for category in all_categories:
        for line in category_lines[category]:
            output = evaluate(lineToTensor(line))
            guess, guess_i = categoryFromOutput(output)
            category_i = all_categories.index(category)
            confusion[category_i][guess_i] += 1
    # Normalize by dividing every row by its sum
    for i in range(n_categories):
        confusion[i] = confusion[i] / confusion[i].sum()
    print(confusion.sum(1))
    nums["confusion"] = _np(confusion)

    def predict(input_line, n_predictions=3):
        with torch.no_grad():
            output = evaluate(lineToTensor(input_line))
            # Get top N categories
            topv, topi = output.topk(n_predictions, 1, True)
            predictions = []
            for i in range(n_predictions):
                value = topv[0][i].item()
                category_index = topi[0][i].item()
                predictions.append([value, all_categories[category_index]])
            return predictions

    nums["predict values"] = [v for v, _ in predict('Dovesky')]
    print(sorted(c for _, c in predict('Dovesky')))
    return out, nums


def test_char_rnn_tutorial(torch):
    _compare(torch, char_rnn_tutorial)


# --------------------------------------------------------------------------------------------------------------
# 18. NLP from scratch: translation with a sequence to sequence network and attention
#     (https://pytorch.org/tutorials/intermediate/seq2seq_translation_tutorial.html): GRU encoder, Bahdanau
#     attention decoder, teacher-forced training and greedy decoding, on tiny random "sentences"
# --------------------------------------------------------------------------------------------------------------


def seq2seq_tutorial(torch, rng, weights):
    nn = torch.nn
    F = torch.nn.functional
    optim = torch.optim
    out, print = _printer()
    nums = {}
    device = torch.device("cpu")
    SOS_token = 0
    EOS_token = 1
    MAX_LENGTH = 5

    class EncoderRNN(nn.Module):
        def __init__(self, input_size, hidden_size, dropout_p=0.1):
            super(EncoderRNN, self).__init__()  # noqa: UP008 - as the tutorial writes it
            self.hidden_size = hidden_size
            self.embedding = nn.Embedding(input_size, hidden_size)
            self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)
            self.dropout = nn.Dropout(dropout_p)

        def forward(self, input):
            embedded = self.dropout(self.embedding(input))
            output, hidden = self.gru(embedded)
            return output, hidden

    class BahdanauAttention(nn.Module):
        def __init__(self, hidden_size):
            super(BahdanauAttention, self).__init__()  # noqa: UP008 - as the tutorial writes it
            self.Wa = nn.Linear(hidden_size, hidden_size)
            self.Ua = nn.Linear(hidden_size, hidden_size)
            self.Va = nn.Linear(hidden_size, 1)

        def forward(self, query, keys):
            scores = self.Va(torch.tanh(self.Wa(query) + self.Ua(keys)))
            scores = scores.squeeze(2).unsqueeze(1)
            weights = F.softmax(scores, dim=-1)
            context = torch.bmm(weights, keys)
            return context, weights

    class AttnDecoderRNN(nn.Module):
        def __init__(self, hidden_size, output_size, dropout_p=0.1):
            super(AttnDecoderRNN, self).__init__()  # noqa: UP008 - as the tutorial writes it
            self.embedding = nn.Embedding(output_size, hidden_size)
            self.attention = BahdanauAttention(hidden_size)
            self.gru = nn.GRU(2 * hidden_size, hidden_size, batch_first=True)
            self.out = nn.Linear(hidden_size, output_size)
            self.dropout = nn.Dropout(dropout_p)

        def forward(self, encoder_outputs, encoder_hidden, target_tensor=None):
            batch_size = encoder_outputs.size(0)
            decoder_input = torch.empty(batch_size, 1, dtype=torch.long, device=device).fill_(SOS_token)
            decoder_hidden = encoder_hidden
            decoder_outputs = []
            attentions = []
            for i in range(MAX_LENGTH):
                decoder_output, decoder_hidden, attn_weights = self.forward_step(
                    decoder_input, decoder_hidden, encoder_outputs
                )
                decoder_outputs.append(decoder_output)
                attentions.append(attn_weights)
                if target_tensor is not None:
                    # Teacher forcing: Feed the target as the next input
                    decoder_input = target_tensor[:, i].unsqueeze(1)  # Teacher forcing
                else:
                    # Without teacher forcing: use its own predictions as the next input
                    _, topi = decoder_output.topk(1)
                    decoder_input = topi.squeeze(-1).detach()  # detach from history as input
            decoder_outputs = torch.cat(decoder_outputs, dim=1)
            decoder_outputs = F.log_softmax(decoder_outputs, dim=-1)
            attentions = torch.cat(attentions, dim=1)
            return decoder_outputs, decoder_hidden, attentions

        def forward_step(self, input, hidden, encoder_outputs):
            embedded = self.dropout(self.embedding(input))
            query = hidden.permute(1, 0, 2)
            context, attn_weights = self.attention(query, encoder_outputs)
            input_gru = torch.cat((embedded, context), dim=2)
            output, hidden = self.gru(input_gru, hidden)
            output = self.out(output)
            return output, hidden, attn_weights

    input_words, output_words, hidden_size = 12, 10, 16
    # dropout_p=0 so that PyTorch and ember (whose dropout masks differ) train the same function
    encoder = weights(torch, "encoder", EncoderRNN(input_words, hidden_size, dropout_p=0.0).to(device))
    decoder = weights(torch, "decoder", AttnDecoderRNN(hidden_size, output_words, dropout_p=0.0).to(device))
    print(encoder)
    print(decoder)

    n = 6
    input_ids = np.zeros((n, MAX_LENGTH), dtype=np.int32)
    target_ids = np.zeros((n, MAX_LENGTH), dtype=np.int32)
    for idx in range(n):
        length = int(rng.integers(2, MAX_LENGTH))
        inp_ids = list(rng.integers(2, input_words, length - 1)) + [EOS_token]
        tgt_ids = list(rng.integers(2, output_words, length - 1)) + [EOS_token]
        input_ids[idx, :len(inp_ids)] = inp_ids
        target_ids[idx, :len(tgt_ids)] = tgt_ids
    train_data = torch.utils.data.TensorDataset(torch.LongTensor(input_ids).to(device),
                                                torch.LongTensor(target_ids).to(device))
    train_dataloader = torch.utils.data.DataLoader(train_data, batch_size=3)

    def train_epoch(dataloader, encoder, decoder, encoder_optimizer, decoder_optimizer, criterion):
        total_loss = 0
        for data in dataloader:
            input_tensor, target_tensor = data
            encoder_optimizer.zero_grad()
            decoder_optimizer.zero_grad()
            encoder_outputs, encoder_hidden = encoder(input_tensor)
            decoder_outputs, _, _ = decoder(encoder_outputs, encoder_hidden, target_tensor)
            loss = criterion(
                decoder_outputs.view(-1, decoder_outputs.size(-1)),
                target_tensor.view(-1)
            )
            loss.backward()
            encoder_optimizer.step()
            decoder_optimizer.step()
            total_loss += loss.item()
        return total_loss / len(dataloader)

    learning_rate = 0.001
    encoder_optimizer = optim.Adam(encoder.parameters(), lr=learning_rate)
    decoder_optimizer = optim.Adam(decoder.parameters(), lr=learning_rate)
    criterion = nn.NLLLoss()
    nums["epoch losses"] = [train_epoch(train_dataloader, encoder, decoder, encoder_optimizer, decoder_optimizer,
                                        criterion) for _ in range(2)]

    def evaluate(encoder, decoder, input_tensor):
        with torch.no_grad():
            encoder_outputs, encoder_hidden = encoder(input_tensor)
            decoder_outputs, decoder_hidden, decoder_attn = decoder(encoder_outputs, encoder_hidden)
            _, topi = decoder_outputs.topk(1)
            decoded_ids = topi.squeeze()
            decoded_words = []
            for idx in decoded_ids:
                if idx.item() == EOS_token:
                    decoded_words.append('<EOS>')
                    break
                decoded_words.append(f"w{idx.item()}")
        return decoded_words, decoder_attn

    encoder.eval()
    decoder.eval()
    input_tensor = torch.tensor(input_ids[:1], dtype=torch.long, device=device)
    decoded_words, attentions = evaluate(encoder, decoder, input_tensor)
    print(attentions.shape, attentions.sum(-1).shape, type(decoded_words[0]).__name__)
    nums["attentions"] = _np(attentions)
    return out, nums


def test_seq2seq_tutorial(torch):
    _compare(torch, seq2seq_tutorial)


def legacy_tensor_types(torch):
    """``torch.FloatTensor``/``torch.LongTensor`` ..., as older tutorials use them."""
    out, print = _printer()
    x = torch.LongTensor([[1, 2]])
    print(x, x.dtype, x.type())
    print(torch.FloatTensor(2, 3).shape, torch.FloatTensor([1, 2]), torch.LongTensor(), torch.BoolTensor([1, 0]))
    print(isinstance(x, torch.LongTensor), isinstance(x, torch.FloatTensor),
          isinstance(torch.ones(1), torch.FloatTensor))
    print(torch.FloatTensor, torch.FloatTensor.dtype, torch.DoubleTensor.dtype, torch.ByteTensor.dtype)
    print(torch.LongTensor(np.array([1, 2], dtype=np.int32)), torch.FloatTensor(torch.Size([2, 1])).shape)
    print(torch.ones(2).type(torch.LongTensor), torch.ones(2).type('torch.DoubleTensor'))
    print(torch.FloatTensor([[1, 2], [3, 4]]).mean(), isinstance(torch.FloatTensor([1]), torch.Tensor))
    print(torch.LongTensor([1.7, 2.2]), torch.HalfTensor([1]).dtype, torch.IntTensor([3]).dtype)
    for bad in (lambda: torch.FloatTensor(torch.tensor([1, 2])), lambda: torch.FloatTensor([1, 2], [3])):
        try:
            bad()
        except TypeError:
            print("TypeError")
    return out


def test_legacy_tensor_types(torch):
    _assert_same_text(legacy_tensor_types(ember), legacy_tensor_types(torch))


# --------------------------------------------------------------------------------------------------------------
# 19. Spatial transformer networks (https://pytorch.org/tutorials/intermediate/spatial_transformer_tutorial.html),
#     compared in eval mode (dropout draws differ between libraries)
# --------------------------------------------------------------------------------------------------------------


def spatial_transformer_tutorial(torch, rng, weights):
    nn = torch.nn
    F = torch.nn.functional
    optim = torch.optim
    out, print = _printer()
    nums = {}

    class Net(nn.Module):
        def __init__(self):
            super(Net, self).__init__()  # noqa: UP008 - as the tutorial writes it
            self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
            self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
            self.conv2_drop = nn.Dropout2d()
            self.fc1 = nn.Linear(320, 50)
            self.fc2 = nn.Linear(50, 10)

            # Spatial transformer localization-network
            self.localization = nn.Sequential(
                nn.Conv2d(1, 8, kernel_size=7),
                nn.MaxPool2d(2, stride=2),
                nn.ReLU(True),
                nn.Conv2d(8, 10, kernel_size=5),
                nn.MaxPool2d(2, stride=2),
                nn.ReLU(True)
            )

            # Regressor for the 3 * 2 affine matrix
            self.fc_loc = nn.Sequential(
                nn.Linear(10 * 3 * 3, 32),
                nn.ReLU(True),
                nn.Linear(32, 3 * 2)
            )

            # Initialize the weights/bias with identity transformation
            self.fc_loc[2].weight.data.zero_()
            self.fc_loc[2].bias.data.copy_(torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.float))

        # Spatial transformer network forward function
        def stn(self, x):
            xs = self.localization(x)
            xs = xs.view(-1, 10 * 3 * 3)
            theta = self.fc_loc(xs)
            theta = theta.view(-1, 2, 3)

            grid = F.affine_grid(theta, x.size(), align_corners=False)
            x = F.grid_sample(x, grid, align_corners=False)

            return x

        def forward(self, x):
            # transform the input
            x = self.stn(x)

            # Perform the usual forward pass
            x = F.relu(F.max_pool2d(self.conv1(x), 2))
            x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
            x = x.view(-1, 320)
            x = F.relu(self.fc1(x))
            x = F.dropout(x, training=self.training)
            x = self.fc2(x)
            return F.log_softmax(x, dim=1)

    model = Net()
    print(model)
    data = _rand(torch, rng, 3, 1, 28, 28)
    with torch.no_grad():
        # the identity initialisation: the transformer leaves the image as it is
        print(torch.allclose(model.stn(data), data, atol=1e-5))
    weights(torch, "model", model)
    with torch.no_grad():
        model.fc_loc[2].weight.add_(0.01)  # move away from the identity so the sampling grid gets gradients
    optimizer = optim.SGD(model.parameters(), lr=0.01)
    target = torch.from_numpy(rng.integers(0, 10, 3))
    model.eval()
    optimizer.zero_grad()
    output = model(data)
    loss = F.nll_loss(output, target)
    loss.backward()
    optimizer.step()
    nums["loss"] = loss.item()
    nums["fc_loc.2.weight.grad"] = _np(model.fc_loc[2].weight.grad)
    with torch.no_grad():
        transformed = model.stn(data)
    print(transformed.shape, output.grad_fn)
    nums["transformed"] = _np(transformed)
    return out, nums


def test_spatial_transformer_tutorial(torch):
    (e_out, e_nums), (t_out, t_nums) = _both(torch, spatial_transformer_tutorial)
    _assert_same_text(e_out, t_out)
    # The tutorial starts from the identity transform, which puts every sampling point exactly on a pixel
    # centre, where the bilinear gradient w.r.t. the grid jumps. A 1-ulp difference in theta (float32 rounding
    # in Linear) moves fc_loc.2.weight.grad by up to ~3e-3 in PyTorch itself, and the transformed output after
    # the update follows. Those two are compared at that conditioning; everything else at the default
    # tolerance. (grid_sample's gradients are checked in well-conditioned cases in tests/nn/test_sampling.py.)
    ill_conditioned = ("fc_loc.2.weight.grad", "transformed")
    _assert_close({k: v for k, v in e_nums.items() if k not in ill_conditioned},
                  {k: v for k, v in t_nums.items() if k not in ill_conditioned})
    for key in ill_conditioned:
        np.testing.assert_allclose(e_nums[key], t_nums[key], rtol=0, atol=3e-3, err_msg=key)


def test_spatial_transformer_tutorial_runs_on_pytorch(torch):
    # a failure of the comparison above must come from ember, not from a mistake in the rendition
    out, nums = spatial_transformer_tutorial(torch, np.random.default_rng(0), Weights())
    assert out[1] == "True\n" and np.abs(nums["fc_loc.2.weight.grad"]).sum() > 0
