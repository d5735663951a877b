"""``ember.profiler`` / ``ember.autograd.profiler`` side by side with PyTorch's profiler.

Timings differ run to run, so the tables are compared exactly on events built with the same times, and real
profiles on what does not depend on time: the schedule's actions, the steps ``on_trace_ready`` fires on, event
names and nesting, the header lines, memory bytes, FLOPs, errors and warnings.
"""

import gzip
import json
import os
import re
import threading
import warnings

import numpy as np
import pytest

import ember
from ember.autograd import profiler as eprof
from ember.autograd import profiler_util as eutil
from ember.profiler import ProfilerAction, profile, record_function, schedule
from tests._helpers import same_error

# ----------------------------------------------------------------------------------------------------------
# helpers


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def _raises(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - compared by the caller
        return exc
    return None


def _mlp(lib, seed_from=None):
    m = lib.nn.Sequential(lib.nn.Linear(8, 16), lib.nn.ReLU(), lib.nn.Linear(16, 4))
    if seed_from is not None:
        with lib.no_grad():
            for p, q in zip(m.parameters(), seed_from.parameters()):
                p.copy_(lib.tensor(q.detach().numpy()))
    return m


def _cnn(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(36, 10))


def _train_step(lib, model, x, t):
    loss = lib.nn.functional.cross_entropy(model(x), t)
    loss.backward()
    return loss


def _names(events):
    return [e.name for e in events]


def _walk_invariants(events):
    """Nesting invariants of a real profile: children run inside their parent, and self = total - children."""
    for e in events:
        kids = e.cpu_children
        assert e.self_cpu_time_total == pytest.approx(e.cpu_time_total - sum(c.cpu_time_total for c in kids))
        assert e.self_cpu_time_total >= 0
        for c in kids:
            assert c.cpu_parent is e
            assert e.time_range.start <= c.time_range.start <= c.time_range.end <= e.time_range.end
    top = [e for e in events if e.cpu_parent is None]
    # Self times add up to the time of the top-level events (the footer's total).
    assert sum(e.self_cpu_time_total for e in events) == pytest.approx(sum(e.cpu_time_total for e in top))


# ----------------------------------------------------------------------------------------------------------
# schedule, actions, steps


@pytest.mark.parametrize("kwargs", [
    dict(wait=1, warmup=1, active=2),
    dict(wait=0, warmup=2, active=1, repeat=2),
    dict(wait=2, warmup=1, active=3, repeat=1, skip_first=3),
    dict(wait=3, warmup=1, active=1, skip_first=2, skip_first_wait=1),
    dict(wait=1, warmup=0, active=1, repeat=3),
])
def test_schedule_actions_as_torch(torch, kwargs):
    ours = _quiet(schedule, **kwargs)
    theirs = _quiet(torch.profiler.schedule, **kwargs)
    assert [ours(i).name for i in range(30)] == [theirs(i).name for i in range(30)]
    assert [a.value for a in (ours(i) for i in range(30))] == [theirs(i).value for i in range(30)]


def test_schedule_errors_and_warning(torch):
    for kw in (dict(wait=-1, warmup=0, active=1), dict(wait=1, warmup=1, active=0),
               dict(wait=0, warmup=1, active=1, repeat=-1), dict(wait=0, warmup=1, active=1, skip_first=-2)):
        same_error(_raises(schedule, **kw), _raises(torch.profiler.schedule, **kw))
    same_error(_raises(lambda: schedule(1, 1, 1)), _raises(lambda: torch.profiler.schedule(1, 1, 1)))
    s, ts = schedule(wait=0, warmup=1, active=1), torch.profiler.schedule(wait=0, warmup=1, active=1)
    same_error(_raises(lambda: s(-1)), _raises(lambda: ts(-1)))
    with pytest.warns(UserWarning, match="Profiler won't be using warmup, this can skew profiler results"):
        schedule(wait=1, warmup=0, active=1)


def test_enums_and_module_functions(torch):
    tp = torch.profiler
    assert [(a.name, a.value) for a in ProfilerAction] == [(a.name, a.value) for a in tp.ProfilerAction]
    ours = {k: v.value for k, v in ember.profiler.ProfilerActivity.__members__.items()}
    assert ours == {k: int(v) for k, v in tp.ProfilerActivity.__members__.items()}
    assert str(ember.profiler.ProfilerActivity.CPU) == str(tp.ProfilerActivity.CPU)
    assert {a.name for a in ember.profiler.supported_activities()} == {a.name for a in tp.supported_activities()}
    assert ember.profiler.kineto_available() is tp.kineto_available() is True
    assert ember.profiler.record_function is ember.autograd.profiler.record_function
    assert ember.autograd.profiler is eprof and ember.autograd.profiler_util is eutil
    assert eprof.EventList is eutil.EventList and eprof.FunctionEvent is eutil.FunctionEvent


def _run_loop(lib, steps, **kw):
    """A training-like loop under ``lib.profiler.profile(**kw)``: the steps on_trace_ready fired on, with the
    ProfilerStep numbers (trace names) and event counts of each delivered cycle."""
    fired = []

    def ready(p):
        steps_seen = sorted({e.trace_name for e in p.events() if e.trace_name.startswith("ProfilerStep")})
        fired.append((p.step_num, steps_seen, sum(e.name == "aten::exp" for e in p.events())))

    x = lib.ones(3, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with lib.profiler.profile(on_trace_ready=ready, **kw) as prof:
            for _ in range(steps):
                x.exp().sum().backward()
                prof.step()
    return fired, prof


@pytest.mark.parametrize("sched", [
    dict(wait=1, warmup=1, active=2),
    dict(wait=1, warmup=1, active=2, repeat=2),
    dict(wait=0, warmup=1, active=1, repeat=1, skip_first=2),
    dict(wait=2, warmup=0, active=2, repeat=1),
])
@pytest.mark.parametrize("steps", [3, 9])
def test_trace_ready_steps_and_profiler_steps_as_torch(torch, sched, steps):
    ours, _ = _run_loop(ember, steps, schedule=_quiet(schedule, **sched))
    theirs, _ = _run_loop(torch, steps, schedule=_quiet(torch.profiler.schedule, **sched))
    assert ours == theirs


def test_no_schedule_records_everything_once(torch):
    ours, prof = _run_loop(ember, 3)
    theirs, _ = _run_loop(torch, 3)
    assert ours == theirs == [(3, [], 3)]
    assert "ProfilerStep*" not in _names(prof.events())


def test_profiler_steps_are_one_row(torch):
    _, ours = _run_loop(ember, 5, schedule=schedule(wait=0, warmup=1, active=3, repeat=1))
    _, theirs = _run_loop(torch, 5, schedule=torch.profiler.schedule(wait=0, warmup=1, active=3, repeat=1))
    for prof in (ours, theirs):
        rows = {e.key: e.count for e in prof.key_averages()}
        assert rows["ProfilerStep*"] == 3
        steps = [e for e in prof.events() if e.name == "ProfilerStep*"]
        assert all(e.cpu_parent is None for e in steps)
        assert [e.trace_name for e in steps] == ["ProfilerStep#1", "ProfilerStep#2", "ProfilerStep#3"]


def test_bad_schedules_warn_as_torch(torch):
    def run(lib):
        actions = [lib.profiler.ProfilerAction.RECORD, lib.profiler.ProfilerAction.NONE,
                   lib.profiler.ProfilerAction.WARMUP, lib.profiler.ProfilerAction.NONE]
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            with lib.profiler.profile(schedule=lambda i: actions[min(i, 3)]) as p:
                for _ in range(4):
                    p.step()
        return [str(x.message) for x in w if "Incorrect schedule" in str(x.message)]

    assert run(ember) == run(torch) == ["Incorrect schedule: RECORD followed by NONE",
                                        "Incorrect schedule: WARMUP followed by NONE"]

    def stopped(lib):
        return _raises(lambda: lib.profiler.profile(schedule=lambda i: lib.profiler.ProfilerAction.DEVICE_STOPPED))

    same_error(stopped(ember), stopped(torch))


def test_start_stop_step_api(torch):
    for lib in (ember, torch):
        p = lib.profiler.profile()
        p.start()
        lib.ones(2).exp()
        p.step()
        p.stop()
        assert "aten::exp" in _names(p.events())
        assert p.step_num == 1
    same_error(_raises(lambda: profile().stop()), _raises(lambda: torch.profiler.profile().stop()))


def test_reuse_warns_and_keeps_last_cycle(torch):
    def run(lib, **kw):
        p = lib.profiler.profile(**kw)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            with p:
                lib.ones(2).exp()
            with p:
                lib.ones(2).sin()
        # (the warning is given once per process)
        assert all("Profiler clears events at the end of each cycle" in str(x.message) for x in w)
        return [n for n in _names(p.events()) if n in ("aten::exp", "aten::sin")]

    assert run(ember) == run(torch) == ["aten::sin"]
    assert sorted(run(ember, acc_events=True)) == sorted(run(torch, acc_events=True)) == ["aten::exp", "aten::sin"]


def test_nested_profilers_as_torch(torch):
    # PyTorch 2.13: a profiler started inside another takes over; the outer one ends with no events.
    def run(lib):
        x = lib.ones(3)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            with lib.profiler.profile() as a:
                x.exp()
                with lib.profiler.profile() as b:
                    x.sin()
                x.cos()
        return _names(a.events()), _names(b.events()), len(w)

    ours, theirs = run(ember), run(torch)
    assert ours[:2] == theirs[:2] == ([], ["aten::sin"])
    assert ours[2] == 1  # PyTorch logs "disableProfiler called but no active profiling session found" in C++


# ----------------------------------------------------------------------------------------------------------
# tables: exact on events with the same times


_SPEC = [  # id, name, start us, end us, parent index, bytes, input shapes
    (1, "forward_block_with_a_long_user_given_name_that_is_cut_here", 0.0, 2500.0, None, 4096, []),
    (2, "aten::linear", 10.0, 1200.5, 0, 3_000_000, [[5, 8], [16, 8], [16]]),
    (3, "aten::addmm", 20.0, 1100.25, 1, 3_000_000, [[16], [5, 8], [8, 16]]),
    (4, "aten::relu", 1300.0, 1900.0, 0, 2 * 1024 ** 3, [[5, 16]]),
    (5, "aten::linear", 2000.0, 2400.0, 0, 80, [[5, 16], [4, 16], [4]]),
    (6, "autograd::engine::evaluate_function: AddmmBackward0", 3000.0, 1_503_000.0, None, 0, []),
    (7, "AddmmBackward0", 3001.0, 1_502_000.0, 5, 512, [[5, 4]]),
    (8, "aten::sum", 1_600_000.0, 1_600_000.0, None, 4, [[5, 4], []]),
]


def _events(mod, memory=True, shapes=True):
    evs = [mod.FunctionEvent(id=i, name=name, thread=1, start_us=s, end_us=e, input_shapes=shp if shapes else [],
                             cpu_memory_usage=mem, stack=[]) for i, name, s, e, _, mem, shp in _SPEC]
    out = mod.EventList(evs, profile_memory=memory)
    if mod is eutil:  # ember links events when it records them; PyTorch from their time ranges
        for ev, spec in zip(evs, _SPEC):
            if spec[4] is not None:
                evs[spec[4]].append_cpu_child(ev)
                ev.set_cpu_parent(evs[spec[4]])
    out._build_tree()
    return out


@pytest.mark.parametrize("memory,shapes", [(True, True), (False, False), (True, False)])
@pytest.mark.parametrize("kwargs", [
    {}, dict(sort_by="cpu_time_total"), dict(sort_by="self_cpu_time_total", row_limit=3),
    dict(sort_by="cpu_memory_usage"), dict(sort_by="self_cpu_memory_usage", row_limit=0),
    dict(sort_by="count", row_limit=-1), dict(sort_by="cpu_time"), dict(sort_by="cuda_time_total"),
    dict(header="A header", top_level_events_only=True), dict(max_name_column_width=20),
    dict(max_name_column_width=None), dict(time_unit="ms"), dict(time_unit="us", max_shapes_column_width=12),
])
def test_table_matches_torch_exactly(torch, kwargs, memory, shapes):
    from torch.autograd import profiler_util

    ours, theirs = _events(eutil, memory, shapes), _events(profiler_util, memory, shapes)
    assert ours.table(**kwargs) == theirs.table(**kwargs)
    assert ours.key_averages().table(**kwargs) == theirs.key_averages().table(**kwargs)
    assert ours.key_averages(True).table(**kwargs) == theirs.key_averages(True).table(**kwargs)


def test_event_objects_match_torch(torch):
    from torch.autograd import profiler_util

    ours, theirs = _events(eutil), _events(profiler_util)
    assert repr(ours[0]) == repr(theirs[0])
    assert str(ours) == str(theirs)
    for a, b in zip(ours, theirs):
        for attr in ("cpu_time_total", "self_cpu_time_total", "cpu_memory_usage", "self_cpu_memory_usage",
                     "cpu_time", "key", "count", "cpu_time_str", "self_cpu_time_total_str"):
            assert getattr(a, attr) == getattr(b, attr), attr
        assert [c.id for c in a.cpu_children] == [c.id for c in b.cpu_children]
    ka, kb = ours.key_averages(), theirs.key_averages()
    assert [repr(a) for a in ka] == [repr(b) for b in kb]
    assert repr(ours.total_average()) == repr(theirs.total_average())
    assert ours.self_cpu_time_total == theirs.self_cpu_time_total
    assert ka.self_cpu_time_total == kb.self_cpu_time_total
    assert eutil.EventList().table() == profiler_util.EventList().table() == ""
    for lst, ref in ((ours, theirs), (ka, kb)):
        same_error(_raises(lst.table, sort_by="no_such_key"), _raises(ref.table, sort_by="no_such_key"))


def test_same_name_wrapper_with_one_child_is_one_event(torch):
    from torch.autograd import profiler_util

    def make(mod):
        evs = [mod.FunctionEvent(id=1, name="f", thread=1, start_us=0, end_us=10, stack=[]),
               mod.FunctionEvent(id=2, name="f", thread=1, start_us=1, end_us=9, stack=[]),
               mod.FunctionEvent(id=3, name="g", thread=1, start_us=2, end_us=3, stack=[])]
        if mod is eutil:
            for parent, child in ((0, 1), (1, 2)):
                evs[parent].append_cpu_child(evs[child])
                evs[child].set_cpu_parent(evs[parent])
        out = mod.EventList(evs)
        out._build_tree()
        return out

    ours, theirs = make(eutil), make(profiler_util)
    assert [(e.id, [c.id for c in e.cpu_children]) for e in ours] == \
        [(e.id, [c.id for c in e.cpu_children]) for e in theirs] == [(1, [3]), (3, [])]


# ----------------------------------------------------------------------------------------------------------
# real profiles


def _profile_step(lib, memory=False, shapes=False, **kw):
    lib.manual_seed(0)
    model = _cnn(lib)
    x = lib.randn(2, 1, 8, 8)
    t = lib.tensor([1, 3])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with lib.profiler.profile(profile_memory=memory, record_shapes=shapes, **kw) as prof:
            with lib.profiler.record_function("forward"):
                out = model(x)
            loss = lib.nn.functional.cross_entropy(out, t)
            loss.backward()
    return prof


def test_event_names_are_torch_names(torch):
    ours = set(_names(_profile_step(ember).events()))
    theirs = set(_names(_profile_step(torch).events()))
    mapped = {n.replace("ember::autograd::", "torch::autograd::") for n in ours}
    assert mapped <= theirs, sorted(mapped - theirs)
    for name in ("aten::conv2d", "aten::convolution", "aten::relu", "aten::max_pool2d",
                 "aten::max_pool2d_with_indices", "aten::linear", "aten::t", "aten::addmm",
                 "aten::cross_entropy_loss", "forward", "autograd::engine::evaluate_function: AddmmBackward0",
                 "AddmmBackward0", "ConvolutionBackward0", "torch::autograd::AccumulateGrad"):
        assert name in mapped, name


def test_inference_fast_paths_are_recorded(torch):
    # F.linear, conv2d, max_pool2d and relu skip the ops when nothing needs a gradient: still one event each.
    def names(lib):
        lib.manual_seed(0)
        model = _cnn(lib)
        x = lib.randn(2, 1, 8, 8)
        with lib.no_grad(), lib.profiler.profile() as prof:
            model(x)
            lib.nn.functional.relu(x)
        return [n for n in _names(prof.events()) if n in ("aten::conv2d", "aten::relu", "aten::max_pool2d",
                                                           "aten::linear")]

    assert names(ember) == names(torch) == ["aten::conv2d", "aten::relu", "aten::max_pool2d", "aten::linear",
                                            "aten::relu"]


def test_nesting_matches_torch_where_ember_has_the_ops(torch):
    def tree(lib):
        prof = _profile_step(lib)
        # (not aten::t: PyTorch's AddmmBackward0 runs it too, ember's computes with NumPy)
        keep = {"forward", "aten::conv2d", "aten::convolution", "aten::linear", "aten::addmm",
                "aten::max_pool2d", "aten::max_pool2d_with_indices", "AddmmBackward0", "ConvolutionBackward0",
                "autograd::engine::evaluate_function: AddmmBackward0",
                "autograd::engine::evaluate_function: ConvolutionBackward0"}

        def parent(e):
            p = e.cpu_parent
            while p is not None and p.name not in keep:
                p = p.cpu_parent
            return None if p is None else p.name

        return [(e.name, parent(e)) for e in prof.events() if e.name in keep]

    assert tree(ember) == tree(torch)
    assert {e.cpu_parent.name for e in _profile_step(ember).events() if e.name == "aten::t"} == {"aten::linear"}


def test_nesting_invariants_and_footer():
    prof = _profile_step(ember)
    events = prof.events()
    _walk_invariants(events)
    top = {e.name for e in events if e.cpu_parent is None}
    assert "forward" in top and "aten::conv2d" not in top
    fwd = next(e for e in events if e.name == "forward")
    assert {c.name for c in fwd.cpu_children} >= {"aten::conv2d", "aten::relu", "aten::max_pool2d", "aten::linear"}
    total = prof.key_averages().self_cpu_time_total
    assert total == pytest.approx(events.self_cpu_time_total)
    table = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=5)
    assert table.endswith(f"Self CPU time total: {eutil._format_time(total)}\n")
    assert table.count("\n") == 3 + 5 + 2
    evaluate = [e for e in events if e.name.startswith("autograd::engine::evaluate_function: ")]
    assert evaluate and all([c.name for c in e.cpu_children] == [e.name.split(": ", 1)[1]] for e in evaluate)
    assert all(e.cpu_children[0].scope == 1 and e.scope == 0 for e in evaluate)


def test_header_lines_match_torch(torch):
    for kw, avg in ((dict(), {}), (dict(memory=True), {}), (dict(shapes=True), {"group_by_input_shape": True})):
        ours = _profile_step(ember, **kw).key_averages(**avg).table(row_limit=3).split("\n")
        theirs = _profile_step(torch, **kw).key_averages(**avg).table(row_limit=3).split("\n")
        heads = [re.split(r"\s{2,}", line.strip()) for line in (ours[1], theirs[1])]
        assert heads[0] == heads[1]
        if not avg:  # the name column is 55 wide in both (long backward names), the others 12
            assert ours[:3] == theirs[:3]
        assert ours[-3] == ours[2] and theirs[-3] == theirs[2]
        assert ours[-3].startswith("-" * 55 + "  ") and ours[-2].startswith("Self CPU time total: ")


def test_top_level_only_and_stack_grouping():
    prof = _profile_step(ember, with_stack=True)
    table = prof.key_averages().table(top_level_events_only=True)
    assert "This report only display top-level ops statistics" in table
    assert "aten::conv2d" not in table and "forward" in table
    grouped = prof.key_averages(group_by_stack_n=2)
    assert all(len(e.stack) <= 2 for e in grouped)
    assert "Source Location" in grouped.table() and "Source Location" not in prof.key_averages().table()
    # The frames are the user's and ember's nn/optim/utils ones (Python in PyTorch too), innermost first.
    conv = next(e for e in prof.events() if e.name == "aten::conv2d")
    assert "ember/nn/modules/conv.py" in conv.stack[0] and any(__file__ in s for s in conv.stack)
    assert not any("ember/_ops" in s or "ember/autograd" in s for e in prof.events() for s in e.stack)

    x = ember.ones(2)
    with profile(with_stack=True) as prof:
        for _ in range(3):
            x.exp()
        x.exp()
    rows = [(e.key, e.count) for e in prof.key_averages(group_by_stack_n=1)]
    assert rows == [("aten::exp", 3), ("aten::exp", 1)]
    assert [(e.key, e.count) for e in prof.key_averages()] == [("aten::exp", 4)]


def test_profile_memory_bytes_as_torch(torch):
    def mem(lib):
        lib.manual_seed(0)
        model = _mlp(lib)
        x = lib.randn(5, 8)
        with lib.profiler.profile(profile_memory=True) as prof:
            y = model(x)
            s = y.sum()
            v = y.t()
        rows = {e.key: (e.cpu_memory_usage, e.count) for e in prof.key_averages()}
        return {k: rows[k] for k in ("aten::linear", "aten::relu", "aten::sum", "aten::t")}, y, s, v

    ours, theirs = mem(ember), mem(torch)
    assert ours[0] == theirs[0]
    y, s = ours[1], ours[2]
    assert ours[0]["aten::linear"][0] == 5 * 16 * 4 + y.nbytes == 400
    assert ours[0]["aten::sum"][0] == s.nbytes == 4
    assert ours[0]["aten::t"][0] == 0  # a view allocates nothing
    # The memory columns appear with profile_memory only.
    assert "CPU Mem" not in _profile_step(ember).key_averages().table()
    assert "Self CPU Mem" in _profile_step(ember, memory=True).key_averages().table()


def test_memory_totals_include_children():
    prof = _profile_step(ember, memory=True)
    for e in prof.events():
        assert e.cpu_memory_usage == sum(c.cpu_memory_usage for c in e.cpu_children) + e.self_cpu_memory_usage
        assert e.self_cpu_memory_usage >= 0
    conv = next(e for e in prof.events() if e.name == "aten::convolution")
    assert conv.cpu_memory_usage == 2 * 4 * 6 * 6 * 4
    backward = next(e for e in prof.events() if e.name == "AddmmBackward0")
    assert backward.cpu_memory_usage > 0


def test_input_shapes_as_torch(torch):
    def shapes(lib):
        lib.manual_seed(0)
        with lib.profiler.profile(record_shapes=True) as prof:
            lib.nn.functional.linear(lib.randn(5, 8, requires_grad=True), lib.randn(16, 8), lib.randn(16))
            lib.ones(3, 4).sum()
        rows = prof.key_averages(group_by_input_shape=True)
        return {e.key: e.input_shapes for e in rows if e.key in ("aten::linear", "aten::sum")}

    ours, theirs = shapes(ember), shapes(torch)
    assert ours["aten::linear"] == theirs["aten::linear"] == [[5, 8], [16, 8], [16]]
    assert ours["aten::sum"][0] == theirs["aten::sum"][0] == [3, 4]  # (PyTorch adds [] for its dtype argument)
    assert all(e.input_shapes == [] for e in _profile_step(ember).events())


def test_flops_as_torch(torch):
    def flops(lib):
        lib.manual_seed(0)
        model = lib.nn.Sequential(lib.nn.Conv2d(2, 4, 3), lib.nn.Flatten(), lib.nn.Linear(144, 5))
        with lib.profiler.profile(with_flops=True) as prof:
            model(lib.randn(3, 2, 8, 8))
        rows = {e.key: e.flops for e in prof.key_averages()}
        return {k: rows[k] for k in ("aten::conv2d", "aten::addmm")}, prof

    ours, theirs = flops(ember), flops(torch)
    assert ours[0] == theirs[0] == {"aten::conv2d": 15552, "aten::addmm": 4320}
    for prof in (ours[1], theirs[1]):
        head = re.split(r"\s{2,}", prof.key_averages().table().split("\n")[1].strip())
        assert re.fullmatch("Total [KMGTP]?FLOPs", head[-1])
    assert "Total KFLOPs" in ours[1].key_averages().table()  # scaled by the smallest count, 4320


def test_backward_events_sequence_numbers():
    x = ember.randn(3, requires_grad=True)
    with profile() as prof:
        (x * 2).sum().backward()
    ev = {e.name: e for e in prof.events()}
    assert ev["aten::mul"].sequence_nr == ev["MulBackward0"].sequence_nr >= 0
    assert ev["aten::sum"].sequence_nr == ev["SumBackward0"].sequence_nr != ev["aten::mul"].sequence_nr
    assert ev["MulBackward0"].scope == 1 and ev["aten::mul"].scope == 0 and ev["MulBackward0"].fwd_thread == 1
    assert ev["autograd::engine::evaluate_function: MulBackward0"].sequence_nr == ev["MulBackward0"].sequence_nr


def test_custom_function_and_double_backward_as_torch(torch):
    def tree(lib):
        class Twice(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2

        x = lib.ones(3, requires_grad=True)
        with lib.profiler.profile() as prof:
            Twice.apply(x).sum().backward()
        keep = ("Twice", "TwiceBackward", "autograd::engine::evaluate_function: TwiceBackward", "aten::mul")
        return [(e.name, e.cpu_parent and e.cpu_parent.name) for e in prof.events() if e.name in keep]

    assert tree(ember) == tree(torch)
    x = ember.randn(3, requires_grad=True)
    with profile() as prof:
        (g,) = ember.autograd.grad((x ** 3).sum(), x, create_graph=True)
        g.sum().backward()
    names = _names(prof.events())
    assert names.count("PowBackward0") == 2  # once per backward pass
    _walk_invariants(prof.events())


def test_optimizer_and_dataloader_events(torch):
    def names(lib):
        model = lib.nn.Linear(3, 2)
        opt = lib.optim.SGD(model.parameters(), lr=0.1)
        data = lib.utils.data.TensorDataset(lib.randn(4, 3))
        with lib.profiler.profile() as prof:
            for (batch,) in lib.utils.data.DataLoader(data, batch_size=2):
                model(batch).sum().backward()
                opt.step()
                opt.zero_grad()
        return [n for n in _names(prof.events()) if n.startswith(("Optimizer", "enumerate"))]

    ours, theirs = names(ember), names(torch)
    strip = [n.split("#")[0] if n.startswith("enumerate") else n for n in ours]
    assert strip == [n.split("#")[0] if n.startswith("enumerate") else n for n in theirs]
    assert "Optimizer.step#SGD.step" in ours and "Optimizer.zero_grad#SGD.zero_grad" in ours


def test_record_function_context_and_decorator(torch):
    def tree(lib):
        @lib.profiler.record_function("decorated")
        def f(x):
            return x * 2

        with lib.profiler.profile() as prof:
            f(lib.ones(2))
            with lib.profiler.record_function("block", "note") as rf:
                lib.ones(2).exp()
                f(lib.ones(2))
            assert rf.name == "block" and rf.args == "note"
            f(lib.ones(2))
        keep = ("decorated", "block", "aten::mul", "aten::exp")
        return [(e.name, e.cpu_parent and e.cpu_parent.name) for e in prof.events() if e.name in keep]

    assert tree(ember) == tree(torch)
    with record_function("outside a profiler"):  # nothing to record: no error
        ember.ones(2).exp()
    same_error(_raises(lambda: record_function("x").__exit__(None, None, None)),
               _raises(lambda: torch.profiler.record_function("x").__exit__(None, None, None)))


def test_record_function_recursion_nests():
    @record_function("fib")
    def fib(n):
        return ember.ones(1) if n < 2 else fib(n - 1) + fib(n - 2)

    with profile() as prof:
        fib(3)
    fibs = [e for e in prof.events() if e.name == "fib"]
    assert len(fibs) == 5
    assert sum(e.cpu_parent is None for e in fibs) == 1


def test_other_threads_are_recorded():
    with profile() as prof:
        ember.ones(2).exp()
        th = threading.Thread(target=lambda: ember.ones(2).sin())
        th.start()
        th.join()
    threads = {e.name: e.thread for e in prof.events()}
    assert threads["aten::exp"] == 1 and threads["aten::sin"] == 2


# ----------------------------------------------------------------------------------------------------------
# exports


def test_export_chrome_trace_is_valid_json(tmp_path, torch):
    prof = _profile_step(ember, memory=True, shapes=True)
    path = str(tmp_path / "trace.json")
    prof.export_chrome_trace(path)
    with open(path) as f:
        doc = json.load(f)
    tprof = _profile_step(torch)
    tpath = str(tmp_path / "torch.json")
    tprof.export_chrome_trace(tpath)
    with open(tpath) as f:
        tdoc = json.load(f)
    assert {"schemaVersion", "traceEvents", "traceName", "displayTimeUnit"} <= set(doc) & set(tdoc)
    ops = [e for e in doc["traceEvents"] if e["ph"] == "X"]
    assert [e["name"] for e in ops] == [e.trace_name for e in prof.events()]
    for e, ev in zip(ops, prof.events()):
        assert e["dur"] == pytest.approx(ev.cpu_time_total, abs=1e-3)
        assert e["cat"] == ("user_annotation" if ev.name == "forward" else "cpu_op")
        assert set(e) == {"ph", "cat", "name", "pid", "tid", "ts", "dur", "args"}
    assert {e["cat"] for e in tdoc["traceEvents"] if e["ph"] == "X" and e["name"] == "forward"} == {"user_annotation"}
    conv = next(e for e in ops if e["name"] == "aten::conv2d")
    assert conv["args"]["Input Dims"][:3] == [[2, 1, 8, 8], [4, 1, 3, 3], [4]]
    assert conv["args"]["Input type"][:3] == ["float", "float", "float"]
    flows = [e for e in doc["traceEvents"] if e["ph"] in "sf"]
    assert flows and {e["cat"] for e in flows} == {"fwdbwd"}
    memory = [e for e in doc["traceEvents"] if e.get("name") == "[memory]"]
    assert sum(e["args"]["Bytes"] for e in memory) == sum(e.self_cpu_memory_usage for e in prof.events())
    gz = str(tmp_path / "trace.json.gz")
    prof.export_chrome_trace(gz)
    with gzip.open(gz, "rt") as f:
        assert json.load(f)["traceEvents"] == doc["traceEvents"]
    events_path = str(tmp_path / "events.json")
    prof.events().export_chrome_trace(events_path)
    with open(events_path) as f:
        assert [e["name"] for e in json.load(f)] == [e.trace_name for e in prof.events()]


def test_tensorboard_trace_handler_files(tmp_path, torch):
    def run(lib, out, **kw):
        handler = lib.profiler.tensorboard_trace_handler(str(out), **kw)
        x = lib.ones(2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with lib.profiler.profile(schedule=lib.profiler.schedule(wait=0, warmup=1, active=1, repeat=2),
                                      on_trace_ready=handler) as p:
                for _ in range(5):
                    x.exp()
                    p.step()
        return sorted(os.listdir(out))

    for kw, pattern in ((dict(worker_name="w0"), r"w0\.\d+\.pt\.trace\.json"),
                        (dict(use_gzip=True), r".+_\d+\.\d+\.pt\.trace\.json\.gz")):
        ours = run(ember, tmp_path / "ours" / pattern[:2], **kw)
        theirs = run(torch, tmp_path / "theirs" / pattern[:2], **kw)
        assert len(ours) == len(theirs) == 2
        assert all(re.fullmatch(pattern, n) for n in ours + theirs)
    with gzip.open(str(tmp_path / "ours" / ".+" / ours[0]), "rt") as f:
        assert json.load(f)["traceEvents"]
    host_pid = re.fullmatch(r"(.+)\.\d+\.pt\.trace\.json\.gz", ours[0]).group(1)
    assert host_pid.endswith(f"_{os.getpid()}")


def test_export_stacks(tmp_path, torch):
    prof = _profile_step(ember, with_stack=True)
    path = str(tmp_path / "stacks.txt")
    prof.export_stacks(path)
    with open(path) as f:
        lines = f.read().splitlines()
    assert lines
    for line in lines:
        frames, value = line.rsplit(" ", 1)
        assert int(value) > 0 and " " not in frames
    assert any("test_profiler.py" in line for line in lines)
    same_error(_raises(lambda: prof.export_stacks(path, "cpu_time")),
               _raises(lambda: _profile_step(torch, with_stack=True).export_stacks(path, "cpu_time")))

    def no_stack(lib):
        with lib.autograd.profiler.profile() as p:
            lib.ones(2).exp()
        return _raises(lambda: p.export_stacks(path))

    same_error(no_stack(ember), no_stack(torch))


# ----------------------------------------------------------------------------------------------------------
# errors, the legacy API, zero cost when off


def test_not_started_errors_as_torch(torch):
    for call in (lambda p: p.key_averages(), lambda p: p.events(), lambda p: p.export_stacks("x"),
                 lambda p: p.export_chrome_trace("x")):
        same_error(_raises(call, profile()), _raises(call, torch.profiler.profile()))


def test_activities_as_torch(torch):
    ours, theirs = ember.profiler, torch.profiler
    for acts in (lambda m: [m.ProfilerActivity.CPU, m.ProfilerActivity.CPU], lambda m: ["CPU"], lambda m: []):
        same_error(_raises(ours.profile, activities=acts(ours)), _raises(theirs.profile, activities=acts(theirs)))
    same_error(_raises(lambda: ours.profile([ours.ProfilerActivity.CPU])),
               _raises(lambda: theirs.profile([theirs.ProfilerActivity.CPU])))

    def warned(lib, **kw):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            with lib.profiler.profile(**kw):
                lib.ones(2).exp()
        return [(x.category.__name__, str(x.message)) for x in w]

    assert warned(ember, use_cuda=True) == warned(torch, use_cuda=True)
    assert warned(ember, activities=[ours.ProfilerActivity.CPU, ours.ProfilerActivity.CUDA]) == \
        warned(torch, activities=[theirs.ProfilerActivity.CPU, theirs.ProfilerActivity.CUDA])


def test_legacy_profile_as_torch(torch):
    def run(lib):
        ap = lib.autograd.profiler
        out = {}
        p = ap.profile()
        out["before"] = (p.table(), len(p.function_events), p.self_cpu_time_total, repr(p), str(p))
        x = lib.ones(3, requires_grad=True)
        with ap.profile(record_shapes=True) as p:
            out["inside"] = repr(p).replace("ember", "torch")
            (x * 2).sum().backward()
        # (PyTorch's backward nodes run aten ops, ember's NumPy)
        out["names"] = [n for n in _names(p.function_events) if n != "detach" and not n.startswith("aten::")]
        out["type"] = type(p.function_events).__name__
        out["reenter"] = str(_raises(lambda: p.__enter__()))
        with ap.profile(enabled=False) as q:
            out["disabled"] = q
        out["total"] = p.self_cpu_time_total == pytest.approx(p.total_average().self_cpu_time_total)
        out["table"] = p.table().split("\n")[1].split()[:3]
        return out

    ours, theirs = run(ember), run(torch)
    theirs["names"] = [n.replace("torch::", "ember::") for n in theirs["names"]]
    assert ours == theirs

    def warned(lib, **kw):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lib.autograd.profiler.profile(**kw)
        return [(x.category.__name__, str(x.message)) for x in w]

    assert warned(ember, use_cuda=True) == warned(torch, use_cuda=True)
    same_error(_raises(lambda: eprof.profile(use_cpu=False)),
               _raises(lambda: torch.autograd.profiler.profile(use_cpu=False)))


def test_emit_itt_and_nvtx_as_torch(torch):
    def run(lib, name):
        def body():
            with getattr(lib.autograd.profiler, name)():
                lib.ones(2).exp()
        return _raises(body)

    for name in ("emit_itt", "emit_nvtx"):
        ours, theirs = run(ember, name), run(torch, name)
        if theirs is None:
            assert ours is None
        else:
            same_error(ours, theirs)
    itt = eprof.emit_itt()
    with itt:
        same_error(_raises(itt.__enter__), _raises(lambda: _reenter(torch.autograd.profiler.emit_itt())))


def _reenter(cm):
    with cm:
        cm.__enter__()


def test_nothing_is_installed_when_off():
    from ember._ops import Op
    from ember._ops.linalg import Addmm
    from ember.autograd import engine
    from ember.nn import _functional_core, _functional_conv

    before = (Op.run, Addmm.__dict__["backward"], engine._accumulate_leaf, engine._backward_with_graph,
              _functional_core.linear, _functional_conv._conv, ember.nn.functional.relu,
              ember.nn.ReLU.__dict__["_function"].__func__, ember.optim.SGD.__dict__["step"],
              ember.autograd.Function.__dict__["apply"].__func__)
    with profile():
        assert Op.run is not before[0]
        _train_step(ember, _mlp(ember), ember.randn(2, 8), ember.tensor([0, 1]))
    after = (Op.run, Addmm.__dict__["backward"], engine._accumulate_leaf, engine._backward_with_graph,
             _functional_core.linear, _functional_conv._conv, ember.nn.functional.relu,
             ember.nn.ReLU.__dict__["_function"].__func__, ember.optim.SGD.__dict__["step"],
             ember.autograd.Function.__dict__["apply"].__func__)
    assert all(a is b for a, b in zip(before, after))
    assert eprof._active is None and not eprof._saved
    assert "backward" not in Op.__dict__ or Op.__dict__["backward"].__name__ == "backward"


def test_everything_is_put_back_after_an_error_and_late_imports(tmp_path, monkeypatch):
    # A module imported while recording binds the wrapped functions: they are put back when the profile ends,
    # also when the block raises, so that nothing stays wrapped (and slower) afterwards.
    import sys

    from ember._ops import Op
    from ember.nn import _functional_core

    (tmp_path / "late_user_module.py").write_text(
        "import ember\nfrom ember.nn.functional import linear, relu\n"
        "class Act(ember.nn.Module):\n    fn = staticmethod(relu)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "late_user_module", raising=False)
    run, linear, relu = Op.run, _functional_core.linear, ember.nn.functional.relu
    with pytest.raises(ValueError, match="inside"):
        with profile():
            import late_user_module as mod

            assert mod.linear is not linear
            raise ValueError("inside")
    assert Op.run is run and _functional_core.linear is linear and ember.nn.functional.relu is relu
    assert mod.linear is linear and mod.relu is relu and mod.Act.__dict__["fn"].__func__ is relu
    assert eprof._active is None and not eprof._saved and not eprof._originals


def test_inference_flops_as_torch(torch):
    # Under no_grad F.linear's fast path runs no op: its matrix product is counted on aten::linear (PyTorch
    # counts it on the aten::addmm / aten::mm inside), so the totals agree.
    def total(lib, bias, shape):
        lib.manual_seed(0)
        x, w, b = lib.randn(*shape), lib.randn(5, shape[-1]), lib.randn(5) if bias else None
        with lib.no_grad(), lib.profiler.profile(with_flops=True) as prof:
            lib.nn.functional.linear(x, w, b)
        return sum(e.flops for e in prof.events() if e.flops)

    for bias in (True, False):
        for shape in ((3, 4), (2, 3, 4), (4,)):
            assert total(ember, bias, shape) == total(torch, bias, shape) > 0


def test_results_do_not_change_under_profiling():
    ember.manual_seed(0)
    model = _cnn(ember)
    x, t = ember.randn(2, 1, 8, 8), ember.tensor([1, 3])
    loss = _train_step(ember, model, x, t)
    grads = [p.grad.numpy().copy() for p in model.parameters()]
    model.zero_grad()
    with profile(record_shapes=True, profile_memory=True, with_stack=True, with_flops=True):
        loss2 = _train_step(ember, model, x, t)
    assert loss2.item() == loss.item()
    for g, p in zip(grads, model.parameters()):
        np.testing.assert_array_equal(g, p.grad.numpy())


def test_op_name_rule():
    def derive(cls_name, grad_name, **attrs):
        return eprof._derive_name(type(cls_name, (), attrs), grad_name)

    assert derive("MaxPool", "MaxPool2DWithIndicesBackward0") == "aten::max_pool2d_with_indices"
    assert derive("Transpose", "TBackward0") == "aten::t"
    assert derive("Cast", "ToCopyBackward0") == "aten::_to_copy"
    assert derive("Log1p", "Log1PBackward0") == "aten::log1p"
    assert derive("SmoothL1Loss", "SmoothL1LossBackward0") == "aten::smooth_l1_loss"
    assert derive("CrossMapLrn2d", "CrossMapLRN2dBackward") == "CrossMapLRN2d"  # a Python Function in PyTorch
    assert derive("Heaviside", "NotImplemented") == "aten::heaviside"
    assert derive("LdlSolve", "NotImplemented", aten_name="linalg_ldl_solve") == "aten::linalg_ldl_solve"
    assert derive("LSTMLayer", "MkldnnRnnLayerBackward0") == "ember::lstm_layer"
    assert derive("_CopySlices", "CopySlices") == "ember::copy_slices"
    assert derive("Diagonal", "DiagonalBackward0_copy") == "aten::diagonal"


def test_op_names_are_aten_ops(torch):
    # Every name the rule gives an ember op is a real PyTorch op (or an ember:: one).
    import importlib
    import pkgutil

    from ember import _ops

    for mod in pkgutil.iter_modules(_ops.__path__):
        if not mod.name.startswith("_"):
            importlib.import_module("ember._ops." + mod.name)
    known = {n.split(".")[0] for n in torch._C._dispatch_get_all_op_names()}
    bad = []
    for cls in eprof._subclasses(_ops.Op):
        if not cls.__module__.startswith("ember.") or "_op_class" in cls.__dict__:
            continue  # ops that tests define; node classes named after grad_fn names (their op class is checked)
        name = eprof._derive_name(cls, cls.grad_name)
        if name.startswith("aten::") and name not in known:
            bad.append((cls.__name__, name))
    assert not bad
