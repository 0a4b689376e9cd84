"""The steps of `apply`, one module each, sharing one `ApplyRun` (context.py): the run's
state, its reporting and the clients it acts with. `jcasc_gen.live.apply` strings them
together; a new step (item matrices, a reload-based apply) is a module here and one line
in `Applier.run`."""
