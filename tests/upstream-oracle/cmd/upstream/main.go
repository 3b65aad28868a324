// upstream: reads a v2 global snapshot (the project's JSON shape) plus "now" and
// "backoff_interval_ns", runs upstream's GlobalSnapshot/PresetSnapshot code, and prints one
// decision per preset: upstream's state, actions and can-skip, the target at "now", and what
// upstream's reconciler would execute of the actions (its create clamp, hard limit and
// validation-failed skip, repeated from enterprise/coderd/prebuilds/reconcile.go).
package main

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/coder/coder/v2/coderd/database"
	"github.com/coder/coder/v2/coderd/prebuilds"
	"github.com/coder/quartz"
	"github.com/google/uuid"
	"cdr.dev/slog/v3"
)

type presetIn struct {
	ID                 uuid.UUID  `json:"id"`
	UsingActiveVersion bool       `json:"using_active_version"`
	Deleted            bool       `json:"deleted"`
	Deprecated         bool       `json:"deprecated"`
	DesiredInstances   *int32     `json:"desired_instances"`
	Ttl                *int32     `json:"ttl"`
	LastInvalidatedAt  *time.Time `json:"last_invalidated_at"`
	SchedulingTimezone string     `json:"scheduling_timezone"`
	PrebuildStatus     string     `json:"prebuild_status"`
}
type runningIn struct {
	ID              uuid.UUID     `json:"id"`
	CurrentPresetID uuid.NullUUID `json:"current_preset_id"`
	Ready           bool          `json:"ready"`
	CreatedAt       time.Time     `json:"created_at"`
}
type inProgressIn struct {
	PresetID   uuid.NullUUID `json:"preset_id"`
	Transition string        `json:"transition"`
	Count      int32         `json:"count"`
}
type backoffIn struct {
	PresetID    uuid.UUID `json:"preset_id"`
	NumFailed   int32     `json:"num_failed"`
	LastBuildAt time.Time `json:"last_build_at"`
}
type scheduleIn struct {
	PresetID         uuid.UUID `json:"preset_id"`
	CronExpression   string    `json:"cron_expression"`
	DesiredInstances int32     `json:"desired_instances"`
}
type pendingIn struct {
	PresetID uuid.NullUUID `json:"preset_id"`
	Count    int32         `json:"count"`
}
type input struct {
	Name              string         `json:"name"`
	Now               time.Time      `json:"now"`
	BackoffIntervalNs int64          `json:"backoff_interval_ns"`
	Presets           []presetIn     `json:"presets"`
	Running           []runningIn    `json:"running"`
	InProgress        []inProgressIn `json:"in_progress"`
	Backoffs          []backoffIn    `json:"backoffs"`
	Schedules         []scheduleIn   `json:"schedules"`
	Pending           []pendingIn    `json:"pending"`
	HardLimited       []uuid.UUID    `json:"hard_limited"`
}

type actionOut struct {
	ActionType   string      `json:"action_type"`
	Create       int32       `json:"create,omitempty"`
	DeleteIDs    []uuid.UUID `json:"delete_ids,omitempty"`
	BackoffUntil *time.Time  `json:"backoff_until,omitempty"`
}
type decisionOut struct {
	PresetID uuid.UUID                      `json:"preset_id"`
	State    *prebuilds.ReconciliationState `json:"state"`
	Actions  []actionOut                    `json:"actions"`
	CanSkip  bool                           `json:"can_skip"`
	// CalculateDesiredInstances at "now", told for inactive presets too.
	Target int32 `json:"target"`
	// What the enterprise reconciler would execute (hard limit and validation skip applied).
	Executed []actionOut `json:"executed"`
}

var names = map[prebuilds.ActionType]string{
	prebuilds.ActionTypeCreate: "create", prebuilds.ActionTypeDelete: "delete",
	prebuilds.ActionTypeBackoff: "backoff", prebuilds.ActionTypeCancelPending: "cancel_pending",
}

