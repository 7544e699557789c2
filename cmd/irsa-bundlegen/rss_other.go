//go:build !linux && !darwin

package main

import "os"

// peakRSS is not measured on this system.
func peakRSS() int64 { return 0 }

// childRSS is not measured on this system.
func childRSS(*os.ProcessState) int64 { return 0 }
