// Package lambda is a small Lambda runtime client for Go functions on provided.* runtimes, standard library only
// (a stand-in for github.com/aws/aws-lambda-go/lambda, which the tests cannot download). The function is built as
// `bootstrap`; Start polls the Runtime API at $AWS_LAMBDA_RUNTIME_API for events, calls the handler with a context
// carrying the invocation's deadline and request id, and posts what it returns to /response, or an error or a
// panic to /error as {"errorMessage", "errorType"}.
package lambda

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

// Handler is the function: the raw event in, a value to marshal as JSON (or an error) out.
type Handler func(ctx context.Context, event json.RawMessage) (interface{}, error)

// InvocationContext is what Lambda tells the runtime about one invocation.
type InvocationContext struct {
	RequestID          string
	InvokedFunctionArn string
	Deadline           time.Time
}

type contextKey struct{}

// FromContext gives the invocation's details to the handler.
func FromContext(ctx context.Context) (InvocationContext, bool) {
	details, ok := ctx.Value(contextKey{}).(InvocationContext)
	return details, ok
}

type errorResponse struct {
	ErrorMessage string   `json:"errorMessage"`
	ErrorType    string   `json:"errorType"`
	StackTrace   []string `json:"stackTrace,omitempty"`
}

type client struct {
	base string
	http *http.Client
}

// Start serves invocations until the process is stopped; it never returns.
func Start(handler Handler) {
	address := os.Getenv("AWS_LAMBDA_RUNTIME_API")
	if address == "" {
		fmt.Fprintln(os.Stderr, "bootstrap: AWS_LAMBDA_RUNTIME_API is not set")
		os.Exit(1)
	}
	c := &client{base: "http://" + address + "/2018-06-01/runtime", http: &http.Client{}}
	for {
		if err := c.serveOne(handler); err != nil {
			fmt.Fprintf(os.Stderr, "bootstrap: %v\n", err)
			os.Exit(1)
		}
	}
}

func (c *client) serveOne(handler Handler) error {
	response, err := c.http.Get(c.base + "/invocation/next")
	if err != nil {
		return fmt.Errorf("next invocation: %w", err)
	}
	event, err := io.ReadAll(response.Body)
	response.Body.Close()
	if err != nil || response.StatusCode != http.StatusOK {
		return fmt.Errorf("next invocation: status %d, %v", response.StatusCode, err)
	}
	details := InvocationContext{
		RequestID:          response.Header.Get("Lambda-Runtime-Aws-Request-Id"),
		InvokedFunctionArn: response.Header.Get("Lambda-Runtime-Invoked-Function-Arn"),
	}
	ctx := context.Background()
	if ms, err := strconv.ParseInt(response.Header.Get("Lambda-Runtime-Deadline-Ms"), 10, 64); err == nil {
		details.Deadline = time.UnixMilli(ms)
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, details.Deadline)
		defer cancel()
	}
	ctx = context.WithValue(ctx, contextKey{}, details)
	if trace := response.Header.Get("Lambda-Runtime-Trace-Id"); trace != "" {
		os.Setenv("_X_AMZN_TRACE_ID", trace)
	}
	result, failure := call(ctx, handler, event)
	prefix := c.base + "/invocation/" + details.RequestID
	if failure != nil {
		body, _ := json.Marshal(failure)
		return c.post(prefix+"/error", body, failure.ErrorType)
	}
	return c.post(prefix+"/response", result, "")
}

// call runs the handler, turning its error, a result that cannot be marshalled, or a panic into an errorResponse.
func call(ctx context.Context, handler Handler, event []byte) (result []byte, failure *errorResponse) {
	defer func() {
		if value := recover(); value != nil {
			lines := strings.Split(strings.TrimSpace(string(debug.Stack())), "\n")
			failure = &errorResponse{ErrorMessage: fmt.Sprint(value), ErrorType: "Runtime.Panic", StackTrace: lines}
			fmt.Fprintf(os.Stderr, "panic: %v\n", value)
		}
	}()
	value, err := handler(ctx, json.RawMessage(event))
	if err != nil {
		return nil, &errorResponse{ErrorMessage: err.Error(), ErrorType: errorType(err)}
	}
	result, err = json.Marshal(value)
	if err != nil {
		return nil, &errorResponse{ErrorMessage: err.Error(), ErrorType: "Runtime.MarshalError"}
	}
	return result, nil
}

// errorType names an error by its Go type, as aws-lambda-go does: "errorString" for errors.New.
func errorType(err error) string {
	name := fmt.Sprintf("%T", err)
	name = strings.TrimLeft(name, "*")
	if dot := strings.LastIndex(name, "."); dot >= 0 {
		name = name[dot+1:]
	}
	return name
}

func (c *client) post(url string, body []byte, errorType string) error {
	request, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	request.Header.Set("Content-Type", "application/json")
	if errorType != "" {
		request.Header.Set("Lambda-Runtime-Function-Error-Type", errorType)
	}
	response, err := c.http.Do(request)
	if err != nil {
		return fmt.Errorf("post %s: %w", url, err)
	}
	io.Copy(io.Discard, response.Body)
	response.Body.Close()
	if response.StatusCode != http.StatusAccepted {
		return fmt.Errorf("post %s: status %d", url, response.StatusCode)
	}
	return nil
}
