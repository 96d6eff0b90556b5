package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"
)

// Summary is a Result as numbers for a report: the form --json prints.
type Summary struct {
	Endpoint       string  `json:"endpoint"`
	Workers        int     `json:"workers"`
	Mix            string  `json:"mix"`
	ElapsedSeconds float64 `json:"elapsed_seconds"`
	// ClientCPUPerRequest is the load generator's CPU time per request, in microseconds.
	ClientCPUPerRequest float64              `json:"client_cpu_us_per_request"`
	Requests            int64                `json:"requests"`
	Errors              int64                `json:"errors"`
	Throughput          float64              `json:"requests_per_second"`
	Latency             LatencySummary       `json:"latency_ms"`
	Operations          map[string]OpSummary `json:"operations"`
	ErrorsByCode        map[string]int64     `json:"errors_by_code"`
	FirstError          map[string]string    `json:"first_error,omitempty"`
}

// OpSummary is one operation's share of a Summary.
type OpSummary struct {
	Requests   int64          `json:"requests"`
	Errors     int64          `json:"errors"`
	Throughput float64        `json:"requests_per_second"`
	Latency    LatencySummary `json:"latency_ms"`
}

// LatencySummary holds latency percentiles in milliseconds.
type LatencySummary struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p99_9"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func latencySummary(h *Histogram) LatencySummary {
	return LatencySummary{
		P50: ms(h.Quantile(0.50)), P90: ms(h.Quantile(0.90)), P99: ms(h.Quantile(0.99)),
		P999: ms(h.Quantile(0.999)), Max: ms(h.Max()), Mean: ms(h.Mean()),
	}
}

// Summary returns the result's numbers.
func (r *Result) Summary() Summary {
	s := Summary{
		Endpoint: r.Endpoint, Workers: r.Workers, Mix: r.Mix.String(),
		ElapsedSeconds: r.Elapsed.Seconds(), Requests: r.Requests, Errors: r.Errors,
		Throughput: r.Throughput(), Latency: latencySummary(r.Latency),
		Operations: map[string]OpSummary{}, ErrorsByCode: r.ErrorsByCode, FirstError: r.FirstError,
	}
	if r.Requests > 0 {
		s.ClientCPUPerRequest = float64(r.ClientCPU) / float64(time.Microsecond) / float64(r.Requests)
	}
	for o, op := range r.Ops {
		if op.Requests == 0 {
			continue
		}
		ops := OpSummary{Requests: op.Requests, Errors: op.Errors, Latency: latencySummary(op.Latency)}
		if r.Elapsed > 0 {
			ops.Throughput = float64(op.Requests) / r.Elapsed.Seconds()
		}
		s.Operations[Op(o).String()] = ops
	}
	return s
}

// WriteJSON writes the result's Summary as one indented JSON document.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r.Summary())
}

// WriteText writes the result for a person to read.
func (r *Result) WriteText(w io.Writer) error {
	s := r.Summary()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "endpoint\t%s, %d workers, mix %s\n", s.Endpoint, s.Workers, s.Mix)
	fmt.Fprintf(tw, "requests\t%d in %.2f s: %.0f requests/s, %d errors\n", s.Requests, s.ElapsedSeconds, s.Throughput, s.Errors)
	fmt.Fprintf(tw, "latency\t%s\n", latencyText(s.Latency))
	if s.ClientCPUPerRequest > 0 {
		fmt.Fprintf(tw, "load generator\t%.1f µs CPU per request\n", s.ClientCPUPerRequest)
	}
	for o := range numOps {
		op, ok := s.Operations[Op(o).String()]
		if !ok {
			continue
		}
		fmt.Fprintf(tw, "  %s\t%d requests, %.0f/s, %d errors; %s\n", Op(o), op.Requests, op.Throughput, op.Errors, latencyText(op.Latency))
	}
	if len(s.ErrorsByCode) > 0 {
		fmt.Fprintf(tw, "errors by code\t\n")
		codes := make([]string, 0, len(s.ErrorsByCode))
		for c := range s.ErrorsByCode {
			codes = append(codes, c)
		}
		slices.Sort(codes)
		for _, c := range codes {
			line := fmt.Sprintf("  %s\t%d", c, s.ErrorsByCode[c])
			if m, ok := s.FirstError[c]; ok {
				line += " (first: " + m + ")"
			}
			fmt.Fprintln(tw, line)
		}
	}
	return tw.Flush()
}

func latencyText(l LatencySummary) string {
	return fmt.Sprintf("p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms, mean %.3f ms",
		l.P50, l.P90, l.P99, l.P999, l.Max, l.Mean)
}
