"""Source readers: one folder per source, each with its README data card."""
