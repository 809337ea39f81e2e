// A Go function for provided.al2023, built as `bootstrap` (see tests/debug/go_function.py).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"example.com/hello/lambda"
)

type event struct {
	Name string `json:"name"`
	Fail bool   `json:"fail"`
	Exit int    `json:"exit"` // the runtime ends with this status, its last words on stderr
}

type greeting struct {
	Message     string `json:"message"`
	RequestID   string `json:"requestId"`
	RemainingMs int64  `json:"remainingMs"`
	Handler     string `json:"handler"`
}

func handle(ctx context.Context, raw json.RawMessage) (interface{}, error) {
	var in event
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, fmt.Errorf("bad event: %w", err)
	}
	if in.Fail {
		return nil, errors.New("asked to fail")
	}
	if in.Exit != 0 {
		fmt.Fprintf(os.Stderr, "exiting with status %d\n", in.Exit)
		os.Exit(in.Exit)
	}
	name := in.Name
	if name == "" {
		name = "world"
	}
	message := "Hello, " + name + "!" // a good line for a breakpoint
	details, _ := lambda.FromContext(ctx)
	fmt.Printf("greeting %s for request %s\n", name, details.RequestID)
	return greeting{
		Message:     message,
		RequestID:   details.RequestID,
		RemainingMs: time.Until(details.Deadline).Milliseconds(),
		Handler:     os.Getenv("_HANDLER"),
	}, nil
}

func main() {
	lambda.Start(handle)
}
