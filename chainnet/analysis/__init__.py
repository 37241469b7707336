"""Analyses of a cluster: one concept per module, pure functions returning tables and small result objects."""
