// Package database: stand-ins for the row types coderd/prebuilds reads (fields as in queries.sql.go / models.go).
package database

import (
	"database/sql"
	"time"

	"github.com/google/uuid"
)

type WorkspaceTransition string

const (
	WorkspaceTransitionStart  WorkspaceTransition = "start"
	WorkspaceTransitionStop   WorkspaceTransition = "stop"
	WorkspaceTransitionDelete WorkspaceTransition = "delete"
)

type PrebuildStatus string

const (
	PrebuildStatusHealthy          PrebuildStatus = "healthy"
	PrebuildStatusHardLimited      PrebuildStatus = "hard_limited"
	PrebuildStatusValidationFailed PrebuildStatus = "validation_failed"
)

type GetTemplatePresetsWithPrebuildsRow struct {
	TemplateID          uuid.UUID
	TemplateName        string
	OrganizationID      uuid.UUID
	OrganizationName    string
	TemplateVersionID   uuid.UUID
	TemplateVersionName string
	UsingActiveVersion  bool
	ID                  uuid.UUID
	Name                string
	DesiredInstances    sql.NullInt32
	SchedulingTimezone  string
	Ttl                 sql.NullInt32
	PrebuildStatus      PrebuildStatus
	LastInvalidatedAt   sql.NullTime
	Deleted             bool
	Deprecated          bool
}

type TemplateVersionPresetPrebuildSchedule struct {
	ID               uuid.UUID
	PresetID         uuid.UUID
	CronExpression   string
	DesiredInstances int32
}

type GetRunningPrebuiltWorkspacesRow struct {
	ID                uuid.UUID
	Name              string
	TemplateID        uuid.UUID
	TemplateVersionID uuid.UUID
	CurrentPresetID   uuid.NullUUID
	Ready             bool
	CreatedAt         time.Time
}

type CountInProgressPrebuildsRow struct {
	TemplateID        uuid.UUID
	TemplateVersionID uuid.UUID
	Transition        WorkspaceTransition
	Count             int32
	PresetID          uuid.NullUUID
}

type CountPendingNonActivePrebuildsRow struct {
	PresetID uuid.NullUUID
	Count    int32
}

type GetPresetsBackoffRow struct {
	TemplateVersionID uuid.UUID
	PresetID          uuid.UUID
	NumFailed         int32
	LastBuildAt       time.Time
}

type GetPresetsAtFailureLimitRow struct {
	TemplateVersionID uuid.UUID
	PresetID          uuid.UUID
}
