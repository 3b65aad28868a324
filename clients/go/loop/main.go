// Command loop runs one pass of the README's control-plane loop (package controlplane, which
// scripts/clients.sh extracts from the README's "Calling it from code" section) against a
// server, with a store that records what it is asked to do, and checks it:
//
//	loop BASE_URL examples/v2-global-snapshot.json   (the token in DECIDER_TOKEN)
//
// The example's outdated preset cancels its 2 pending jobs and deletes its prebuild; the active
// one, given a failed build 20 seconds ago, backs off (whatever the time of day), so the next
// pass is due when the backoff ends rather than a minute later.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"time"

	"prebuild-decider/clients/go/controlplane"
	"prebuild-decider/clients/go/decider"
)

// recorder is a Store that serves one snapshot and writes down what it is asked to do.
type recorder struct {
	snapshot decider.GlobalSnapshotV2
	done     []string
}

func (r *recorder) Snapshot(context.Context) (decider.GlobalSnapshotV2, error) {
	return r.snapshot, nil
}

func (r *recorder) Create(_ context.Context, presetID string, count int32) error {
	r.done = append(r.done, fmt.Sprintf("create %d for %s", count, presetID))
	return nil
}

func (r *recorder) Delete(_ context.Context, workspaceIDs []string) error {
	r.done = append(r.done, fmt.Sprintf("delete %v", workspaceIDs))
	return nil
}

func (r *recorder) CancelPending(_ context.Context, presetID string, count int32) error {
	r.done = append(r.done, fmt.Sprintf("cancel %d pending for %s", count, presetID))
	return nil
}

func fail(format string, args ...any) {
	fmt.Printf("FAIL control-plane loop: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: loop BASE_URL v2-global-snapshot.json")
		os.Exit(2)
	}
	body, err := os.ReadFile(os.Args[2])
	if err != nil {
		fail("%v", err)
	}
	store := &recorder{}
	if err := json.Unmarshal(body, &store.snapshot); err != nil {
		fail("the example does not read as a GlobalSnapshotV2: %v", err)
	}
	active := store.snapshot.Presets[0].Id
	failedAt := time.Now().Add(-20 * time.Second).UTC()
	backoff := decider.NewBackoff(1, failedAt)
	backoff.SetPresetId(active)
	store.snapshot.SetBackoffs([]decider.Backoff{*backoff})

	cfg := decider.NewConfiguration()
	cfg.Servers = decider.ServerConfigurations{{URL: os.Args[1]}}
	api := decider.NewAPIClient(cfg)
	ctx := context.WithValue(context.Background(), decider.ContextAccessToken, os.Getenv("DECIDER_TOKEN"))

	next, err := controlplane.Reconcile(ctx, api, store, time.Minute)
	if err != nil {
		fail("%v", err)
	}
	want := []string{
		"cancel 2 pending for 3c1d9f0e-6b2a-4d8c-8e7f-5a4b3c2d1e0f",
		"delete [2f3e4d5c-6b7a-4899-aabb-ccddeeff0011]",
	}
	if !reflect.DeepEqual(store.done, want) {
		fail("did %q, want %q", store.done, want)
	}
	// One failure backs off one interval (the server's 1m) from the failed build.
	if until := failedAt.Add(time.Minute); !next.Equal(until) {
		fail("next pass at %v, want the end of the backoff, %v", next, until)
	}
	fmt.Printf("control-plane loop: %d actions applied, next pass when the backoff ends\n", len(store.done))
}
