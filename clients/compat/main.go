// Command compat checks that a Go client generated from the previous release's document
// (openapi-previous.json, with the generator settings the README prescribes) works against this
// server: directly, and through a proxy that adds a field unknown to it to every object of every
// answer, as a later release may. scripts/clients.sh builds and runs it:
//
//	compat BASE_URL REQUESTS_DIR   (the token in DECIDER_TOKEN)
//
// REQUESTS_DIR holds the snapshots that release's control plane sends (requests/): a deployed
// client sends only the fields its own release knew.
//
// It prints one line per failed check and exits 1 if there was one.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"prebuild-decider/clients/compat/decider"
)

// added is the field the proxy adds to every object: a name no release uses, holding an object,
// so a client must skip a nested value, not only a scalar.
const added = "added_in_a_later_release"

// grow adds the field to every object in value, recursively.
func grow(value any) any {
	switch v := value.(type) {
	case map[string]any:
		for key, inner := range v {
			v[key] = grow(inner)
		}
		v[added] = map[string]any{"nested": []any{1, "two", nil}}
	case []any:
		for i, inner := range v {
			v[i] = grow(inner)
		}
	}
	return value
}

// growingProxy forwards to target and adds the field to each JSON answer.
func growingProxy(target *url.URL) *httptest.Server {
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(response *http.Response) error {
		body, err := io.ReadAll(response.Body)
		if err != nil {
			return err
		}
		response.Body.Close()
		var value any
		if json.Unmarshal(body, &value) == nil {
			if body, err = json.Marshal(grow(value)); err != nil {
				return err
			}
		}
		response.Body = io.NopCloser(bytes.NewReader(body))
		response.ContentLength = int64(len(body))
		response.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return nil
	}
	return httptest.NewServer(proxy)
}

var failures int

func check(what string, ok bool, detail ...any) {
	if !ok {
		failures++
		fmt.Printf("FAIL %s %v\n", what, detail)
	}
}

// read decodes an example file into a request type of the generated client.
func read[T any](dir, name string) T {
	var body T
	text, err := os.ReadFile(filepath.Join(dir, name))
	if err == nil {
		err = json.Unmarshal(text, &body)
	}
	if err != nil {
		fmt.Printf("FAIL reading %s into %T: %v\n", name, body, err)
		os.Exit(1)
	}
	return body
}

func kind(action any) string {
	switch action.(type) {
	case *decider.CreateAction:
		return "create"
	case *decider.DeleteAction:
		return "delete"
	case *decider.BackoffAction:
		return "backoff"
	case *decider.CancelPendingAction:
		return "cancel_pending"
	}
	return fmt.Sprintf("%T", action)
}

// run calls every decision endpoint at base and checks what the answers say.
func run(label, base, requests string, grown bool) {
	cfg := decider.NewConfiguration()
	cfg.Servers = decider.ServerConfigurations{{URL: base}}
	client := decider.NewAPIClient(cfg)
	ctx := context.WithValue(context.Background(), decider.ContextAccessToken, os.Getenv("DECIDER_TOKEN"))
	noon := time.Date(2025, 6, 2, 12, 0, 0, 0, time.UTC)
	monday := time.Date(2025, 6, 2, 16, 0, 0, 0, time.UTC)
	preset := read[decider.PresetSnapshot](requests, "preset-snapshot.json")
	global := read[decider.GlobalSnapshot](requests, "global-snapshot.json")
	presetV2 := read[decider.PresetSnapshotV2](requests, "v2-preset-snapshot.json")
	globalV2 := read[decider.GlobalSnapshotV2](requests, "v2-global-snapshot.json")
	what := func(call string) string { return label + ": " + call }

	state, _, err := client.DecisionsAPI.PresetState(ctx).PresetSnapshot(preset).Execute()
	check(what("v1 state"), err == nil && state.Desired == 3, err)
	if err == nil && grown {
		// Read into AdditionalProperties, so written back (without naming that field, which a
		// client generated without the prescribed settings lacks).
		text, _ := json.Marshal(state)
		check(what("v1 state keeps the unknown field"), bytes.Contains(text, []byte(added)), string(text))
	}

	actions, _, err := client.DecisionsAPI.PresetActions(ctx).PresetSnapshot(preset).Now(noon).Explain(true).Execute()
	check(what("v1 actions"), err == nil && kind(actions.Actions.GetActualInstance()) == "create" &&
		len(actions.Explanation) == 3, err)

	decision, _, err := client.DecisionsAPI.PresetReconcile(ctx).PresetSnapshot(preset).Now(noon).Explain(true).Execute()
	check(what("v1 reconcile"), err == nil && decision.Actions.CreateAction.GetCreate() == 1 &&
		decision.State.Stopping == 1 && decision.Explanation[2].Rule == "create", err)

	decisions, _, err := client.DecisionsAPI.GlobalReconcile(ctx).GlobalSnapshot(global).Now(noon).Execute()
	if check(what("v1 global"), err == nil && len(decisions.Decisions) == 3, err); err == nil {
		kinds := []string{}
		for _, d := range decisions.Decisions {
			kinds = append(kinds, kind(d.Actions.GetActualInstance()))
		}
		check(what("v1 global actions"), fmt.Sprint(kinds) == "[create delete backoff]", kinds)
	}

	decisionV2, _, err := client.V2API.V2PresetReconcile(ctx).PresetSnapshotV2(presetV2).Now(monday).Explain(true).Execute()
	check(what("v2 reconcile"), err == nil && len(decisionV2.Actions) == 2 &&
		kind(decisionV2.Actions[0].GetActualInstance()) == "delete" &&
		decisionV2.Actions[1].CreateAction.GetCreate() == 1 &&
		decisionV2.State.TargetSource == decider.TARGETSOURCE_SCHEDULE, err)

	decisionsV2, _, err := client.V2API.V2GlobalReconcile(ctx).GlobalSnapshotV2(globalV2).Now(monday).Execute()
	check(what("v2 global"), err == nil && len(decisionsV2.Decisions) == 2 &&
		kind(decisionsV2.Decisions[1].Actions[0].GetActualInstance()) == "cancel_pending", err)

	preset.Running[1].Id = preset.Running[0].Id
	_, _, err = client.DecisionsAPI.PresetReconcile(ctx).PresetSnapshot(preset).Execute()
	var failed *decider.GenericOpenAPIError
	if check(what("422 as a client error"), errors.As(err, &failed), err); failed != nil {
		problem, ok := failed.Model().(decider.Problem)
		check(what("422 problem"), ok && problem.Status == 422 && len(problem.Errors) == 1 &&
			problem.Errors[0].GetPointer() == "/running/1/id", failed.Model(), string(failed.Body()))
	}
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: compat BASE_URL REQUESTS_DIR")
		os.Exit(2)
	}
	target, err := url.Parse(os.Args[1])
	if err != nil {
		fmt.Println(err)
		os.Exit(2)
	}
	run("the current server", os.Args[1], os.Args[2], false)
	proxy := growingProxy(target)
	defer proxy.Close()
	run("answers with a field added", proxy.URL, os.Args[2], true)
	if failures > 0 {
		fmt.Printf("compat: %d failed checks\n", failures)
		proxy.Close()
		os.Exit(1)
	}
	fmt.Println("compat: the previous release's Go client reads every answer, also with a field added to each object")
}