func main() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 64<<20), 64<<20)
	enc := json.NewEncoder(os.Stdout)
	for sc.Scan() {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var in input
		if err := json.Unmarshal(sc.Bytes(), &in); err != nil {
			fmt.Fprintln(os.Stderr, "bad input:", err)
			os.Exit(1)
		}
		var presets []database.GetTemplatePresetsWithPrebuildsRow
		for _, p := range in.Presets {
			row := database.GetTemplatePresetsWithPrebuildsRow{ID: p.ID, UsingActiveVersion: p.UsingActiveVersion,
				Deleted: p.Deleted, Deprecated: p.Deprecated, SchedulingTimezone: p.SchedulingTimezone,
				PrebuildStatus: database.PrebuildStatusHealthy}
			if p.PrebuildStatus != "" {
				row.PrebuildStatus = database.PrebuildStatus(p.PrebuildStatus)
			}
			if p.DesiredInstances != nil {
				row.DesiredInstances = sql.NullInt32{Int32: *p.DesiredInstances, Valid: true}
			}
			if p.Ttl != nil {
				row.Ttl = sql.NullInt32{Int32: *p.Ttl, Valid: true}
			}
			if p.LastInvalidatedAt != nil {
				row.LastInvalidatedAt = sql.NullTime{Time: *p.LastInvalidatedAt, Valid: true}
			}
			presets = append(presets, row)
		}
		var running []database.GetRunningPrebuiltWorkspacesRow
		for _, r := range in.Running {
			running = append(running, database.GetRunningPrebuiltWorkspacesRow{ID: r.ID, CurrentPresetID: r.CurrentPresetID, Ready: r.Ready, CreatedAt: r.CreatedAt})
		}
		var inProgress []database.CountInProgressPrebuildsRow
		for _, r := range in.InProgress {
			inProgress = append(inProgress, database.CountInProgressPrebuildsRow{PresetID: r.PresetID, Transition: database.WorkspaceTransition(r.Transition), Count: r.Count})
		}
		var backoffs []database.GetPresetsBackoffRow
		for _, b := range in.Backoffs {
			backoffs = append(backoffs, database.GetPresetsBackoffRow{PresetID: b.PresetID, NumFailed: b.NumFailed, LastBuildAt: b.LastBuildAt})
		}
		var schedules []database.TemplateVersionPresetPrebuildSchedule
		for _, s := range in.Schedules {
			schedules = append(schedules, database.TemplateVersionPresetPrebuildSchedule{PresetID: s.PresetID, CronExpression: s.CronExpression, DesiredInstances: s.DesiredInstances})
		}
		var pending []database.CountPendingNonActivePrebuildsRow
		for _, p := range in.Pending {
			pending = append(pending, database.CountPendingNonActivePrebuildsRow{PresetID: p.PresetID, Count: p.Count})
		}
		var hard []database.GetPresetsAtFailureLimitRow
		for _, id := range in.HardLimited {
			hard = append(hard, database.GetPresetsAtFailureLimitRow{PresetID: id})
		}
		snap := prebuilds.NewGlobalSnapshot(presets, schedules, running, inProgress, pending, backoffs, hard, quartz.Fixed(in.Now), slog.Logger{})
		var out []decisionOut
		for _, p := range presets {
			ps, err := snap.FilterByPreset(p.ID)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			state := ps.CalculateState()
			actions, err := ps.CalculateActions(time.Duration(in.BackoffIntervalNs))
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			d := decisionOut{PresetID: p.ID, State: state, CanSkip: ps.CanSkipReconciliation(), Actions: []actionOut{}, Executed: []actionOut{},
				Target: ps.CalculateDesiredInstances(in.Now)}
			for _, a := range actions {
				o := actionOut{ActionType: names[a.ActionType], Create: a.Create, DeleteIDs: a.DeleteIDs}
				if !a.BackoffUntil.IsZero() {
					t := a.BackoffUntil
					o.BackoffUntil = &t
				}
				d.Actions = append(d.Actions, o)
				// enterprise reconciler's executeReconciliationAction, create branch
				if !ps.Preset.UsingActiveVersion && a.IsNoop() {
					continue
				}
				if a.ActionType == prebuilds.ActionTypeCreate {
					if desired := ps.CalculateDesiredInstances(in.Now); o.Create > desired {
						o.Create = desired
					}
					if ps.IsHardLimited && o.Create > 0 {
						continue
					}
					if ps.Preset.PrebuildStatus == database.PrebuildStatusValidationFailed && o.Create > 0 {
						continue
					}
				}
				d.Executed = append(d.Executed, o)
			}
			out = append(out, d)
		}
		_ = enc.Encode(map[string]any{"name": in.Name, "decisions": out})
	}
}
