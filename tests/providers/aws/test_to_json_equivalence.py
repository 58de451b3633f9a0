"""`to_json` gives what the JSON round trip it replaced gave, on any answer and on moto's."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from providers.aws.clients import to_json
from tests.providers.aws.conftest import AwsSandbox


def round_trip(value: Any) -> Any:
    """The previous conversion."""

    def encode(item: Any) -> Any:
        if isinstance(item, datetime | date):
            return item.isoformat()
        if isinstance(item, bytes):
            return item.decode("utf-8", "replace")
        raise TypeError(type(item).__name__)

    return json.loads(json.dumps(value, default=encode))


def same(value: Any) -> None:
    new, old = to_json(value), round_trip(value)
    assert new == old
    assert repr(new) == repr(old)  # same types and key order


_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12)
)
_odd = st.binary(max_size=6) | st.datetimes(timezones=st.just(UTC)) | st.dates()
_answers = st.recursive(
    _scalars | _odd,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        | st.dictionaries(st.integers(-3, 3) | st.booleans() | st.none(), inner, max_size=2)
    ),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(_answers)
def test_any_answer_converts_as_the_round_trip_did(value: Any) -> None:
    same(value)


def test_a_copy_not_the_answer_itself() -> None:
    answer = {"tasks": [{"containers": [{"name": "app"}]}]}
    converted = to_json(answer)
    assert converted == answer
    assert converted is not answer
    assert converted["tasks"] is not answer["tasks"]  # type: ignore[index]


def test_non_finite_numbers_survive() -> None:
    value = {"a": [float("nan"), float("inf"), -float("inf")]}
    assert json.dumps(to_json(value)) == json.dumps(round_trip(value))


CALLS: list[tuple[str, str, dict[str, Any]]] = [
    ("ecs", "list_task_definitions", {}),
    ("logs", "describe_log_groups", {}),
    ("elbv2", "describe_target_groups", {}),
    ("elbv2", "describe_load_balancers", {}),
    ("ec2", "describe_subnets", {}),
    ("ec2", "describe_security_groups", {}),
    ("ec2", "describe_route_tables", {}),
    ("ec2", "describe_vpc_endpoints", {}),
]


@pytest.mark.asyncio(loop_scope="module")
class TestMotoAnswers:
    """Real botocore answers from the sandbox's moto, over its socket."""

    async def client(self, aws: AwsSandbox, service: str) -> Any:
        return await aws.provider.clients.client(service, "us-east-1")

    async def test_ecs_answers(self, aws: AwsSandbox) -> None:
        ecs = await self.client(aws, "ecs")
        for service in ("checkout-api", "billing-api", "inventory-svc", "notifications-worker"):
            answer = await ecs.describe_services(cluster="prod", services=[service])
            same(answer)
            for status in ("RUNNING", "STOPPED"):
                listed = await ecs.list_tasks(
                    cluster="prod", serviceName=service, desiredStatus=status
                )
                same(listed)
                if arns := listed["taskArns"]:
                    same(await ecs.describe_tasks(cluster="prod", tasks=arns[:100]))
            definition = answer["services"][0]["taskDefinition"]
            same(await ecs.describe_task_definition(taskDefinition=definition))

    async def test_log_events(self, aws: AwsSandbox) -> None:
        logs = await self.client(aws, "logs")
        lines = 0
        for group in (await logs.describe_log_groups())["logGroups"]:
            streams = await logs.describe_log_streams(logGroupName=group["logGroupName"])
            same(streams)
            for stream in streams["logStreams"][:5]:
                events = await logs.get_log_events(
                    logGroupName=group["logGroupName"], logStreamName=stream["logStreamName"]
                )
                same(events)
                lines += len(events["events"])
        assert lines > 50  # the scenarios' logs were compared

    @pytest.mark.parametrize(("service", "method", "params"), CALLS)
    async def test_other_answers(
        self, aws: AwsSandbox, service: str, method: str, params: dict[str, Any]
    ) -> None:
        client = await self.client(aws, service)
        same(await getattr(client, method)(**params))
