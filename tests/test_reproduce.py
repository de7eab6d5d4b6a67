"""The ablation harness runs end to end (smoke scale) and writes its table."""

import os

from tests.scripts import load_script



def load():
    return load_script("benchmarks/experiments/reproduce.py")


def test_rows_follow_the_papers_designs():
    reproduce = load()
    scale = reproduce.SCALES["laptop"]
    same_size = reproduce.rows("table2", scale)
    assert [o["sparsity_groups"] * o["width_multiplier"] for _, o, _ in same_size] == \
        [scale.width] * len(same_size)                      # k * w constant: same size
    same_flops = reproduce.rows("table3", scale)
    assert {o["width_multiplier"] for _, o, _ in same_flops} == {scale.width}
    gates = reproduce.rows("table1", scale)
    assert [label for label, _, _ in gates] == list(reproduce.PAPER_TABLE1)
    assert [o["cardinality"] for _, o, _ in reproduce.rows("fig4", scale)] == [1, 4, 16]


def test_smoke_run_writes_a_table(testsets, train_images, tmp_path):
    reproduce = load()
    assert reproduce.main(["--table", "fig4", "--scale", "smoke", "--train-dir",
                           train_images, "--test-dir",
                           os.path.join(testsets, "Set12"), "--out", str(tmp_path),
                           "--work-dir", str(tmp_path / "work")]) == 0
    table = (tmp_path / "fig4.md").read_text()
    assert table.count("| d=") == 3 and "Set12 PSNR" in table
