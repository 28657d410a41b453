"""Ensembles and sweeps: seeding, chunking, execution, streaming to result folders."""
