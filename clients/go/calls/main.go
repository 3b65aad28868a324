// Command calls posts to every decision endpoint through the Go client that openapi-generator
// makes from the served document, and checks each answer through the generated types: v1 and
// v2, preset and global, with and without explain, and a 422 problem read through the client's
// error path. scripts/clients.sh builds and runs it:
//
//	calls http://127.0.0.1:PORT   (the token in DECIDER_TOKEN)
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"time"

	"prebuild-decider/clients/go/decider"
)

// The IDs of examples/*.json.
const (
	small    = "0196a3b2-8f4e-7c1d-9a2b-3c4d5e6f7a8b"
	outdated = "3c1d9f0e-6b2a-4d8c-8e7f-5a4b3c2d1e0f"
	gpu      = "b7a6c5d4-e3f2-4a1b-9c8d-7e6f5a4b3c2d"
	oldest   = "5b0c2f5e-7d53-4a4e-9d3c-1f2e3d4c5b6a"
	younger  = "9e8d7c6b-5a49-4382-a716-0f1e2d3c4b5a"
	orphan   = "2f3e4d5c-6b7a-4899-aabb-ccddeeff0011"
)

var failures int

// check records a failed expectation without stopping, so one run shows every failure.
func check(what string, got, want any) {
	if !reflect.DeepEqual(got, want) {
		failures++
		fmt.Printf("FAIL %s: got %#v, want %#v\n", what, got, want)
	}
}

// must stops on an error the call should not have had.
func must(what string, err error) {
	if err != nil {
		fmt.Printf("FAIL %s: %v\n", what, err)
		var apiErr *decider.GenericOpenAPIError
		if errors.As(err, &apiErr) {
			fmt.Printf("  body: %s\n", apiErr.Body())
		}
		os.Exit(1)
	}
}

func at(value string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, value)
	must("parse "+value, err)
	return t
}

func count(n int32) decider.PresetDesiredInstances {
	return decider.Int32AsPresetDesiredInstances(&n)
}

func running(id, presetID string, ready bool, createdAt string) decider.RunningPrebuild {
	row := decider.NewRunningPrebuild(id, ready, at(createdAt))
	row.SetCurrentPresetId(presetID)
	return *row
}

func inProgress(presetID string, transition decider.Transition, n int32) decider.InProgressCount {
	row := decider.NewInProgressCount(transition, n)
	row.SetPresetId(presetID)
	return *row
}

// presetSnapshot is examples/preset-snapshot.json: 2 running (1 ready), 1 stopping, 3 wanted.
func presetSnapshot() decider.PresetSnapshot {
	preset := decider.NewPreset(small, true, false, false)
	preset.SetDesiredInstances(count(3))
	preset.SetName("small")
	snapshot := decider.NewPresetSnapshot(*preset)
	snapshot.SetRunning([]decider.RunningPrebuild{
		running(oldest, small, true, "2025-06-02T10:15:00Z"),
		running(younger, small, false, "2025-06-02T11:40:00.25Z"),
	})
	snapshot.SetInProgress([]decider.InProgressCount{inProgress(small, decider.TRANSITION_STOP, 1)})
	snapshot.SetBackoffNil()
	return *snapshot
}

// globalSnapshot is examples/global-snapshot.json: one preset to grow, one outdated, one backing off.
func globalSnapshot() decider.GlobalSnapshot {
	active := decider.NewPreset(small, true, false, false)
	active.SetDesiredInstances(count(3))
	old := decider.NewPreset(outdated, false, false, false)
	old.SetDesiredInstances(count(3))
	failing := decider.NewPreset(gpu, true, false, false)
	failing.SetDesiredInstances(count(1))
	snapshot := decider.NewGlobalSnapshot([]decider.Preset{*active, *old, *failing})
	snapshot.SetRunning([]decider.RunningPrebuild{
		running(oldest, small, true, "2025-06-02T10:15:00Z"),
		running(orphan, outdated, true, "2025-06-01T08:00:00Z"),
	})
	snapshot.SetInProgress([]decider.InProgressCount{inProgress(small, decider.TRANSITION_START, 1)})
	backoff := decider.NewBackoff(2, at("2025-06-02T11:59:00Z"))
	backoff.SetPresetId(gpu)
	snapshot.SetBackoffs([]decider.Backoff{*backoff})
	return *snapshot
}

