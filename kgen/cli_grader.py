"""CLI commands for the grader (`kgen check`, `grade`, `exercises`, `grader export`)."""
