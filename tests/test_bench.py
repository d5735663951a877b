"""The side-by-side benchmark's plumbing (never its timings: speed is measured by hand, not in tests)."""

import ember
from ember import bench


def test_run_workload_sizes_rounds_and_reports_both_libraries(torch):
    res = bench.run_workload("lenet_infer", ember, torch, rounds=2, steps=None, warmup=1, round_seconds=0.005)
    assert res["workload"] == "lenet_infer" and res["goal"] == 3.0
    assert res["torch_ms"] > 0 and res["ember_ms"] > 0
    assert abs(res["ratio"] - res["torch_ms"] / res["ember_ms"]) < 0.01 * res["ratio"] + 1e-3
    # auto-sized rounds: at least 10 steps, at most 1000
    assert 10 <= res["steps_per_round"] <= 1000 and res["rounds"] == 2
    fixed = bench.run_workload("mlp_train", ember, torch, rounds=1, steps=3, warmup=1)
    assert fixed["steps_per_round"] == 3


def test_markdown_table_lists_every_result(torch):
    results = [bench.run_workload("lenet_infer", ember, torch, rounds=1, steps=2, warmup=1)]
    meta = {"ember": ember.__version__, "torch": torch.__version__, "numpy": "x", "python": "3", "cpu": "cpu",
            "threads": 1}
    text = bench.markdown(results, meta)
    assert "| LeNet-5 inference, batch 1 |" in text and ">= 3.0" in text
    assert text.splitlines()[2] == "| workload | torch | ember | torch/ember | goal |"


def test_help_lists_the_workloads_in_plain_text(capsys):
    import pytest
    with pytest.raises(SystemExit) as info:
        bench.main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "`" not in out
    for name in (*bench.WORKLOADS, "import", "rss"):
        assert f"  {name} " in out
