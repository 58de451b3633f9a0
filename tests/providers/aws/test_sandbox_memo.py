"""The emulator memo (benchmarks turn it on): repeated reads answered once, faults still apply."""

from __future__ import annotations

from collections.abc import Iterator

import aioboto3
import pytest

from providers.errors import ProviderUnavailable
from providers.sandbox.memo import ResponseMemo
from tests.providers.aws.conftest import AwsSandbox, Collect

in_module_loop = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture
def memo(aws: AwsSandbox) -> Iterator[ResponseMemo]:
    memo = aws.faults.memo
    memo.enabled = True
    memo.clear()
    yield memo
    memo.enabled = False
    memo.clear()


@in_module_loop
async def test_a_repeated_read_is_answered_from_the_memo_with_the_same_evidence(
    aws: AwsSandbox, collect: Collect, memo: ResponseMemo
) -> None:
    first, _ = await collect("checkout-api", "service")
    misses, hits = memo.misses, memo.hits
    assert misses > 0
    assert len(memo) > 0
    calls = aws.faults.total_calls("aws")
    second, _ = await collect("checkout-api", "service")
    assert memo.misses == misses
    assert memo.hits > hits
    assert [(e.kind, e.text) for e in second] == [(e.kind, e.text) for e in first]
    # The platform still "sees" every call: counters and latency are per call.
    assert aws.faults.total_calls("aws") > calls


@in_module_loop
async def test_faults_apply_to_remembered_answers(
    aws: AwsSandbox, collect: Collect, memo: ResponseMemo
) -> None:
    await collect("checkout-api", "service")
    aws.faults.set("aws", "ecs:DescribeServices", down=True)
    with pytest.raises(ProviderUnavailable):
        await collect("checkout-api", "service")


@in_module_loop
async def test_a_write_through_the_proxy_forgets_every_answer(
    aws: AwsSandbox, collect: Collect, memo: ResponseMemo
) -> None:
    await collect("checkout-api", "service")
    assert len(memo) > 0
    session = aioboto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    async with session.client("ecs", endpoint_url=aws.emulator.proxy_url) as ecs:
        await ecs.tag_resource(
            resourceArn=(await ecs.list_clusters())["clusterArns"][0],
            tags=[{"key": "memo", "value": "cleared"}],
        )
    assert len(memo) == 0


def test_a_disabled_memo_keeps_nothing() -> None:
    memo = ResponseMemo()
    memo.put("k", b"answer", 6)
    assert memo.get("k") is None
    assert len(memo) == 0


def test_the_memo_is_bounded_in_bytes() -> None:
    memo = ResponseMemo(enabled=True)
    size = 100 * 1024 * 1024
    for n in range(4):
        memo.put(n, b"", size)
    assert len(memo) == 2  # 256 MiB hold two of 100 MiB
    assert memo.get(0) is None
    assert memo.get(3) == b""


def test_an_answer_computed_across_a_clear_is_not_kept() -> None:
    memo = ResponseMemo(enabled=True)
    started = memo.generation  # a read misses and goes to the platform...
    memo.clear()  # ...a write lands meanwhile...
    memo.put("k", b"old", 3, generation=started)  # ...the read's answer predates it
    assert memo.get("k") is None
    memo.put("k", b"new", 3, generation=memo.generation)
    assert memo.get("k") == b"new"


@in_module_loop
async def test_regions_do_not_share_answers(aws: AwsSandbox, memo: ResponseMemo) -> None:
    """Same request body in two regions: the credential scope keeps their answers apart."""
    session = aioboto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    answers = []
    for region in ("us-east-1", "eu-west-1"):
        async with session.client(
            "ecs", region_name=region, endpoint_url=aws.emulator.proxy_url
        ) as ecs:
            answers.append((await ecs.list_clusters())["clusterArns"])
    assert answers[0]
    assert answers[1] == []
