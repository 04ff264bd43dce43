"""Several replicas, one collector: the lease that elects it in the shared database, the changes
it publishes to the other replicas, and the actions they ask it to make (issue 22)."""
