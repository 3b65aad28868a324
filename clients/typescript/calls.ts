// Posts to every decision endpoint through openapi-fetch, typed by the openapi-typescript types
// made from the served document, and checks each answer through those types: v1 and v2, preset
// and global, with and without explain, and a 422 problem read from the typed `error`.
// scripts/clients.sh generates ./schema.d.ts, type-checks this file with tsc --strict, and runs it:
//
//   node calls.js http://127.0.0.1:PORT   (the token in DECIDER_TOKEN)
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

type Schemas = components["schemas"];
type Action = Schemas["ActionV2"];

// The IDs of examples/*.json.
const small = "0196a3b2-8f4e-7c1d-9a2b-3c4d5e6f7a8b";
const outdated = "3c1d9f0e-6b2a-4d8c-8e7f-5a4b3c2d1e0f";
const gpu = "b7a6c5d4-e3f2-4a1b-9c8d-7e6f5a4b3c2d";
const oldest = "5b0c2f5e-7d53-4a4e-9d3c-1f2e3d4c5b6a";
const younger = "9e8d7c6b-5a49-4382-a716-0f1e2d3c4b5a";
const orphan = "2f3e4d5c-6b7a-4899-aabb-ccddeeff0011";
const noon = "2025-06-02T12:00:00Z";
const monday = "2025-06-02T16:00:00Z";

let failures = 0;
let calls = 0;

