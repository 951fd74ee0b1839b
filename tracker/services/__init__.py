"""Rules and every write. Functions take the acting user and the time, flush, never commit."""
