"""Property tests of the HTTP API against its own OpenAPI document (schemathesis, in
process over ASGI, on a temporary SQLite database holding the sample files): for a key of
each role, no request gets a 5xx, and every response (status, content type, headers,
body) is one the document declares. Bounded: a few dozen examples per operation."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from conftest import SAMPLES
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from edi_gateway.app import create_app
from edi_gateway.config import Settings
from edi_gateway.db import make_engine, make_sessionmaker, upgrade
from edi_gateway.partners.service import create_partner
from edi_gateway.submissions.ingest import ingest_paths

#: partner name -> (role, interchange ids): the sample files' senders and receivers
PARTNERS = {
    "ops": ("ops", []),
    "gphp": ("plan", ["GPHP1EDI"]),
    "clinic": ("provider", ["SUBMITTER9856"]),
    "billing-house": ("clearinghouse", ["SUBMITTER5862"]),
    "dhcs": ("plan", ["MCALENROLL"]),
}
FILES = {
    "clinic": SAMPLES / "837p" / "837p_valid_basic.x12",
    "gphp": SAMPLES / "835" / "835_valid_basic.x12",
    "dhcs": SAMPLES / "834" / "834_valid_basic.x12",
}
ROLES = ("ops", "gphp", "clinic", "billing-house")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


async def _populate(settings: Settings) -> dict[str, str]:
    engine = make_engine(settings.effective_database_url)
    sessionmaker = make_sessionmaker(engine)
    keys = {}
    try:
        for name, (role, ids) in PARTNERS.items():
            async with sessionmaker() as s, s.begin():
                _, keys[name] = await create_partner(s, name, role, ids, None)
        for name, path in FILES.items():
            await ingest_paths(sessionmaker, settings, [path], name)
    finally:
        await engine.dispose()
    return keys


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, dict[str, str]]:
    tmp: Path = tmp_path_factory.mktemp("schemathesis")
    url = f"sqlite+aiosqlite:///{tmp / 'edi.sqlite'}"
    upgrade(url)
    settings = Settings(
        data_dir=tmp / "data",
        database_url=url,
        queue="inprocess",
        max_upload_bytes=1 << 20,
        # schemathesis sends wrong keys on purpose; the limiter has its own tests
        auth_failure_limit=1_000_000,
    )
    keys = asyncio.run(_populate(settings))
    return create_app(settings), keys


@pytest.fixture(scope="module")
def api_schema(world: tuple[Any, dict[str, str]]) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", world[0])


@pytest.fixture(scope="module")
def keys(world: tuple[Any, dict[str, str]]) -> dict[str, str]:
    return world[1]


def _run(operation: Any, mode: GenerationMode, keys: dict[str, str], examples: int) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        deadline=timedelta(seconds=5),
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def check(case: Any) -> None:
        for role in ROLES:
            case.call_and_validate(headers={"Authorization": f"Bearer {keys[role]}"}, checks=CHECKS)

    check()


@pytest.mark.parametrize(
    ("mode", "examples"), [(GenerationMode.POSITIVE, 20), (GenerationMode.NEGATIVE, 10)]
)
def test_every_operation_conforms_for_every_role(
    api_schema: Any, keys: dict[str, str], mode: GenerationMode, examples: int
) -> None:
    failures = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:
        try:
            _run(operation, mode, keys, examples)
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE  # nothing to send that breaks the schema
        except Exception as exc:  # collected, so that one run reports every operation
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
