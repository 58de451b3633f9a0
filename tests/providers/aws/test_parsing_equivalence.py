"""The fast JSON-protocol parser gives what botocore's own parser gives."""

from __future__ import annotations

import base64
import json
from typing import Any

import botocore.session
import pytest
from aiobotocore.parsers import AioJSONParser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from providers.aws.clients import iso_timestamp, session_for
from providers.aws.parsing import FastJSONParser, ParserFactory
from tests.providers.aws.conftest import AwsSandbox

OPERATIONS = [
    ("logs", "GetLogEvents"),
    ("logs", "DescribeLogStreams"),
    ("ecs", "DescribeServices"),
    ("ecs", "DescribeTasks"),
    ("ecs", "ListTasks"),
    ("ecs", "DescribeTaskDefinition"),
]
_MODELS = botocore.session.get_session()


def output_shape(service: str, operation: str) -> Any:
    return _MODELS.get_service_model(service).operation_model(operation).output_shape


_SCALARS: dict[str, st.SearchStrategy[Any]] = {
    "integer": st.integers(-(2**31), 2**31),
    "long": st.integers(-(2**53), 2**53),
    "double": st.floats(allow_nan=False),
    "float": st.floats(allow_nan=False),
    "boolean": st.booleans(),
    "timestamp": st.integers(0, 2**31).map(float) | st.just("2026-01-01T00:00:00Z"),
    "blob": st.binary(max_size=6).map(lambda raw: base64.b64encode(raw).decode()),
}


def body_for(shape: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """Any JSON botocore could be handed for `shape`: members missing, null or unknown."""
    kind = shape.type_name
    if kind == "structure":
        if depth > 6:
            return st.just({})
        members = {
            member.serialization.get("name", name): st.none() | body_for(member, depth + 1)
            for name, member in shape.members.items()
        }
        extra = st.dictionaries(st.sampled_from(["unknown", "__type"]), st.text(max_size=3))
        return st.tuples(st.fixed_dictionaries({}, optional=members), extra).map(
            lambda parts: {**parts[1], **parts[0]}
        )
    if kind == "list":
        return st.lists(body_for(shape.member, depth + 1), max_size=3)
    if kind == "map":
        return st.dictionaries(st.text(max_size=4), body_for(shape.value, depth + 1), max_size=2)
    return _SCALARS.get(kind, st.text(max_size=8))


def parsers() -> tuple[Any, Any]:
    stock = AioJSONParser(timestamp_parser=iso_timestamp)
    fast = FastJSONParser(timestamp_parser=iso_timestamp)
    return stock, fast


async def both(shape: Any, body: Any) -> tuple[Any, Any]:
    stock, fast = parsers()
    response = {"status_code": 200, "headers": {}, "body": json.dumps(body).encode()}
    return await stock.parse(dict(response), shape), await fast.parse(dict(response), shape)


@pytest.mark.parametrize(("service", "operation"), OPERATIONS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
async def test_any_answer_parses_as_botocore_parses_it(
    service: str, operation: str, data: st.DataObject
) -> None:
    shape = output_shape(service, operation)
    stock, fast = await both(shape, data.draw(body_for(shape)))
    assert fast == stock
    assert repr(fast) == repr(stock)  # same types and key order


def test_other_protocols_keep_botocores_parsers() -> None:
    factory = ParserFactory()
    assert isinstance(factory.create_parser("json"), FastJSONParser)
    assert not isinstance(factory.create_parser("query"), FastJSONParser)


@pytest.mark.asyncio(loop_scope="module")
class TestMotoAnswers:
    """The sandbox's moto answers, read by the provider's clients and by stock ones."""

    async def test_same_answers_as_a_stock_client(self, aws: AwsSandbox) -> None:
        endpoint = aws.provider.clients.settings.aws_endpoint_url
        stock_session = session_for(None, isolated=True)
        factory = stock_session._session.get_component("response_parser_factory")
        factory.set_parser_defaults(timestamp_parser=iso_timestamp)
        keys = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
        calls = 0
        async with (
            stock_session.client("ecs", "us-east-1", endpoint_url=endpoint, **keys) as ecs,
            stock_session.client("logs", "us-east-1", endpoint_url=endpoint, **keys) as logs,
        ):
            fast_ecs = await aws.provider.clients.client("ecs", "us-east-1")
            fast_logs = await aws.provider.clients.client("logs", "us-east-1")

            async def compare(stock: Any, fast: Any, method: str, **params: Any) -> Any:
                nonlocal calls
                old = await getattr(stock, method)(**params)
                new = await getattr(fast, method)(**params)
                old.pop("ResponseMetadata")
                new.pop("ResponseMetadata")
                assert new == old
                calls += 1
                return new

            services = ["checkout-api", "billing-api", "inventory-svc", "notifications-worker"]
            described = await compare(
                ecs, fast_ecs, "describe_services", cluster="prod", services=services
            )
            for service in described["services"]:
                await compare(
                    ecs,
                    fast_ecs,
                    "describe_task_definition",
                    taskDefinition=service["taskDefinition"],
                )
                for status in ("RUNNING", "STOPPED"):
                    listed = await compare(
                        ecs,
                        fast_ecs,
                        "list_tasks",
                        cluster="prod",
                        serviceName=service["serviceName"],
                        desiredStatus=status,
                    )
                    if listed["taskArns"]:
                        await compare(
                            ecs,
                            fast_ecs,
                            "describe_tasks",
                            cluster="prod",
                            tasks=listed["taskArns"],
                        )
            events = 0
            for group in (await compare(logs, fast_logs, "describe_log_groups"))["logGroups"]:
                name = group["logGroupName"]
                streams = await compare(logs, fast_logs, "describe_log_streams", logGroupName=name)
                for stream in streams["logStreams"][:5]:
                    answer = await compare(
                        logs,
                        fast_logs,
                        "get_log_events",
                        logGroupName=name,
                        logStreamName=stream["logStreamName"],
                    )
                    events += len(answer["events"])
        assert calls > 20
        assert events > 50
