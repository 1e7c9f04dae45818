import pytest

from qa.core.retrieve import rrf


def test_rrf_rewards_agreement():
    fused = rrf([[1, 2, 3], [3, 1, 4]], k=60)
    assert max(fused, key=fused.get) == 1  # 1st and 2nd beats 3rd and 1st
    assert fused[3] > fused[2]  # in both lists beats in one
    assert fused[4] == pytest.approx(1 / 63)


def test_rrf_weights_and_empty():
    assert rrf([[], []]) == {}
    fused = rrf([[1], [2]], weights=[2.0, 1.0])
    assert fused[1] == pytest.approx(2 * fused[2])
