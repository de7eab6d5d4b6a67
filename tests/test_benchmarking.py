"""The benchmark harness's timer: round-robin order and medians, on a fake clock."""

from nsr_tf.benchmarking import header, interleaved


def test_the_timer_takes_every_call_in_turn_and_reports_medians():
    now, order = [0.0], []
    costs = {"a": [1.0, 9.0, 2.0], "b": [4.0, 4.0, 40.0]}   # a noisy round each
    rounds = {"a": iter(costs["a"]), "b": iter(costs["b"])}

    def call(name):
        def run():
            order.append(name)
            if len(order) > 2:              # after the warm-up calls
                now[0] += next(rounds[name])
        return run

    medians = interleaved({"a": call("a"), "b": call("b")}, rounds=3, warmup=1,
                          clock=lambda: now[0])
    assert order == ["a", "b"] + ["a", "b"] * 3       # warm-up, then round-robin
    assert medians == {"a": 2.0, "b": 4.0}             # the noise of one round is out


def test_every_report_names_the_machine_and_the_commit():
    line = header({"cpu": "AMD EPYC", "simd": "avx2, avx512f", "cores": 2,
                   "versions": {"tensorflow-cpu": "2.21.0"}, "commit": "abc123"})
    assert line == ("Machine: AMD EPYC (avx2, avx512f), 2 cores; tensorflow-cpu 2.21.0; "
                    "commit abc123.")
