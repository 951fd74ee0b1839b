"""The Inspektorat's work queue: the inbox and the semester review."""
