// Command gotime answers, with Go's standard library only, the questions the vector generator
// (../generate.py) asks about Go's time and JSON behaviour:
//
//   - durations:      time.ParseDuration of each string, and Duration.String() of the result;
//   - duration_nanos: Duration.String() of each nanosecond count;
//   - timestamps:     time.Time.UnmarshalJSON of each string (as a JSON string), the instant,
//     the offset, and json.Marshal of the result;
//   - snapshots:      each go-native PresetSnapshot decoded into copies of the seed's row
//     types (tests/seed-oracle/oracle/stubs) and encoded again with json.Marshal, returned as
//     text, so that the generator can check that it stores exactly what Go writes.
//
// Input: one JSON object on stdin with any of those four keys. Output: one JSON object on
// stdout with the same keys, each an array parallel to the input.
package main

import (
	"bytes"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"
)

type request struct {
	Durations     []string          `json:"durations"`
	DurationNanos []int64           `json:"duration_nanos"`
	Timestamps    []string          `json:"timestamps"`
	Snapshots     []json.RawMessage `json:"snapshots"`
}

type durationAnswer struct {
	Input  string  `json:"input"`
	OK     bool    `json:"ok"`
	Nanos  *int64  `json:"nanos,omitempty"`
	String *string `json:"string,omitempty"`
	Error  string  `json:"error,omitempty"`
}

type nanosAnswer struct {
	Nanos  int64  `json:"nanos"`
	String string `json:"string"`
}

type timestampAnswer struct {
	Input         string  `json:"input"`
	OK            bool    `json:"ok"`
	UnixSeconds   *int64  `json:"unix_seconds,omitempty"`
	Nanos         *int    `json:"nanos,omitempty"`
	OffsetSeconds *int    `json:"offset_seconds,omitempty"`
	Marshal       *string `json:"marshal,omitempty"`
	MarshalError  string  `json:"marshal_error,omitempty"`
	Error         string  `json:"error,omitempty"`
}

type response struct {
	Durations     []durationAnswer  `json:"durations"`
	DurationNanos []nanosAnswer     `json:"duration_nanos"`
	Timestamps    []timestampAnswer `json:"timestamps"`
	Snapshots     []string          `json:"snapshots"` // json.Marshal's bytes, as text
}

// UUID mirrors the oracle's stand-in for github.com/google/uuid.
type UUID [16]byte

func (u UUID) String() string {
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func (u UUID) MarshalJSON() ([]byte, error) { return json.Marshal(u.String()) }

func (u *UUID) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	h := strings.ReplaceAll(s, "-", "")
	if len(h) != 32 {
		return fmt.Errorf("invalid UUID %q", s)
	}
	raw, err := hex.DecodeString(h)
	if err != nil {
		return err
	}
	copy(u[:], raw)
	return nil
}

type NullUUID struct {
	UUID  UUID
	Valid bool
}

func (n NullUUID) MarshalJSON() ([]byte, error) {
	if !n.Valid {
		return []byte("null"), nil
	}
	return n.UUID.MarshalJSON()
}

func (n *NullUUID) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = NullUUID{}
		return nil
	}
	n.Valid = true
	return n.UUID.UnmarshalJSON(b)
}

// The seed's row types, field for field and tag for tag (see the oracle's stubs).
type GetTemplatePresetsWithPrebuildsRow struct {
	TemplateID          UUID          `json:"template_id"`
	TemplateName        string        `json:"template_name"`
	OrganizationName    string        `json:"organization_name"`
	TemplateVersionID   UUID          `json:"template_version_id"`
	TemplateVersionName string        `json:"template_version_name"`
	UsingActiveVersion  bool          `json:"using_active_version"`
	ID                  UUID          `json:"id"`
	Name                string        `json:"name"`
	DesiredInstances    sql.NullInt32 `json:"desired_instances"`
	Deleted             bool          `json:"deleted"`
	Deprecated          bool          `json:"deprecated"`
}

type GetRunningPrebuiltWorkspacesRow struct {
	ID                UUID      `json:"id"`
	Name              string    `json:"name"`
	TemplateID        UUID      `json:"template_id"`
	TemplateVersionID UUID      `json:"template_version_id"`
	CurrentPresetID   NullUUID  `json:"current_preset_id"`
	Ready             bool      `json:"ready"`
	CreatedAt         time.Time `json:"created_at"`
}

type CountInProgressPrebuildsRow struct {
	TemplateID        UUID     `json:"template_id"`
	TemplateVersionID UUID     `json:"template_version_id"`
	Transition        string   `json:"transition"`
	Count             int32    `json:"count"`
	PresetID          NullUUID `json:"preset_id"`
}

type GetPresetsBackoffRow struct {
	TemplateVersionID UUID      `json:"template_version_id"`
	PresetID          UUID      `json:"preset_id"`
	NumFailed         int32     `json:"num_failed"`
	LastBuildAt       time.Time `json:"last_build_at"`
}

type PresetSnapshot struct {
	Preset     GetTemplatePresetsWithPrebuildsRow
	Running    []GetRunningPrebuiltWorkspacesRow
	InProgress []CountInProgressPrebuildsRow
	Backoff    *GetPresetsBackoffRow
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "gotime: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	var req request
	dec := json.NewDecoder(os.Stdin)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		fail("bad request: %v", err)
	}
	resp := response{
		Durations:     []durationAnswer{},
		DurationNanos: []nanosAnswer{},
		Timestamps:    []timestampAnswer{},
		Snapshots:     []string{},
	}
	for _, s := range req.Durations {
		a := durationAnswer{Input: s}
		d, err := time.ParseDuration(s)
		if err != nil {
			a.Error = err.Error()
		} else {
			n, str := int64(d), d.String()
			a.OK, a.Nanos, a.String = true, &n, &str
		}
		resp.Durations = append(resp.Durations, a)
	}
	for _, n := range req.DurationNanos {
		resp.DurationNanos = append(resp.DurationNanos, nanosAnswer{n, time.Duration(n).String()})
	}
	for _, s := range req.Timestamps {
		a := timestampAnswer{Input: s}
		var t time.Time
		// Exactly the bytes a JSON document would carry: the string between quotes.
		if err := t.UnmarshalJSON([]byte(`"` + s + `"`)); err != nil {
			a.Error = err.Error()
		} else {
			secs, nanos := t.Unix(), t.Nanosecond()
			_, offset := t.Zone()
			a.OK, a.UnixSeconds, a.Nanos, a.OffsetSeconds = true, &secs, &nanos, &offset
			if b, err := json.Marshal(t); err != nil {
				a.MarshalError = err.Error()
			} else {
				var m string
				if err := json.Unmarshal(b, &m); err != nil {
					fail("json.Marshal(time.Time) gave %s, not a string", b)
				}
				a.Marshal = &m
			}
		}
		resp.Timestamps = append(resp.Timestamps, a)
	}
	for i, raw := range req.Snapshots {
		var snap PresetSnapshot
		d := json.NewDecoder(bytes.NewReader(raw))
		d.DisallowUnknownFields()
		if err := d.Decode(&snap); err != nil {
			fail("snapshot %d: %v", i, err)
		}
		b, err := json.Marshal(snap)
		if err != nil {
			fail("snapshot %d: %v", i, err)
		}
		resp.Snapshots = append(resp.Snapshots, string(b))
	}
	out, err := json.Marshal(resp)
	if err != nil {
		fail("%v", err)
	}
	os.Stdout.Write(out)
	os.Stdout.Write([]byte("\n"))
}