// presetSnapshotV2 is examples/v2-preset-snapshot.json: a TTL, an invalidation, two schedules.
func presetSnapshotV2() decider.PresetSnapshotV2 {
	preset := decider.NewPresetV2(small, true, false, false)
	preset.SetDesiredInstances(count(1))
	preset.SetTtl(86400)
	preset.SetLastInvalidatedAt(at("2025-06-01T00:00:00Z"))
	preset.SetSchedulingTimezone("America/Los_Angeles")
	snapshot := decider.NewPresetSnapshotV2(*preset)
	snapshot.SetRunning([]decider.RunningPrebuild{
		running(oldest, small, true, "2025-05-31T20:00:00Z"),
		running(younger, small, true, "2025-06-02T15:30:00Z"),
	})
	snapshot.SetInProgress([]decider.InProgressCount{inProgress(small, decider.TRANSITION_START, 1)})
	snapshot.SetSchedules([]decider.Schedule{
		*decider.NewSchedule("* 9-13 * * 1-5", 3),
		*decider.NewSchedule("* 14-18 * * 1-5", 2),
	})
	snapshot.SetPendingCount(0)
	snapshot.SetIsHardLimited(false)
	return *snapshot
}

// globalSnapshotV2 is examples/v2-global-snapshot.json: a scheduled preset and an outdated one
// with pending jobs.
func globalSnapshotV2() decider.GlobalSnapshotV2 {
	active := decider.NewPresetV2(small, true, false, false)
	active.SetDesiredInstances(count(1))
	active.SetTtl(86400)
	active.SetSchedulingTimezone("America/Los_Angeles")
	old := decider.NewPresetV2(outdated, false, false, false)
	old.SetDesiredInstances(count(3))
	snapshot := decider.NewGlobalSnapshotV2([]decider.PresetV2{*active, *old})
	snapshot.SetRunning([]decider.RunningPrebuild{
		running(oldest, small, true, "2025-06-02T15:30:00Z"),
		running(orphan, outdated, true, "2025-06-01T08:00:00Z"),
	})
	schedule := decider.NewSchedule("* 9-13 * * 1-5", 3)
	schedule.SetPresetId(small)
	snapshot.SetSchedules([]decider.Schedule{*schedule})
	pending := decider.NewPendingRow(2)
	pending.SetPresetId(outdated)
	snapshot.SetPending([]decider.PendingRow{*pending})
	return *snapshot
}

// describe writes an action as `create 1`, `delete [id]`, `backoff until T`, `cancel_pending 2`,
// read through the generated union's variants.
func describe(action any) string {
	switch a := action.(type) {
	case *decider.CreateAction:
		return fmt.Sprintf("create %d", a.GetCreate())
	case *decider.DeleteAction:
		return fmt.Sprintf("delete %v", a.GetDeleteIds())
	case *decider.BackoffAction:
		return "backoff until " + a.GetBackoffUntil().UTC().Format(time.RFC3339Nano)
	case *decider.CancelPendingAction:
		return fmt.Sprintf("cancel_pending %d", a.GetCount())
	}
	return fmt.Sprintf("unknown action %#v", action)
}

func describeAll(actions []decider.ActionV2) []string {
	out := []string{}
	for _, action := range actions {
		out = append(out, describe(action.GetActualInstance()))
	}
	return out
}

func rules(steps []decider.ExplanationStep) []string {
	out := []string{}
	for _, step := range steps {
		out = append(out, step.GetRule())
	}
	return out
}

