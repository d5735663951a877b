"""ember.distributions.constraints against torch.distributions.constraints: reprs, event_dim, is_discrete and
``check`` on values inside and outside each set."""

import numpy as np
import pytest

import ember
from ember.distributions import constraints as C

VALUES = [
    np.array([1.0, np.nan, -1.0, 0.0, 2.5, 3.0, 1.0]),
    np.array([[0.5, 0.5], [0.2, 0.2], [1.0, 0.0]]),
    np.eye(3),
    np.array([[1.0, 0.0], [2.0, 3.0]]),
    np.array([[1.0, 2.0], [2.0, 1.0]]),
    np.array([[2.0, 1.0], [1.0, 2.0]]),
    np.array([[0.0, 1.0], [1.0, 1.0]]),
    np.array([[1.0, 0.0], [0.6, 0.8]]),
    np.array([[[1.0, 0.0], [0.6, 0.8]], [[1.0, 0.0], [0.6, -0.8]]]),
    np.ones((2, 3)),
]
NAMES = ["real", "positive", "nonnegative", "unit_interval", "simplex", "boolean", "nonnegative_integer",
         "positive_integer", "real_vector", "lower_cholesky", "lower_triangular", "positive_definite",
         "positive_semidefinite", "corr_cholesky", "one_hot", "square", "symmetric"]


def _check_same(tc, ec, torch):
    assert repr(ec) == repr(tc)
    assert ec.event_dim == tc.event_dim and ec.is_discrete == tc.is_discrete
    for v in VALUES:
        if v.ndim < tc.event_dim:
            continue
        if tc.event_dim == 2 and v.shape[-1] != v.shape[-2] and repr(tc) != "Square()":
            continue
        t, e = tc.check(torch.from_numpy(v)), ec.check(ember.from_numpy(v))
        assert tuple(e.shape) == tuple(t.shape) and e.dtype == ember.bool
        np.testing.assert_array_equal(e.numpy(), t.numpy(), err_msg=f"{tc} on {v}")


@pytest.mark.parametrize("name", NAMES)
def test_singletons(torch, name):
    _check_same(getattr(torch.distributions.constraints, name), getattr(C, name), torch)


@pytest.mark.parametrize("args", [
    ("interval", 0, 1), ("interval", -1.0, 2.5), ("greater_than", 2), ("greater_than_eq", 1), ("less_than", 3.0),
    ("integer_interval", 0, 3), ("half_open_interval", 0.0, 1.0), ("multinomial", 5),
])
def test_parameterised(torch, args):
    name, *params = args
    _check_same(getattr(torch.distributions.constraints, name)(*params), getattr(C, name)(*params), torch)


def test_composed(torch):
    TC = torch.distributions.constraints
    _check_same(TC.independent(TC.positive, 1), C.independent(C.positive, 1), torch)
    _check_same(TC.independent(TC.real, 2), C.independent(C.real, 2), torch)
    tcat, ecat = TC.cat([TC.real, TC.positive], dim=0, lengths=[4, 3]), C.cat([C.real, C.positive], dim=0,
                                                                           lengths=[4, 3])
    assert repr(ecat) == repr(tcat) and ecat.event_dim == tcat.event_dim
    np.testing.assert_array_equal(ecat.check(ember.from_numpy(VALUES[0])).numpy(),
                                  tcat.check(torch.from_numpy(VALUES[0])).numpy())
    v = np.array([[1.0, -1.0], [2.0, 2.0]])
    t = TC.stack([TC.real, TC.positive], dim=-1).check(torch.from_numpy(v))
    e = C.stack([C.real, C.positive], dim=-1).check(ember.from_numpy(v))
    np.testing.assert_array_equal(e.numpy(), t.numpy())
    base = C.MixtureSameFamilyConstraint(C.positive)
    tbase = TC.MixtureSameFamilyConstraint(TC.positive)
    assert repr(base) == repr(tbase)
    np.testing.assert_array_equal(base.check(ember.tensor([1.0, -1.0])).numpy(),
                                  tbase.check(torch.tensor([1.0, -1.0])).numpy())


def test_tensor_bounds():
    c = C.interval(ember.tensor([0.0, 1.0]), ember.tensor([1.0, 2.0]))
    assert c.check(ember.tensor([0.5, 0.5])).tolist() == [True, False]


def test_dependent(torch):
    for lib in (torch, ember):
        Cl = lib.distributions.constraints
        assert repr(Cl.dependent) == "Dependent()"
        assert Cl.is_dependent(Cl.dependent) and not Cl.is_dependent(Cl.real)
        with pytest.raises(ValueError, match="Cannot determine validity of dependent constraint"):
            Cl.dependent.check(lib.ones(1))
        with pytest.raises(NotImplementedError, match=".event_dim cannot be determined statically"):
            Cl.dependent.event_dim
        with pytest.raises(NotImplementedError, match=".is_discrete cannot be determined statically"):
            Cl.dependent.is_discrete
        d = Cl.dependent(is_discrete=True, event_dim=1)
        assert d.is_discrete and d.event_dim == 1
        # on the class, a dependent_property support is a dependent constraint
        assert Cl.is_dependent(lib.distributions.Uniform.support)
        assert repr(lib.distributions.Uniform(0.0, 2.0).support) == "Interval(lower_bound=0.0, upper_bound=2.0)"
    assert repr(ember.distributions.Binomial(3, ember.tensor(0.5)).support) == \
        repr(torch.distributions.Binomial(3, torch.tensor(0.5)).support)
