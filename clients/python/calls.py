"""Posts to every decision endpoint through the Python client openapi-python-client makes from
the served document, and checks each answer through the generated models: v1 and v2, preset and
global, with and without explain, and a 422 problem read from the typed error answer. The
operations take an AuthenticatedClient (the document lists an optional bearer token): the token
is DECIDER_TOKEN.
scripts/clients.sh generates the client as the package `prebuild_decider_client`, type-checks
this file with mypy --strict, and runs it:

    python calls.py http://127.0.0.1:PORT
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from prebuild_decider_client import AuthenticatedClient
from prebuild_decider_client.api.decisions import (
    global_reconcile,
    preset_actions,
    preset_reconcile,
    preset_state,
)
from prebuild_decider_client.api.v2 import v2_global_reconcile, v2_preset_reconcile
from prebuild_decider_client.models import (
    ActionsResponse,
    Backoff,
    BackoffAction,
    CancelPendingAction,
    CreateAction,
    Decision,
    DecisionV2,
    DeleteAction,
    ExplanationStep,
    GlobalDecision,
    GlobalDecisionV2,
    GlobalSnapshot,
    GlobalSnapshotV2,
    InProgressCount,
    PendingRow,
    Preset,
    PresetSnapshot,
    PresetSnapshotV2,
    PresetV2,
    Problem,
    ReconciliationState,
    RunningPrebuild,
    Schedule,
    TargetSource,
    Transition,
)
from prebuild_decider_client.types import UNSET, Response

# The IDs of examples/*.json.
SMALL = UUID("0196a3b2-8f4e-7c1d-9a2b-3c4d5e6f7a8b")
OUTDATED = UUID("3c1d9f0e-6b2a-4d8c-8e7f-5a4b3c2d1e0f")
GPU = UUID("b7a6c5d4-e3f2-4a1b-9c8d-7e6f5a4b3c2d")
OLDEST = UUID("5b0c2f5e-7d53-4a4e-9d3c-1f2e3d4c5b6a")
YOUNGER = UUID("9e8d7c6b-5a49-4382-a716-0f1e2d3c4b5a")
ORPHAN = UUID("2f3e4d5c-6b7a-4899-aabb-ccddeeff0011")

NOON = datetime.fromisoformat("2025-06-02T12:00:00+00:00")
MONDAY = datetime.fromisoformat("2025-06-02T16:00:00+00:00")

failures = 0
calls = 0

T = TypeVar("T")


def check(what: str, got: object, want: object) -> None:
    """Records a failed expectation without stopping, so one run shows every failure."""
    global failures
    if got != want:
        failures += 1
        print(f"FAIL {what}: got {got!r}, want {want!r}")


def answer(what: str, response: Response[T | Problem], kind: type[T]) -> T:
    """The typed 200 answer of a call, or stop."""
    global calls
    calls += 1
    if response.status_code != 200 or not isinstance(response.parsed, kind):
        sys.exit(f"FAIL {what}: {response.status_code} {response.content!r}")
    return response.parsed


def problem(what: str, response: Response[T | Problem]) -> Problem:
    """The typed problem of a failed call, or stop."""
    global calls
    calls += 1
    if not isinstance(response.parsed, Problem):
        sys.exit(f"FAIL {what}: want a Problem, got {response.status_code} {response.content!r}")
    return response.parsed


def at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def running(id: UUID, preset: UUID, ready: bool, created_at: str) -> RunningPrebuild:
    return RunningPrebuild(id=id, ready=ready, created_at=at(created_at), current_preset_id=preset)


def preset_snapshot() -> PresetSnapshot:
    """examples/preset-snapshot.json: 2 running (1 ready), 1 stopping, 3 wanted."""
    return PresetSnapshot(
        preset=Preset(
            id=SMALL,
            using_active_version=True,
            deleted=False,
            deprecated=False,
            desired_instances=3,
            name="small",
        ),
        running=[
            running(OLDEST, SMALL, True, "2025-06-02T10:15:00Z"),
            running(YOUNGER, SMALL, False, "2025-06-02T11:40:00.25Z"),
        ],
        in_progress=[InProgressCount(transition=Transition.STOP, count=1, preset_id=SMALL)],
        backoff=None,
    )


def global_snapshot() -> GlobalSnapshot:
    """examples/global-snapshot.json: one preset to grow, one outdated, one backing off."""
    return GlobalSnapshot(
        presets=[
            Preset(id=SMALL, using_active_version=True, deleted=False, deprecated=False, desired_instances=3),
            Preset(id=OUTDATED, using_active_version=False, deleted=False, deprecated=False, desired_instances=3),
            Preset(id=GPU, using_active_version=True, deleted=False, deprecated=False, desired_instances=1),
        ],
        running=[
            running(OLDEST, SMALL, True, "2025-06-02T10:15:00Z"),
            running(ORPHAN, OUTDATED, True, "2025-06-01T08:00:00Z"),
        ],
        in_progress=[InProgressCount(transition=Transition.START, count=1, preset_id=SMALL)],
        backoffs=[Backoff(num_failed=2, last_build_at=at("2025-06-02T11:59:00Z"), preset_id=GPU)],
    )


def preset_snapshot_v2() -> PresetSnapshotV2:
    """examples/v2-preset-snapshot.json: a TTL, an invalidation, two schedules."""
    return PresetSnapshotV2(
        preset=PresetV2(
            id=SMALL,
            using_active_version=True,
            deleted=False,
            deprecated=False,
            desired_instances=1,
            ttl=86400,
            last_invalidated_at=at("2025-06-01T00:00:00Z"),
            scheduling_timezone="America/Los_Angeles",
        ),
        running=[
            running(OLDEST, SMALL, True, "2025-05-31T20:00:00Z"),
            running(YOUNGER, SMALL, True, "2025-06-02T15:30:00Z"),
        ],
        in_progress=[InProgressCount(transition=Transition.START, count=1, preset_id=SMALL)],
        schedules=[
            Schedule(cron_expression="* 9-13 * * 1-5", desired_instances=3),
            Schedule(cron_expression="* 14-18 * * 1-5", desired_instances=2),
        ],
        pending_count=0,
        is_hard_limited=False,
    )


def global_snapshot_v2() -> GlobalSnapshotV2:
    """examples/v2-global-snapshot.json: a scheduled preset and an outdated one with pending jobs."""
    return GlobalSnapshotV2(
        presets=[
            PresetV2(
                id=SMALL,
                using_active_version=True,
                deleted=False,
                deprecated=False,
                desired_instances=1,
                ttl=86400,
                scheduling_timezone="America/Los_Angeles",
            ),
            PresetV2(id=OUTDATED, using_active_version=False, deleted=False, deprecated=False, desired_instances=3),
        ],
        running=[
            running(OLDEST, SMALL, True, "2025-06-02T15:30:00Z"),
            running(ORPHAN, OUTDATED, True, "2025-06-01T08:00:00Z"),
        ],
        schedules=[Schedule(cron_expression="* 9-13 * * 1-5", desired_instances=3, preset_id=SMALL)],
        pending=[PendingRow(count=2, preset_id=OUTDATED)],
    )


def describe(action: CreateAction | DeleteAction | BackoffAction | CancelPendingAction) -> str:
    """An action as `create 1`, `delete [id]`, `backoff until T`, `cancel_pending 2`."""
    if isinstance(action, CreateAction):
        return f"create {action.create}"
    if isinstance(action, DeleteAction):
        return f"delete {[str(id) for id in action.delete_ids]}"
    if isinstance(action, BackoffAction):
        return f"backoff until {action.backoff_until.isoformat()}"
    return f"cancel_pending {action.count}"


def explained(steps: list[ExplanationStep] | None | object) -> bool:
    return isinstance(steps, list) and len(steps) > 0


def main() -> None:
    client = AuthenticatedClient(
        base_url=sys.argv[1], token=os.environ.get("DECIDER_TOKEN", ""), raise_on_unexpected_status=True
    )

    state = answer("v1 state", preset_state.sync_detailed(client=client, body=preset_snapshot()), ReconciliationState)
    check("v1 state", (state.actual, state.desired, state.eligible, state.stopping), (2, 3, 1, 1))

    for explain in (False, True):
        actions = answer(
            "v1 actions",
            preset_actions.sync_detailed(
                client=client, body=preset_snapshot(), now=NOON, backoff_interval="90s", explain=explain
            ),
            ActionsResponse,
        )
        check("v1 actions", describe(actions.actions), "create 1")
        check("v1 actions interval", actions.backoff_interval, "1m30s")
        check("v1 actions explained", explained(actions.explanation), explain)

    for explain in (False, True):
        decision = answer(
            "v1 reconcile",
            preset_reconcile.sync_detailed(client=client, body=preset_snapshot(), now=NOON, explain=explain),
            Decision,
        )
        check("v1 reconcile preset", decision.preset_id, SMALL)
        check("v1 reconcile action", describe(decision.actions), "create 1")
        check("v1 reconcile stopping", decision.state.stopping, 1)
        check("v1 reconcile evaluated_at", decision.evaluated_at, NOON)
        check("v1 reconcile interval", decision.backoff_interval, "1m0s")
        if explain:
            rules = [step.rule for step in decision.explanation] if isinstance(decision.explanation, list) else []
            check("v1 reconcile explanation", rules, ["backoff", "active", "create"])
        else:
            check("v1 reconcile explanation", decision.explanation, UNSET)

    for explain in (False, True):
        global_decision = answer(
            "v1 global",
            global_reconcile.sync_detailed(client=client, body=global_snapshot(), now=NOON, explain=explain),
            GlobalDecision,
        )
        check(
            "v1 global",
            [(d.preset_id, describe(d.actions)) for d in global_decision.decisions],
            [
                (SMALL, "create 1"),
                (OUTDATED, f"delete {[str(ORPHAN)]}"),
                (GPU, "backoff until 2025-06-02T12:01:00+00:00"),
            ],
        )
        check("v1 global explained", [explained(d.explanation) for d in global_decision.decisions], [explain] * 3)

    for explain in (False, True):
        decision_v2 = answer(
            "v2 reconcile",
            v2_preset_reconcile.sync_detailed(client=client, body=preset_snapshot_v2(), now=MONDAY, explain=explain),
            DecisionV2,
        )
        check("v2 reconcile actions", [describe(a) for a in decision_v2.actions], [f"delete {[str(OLDEST)]}", "create 1"])
        check("v2 reconcile expired", decision_v2.state.expired, 1)
        check("v2 reconcile target", decision_v2.state.scheduled_target, 3)
        check("v2 reconcile source", decision_v2.state.target_source, TargetSource.SCHEDULE)
        check("v2 reconcile schedule_error", decision_v2.state.schedule_error, None)
        check("v2 reconcile can_skip", decision_v2.can_skip, False)
        check("v2 reconcile explained", explained(decision_v2.explanation), explain)

    for explain in (False, True):
        global_v2 = answer(
            "v2 global",
            v2_global_reconcile.sync_detailed(client=client, body=global_snapshot_v2(), now=MONDAY, explain=explain),
            GlobalDecisionV2,
        )
        check(
            "v2 global",
            [[d.preset_id, *[describe(a) for a in d.actions]] for d in global_v2.decisions],
            [[SMALL, "create 2"], [OUTDATED, "cancel_pending 2", f"delete {[str(ORPHAN)]}"]],
        )
        check("v2 global explained", [explained(d.explanation) for d in global_v2.decisions], [explain] * 2)

    # A 422 and its pointer, read from the typed error answer, on v1 and v2.
    twice = preset_snapshot()
    assert isinstance(twice.running, list)
    twice.running[1].id = OLDEST
    response = preset_reconcile.sync_detailed(client=client, body=twice)
    check("v1 422 status", response.status_code, 422)
    found = problem("v1 422", response)
    check("v1 422 problem status", found.status, 422)
    check("v1 422 type", found.type_, "urn:prebuild-decider:problem:invalid-body")
    check("v1 422 pointer", found.errors[0].pointer if found.errors else None, "/running/1/id")

    twice_v2 = preset_snapshot_v2()
    assert isinstance(twice_v2.running, list)
    twice_v2.running[1].id = OLDEST
    found = problem("v2 422", v2_preset_reconcile.sync_detailed(client=client, body=twice_v2))
    check("v2 422 pointer", found.errors[0].pointer if found.errors else None, "/running/1/id")

    if failures:
        sys.exit(f"python client: {calls} calls, {failures} failed checks")
    print(f"python client: {calls} calls, every answer as expected")


if __name__ == "__main__":
    main()