// problem reads the RFC 9457 problem of a failed call through the client's error type.
func problem(what string, err error) decider.Problem {
	var apiErr *decider.GenericOpenAPIError
	if !errors.As(err, &apiErr) {
		fmt.Printf("FAIL %s: want a *GenericOpenAPIError, got %v\n", what, err)
		os.Exit(1)
	}
	p, ok := apiErr.Model().(decider.Problem)
	if !ok {
		fmt.Printf("FAIL %s: the error's model is %T, not a Problem\n", what, apiErr.Model())
		os.Exit(1)
	}
	return p
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: calls BASE_URL")
		os.Exit(2)
	}
	cfg := decider.NewConfiguration()
	cfg.Servers = decider.ServerConfigurations{{URL: os.Args[1]}}
	client := decider.NewAPIClient(cfg)
	ctx := context.WithValue(context.Background(), decider.ContextAccessToken, os.Getenv("DECIDER_TOKEN"))
	noon := at("2025-06-02T12:00:00Z")
	calls := 0

	// v1: the state alone.
	state, _, err := client.DecisionsAPI.PresetState(ctx).PresetSnapshot(presetSnapshot()).Execute()
	must("v1 state", err)
	calls++
	check("v1 state", *state, decider.ReconciliationState{
		Actual: 2, Desired: 3, Eligible: 1, Stopping: 1,
		AdditionalProperties: state.AdditionalProperties,
	})

	// v1: the action alone, with a custom interval, without and with explain.
	for _, explain := range []bool{false, true} {
		answer, _, err := client.DecisionsAPI.PresetActions(ctx).PresetSnapshot(presetSnapshot()).
			Now(noon).BackoffInterval("90s").Explain(explain).Execute()
		must("v1 actions", err)
		calls++
		check("v1 actions", describe(answer.Actions.GetActualInstance()), "create 1")
		check("v1 actions interval", answer.GetBackoffInterval(), "1m30s")
		check("v1 actions noop", answer.GetNoop(), false)
		check("v1 actions explained", len(answer.Explanation) > 0, explain)
	}

	// v1: the main call.
	for _, explain := range []bool{false, true} {
		decision, _, err := client.DecisionsAPI.PresetReconcile(ctx).PresetSnapshot(presetSnapshot()).
			Now(noon).Explain(explain).Execute()
		must("v1 reconcile", err)
		calls++
		check("v1 reconcile preset", decision.GetPresetId(), small)
		check("v1 reconcile action", describe(decision.Actions.GetActualInstance()), "create 1")
		check("v1 reconcile state", decision.State.GetStopping(), int32(1))
		check("v1 reconcile evaluated_at", decision.GetEvaluatedAt().Equal(noon), true)
		check("v1 reconcile interval", decision.GetBackoffInterval(), "1m0s")
		check("v1 reconcile decision_id", len(decision.GetDecisionId()), 36)
		if explain {
			check("v1 reconcile explanation", rules(decision.Explanation), []string{"backoff", "active", "create"})
		} else {
			check("v1 reconcile explanation", decision.Explanation == nil, true)
		}
	}

	// v1: every preset at once.
	for _, explain := range []bool{false, true} {
		answer, _, err := client.DecisionsAPI.GlobalReconcile(ctx).GlobalSnapshot(globalSnapshot()).
			Now(noon).Explain(explain).Execute()
		must("v1 global", err)
		calls++
		got := []string{}
		for _, d := range answer.Decisions {
			got = append(got, d.GetPresetId()+": "+describe(d.Actions.GetActualInstance()))
			check("v1 global explained", len(d.Explanation) > 0, explain)
		}
		check("v1 global", got, []string{
			small + ": create 1",
			outdated + ": delete [" + orphan + "]",
			gpu + ": backoff until 2025-06-02T12:01:00Z",
		})
	}

	// v2: one preset at Monday 09:00 in Los Angeles.
	monday := at("2025-06-02T16:00:00Z")
	for _, explain := range []bool{false, true} {
		decision, _, err := client.V2API.V2PresetReconcile(ctx).PresetSnapshotV2(presetSnapshotV2()).
			Now(monday).Explain(explain).Execute()
		must("v2 reconcile", err)
		calls++
		check("v2 reconcile actions", describeAll(decision.Actions), []string{"delete [" + oldest + "]", "create 1"})
		check("v2 reconcile expired", decision.State.GetExpired(), int32(1))
		check("v2 reconcile target", decision.State.GetScheduledTarget(), int32(3))
		check("v2 reconcile source", decision.State.GetTargetSource(), decider.TARGETSOURCE_SCHEDULE)
		check("v2 reconcile schedule_error", decision.State.GetScheduleError(), "")
		check("v2 reconcile counts", decision.State.GetActual(), int32(2))
		check("v2 reconcile can_skip", decision.GetCanSkip(), false)
		check("v2 reconcile explained", len(decision.Explanation) > 0, explain)
	}

	// v2: every preset at once.
	for _, explain := range []bool{false, true} {
		answer, _, err := client.V2API.V2GlobalReconcile(ctx).GlobalSnapshotV2(globalSnapshotV2()).
			Now(monday).Explain(explain).Execute()
		must("v2 global", err)
		calls++
		got := [][]string{}
		for _, d := range answer.Decisions {
			got = append(got, append([]string{d.GetPresetId()}, describeAll(d.Actions)...))
			check("v2 global explained", len(d.Explanation) > 0, explain)
		}
		check("v2 global", got, [][]string{
			{small, "create 2"},
			{outdated, "cancel_pending 2", "delete [" + orphan + "]"},
		})
	}

	// A 422 and its pointer, through the client's error path, on v1 and v2.
	twice := presetSnapshot()
	twice.Running[1].SetId(oldest)
	_, response, err := client.DecisionsAPI.PresetReconcile(ctx).PresetSnapshot(twice).Execute()
	calls++
	p := problem("v1 422", err)
	check("v1 422 status", response.StatusCode, 422)
	check("v1 422 problem status", p.GetStatus(), int32(422))
	check("v1 422 type", p.GetType(), "urn:prebuild-decider:problem:invalid-body")
	check("v1 422 pointer", p.Errors[0].GetPointer(), "/running/1/id")

	twiceV2 := presetSnapshotV2()
	twiceV2.Running[1].SetId(oldest)
	_, _, err = client.V2API.V2PresetReconcile(ctx).PresetSnapshotV2(twiceV2).Execute()
	calls++
	check("v2 422 pointer", problem("v2 422", err).Errors[0].GetPointer(), "/running/1/id")

	if failures > 0 {
		fmt.Printf("go client: %d calls, %d failed checks\n", calls, failures)
		os.Exit(1)
	}
	fmt.Printf("go client: %d calls, every answer as expected\n", calls)
}