/** Records a failed expectation without stopping, so one run shows every failure. */
function check(what: string, got: unknown, want: unknown): void {
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    failures++;
    console.log(`FAIL ${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  }
}

/** The typed 200 answer of a call, or stop. */
function answer<T>(what: string, result: { data?: T; error?: unknown; response: Response }): T {
  calls++;
  if (result.data === undefined) {
    console.log(`FAIL ${what}: ${result.response.status} ${JSON.stringify(result.error)}`);
    process.exit(1);
  }
  return result.data;
}

function running(id: string, preset: string, ready: boolean, created_at: string): Schemas["RunningPrebuild"] {
  return { id, current_preset_id: preset, ready, created_at };
}

/** examples/preset-snapshot.json: 2 running (1 ready), 1 stopping, 3 wanted. */
function presetSnapshot(): Schemas["PresetSnapshot"] {
  return {
    preset: { id: small, name: "small", using_active_version: true, deleted: false, deprecated: false, desired_instances: 3 },
    running: [
      running(oldest, small, true, "2025-06-02T10:15:00Z"),
      running(younger, small, false, "2025-06-02T11:40:00.25Z"),
    ],
    in_progress: [{ preset_id: small, transition: "stop", count: 1 }],
    backoff: null,
  };
}

/** examples/global-snapshot.json: one preset to grow, one outdated, one backing off. */
function globalSnapshot(): Schemas["GlobalSnapshot"] {
  return {
    presets: [
      { id: small, using_active_version: true, deleted: false, deprecated: false, desired_instances: 3 },
      { id: outdated, using_active_version: false, deleted: false, deprecated: false, desired_instances: 3 },
      { id: gpu, using_active_version: true, deleted: false, deprecated: false, desired_instances: 1 },
    ],
    running: [running(oldest, small, true, "2025-06-02T10:15:00Z"), running(orphan, outdated, true, "2025-06-01T08:00:00Z")],
    in_progress: [{ preset_id: small, transition: "start", count: 1 }],
    backoffs: [{ preset_id: gpu, num_failed: 2, last_build_at: "2025-06-02T11:59:00Z" }],
  };
}

/** examples/v2-preset-snapshot.json: a TTL, an invalidation, two schedules. */
function presetSnapshotV2(): Schemas["PresetSnapshotV2"] {
  return {
    preset: {
      id: small,
      using_active_version: true,
      deleted: false,
      deprecated: false,
      desired_instances: 1,
      ttl: 86400,
      last_invalidated_at: "2025-06-01T00:00:00Z",
      scheduling_timezone: "America/Los_Angeles",
    },
    running: [running(oldest, small, true, "2025-05-31T20:00:00Z"), running(younger, small, true, "2025-06-02T15:30:00Z")],
    in_progress: [{ preset_id: small, transition: "start", count: 1 }],
    schedules: [
      { cron_expression: "* 9-13 * * 1-5", desired_instances: 3 },
      { cron_expression: "* 14-18 * * 1-5", desired_instances: 2 },
    ],
    pending_count: 0,
    is_hard_limited: false,
  };
}

/** examples/v2-global-snapshot.json: a scheduled preset and an outdated one with pending jobs. */
function globalSnapshotV2(): Schemas["GlobalSnapshotV2"] {
  return {
    presets: [
      {
        id: small,
        using_active_version: true,
        deleted: false,
        deprecated: false,
        desired_instances: 1,
        ttl: 86400,
        scheduling_timezone: "America/Los_Angeles",
      },
      { id: outdated, using_active_version: false, deleted: false, deprecated: false, desired_instances: 3 },
    ],
    running: [running(oldest, small, true, "2025-06-02T15:30:00Z"), running(orphan, outdated, true, "2025-06-01T08:00:00Z")],
    schedules: [{ preset_id: small, cron_expression: "* 9-13 * * 1-5", desired_instances: 3 }],
    pending: [{ preset_id: outdated, count: 2 }],
  };
}

/** An action as `create 1`, `delete [id]`, `backoff until T`, `cancel_pending 2`, narrowed by its tag. */
function describe(action: Action): string {
  switch (action.action_type) {
    case "create":
      return `create ${action.create}`;
    case "delete":
      return `delete [${action.delete_ids.join(" ")}]`;
    case "backoff":
      return `backoff until ${action.backoff_until}`;
    case "cancel_pending":
      return `cancel_pending ${action.count}`;
    default: {
      const unknown: never = action;
      return `unknown action ${JSON.stringify(unknown)}`;
    }
  }
}

function rules(steps: Schemas["ExplanationStep"][] | null | undefined): string[] {
  return (steps ?? []).map((step) => step.rule);
}

async function main(): Promise<void> {
  const client = createClient<paths>({
    baseUrl: process.argv[2] ?? "",
    headers: { Authorization: `Bearer ${process.env.DECIDER_TOKEN ?? ""}` },
  });

  const state = answer("v1 state", await client.POST("/v1/presets/state", { body: presetSnapshot() }));
  check("v1 state", [state.actual, state.desired, state.eligible, state.stopping], [2, 3, 1, 1]);

  for (const explain of [false, true]) {
    const actions = answer(
      "v1 actions",
      await client.POST("/v1/presets/actions", {
        params: { query: { now: noon, backoff_interval: "90s", explain } },
        body: presetSnapshot(),
      }),
    );
    check("v1 actions", describe(actions.actions), "create 1");
    check("v1 actions interval", actions.backoff_interval, "1m30s");
    check("v1 actions explained", rules(actions.explanation).length > 0, explain);
  }

  for (const explain of [false, true]) {
    const decision = answer(
      "v1 reconcile",
      await client.POST("/v1/presets/reconcile", { params: { query: { now: noon, explain } }, body: presetSnapshot() }),
    );
    check("v1 reconcile preset", decision.preset_id, small);
    check("v1 reconcile action", describe(decision.actions), "create 1");
    check("v1 reconcile stopping", decision.state.stopping, 1);
    check("v1 reconcile evaluated_at", decision.evaluated_at, noon);
    check("v1 reconcile interval", decision.backoff_interval, "1m0s");
    check("v1 reconcile explanation", rules(decision.explanation), explain ? ["backoff", "active", "create"] : []);
    check("v1 reconcile explanation absent", "explanation" in decision, explain);
  }

  for (const explain of [false, true]) {
    const decisions = answer(
      "v1 global",
      await client.POST("/v1/global/reconcile", { params: { query: { now: noon, explain } }, body: globalSnapshot() }),
    );
    check(
      "v1 global",
      decisions.decisions.map((d) => `${d.preset_id}: ${describe(d.actions)}`),
      [`${small}: create 1`, `${outdated}: delete [${orphan}]`, `${gpu}: backoff until 2025-06-02T12:01:00Z`],
    );
    check("v1 global explained", decisions.decisions.map((d) => rules(d.explanation).length > 0), [explain, explain, explain]);
  }

  for (const explain of [false, true]) {
    const decision = answer(
      "v2 reconcile",
      await client.POST("/v2/presets/reconcile", { params: { query: { now: monday, explain } }, body: presetSnapshotV2() }),
    );
    check("v2 reconcile actions", decision.actions.map(describe), [`delete [${oldest}]`, "create 1"]);
    check("v2 reconcile expired", decision.state.expired, 1);
    check("v2 reconcile target", decision.state.scheduled_target, 3);
    const source: Schemas["TargetSource"] = decision.state.target_source;
    check("v2 reconcile source", source, "schedule");
    check("v2 reconcile schedule_error", decision.state.schedule_error, null);
    check("v2 reconcile can_skip", decision.can_skip, false);
    check("v2 reconcile explained", rules(decision.explanation).length > 0, explain);
  }

  for (const explain of [false, true]) {
    const decisions = answer(
      "v2 global",
      await client.POST("/v2/global/reconcile", { params: { query: { now: monday, explain } }, body: globalSnapshotV2() }),
    );
    check(
      "v2 global",
      decisions.decisions.map((d) => [d.preset_id, ...d.actions.map(describe)]),
      [
        [small, "create 2"],
        [outdated, "cancel_pending 2", `delete [${orphan}]`],
      ],
    );
    check("v2 global explained", decisions.decisions.map((d) => rules(d.explanation).length > 0), [explain, explain]);
  }

  // A 422 and its pointer, read from the typed error, on v1 and v2.
  const twice = presetSnapshot();
  twice.running = [running(oldest, small, true, "2025-06-02T10:15:00Z"), running(oldest, small, false, "2025-06-02T11:40:00.25Z")];
  const v1 = await client.POST("/v1/presets/reconcile", { body: twice });
  calls++;
  check("v1 422 status", v1.response.status, 422);
  check("v1 422 problem status", v1.error?.status, 422);
  check("v1 422 type", v1.error?.type, "urn:prebuild-decider:problem:invalid-body");
  check("v1 422 pointer", v1.error?.errors?.[0]?.pointer, "/running/1/id");

  const twiceV2 = { ...presetSnapshotV2(), running: twice.running };
  const v2 = await client.POST("/v2/presets/reconcile", { body: twiceV2 });
  calls++;
  check("v2 422 pointer", v2.error?.errors?.[0]?.pointer, "/running/1/id");

  if (failures > 0) {
    console.log(`typescript client: ${calls} calls, ${failures} failed checks`);
    process.exit(1);
  }
  console.log(`typescript client: ${calls} calls, every answer as expected`);
}

await main();
