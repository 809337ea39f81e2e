// A Lambda extension in Go, for images without a shell HTTP client (provided.al2023): built as
// /opt/extensions/go-ext (see tests/remote/test_sidecar.py). It registers for INVOKE and SHUTDOWN and prints
// "go-ext: INVOKE <request id>" and "go-ext: SHUTDOWN <reason>" (then exits).
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
)

type event struct {
	EventType      string `json:"eventType"`
	RequestID      string `json:"requestId"`
	ShutdownReason string `json:"shutdownReason"`
}

func fail(name string, step string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %s: %v\n", name, step, err)
	os.Exit(1)
}

func main() {
	name := filepath.Base(os.Args[0])
	api := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2020-01-01/extension"
	register, _ := http.NewRequest("POST", api+"/register", bytes.NewBufferString(`{"events": ["INVOKE", "SHUTDOWN"]}`))
	register.Header.Set("Lambda-Extension-Name", name)
	response, err := http.DefaultClient.Do(register)
	if err != nil {
		fail(name, "register", err)
	}
	response.Body.Close()
	id := response.Header.Get("Lambda-Extension-Identifier")
	fmt.Println(name + ": REGISTERED")
	for {
		next, _ := http.NewRequest("GET", api+"/event/next", nil)
		next.Header.Set("Lambda-Extension-Identifier", id)
		response, err := http.DefaultClient.Do(next)
		if err != nil {
			fail(name, "next", err)
		}
		var got event
		err = json.NewDecoder(response.Body).Decode(&got)
		response.Body.Close()
		if err != nil {
			fail(name, "event", err)
		}
		if got.EventType == "SHUTDOWN" {
			fmt.Println(name + ": SHUTDOWN " + got.ShutdownReason)
			return
		}
		fmt.Println(name + ": INVOKE " + got.RequestID)
	}
}
